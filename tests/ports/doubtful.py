"""EfficientNets with something the grouping can only partly understand, for the verdict's caution: a spatial
attention gate (CBAM's: a 7x7 convolution of the channel-pooled map, a sigmoid, a product) in place of
squeeze-and-excitation, and activations computed by an op no registry entry knows (clamp)."""

from __future__ import annotations

import torch
from torch import nn

from tests.ports.torchvision_style import EfficientNet, efficientnet_b0


class SpatialGate(nn.Module):
    """Gates every position of the map by one weight computed from the mean and the max over its channels."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 1, 7, padding=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)
        return x * torch.sigmoid(self.conv(pooled))


class ClampedReLU(nn.Module):
    """ReLU6 written as a clamp."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.clamp(0.0, 6.0)


def spatial_gate_b0(**kwargs: object) -> EfficientNet:
    """torchvision-style B0 whose block2a gates by spatial attention instead of squeeze-and-excitation."""
    model = efficientnet_b0(**kwargs)
    model.features[2][0].block[2] = SpatialGate()
    return model


def clamped_b0(**kwargs: object) -> EfficientNet:
    """torchvision-style B0 whose block3 depthwise convolutions are activated by a clamp."""
    model = efficientnet_b0(**kwargs)
    for sub_block in model.features[3]:
        sub_block.block[1][2] = ClampedReLU()
    return model
