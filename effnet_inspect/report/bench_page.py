"""The report's benchmark page: one section per results file (device). Each shows where and how it was measured,
the implementations side by side, throughput and latency against batch size, and stage by stage the time beside
the MACs and the roofline. Reads BenchRun records (effnet_inspect.bench.results) only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from effnet_inspect.bench.results import BenchResult, BenchRun, StageMethod, Status
from effnet_inspect.bench.tables import note
from effnet_inspect.render.numbers import fixed
from effnet_inspect.report.bench_charts import (
    config_label,
    latency_chart,
    natural,
    roofline_chart,
    series_label,
    series_names,
    stage_share_chart,
    throughput_chart,
)
from effnet_inspect.report.data import Writer
from effnet_inspect.report.html import Figure, HtmlTable, Row, table

METHODS = {
    StageMethod.WALL_CLOCK: "wall clock at each stage's first module, against plain passes in between",
    StageMethod.GRAPH_REPLAY: "one CUDA graph per stage replayed in order, against one graph of the whole pass "
    "(the split is of the GPU's time; launch overhead is in neither)",
    StageMethod.EAGER_EVENTS: "CUDA events between eagerly launched stages (version 1; it times the host's "
    "launches whenever the GPU waits for them)",
}


def _batch(r: BenchResult) -> int:
    return r.measured_batch_size or r.batch_size


def environment_table(run: BenchRun, slug: str) -> HtmlTable:
    env, settings, ceilings = run.environment, run.settings, run.ceilings
    rows = [
        ("Device", f"{env.device_name} ({env.device_type})"),
        ("Device memory", f"{env.gpu_memory_bytes / 2**30:.0f} GiB" if env.gpu_memory_bytes else ""),
        ("Compute capability", env.compute_capability),
        ("Driver", env.driver),
        ("CUDA", env.cuda),
        ("cuDNN", env.cudnn),
        ("PyTorch", env.torch),
        ("Python", env.python),
        ("CPU", env.cpu),
        ("CPU threads", env.threads),
        *((f"Clock {k}", v) for k, v in sorted(env.clocks.items())),
        ("Timer", settings.timer.value),
        ("Warm-up / iterations / repeats", f"{settings.warmup} / {settings.iters} / {settings.repeats}"),
        ("Time budget per round", f"{settings.budget_s:g} s" if settings.budget_s else "none"),
        ("cuDNN benchmark mode", "on" if settings.cudnn_benchmark else "off"),
    ]
    if ceilings is not None:
        rows += [
            ("Ceilings", ceilings.source),
            ("Copy bandwidth", f"{ceilings.copy_gb_s:,.1f} GB/s"),
            *((f"Matmul {p}", f"{v:,.4g} TFLOP/s") for p, v in sorted(ceilings.matmul_tflops.items())),
        ]
    rows = [(k, "" if v is None else str(v)) for k, v in rows if v not in (None, "")]
    return table("Where and how it was measured", ("Setting", "Value"), rows, (False, False), id=f"bench-env-{slug}")


def side_by_side_table(results: Sequence[BenchResult], slug: str) -> HtmlTable | None:
    """Images per second: one row per configuration, one column per implementation."""
    ok = [r for r in results if r.status is Status.OK]
    series = series_names(ok)
    if not ok:
        return None
    configs: dict[str, dict[str, BenchResult]] = {}
    for r in ok:
        configs.setdefault(f"batch {_batch(r)}, {config_label(r)}", {}).setdefault(series_label(r), r)
    rows = [[label, *(fixed(by[s].throughput, 1) if s in by else "" for s in series)] for label, by in configs.items()]
    return table(
        "Images per second, implementations side by side",
        ("Configuration", *series),
        rows,
        (False, *([True] * len(series))),
        id=f"bench-side-by-side-{slug}",
    )


def results_table(results: Sequence[BenchResult], slug: str) -> HtmlTable:
    rows = []
    for r in results:
        lat = r.latency
        rows.append(
            Row(
                (
                    series_label(r),
                    config_label(r),
                    str(_batch(r)),
                    fixed(r.throughput, 1),
                    fixed(lat.mean_ms if lat else None, 3),
                    fixed(lat.p50_ms if lat else None, 3),
                    fixed(lat.p90_ms if lat else None, 3),
                    fixed(lat.p99_ms if lat else None, 3),
                    fixed(r.peak_memory_bytes and r.peak_memory_bytes / 2**20, 0),
                    fixed(r.achieved_tflops, 3),
                    "" if r.peak_fraction is None else f"{100 * r.peak_fraction:.1f} %",
                    fixed(r.split().ratio if r.stages else None, 3),
                    note(r),
                ),
                css="" if r.status is Status.OK else "highlight",
            )
        )
    headers = (
        "Model @ pixels",
        "Configuration",
        "Batch",
        "Images/s",
        "Mean ms",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "Peak MiB",
        "TFLOP/s",
        "Of peak",
        "Stage sum / whole",
        "Note",
    )
    numeric = (False, False, *([True] * 10), False)
    return table(
        "Every configuration measured (latency is one forward pass of the whole batch)",
        headers,
        rows,
        numeric,
        id=f"bench-results-{slug}",
    )


def stage_picks(results: Sequence[BenchResult]) -> list[BenchResult]:
    """The results the per-stage charts compare: the configuration (precision and flags) split for the most
    implementations, first measured on a tie, and in it each implementation at its largest batch."""
    timed = [r for r in results if r.status is Status.OK and r.stages is not None]
    by_config: dict[str, dict[str, BenchResult]] = {}
    for r in timed:
        best = by_config.setdefault(config_label(r), {}).get(series_label(r))
        if best is None or _batch(r) > _batch(best):
            by_config[config_label(r)][series_label(r)] = r
    if not by_config:
        return []
    picked = max(by_config.values(), key=len)  # max keeps the first of equals
    return [picked[name] for name in sorted(picked, key=natural)]


def stage_table(picks: Sequence[BenchResult], slug: str) -> HtmlTable | None:
    if not picks:
        return None
    rows = []
    for r in picks:
        for s in r.split().stages:
            rows.append(
                [
                    f"{series_label(r)} {s.stage}",
                    f"{100 * s.mac_share:.1f} %",
                    f"{100 * s.time_share:.1f} %",
                    fixed(s.time_ms, 3),
                    fixed(s.attainable_ms, 3),
                    fixed(s.flops / 1e9, 2),
                    fixed(s.bytes / 1e6, 1),
                    fixed(s.intensity, 1),
                    s.bound.value if s.bound else "",
                ]
            )
    headers = (
        "Model @ pixels, stage",
        "MACs",
        "Time",
        "ms",
        "Attainable ms",
        "GFLOP",
        "MB moved",
        "FLOP/byte",
        "Bound by",
    )
    return table(
        f"Per stage at batch {', '.join(sorted({str(_batch(r)) for r in picks}, key=int))}, "
        f"{config_label(picks[0])}: share of the time beside share of the MACs, and the roofline",
        headers,
        rows,
        (False, *([True] * 7), False),
        id=f"bench-stages-{slug}",
    )


@dataclass(frozen=True)
class RunSection:
    slug: str
    device: str
    device_type: str
    note: str | None
    environment: HtmlTable
    side_by_side: HtmlTable | None
    figures: tuple[Figure, ...]
    stage_table: HtmlTable | None
    method: str
    results: HtmlTable
    count: int
    failed: int


def slugs(runs: Sequence[BenchRun]) -> list[str]:
    """A file-name-safe name per run, from its device: nvidia-h200, amd-epyc (numbered when two share one)."""
    out: list[str] = []
    for run in runs:
        base = re.sub(r"[^a-z0-9]+", "-", run.environment.device_name.lower()).strip("-") or "device"
        out.append(base if base not in out else f"{base}-{len(out) + 1}")
    return out


def run_section(run: BenchRun, slug: str, writer: Writer) -> RunSection:
    results = run.results
    figures = []
    chart = throughput_chart(results)
    if chart:
        figures.append(
            Figure(
                "Throughput against batch size for each implementation, one panel per configuration",
                "Images per second against batch size (both log scales). Each panel is one "
                "configuration; each line one implementation at its resolution.",
                src=writer.write(f"charts/bench-{slug}-throughput.svg", chart),
            )
        )
    chart = latency_chart(results)
    if chart:
        figures.append(
            Figure(
                "Latency against batch size for each implementation, one panel per configuration",
                "Latency of one forward pass of the whole batch: the line is the median (p50), the "
                "band reaches the 99th percentile.",
                src=writer.write(f"charts/bench-{slug}-latency.svg", chart),
            )
        )
    picks = stage_picks(results)
    chart = stage_share_chart(picks)
    if chart:
        figures.append(
            Figure(
                "Per-stage share of time beside share of MACs for each implementation",
                "Where the time goes (red) against where the multiply-accumulates are (grey), in "
                "one configuration, each implementation at its largest batch. Stages whose time "
                "share exceeds their MAC share move much memory for little arithmetic (see the "
                "roofline).",
                src=writer.write(f"charts/bench-{slug}-stages.svg", chart),
            )
        )
    chart = roofline_chart(picks, run.ceilings)
    if chart:
        source = f"Ceilings: {run.ceilings.source}." if run.ceilings else "No ceilings: no roofs to draw."
        figures.append(
            Figure(
                "Roofline: achieved TFLOP/s against arithmetic intensity, one point per stage",
                "Each point is a stage: its FLOPs (2 x MACs) over its measured time, against its "
                "FLOPs per byte moved (weights once, every layer's inputs read and output written, "
                "at the benchmark's dtype, as an unfused execution moves them). Left of the dashed "
                "ridge the memory roof is the lower one: those stages cannot go faster than the "
                "copy bandwidth allows, whatever their MACs. Points above the memory roof reuse "
                f"data from caches (small batches fit in them). {source}",
                src=writer.write(f"charts/bench-{slug}-roofline.svg", chart),
            )
        )
    methods = dict.fromkeys(r.split().method for r in results if r.stages is not None)
    return RunSection(
        slug,
        run.environment.device_name,
        run.environment.device_type,
        run.note,
        environment_table(run, slug),
        side_by_side_table(results, slug),
        tuple(figures),
        stage_table(picks, slug),
        "; ".join(METHODS[m] for m in methods),
        results_table(results, slug),
        len(results),
        sum(r.status is not Status.OK for r in results),
    )


def bench_context(runs: Sequence[BenchRun], writer: Writer) -> dict:
    """Template variables of bench.html; the charts are written next to it through writer."""
    return dict(sections=[run_section(run, slug, writer) for run, slug in zip(runs, slugs(runs))])
