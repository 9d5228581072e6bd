"""MobileNetV3 written the way timm writes it (timm.models.mobilenetv3), on the same blocks and builder as timm_style.

Hard-swish after the first stages (ReLU before), SE widths from the expanded width rounded to 8 with a ReLU inside
and a hard-sigmoid gate, the last block a 1x1 conv + norm + act to 960 channels; then timm's "efficient head":
pooling first, a 1x1 conv to 1280 channels with a bias and no norm, hard-swish, flatten, the classifier.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from tests.ports.timm_attention import SqueezeExcite
from tests.ports.timm_builder import BlockArgs, EfficientNetBuilder, decode_arch_def, round_channels
from tests.ports.timm_layers import BatchNormAct2d, create_conv2d


class MobileNetV3(nn.Module):
    def __init__(
        self,
        block_args: list[list[BlockArgs]],
        num_classes: int = 1000,
        stem_size: int = 16,
        num_features: int = 1280,
        act_layer: Callable[..., nn.Module] = nn.ReLU,
        norm_layer: Callable[..., nn.Module] = BatchNormAct2d,
        se_layer: Callable[..., nn.Module] = SqueezeExcite,
        drop_rate: float = 0.0,
        drop_path_rate: float = 0.0,
    ) -> None:
        super().__init__()
        self.drop_rate = drop_rate
        self.conv_stem = create_conv2d(3, stem_size, 3, stride=2)
        self.bn1 = norm_layer(stem_size, act_layer=act_layer)
        builder = EfficientNetBuilder(round_channels, act_layer, norm_layer, se_layer, True, drop_path_rate)
        self.blocks = nn.Sequential(*builder(stem_size, block_args))
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.conv_head = nn.Conv2d(builder.in_chs, num_features, 1, bias=True)
        self.act2 = act_layer(inplace=True)
        self.flatten = nn.Flatten(1)
        self.classifier = nn.Linear(num_features, num_classes) if num_classes else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.bn1(self.conv_stem(x)))
        x = self.flatten(self.act2(self.conv_head(self.global_pool(x))))
        if self.drop_rate > 0.0:
            x = F.dropout(x, p=self.drop_rate, training=self.training)
        return self.classifier(x)


def mobilenetv3_large_100(**kwargs: Any) -> MobileNetV3:
    arch = [
        ["ds_r1_k3_s1_e1_c16_nre"],
        ["ir_r1_k3_s2_e4_c24_nre", "ir_r1_k3_s1_e3_c24_nre"],
        ["ir_r3_k5_s2_e3_c40_se0.25_nre"],
        ["ir_r1_k3_s2_e6_c80", "ir_r1_k3_s1_e2.5_c80", "ir_r2_k3_s1_e2.3_c80"],
        ["ir_r2_k3_s1_e6_c112_se0.25"],
        ["ir_r3_k5_s2_e6_c160_se0.25"],
        ["cn_r1_k1_s1_c960"],
    ]
    se_layer = partial(SqueezeExcite, gate_layer=nn.Hardsigmoid, force_act_layer=nn.ReLU, rd_round_fn=round_channels)
    return MobileNetV3(decode_arch_def(arch), act_layer=nn.Hardswish, se_layer=se_layer, **kwargs)
