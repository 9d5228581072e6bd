"""More of torchvision's EfficientNet code: EfficientNetV2's FusedMBConv stages (torchvision.models.efficientnet_v2_s)
and torchvision.ops.misc.FrozenBatchNorm2d as a norm_layer (as detection backbones build EfficientNets)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
from torch import nn

from tests.ports.torchvision_style import (
    Conv2dNormActivation,
    EfficientNet,
    MBConvConfig,
    StochasticDepth,
    _efficientnet,
    _MBConvConfig,
)


class FusedMBConvConfig(_MBConvConfig):
    def __init__(
        self,
        expand_ratio: float,
        kernel: int,
        stride: int,
        input_channels: int,
        out_channels: int,
        num_layers: int,
        block: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__(expand_ratio, kernel, stride, input_channels, out_channels, num_layers, block or FusedMBConv)


class FusedMBConv(nn.Module):
    """A full kxk convolution in place of MBConv's 1x1 expansion + depthwise convolution."""

    def __init__(
        self, cnf: FusedMBConvConfig, stochastic_depth_prob: float, norm_layer: Callable[..., nn.Module]
    ) -> None:
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        layers: list[nn.Module] = []
        activation_layer = nn.SiLU
        expanded_channels = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded_channels != cnf.input_channels:
            # fused expand
            layers.append(
                Conv2dNormActivation(
                    cnf.input_channels,
                    expanded_channels,
                    kernel_size=cnf.kernel,
                    stride=cnf.stride,
                    norm_layer=norm_layer,
                    activation_layer=activation_layer,
                )
            )
            # project
            layers.append(
                Conv2dNormActivation(
                    expanded_channels, cnf.out_channels, kernel_size=1, norm_layer=norm_layer, activation_layer=None
                )
            )
        else:
            layers.append(
                Conv2dNormActivation(
                    cnf.input_channels,
                    cnf.out_channels,
                    kernel_size=cnf.kernel,
                    stride=cnf.stride,
                    norm_layer=norm_layer,
                    activation_layer=activation_layer,
                )
            )
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result)
            result += input
        return result


def efficientnet_v2_s(**kwargs) -> EfficientNet:
    setting: list[_MBConvConfig] = [
        FusedMBConvConfig(1, 3, 1, 24, 24, 2),
        FusedMBConvConfig(4, 3, 2, 24, 48, 4),
        FusedMBConvConfig(4, 3, 2, 48, 64, 4),
        MBConvConfig(4, 3, 2, 64, 128, 6),
        MBConvConfig(6, 3, 1, 128, 160, 9),
        MBConvConfig(6, 3, 2, 160, 256, 15),
    ]
    return EfficientNet(
        setting,
        dropout=0.2,
        last_channel=1280,  # type: ignore[arg-type]
        norm_layer=partial(nn.BatchNorm2d, eps=1e-03),
        **kwargs,
    )


# -------------------------------------------------------------------------------- torchvision.ops.misc
class FrozenBatchNorm2d(nn.Module):
    """BatchNorm2d where the batch statistics and the affine parameters are fixed (detection backbones use it)."""

    def __init__(self, num_features: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", torch.ones(num_features))
        self.register_buffer("bias", torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight.reshape(1, -1, 1, 1)
        b = self.bias.reshape(1, -1, 1, 1)
        rv = self.running_var.reshape(1, -1, 1, 1)
        rm = self.running_mean.reshape(1, -1, 1, 1)
        scale = w * (rv + self.eps).rsqrt()
        bias = b - rm * scale
        return x * scale + bias


def efficientnet_b0_frozen_bn(**kwargs) -> EfficientNet:
    """B0 as a detection backbone builds it: norm_layer=FrozenBatchNorm2d."""
    return _efficientnet(1.0, 1.0, 0.2, norm_layer=FrozenBatchNorm2d, **kwargs)
