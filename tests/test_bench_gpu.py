"""GPU tests of the benchmark's CUDA paths: the per-stage split by CUDA-graph replay, graphs that compute what the
eager pass computes (with autocast's weight cache), the device ceilings, --model on the GPU, the fused forward.

Skipped without a CUDA device; the CPU paths are covered by test_bench*.py. Run them on a GPU machine with
`python -m pytest tests/test_bench_gpu.py -q` (well under 2 minutes on an H200) before trusting a GPU results file.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

from effnet_inspect.arch.specs import parse_variant
from effnet_inspect.bench.device import autocast, default_settings, environment, measure_ceilings
from effnet_inspect.bench.models import model_facts, ours
from effnet_inspect.bench.results import Bound, Precision, StageMethod, Status
from effnet_inspect.bench.roofline import ridge
from effnet_inspect.bench.run import run_bench
from effnet_inspect.bench.schema import load_results
from effnet_inspect.bench.stages import capture_graphs
from effnet_inspect.bench.timing import BenchConfig, Measurer, release_memory
from effnet_inspect.model.build import build

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
B0 = parse_variant("b0")
CUDA = torch.device("cuda")


def settings():
    return dataclasses.replace(default_settings(CUDA), warmup=2, iters=5, repeats=2)


def test_stage_split_adds_up_at_every_batch_size():
    """The split that failed on the H200 with events between eager stages (1.38x at batch 2, fp32)."""
    configs = [
        BenchConfig(ours(B0), 224, batch, precision, channels_last=cl)
        for batch, precision, cl in (
            (1, Precision.FP32, False),
            (2, Precision.FP32, False),
            (16, Precision.BF16, True),
            (64, Precision.BF16, True),
        )
    ]
    configs.append(BenchConfig(ours(B0), 224, 8, Precision.BF16, channels_last=True, cuda_graphs=True))
    measurer = Measurer(CUDA, settings())
    ceilings = measure_ceilings(CUDA, [Precision.FP32, Precision.BF16])
    try:
        run = run_bench(
            configs,
            measurer,
            environment(CUDA),
            measurer.settings,
            show_progress=False,
            release=lambda: release_memory(CUDA),
            ceilings=ceilings,
        )
    finally:
        measurer.close()
    assert [r.status for r in run.results] == [Status.OK] * len(configs), [r.error for r in run.results]
    for r in run.results:
        assert r.throughput > 0 and r.latency.p50_ms > 0 and r.peak_memory_bytes > 0
        if r.peak_fraction is not None:  # only for devices in the peaks table
            assert 0 < r.peak_fraction < 1
        assert r.stages is not None and r.stages.method is StageMethod.GRAPH_REPLAY
        assert r.stages.adds_up, (r.batch_size, r.precision, r.stages.ratio, r.stage_note)
        assert r.stage_note is None
        assert all(s.bound in (Bound.MEMORY, Bound.COMPUTE) and s.attainable_ms > 0 for s in r.stages.stages)


def test_ceilings_are_plausible():
    c = measure_ceilings(CUDA, [Precision.FP32, Precision.TF32, Precision.BF16])
    assert c.source == "measured in this run" and c.copy_gb_s > 100
    tflops = c.matmul_tflops
    assert 0 < tflops["fp32"] < tflops["tf32"] < tflops["bf16"]  # strict fp32 is off the tensor cores
    assert ridge(c, Precision.BF16) > ridge(c, Precision.FP32) > 0


@pytest.mark.parametrize(
    "precision,layout", [(Precision.FP32, torch.contiguous_format), (Precision.BF16, torch.channels_last)]
)
def test_graphs_compute_what_the_eager_pass_computes(precision, layout):
    """One graph per stage (shared pool, autocast's cached weight casts) replays the eager pass's result."""
    model = build(B0, device=CUDA).eval().to(memory_format=layout)
    marks = model_facts(ours(B0), 224).boundaries
    x = torch.randn(4, 3, 224, 224, device=CUDA).contiguous(memory_format=layout)
    with torch.inference_mode(), autocast(precision, CUDA):
        expected = model(x).float()
        for stage_marks in (None, marks):
            graphs, out = capture_graphs(model, x, stage_marks)
            assert len(graphs) == (1 if stage_marks is None else 9)
            out.zero_()
            for graph in graphs:
                graph.replay()
            torch.cuda.synchronize()
            tolerance = 0.02 if precision is Precision.BF16 else 1e-4  # freed weights would be far off
            torch.testing.assert_close(out.float(), expected, rtol=tolerance, atol=tolerance)
            del graphs, out


@pytest.mark.parametrize("precision", [Precision.FP32, Precision.BF16])
def test_fused_forward_equals_the_plain_one_on_the_gpu(precision):
    model = build(B0, device=CUDA).eval().to(memory_format=torch.channels_last)
    x = (torch.rand(8, 3, 224, 224, device=CUDA) * 255).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode(), autocast(precision, CUDA):
        fused = model(x).float()
        model.fused = False
        plain = model(x).float()
    tolerance = 0.05 if precision is Precision.BF16 else 1e-3
    torch.testing.assert_close(fused, plain, rtol=tolerance, atol=tolerance)


def test_cli_measures_another_implementation_on_the_gpu(tmp_path, capsys):
    from effnet_inspect.cli import main

    out = tmp_path / "bench.json"
    assert (
        main(
            [
                "bench",
                "b0",
                "--device",
                "cuda",
                "--batch-sizes",
                "2",
                "--dtype",
                "bf16",
                "--channels-last",
                "--warmup",
                "2",
                "--iters",
                "5",
                "--repeats",
                "1",
                "--out",
                str(out),
                "--model",
                "tests.ports.torchvision_style:efficientnet_b0",
                "--name",
                "tv",
            ]
        )
        == 0
    )
    run = load_results(out)
    assert [r.model for r in run.results] == ["b0", "tv"]
    assert all(r.status is Status.OK and r.stages.adds_up for r in run.results), [r.stage_note for r in run.results]
    assert run.ceilings is not None and "bf16" in run.ceilings.matmul_tflops
