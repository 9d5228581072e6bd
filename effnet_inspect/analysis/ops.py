"""Per-op counting table (fvcore's pattern): layer kind and shapes in, parameters, MACs and element-wise ops out.

MACs follow the paper: multiply-accumulates of convolutions and dense layers only, at the traced batch size.
Element-wise work (batch norm, activations, SE multiply, add, scaling, pooling) is counted separately, one op per
output element (per input element for pooling), so users see what the paper's figure leaves out.
"""
from __future__ import annotations

import math
from typing import Callable

from effnet_inspect.arch.kinds import LayerKind

Shape = tuple[int, ...]


def _numel(shape: Shape | None) -> int:
    return math.prod(shape) if shape else 0


def conv_macs(out_shape: Shape, in_channels: int, groups: int, kernel_size: tuple[int, int]) -> int:
    return _numel(out_shape) * (in_channels // groups) * kernel_size[0] * kernel_size[1]


def dense_macs(out_shape: Shape, in_features: int) -> int:
    return _numel(out_shape) * in_features


def _per_output(in_shape: Shape | None, out_shape: Shape) -> int:
    return _numel(out_shape)


def _per_input(in_shape: Shape | None, out_shape: Shape) -> int:
    return _numel(in_shape)


def _free(in_shape: Shape | None, out_shape: Shape) -> int:
    return 0


# Element-wise work per kind; convolutions and dense layers are counted as MACs instead.
ELEMENTWISE: dict[LayerKind, Callable[[Shape | None, Shape], int]] = {
    LayerKind.INPUT: _free,
    LayerKind.RESCALING: _per_output,
    LayerKind.NORMALIZATION: _per_output,
    LayerKind.PAD: _free,
    LayerKind.CONV: _free,
    LayerKind.DEPTHWISE: _free,
    LayerKind.BATCH_NORM: _per_output,
    LayerKind.ACTIVATION: _per_output,
    LayerKind.GLOBAL_POOL: _per_input,
    LayerKind.RESHAPE: _free,
    LayerKind.MULTIPLY: _per_output,
    LayerKind.DROPOUT: _free,  # identity at inference
    LayerKind.ADD: _per_output,
    LayerKind.DENSE: _free,
    LayerKind.OTHER: _per_output,
}


def elementwise_ops(kind: LayerKind, in_shape: Shape | None, out_shape: Shape, fused_activation: bool) -> int:
    ops = ELEMENTWISE[kind](in_shape, out_shape)
    return ops + (_numel(out_shape) if fused_activation else 0)
