"""The peak memory of a training step and of an inference pass, replayed storage by storage over the layer records
(memory.py): what is allocated when, and when it is freed. Every moment is a size per image plus a fixed size, so
the largest batch that fits a card, and what checkpointing a stage buys, follow without another replay.

A training step (PyTorch's defaults: gradients set to None before each step, so they are allocated during
backward; optimizer state from an earlier step):
- forward: each layer's output lives until its last reader has run, or until backward when something keeps it;
- backward runs the layers in reverse: the gradient of an activation is allocated by the first of its readers
  to run backward and freed once its producer has run; a parameter's gradient stays; a kept storage is freed once
  the last layer that keeps it (the earliest in the network) has run backward;
- the optimizer step adds its scratch (Adam's foreach step: one parameter-sized temporary, torch.optim.adam's
  _multi_tensor_adam). SGD keeps no state, momentum one copy of the parameters, Adam and AdamW two.
Activation checkpointing (torch.utils.checkpoint, non-reentrant) of a stage keeps only the stage's input during
the forward pass and recomputes the stage's forward when backward reaches it: its kept storages all come back at
once, then are freed as before. Recomputation costs the stage's MACs again, against a training step's 3× the
forward MACs (forward, gradient of the input, gradient of the weights).

Inference holds the weights, the outputs that a later layer still reads, and, under autocast, the half-precision
weight copies autocast caches for the pass. Not modelled: allocator rounding (512 bytes per CUDA allocation),
cuDNN workspaces, and in-place element-wise ops (their peak is set by the convolution and batch norm before them).
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from effnet_inspect.analysis.memory import FP32, ZERO, Bytes, LayerMemory
from effnet_inspect.arch.kinds import LayerKind


class Mode(enum.Enum):
    TRAINING = "training"
    INFERENCE = "inference"


class Optimizer(enum.Enum):
    NONE = "none"  # gradients only
    SGD = "sgd"
    MOMENTUM = "momentum"  # SGD with momentum: one buffer per parameter
    ADAM = "adam"
    ADAMW = "adamw"

    @property
    def state_copies(self) -> int:
        """Parameter-sized float32 buffers the optimizer keeps between steps."""
        return {Optimizer.MOMENTUM: 1, Optimizer.ADAM: 2, Optimizer.ADAMW: 2}.get(self, 0)

    @property
    def step_scratch(self) -> int:
        """Parameter-sized temporaries its foreach step allocates (Adam: the square root of exp_avg_sq)."""
        return 1 if self in (Optimizer.ADAM, Optimizer.ADAMW) else 0


@dataclass(frozen=True)
class Moment:
    """The memory at one point of a step: during which phase and layer, and how much."""

    phase: str  # 'forward', 'backward', 'optimizer step'
    layer: str
    stage: str
    total: Bytes


def largest_batch(moments: Iterable[Moment], capacity: int) -> int:
    """The largest batch whose every moment fits in capacity bytes (0: not even one image)."""
    fits = []
    for m in moments:
        if m.total.fixed > capacity:
            return 0
        if m.total.per_image:
            fits.append((capacity - m.total.fixed) // m.total.per_image)
    return min(fits, default=0)


def peak(moments: Sequence[Moment], batch: int) -> Moment:
    return max(moments, key=lambda m: m.total.at(batch))


class _Pool:
    """Storages alive at once, with their running total (a sum per moment would make the replay quadratic)."""

    def __init__(self) -> None:
        self.sizes: dict[str, Bytes] = {}
        self.total = ZERO

    def __contains__(self, key: str) -> bool:
        return key in self.sizes

    def add(self, key: str, size: Bytes) -> None:
        if key not in self.sizes:
            self.sizes[key] = size
            self.total += size

    def drop(self, key: str) -> None:
        if key in self.sizes:
            self.total = self.total - self.sizes.pop(key)


def _last_reads(rows: Sequence[LayerMemory], storage_of: dict[str, str]) -> dict[str, int]:
    """The index of the last layer reading each storage; the input and the final output are held by the caller."""
    last = {storage_of[r.name]: len(rows) for r in rows if r.kind is LayerKind.INPUT}
    last[storage_of[rows[-1].name]] = len(rows)
    for i, r in enumerate(rows):
        for s in r.inputs:
            last[s] = max(last.get(s, i), i)
    return last


def training_moments(
    rows: Sequence[LayerMemory], optimizer: Optimizer, checkpoint: frozenset[str] = frozenset()
) -> list[Moment]:
    """Every moment of one training step, forward, backward and the optimizer step, with the given stages
    checkpointed."""
    params = sum(r.params for r in rows) * FP32
    base = Bytes(fixed=sum(r.weight_bytes for r in rows) + optimizer.state_copies * params)
    storage_of = {r.name: r.output for r in rows}
    size = {r.output: r.output_bytes for r in rows if r.output == r.name}
    size.update((k, b) for r in rows for k, b in r.kept)
    grad_of = {r.output: r.needs_grad for r in rows if r.output == r.name}
    last_read = _last_reads(rows, storage_of)
    released_at: dict[str, int] = {}  # a kept storage is freed after the earliest layer that keeps it
    for i, r in enumerate(rows):
        for k in r.keeps:
            released_at.setdefault(k, i)
    stages = {s: [i for i, r in enumerate(rows) if r.stage == s] for s in checkpoint}
    boundary: dict[str, set[str]] = {}  # what each checkpointed stage keeps: the storages it reads from outside
    for s, members in stages.items():
        inside = {rows[i].output for i in members}
        boundary[s] = {x for i in members for x in rows[i].inputs if x not in inside}
        for x in boundary[s]:
            released_at[x] = min(released_at.get(x, members[0]), members[0])

    release: dict[int, list[str]] = {}
    for k, at in released_at.items():
        release.setdefault(at, []).append(k)
    moments: list[Moment] = []
    live, held = _Pool(), set()
    for i, r in enumerate(rows):
        if r.stage in checkpoint and i == stages[r.stage][0]:
            held |= boundary[r.stage]
        if r.output_bytes != ZERO:
            live.add(r.output, r.output_bytes)
        if r.stage not in checkpoint:
            held.update(r.keeps)
            for k in r.keeps:
                live.add(k, size[k])
        scratch = r.scratch if not r.needs_grad or r.stage in checkpoint else ZERO
        moments.append(Moment("forward", r.name, r.stage, base + live.total + scratch))
        for s in r.inputs:
            if last_read.get(s) == i and s not in held:
                live.drop(s)

    grads = _Pool()
    param_grads = ZERO
    for i in range(len(rows) - 1, -1, -1):
        r = rows[i]
        if r.stage in checkpoint and i == stages[r.stage][-1]:  # recompute the stage's forward
            for k in (k for j in stages[r.stage] for k in rows[j].keeps):
                live.add(k, size[k])
        if not r.needs_grad:
            continue
        if r.output == r.name:
            grads.add(r.output, r.output_bytes)
        for s in r.inputs:
            if grad_of.get(s):
                grads.add(s, size[s])
        param_grads += Bytes(fixed=r.params * FP32)
        moments.append(Moment("backward", r.name, r.stage, base + live.total + grads.total + param_grads))
        if r.output == r.name:
            grads.drop(r.output)
        for k in release.get(i, ()):
            live.drop(k)
    step = Bytes(fixed=params * optimizer.step_scratch)
    moments.append(Moment("optimizer step", "", "", base + param_grads + step))
    return moments


def inference_moments(rows: Sequence[LayerMemory]) -> list[Moment]:
    """Every moment of one inference pass (autograd off, eval mode: dropout passes its input on)."""
    weights = sum(r.weight_bytes for r in rows)
    storage_of: dict[str, str] = {}
    for r in rows:  # in eval mode dropout returns its input: a view
        storage_of[r.name] = r.inputs[0] if r.kind is LayerKind.DROPOUT and r.inputs else r.output
    alias = {r.output: storage_of[r.name] for r in rows}
    reads = [tuple(alias.get(s, s) for s in r.inputs) for r in rows]
    last_read = {storage_of[r.name]: len(rows) for r in rows if r.kind is LayerKind.INPUT}
    last_read[storage_of[rows[-1].name]] = len(rows)
    for i, inputs in enumerate(reads):
        for s in inputs:
            last_read[s] = max(last_read.get(s, i), i)
    moments: list[Moment] = []
    live, cached = _Pool(), 0
    for i, r in enumerate(rows):
        if storage_of[r.name] == r.name and r.output_bytes != ZERO:
            live.add(r.name, r.output_bytes)
        cached += r.cast_params
        moments.append(Moment("forward", r.name, r.stage, Bytes(fixed=weights + cached) + live.total + r.scratch))
        for s in reads[i]:
            if last_read.get(s) == i:
                live.drop(s)
    return moments


def recomputed_macs(rows: Sequence[LayerMemory], checkpoint: Iterable[str]) -> int:
    stages = set(checkpoint)
    return sum(r.macs for r in rows if r.stage in stages)


def cheapest_checkpoint(
    rows: Sequence[LayerMemory], optimizer: Optimizer, batch: int, capacity: int
) -> frozenset[str] | None:
    """The set of stages to checkpoint that lets `batch` fit in `capacity` at the fewest recomputed MACs (None:
    no set does). Every subset is tried, cheapest first: a family has nine stages."""
    names = list(dict.fromkeys(r.stage for r in rows if r.stage))
    subsets = sorted(
        (frozenset(c) for n in range(len(names) + 1) for c in itertools.combinations(names, n)),
        key=lambda c: (recomputed_macs(rows, c), len(c), sorted(names.index(s) for s in c)),
    )
    for subset in subsets:
        if peak(training_moments(rows, optimizer, subset), batch).total.at(batch) <= capacity:
            return subset
    return None
