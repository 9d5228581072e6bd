"""Readable text tables of a benchmark run: one row per configuration, then per configuration the implementations
side by side, stage by stage: share of time beside share of MACs, and each stage's roofline.

Reads BenchRun records only (never torch), so it also renders a results file loaded from disk.
"""

from __future__ import annotations

from effnet_inspect.bench.results import BenchEnvironment, BenchResult, BenchRun, Status
from effnet_inspect.render.tables import text_table


def _num(value: float | None, fmt: str) -> str:
    return "" if value is None else format(value, fmt)


def config_label(r: BenchResult) -> str:
    """The configuration without the implementation: '8 fp32 channels-last' (measured batch)."""
    return " ".join([str(r.measured_batch_size or r.batch_size), r.precision.value, *r.flags])


def note(r: BenchResult) -> str:
    if r.status is not Status.OK:
        return f"{r.status.value}: {r.error}"
    notes = []
    if r.attempts:
        notes.append(f"OOM at batch {', '.join(str(a.batch_size) for a in r.attempts)}")
    if r.stage_note:
        notes.append(r.stage_note)
    return "; ".join(notes)


def results_table(run: BenchRun) -> str:
    header = [
        "Model",
        "Res",
        "Batch",
        "Dtype",
        "Flags",
        "img/s",
        "Mean ms",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "Peak MiB",
        "TFLOP/s",
        "% peak",
        "Stage sum",
        "Note",
    ]
    body = []
    for r in run.results:
        lat = r.latency
        body.append(
            [
                r.model,
                str(r.resolution),
                str(r.measured_batch_size or r.batch_size),
                r.precision.value,
                " ".join(r.flags),
                _num(r.throughput, ",.1f"),
                _num(lat.mean_ms if lat else None, ".3f"),
                _num(lat.p50_ms if lat else None, ".3f"),
                _num(lat.p90_ms if lat else None, ".3f"),
                _num(lat.p99_ms if lat else None, ".3f"),
                _num(r.peak_memory_bytes and r.peak_memory_bytes / 2**20, ",.0f"),
                _num(r.achieved_tflops, ".3g"),
                _num(r.peak_fraction and 100 * r.peak_fraction, ".2f"),
                _num(r.split().ratio if r.stages else None, ".3f"),
                note(r),
            ]
        )
    return text_table(header, body)


def split_groups(results: tuple[BenchResult, ...]) -> dict[str, list[BenchResult]]:
    """Configuration label -> the results with a stage split, one per implementation, in run order."""
    groups: dict[str, dict[str, BenchResult]] = {}
    for r in results:
        if r.status is Status.OK and r.stages is not None:
            groups.setdefault(config_label(r), {}).setdefault(r.model, r)
    return {label: list(by_model.values()) for label, by_model in groups.items()}


def stage_table(label: str, results: list[BenchResult]) -> str:
    """The implementations side by side: MAC share, time share, time and arithmetic intensity per stage."""
    same_macs = len({tuple(s.macs for s in r.split().stages) for r in results}) == 1
    stages = list(dict.fromkeys(s.stage for r in results for s in r.split().stages))
    header = ["Stage"] + (["MAC %"] if same_macs else [])
    for r in results:
        header += ([] if same_macs else [f"{r.model} MAC %"]) + [
            f"{r.model} time %",
            f"{r.model} ms",
            f"{r.model} FLOP/B",
            f"{r.model} bound",
        ]
    body = []
    for name in stages:
        found = [next((s for s in r.split().stages if s.stage == name), None) for r in results]
        row = [name] + ([f"{100 * next(s for s in found if s).mac_share:.1f}"] if same_macs else [])
        for s in found:
            mac = [] if same_macs else [f"{100 * s.mac_share:.1f}" if s else ""]
            row += mac + (
                [
                    f"{100 * s.time_share:.1f}",
                    f"{s.time_ms:.3f}",
                    f"{s.intensity:.1f}",
                    s.bound.value if s.bound else "",
                ]
                if s
                else [""] * 4
            )
        body.append(row)
    ratios = ", ".join(f"{r.model} {r.split().ratio:.3f}" for r in results)
    methods = ", ".join(dict.fromkeys(r.split().method.value for r in results))
    return f"per stage, batch {label} ({methods}; stage sum / whole: {ratios})\n" + text_table(header, body)


def ceilings_line(run: BenchRun) -> str:
    c = run.ceilings
    if c is None:
        return ""
    peaks = ", ".join(f"{k} {v:g} TFLOP/s" for k, v in sorted(c.matmul_tflops.items()))
    return f"ceilings ({c.source}): copy {c.copy_gb_s:g} GB/s, matmul {peaks}\n"


def host_line(env: BenchEnvironment) -> str:
    """'threads: 1 (--threads) on 2 cores; load average 9.1, 8.7, 7.9 at the start (busy)': what the timings
    shared the machine with. Files of version 2 recorded the threads only."""
    chosen = "torch's default" if env.threads_requested is None else "--threads"
    text = f"threads: {env.threads}" + ("" if env.cores is None else f" ({chosen}) on {env.cores} cores")
    if env.load_average:
        text += f"; load average {', '.join(f'{x:g}' for x in env.load_average)} at the start (1, 5, 15 min)"
        text += "; busy: timings are slower and noisier than on a quiet machine" if env.busy else ""
    return text + "\n"


def render_run(run: BenchRun) -> str:
    env = run.environment
    s = run.settings
    head = (
        f"device: {env.device_name} ({env.device_type}), torch {env.torch}"
        + (f", CUDA {env.cuda}, cuDNN {env.cudnn}, driver {env.driver}" if env.device_type == "cuda" else "")
        + f"; {s.warmup} warm-up, {s.repeats} x {s.iters} passes, timer {s.timer.value}\n"
        + host_line(env)
    )
    stages = [stage_table(label, results) for label, results in split_groups(run.results).items()]
    return head + ceilings_line(run) + results_table(run) + "\n" + "".join("\n" + t + "\n" for t in stages)
