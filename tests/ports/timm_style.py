"""EfficientNet written the way timm writes it (timm.models.efficientnet), cut down to what its variants need; the
blocks, builder, layers and attention modules are in timm_blocks, timm_builder, timm_layers and timm_attention.

As in timm: normalisation and activation are one module (BatchNormAct2d, GroupNormAct, FrozenBatchNormAct2d) that
calls F.batch_norm / F.group_norm itself; the head is conv_head -> bn2 -> pooling + flatten -> classifier, with
the classifier's dropout applied functionally and only when drop_rate > 0; drop_rate and drop_path_rate default
to 0 (Keras' B0 uses 0.2 and 0.2). `create_model(model_name, **kwargs)` builds one of these by name.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from tests.ports.timm_attention import SqueezeExcite, get_attn
from tests.ports.timm_builder import BlockArgs, EfficientNetBuilder, decode_arch_def, round_channels
from tests.ports.timm_layers import (
    BatchNormAct2d,
    FrozenBatchNormAct2d,
    GroupNormAct,
    LayerNormAct2d,
    create_conv2d,
    make_divisible,
    no_norm_act,
)


class EfficientNet(nn.Module):
    def __init__(
        self,
        block_args: list[list[BlockArgs]],
        num_classes: int = 1000,
        num_features: int = 1280,
        stem_size: int = 32,
        act_layer: Callable[..., nn.Module] = nn.ReLU,
        norm_layer: Callable[..., nn.Module] = BatchNormAct2d,
        se_layer: Callable[..., nn.Module] | str | None = None,
        round_chs_fn: Callable[[float], int] = round_channels,
        drop_rate: float = 0.0,
        drop_path_rate: float = 0.0,
        adapt: Callable[[int, BlockArgs], BlockArgs] | None = None,
    ) -> None:
        super().__init__()
        self.drop_rate = drop_rate
        stem_size = round_chs_fn(stem_size)
        self.conv_stem = create_conv2d(3, stem_size, 3, stride=2)
        self.bn1 = norm_layer(stem_size, act_layer=act_layer)
        builder = EfficientNetBuilder(
            round_chs_fn, act_layer, norm_layer, get_attn(se_layer or SqueezeExcite), False, drop_path_rate, adapt
        )
        self.blocks = nn.Sequential(*builder(stem_size, block_args))
        self.conv_head = create_conv2d(builder.in_chs, num_features, 1)
        self.bn2 = norm_layer(num_features, act_layer=act_layer)
        self.global_pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1))
        self.classifier = nn.Linear(num_features, num_classes) if num_classes else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn2(self.conv_head(self.blocks(self.bn1(self.conv_stem(x)))))
        x = self.global_pool(x)
        if self.drop_rate > 0.0:
            x = F.dropout(x, p=self.drop_rate, training=self.training)
        return self.classifier(x)


def _gen_efficientnet(
    arch_def: list[list[str]], channel_multiplier: float = 1.0, depth_multiplier: float = 1.0, **kwargs: Any
) -> EfficientNet:
    round_chs_fn = partial(round_channels, multiplier=channel_multiplier)
    kwargs.setdefault("act_layer", nn.SiLU)
    return EfficientNet(
        decode_arch_def(arch_def, depth_multiplier),
        num_features=round_chs_fn(1280),
        round_chs_fn=round_chs_fn,
        **kwargs,
    )


B0_ARCH = [
    ["ds_r1_k3_s1_e1_c16_se0.25"],
    ["ir_r2_k3_s2_e6_c24_se0.25"],
    ["ir_r2_k5_s2_e6_c40_se0.25"],
    ["ir_r3_k3_s2_e6_c80_se0.25"],
    ["ir_r3_k5_s1_e6_c112_se0.25"],
    ["ir_r4_k5_s2_e6_c192_se0.25"],
    ["ir_r1_k3_s1_e6_c320_se0.25"],
]


def efficientnet_b0(**kwargs: Any) -> EfficientNet:
    return _gen_efficientnet(B0_ARCH, **kwargs)


def efficientnet_b1(**kwargs: Any) -> EfficientNet:
    return _gen_efficientnet(B0_ARCH, depth_multiplier=1.1, **kwargs)


def efficientnet_b0_gn(**kwargs: Any) -> EfficientNet:
    """B0 with group norm, 8 channels per group (timm's efficientnet_b0_gn)."""
    return _gen_efficientnet(B0_ARCH, norm_layer=partial(GroupNormAct, group_size=8), **kwargs)


def efficientnet_b0_ln(**kwargs: Any) -> EfficientNet:
    """B0 with layer norm over the channels (LayerNorm2d)."""
    return _gen_efficientnet(B0_ARCH, norm_layer=LayerNormAct2d, **kwargs)


def efficientnet_b0_no_norm(**kwargs: Any) -> EfficientNet:
    """B0 without any normalisation layer."""
    return _gen_efficientnet(B0_ARCH, norm_layer=no_norm_act, **kwargs)


def efficientnet_b0_frozen(**kwargs: Any) -> EfficientNet:
    """B0 with frozen batch norm (timm's freeze_batch_norm_2d applied to efficientnet_b0)."""
    return _gen_efficientnet(B0_ARCH, norm_layer=FrozenBatchNormAct2d, **kwargs)


def efficientnet_cc_b0_4e(**kwargs: Any) -> EfficientNet:
    """CondConv B0: stages 5-7 mix 4 expert kernels per example (timm's efficientnet_cc_b0_4e)."""
    return _gen_efficientnet([*B0_ARCH[:4], *([s[0] + "_cc4"] for s in B0_ARCH[4:])], **kwargs)


def mixnet_b0(**kwargs: Any) -> EfficientNet:
    """B0 whose block 2 uses mixed depthwise kernels (MixNet's MixConv) instead of one kernel size."""
    arch = [["ir_r2_k3.5.7_s2_e6_c24_se0.25" if s == B0_ARCH[1] else s[0]] for s in B0_ARCH]
    return _gen_efficientnet(arch, **kwargs)


def mixnet_s(**kwargs: Any) -> EfficientNet:
    """MixNet-S: mixed depthwise kernels, expansions and projections split into two 1x1 convolutions ('a1.1',
    'p1.1'), ReLU in the first stages and swish after, SE 0.5 of the block input, a 1536-channel head."""
    arch = [
        ["ds_r1_k3_s1_e1_c16"],
        ["ir_r1_k3_a1.1_p1.1_s2_e6_c24", "ir_r1_k3_a1.1_p1.1_s1_e3_c24"],
        ["ir_r1_k3.5.7_s2_e6_c40_se0.5_nsw", "ir_r3_k3.5_a1.1_p1.1_s1_e6_c40_se0.5_nsw"],
        ["ir_r1_k3.5.7_p1.1_s2_e6_c80_se0.25_nsw", "ir_r2_k3.5_p1.1_s1_e6_c80_se0.25_nsw"],
        ["ir_r1_k3.5.7_a1.1_p1.1_s1_e6_c120_se0.5_nsw", "ir_r2_k3.5.7.9_a1.1_p1.1_s1_e3_c120_se0.5_nsw"],
        ["ir_r1_k3.5.7.9.11_s2_e6_c200_se0.5_nsw", "ir_r2_k3.5.7.9_p1.1_s1_e6_c200_se0.5_nsw"],
    ]
    return EfficientNet(decode_arch_def(arch), num_features=1536, stem_size=16, **kwargs)


def efficientnet_es(**kwargs: Any) -> EfficientNet:
    """EfficientNet-EdgeTPU-S: three fused-MBConv (edge residual) stages, ReLU, no squeeze-and-excitation."""
    arch = [
        ["er_r1_k3_s1_e4_c24_fc24_noskip"],
        ["er_r2_k3_s2_e8_c32"],
        ["er_r4_k3_s2_e8_c48"],
        ["ir_r5_k5_s2_e8_c96"],
        ["ir_r4_k5_s1_e8_c144"],
        ["ir_r2_k5_s2_e8_c192"],
    ]
    return _gen_efficientnet(arch, act_layer=nn.ReLU, **kwargs)


def _efficientnetv2_s(channel_multiplier: float, depth_multiplier: float, **kwargs: Any) -> EfficientNet:
    """timm's EfficientNetV2-S layout: a conv + skip stage, two fused stages, three MBConv stages with SE."""
    arch = [
        ["cn_r2_k3_s1_e1_c24_skip"],
        ["er_r4_k3_s2_e4_c48"],
        ["er_r4_k3_s2_e4_c64"],
        ["ir_r6_k3_s2_e4_c128_se0.25"],
        ["ir_r9_k3_s1_e6_c160_se0.25"],
        ["ir_r15_k3_s2_e6_c256_se0.25"],
    ]
    round_chs_fn = partial(round_channels, multiplier=channel_multiplier)
    return EfficientNet(
        decode_arch_def(arch, depth_multiplier),
        num_features=round_chs_fn(1280),
        stem_size=24,
        round_chs_fn=round_chs_fn,
        act_layer=nn.SiLU,
        **kwargs,
    )


def efficientnetv2_rw_t(**kwargs: Any) -> EfficientNet:
    """EfficientNetV2 'tiny' (timm's own scale of V2-S: width 0.8, depth 0.9)."""
    return _efficientnetv2_s(0.8, 0.9, **kwargs)


def gc_efficientnetv2_rw_t(**kwargs: Any) -> EfficientNet:
    """The same with global-context attention in place of squeeze-and-excitation (se_layer='gc')."""
    return _efficientnetv2_s(0.8, 0.9, se_layer="gc", **kwargs)


# Fraction of each sub-block's expansion width kept by channel pruning (a repeating pattern), and the SE widths
# pruning changed, by block index (timm reads its efficientnet_b3_pruned widths from a file, one per layer).
PRUNED_KEEP = (0.5, 0.75, 0.625, 0.875, 0.375)
PRUNED_SE = {16: 33}  # block5d: 34 -> 33


def _pruned(index: int, args: BlockArgs) -> BlockArgs:
    if "exp_ratio" not in args or args["exp_ratio"] == 1:
        return args
    mid = make_divisible(args["in_chs"] * args["exp_ratio"])
    se_layer = args["se_layer"]  # its width from the unpruned expansion, as the file keeps it, but for PRUNED_SE
    rd_channels = PRUNED_SE.get(index, round(mid * se_layer.keywords["rd_ratio"]))
    pruned = make_divisible(mid * PRUNED_KEEP[index % len(PRUNED_KEEP)])
    return dict(args, mid_chs=pruned, se_layer=partial(se_layer, rd_channels=rd_channels))


def efficientnet_b3_pruned(**kwargs: Any) -> EfficientNet:
    """B3 with channel-pruned expansions: every sub-block has its own expanded width, and block5d's SE is one
    channel narrower; stages, repeats, kernels, strides and stage widths stay B3's."""
    return _gen_efficientnet(B0_ARCH, 1.2, 1.4, adapt=_pruned, **kwargs)


MODELS: dict[str, Callable[..., nn.Module]] = {
    "efficientnet_b0": efficientnet_b0,
    "efficientnet_b1": efficientnet_b1,
    "mixnet_s": mixnet_s,
    "gc_efficientnetv2_rw_t": gc_efficientnetv2_rw_t,
}


def create_model(model_name: str, **kwargs: Any) -> nn.Module:
    """timm.create_model(model_name, **kwargs) for the models above."""
    return MODELS[model_name](**kwargs)
