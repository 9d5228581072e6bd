"""The results file of `effnet-inspect bench`: frozen records and a JSON writer (schema.py reads them back). No torch
needed.

The benchmark (effnet_inspect/bench/run.py) writes these records, the report reads them; one file is one run on
one device. The JSON is the records as they are (asdict, enums by value), keys sorted, indent 2, floats to 6
significant figures, with "schema" and "version" beside them. Times are milliseconds, sizes bytes.
"""

from __future__ import annotations

import enum
import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, overload

SCHEMA = "effnet-inspect-bench"
VERSION = 2  # 2: any implementation (model, source), stage method and roofline per stage, device ceilings
STAGE_SUM_TOLERANCE = 0.05  # stage times must add up to the whole-model time within 5 %


class Device(enum.Enum):  # here, beside the other enums, so that the CLI parser needs no torch
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


class StageMethod(enum.Enum):  # how the per-stage times were taken, and what they are a split of
    WALL_CLOCK = "wall_clock"  # CPU: perf_counter at each stage's first module, vs the plain pass
    GRAPH_REPLAY = "cuda_graph_replay"  # GPU: one CUDA graph per stage replayed in order, vs one whole-model graph
    EAGER_EVENTS = "cuda_events_eager"  # version 1 files only: CUDA events between eagerly launched stages


class Bound(enum.Enum):
    MEMORY = "memory"
    COMPUTE = "compute"


# ------------------------------------------------------------------------------------------------- records
@overload
def rounded(value: float, digits: int = 6) -> float: ...  # (None for NaN and infinities, which timings never are)


@overload
def rounded(value: None, digits: int = 6) -> None: ...


def rounded(value: float | None, digits: int = 6) -> float | None:
    """To `digits` significant figures (not decimals: a CPU's 0.0000022 of an H200's peak keeps its precision):
    timings vary run to run anyway, and the file stays small and readable."""
    if value is None or not math.isfinite(value):
        return None
    return float(format(float(value), f".{digits}g"))


@dataclass(frozen=True)
class BenchEnvironment:
    device_type: str  # cuda | cpu
    device_name: str
    peak_key: str | None  # row of the spec-sheet peaks used for peak_fraction (None: unknown device)
    gpu_memory_bytes: int | None
    compute_capability: str | None
    driver: str | None
    cuda: str | None
    cudnn: str | None
    torch: str
    python: str
    cpu: str
    threads: int  # torch.get_num_threads()
    clocks: dict[str, str] = field(default_factory=dict)  # nvidia-smi at the start; {} if unreadable


@dataclass(frozen=True)
class BenchSettings:
    warmup: int
    iters: int  # passes per repeat (an upper bound when budget_s is set)
    repeats: int
    budget_s: float | None  # time cap per round of passes: fewer iters (>= 3) for slow models
    timer: Timer
    cudnn_benchmark: bool


@dataclass(frozen=True)
class Ceilings:  # the device's roofs: what a large device-to-device copy and a large square matmul reach
    source: str  # "measured in this run", or where the figures come from when they were not measured
    copy_gb_s: float  # bytes read + written per second / 1e9
    matmul_tflops: dict[str, float]  # precision value -> TFLOP/s
    copy_bytes: int | None = None  # size of the copied buffer
    matmul_size: int | None = None  # n of the n x n x n matmul


@dataclass(frozen=True)
class Latency:  # one forward pass of the whole batch
    mean_ms: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    min_ms: float
    max_ms: float
    samples: int

    @classmethod
    def of(cls, samples_ms: Sequence[float]) -> Latency:
        if not samples_ms:
            raise ValueError("no latency samples")
        ordered = sorted(samples_ms)
        return cls(
            rounded(sum(ordered) / len(ordered)),
            rounded(percentile(ordered, 50)),
            rounded(percentile(ordered, 90)),
            rounded(percentile(ordered, 99)),
            rounded(ordered[0]),
            rounded(ordered[-1]),
            len(ordered),
        )


def percentile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), on already sorted values."""
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class StageTime:
    """One stage at the measured batch: its time and its roofline (flops = 2 x MACs; bytes: weights once,
    activations read and written by every layer, at the benchmark's dtype; intensity = flops / bytes)."""

    stage: str
    time_ms: float
    time_share: float  # of the stage sum
    macs: int  # per image
    mac_share: float
    flops: int
    bytes: int
    intensity: float
    attainable_ms: float | None = None  # max(flops / matmul peak, bytes / copy bandwidth); None without ceilings
    bound: Bound | None = None  # which roof is lower at this intensity

    @property
    def achieved_tflops(self) -> float:
        return self.flops / self.time_ms / 1e9 if self.time_ms else 0.0


@dataclass(frozen=True)
class StageTiming:
    method: StageMethod
    whole_ms: float  # median of the whole-model passes measured with the split (see StageMethod)
    sum_ms: float  # sum of the stage medians
    ratio: float  # sum_ms / whole_ms
    stages: tuple[StageTime, ...]
    tries: int = 1  # measured again while the sum did not add up (noise), at most a few times

    @property
    def adds_up(self) -> bool:
        return abs(self.ratio - 1.0) <= STAGE_SUM_TOLERANCE


@dataclass(frozen=True)
class Attempt:
    batch_size: int
    error: str


@dataclass(frozen=True)
class BenchResult:
    model: str  # the label: b0, or --name / the factory's name for another implementation
    source: str  # how it was built: "effnet-inspect b0", "tests.ports.torchvision_style:efficientnet_b0 {}"
    resolution: int
    batch_size: int  # as requested
    precision: Precision
    channels_last: bool
    compiled: bool
    cuda_graphs: bool
    status: Status
    macs_per_image: int
    error: str | None = None  # why it failed or was skipped (one line)
    attempts: tuple[Attempt, ...] = ()  # failed tries before this one (out of memory: half the batch)
    measured_batch_size: int | None = None
    first_call_s: float | None = None  # includes torch.compile / graph capture
    throughput: float | None = None  # images/s = measured_batch_size / mean latency
    repeat_throughputs: tuple[float, ...] = ()
    latency: Latency | None = None
    peak_memory_bytes: int | None = None  # torch.cuda.max_memory_allocated; None on the CPU
    achieved_tflops: float | None = None  # 2 x MACs x batch / mean latency
    peak_tflops: float | None = None  # spec sheet, when the device is known
    peak_fraction: float | None = None
    stages: StageTiming | None = None
    stage_note: str | None = None  # why there is no stage split, or why it does not add up

    def split(self) -> StageTiming:
        """The per-stage split, for results already known to have one."""
        if self.stages is None:
            raise ValueError(f"{self.model} has no per-stage split")
        return self.stages

    @property
    def flags(self) -> list[str]:
        """The options this configuration ran with, in one spelling for every table and chart."""
        return [
            name
            for name, on in (
                ("channels-last", self.channels_last),
                ("compiled", self.compiled),
                ("cuda-graphs", self.cuda_graphs),
            )
            if on
        ]

    @property
    def label(self) -> str:
        """'b0@224 batch 8 bf16 channels-last', for one-line messages."""
        return f"{self.model}@{self.resolution} batch {self.batch_size} {' '.join([self.precision.value, *self.flags])}"


@dataclass(frozen=True)
class BenchRun:
    environment: BenchEnvironment
    settings: BenchSettings
    ceilings: Ceilings | None = None
    results: tuple[BenchResult, ...] = ()
    note: str | None = None  # provenance, when the file was not written by one run of this version

    def with_result(self, result: BenchResult) -> BenchRun:
        return BenchRun(self.environment, self.settings, self.ceilings, (*self.results, result), self.note)


# --------------------------------------------------------------------------------------------- JSON in/out
def _plain(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        return {k: _plain(v) for k, v in value.items()} if isinstance(value, dict) else [_plain(v) for v in value]
    return value.value if isinstance(value, enum.Enum) else value


def as_data(record: Any) -> Any:
    """A record as JSON-ready data: dicts, lists and plain values, enums by value."""
    return _plain(asdict(record))


def to_json(run: BenchRun) -> str:
    data = {"schema": SCHEMA, "version": VERSION, **as_data(run)}
    return json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n"


def save_results(run: BenchRun, path: str | os.PathLike) -> Path:
    from effnet_inspect.files import write_atomic

    return write_atomic(path, to_json(run))
