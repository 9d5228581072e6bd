"""The run loop: every configuration in order, out-of-memory retries, and the raw samples turned into records.

Robustness: an out-of-memory error halves the batch and retries (down to 1); any other failure is recorded and
the run goes on with the next configuration; the results file is rewritten atomically after every configuration.
The measuring function is a parameter of run_bench (the `Measure` seam), so tests inject failures without a GPU.
"""

from __future__ import annotations

import itertools
import os
import re
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import torch

from effnet_inspect.bench.device import peak_tflops
from effnet_inspect.bench.models import model_facts
from effnet_inspect.bench.results import (
    Attempt,
    BenchEnvironment,
    BenchResult,
    BenchRun,
    BenchSettings,
    Ceilings,
    Latency,
    StageMethod,
    StageTiming,
    Status,
    percentile,
    rounded,
    save_results,
)
from effnet_inspect.bench.roofline import stage_times
from effnet_inspect.bench.stages import StageSplit
from effnet_inspect.bench.timing import BenchConfig, Measure, Measurement

# How allocators on every device say they ran out: CUDA, XPU and MPS raise torch.OutOfMemoryError (a
# RuntimeError); the CPU allocator raises a plain RuntimeError ("DefaultCPUAllocator: can't allocate memory").
_OOM_TYPES = tuple({getattr(torch, "OutOfMemoryError", MemoryError), torch.cuda.OutOfMemoryError, MemoryError})
_OOM_TEXT = re.compile(r"can't allocate memory|out of memory|failed to allocate|Cannot allocate memory", re.I)


def is_out_of_memory(exc: BaseException | None) -> bool:
    """An allocation failure on any device, also when torch.compile wraps it in its own exception."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, _OOM_TYPES) or (isinstance(exc, RuntimeError) and _OOM_TEXT.search(str(exc))):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def describe(exc: BaseException, limit: int = 240) -> str:
    """One line for the results file: the type and the first line of the message (CUDA's OOM text is long)."""
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    if len(first) > limit:
        first = first[: limit - 3].rstrip() + "..."
    return f"{type(exc).__name__}: {first}".rstrip(": ")


def _result(config: BenchConfig, status: Status, **kwargs: Any) -> BenchResult:
    impl = config.implementation
    return BenchResult(
        model=impl.name,
        source=impl.source,
        resolution=config.resolution,
        batch_size=config.batch_size,
        precision=config.precision,
        channels_last=config.channels_last,
        compiled=config.compiled,
        cuda_graphs=config.cuda_graphs,
        status=status,
        macs_per_image=model_facts(impl, config.resolution).macs_per_image,
        **kwargs,
    )


def why_off(split: StageSplit, timing: StageTiming) -> str:
    """What the measurements say about a stage sum that does not add up (recorded beside it)."""
    whole = sorted(split.whole_ms)
    median = percentile(whole, 50)
    spread = (percentile(whole, 90) - percentile(whole, 10)) / median if median else 0.0
    text = (
        f"stage sum is {timing.ratio:.3f}x the whole after {timing.tries} "
        f"{'try' if timing.tries == 1 else 'tries'}; the whole-model passes alone spread {spread:.1%} "
        f"(p10 to p90)"
    )
    if split.method is StageMethod.GRAPH_REPLAY and len(split.stages) > 1:
        gap_us = (timing.sum_ms - timing.whole_ms) / (len(split.stages) - 1) * 1000
        text += f"; {gap_us:+.1f} us per stage boundary between graph replays"
    return text


def summarize(
    config: BenchConfig,
    m: Measurement,
    attempts: Sequence[Attempt],
    env: BenchEnvironment,
    ceilings: Ceilings | None = None,
) -> BenchResult:
    """Turn raw pass times into the recorded statistics."""
    facts = model_facts(config.implementation, config.resolution)
    samples = [ms for repeat in m.latencies_ms for ms in repeat]
    latency = Latency.of(samples)
    mean_s = sum(samples) / len(samples) / 1000.0
    per_repeat = tuple(rounded(m.batch_size * len(r) / (sum(r) / 1000.0)) for r in m.latencies_ms if sum(r) > 0)
    achieved = 2 * facts.macs_per_image * m.batch_size / mean_s / 1e12
    peak = peak_tflops(env.peak_key, config.precision)
    timing, note = None, m.split_note
    if m.split is not None:
        if m.split.stages != tuple(w.stage for w in facts.work):
            raise RuntimeError(f"split stages {m.split.stages} are not the grouping's")
        medians = [statistics.median(s) for s in m.split.stage_ms]
        whole = statistics.median(m.split.whole_ms)
        timing = StageTiming(
            m.split.method,
            rounded(whole),
            rounded(sum(medians)),
            rounded(sum(medians) / whole if whole else 0.0),
            stage_times(facts.work, medians, m.batch_size, config.precision, ceilings),
            m.split_tries,
        )
        note = None if timing.adds_up else why_off(m.split, timing)
    return _result(
        config,
        Status.OK,
        attempts=tuple(attempts),
        measured_batch_size=m.batch_size,
        first_call_s=rounded(m.first_call_s),
        throughput=rounded(m.batch_size / mean_s),
        repeat_throughputs=per_repeat,
        latency=latency,
        peak_memory_bytes=m.peak_memory_bytes,
        achieved_tflops=rounded(achieved),
        peak_tflops=peak,
        peak_fraction=rounded(achieved / peak) if peak else None,
        stages=timing,
        stage_note=note,
    )


def bench_config(
    config: BenchConfig,
    measure: Measure,
    env: BenchEnvironment,
    release: Callable[[], None] = lambda: None,
    ceilings: Ceilings | None = None,
) -> BenchResult:
    """Measure one configuration; on out-of-memory halve the batch and retry; never raise for a failure."""
    attempts: list[Attempt] = []
    batch = config.batch_size
    while True:
        try:
            measurement = measure(config, batch)
        except Exception as exc:  # noqa: BLE001 - one failing configuration must not stop the run
            error, oom = describe(exc), is_out_of_memory(exc)
        else:
            return summarize(config, measurement, attempts, env, ceilings)
        release()  # outside the except block, so the traceback's tensors can be freed
        if not (oom and batch > 1):
            return _result(config, Status.FAILED, error=error, attempts=tuple(attempts))
        attempts.append(Attempt(batch, error))
        batch //= 2


def run_bench(
    configs: Sequence[BenchConfig],
    measure: Measure,
    env: BenchEnvironment,
    settings: BenchSettings,
    out: str | os.PathLike | None = None,
    deadline: float | None = None,
    release: Callable[[], None] = lambda: None,
    show_progress: bool | None = None,
    resume: BenchRun | None = None,
    ceilings: Ceilings | None = None,
) -> BenchRun:
    """Run every configuration in order, writing the results file after each one.

    deadline (time.monotonic()): configurations not started by then are recorded as skipped.
    resume: results of an earlier call to append to (the GPU matrix runs its phases under different deadlines).
    ceilings: the device's roofs, measured by the caller, for the per-stage roofline (kept in the run).
    """
    from effnet_inspect.progress import progress

    run = resume if resume is not None else BenchRun(env, settings, ceilings)
    # One bar step per run of consecutive configurations of an implementation: the caller's order is kept (the
    # GPU matrix puts the most wanted configurations first, in case its time runs out).
    groups = [list(g) for _, g in itertools.groupby(configs, key=lambda c: c.implementation)]
    for group in progress(groups, desc="bench", label=lambda g: g[0].implementation.name, enabled=show_progress):
        for config in group:
            if deadline is not None and time.monotonic() > deadline:
                result = _result(config, Status.SKIPPED, error="not run: the time budget was used up")
            else:
                result = bench_config(config, measure, env, release, run.ceilings)
            run = run.with_result(result)
            if out is not None:
                save_results(run, out)
    return run
