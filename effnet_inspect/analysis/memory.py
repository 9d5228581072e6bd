"""The memory each layer of a traced graph occupies and keeps: the records the peak, fit and checkpoint analysis
(peak.py) and every memory table are made of.

Training keeps, from the forward pass until each layer's backward pass has run, what autograd saves (keeps.py,
one entry per layer kind in the registry). A storage saved by several operations (the output of a batch norm read
by its activation and by nothing else; the squeeze-and-excitation gate kept by its sigmoid and by the product) is
one piece of memory: it is charged once, to the first layer that keeps it, as `saved_tensors_hooks` sees it. A
reshape is a view of its input and occupies nothing of its own.

Every size is split into bytes per image (what scales with the batch) and bytes per step (batch-norm statistics,
the half-precision weight copies autocast keeps), so one trace at batch 1 answers for every batch size.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from effnet_inspect.analysis.group import Grouping
from effnet_inspect.analysis.keeps import FROZEN_NORMS, Autocast, Keep, MemoryFacts
from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.registry import REGISTRY
from effnet_inspect.analysis.trace import Layer
from effnet_inspect.arch.kinds import LayerKind

FP32 = 4  # bytes of a float32: weights, gradients, optimizer state, normalisation statistics


class DType(enum.Enum):
    """The precision of the activations: float32, or autocast to bfloat16 / float16 (weights stay float32)."""

    FP32 = "fp32"
    BF16 = "bf16"
    FP16 = "fp16"

    @property
    def itemsize(self) -> int:
        return FP32 if self is DType.FP32 else 2


class Device(enum.Enum):
    """Where the model runs: the few facts that differ (dropout masks, autocast's float32 ops)."""

    CUDA = "cuda"
    CPU = "cpu"


@dataclass(frozen=True)
class Bytes:
    """A size that grows with the batch: per_image × batch + fixed."""

    per_image: int = 0
    fixed: int = 0

    def at(self, batch: int) -> int:
        return self.per_image * batch + self.fixed

    def __add__(self, other: Bytes) -> Bytes:
        return Bytes(self.per_image + other.per_image, self.fixed + other.fixed)

    def __sub__(self, other: Bytes) -> Bytes:
        return Bytes(self.per_image - other.per_image, self.fixed - other.fixed)


ZERO = Bytes()


@dataclass(frozen=True)
class LayerMemory:
    """One layer: where it sits, what its output occupies, and what it is the first to keep for backward."""

    name: str
    kind: LayerKind
    stage: str
    sub_block: str | None
    output: str  # the storage its output lives in: its own name, or its input's for a view
    output_bytes: Bytes  # ZERO for a view
    inputs: tuple[str, ...]  # the storages it reads
    kept: tuple[tuple[str, Bytes], ...]  # storages it keeps, each charged to the first layer that keeps it
    keeps: tuple[str, ...]  # every storage it keeps (also those charged to an earlier layer)
    params: int
    weight_bytes: int  # its parameters and buffers, float32
    macs: int
    needs_grad: bool  # a backward pass runs through it (it has parameters, or depends on some)
    scratch: Bytes = ZERO  # a copy of its input it makes while it runs (padded inside the module, or cast)
    cast_params: int = 0  # the half-precision copies of its parameters autocast caches for the forward pass


def memory_facts(kind: LayerKind) -> MemoryFacts:
    """The registry's memory facts for a kind; OTHER (unknown) keeps nothing, and the tables name it."""
    entry = REGISTRY.get(kind)
    return entry.memory if entry else MemoryFacts()


def stage_names(grouping: Grouping) -> dict[str, tuple[str, str | None]]:
    """Layer name -> (stage, sub-block or None)."""
    found: dict[str, tuple[str, str | None]] = {}
    for stage in grouping.stages:
        found.update((n, (stage.name, None)) for n in stage.layers)
        found.update((n, (stage.name, b.name)) for b in stage.sub_blocks for n in b.layers)
    return found


def _numel(shape: tuple[int, ...] | None) -> int:
    """Elements per image: graphs are traced at batch 1 (also where a model folds the batch into channels)."""
    return math.prod(shape) if shape else 0


def padded_input(layer: Layer) -> tuple[int, ...] | None:
    """The shape a convolution really reads when its module pads the input itself before the convolution (a TF
    'same' Conv2d subclass calling F.pad in forward): more than its own padding explains. None when it does not."""
    if not layer.kind.is_conv or layer.padding is None or not layer.in_shape or layer.kernel_size is None:
        return None
    stride = layer.stride or 1
    needed = tuple((out - 1) * stride + k for out, k in zip(layer.shape[2:], layer.kernel_size))
    own = tuple(size + 2 * p for size, p in zip(layer.in_shape[2:], layer.padding))
    if all(n <= o for n, o in zip(needed, own)):
        return None
    return (*layer.in_shape[:2], *(n - 2 * p for n, p in zip(needed, layer.padding)))


def weight_numel(layer: Layer) -> int:
    """The weight of a convolution or dense layer (its bias apart)."""
    if layer.kernel_size is None:
        return (layer.in_channels or 0) * (layer.out_channels or 0)
    kh, kw = layer.kernel_size
    return (layer.out_channels or 0) * (layer.in_channels or 0) // (layer.groups or 1) * kh * kw


class _Walk:
    """One pass over the graph in execution order: precisions, gradient needs, storages."""

    def __init__(self, a: Analysis, dtype: DType, device: Device):
        self.a, self.dtype, self.device = a, dtype, device
        self.itemsize: dict[str, int] = {}  # storage -> bytes per element
        self.storage: dict[str, str] = {}  # layer -> the storage of its output
        self.size: dict[str, Bytes] = {}  # storage -> its size
        self.grad: dict[str, bool] = {}  # layer -> its output needs a gradient
        self.charged: set[str] = set()

    def run(self) -> list[LayerMemory]:
        where = stage_names(self.a.grouping)
        graph = self.a.graph
        found = []
        for name in graph.nodes:
            layer: Layer = graph.nodes[name]["layer"]
            preds = list(graph.predecessors(name))
            stage, sub_block = where.get(name, ("", None))
            found.append(self.layer(layer, preds, stage, sub_block))
        return found

    def _precision(self, layer: Layer, preds: list[str]) -> int:
        if self.dtype is DType.FP32 or layer.kind is LayerKind.INPUT:
            return FP32
        policy = memory_facts(layer.kind).autocast
        widest = max((self.itemsize[self.storage[p]] for p in preds), default=FP32)
        if policy is Autocast.LOWER:
            return self.dtype.itemsize
        if policy is Autocast.FP32_ON_CUDA and self.device is Device.CUDA:
            return FP32
        if policy is Autocast.PROMOTE and layer.params or policy is Autocast.NORM and layer.type in FROZEN_NORMS:
            return FP32  # a float32 parameter or scale among the operands
        return widest if policy is Autocast.PROMOTE else self.itemsize[self.storage[preds[0]]] if preds else FP32

    def layer(self, layer: Layer, preds: list[str], stage: str, sub_block: str | None) -> LayerMemory:
        facts = memory_facts(layer.kind)
        name = layer.name
        itemsize = self._precision(layer, preds)
        if facts.view and preds:
            self.storage[name] = self.storage[preds[0]]
            own = ZERO
        else:
            self.storage[name] = name
            own = Bytes(_numel(layer.shape) * itemsize)
            self.size[name], self.itemsize[name] = own, itemsize
        needs_grad = layer.params > 0 or any(self.grad[p] for p in preds)
        self.grad[name] = needs_grad
        keeps: dict[str, Bytes] = {}
        if needs_grad:
            for keep in facts.saves(layer.type, layer.activation):
                keeps.update(self._kept(keep, layer, preds, itemsize))
        kept = tuple((k, b) for k, b in keeps.items() if k not in self.charged)
        self.charged.update(keeps)
        copy = self._input(layer, preds[0], itemsize) if preds and facts.autocast is Autocast.LOWER else None
        lower = self.dtype is not DType.FP32 and facts.autocast is Autocast.LOWER
        return LayerMemory(
            name=name,
            kind=layer.kind,
            stage=stage,
            sub_block=sub_block,
            output=self.storage[name],
            output_bytes=own,
            inputs=tuple(dict.fromkeys(self.storage[p] for p in preds)),
            kept=kept,
            keeps=tuple(keeps),
            params=layer.params,
            weight_bytes=layer.params_keras * FP32,
            macs=layer.macs,
            needs_grad=needs_grad,
            scratch=copy[1] if copy is not None and ":" in copy[0] else ZERO,
            cast_params=layer.params * itemsize if lower else 0,
        )

    def _input(self, layer: Layer, pred: str, itemsize: int) -> tuple[str, Bytes]:
        source = self.storage[pred]
        padded = padded_input(layer)
        if padded is not None:  # padded inside the module: the padded copy is what the convolution keeps
            return f"{layer.name}:padded", Bytes(_numel(padded) * itemsize)
        if memory_facts(layer.kind).autocast is Autocast.LOWER and self.itemsize[source] != itemsize:
            # autocast casts the input for this op: the copy is what it keeps
            return f"{layer.name}:input", Bytes(_numel(self.a.graph.nodes[pred]["layer"].shape) * itemsize)
        return source, self.size[source]

    def _kept(self, keep: Keep, layer: Layer, preds: list[str], itemsize: int) -> dict[str, Bytes]:
        name, channels = layer.name, layer.shape[1] if len(layer.shape) > 1 else 0
        if keep is Keep.INPUT and preds:
            return dict([self._input(layer, preds[0], itemsize)])
        if keep is Keep.OUTPUT:
            return {self.storage[name]: self.size[self.storage[name]]}
        if keep is Keep.PRE_ACTIVATION:
            return {f"{name}:pre-activation": Bytes(_numel(layer.shape) * itemsize)}
        if keep is Keep.WEIGHT and len(preds) > 1:  # a weight computed from the input (CondConv): an activation
            return {self.storage[preds[1]]: self.size[self.storage[preds[1]]]}
        if keep is Keep.WEIGHT and self.dtype is not DType.FP32 and memory_facts(layer.kind).autocast is Autocast.LOWER:
            return {f"{name}:weight": Bytes(fixed=weight_numel(layer) * itemsize)}  # the cast copy
        if keep is Keep.OPERANDS:
            return self._operands(layer, preds)
        if keep is Keep.CHANNEL_STATS:
            return {f"{name}:mean": Bytes(fixed=channels * FP32), f"{name}:invstd": Bytes(fixed=channels * FP32)}
        if keep is Keep.SCALE:
            return {f"{name}:scale": Bytes(fixed=channels * FP32)}
        if keep is Keep.GROUP_STATS:
            return {f"{name}:stats": Bytes(2 * (layer.groups or 1) * FP32)}
        if keep is Keep.ROW_STATS and layer.in_shape:
            return {f"{name}:stats": Bytes(2 * _numel(layer.in_shape) // layer.in_shape[-1] * FP32)}
        if keep is Keep.MASK:
            mask = 1 if self.device is Device.CUDA else itemsize  # native_dropout's bool mask; the CPU's noise
            return {f"{name}:mask": Bytes(_numel(layer.shape) * mask)}
        if keep is Keep.INDICES:
            return {f"{name}:indices": Bytes(_numel(layer.shape) * 8)}
        if keep is Keep.SAMPLE_MASK:
            return {f"{name}:mask": Bytes(itemsize)}
        return {}

    def _operands(self, layer: Layer, preds: list[str]) -> dict[str, Bytes]:
        """A product keeps, for each operand that needs a gradient, the other (a parameter: counted as weight)."""
        if len(preds) == 1 and layer.params:
            return {self.storage[preds[0]]: self.size[self.storage[preds[0]]]}
        if len(preds) != 2:
            return {}
        a, b = preds
        return {self.storage[p]: self.size[self.storage[p]] for p, other in ((a, b), (b, a)) if self.grad[other]}


def layer_memory(a: Analysis, dtype: DType = DType.FP32, device: Device = Device.CUDA) -> list[LayerMemory]:
    """One record per traced layer, in execution order, for a training step in the given precision.

    >>> rows = ei.layer_memory(ei.analyze("b0"))
    >>> sum(b.per_image for r in rows for _, b in r.kept)  # bytes autograd keeps per image, float32
    88785424
    """
    return _Walk(a, dtype, device).run()


def kept_total(rows: list[LayerMemory]) -> Bytes:
    return sum((b for r in rows for _, b in r.kept), ZERO)


def kept_by(rows: list[LayerMemory], key: str) -> dict[str, Bytes]:
    """Kept bytes per stage ('stage') or sub-block ('sub_block'), in network order."""
    found: dict[str, Bytes] = {}
    for r in rows:
        group = getattr(r, key)
        if group is not None:
            found[group] = found.get(group, ZERO) + sum((b for _, b in r.kept), ZERO)
    return found
