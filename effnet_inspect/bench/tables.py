"""Readable text tables of a benchmark run: one row per configuration, then time share beside MAC share per stage.

Reads BenchRun records only (never torch), so it also renders a results file loaded from disk.
"""
from __future__ import annotations

from effnet_inspect.bench.results import BenchResult, BenchRun, Status
from effnet_inspect.render.tables import text_table


def _num(value: float | None, fmt: str) -> str:
    return "" if value is None else format(value, fmt)


def _note(r: BenchResult) -> str:
    if r.status is not Status.OK:
        return f"{r.status.value}: {r.error}"
    notes = []
    if r.attempts:
        notes.append(f"OOM at batch {', '.join(str(a.batch_size) for a in r.attempts)}")
    if r.stages is not None and not r.stages.adds_up:
        notes.append("stage times do not add up (noisy timing?)")
    return "; ".join(notes)


def results_table(run: BenchRun) -> str:
    header = ["Variant", "Res", "Batch", "Dtype", "Flags", "img/s", "Mean ms", "p50 ms", "p90 ms", "p99 ms",
              "Peak MiB", "TFLOP/s", "% peak", "Stage sum", "Note"]
    body = []
    for r in run.results:
        lat = r.latency
        body.append([
            r.variant, str(r.resolution), str(r.measured_batch_size or r.batch_size), r.precision.value, " ".join(r.flags),
            _num(r.throughput, ",.1f"), _num(lat and lat.mean_ms, ".3f"), _num(lat and lat.p50_ms, ".3f"),
            _num(lat and lat.p90_ms, ".3f"), _num(lat and lat.p99_ms, ".3f"),
            _num(r.peak_memory_bytes and r.peak_memory_bytes / 2**20, ",.0f"), _num(r.achieved_tflops, ".3g"),
            _num(r.peak_fraction and 100 * r.peak_fraction, ".2f"), _num(r.stages and r.stages.ratio, ".3f"),
            _note(r)])
    return text_table(header, body)


def stage_table(run: BenchRun) -> str:
    """Per variant: each stage's MAC share, then its time share in every configuration that has a stage split."""
    parts = []
    variants = list(dict.fromkeys(r.variant for r in run.results))
    for variant in variants:
        timed = [r for r in run.results if r.variant == variant and r.stages is not None]
        if not timed:
            continue
        names = [s.stage for s in timed[0].stages.stages]
        header = ["Stage", "MAC %"] + [f"{r.measured_batch_size}/{r.precision.value}"
                                       + (" CL" if r.channels_last else "") + " time %" for r in timed]
        body = [[name, f"{100 * timed[0].stages.stages[i].mac_share:.1f}"]
                + [f"{100 * r.stages.stages[i].time_share:.1f}" for r in timed] for i, name in enumerate(names)]
        parts.append(f"{variant}: share of time beside share of MACs (batch/dtype)\n" + text_table(header, body))
    return "\n".join(parts)


def render_run(run: BenchRun) -> str:
    env = run.environment
    s = run.settings
    head = (f"device: {env.device_name} ({env.device_type}), torch {env.torch}"
            + (f", CUDA {env.cuda}, cuDNN {env.cudnn}, driver {env.driver}" if env.device_type == "cuda" else "")
            + f"; {s.warmup} warm-up, {s.repeats} x {s.iters} passes, timer {s.timer.value}\n")
    stages = stage_table(run)
    return head + results_table(run) + ("\n" + stages if stages else "")
