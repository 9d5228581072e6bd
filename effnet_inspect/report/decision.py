"""The decision view for engineers: what each variant buys (the paper's top-1) for what it costs (parameters, MACs at
its own and at a shared resolution, measured throughput and latency from a benchmark file).

The benchmark file is read through effnet_inspect.bench.results only for throughput and latency. One configuration
is used for every variant so that the rows compare: eager (not compiled, no CUDA graphs), the one that covers the
most variants, preferring bf16, then fp16, tf32, fp32, and channels-last. Throughput is taken at the largest batch
measured for that configuration; latency is the median (p50) at the smallest batch, normally batch 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from effnet_inspect.arch.published import PAPER_TABLE2
from effnet_inspect.arch.specs import BASE_RESOLUTION
from effnet_inspect.bench.results import BenchResult, BenchRun, Precision, Status
from effnet_inspect.render.numbers import fixed
from effnet_inspect.report.data import VariantData
from effnet_inspect.report.html import HtmlTable, table
from effnet_inspect.report.memory_section import DECISION_CARDS, training_batches

SHARED_RESOLUTION = BASE_RESOLUTION  # 224: B0's input, the one every variant can be compared at
PREFERENCE = (Precision.BF16, Precision.FP16, Precision.TF32, Precision.FP32)


@dataclass(frozen=True)
class Speed:
    throughput: float  # images/s
    batch: int  # where the throughput was measured
    latency_ms: float  # p50, one forward pass
    latency_batch: int


@dataclass(frozen=True)
class SpeedSource:
    """Where the speeds come from, for captions: 'NVIDIA H200, bf16 + channels-last, eager'."""

    device: str
    precision: Precision
    channels_last: bool

    @property
    def label(self) -> str:
        return f"{self.precision.value}{' + channels-last' if self.channels_last else ''}, eager"


@dataclass(frozen=True)
class Decision:
    """One variant's row of the decision view."""

    v: VariantData
    top1: float | None  # the paper's, for the released variants at their own resolution
    macs_shared: int | None  # MACs at SHARED_RESOLUTION (None for models without a spec)
    speed: Speed | None
    training_batch: dict[str, int] = field(default_factory=dict)  # largest fp32 training batch per card (issue 18)


def _eager(results: Sequence[BenchResult]) -> list[BenchResult]:
    return [
        r
        for r in results
        if r.status is Status.OK
        and not r.compiled
        and not r.cuda_graphs
        and r.throughput is not None
        and r.latency is not None
    ]


def pick_source(run: BenchRun, variants: Sequence[VariantData]) -> SpeedSource | None:
    wanted = {(v.name, v.analysis.resolution) for v in variants}
    results = [r for r in _eager(run.results) if (r.model, r.resolution) in wanted]
    covered: dict[tuple[Precision, bool], set] = {}
    for r in results:
        covered.setdefault((r.precision, r.channels_last), set()).add(r.model)
    if not covered:
        return None
    best = max(covered, key=lambda c: (len(covered[c]), -PREFERENCE.index(c[0]), c[1]))
    return SpeedSource(run.environment.device_name, *best)


def speeds(run: BenchRun, source: SpeedSource) -> dict[tuple[str, int], Speed]:
    """(variant, resolution) -> its speed in the chosen configuration."""
    found: dict[tuple[str, int], list[BenchResult]] = {}
    for r in _eager(run.results):
        if (r.precision, r.channels_last) == (source.precision, source.channels_last):
            found.setdefault((r.model, r.resolution), []).append(r)
    out = {}
    for key, rs in found.items():
        biggest = max(rs, key=lambda r: r.measured_batch_size or r.batch_size)
        smallest = min(rs, key=lambda r: r.measured_batch_size or r.batch_size)
        out[key] = Speed(
            biggest.throughput or 0.0,
            biggest.measured_batch_size or biggest.batch_size,
            smallest.latency.p50_ms if smallest.latency else 0.0,
            smallest.measured_batch_size or smallest.batch_size,
        )
    return out


def macs_at(v: VariantData, resolution: int) -> int | None:
    """The model's MACs at another input size (same network, traced again); None without a spec to build from."""
    a = v.analysis
    if a.resolution == resolution:
        return v.family.macs
    if a.spec is None:
        return None
    from effnet_inspect.analysis.measure import analyze, totals

    return totals(analyze(a.spec, include_top=a.include_top, resolution=resolution).layers()).macs


def decisions(variants: Sequence[VariantData], runs: Sequence[BenchRun]) -> tuple[list[Decision], SpeedSource | None]:
    """One row per variant, with speeds from the first run that measured any of them (one device per view)."""
    run, source = next(((r, s) for r in runs if (s := pick_source(r, variants)) is not None), (None, None))
    measured = speeds(run, source) if run is not None and source is not None else {}
    rows = []
    for v in variants:
        a = v.analysis
        native = a.variant is not None and a.is_official and a.resolution == a.variant.resolution
        paper = PAPER_TABLE2.get(v.name) if native else None
        rows.append(
            Decision(
                v,
                paper.top1 if paper and a.include_top else None,
                macs_at(v, SHARED_RESOLUTION),
                measured.get((v.name, a.resolution)),
                training_batches(v),
            )
        )
    return rows, source


def decision_table(rows: Sequence[Decision], source: SpeedSource | None) -> HtmlTable:
    headers = [
        "Variant",
        "Top-1 % (paper)",
        "Params (M)",
        "Input (px)",
        "MACs (G)",
        f"MACs at {SHARED_RESOLUTION} px (G)",
    ]
    headers += [f"Training batch, {label}" for label, _ in DECISION_CARDS]
    if source is not None:
        headers += ["Images/s", "at batch", "Latency ms (p50)", "at batch"]
    body = []
    for d in rows:
        f = d.v.family
        cells = [
            d.v.short,
            fixed(d.top1, 1),
            fixed(f.params / 1e6, 2),
            str(f.resolution),
            fixed(f.macs / 1e9, 3),
            fixed(d.macs_shared and d.macs_shared / 1e9, 3),
            *(str(d.training_batch.get(label, "")) for label, _ in DECISION_CARDS),
        ]
        if source is not None:
            s = d.speed
            cells += (
                ["", "", "", ""]
                if s is None
                else [fixed(s.throughput, 0), str(s.batch), fixed(s.latency_ms, 2), str(s.latency_batch)]
            )
        body.append(cells)
    caption = "What each variant buys and costs (training batch: the largest a float32 step with Adam fits)"
    if source is not None:
        caption += f": speeds measured on {source.device}, {source.label}"
    return table(caption, headers, body, (False, *([True] * (len(headers) - 1))), id="decision-table")
