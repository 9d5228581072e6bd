"""The arithmetic the layer registry's entries point to (analysis/registry.py): output-shape rules, the geometry
read from a module or a call (kernel, stride, groups, channels), MAC formulas and element-wise counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from effnet_inspect.model import layers

Shape = tuple[int, ...]
Geometry = dict[str, Any]  # the Layer fields kernel_size, stride, groups, in_channels, out_channels, padding
ShapeRule = Callable[[Any, list[Shape]], Shape | None]


def numel(shape: Shape | None) -> int:
    return math.prod(shape) if shape else 0


# ------------------------------------------------------------------------------------------ shape rules
def same_shape(module: nn.Module, shapes: list[Shape]) -> Shape | None:
    return shapes[0] if len(shapes) == 1 else None


def broadcast(a: Shape, b: Shape) -> Shape | None:
    """NumPy broadcasting of two shapes (torch.broadcast_shapes imports sympy on first use)."""
    width = max(len(a), len(b))
    a, b = (1,) * (width - len(a)) + a, (1,) * (width - len(b)) + b
    if any(x != y and 1 not in (x, y) for x, y in zip(a, b)):
        return None  # let torch raise its own error
    return tuple(y if x == 1 else x for x, y in zip(a, b))


def broadcast_shape(module: nn.Module, shapes: list[Shape]) -> Shape | None:
    return broadcast(*shapes) if len(shapes) == 2 else None


def _conv_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_shape(module: nn.Conv2d, shapes: list[Shape]) -> Shape | None:
    if len(shapes) != 1 or len(shapes[0]) != 4 or isinstance(module.padding, str) or module.padding_mode != "zeros":
        return None
    x = shapes[0]
    h, w = (
        _conv_size(s, k, st, p, d)
        for s, k, st, p, d in zip(x[2:], module.kernel_size, module.stride, module.padding, module.dilation)
    )
    return (x[0], module.out_channels, h, w)


def pad_shape(module: nn.Module, shapes: list[Shape]) -> Shape | None:
    if not isinstance(module, layers.ZeroPadding2D) or len(shapes) != 1:
        return None
    x = shapes[0]
    top, bottom = layers.same_padding(x[2], module.kernel_size, module.stride)
    left, right = layers.same_padding(x[3], module.kernel_size, module.stride)
    return (x[0], x[1], x[2] + top + bottom, x[3] + left + right)


def global_pool_shape(module: nn.Module, shapes: list[Shape]) -> Shape | None:
    if len(shapes) != 1:
        return None
    x = shapes[0]
    if isinstance(module, layers.GlobalAveragePooling2D):
        return x[:2]
    return (*x[:2], 1, 1) if module.output_size in (1, (1, 1)) and len(x) == 4 else None


def dense_shape(module: nn.Linear, shapes: list[Shape]) -> Shape | None:
    return (*shapes[0][:-1], module.out_features) if len(shapes) == 1 else None


# ------------------------------------------------------------------- geometry of convolutions and dense layers
def _padding(value: Any) -> tuple[int, int] | None:
    """A convolution's own zero padding per side (height, width); None for 'same', which it sizes itself."""
    pads = (0, 0) if value == "valid" else (value, value) if isinstance(value, int) else value
    return (int(pads[0]), int(pads[-1])) if isinstance(pads, (tuple, list)) and pads else None


def conv_module_geometry(m: nn.Conv2d) -> Geometry:
    return dict(
        kernel_size=tuple(m.kernel_size),
        stride=m.stride[0],
        groups=m.groups,
        in_channels=m.in_channels,
        out_channels=m.out_channels,
        padding=_padding(m.padding),
    )


def _weight(args: tuple, kwargs: dict) -> torch.Tensor | None:
    """The weight of F.conv2d(input, weight, ...) or F.linear(input, weight, ...)."""
    weight = kwargs.get("weight", args[1] if len(args) > 1 else None)
    return weight if isinstance(weight, torch.Tensor) else None


def conv_call_geometry(args: tuple, kwargs: dict) -> Geometry:
    """F.conv2d(input, weight, bias, stride, padding, dilation, groups), arguments given either way."""
    weight = _weight(args, kwargs)
    if weight is None:
        return {}
    args = tuple(args) + (None,) * 7
    stride = kwargs.get("stride", args[3] if args[3] is not None else 1)
    padding = kwargs.get("padding", args[4] if args[4] is not None else 0)
    groups = int(kwargs.get("groups", args[6] if args[6] is not None else 1))
    out_channels, per_group, kh, kw = weight.shape
    return dict(
        kernel_size=(kh, kw),
        stride=int(stride[0] if isinstance(stride, (tuple, list)) else stride),
        groups=groups,
        in_channels=per_group * groups,
        out_channels=out_channels,
        padding=_padding(padding),
    )


def dense_module_geometry(m: nn.Linear) -> Geometry:
    return dict(in_channels=m.in_features, out_channels=m.out_features)


def dense_call_geometry(args: tuple, kwargs: dict) -> Geometry:
    weight = _weight(args, kwargs)
    return {} if weight is None else dict(in_channels=weight.shape[1], out_channels=weight.shape[0])


def frozen_batch_norm(x: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Batch norm with fixed statistics and affine terms, folded into one scale and one shift per channel: what
    the tracer puts in place of `x * scale + shift` on constants (see fuse.py)."""
    return x * scale + shift


def group_norm_module_geometry(m: nn.GroupNorm) -> Geometry:
    return dict(groups=m.num_groups)


def group_norm_call_geometry(args: tuple, kwargs: dict) -> Geometry:
    """F.group_norm(input, num_groups, weight, bias, eps)."""
    groups = kwargs.get("num_groups", args[1] if len(args) > 1 else None)
    return dict(groups=groups) if isinstance(groups, int) else {}


def conv_macs(out_shape: Shape, g: Geometry) -> int:
    return numel(out_shape) * (g["in_channels"] // g["groups"]) * g["kernel_size"][0] * g["kernel_size"][1]


def dense_macs(out_shape: Shape, g: Geometry) -> int:
    return numel(out_shape) * g["in_channels"]


# ---------------------------------------------------------------------------------------- element-wise ops
def no_ops(in_shape: Shape | None, out_shape: Shape) -> int:
    return 0


def per_output(in_shape: Shape | None, out_shape: Shape) -> int:
    return numel(out_shape)


def per_input(in_shape: Shape | None, out_shape: Shape) -> int:
    return numel(in_shape)
