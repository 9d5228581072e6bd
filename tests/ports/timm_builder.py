"""timm's architecture strings and block builder (timm.models._efficientnet_builder), cut down to what the ports need.

'ir_r2_k3_s2_e6_c24_se0.25' is an inverted residual, 2 repeats, 3x3, stride 2, expand 6, 24 channels, SE 0.25; 'ds'
a depthwise-separable block, 'er' an edge residual (fused MBConv), 'cn' a conv + norm + act; 'k3.5.7' mixed depthwise
kernels, 'a1.1' / 'p1.1' an expansion / projection split into two 1x1 convolutions (MixNet), '_cc4' CondConv with 4
experts, 'fc24' a forced input width, '_nre' / '_nsw' / '_nhs' a block's own activation (ReLU, swish, hard-swish),
'_noskip' / '_skip' the skip rule. Repeats scale by ceil(repeats x depth multiplier); the drop-path rate grows with
the block index; the SE width comes from the block input (EfficientNet) or from the expanded width
(se_from_exp, MobileNetV3).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from torch import nn

from tests.ports.timm_blocks import CondConvResidual, ConvBnAct, DepthwiseSeparableConv, EdgeResidual, InvertedResidual
from tests.ports.timm_layers import make_divisible

ACTIVATIONS: dict[str, Callable[..., nn.Module]] = {"re": nn.ReLU, "r6": nn.ReLU6, "hs": nn.Hardswish, "sw": nn.SiLU}
BlockArgs = dict[str, Any]


def round_channels(channels: float, multiplier: float = 1.0, divisor: int = 8, round_limit: float = 0.9) -> int:
    return make_divisible(channels * multiplier, divisor, round_limit=round_limit) if multiplier else int(channels)


def _kernel(text: str) -> int | list[int]:
    sizes = [int(k) for k in text.split(".")]
    return sizes if len(sizes) > 1 else sizes[0]


def decode_block(text: str) -> tuple[BlockArgs, int]:
    """One block string -> (the block's keyword arguments with its type, the repeats)."""
    block_type, *ops = text.split("_")
    options: dict[str, str] = {}
    skip: bool | None = None
    act: Callable[..., nn.Module] | None = None
    for op in ops:
        if op in ("noskip", "skip"):
            skip = op == "skip"
        elif op.startswith("n"):
            act = ACTIVATIONS[op[1:]]
        else:
            key, value = re.split(r"(\d.*)", op)[:2]
            options[key] = value
    args: BlockArgs = dict(block_type=block_type, out_chs=int(options["c"]), stride=int(options["s"]), act_layer=act)
    se = float(options.get("se", 0.0))
    if block_type == "cn":
        args.update(kernel_size=int(options["k"]), skip=skip is True)
    elif block_type == "er":
        args.update(exp_kernel_size=_kernel(options["k"]), exp_ratio=float(options["e"]), se_ratio=se)
        args.update(force_in_chs=int(options.get("fc", 0)), noskip=skip is False)
    else:  # ir, ds
        args.update(dw_kernel_size=_kernel(options["k"]), pw_kernel_size=_kernel(options.get("p", "1")))
        args.update(se_ratio=se, noskip=skip is False)
        if block_type == "ir":
            args.update(exp_kernel_size=_kernel(options.get("a", "1")), exp_ratio=float(options["e"]))
            if "cc" in options:
                args["num_experts"] = int(options["cc"])
    return args, int(options["r"])


def decode_arch_def(arch_def: list[list[str]], depth_multiplier: float = 1.0) -> list[list[BlockArgs]]:
    """Every stage's blocks, repeated; a stage's repeats scale together and are shared out from the last string."""
    stages = []
    for strings in arch_def:
        decoded = [decode_block(s) for s in strings]
        total = sum(r for _, r in decoded)
        scaled = int(math.ceil(total * depth_multiplier))
        counts = []
        for _, r in reversed(decoded):
            count = max(1, round(r / total * scaled))
            counts.append(count)
            total, scaled = total - r, scaled - count
        stages.append([dict(args) for (args, _), n in zip(decoded, reversed(counts)) for _ in range(n)])
    return stages


class EfficientNetBuilder:
    """Blocks from decoded stages: widths rounded, stride on each stage's first block, drop-path rate by index."""

    def __init__(
        self,
        round_chs_fn: Callable[[float], int] = round_channels,
        act_layer: Callable[..., nn.Module] = nn.ReLU,
        norm_layer: Callable[..., nn.Module] = nn.BatchNorm2d,
        se_layer: Callable[..., nn.Module] | None = None,
        se_from_exp: bool = False,
        drop_path_rate: float = 0.0,
        adapt: Callable[[int, BlockArgs], BlockArgs] | None = None,
    ) -> None:
        self.round_chs_fn, self.act_layer, self.norm_layer = round_chs_fn, act_layer, norm_layer
        self.se_layer, self.se_from_exp, self.drop_path_rate = se_layer, se_from_exp, drop_path_rate
        self.adapt = adapt  # a pruned model's own widths, block by block
        self.in_chs = 0

    def _make_block(self, args: BlockArgs, index: int, count: int) -> nn.Module:
        args = dict(args, in_chs=self.in_chs, out_chs=self.round_chs_fn(args["out_chs"]))
        block_type = args.pop("block_type")
        args["act_layer"] = args["act_layer"] or self.act_layer
        args["norm_layer"] = self.norm_layer
        args["drop_path_rate"] = self.drop_path_rate * index / count
        se_ratio = args.pop("se_ratio", 0.0)
        if se_ratio and self.se_layer is not None:
            ratio = se_ratio if self.se_from_exp else se_ratio / args.get("exp_ratio", 1.0)
            args["se_layer"] = partial(self.se_layer, rd_ratio=ratio)
        if args.get("force_in_chs"):
            args["force_in_chs"] = self.round_chs_fn(args["force_in_chs"])
        args = self.adapt(index, args) if self.adapt else args
        self.in_chs = args["out_chs"]
        if block_type == "cn":
            return ConvBnAct(**args)
        if block_type == "ds":
            return DepthwiseSeparableConv(**args)
        if block_type == "er":
            return EdgeResidual(**args)
        return CondConvResidual(**args) if args.get("num_experts") else InvertedResidual(**args)

    def __call__(self, in_chs: int, stages: list[list[BlockArgs]]) -> list[nn.Sequential]:
        self.in_chs = in_chs
        count, index, built = sum(map(len, stages)), 0, []
        for blocks in stages:
            layers = []
            for i, args in enumerate(blocks):
                layers.append(self._make_block(dict(args, stride=args["stride"] if i == 0 else 1), index, count))
                index += 1
            built.append(nn.Sequential(*layers))
        return built
