"""timm's attention side branches for its EfficientNet blocks (timm.models._efficientnet_blocks.SqueezeExcite,
timm.layers.global_context, mlp.ConvMlp, norm.LayerNorm2d, create_attn.get_attn): what a block calls as `se_layer`.

SqueezeExcite pools with x.mean, then conv_reduce -> act1 -> conv_expand -> gate; its reduced width is
rd_round_fn(channels * rd_ratio) (Python's round unless told otherwise). GlobalContext pools by attention
instead: a 1x1 conv to one logit per position, a softmax over the positions and a matmul with the features give
the context vector, which a ConvMlp (1x1 conv, LayerNorm2d, activation, Dropout, 1x1 conv) turns into a gate.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from tests.ports.timm_layers import make_divisible


class SqueezeExcite(nn.Module):
    def __init__(
        self,
        in_chs: int,
        rd_ratio: float = 0.25,
        rd_channels: int | None = None,
        act_layer: Callable[..., nn.Module] = nn.ReLU,
        gate_layer: Callable[..., nn.Module] = nn.Sigmoid,
        force_act_layer: Callable[..., nn.Module] | None = None,
        rd_round_fn: Callable[[float], int] | None = None,
    ) -> None:
        super().__init__()
        if rd_channels is None:
            rd_channels = (rd_round_fn or round)(in_chs * rd_ratio)
        self.conv_reduce = nn.Conv2d(in_chs, rd_channels, 1, bias=True)
        self.act1 = (force_act_layer or act_layer)(inplace=True)
        self.conv_expand = nn.Conv2d(rd_channels, in_chs, 1, bias=True)
        self.gate = gate_layer()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_se = x.mean((2, 3), keepdim=True)
        x_se = self.act1(self.conv_reduce(x_se))
        return x * self.gate(self.conv_expand(x_se))


class LayerNorm2d(nn.LayerNorm):
    """Layer norm over the channels of an NCHW map: permute to NHWC, normalise, permute back."""

    def __init__(self, num_channels: int, eps: float = 1e-6) -> None:
        super().__init__(num_channels, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class ConvMlp(nn.Module):
    """MLP of 1x1 convolutions that keeps the spatial dimensions."""

    def __init__(
        self,
        in_features: int,
        hidden_features: int,
        act_layer: Callable[..., nn.Module] = nn.ReLU,
        norm_layer: Callable[..., nn.Module] | None = None,
        drop: float = 0.0,
    ) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(in_features, hidden_features, kernel_size=1, bias=True)
        self.norm = norm_layer(hidden_features) if norm_layer else nn.Identity()
        self.act = act_layer()
        self.drop = nn.Dropout(drop)
        self.fc2 = nn.Conv2d(hidden_features, in_features, kernel_size=1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.drop(self.act(self.norm(self.fc1(x)))))


class GlobalContext(nn.Module):
    """GCNet's global context block, fused by scaling (timm's defaults: attention pooling, a sigmoid gate)."""

    def __init__(
        self,
        channels: int,
        rd_ratio: float = 1.0 / 8,
        act_layer: Callable[..., nn.Module] = nn.ReLU,
        gate_layer: Callable[..., nn.Module] = nn.Sigmoid,
    ) -> None:
        super().__init__()
        self.conv_attn = nn.Conv2d(channels, 1, kernel_size=1, bias=True)
        rd_channels = make_divisible(channels * rd_ratio, 1, round_limit=0.0)
        self.mlp_scale = ConvMlp(channels, rd_channels, act_layer=act_layer, norm_layer=LayerNorm2d)
        self.gate = gate_layer()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, C, H, W = x.shape
        attn = self.conv_attn(x).reshape(B, 1, H * W)  # (B, 1, H * W)
        attn = F.softmax(attn, dim=-1).unsqueeze(3)  # (B, 1, H * W, 1)
        context = x.reshape(B, C, H * W).unsqueeze(1) @ attn
        context = context.view(B, C, 1, 1)
        return x * self.gate(self.mlp_scale(context))


ATTENTION = {"se": SqueezeExcite, "gc": GlobalContext}


def get_attn(name: str | Callable[..., nn.Module] | None) -> Callable[..., nn.Module] | None:
    """An attention module by its timm name ('se', 'gc'), or the given class itself."""
    return ATTENTION[name] if isinstance(name, str) else name
