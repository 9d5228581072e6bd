"""EfficientNet written the way timm writes it (timm.models.efficientnet, _efficientnet_blocks, _efficientnet_builder,
layers.norm_act, layers.cond_conv2d, layers.mixed_conv2d), cut down to what its EfficientNet variants need.

Stages are decoded from architecture strings ('ir_r2_k3_s2_e6_c24_se0.25': inverted residual, 2 repeats, 3x3,
stride 2, expand 6, 24 channels, SE 0.25; 'ds' depthwise-separable, 'er' edge residual = fused MBConv, '_cc4'
CondConv with 4 experts, 'k3.5.7' mixed depthwise kernels, '_noskip'). Normalisation and activation are one module
(BatchNormAct2d, GroupNormAct, FrozenBatchNormAct2d) that calls F.batch_norm / F.group_norm itself; the SE is
x.mean -> conv_reduce -> act1 -> conv_expand -> gate; CondConv2d computes its groups from x.shape and its weight
from the routing; the head is conv_head -> bn2 -> SelectAdaptivePool2d (pool + flatten) -> classifier.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from tests.ports.timm_layers import (
    BatchNormAct2d,
    FrozenBatchNormAct2d,
    GroupNormAct,
    LayerNormAct2d,
    create_conv2d,
    make_divisible,
    no_norm_act,
)


def round_channels(channels: int, multiplier: float = 1.0, divisor: int = 8) -> int:
    return make_divisible(channels * multiplier, divisor) if multiplier else channels


# ----------------------------------------------------------------------------------------------------- blocks
class SqueezeExcite(nn.Module):
    def __init__(self, in_chs: int, rd_channels: int, act_layer: Callable[..., nn.Module] = nn.ReLU) -> None:
        super().__init__()
        self.conv_reduce = nn.Conv2d(in_chs, rd_channels, 1, bias=True)
        self.act1 = act_layer(inplace=True)
        self.conv_expand = nn.Conv2d(rd_channels, in_chs, 1, bias=True)
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_se = x.mean((2, 3), keepdim=True)
        x_se = self.act1(self.conv_reduce(x_se))
        return x * self.gate(self.conv_expand(x_se))


class DropPath(nn.Module):
    def __init__(self, drop_prob: float = 0.0) -> None:
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.drop_prob == 0.0 or not self.training:
            return x
        keep = 1 - self.drop_prob
        return x * x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep) / keep


class Block(nn.Module):
    """What the block classes share: the skip rule and its forward tail."""

    def _tail(self, x: torch.Tensor, shortcut: torch.Tensor) -> torch.Tensor:
        return self.drop_path(x) + shortcut if self.has_skip else x


class DepthwiseSeparableConv(Block):
    def __init__(self, in_chs, out_chs, dw_kernel_size, stride, noskip, se_chs, act_layer, norm_layer, drop_path):
        super().__init__()
        self.has_skip = stride == 1 and in_chs == out_chs and not noskip
        self.conv_dw = create_conv2d(in_chs, in_chs, dw_kernel_size, stride, depthwise=True)
        self.bn1 = norm_layer(in_chs, act_layer=act_layer)
        self.se = SqueezeExcite(in_chs, se_chs, act_layer) if se_chs else nn.Identity()
        self.conv_pw = create_conv2d(in_chs, out_chs, 1)
        self.bn2 = norm_layer(out_chs, apply_act=False)
        self.drop_path = DropPath(drop_path) if drop_path else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.se(self.bn1(self.conv_dw(x)))
        return self._tail(self.bn2(self.conv_pw(x)), shortcut)


class InvertedResidual(Block):
    def __init__(
        self,
        in_chs,
        out_chs,
        dw_kernel_size,
        stride,
        noskip,
        se_chs,
        act_layer,
        norm_layer,
        drop_path,
        mid_chs,
        num_experts=0,
    ):
        super().__init__()
        self.has_skip = stride == 1 and in_chs == out_chs and not noskip
        self.conv_pw = create_conv2d(in_chs, mid_chs, 1, num_experts=num_experts)
        self.bn1 = norm_layer(mid_chs, act_layer=act_layer)
        self.conv_dw = create_conv2d(mid_chs, mid_chs, dw_kernel_size, stride, depthwise=True, num_experts=num_experts)
        self.bn2 = norm_layer(mid_chs, act_layer=act_layer)
        self.se = SqueezeExcite(mid_chs, se_chs, act_layer) if se_chs else nn.Identity()
        self.conv_pwl = create_conv2d(mid_chs, out_chs, 1, num_experts=num_experts)
        self.bn3 = norm_layer(out_chs, apply_act=False)
        self.drop_path = DropPath(drop_path) if drop_path else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.bn2(self.conv_dw(self.bn1(self.conv_pw(x))))
        return self._tail(self.bn3(self.conv_pwl(self.se(x))), shortcut)


class CondConvResidual(InvertedResidual):
    def __init__(self, *args, num_experts: int, **kwargs) -> None:
        super().__init__(*args, num_experts=num_experts, **kwargs)
        self.routing_fn = nn.Linear(args[0], num_experts)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        pooled_inputs = F.adaptive_avg_pool2d(x, 1).flatten(1)  # CondConv routing
        routing_weights = torch.sigmoid(self.routing_fn(pooled_inputs))
        x = self.bn1(self.conv_pw(x, routing_weights))
        x = self.se(self.bn2(self.conv_dw(x, routing_weights)))
        return self._tail(self.bn3(self.conv_pwl(x, routing_weights)), shortcut)


class EdgeResidual(Block):
    """Expansion convolution (a full kxk conv, strided) then a pointwise-linear projection: FusedMBConv."""

    def __init__(
        self, in_chs, out_chs, exp_kernel_size, stride, noskip, se_chs, act_layer, norm_layer, drop_path, mid_chs
    ):
        super().__init__()
        self.has_skip = stride == 1 and in_chs == out_chs and not noskip
        self.conv_exp = create_conv2d(in_chs, mid_chs, exp_kernel_size, stride)
        self.bn1 = norm_layer(mid_chs, act_layer=act_layer)
        self.se = SqueezeExcite(mid_chs, se_chs, act_layer) if se_chs else nn.Identity()
        self.conv_pwl = create_conv2d(mid_chs, out_chs, 1)
        self.bn2 = norm_layer(out_chs, apply_act=False)
        self.drop_path = DropPath(drop_path) if drop_path else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.se(self.bn1(self.conv_exp(x)))
        return self._tail(self.bn2(self.conv_pwl(x)), shortcut)


# ---------------------------------------------------------------------------------------------------- builder
def decode_block(text: str) -> dict:
    kind, *ops = text.split("_")
    args: dict = dict(kind=kind, noskip="noskip" in ops, se=0.0, fc=0, cc=0)
    for op in ops:
        key, value = re.split(r"(\d.*)", op)[:2] if op != "noskip" else (op, "")
        if key == "k":
            sizes = [int(k) for k in value.split(".")]
            args["k"] = sizes if len(sizes) > 1 else sizes[0]
        elif key in ("r", "s", "c", "fc", "cc"):
            args[key] = int(value)
        elif key in ("e", "se"):
            args[key] = float(value)
    return args


class EfficientNet(nn.Module):
    def __init__(
        self,
        arch_def: list[list[str]],
        channel_multiplier: float = 1.0,
        depth_multiplier: float = 1.0,
        num_classes: int = 1000,
        stem_size: int = 32,
        num_features: int = 1280,
        drop_rate: float = 0.2,
        drop_path_rate: float = 0.2,
        act_layer: Callable[..., nn.Module] = nn.SiLU,
        norm_layer: Callable[..., nn.Module] = BatchNormAct2d,
        mid_fn: Callable | None = None,
    ) -> None:
        super().__init__()
        round_chs = partial(round_channels, multiplier=channel_multiplier)
        self.drop_rate = drop_rate
        stem_size = round_chs(stem_size)
        self.conv_stem = create_conv2d(3, stem_size, 3, stride=2)
        self.bn1 = norm_layer(stem_size, act_layer=act_layer)
        stages = [[decode_block(b) for b in stage] for stage in arch_def]
        repeats = [[max(1, math.ceil(b["r"] * depth_multiplier)) for b in stage] for stage in stages]
        total, index, in_chs = sum(map(sum, repeats)), 0, stem_size
        self.blocks = nn.Sequential()
        for stage, stage_repeats in zip(stages, repeats):
            layers = []
            for b, r in zip(stage, stage_repeats):
                for i in range(r):
                    out_chs = round_chs(b["c"])
                    stride = b["s"] if i == 0 else 1
                    mid = make_divisible((b["fc"] or in_chs) * b["e"])
                    mid = mid_fn(index, mid) if mid_fn else mid
                    se_chs = max(1, int(in_chs * b["se"])) if b["se"] else 0
                    common = (
                        in_chs,
                        out_chs,
                        b["k"],
                        stride,
                        b["noskip"],
                        se_chs,
                        act_layer,
                        norm_layer,
                        drop_path_rate * index / total,
                    )
                    if b["kind"] == "ds":
                        layers.append(DepthwiseSeparableConv(*common))
                    elif b["kind"] == "er":
                        layers.append(EdgeResidual(*common, mid_chs=mid))
                    elif b["cc"]:
                        layers.append(CondConvResidual(*common, mid_chs=mid, num_experts=b["cc"]))
                    else:
                        layers.append(InvertedResidual(*common, mid_chs=mid))
                    in_chs, index = out_chs, index + 1
            self.blocks.append(nn.Sequential(*layers))
        self.num_features = round_chs(num_features)
        self.conv_head = create_conv2d(in_chs, self.num_features, 1)
        self.bn2 = norm_layer(self.num_features, act_layer=act_layer)
        self.global_pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1))
        self.classifier = nn.Linear(self.num_features, num_classes) if num_classes else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn2(self.conv_head(self.blocks(self.bn1(self.conv_stem(x)))))
        x = self.global_pool(x)
        if self.drop_rate > 0.0:
            x = F.dropout(x, p=self.drop_rate, training=self.training)
        return self.classifier(x)


B0_ARCH = [
    ["ds_r1_k3_s1_e1_c16_se0.25"],
    ["ir_r2_k3_s2_e6_c24_se0.25"],
    ["ir_r2_k5_s2_e6_c40_se0.25"],
    ["ir_r3_k3_s2_e6_c80_se0.25"],
    ["ir_r3_k5_s1_e6_c112_se0.25"],
    ["ir_r4_k5_s2_e6_c192_se0.25"],
    ["ir_r1_k3_s1_e6_c320_se0.25"],
]


def efficientnet_b0(**kwargs) -> EfficientNet:
    return EfficientNet(B0_ARCH, **kwargs)


def efficientnet_b0_gn(**kwargs) -> EfficientNet:
    """B0 with group norm, 8 channels per group (timm's efficientnet_b0_gn)."""
    return EfficientNet(B0_ARCH, norm_layer=partial(GroupNormAct, group_size=8), **kwargs)


def efficientnet_b0_ln(**kwargs) -> EfficientNet:
    """B0 with layer norm over the channels (LayerNorm2d)."""
    return EfficientNet(B0_ARCH, norm_layer=LayerNormAct2d, **kwargs)


def efficientnet_b0_no_norm(**kwargs) -> EfficientNet:
    """B0 without any normalisation layer."""
    return EfficientNet(B0_ARCH, norm_layer=no_norm_act, **kwargs)


def efficientnet_b0_frozen(**kwargs) -> EfficientNet:
    """B0 with frozen batch norm (timm's freeze_batch_norm_2d applied to efficientnet_b0)."""
    return EfficientNet(B0_ARCH, norm_layer=FrozenBatchNormAct2d, **kwargs)


def efficientnet_cc_b0_4e(**kwargs) -> EfficientNet:
    """CondConv B0: stages 5-7 mix 4 expert kernels per example (timm's efficientnet_cc_b0_4e)."""
    arch = [*B0_ARCH[:4], *([s[0] + "_cc4"] for s in B0_ARCH[4:])]
    return EfficientNet(arch, **kwargs)


def mixnet_b0(**kwargs) -> EfficientNet:
    """B0 whose stride-2 stages use mixed depthwise kernels (MixNet's MixConv) instead of one kernel size."""
    arch = [["ir_r2_k3.5.7_s2_e6_c24_se0.25" if s == B0_ARCH[1] else s[0]] for s in B0_ARCH]
    return EfficientNet(arch, **kwargs)


def efficientnet_es(**kwargs) -> EfficientNet:
    """EfficientNet-EdgeTPU-S: three fused-MBConv (edge residual) stages, ReLU, no squeeze-and-excitation."""
    arch = [
        ["er_r1_k3_s1_e4_c24_fc24_noskip"],
        ["er_r2_k3_s2_e8_c32"],
        ["er_r4_k3_s2_e8_c48"],
        ["ir_r5_k5_s2_e8_c96"],
        ["ir_r4_k5_s1_e8_c144"],
        ["ir_r2_k5_s2_e8_c192"],
    ]
    return EfficientNet(arch, act_layer=nn.ReLU, **kwargs)


# Fraction of each sub-block's expansion width kept by channel pruning (a repeating pattern; timm reads its
# efficientnet_b3_pruned widths from a file, one per layer).
PRUNED_KEEP = (0.5, 0.75, 0.625, 0.875, 0.375)


def efficientnet_b3_pruned(**kwargs) -> EfficientNet:
    """B3 with channel-pruned expansions: every sub-block has its own expanded width; stages, repeats, kernels,
    strides and stage widths stay B3's."""

    def pruned(index: int, mid: int) -> int:
        return make_divisible(mid * PRUNED_KEEP[index % len(PRUNED_KEEP)])

    return EfficientNet(B0_ARCH, channel_multiplier=1.2, depth_multiplier=1.4, drop_rate=0.3, mid_fn=pruned, **kwargs)
