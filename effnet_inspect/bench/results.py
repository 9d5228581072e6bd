"""The results file of `effnet-inspect bench`: frozen records, a JSON writer and a loader. No torch needed.

The report reads these records; the benchmark (effnet_inspect/bench.py) writes them. One file is one run on one
device. Layout (schema "effnet-inspect-bench", version 1; keys sorted, indent 2, floats to 6 significant figures):

    {
      "schema": "effnet-inspect-bench", "version": 1,
      "environment": {                        # BenchEnvironment: where it ran
        "device_type": "cuda" | "cpu",
        "device_name": "NVIDIA H200" | CPU model,
        "peak_key": "H100/H200 SXM" | "A100" | null,   # row of PEAKS used for peak_fraction (null: unknown device)
        "gpu_memory_bytes": int | null, "compute_capability": "9.0" | null,
        "driver": str | null, "cuda": str | null, "cudnn": str | null,   # versions; null on the CPU
        "torch": str, "python": str, "cpu": str, "threads": int,           # threads: torch.get_num_threads()
        "clocks": {str: str}                  # nvidia-smi at the start (e.g. "clocks.sm": "1980 MHz"); {} if unreadable
      },
      "settings": {                           # BenchSettings: how it was measured
        "warmup": int, "iters": int, "repeats": int,   # iters per repeat (an upper bound when budget_s is set)
        "budget_s": float | null,             # time cap per round of passes: fewer iters (>= 3) for slow models
        "timer": "cuda_events" | "perf_counter", "cudnn_benchmark": bool
      },
      "results": [                            # BenchResult, one per configuration, in the order they ran
        {
          "variant": "b0", "resolution": 224, "batch_size": 128,       # batch_size: as requested
          "precision": "fp32" | "tf32" | "fp16" | "bf16",              # fp16/bf16: autocast; fp32: TF32 off
          "channels_last": bool, "compiled": bool, "cuda_graphs": bool,
          "status": "ok" | "failed" | "skipped",
          "error": str | null,                # why it failed or was skipped (one line)
          "attempts": [{"batch_size": 128, "error": "OutOfMemoryError: ..."}],   # failed tries before this one
          "measured_batch_size": int | null,  # batch actually measured (smaller than batch_size after an OOM)
          "macs_per_image": int,              # the paper's MACs at this resolution (effnet-inspect table)
          "first_call_s": float | null,       # first forward pass: includes torch.compile / graph capture
          "throughput": float | null,         # images/s = measured_batch_size / mean latency
          "repeat_throughputs": [float],      # the same, per repeat: the spread between repeats
          "latency": {"mean_ms", "p50_ms", "p90_ms", "p99_ms", "min_ms", "max_ms": float, "samples": int} | null,
                                              # one forward pass of the whole batch
          "peak_memory_bytes": int | null,    # torch.cuda.max_memory_allocated (weights included); null on CPU
          "achieved_tflops": float | null,    # 2 x macs_per_image x measured_batch_size / mean latency / 1e12
          "peak_tflops": float | null, "peak_fraction": float | null,   # from PEAKS when the device is known
          "stages": {                         # StageTiming, null when not measurable (compiled, CUDA graphs)
            "whole_ms": float,                # median (p50) latency of the uninstrumented passes above
            "sum_ms": float,                  # sum of the stage medians (instrumented passes)
            "ratio": float,                   # sum_ms / whole_ms; StageTiming.adds_up: within STAGE_SUM_TOLERANCE (5 %)
            "stages": [{"stage": "stem" | "block1" ... "block7" | "top", "time_ms": float,
                        "time_share": float, "macs": int, "mac_share": float}]   # shares of the stage sum
          }
        }
      ]
    }

load_results(path) -> BenchRun and save_results(run, path) (atomic, deterministic bytes for the same records).
"""
from __future__ import annotations

import enum
import json
import math
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence


SCHEMA = "effnet-inspect-bench"
VERSION = 1
STAGE_SUM_TOLERANCE = 0.05  # stage times must add up to the whole-model time within 5 %


class Device(enum.Enum):
    """Where to run: the device choice (kept here, beside the other enums, so the CLI parser needs no torch)."""

    AUTO = "auto"
    CUDA = "cuda"
    CPU = "cpu"


class Precision(enum.Enum):
    FP32 = "fp32"  # strict float32: TF32 tensor-core math switched off
    TF32 = "tf32"  # float32 tensors, TF32 matmul/convolution allowed (CUDA only)
    FP16 = "fp16"  # autocast to float16 (CUDA only)
    BF16 = "bf16"  # autocast to bfloat16


class Status(enum.Enum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class Timer(enum.Enum):
    CUDA_EVENTS = "cuda_events"
    PERF_COUNTER = "perf_counter"


# --------------------------------------------------------------------------------------------- device peaks
@dataclass(frozen=True)
class DevicePeaks:
    """Dense peak TFLOP/s per precision (vendor spec sheets, /work/shared/reference/efficientnet.md)."""

    key: str
    pattern: str  # regex on torch.cuda.get_device_name()
    tflops: Mapping[Precision, float]


# fp16/bf16 use the tensor-core peak: autocast runs convolutions and the classifier there (depthwise convolutions
# and element-wise work cannot, which is why EfficientNets reach a small fraction of it).
# PCIe / NVL boards have lower clocks and other peaks, so the patterns exclude them rather than guess.
PEAKS: tuple[DevicePeaks, ...] = (
    DevicePeaks("H100/H200 SXM", r"\bH200\b(?!.*\bNVL\b)|\bH100\b.*\b(SXM|HBM3)\b",
                {Precision.FP32: 67.0, Precision.TF32: 495.0, Precision.BF16: 989.0, Precision.FP16: 989.0}),
    # A100: FP16 tensor peak equals BF16 (312) on the NVIDIA datasheet; PCIe and SXM share these figures.
    DevicePeaks("A100", r"\bA100\b",
                {Precision.FP32: 19.5, Precision.TF32: 156.0, Precision.BF16: 312.0, Precision.FP16: 312.0}),
)


def peaks_for(device_name: str) -> DevicePeaks | None:
    return next((p for p in PEAKS if re.search(p.pattern, device_name)), None)


def peak_tflops(peak_key: str | None, precision: Precision) -> float | None:
    peaks = next((p for p in PEAKS if p.key == peak_key), None)
    return peaks.tflops.get(precision) if peaks else None


# ------------------------------------------------------------------------------------------------- records
def rounded(value: float | None, digits: int = 6) -> float | None:
    """To `digits` significant figures: timings vary run to run anyway, and the file stays small and readable.

    Significant figures, not decimals, so that a CPU's 0.0000022 of an H200's peak keeps its precision.
    """
    if value is None or not math.isfinite(value):
        return None
    return float(format(float(value), f".{digits}g"))


@dataclass(frozen=True)
class BenchEnvironment:
    device_type: str
    device_name: str
    peak_key: str | None
    gpu_memory_bytes: int | None
    compute_capability: str | None
    driver: str | None
    cuda: str | None
    cudnn: str | None
    torch: str
    python: str
    cpu: str
    threads: int
    clocks: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BenchSettings:
    warmup: int
    iters: int
    repeats: int
    budget_s: float | None
    timer: Timer
    cudnn_benchmark: bool


@dataclass(frozen=True)
class Latency:
    """Statistics of one forward pass of the whole batch, in milliseconds."""

    mean_ms: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    min_ms: float
    max_ms: float
    samples: int

    @classmethod
    def of(cls, samples_ms: Sequence[float]) -> "Latency":
        if not samples_ms:
            raise ValueError("no latency samples")
        ordered = sorted(samples_ms)
        return cls(rounded(sum(ordered) / len(ordered)), rounded(percentile(ordered, 50)),
                   rounded(percentile(ordered, 90)), rounded(percentile(ordered, 99)), rounded(ordered[0]),
                   rounded(ordered[-1]), len(ordered))


def percentile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), on already sorted values."""
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class StageTime:
    stage: str
    time_ms: float
    time_share: float
    macs: int
    mac_share: float


@dataclass(frozen=True)
class StageTiming:
    whole_ms: float
    sum_ms: float
    ratio: float
    stages: tuple[StageTime, ...]

    @property
    def adds_up(self) -> bool:
        return abs(self.ratio - 1.0) <= STAGE_SUM_TOLERANCE

    @classmethod
    def of(cls, whole_ms: float, stage_ms: Sequence[tuple[str, float, int]]) -> "StageTiming":
        """From the whole-model median latency and (stage, median ms, MACs) of the instrumented passes."""
        total_ms = sum(ms for _, ms, _ in stage_ms)
        total_macs = sum(m for _, _, m in stage_ms)
        stages = tuple(StageTime(name, rounded(ms), rounded(ms / total_ms if total_ms else 0.0), macs,
                                 rounded(macs / total_macs if total_macs else 0.0))
                       for name, ms, macs in stage_ms)
        return cls(rounded(whole_ms), rounded(total_ms), rounded(total_ms / whole_ms if whole_ms else 0.0), stages)


@dataclass(frozen=True)
class Attempt:
    batch_size: int
    error: str


@dataclass(frozen=True)
class BenchResult:
    variant: str
    resolution: int
    batch_size: int
    precision: Precision
    channels_last: bool
    compiled: bool
    cuda_graphs: bool
    status: Status
    macs_per_image: int
    error: str | None = None
    attempts: tuple[Attempt, ...] = ()
    measured_batch_size: int | None = None
    first_call_s: float | None = None
    throughput: float | None = None
    repeat_throughputs: tuple[float, ...] = ()
    latency: Latency | None = None
    peak_memory_bytes: int | None = None
    achieved_tflops: float | None = None
    peak_tflops: float | None = None
    peak_fraction: float | None = None
    stages: StageTiming | None = None

    @property
    def key(self) -> tuple:
        """What identifies a configuration within a run."""
        return (self.variant, self.resolution, self.batch_size, self.precision, self.channels_last,
                self.compiled, self.cuda_graphs)

    @property
    def flags(self) -> list[str]:
        """The options this configuration ran with, in one spelling for every table and chart."""
        return [name for name, on in (("channels-last", self.channels_last), ("compiled", self.compiled),
                                      ("cuda-graphs", self.cuda_graphs)) if on]

    @property
    def label(self) -> str:
        options = " ".join([self.precision.value, *self.flags])
        return f"{self.variant}@{self.resolution} batch {self.batch_size} {options}"


@dataclass(frozen=True)
class BenchRun:
    environment: BenchEnvironment
    settings: BenchSettings
    results: tuple[BenchResult, ...] = ()

    def with_result(self, result: BenchResult) -> "BenchRun":
        return BenchRun(self.environment, self.settings, (*self.results, result))


# --------------------------------------------------------------------------------------------- JSON in/out
def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_json(run: BenchRun) -> str:
    data = {"schema": SCHEMA, "version": VERSION, **_plain(asdict(run))}
    return json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n"


def save_results(run: BenchRun, path: str | os.PathLike) -> Path:
    from effnet_inspect.files import write_atomic

    return write_atomic(path, to_json(run))


def load_results(path: str | os.PathLike) -> BenchRun:
    """Read a results file written by save_results; every field's type and range is checked (bench/schema.py),
    so a bad file is one InputError line, never a half-made report."""
    from effnet_inspect.bench.schema import load

    return load(path)
