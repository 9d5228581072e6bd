"""The device side of a benchmark: which device, what it is (environment, spec-sheet peaks), how to set it up
(precision flags, default settings) and what it can do (ceilings: a large copy and a large matmul, measured).
"""

from __future__ import annotations

import contextlib
import functools
import platform
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from effnet_inspect.bench.results import BenchEnvironment, BenchSettings, Ceilings, Device, Precision, Timer, rounded
from effnet_inspect.errors import InputError


def resolve_device(choice: Device) -> torch.device:
    cuda = torch.cuda.is_available()
    if choice is Device.CUDA and not cuda:
        build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        raise InputError(
            f"cuda: no CUDA device is available (torch {torch.__version__}, {build}); use cpu or auto", param="device"
        )
    return torch.device("cuda" if choice is Device.CUDA or (choice is Device.AUTO and cuda) else "cpu")


def check_options(precision: Precision, cuda_graphs: bool, device: torch.device) -> None:
    """Refuse combinations that have no meaning on the device (one line naming what would work)."""
    if device.type == "cuda":
        return
    if precision in (Precision.TF32, Precision.FP16):
        raise InputError(f"{precision.value} needs a CUDA device; on the CPU use fp32 or bf16", param="precision")
    if cuda_graphs:
        raise InputError("needs a CUDA device", param="cuda_graphs")


def default_settings(device: torch.device) -> BenchSettings:
    """A short run on the CPU (seconds), a careful one on the GPU."""
    if device.type == "cuda":
        # 1 s per round: B7 in fp32 at batch 128 takes about half a second a pass, fifty would be minutes.
        return BenchSettings(
            warmup=10, iters=50, repeats=3, budget_s=1.0, timer=Timer.CUDA_EVENTS, cudnn_benchmark=True
        )
    # 2 s per round: a large model (B7, phi=10) gets 3 passes a round instead of 10, and the run stays minutes
    return BenchSettings(warmup=2, iters=10, repeats=3, budget_s=2.0, timer=Timer.PERF_COUNTER, cudnn_benchmark=False)


# --------------------------------------------------------------------------------------- spec-sheet peaks
@dataclass(frozen=True)
class DevicePeaks:
    """Dense peak TFLOP/s per precision, from the vendors' spec sheets."""

    key: str
    pattern: str  # regex on torch.cuda.get_device_name()
    tflops: Mapping[Precision, float]


# fp16/bf16 use the tensor-core peak: autocast runs convolutions and the classifier there (depthwise convolutions
# and element-wise work cannot, which is why EfficientNets reach a small fraction of it).
# PCIe / NVL boards have lower clocks and other peaks, so the patterns exclude them rather than guess.
PEAKS: tuple[DevicePeaks, ...] = (
    DevicePeaks(
        "H100/H200 SXM",
        r"\bH200\b(?!.*\bNVL\b)|\bH100\b.*\b(SXM|HBM3)\b",
        {Precision.FP32: 67.0, Precision.TF32: 495.0, Precision.BF16: 989.0, Precision.FP16: 989.0},
    ),
    # A100: FP16 tensor peak equals BF16 (312) on the NVIDIA datasheet; PCIe and SXM share these figures.
    DevicePeaks(
        "A100", r"\bA100\b", {Precision.FP32: 19.5, Precision.TF32: 156.0, Precision.BF16: 312.0, Precision.FP16: 312.0}
    ),
)


def peaks_for(device_name: str) -> DevicePeaks | None:
    return next((p for p in PEAKS if re.search(p.pattern, device_name)), None)


def peak_tflops(peak_key: str | None, precision: Precision) -> float | None:
    peaks = next((p for p in PEAKS if p.key == peak_key), None)
    return peaks.tflops.get(precision) if peaks else None


# -------------------------------------------------------------------------------------------- environment
def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


NVIDIA_SMI_FIELDS = (
    "driver_version",
    "clocks.sm",
    "clocks.mem",
    "clocks.max.sm",
    "clocks.max.mem",
    "power.limit",
    "pstate",
)


def nvidia_smi(index: int) -> dict[str, str]:
    """Driver version and clocks from nvidia-smi, or {} when it is absent or fails."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return {}
    try:
        out = subprocess.run(
            [exe, f"--id={index}", f"--query-gpu={','.join(NVIDIA_SMI_FIELDS)}", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=15,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    values = [v.strip() for v in out.stdout.strip().split(",")]
    if len(values) != len(NVIDIA_SMI_FIELDS):
        return {}
    return {k: v for k, v in zip(NVIDIA_SMI_FIELDS, values) if v and "N/A" not in v and "[" not in v}


def environment(device: torch.device) -> BenchEnvironment:
    cpu = _cpu_model()
    if device.type != "cuda":
        return BenchEnvironment(
            device_type="cpu",
            device_name=cpu,
            peak_key=None,
            gpu_memory_bytes=None,
            compute_capability=None,
            driver=None,
            cuda=None,
            cudnn=None,
            torch=torch.__version__,
            python=platform.python_version(),
            cpu=cpu,
            threads=torch.get_num_threads(),
        )
    index = device.index if device.index is not None else torch.cuda.current_device()
    props = torch.cuda.get_device_properties(index)
    smi = nvidia_smi(index)
    driver = smi.pop("driver_version", None)
    peaks = peaks_for(props.name)
    cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    return BenchEnvironment(
        device_type="cuda",
        device_name=props.name,
        peak_key=peaks.key if peaks else None,
        gpu_memory_bytes=props.total_memory,
        compute_capability=f"{props.major}.{props.minor}",
        driver=driver,
        cuda=torch.version.cuda,
        cudnn=str(cudnn) if cudnn else None,
        torch=torch.__version__,
        python=platform.python_version(),
        cpu=cpu,
        threads=torch.get_num_threads(),
        clocks=smi,
    )


# ----------------------------------------------------------------------------------------------- precision
@contextlib.contextmanager
def precision_flags(precision: Precision, device: torch.device) -> Iterator[None]:
    """TF32 on only for tf32; strict fp32 otherwise. Uses torch's fp32_precision API where it exists (>= 2.9)."""
    if device.type != "cuda":
        yield
        return
    allow = precision is Precision.TF32
    try:
        targets = (torch.backends.cuda.matmul, torch.backends.cudnn.conv)  # type: ignore[attr-defined]
        old = [t.fp32_precision for t in targets]
        values: list[str | bool] = ["tf32" if allow else "ieee"] * 2
        attribute = "fp32_precision"
    except AttributeError:  # older torch: the allow_tf32 switches
        targets = (torch.backends.cuda.matmul, torch.backends.cudnn)
        old = [t.allow_tf32 for t in targets]
        values = [allow] * 2
        attribute = "allow_tf32"
    for t, value in zip(targets, values):
        setattr(t, attribute, value)
    try:
        yield
    finally:
        for t, value in zip(targets, old):
            setattr(t, attribute, value)


def autocast(precision: Precision, device: torch.device) -> contextlib.AbstractContextManager:
    """fp16/bf16 autocast, with its weight-cast cache: a CUDA graph captured inside it after an eager pass reads
    the cached casts, so it must be dropped before the context exits (the cache is emptied then)."""
    dtype = {Precision.FP16: torch.float16, Precision.BF16: torch.bfloat16}.get(precision)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


# ------------------------------------------------------------------------------------------------ ceilings
MATMUL_DTYPES = {
    Precision.FP32: torch.float32,
    Precision.TF32: torch.float32,
    Precision.BF16: torch.bfloat16,
    Precision.FP16: torch.float16,
}


def _median_seconds(work: Callable[[], object], device: torch.device, repeats: int) -> float:
    """Median time of one call after one warm-up call: CUDA events on the GPU, perf_counter on the CPU."""
    work()
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            work()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end) / 1000.0)
        else:
            begin = time.perf_counter()
            work()
            times.append(time.perf_counter() - begin)
    return statistics.median(times)


def measure_ceilings(
    device: torch.device,
    precisions: Sequence[Precision],
    copy_bytes: int | None = None,
    matmul_size: int | None = None,
    repeats: int = 5,
) -> Ceilings:
    """The roofs for the roofline: a device-to-device copy (1 GiB on a GPU, 256 MiB on the CPU; bytes read and
    written per second) and an n x n matmul per precision (n = 8192 on a GPU, 2048 on the CPU)."""
    gpu = device.type == "cuda"
    copy_bytes = copy_bytes or (2**30 if gpu else 2**28)
    n = matmul_size or (8192 if gpu else 2048)
    source = torch.empty(copy_bytes // 4, dtype=torch.float32, device=device)
    target = torch.empty_like(source)
    copy_s = _median_seconds(functools.partial(target.copy_, source), device, repeats)
    del source, target
    tflops = {}
    for precision in dict.fromkeys(precisions):
        a = torch.randn(n, n, device=device, dtype=MATMUL_DTYPES[precision])
        b = torch.randn(n, n, device=device, dtype=MATMUL_DTYPES[precision])
        with precision_flags(precision, device):
            seconds = _median_seconds(functools.partial(torch.matmul, a, b), device, repeats)
        tflops[precision.value] = 2 * n**3 / seconds / 1e12
    return Ceilings(
        source="measured in this run",
        copy_gb_s=rounded(2 * copy_bytes / copy_s / 1e9),
        matmul_tflops={k: rounded(v) for k, v in tflops.items()},
        copy_bytes=copy_bytes,
        matmul_size=n,
    )
