"""What an operation keeps for its backward pass, and in which precision it runs under autocast: the vocabulary of
the layer registry's `saves` and `autocast` fields (registry.py), read by the memory analysis (memory.py).

The facts follow PyTorch's derivative formulas (tools/autograd/derivatives.yaml) and its autocast op lists, and
are checked against what `torch.autograd.graph.saved_tensors_hooks` records on a real forward pass
(tests/test_memory.py, benchmarks/memory_oracle.py):
- convolution and linear keep their input and weight; a weight is a parameter, counted with the weights, except
  under autocast, where the half-precision copy of it is kept as well;
- training batch norm keeps its input and its batch mean and inverse standard deviation (one float32 per channel
  each); group norm and layer norm keep theirs per sample and group / per position;
- swish, GELU, hard-swish, ReLU6 keep their input; sigmoid, ReLU and tanh their output (activations.py says which);
- a product keeps, for each operand that needs a gradient, the other one (the SE gate and the feature map);
- dropout keeps its mask; max pooling its input and the int64 index of each maximum;
- a matrix product (matmul, bmm, einsum: attention pooling, CondConv's expert mixing) keeps its operands too;
- an add, a concatenation, a pooling mean, a reshape and a padding keep nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from effnet_inspect.analysis.activations import keeps_output


class Keep(enum.Enum):
    """One thing an operation keeps for backward."""

    INPUT = "input"
    OUTPUT = "output"
    PRE_ACTIVATION = "pre-activation"  # a layer with its activation inside (Keras Conv2D(activation=swish))
    OPERANDS = "operands"  # a product: each operand that needs a gradient keeps the other
    WEIGHT = "weight"
    CHANNEL_STATS = "channel statistics"  # batch norm: batch mean and inverse std, float32, one per channel each
    GROUP_STATS = "group statistics"  # group norm: mean and inverse std per sample and group
    ROW_STATS = "row statistics"  # layer norm: mean and inverse std per normalised row
    SCALE = "scale"  # a frozen batch norm written as x * scale + shift keeps its per-channel scale
    MASK = "mask"  # element-wise dropout
    SAMPLE_MASK = "sample mask"  # drop path: one value per sample
    INDICES = "indices"  # max pooling: where each maximum came from, int64 per output element


class Autocast(enum.Enum):
    """The precision an op runs in under torch.autocast (its CUDA and CPU op lists)."""

    LOWER = "lower"  # convolutions and matrix products: inputs cast to bf16 / fp16
    FP32_ON_CUDA = "fp32 on cuda"  # group_norm, layer_norm: cast up to float32 on CUDA; as given on the CPU
    PROMOTE = "promote"  # element-wise ops: the widest operand, a float32 parameter included
    NORM = "norm"  # batch norm keeps its input's precision; a frozen one (x * scale + shift) promotes to float32
    SAME = "same"  # its (first) input's precision: activations, pooling, reshapes, padding, dropout


SAMPLE_DROPOUTS = ("SampleDropout", "StochasticDepth", "DropPath")  # drop whole samples: one mask value each
FROZEN_NORMS = ("FrozenBatchNorm2d", "frozen_batch_norm")  # x * scale + shift on fixed statistics
SaveRule = Callable[[str, "str | None"], tuple[Keep, ...]]  # (layer type, activation name) -> what it keeps


def _activation_keeps(activation: str | None) -> tuple[Keep, ...]:
    return (Keep.OUTPUT,) if keeps_output(activation) else (Keep.INPUT,)


def convolution(layer_type: str, activation: str | None) -> tuple[Keep, ...]:
    """Input and weight; with an activation inside (SE reduce / expand), what that activation keeps too."""
    if activation is None:
        return (Keep.INPUT, Keep.WEIGHT)
    return (Keep.INPUT, Keep.WEIGHT, Keep.OUTPUT if keeps_output(activation) else Keep.PRE_ACTIVATION)


def batch_norm(layer_type: str, activation: str | None) -> tuple[Keep, ...]:
    return (Keep.SCALE,) if layer_type in FROZEN_NORMS else (Keep.INPUT, Keep.WEIGHT, Keep.CHANNEL_STATS)


def group_norm(layer_type: str, activation: str | None) -> tuple[Keep, ...]:
    return (Keep.INPUT, Keep.WEIGHT, Keep.GROUP_STATS)


def layer_norm(layer_type: str, activation: str | None) -> tuple[Keep, ...]:
    return (Keep.INPUT, Keep.WEIGHT, Keep.ROW_STATS)


def activation(layer_type: str, activation: str | None) -> tuple[Keep, ...]:
    return _activation_keeps(activation)


def product(layer_type: str, activation: str | None) -> tuple[Keep, ...]:
    return (Keep.OPERANDS,)


def dropout(layer_type: str, activation: str | None) -> tuple[Keep, ...]:
    return (Keep.SAMPLE_MASK,) if layer_type in SAMPLE_DROPOUTS else (Keep.MASK,)


def max_pooling(layer_type: str, activation: str | None) -> tuple[Keep, ...]:
    return (Keep.INPUT, Keep.INDICES)


def nothing(layer_type: str, activation: str | None) -> tuple[Keep, ...]:
    return ()


@dataclass(frozen=True)
class MemoryFacts:
    """A layer kind's entry in the registry for the memory analysis."""

    saves: SaveRule = nothing
    autocast: Autocast = Autocast.SAME
    view: bool = False  # its output is a view of its input (a reshape): no memory of its own


# The registry's entries point to these (registry.py: Entry.memory).
CONVOLUTION = MemoryFacts(convolution, Autocast.LOWER)  # and dense layers: matrix products
BATCH_NORM = MemoryFacts(batch_norm, Autocast.NORM)
GROUP_NORM = MemoryFacts(group_norm, Autocast.FP32_ON_CUDA)
LAYER_NORM = MemoryFacts(layer_norm, Autocast.FP32_ON_CUDA)
ACTIVATION = MemoryFacts(activation)
MAX_POOLING = MemoryFacts(max_pooling)
VIEW = MemoryFacts(view=True)
PRODUCT = MemoryFacts(product, Autocast.PROMOTE)
MATRIX_PRODUCT = MemoryFacts(product, Autocast.LOWER)  # matmul, bmm, einsum: each operand keeps the other
SUM = MemoryFacts(autocast=Autocast.PROMOTE)
DROPOUT = MemoryFacts(dropout)
