"""The per-stage roofline: the work a stage must do, counted from the traced graph, against the device's roofs.

Counting model (the classic unfused one, layer by layer): every layer reads each of its input tensors once and
writes its output once; weights (parameters and batch-norm statistics) are read once per pass. Views (reshape,
flatten) and inference dropout move nothing. FLOPs are 2 x MACs, the paper's arithmetic (element-wise work is
left out, as everywhere in this project). Bytes are at the benchmark's dtype (element_bytes). Fused kernels
move less than this, so the counted bytes are what an unfused execution needs, an upper bound for a fused one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.registry import NO_TRAFFIC
from effnet_inspect.bench.results import Bound, Ceilings, Precision, StageTime, rounded


def element_bytes(precision: Precision) -> int:
    """Bytes per element the roofline counts: activations and weights at the benchmark's dtype."""
    return 2 if precision in (Precision.FP16, Precision.BF16) else 4


def ridge(ceilings: Ceilings, precision: Precision) -> float | None:
    """FLOP per byte where the roofs meet: below it a stage is limited by memory, above it by arithmetic."""
    tflops = ceilings.matmul_tflops.get(precision.value)
    return tflops * 1e12 / (ceilings.copy_gb_s * 1e9) if tflops else None


@dataclass(frozen=True)
class StageWork:
    """What one stage must do for one image, from the traced graph."""

    stage: str
    macs: int
    weight_elements: int  # read once per pass, whatever the batch
    activation_elements: int  # per image: every layer's inputs read and output written

    def flops(self, batch: int) -> int:
        return 2 * self.macs * batch

    def bytes(self, batch: int, precision: Precision) -> int:
        return element_bytes(precision) * (self.weight_elements + batch * self.activation_elements)


def stage_work(analysis: Analysis) -> tuple[StageWork, ...]:
    """Per stage of the grouping, in order. The graph was traced at batch 1: activation counts are per image."""
    graph = analysis.graph
    work = []
    for stage in analysis.grouping.stages:
        macs = weights = activations = 0
        for name in stage.layers:
            layer = graph.nodes[name]["layer"]
            macs += layer.macs
            weights += layer.params_keras
            if layer.kind not in NO_TRAFFIC:
                reads = sum(math.prod(graph.nodes[p]["layer"].shape) for p in graph.predecessors(name))
                activations += reads + math.prod(layer.shape)
        work.append(StageWork(stage.name, macs, weights, activations))
    return tuple(work)


def stage_times(
    work: Sequence[StageWork], times_ms: Sequence[float], batch: int, precision: Precision, ceilings: Ceilings | None
) -> tuple[StageTime, ...]:
    """Each stage's measured time beside its counted work and, with ceilings, its roofline verdict."""
    total_ms = sum(times_ms)
    total_macs = sum(w.macs for w in work)
    tflops = ceilings.matmul_tflops.get(precision.value) if ceilings else None
    rows = []
    for w, ms in zip(work, times_ms, strict=True):
        flops, moved = w.flops(batch), w.bytes(batch, precision)
        attainable = bound = None
        if tflops and ceilings is not None:
            compute_ms = flops / (tflops * 1e12) * 1e3
            memory_ms = moved / (ceilings.copy_gb_s * 1e9) * 1e3
            attainable = max(compute_ms, memory_ms)
            bound = Bound.MEMORY if memory_ms >= compute_ms else Bound.COMPUTE
        rows.append(
            StageTime(
                w.stage,
                rounded(ms),
                rounded(ms / total_ms if total_ms else 0.0),
                w.macs,
                rounded(w.macs / total_macs if total_macs else 0.0),
                flops,
                moved,
                rounded(flops / moved if moved else 0.0),
                rounded(attainable),
                bound,
            )
        )
    return tuple(rows)
