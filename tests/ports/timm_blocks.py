"""timm's EfficientNet / MobileNet blocks (timm.models._efficientnet_blocks), cut down to what the ports need.

Every block takes timm's keyword arguments; `norm_layer` is a norm + activation layer (timm_layers.BatchNormAct2d
and friends) and `se_layer` an attention class already bound to its reduction ratio (timm_attention). DropPath
replaces the identity only where a block's drop-path rate is above zero, as timm does, so a model built with
timm's default drop_path_rate=0 has no stochastic depth at all. The one addition is `mid_chs`, which a pruned
model sets per block (timm loads those widths from a file after building).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from tests.ports.timm_layers import create_conv2d, make_divisible

Layer = Callable[..., nn.Module]


class DropPath(nn.Module):
    def __init__(self, drop_prob: float = 0.0) -> None:
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.drop_prob == 0.0 or not self.training:
            return x
        keep = 1 - self.drop_prob
        return x * x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep) / keep


class _Residual(nn.Module):
    """The skip rule and the tail every block shares: drop path on the branch, then the shortcut."""

    has_skip: bool
    drop_path: nn.Module

    def _skip(self, in_chs: int, out_chs: int, stride: int, noskip: bool, drop_path_rate: float) -> None:
        self.has_skip = in_chs == out_chs and stride == 1 and not noskip
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate else nn.Identity()

    def _tail(self, x: torch.Tensor, shortcut: torch.Tensor) -> torch.Tensor:
        return self.drop_path(x) + shortcut if self.has_skip else x


class ConvBnAct(_Residual):
    """One convolution, norm and activation, with an optional skip ('cn' in the architecture strings)."""

    def __init__(
        self,
        in_chs: int,
        out_chs: int,
        kernel_size: int,
        stride: int = 1,
        skip: bool = False,
        *,
        act_layer: Layer,
        norm_layer: Layer,
        drop_path_rate: float = 0.0,
    ) -> None:
        super().__init__()
        self._skip(in_chs, out_chs, stride, not skip, drop_path_rate)
        self.conv = create_conv2d(in_chs, out_chs, kernel_size, stride)
        self.bn1 = norm_layer(out_chs, act_layer=act_layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._tail(self.bn1(self.conv(x)), x)


class DepthwiseSeparableConv(_Residual):
    def __init__(
        self,
        in_chs: int,
        out_chs: int,
        dw_kernel_size: int | list[int] = 3,
        stride: int = 1,
        noskip: bool = False,
        pw_kernel_size: int = 1,
        *,
        act_layer: Layer,
        norm_layer: Layer,
        se_layer: Layer | None = None,
        drop_path_rate: float = 0.0,
    ) -> None:
        super().__init__()
        self._skip(in_chs, out_chs, stride, noskip, drop_path_rate)
        self.conv_dw = create_conv2d(in_chs, in_chs, dw_kernel_size, stride, depthwise=True)
        self.bn1 = norm_layer(in_chs, act_layer=act_layer)
        self.se = se_layer(in_chs, act_layer=act_layer) if se_layer else nn.Identity()
        self.conv_pw = create_conv2d(in_chs, out_chs, pw_kernel_size)
        self.bn2 = norm_layer(out_chs, apply_act=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.se(self.bn1(self.conv_dw(x)))
        return self._tail(self.bn2(self.conv_pw(y)), x)


class InvertedResidual(_Residual):
    def __init__(
        self,
        in_chs: int,
        out_chs: int,
        dw_kernel_size: int | list[int] = 3,
        stride: int = 1,
        noskip: bool = False,
        exp_ratio: float = 1.0,
        exp_kernel_size: int | list[int] = 1,
        pw_kernel_size: int | list[int] = 1,
        *,
        act_layer: Layer,
        norm_layer: Layer,
        se_layer: Layer | None = None,
        drop_path_rate: float = 0.0,
        num_experts: int = 0,
        mid_chs: int | None = None,
    ) -> None:
        super().__init__()
        self._skip(in_chs, out_chs, stride, noskip, drop_path_rate)
        mid_chs = mid_chs or make_divisible(in_chs * exp_ratio)
        self.conv_pw = create_conv2d(in_chs, mid_chs, exp_kernel_size, num_experts=num_experts)
        self.bn1 = norm_layer(mid_chs, act_layer=act_layer)
        self.conv_dw = create_conv2d(mid_chs, mid_chs, dw_kernel_size, stride, depthwise=True, num_experts=num_experts)
        self.bn2 = norm_layer(mid_chs, act_layer=act_layer)
        self.se = se_layer(mid_chs, act_layer=act_layer) if se_layer else nn.Identity()
        self.conv_pwl = create_conv2d(mid_chs, out_chs, pw_kernel_size, num_experts=num_experts)
        self.bn3 = norm_layer(out_chs, apply_act=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.se(self.bn2(self.conv_dw(self.bn1(self.conv_pw(x)))))
        return self._tail(self.bn3(self.conv_pwl(y)), x)


class CondConvResidual(InvertedResidual):
    """An inverted residual whose three convolutions mix expert kernels by a routing of the pooled input."""

    def __init__(self, in_chs: int, out_chs: int, *args: object, num_experts: int, **kwargs: object) -> None:
        super().__init__(in_chs, out_chs, *args, num_experts=num_experts, **kwargs)  # type: ignore[arg-type]
        self.routing_fn = nn.Linear(in_chs, num_experts)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled_inputs = F.adaptive_avg_pool2d(x, 1).flatten(1)  # CondConv routing
        routing_weights = torch.sigmoid(self.routing_fn(pooled_inputs))
        y = self.bn1(self.conv_pw(x, routing_weights))
        y = self.se(self.bn2(self.conv_dw(y, routing_weights)))
        return self._tail(self.bn3(self.conv_pwl(y, routing_weights)), x)


class EdgeResidual(_Residual):
    """A full kxk expansion convolution (strided) then a pointwise-linear projection: FusedMBConv."""

    def __init__(
        self,
        in_chs: int,
        out_chs: int,
        exp_kernel_size: int = 3,
        stride: int = 1,
        noskip: bool = False,
        exp_ratio: float = 1.0,
        force_in_chs: int = 0,
        *,
        act_layer: Layer,
        norm_layer: Layer,
        se_layer: Layer | None = None,
        drop_path_rate: float = 0.0,
        mid_chs: int | None = None,
    ) -> None:
        super().__init__()
        self._skip(in_chs, out_chs, stride, noskip, drop_path_rate)
        mid_chs = mid_chs or make_divisible((force_in_chs or in_chs) * exp_ratio)
        self.conv_exp = create_conv2d(in_chs, mid_chs, exp_kernel_size, stride)
        self.bn1 = norm_layer(mid_chs, act_layer=act_layer)
        self.se = se_layer(mid_chs, act_layer=act_layer) if se_layer else nn.Identity()
        self.conv_pwl = create_conv2d(mid_chs, out_chs, 1)
        self.bn2 = norm_layer(out_chs, apply_act=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.se(self.bn1(self.conv_exp(x)))
        return self._tail(self.bn2(self.conv_pwl(y)), x)
