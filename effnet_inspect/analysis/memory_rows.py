"""The records of `effnet-inspect memory`: one per model (MemoryRow) or per stage, sub-block or layer (PartRow),
all sizes in bytes, from the layer records (memory.py) and the step replay (peak.py).

Activations mean, in training, what autograd keeps for the backward pass (the bulk of a training step's memory);
in inference, the most activation memory alive at once (per part: during that part).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from effnet_inspect.analysis.capacity import usable
from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.memory import FP32, ZERO, Bytes, Device, DType, LayerMemory, kept_total, layer_memory
from effnet_inspect.analysis.peak import (
    Mode,
    Moment,
    Optimizer,
    cheapest_checkpoint,
    inference_moments,
    largest_batch,
    peak,
    recomputed_macs,
    training_moments,
)
from effnet_inspect.errors import InputError


class MemoryLevel(enum.Enum):
    FAMILY = "family"
    STAGE = "stage"
    SUBBLOCK = "subblock"
    LAYER = "layer"


AUTO = "auto"  # checkpoint the stages that make the batch fit at the fewest recomputed MACs


@dataclass(frozen=True)
class MemoryOptions:
    mode: Mode = Mode.TRAINING
    dtype: DType = DType.FP32
    optimizer: Optimizer = Optimizer.ADAM
    batch_size: int = 1
    checkpoint: tuple[str, ...] = ()  # stage names, or (AUTO,)
    fit: tuple[tuple[str, int], ...] = ()  # cards to fit: (as given, bytes of memory)
    device: Device = Device.CUDA


@dataclass(frozen=True)
class MemoryRow:
    """One model: its step's memory at the batch size, its peak and, with a card, the largest batch that fits."""

    variant: str
    resolution: int
    mode: str
    dtype: str
    optimizer: str | None  # training only
    batch_size: int
    params: int
    weights: int  # parameters and buffers, float32
    gradients: int | None  # training only
    optimizer_state: int | None
    activations_per_image: int
    activations_fixed: int  # per step, whatever the batch: statistics, half-precision weight copies
    activations: int  # at the batch size
    peak: int
    peak_phase: str  # forward, backward, optimizer step
    peak_layer: str
    peak_stage: str
    top_stage: str  # the stage with the most activations
    top_stage_share: float
    largest_batch: dict[str, int] = field(default_factory=dict)  # per card (as given): the largest batch that fits
    checkpoint: list[str] = field(default_factory=list)
    recomputed_macs: int = 0
    recompute_share: float | None = None  # of a training step's MACs (3 x the forward's), with a checkpoint
    peak_without_checkpoint: int | None = None
    largest_batch_without_checkpoint: dict[str, int] = field(default_factory=dict)
    unknown: dict[str, int] = field(default_factory=dict)  # node types charged nothing


@dataclass(frozen=True)
class PartRow:
    """One stage, sub-block or layer."""

    variant: str
    stage: str
    sub_block: str | None
    layer: str | None
    kind: str | None  # the layer's kind (layer level)
    resolution: int | None  # of its output
    params: int
    weights: int
    activations_per_image: int
    activations: int  # at the batch size
    share: float  # of the model's activations
    macs: int
    checkpointed: bool


def _stage_names(rows: Sequence[LayerMemory]) -> list[str]:
    return list(dict.fromkeys(r.stage for r in rows if r.stage))


def checkpoint_stages(a: Analysis, rows: Sequence[LayerMemory], options: MemoryOptions) -> frozenset[str]:
    """The stages to checkpoint: as given (each one checked), or chosen (auto)."""
    names = _stage_names(rows)
    if options.checkpoint == (AUTO,):
        if len(options.fit) != 1:
            raise InputError(
                "auto needs exactly one card to fit the batch in: give one memory size or card to fit",
                param="checkpoint",
            )
        chosen = cheapest_checkpoint(rows, options.optimizer, options.batch_size, usable(options.fit[0][1]))
        if chosen is None:
            raise InputError(
                f"auto: no choice of stages fits batch {options.batch_size} of {a.name} in that card; give a "
                "smaller batch size",
                param="checkpoint",
            )
        return chosen
    for stage in options.checkpoint:
        if stage not in names:
            raise InputError(
                f"names {stage!r}, which {a.name} does not have; its stages: {', '.join(names)}", param="checkpoint"
            )
    return frozenset(options.checkpoint)


def _moments(rows: Sequence[LayerMemory], options: MemoryOptions, checkpoint: frozenset[str]) -> list[Moment]:
    if options.mode is Mode.INFERENCE:
        return inference_moments(rows)
    return training_moments(rows, options.optimizer, checkpoint)


def _activations(
    rows: Sequence[LayerMemory], options: MemoryOptions, moments: Sequence[Moment], key: str
) -> dict[str, Bytes]:
    """Activations per stage, sub-block or layer ('stage', 'sub_block', 'name'): kept for backward (training), or
    the most alive at once while it runs (inference)."""
    found: dict[str, Bytes] = {}
    for r, m in zip(rows, moments):
        part = getattr(r, key)
        if not part:
            continue
        if options.mode is Mode.TRAINING:
            found[part] = found.get(part, ZERO) + sum((b for _, b in r.kept), ZERO)
        elif m.total.per_image > found.get(part, ZERO).per_image:
            found[part] = Bytes(m.total.per_image)
    return found


def memory_row(a: Analysis, options: MemoryOptions, rows: Sequence[LayerMemory] | None = None) -> MemoryRow:
    if options.mode is Mode.INFERENCE and options.checkpoint:
        raise InputError("applies to training only: inference keeps nothing for a backward pass", param="checkpoint")
    rows = rows if rows is not None else layer_memory(a, options.dtype, options.device)
    checkpoint = checkpoint_stages(a, rows, options) if options.mode is Mode.TRAINING else frozenset()
    moments = _moments(rows, options, checkpoint)
    top = peak(moments, options.batch_size)
    by_stage = _activations(rows, options, moments, "stage")
    # inference: the most activation memory alive at once (wherever the batch-1 peak, weights included, falls)
    kept = kept_total(list(rows)) if options.mode is Mode.TRAINING else Bytes(max(m.total.per_image for m in moments))
    per_image = {s: b.per_image for s, b in by_stage.items()}
    top_stage = max(per_image, key=per_image.__getitem__, default="")
    training = options.mode is Mode.TRAINING
    params = sum(r.params for r in rows)
    baseline = _moments(rows, options, frozenset()) if checkpoint else None
    total_macs = sum(r.macs for r in rows)
    return MemoryRow(
        variant=a.name,
        resolution=a.resolution,
        mode=options.mode.value,
        dtype=options.dtype.value,
        optimizer=options.optimizer.value if training else None,
        batch_size=options.batch_size,
        params=params,
        weights=sum(r.weight_bytes for r in rows),
        gradients=params * FP32 if training else None,
        optimizer_state=params * FP32 * options.optimizer.state_copies if training else None,
        activations_per_image=kept.per_image,
        activations_fixed=kept.fixed,
        activations=kept.at(options.batch_size),
        peak=top.total.at(options.batch_size),
        peak_phase=top.phase,
        peak_layer=top.layer,
        peak_stage=top.stage,
        top_stage=top_stage,
        top_stage_share=per_image[top_stage] / kept.per_image if top_stage and kept.per_image else 0.0,
        largest_batch={label: largest_batch(moments, usable(size)) for label, size in options.fit},
        checkpoint=[s for s in _stage_names(rows) if s in checkpoint],
        recomputed_macs=recomputed_macs(rows, checkpoint),
        recompute_share=recomputed_macs(rows, checkpoint) / (3 * total_macs) if checkpoint and total_macs else None,
        peak_without_checkpoint=peak(baseline, options.batch_size).total.at(options.batch_size) if baseline else None,
        largest_batch_without_checkpoint=(
            {label: largest_batch(baseline, usable(size)) for label, size in options.fit} if baseline else {}
        ),
        unknown=dict(a.unknown),
    )


def part_rows(
    a: Analysis, options: MemoryOptions, level: MemoryLevel, rows: Sequence[LayerMemory] | None = None
) -> list[PartRow]:
    """One record per stage, sub-block or layer, in network order."""
    rows = rows if rows is not None else layer_memory(a, options.dtype, options.device)
    checkpoint = checkpoint_stages(a, rows, options) if options.mode is Mode.TRAINING else frozenset()
    moments = _moments(rows, options, checkpoint)
    key = {MemoryLevel.STAGE: "stage", MemoryLevel.SUBBLOCK: "sub_block", MemoryLevel.LAYER: "name"}[level]
    found = _activations(rows, options, moments, key)
    whole = kept_total(list(rows)).per_image
    if options.mode is Mode.INFERENCE:
        whole = max((m.total.per_image for m in moments), default=0)
    members: dict[str, list[LayerMemory]] = {}
    for r in rows:
        if getattr(r, key):
            members.setdefault(getattr(r, key), []).append(r)
    layers = a.graph.nodes
    out = []
    for part, group in members.items():
        first = group[0]
        shapes = [layers[r.name]["layer"].shape for r in group if len(layers[r.name]["layer"].shape) == 4]
        size = found.get(part, ZERO)
        out.append(
            PartRow(
                variant=a.name,
                stage=first.stage,
                sub_block=first.sub_block if level is not MemoryLevel.STAGE else None,
                layer=first.name if level is MemoryLevel.LAYER else None,
                kind=first.kind.value if level is MemoryLevel.LAYER else None,
                resolution=shapes[-1][2] if shapes else None,
                params=sum(r.params for r in group),
                weights=sum(r.weight_bytes for r in group),
                activations_per_image=size.per_image,
                activations=size.at(options.batch_size),
                share=size.per_image / whole if whole else 0.0,
                macs=sum(r.macs for r in group),
                checkpointed=first.stage in checkpoint,
            )
        )
    return out
