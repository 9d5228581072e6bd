"""GPU smoke test of the benchmark's CUDA paths (events, autocast, channels-last, CUDA graphs, peak fraction).

Skipped without a CUDA device; the CPU paths are covered by test_bench.py. Run it on a GPU machine with
`python -m pytest tests/test_bench_gpu.py -q` before trusting a GPU benchmark file.
"""
from __future__ import annotations

import dataclasses

import pytest
import torch

from effnet_inspect.bench.runner import BenchConfig, Measurer, default_settings, environment, release_memory, run_bench
from effnet_inspect.bench.results import Precision, Status
from effnet_inspect.arch.specs import parse_variant

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def test_cuda_paths_measure_b0():
    device = torch.device("cuda")
    settings = dataclasses.replace(default_settings(device), warmup=2, iters=5, repeats=2)
    b0 = parse_variant("b0")
    configs = [BenchConfig(b0, 224, 2, Precision.FP32),
               BenchConfig(b0, 224, 8, Precision.BF16, channels_last=True),
               BenchConfig(b0, 224, 8, Precision.BF16, channels_last=True, cuda_graphs=True)]
    measurer = Measurer(device, settings)
    try:
        run = run_bench(configs, measurer, environment(device), settings, show_progress=False,
                        release=lambda: release_memory(device))
    finally:
        measurer.close()
    assert [r.status for r in run.results] == [Status.OK] * 3, [r.error for r in run.results]
    for r in run.results:
        assert r.throughput > 0 and r.latency.p50_ms > 0 and r.peak_memory_bytes > 0
        if r.peak_fraction is not None:  # only for devices in the peaks table
            assert 0 < r.peak_fraction < 1
    eager = run.results[0]
    assert eager.stages is not None and eager.stages.adds_up
    assert run.results[2].stages is None  # a CUDA graph cannot be split by stage
