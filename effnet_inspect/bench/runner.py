"""Forward-pass benchmark: throughput, latency percentiles, memory and per-stage time of our EfficientNets.

Method, per configuration (variant, resolution, batch, precision, channels-last, compiled, CUDA graphs):
- the model from build() on the device, eval(), under torch.inference_mode(); fp16/bf16 through autocast;
  fp32 with TF32 switched off, tf32 with it on (CUDA); channels-last moves weights and input;
- one first call (timed apart: it includes torch.compile or graph capture), then warm-up passes;
- `repeats` rounds of timed passes, each pass timed alone: CUDA events on the GPU (read after one synchronize at
  the end of a round, so the timer never stalls the queue), time.perf_counter on the CPU, where work is synchronous;
- an instrumented pass that runs the model stage by stage (stem, block1 ... block7, top: runs of consecutive
  children of our nn.Sequential, grouped as the Analysis groups their layers) with a timestamp at each boundary.
  The sum of the stage medians is checked against the uninstrumented median; compiled and CUDA-graph runs fuse
  across stages, so they get no stage split.

Robustness: an out-of-memory error halves the batch and retries (down to 1); any other failure is recorded and
the run goes on with the next configuration; the results file is rewritten atomically after every configuration.
The measuring function is a parameter of run_bench (the `Measure` seam), so tests inject failures without
touching torch.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import os
import platform
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

import torch
from torch import nn

from effnet_inspect.bench.results import (Attempt, BenchEnvironment, Device, BenchResult, BenchRun, BenchSettings, Latency, Precision,
                            StageTiming, Status, Timer, peak_tflops, peaks_for, rounded, save_results)
from effnet_inspect.errors import InputError
from effnet_inspect.arch.specs import Variant

MIN_ITERS = 3  # a time budget never cuts a round below this many passes


@dataclass(frozen=True)
class BenchConfig:
    variant: Variant
    resolution: int
    batch_size: int
    precision: Precision
    channels_last: bool = False
    compiled: bool = False
    cuda_graphs: bool = False

    @property
    def stage_timing(self) -> bool:
        return not (self.compiled or self.cuda_graphs)


@dataclass(frozen=True)
class Measurement:
    """What one measuring attempt at one batch size gives."""

    batch_size: int
    first_call_s: float
    latencies_ms: tuple[tuple[float, ...], ...]  # per repeat, per pass
    peak_memory_bytes: int | None
    stage_ms: tuple[tuple[str, float], ...] | None  # (stage, median ms) of the instrumented pass


Measure = Callable[[BenchConfig, int], Measurement]


# ------------------------------------------------------------------------------------------------- device
def resolve_device(choice: Device) -> torch.device:
    cuda = torch.cuda.is_available()
    if choice is Device.CUDA and not cuda:
        build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        raise InputError(f"cuda: no CUDA device is available (torch {torch.__version__}, {build}); "
                         f"use cpu or auto", param="device")
    return torch.device("cuda" if choice is Device.CUDA or (choice is Device.AUTO and cuda) else "cpu")


def check_config(config: BenchConfig, device: torch.device) -> None:
    """Refuse combinations that have no meaning on the device (one line naming what would work)."""
    if device.type == "cuda":
        return
    if config.precision in (Precision.TF32, Precision.FP16):
        raise InputError(f"{config.precision.value} needs a CUDA device; on the CPU use fp32 or bf16",
                         param="precision")
    if config.cuda_graphs:
        raise InputError("needs a CUDA device", param="cuda_graphs")


def default_settings(device: torch.device) -> BenchSettings:
    """A short run on the CPU (seconds), a careful one on the GPU."""
    if device.type == "cuda":
        # 1 s per round: B7 in fp32 at batch 128 takes about half a second a pass, fifty would be minutes.
        return BenchSettings(warmup=10, iters=50, repeats=3, budget_s=1.0, timer=Timer.CUDA_EVENTS,
                             cudnn_benchmark=True)
    # 2 s per round: a large model (B7, phi=10) gets 3 passes a round instead of 10, and the run stays minutes
    return BenchSettings(warmup=2, iters=10, repeats=3, budget_s=2.0, timer=Timer.PERF_COUNTER,
                         cudnn_benchmark=False)


# -------------------------------------------------------------------------------------------- environment
def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


NVIDIA_SMI_FIELDS = ("driver_version", "clocks.sm", "clocks.mem", "clocks.max.sm", "clocks.max.mem",
                     "power.limit", "pstate")


def nvidia_smi(index: int) -> dict[str, str]:
    """Driver version and clocks from nvidia-smi, or {} when it is absent or fails."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return {}
    try:
        out = subprocess.run([exe, f"--id={index}", f"--query-gpu={','.join(NVIDIA_SMI_FIELDS)}",
                              "--format=csv,noheader"], capture_output=True, text=True, timeout=15, check=True)
    except (OSError, subprocess.SubprocessError):
        return {}
    values = [v.strip() for v in out.stdout.strip().split(",")]
    if len(values) != len(NVIDIA_SMI_FIELDS):
        return {}
    return {k: v for k, v in zip(NVIDIA_SMI_FIELDS, values) if v and "N/A" not in v and "[" not in v}


def environment(device: torch.device) -> BenchEnvironment:
    common = dict(torch=torch.__version__, python=platform.python_version(), cpu=_cpu_model(),
                  threads=torch.get_num_threads())
    if device.type != "cuda":
        return BenchEnvironment(device_type="cpu", device_name=_cpu_model(), peak_key=None, gpu_memory_bytes=None,
                                compute_capability=None, driver=None, cuda=None, cudnn=None, **common)
    index = device.index if device.index is not None else torch.cuda.current_device()
    props = torch.cuda.get_device_properties(index)
    smi = nvidia_smi(index)
    driver = smi.pop("driver_version", None)
    peaks = peaks_for(props.name)
    cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    return BenchEnvironment(device_type="cuda", device_name=props.name, peak_key=peaks.key if peaks else None,
                            gpu_memory_bytes=props.total_memory, compute_capability=f"{props.major}.{props.minor}",
                            driver=driver, cuda=torch.version.cuda, cudnn=str(cudnn) if cudnn else None,
                            clocks=smi, **common)


# ------------------------------------------------------------------------------------------ model and MACs
@functools.lru_cache(maxsize=16)
def model_facts(variant: Variant, resolution: int) -> tuple[int, tuple[tuple[str, int], ...], dict[str, str]]:
    """MACs per image, (stage, MACs) in order, and which stage each top-level child of the model belongs to."""
    from effnet_inspect.analysis.measure import analyze, family_row, stage_rows

    analysis = analyze(variant, include_top=True, resolution=resolution)
    stage_of_child: dict[str, str] = {}
    for stage in analysis.grouping.stages:
        for layer in analysis.layers(stage.layers):
            if layer.path:  # the input placeholder has no module
                child = layer.path.split(".")[0]
                if stage_of_child.setdefault(child, stage.name) != stage.name:
                    raise InputError(f"module {child!r} spans stages {stage_of_child[child]} and {stage.name}")
    stages = tuple((r.stage, r.macs) for r in stage_rows(analysis))
    return family_row(analysis).macs, stages, stage_of_child


def stage_modules(model: nn.Sequential, stage_of_child: dict[str, str]) -> list[tuple[str, nn.Sequential]]:
    """Split the model's children into consecutive runs, one per stage (they share the model's weights)."""
    runs: list[tuple[str, list[nn.Module]]] = []
    for name, child in model.named_children():
        stage = stage_of_child.get(name)
        if stage is None:
            raise InputError(f"module {name!r} of the model is not in the traced graph")
        if runs and runs[-1][0] == stage:
            runs[-1][1].append(child)
        elif any(s == stage for s, _ in runs):
            raise InputError(f"stage {stage} is not a run of consecutive modules")
        else:
            runs.append((stage, [child]))
    return [(stage, nn.Sequential(*children)) for stage, children in runs]


# ----------------------------------------------------------------------------------------------- settings
@contextlib.contextmanager
def precision_flags(precision: Precision, device: torch.device) -> Iterator[None]:
    """TF32 on only for tf32; strict fp32 otherwise. Uses torch's fp32_precision API where it exists (>= 2.9)."""
    if device.type != "cuda":
        yield
        return
    allow = precision is Precision.TF32
    try:
        targets = (torch.backends.cuda.matmul, torch.backends.cudnn.conv)
        old = [t.fp32_precision for t in targets]
        for t in targets:
            t.fp32_precision = "tf32" if allow else "ieee"
    except AttributeError:  # older torch: the allow_tf32 switches
        targets = (torch.backends.cuda.matmul, torch.backends.cudnn)
        old = [t.allow_tf32 for t in targets]
        for t in targets:
            t.allow_tf32 = allow
        try:
            yield
        finally:
            for t, value in zip(targets, old):
                t.allow_tf32 = value
        return
    try:
        yield
    finally:
        for t, value in zip(targets, old):
            t.fp32_precision = value


def autocast(precision: Precision, device: torch.device, cuda_graphs: bool) -> contextlib.AbstractContextManager:
    dtype = {Precision.FP16: torch.float16, Precision.BF16: torch.bfloat16}.get(precision)
    if dtype is None:
        return contextlib.nullcontext()
    # Autocast's weight-cast cache must be off while a CUDA graph is captured (it would hold capture-time copies).
    return torch.autocast(device_type=device.type, dtype=dtype, cache_enabled=not cuda_graphs)


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
        first = first[:limit - 3].rstrip() + "..."
    return f"{type(exc).__name__}: {first}".rstrip(": ")


# ---------------------------------------------------------------------------------------------- measuring
class Clock:
    """Timestamps on the device's own timeline: CUDA events on the GPU, perf_counter on the CPU."""

    def __init__(self, device: torch.device):
        self.cuda = device.type == "cuda"

    def sync(self) -> None:
        if self.cuda:
            torch.cuda.synchronize()

    def stamp(self):
        if self.cuda:
            event = torch.cuda.Event(enable_timing=True)
            event.record()
            return event
        return time.perf_counter()

    def elapsed_ms(self, start, end) -> float:
        """Only after sync(): reading CUDA events earlier would block mid-round."""
        return start.elapsed_time(end) if self.cuda else (end - start) * 1000.0


class Measurer:
    """The real Measure: builds the model once per variant and measures one configuration at one batch size."""

    def __init__(self, device: torch.device, settings: BenchSettings, compile_backend: str = "inductor"):
        self.device = device
        self.settings = settings
        self.clock = Clock(device)
        self.compile_backend = compile_backend
        self._model: tuple[Variant, nn.Sequential] | None = None
        # Let cuDNN pick the fastest algorithm per shape (during the warm-up); close() restores the caller's choice.
        self._cudnn_benchmark = torch.backends.cudnn.benchmark
        if device.type == "cuda":
            torch.backends.cudnn.benchmark = settings.cudnn_benchmark

    def model(self, variant: Variant) -> nn.Sequential:
        if self._model is None or self._model[0] != variant:
            self._model = None
            release_memory(self.device)
            from effnet_inspect.model.build import build

            self._model = (variant, build(variant, include_top=True, device=self.device).eval())
        return self._model[1]

    def close(self) -> None:
        self._model = None
        torch.backends.cudnn.benchmark = self._cudnn_benchmark
        release_memory(self.device)

    def __call__(self, config: BenchConfig, batch_size: int) -> Measurement:
        model = self.model(config.variant)
        layout = torch.channels_last if config.channels_last else torch.contiguous_format
        model.to(memory_format=layout)
        with precision_flags(config.precision, self.device), torch.inference_mode(), \
                autocast(config.precision, self.device, config.cuda_graphs):
            x = torch.randn(batch_size, 3, config.resolution, config.resolution, device=self.device)
            x = x.contiguous(memory_format=layout)
            if self.device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(self.device)
            start = time.perf_counter()
            forward = self.forward(model, x, config)  # the first call happens here (compile, capture)
            forward()
            self.clock.sync()
            first_call_s = time.perf_counter() - start
            iters = self.iterations(forward, first_call_s)
            rounds = tuple(self.time_passes(forward, iters) for _ in range(self.settings.repeats))
            peak = torch.cuda.max_memory_allocated(self.device) if self.device.type == "cuda" else None
            stage_ms = None
            if config.stage_timing:
                _, _, stage_of_child = model_facts(config.variant, config.resolution)
                stage_ms = self.time_stages(stage_modules(model, stage_of_child), x, iters)
        return Measurement(batch_size, first_call_s, rounds, peak, stage_ms)

    def forward(self, model: nn.Module, x: torch.Tensor, config: BenchConfig) -> Callable[[], object]:
        """A no-argument callable running one forward pass as the configuration asks."""
        if config.compiled:
            torch._dynamo.reset()  # fresh caches: one static-shape graph per configuration, no recompile limits
            mode = "reduce-overhead" if config.cuda_graphs else None  # inductor's own CUDA graphs
            compiled = torch.compile(model, backend=self.compile_backend, mode=mode, dynamic=False)
            return lambda: compiled(x)
        if config.cuda_graphs:
            return capture_graph(model, x)
        return lambda: model(x)

    def iterations(self, forward: Callable[[], object], first_call_s: float) -> int:
        """Warm up; with a time budget, fewer passes per round for slow models (never fewer than MIN_ITERS).

        Without warm-up passes the first call is the only timing there is (an overestimate: it may include
        compilation), so the budget holds then too.
        """
        start = time.perf_counter()
        for _ in range(self.settings.warmup):
            forward()
        self.clock.sync()
        if not self.settings.budget_s:
            return self.settings.iters
        per_pass = (time.perf_counter() - start) / self.settings.warmup if self.settings.warmup else first_call_s
        return max(MIN_ITERS, min(self.settings.iters, int(self.settings.budget_s / max(per_pass, 1e-9))))

    def time_passes(self, forward: Callable[[], object], iters: int) -> tuple[float, ...]:
        stamps = []
        for _ in range(iters):
            begin = self.clock.stamp()
            forward()
            stamps.append((begin, self.clock.stamp()))
        self.clock.sync()
        return tuple(self.clock.elapsed_ms(a, b) for a, b in stamps)

    def time_stages(self, stages: Sequence[tuple[str, nn.Module]], x: torch.Tensor,
                    iters: int) -> tuple[tuple[str, float], ...]:
        rows = []
        for _ in range(iters):
            h = x
            marks = [self.clock.stamp()]
            for _, stage in stages:
                h = stage(h)
                marks.append(self.clock.stamp())
            rows.append(marks)
        self.clock.sync()
        # Medians, like the whole-model p50 they are checked against: one preempted pass must not skew a stage.
        per_stage = zip(*[[self.clock.elapsed_ms(m[i], m[i + 1]) for i in range(len(stages))] for m in rows])
        return tuple((name, statistics.median(times)) for (name, _), times in zip(stages, per_stage))


def capture_graph(model: nn.Module, x: torch.Tensor) -> Callable[[], object]:
    """Capture one forward pass in a CUDA graph; replaying it skips all per-kernel launch overhead."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm-up on a side stream, as the CUDA graphs docs ask
        for _ in range(3):
            model(x)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        model(x)  # the input and output stay at their capture addresses; x is reused as is
    return graph.replay


def release_memory(device: torch.device) -> None:
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


# ------------------------------------------------------------------------------------------- run and record
def _result(config: BenchConfig, status: Status, **kwargs) -> BenchResult:
    macs, _, _ = model_facts(config.variant, config.resolution)
    return BenchResult(variant=config.variant.name, resolution=config.resolution, batch_size=config.batch_size,
                       precision=config.precision, channels_last=config.channels_last, compiled=config.compiled,
                       cuda_graphs=config.cuda_graphs, status=status, macs_per_image=macs, **kwargs)


def summarize(config: BenchConfig, m: Measurement, attempts: Sequence[Attempt],
              env: BenchEnvironment) -> BenchResult:
    """Turn raw pass times into the recorded statistics."""
    macs, stage_macs, _ = model_facts(config.variant, config.resolution)
    samples = [ms for repeat in m.latencies_ms for ms in repeat]
    latency = Latency.of(samples)
    mean_s = sum(samples) / len(samples) / 1000.0
    per_repeat = tuple(rounded(m.batch_size * len(r) / (sum(r) / 1000.0)) for r in m.latencies_ms if sum(r) > 0)
    achieved = 2 * macs * m.batch_size / mean_s / 1e12
    peak = peak_tflops(env.peak_key, config.precision)
    stages = None
    if m.stage_ms is not None:
        stage_macs_of = dict(stage_macs)
        stages = StageTiming.of(latency.p50_ms, [(name, ms, stage_macs_of.get(name, 0)) for name, ms in m.stage_ms])
    return _result(config, Status.OK, attempts=tuple(attempts), measured_batch_size=m.batch_size,
                   first_call_s=rounded(m.first_call_s), throughput=rounded(m.batch_size / mean_s),
                   repeat_throughputs=per_repeat, latency=latency, peak_memory_bytes=m.peak_memory_bytes,
                   achieved_tflops=rounded(achieved), peak_tflops=peak,
                   peak_fraction=rounded(achieved / peak) if peak else None, stages=stages)


def bench_config(config: BenchConfig, measure: Measure, env: BenchEnvironment,
                 release: Callable[[], None] = lambda: None) -> BenchResult:
    """Measure one configuration; on out-of-memory halve the batch and retry; never raise for a failure."""
    attempts: list[Attempt] = []
    batch = config.batch_size
    while True:
        try:
            measurement = measure(config, batch)
        except Exception as exc:  # noqa: BLE001 - one failing configuration must not stop the run
            error, oom = describe(exc), is_out_of_memory(exc)
        else:
            return summarize(config, measurement, attempts, env)
        release()  # outside the except block, so the traceback's tensors can be freed
        if not (oom and batch > 1):
            return _result(config, Status.FAILED, error=error, attempts=tuple(attempts))
        attempts.append(Attempt(batch, error))
        batch //= 2


def run_bench(configs: Sequence[BenchConfig], measure: Measure, env: BenchEnvironment, settings: BenchSettings,
              out: str | os.PathLike | None = None, deadline: float | None = None,
              release: Callable[[], None] = lambda: None, show_progress: bool | None = None,
              resume: BenchRun | None = None) -> BenchRun:
    """Run every configuration in order, writing the results file after each one.

    deadline (time.monotonic()): configurations not started by then are recorded as skipped.
    resume: results of an earlier call to append to (the GPU matrix runs its phases under different deadlines).
    """
    from effnet_inspect.progress import progress

    run = resume if resume is not None else BenchRun(env, settings)
    # One bar step per run of consecutive configurations of a variant: the caller's order is kept (the GPU
    # matrix puts the most wanted configurations first, in case its time runs out).
    groups = [list(g) for _, g in itertools.groupby(configs, key=lambda c: c.variant)]
    for group in progress(groups, desc="bench", label=lambda g: g[0].variant.name, enabled=show_progress):
        for config in group:
            if deadline is not None and time.monotonic() > deadline:
                result = _result(config, Status.SKIPPED, error="not run: the time budget was used up")
            else:
                result = bench_config(config, measure, env, release)
            run = run.with_result(result)
            if out is not None:
                save_results(run, out)
    return run
