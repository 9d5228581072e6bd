"""timm's layers that its EfficientNets are built from (timm.layers.norm_act, cond_conv2d, mixed_conv2d,
create_conv2d): normalisation + activation in one module, CondConv2d (groups from x.shape, weight from the
routing), MixedConv2d (several kernel sizes over channel groups)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None, round_limit: float = 0.9) -> int:
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < round_limit * v:
        new_v += divisor
    return new_v


# --------------------------------------------------------------------------------------------------- norm + act
class BatchNormAct2d(nn.BatchNorm2d):
    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        apply_act: bool = True,
        act_layer: Callable[..., nn.Module] = nn.ReLU,
        inplace: bool = True,
    ) -> None:
        super().__init__(num_features, eps=eps, momentum=momentum)
        self.drop = nn.Identity()
        self.act = act_layer(inplace=inplace) if apply_act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # the body of nn.BatchNorm2d.forward, copied as timm does (for TorchScript and tracing)
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        x = F.batch_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias, bn_training, self.momentum or 0.0, self.eps
        )
        return self.act(self.drop(x))


def _num_groups(num_channels: int, num_groups: int, group_size: int | None) -> int:
    if group_size:
        assert num_channels % group_size == 0
        return num_channels // group_size
    return num_groups


class GroupNormAct(nn.GroupNorm):
    def __init__(
        self,
        num_channels: int,
        num_groups: int = 32,
        eps: float = 1e-5,
        group_size: int | None = None,
        apply_act: bool = True,
        act_layer: Callable[..., nn.Module] = nn.ReLU,
        inplace: bool = True,
    ) -> None:
        super().__init__(_num_groups(num_channels, num_groups, group_size), num_channels, eps=eps)
        self.drop = nn.Identity()
        self.act = act_layer(inplace=inplace) if apply_act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)
        return self.act(self.drop(x))


class FrozenBatchNormAct2d(nn.Module):
    """Batch norm with fixed statistics and affine terms held as buffers, written out as x * scale + shift."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        apply_act: bool = True,
        act_layer: Callable[..., nn.Module] = nn.ReLU,
        inplace: bool = True,
    ) -> None:
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", torch.ones(num_features))
        self.register_buffer("bias", torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.drop = nn.Identity()
        self.act = act_layer(inplace=inplace) if apply_act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w, b = self.weight.reshape(1, -1, 1, 1), self.bias.reshape(1, -1, 1, 1)
        rv, rm = self.running_var.reshape(1, -1, 1, 1), self.running_mean.reshape(1, -1, 1, 1)
        scale = w * (rv + self.eps).rsqrt()
        shift = b - rm * scale
        return self.act(self.drop(x * scale + shift))


class LayerNormAct2d(nn.LayerNorm):
    """Layer norm over the channels of an NCHW map (timm's LayerNorm2d: permute, F.layer_norm, permute back)."""

    def __init__(
        self,
        num_channels: int,
        eps: float = 1e-6,
        apply_act: bool = True,
        act_layer: Callable[..., nn.Module] = nn.ReLU,
        inplace: bool = True,
    ) -> None:
        super().__init__(num_channels, eps=eps)
        self.act = act_layer(inplace=inplace) if apply_act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return self.act(x.permute(0, 3, 1, 2))


def no_norm_act(
    num_features: int, apply_act: bool = True, act_layer: Callable[..., nn.Module] = nn.ReLU, inplace: bool = True
) -> nn.Module:
    """No normalisation at all, only the activation (as in normalizer-free networks)."""
    return act_layer(inplace=inplace) if apply_act else nn.Identity()


# ------------------------------------------------------------------------------------------------------ convs
class CondConv2d(nn.Module):
    """Conditionally parameterised convolution: a per-example mix of expert kernels, run as one grouped conv over
    the batch folded into the channels (groups = self.groups * B, from x.shape)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        groups: int = 1,
        num_experts: int = 4,
    ) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.groups = (kernel_size, kernel_size), (stride, stride), groups
        self.padding = ((stride - 1) + (kernel_size - 1)) // 2
        self.num_experts = num_experts
        self.weight_shape = (out_channels, in_channels // groups, kernel_size, kernel_size)
        self.weight = nn.Parameter(torch.empty(num_experts, math.prod(self.weight_shape)))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x: torch.Tensor, routing_weights: torch.Tensor) -> torch.Tensor:
        B, C, H, W = x.shape
        weight = torch.matmul(routing_weights, self.weight)
        weight = weight.view((B * self.out_channels, self.in_channels // self.groups) + self.kernel_size)
        x = x.reshape(1, B * C, H, W)
        out = F.conv2d(x, weight, None, stride=self.stride, padding=self.padding, groups=self.groups * B)
        return out.permute([1, 0, 2, 3]).view(B, self.out_channels, out.shape[-2], out.shape[-1])


def _split_channels(num_chan: int, num_groups: int) -> list[int]:
    split = [num_chan // num_groups for _ in range(num_groups)]
    split[0] += num_chan - sum(split)
    return split


class MixedConv2d(nn.ModuleDict):
    """Mixed grouped convolution (MixNet): the channels split into groups, each with its own kernel size."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: list[int], stride: int = 1, depthwise: bool = False
    ) -> None:
        super().__init__()
        in_splits = _split_channels(in_channels, len(kernel_size))
        out_splits = _split_channels(out_channels, len(kernel_size))
        for idx, (k, in_ch, out_ch) in enumerate(zip(kernel_size, in_splits, out_splits)):
            self.add_module(
                str(idx),
                nn.Conv2d(
                    in_ch, out_ch, k, stride=stride, padding=(k - 1) // 2, groups=in_ch if depthwise else 1, bias=False
                ),
            )
        self.splits = in_splits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_split = torch.split(x, self.splits, 1)
        return torch.cat([c(x_split[i]) for i, c in enumerate(self.values())], 1)


def create_conv2d(
    in_chs: int,
    out_chs: int,
    kernel_size: int | list[int],
    stride: int = 1,
    depthwise: bool = False,
    num_experts: int = 0,
) -> nn.Module:
    if isinstance(kernel_size, list):
        return MixedConv2d(in_chs, out_chs, kernel_size, stride, depthwise)
    groups = in_chs if depthwise else 1
    if num_experts:
        return CondConv2d(in_chs, out_chs, kernel_size, stride, groups, num_experts)
    return nn.Conv2d(in_chs, out_chs, kernel_size, stride, padding=(kernel_size - 1) // 2, groups=groups, bias=False)
