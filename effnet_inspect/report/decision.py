"""The decision view for engineers: what each variant buys (the paper's top-1) for what it costs (parameters, MACs at
its own and at a shared resolution, measured throughput and latency from a benchmark file).

The benchmark file is read through effnet_inspect.bench.results only for throughput and latency. One eager
configuration (not compiled, no CUDA graphs) is used for every variant so that the rows compare: the one that covers
the most variants, then the one with the largest batch they were all measured at, preferring bf16, then fp16, tf32,
fp32, and channels-last. Throughput is taken at that common batch. Latency is the median (p50) at the smallest
batch, normally 1, from a CUDA graph of the same precision where one was measured (an eager pass that small times
the host launching kernels more than the GPU's work), else eager, and then marked when it is launch-bound.
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
from effnet_inspect.report.provenance import Provenance, provenance

SHARED_RESOLUTION = BASE_RESOLUTION  # 224: B0's input, the one every variant can be compared at
PREFERENCE = (Precision.BF16, Precision.FP16, Precision.TF32, Precision.FP32)
# Launch-bound: a pass at LAUNCH_BATCHES times the smallest batch or more took less than LAUNCH_TIME times as long as
# the quickest pass at that batch: its time is mostly not the device's work (the host launching kernels one by one).
LAUNCH_BATCHES, LAUNCH_TIME = 4, 2.0


@dataclass(frozen=True)
class Speed:
    throughput: float  # images/s at the common batch
    batch: int
    latency_ms: float  # p50, one forward pass at latency_batch
    latency_batch: int
    graph: bool  # the latency was measured replaying a CUDA graph (no launch overhead)
    throughput_launch_bound: bool
    latency_launch_bound: bool  # an eager latency only
    eager_latency_ms: float  # the eager p50 at latency_batch, beside a CUDA graph's


@dataclass(frozen=True)
class SpeedSource:
    """Where the speeds come from, for captions: 'NVIDIA H200, bf16 + channels-last, eager'."""

    device: str
    precision: Precision
    channels_last: bool
    batch: int  # the largest batch every variant of the view was measured at (common), else the smallest largest
    common: bool
    run: Provenance
    gpu: bool  # what bounds a small eager pass: kernel launches (GPU) or each operation's fixed cost (CPU)

    @property
    def bound(self) -> str:
        return "launch-bound" if self.gpu else "overhead-bound"

    @property
    def overhead(self) -> str:
        return "the host launching kernels" if self.gpu else "each operation's fixed cost"

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


def _measured(r: BenchResult) -> bool:
    return r.status is Status.OK and r.throughput is not None and r.latency is not None


def _batch(r: BenchResult) -> int:
    return r.measured_batch_size or r.batch_size


def _p50(r: BenchResult) -> float:
    return r.latency.p50_ms if r.latency else 0.0


def _eager(results: Sequence[BenchResult]) -> list[BenchResult]:
    return [r for r in results if _measured(r) and not r.compiled and not r.cuda_graphs]


def pick_source(run: BenchRun, variants: Sequence[VariantData]) -> SpeedSource | None:
    wanted = {(v.name, v.analysis.resolution) for v in variants}
    batches: dict[tuple[Precision, bool], dict[tuple[str, int], set[int]]] = {}
    for r in _eager(run.results):
        if (r.model, r.resolution) in wanted:
            batches.setdefault((r.precision, r.channels_last), {}).setdefault((r.model, r.resolution), set()).add(
                _batch(r)
            )
    if not batches:
        return None

    def common(config: tuple[Precision, bool]) -> int:
        return max(set.intersection(*batches[config].values()), default=0)

    best = max(
        batches, key=lambda c: (len(batches[c]), common(c), -PREFERENCE.index(c[0]), c[1])
    )  # max keeps the first of equals
    fallback = min(max(b) for b in batches[best].values())  # no batch in common: the smallest of the largest
    return SpeedSource(
        run.environment.device_name,
        best[0],
        best[1],
        common(best) or fallback,
        common(best) > 0,
        provenance(run),
        run.environment.device_type == "cuda",
    )


def launch_bound(r: BenchResult, same: Sequence[BenchResult]) -> bool:
    """An eager pass whose time barely grows with the work: at LAUNCH_BATCHES times the smallest batch measured (or
    more) it took less than LAUNCH_TIME times that batch's quickest pass; the smallest pass is launch-bound when such
    a larger pass exists. The time is then mostly the fixed cost of each operation (the host launching kernels)."""
    smallest = min(same, key=_batch)
    floor = smallest.latency.min_ms if smallest.latency else 0.0
    if r is smallest:
        return any(launch_bound(o, same) for o in same if o is not r)
    return _batch(r) >= LAUNCH_BATCHES * _batch(smallest) and _p50(r) < LAUNCH_TIME * floor


def speeds(run: BenchRun, source: SpeedSource) -> dict[tuple[str, int], Speed]:
    """(variant, resolution) -> its speed in the chosen configuration."""
    found: dict[tuple[str, int], list[BenchResult]] = {}
    graphs: dict[tuple[str, int], list[BenchResult]] = {}
    for r in run.results:
        if not _measured(r) or r.compiled or (r.precision, r.channels_last) != (source.precision, source.channels_last):
            continue
        (graphs if r.cuda_graphs else found).setdefault((r.model, r.resolution), []).append(r)
    out = {}
    for key, rs in found.items():
        smallest = min(rs, key=_batch)
        at = max((r for r in rs if _batch(r) <= source.batch), key=_batch, default=smallest)
        graph = next((g for g in sorted(graphs.get(key, ()), key=_batch) if _batch(g) == _batch(smallest)), None)
        out[key] = Speed(
            at.throughput or 0.0,
            _batch(at),
            _p50(graph or smallest),
            _batch(smallest),
            graph is not None,
            launch_bound(at, rs),
            graph is None and launch_bound(smallest, rs),
            _p50(smallest),
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
    latency_batches = {d.speed.latency_batch for d in rows if d.speed}
    headers += [f"Training batch, {label} (computed)" for label, _ in DECISION_CARDS]
    if source is not None:
        at = f"batch {latency_batches.pop()}" if len(latency_batches) == 1 else "smallest batch"
        headers += [f"Images/s at batch {source.batch}", f"Latency ms (p50, {at})", "Latency measured"]
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
                ["", "", ""]
                if s is None
                else [
                    fixed(s.throughput, 0) + ("" if s.batch == source.batch else f" (batch {s.batch})"),
                    fixed(s.latency_ms, 2) + ("" if len(latency_batches) < 2 else f" (batch {s.latency_batch})"),
                    latency_method(s, source),
                ]
            )
        body.append(cells)
    caption = "What each variant buys and costs (training batch: the largest a float32 step with Adam fits)"
    if source is not None:
        caption += f": speeds measured on {source.run.when}, {source.label}"
    numeric = (False, *([True] * (len(headers) - 1)))
    return table(caption, headers, body, numeric[:-1] + (False,) if source else numeric, id="decision-table")


def latency_method(s: Speed, source: SpeedSource) -> str:
    return "CUDA graph" if s.graph else f"eager, {source.bound}" if s.latency_launch_bound else "eager"


def speed_notes(rows: Sequence[Decision], source: SpeedSource, charted: bool = True) -> list[tuple[str, str]]:
    """What a reader must know beside the speeds, as (heading, sentences): where they come from, whether the run
    predates this code, and which figures the host's kernel launches bound (all computed from the run's records);
    charted: the page charts the speeds that are not bound (index.decision_figures)."""
    run = source.run
    notes = [
        (
            "Measured",
            f"on {run.device} on {run.date} with {run.code}, {source.label}; {run.timing}. "
            + (
                f"Images/s compare the variants at batch {source.batch}, the largest batch they were all measured at."
                if source.common
                else "No batch was measured for all the variants: images/s are each one's largest batch up to "
                f"{source.batch}, with the batch beside them where it differs."
            ),
        )
    ]
    if run.older:
        notes.append(("Older than this page's code", run.older))
    fast = [d for d in rows if d.speed]
    bound = [d.v.short for d in fast if d.speed and d.speed.throughput_launch_bound]
    smallest = " or ".join(sorted({str(d.speed.latency_batch) for d in fast if d.speed}, key=int))
    if bound:
        notes.append(
            (
                f"{source.bound.capitalize()} images/s",
                f"at batch {source.batch} the eager passes of {and_list(bound)} are {source.bound}: each took less "
                f"than {LAUNCH_TIME:g} times as long as its quickest pass at batch {smallest}, so their time is mostly "
                f"{source.overhead}, not the device's work{', and they are not charted' if charted else ''}. Larger "
                "batches are on the benchmark page.",
            )
        )
    graphs = [(d.v.short, d.speed) for d in fast if d.speed and d.speed.graph]
    if graphs:
        notes.append(
            (
                "CUDA graph latency",
                "replayed without launch overhead: "
                + ", ".join(
                    f"{short} {fixed(s.latency_ms, 2)} ms (eager {fixed(s.eager_latency_ms, 2)} ms)"
                    for short, s in graphs
                )
                + ".",
            )
        )
    eager = [d.v.short for d in fast if d.speed and d.speed.latency_launch_bound]
    if eager:
        notes.append(
            (
                f"{source.bound.capitalize()} latency",
                f"the eager latency of {and_list(eager)} measures {source.overhead} more than the device's work"
                + (f" (no CUDA graph of {'it' if len(eager) == 1 else 'them'} was measured)." if source.gpu else "."),
            )
        )
    return notes


def and_list(names: Sequence[str]) -> str:
    """'B0', 'B0 and B1', 'B0, B1 and B2'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
