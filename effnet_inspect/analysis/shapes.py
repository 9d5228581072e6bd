"""Output-shape rules for the common layers, so tracing rarely runs torch's meta kernels.

Every rule is checked against a real forward pass in the tests (test_core_forward, test_inspect).
A module without a rule (or with unusual arguments, or a subclass with a forward of its own, such as a
convolution that pads TF-style inside forward) is simply run on meta tensors.
"""
from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from effnet_inspect.model import layers
from effnet_inspect.analysis.classify import RULE_FORWARDS, module_kind
from effnet_inspect.arch.kinds import LayerKind

Shape = tuple[int, ...]


def _conv_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _conv(module: nn.Conv2d, x: Shape) -> Shape | None:
    if isinstance(module.padding, str) or module.padding_mode != "zeros" or len(x) != 4:
        return None
    h, w = (_conv_size(s, k, st, p, d) for s, k, st, p, d in
            zip(x[2:], module.kernel_size, module.stride, module.padding, module.dilation))
    return (x[0], module.out_channels, h, w)


def _same(module: nn.Module, x: Shape) -> Shape:
    return x


def _global_pool(module: nn.Module, x: Shape) -> Shape | None:
    if isinstance(module, layers.GlobalAveragePooling2D):
        return x[:2]
    size = module.output_size
    if size in (1, (1, 1)) and len(x) == 4:
        return (*x[:2], 1, 1)
    return None


def _dense(module: nn.Linear, x: Shape) -> Shape:
    return (*x[:-1], module.out_features)


def _pad(module: layers.ZeroPadding2D, x: Shape) -> Shape | None:
    if not isinstance(module, layers.ZeroPadding2D):
        return None
    top, bottom = layers.same_padding(x[2], module.kernel_size, module.stride)
    left, right = layers.same_padding(x[3], module.kernel_size, module.stride)
    return (x[0], x[1], x[2] + top + bottom, x[3] + left + right)


def broadcast(a: Shape, b: Shape) -> Shape | None:
    """NumPy broadcasting of two shapes (torch.broadcast_shapes imports sympy on first use)."""
    width = max(len(a), len(b))
    a, b = (1,) * (width - len(a)) + a, (1,) * (width - len(b)) + b
    if any(x != y and 1 not in (x, y) for x, y in zip(a, b)):
        return None  # let torch raise its own error
    return tuple(y if x == 1 else x for x, y in zip(a, b))


UNARY_RULES: dict[LayerKind, Callable[[Any, Shape], Shape | None]] = {
    LayerKind.RESCALING: _same,
    LayerKind.NORMALIZATION: _same,
    LayerKind.BATCH_NORM: _same,
    LayerKind.ACTIVATION: _same,
    LayerKind.DROPOUT: _same,
    LayerKind.CONV: _conv,
    LayerKind.DEPTHWISE: _conv,
    LayerKind.GLOBAL_POOL: _global_pool,
    LayerKind.DENSE: _dense,
    LayerKind.PAD: _pad,
}
BINARY_KINDS = (LayerKind.MULTIPLY, LayerKind.ADD)


def module_output_shape(module: nn.Module, args: tuple | list) -> Shape | None:
    """The module's output shape from a rule, or None when it must be run on meta tensors."""
    if not args or not all(isinstance(a, torch.Tensor) for a in args) or type(module).forward not in RULE_FORWARDS:
        return None
    kind = module_kind(module)
    shapes = [tuple(a.shape) for a in args]
    if kind in BINARY_KINDS and len(shapes) == 2:
        return broadcast(*shapes)
    rule = UNARY_RULES.get(kind)
    return rule(module, shapes[0]) if rule and len(shapes) == 1 else None
