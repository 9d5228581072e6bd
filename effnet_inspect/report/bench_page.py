"""The report's benchmark page: what was measured where, throughput and latency against batch size, and where the
time goes stage by stage next to where the MACs are. Reads a BenchRun (effnet_inspect.bench_results) only.
"""
from __future__ import annotations

from typing import Sequence

from effnet_inspect.bench.results import BenchResult, BenchRun, Status
from effnet_inspect.render.numbers import fixed
from effnet_inspect.report.bench_charts import config_label, latency_chart, series_label, stage_share_chart, throughput_chart
from effnet_inspect.report.html import Figure, HtmlTable, Row, table


def environment_table(run: BenchRun) -> HtmlTable:
    env, settings = run.environment, run.settings
    rows = [("Device", f"{env.device_name} ({env.device_type})"),
            ("Device memory", f"{env.gpu_memory_bytes / 2**30:.0f} GiB" if env.gpu_memory_bytes else ""),
            ("Compute capability", env.compute_capability), ("Driver", env.driver), ("CUDA", env.cuda),
            ("cuDNN", env.cudnn), ("PyTorch", env.torch), ("Python", env.python), ("CPU", env.cpu),
            ("CPU threads", env.threads),
            *((f"Clock {k}", v) for k, v in sorted(env.clocks.items())),
            ("Timer", settings.timer.value),
            ("Warm-up / iterations / repeats", f"{settings.warmup} / {settings.iters} / {settings.repeats}"),
            ("Time budget per configuration", f"{settings.budget_s:g} s" if settings.budget_s else "none"),
            ("cuDNN benchmark mode", "on" if settings.cudnn_benchmark else "off")]
    rows = [(k, "" if v is None else str(v)) for k, v in rows if v not in (None, "")]
    return table("Where and how it was measured", ("Setting", "Value"), rows, (False, False), id="bench-env")


def results_table(results: Sequence[BenchResult]) -> HtmlTable:
    rows = []
    for r in results:
        lat = r.latency
        note = "" if r.status is Status.OK else f"{r.status.value}: {r.error or ''}"
        if r.attempts:
            note = "; ".join([*(f"batch {a.batch_size} failed: {a.error}" for a in r.attempts), note]).strip("; ")
        if r.stages is not None and not r.stages.adds_up:
            note = "; ".join(filter(None, [note, f"stage times sum to {r.stages.ratio:.2f}x the whole"]))
        rows.append(Row((
            series_label(r), config_label(r), str(r.measured_batch_size or r.batch_size),
            fixed(r.throughput, 1), fixed(lat and lat.mean_ms, 3), fixed(lat and lat.p50_ms, 3),
            fixed(lat and lat.p90_ms, 3), fixed(lat and lat.p99_ms, 3),
            fixed(r.peak_memory_bytes and r.peak_memory_bytes / 2**20, 0), fixed(r.achieved_tflops, 3),
            "" if r.peak_fraction is None else f"{100 * r.peak_fraction:.1f} %", note),
            css="" if r.status is Status.OK else "highlight"))
    headers = ("Variant @ pixels", "Configuration", "Batch", "Images/s", "Mean ms", "p50 ms", "p90 ms", "p99 ms",
               "Peak MiB", "TFLOP/s", "Of peak", "Note")
    numeric = (False, False, *([True] * 9), False)
    return table("Every configuration measured (latency is one forward pass of the whole batch)", headers, rows,
                 numeric, id="bench-results")


def stage_picks(results: Sequence[BenchResult]) -> list[BenchResult]:
    """One result per variant for the stage split: the first configuration measured with per-stage timing
    (usually the plain fp32 eager one), at its largest batch."""
    timed = [r for r in results if r.status is Status.OK and r.stages is not None]
    if not timed:
        return []
    first_config = {}
    for r in timed:
        first_config.setdefault(series_label(r), config_label(r))
    picks: dict[str, BenchResult] = {}
    for r in timed:
        name = series_label(r)
        if config_label(r) == first_config[name]:
            best = picks.get(name)
            if best is None or (r.measured_batch_size or 0) >= (best.measured_batch_size or 0):
                picks[name] = r
    return list(picks.values())


def stage_table(picks: Sequence[BenchResult]) -> HtmlTable | None:
    if not picks:
        return None
    stages = list(dict.fromkeys(s.stage for r in picks for s in r.stages.stages))
    by = {(series_label(r), s.stage): s for r in picks for s in r.stages.stages}
    headers = ["Stage"]
    for r in picks:
        headers += [f"{r.variant} time", f"{r.variant} MACs"]
    rows = []
    for stage in stages:
        cells = [stage]
        for r in picks:
            s = by.get((series_label(r), stage))
            cells += ["", ""] if s is None else [f"{100 * s.time_share:.1f} %", f"{100 * s.mac_share:.1f} %"]
        rows.append(cells)
    return table("Share of the measured time beside share of the MACs, per stage", headers, rows,
                 (False, *([True] * (len(headers) - 1))), id="bench-stages")


def bench_context(run: BenchRun, writer) -> dict:
    """Template variables of bench.html; the charts are written next to it through writer."""
    results = run.results
    figures = []
    throughput = throughput_chart(results)
    if throughput:
        figures.append(Figure("Throughput against batch size for each variant, one panel per configuration",
                              "Images per second against batch size (both log scales). Each panel is one "
                              "configuration; each line one variant at its resolution.",
                              src=writer.write("charts/bench-throughput.svg", throughput)))
    latency = latency_chart(results)
    if latency:
        figures.append(Figure("Latency against batch size for each variant, one panel per configuration",
                              "Latency of one forward pass of the whole batch: the line is the median (p50), the "
                              "band reaches the 99th percentile.",
                              src=writer.write("charts/bench-latency.svg", latency)))
    picks = stage_picks(results)
    shares = stage_share_chart(picks)
    if shares:
        figures.append(Figure("Per-stage share of time beside share of MACs for each variant",
                              "Where the time goes (red) against where the multiply-accumulates are (grey). "
                              "Stages whose time share exceeds their MAC share are likely limited by memory "
                              "traffic or launch overhead (depthwise convolutions, squeeze-and-excitation, "
                              "element-wise work) rather than by arithmetic; nothing here measures traffic. "
                              "One configuration per variant: the first measured with stage timing, at its "
                              "largest batch.",
                              src=writer.write("charts/bench-stages.svg", shares)))
    failed = sum(r.status is not Status.OK for r in results)
    return dict(environment=environment_table(run), results=results_table(results), figures=figures,
                stage_table=stage_table(picks), failed=failed, count=len(results), device=run.environment.device_name,
                device_type=run.environment.device_type)
