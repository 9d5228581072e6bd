"""effnet-inspect bench on the CPU: the results format, the run loop, OOM retries, incremental writes, the CLI.

Models are tiny (width and depth 0.25, 32-64 pixels) and passes few, so nothing here measures speed: the tests
check the method and the records, not the numbers. The stage split and the roofline: test_bench_stages.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from helpers import cpu_environment, one_line_exit_2, run_cli

from effnet_inspect.arch.specs import parse_variant
from effnet_inspect.bench.device import peaks_for
from effnet_inspect.bench.models import model_facts, ours
from effnet_inspect.bench.results import (
    VERSION,
    BenchEnvironment,
    BenchSettings,
    Ceilings,
    Precision,
    StageMethod,
    Status,
    Timer,
    save_results,
    to_json,
)
from effnet_inspect.bench.run import bench_config, describe, is_out_of_memory, run_bench, summarize
from effnet_inspect.bench.schema import load_results
from effnet_inspect.bench.stages import StageSplit
from effnet_inspect.bench.timing import BenchConfig, Measurement, Measurer
from effnet_inspect.cli import main
from effnet_inspect.errors import InputError

TINY = parse_variant("w=0.25,d=0.25,r=32")
SMALL = parse_variant("w=0.25,d=0.25,r=64")
EXAMPLE = Path(__file__).parent / "data" / "bench_cpu_example.json"
STAGES = ["stem", *(f"block{i}" for i in range(1, 8)), "top"]
SETTINGS = BenchSettings(warmup=1, iters=2, repeats=2, budget_s=None, timer=Timer.PERF_COUNTER, cudnn_benchmark=False)
CPU_ENV = cpu_environment()


@pytest.fixture(scope="module")
def measurer() -> Measurer:
    return Measurer(torch.device("cpu"), SETTINGS)


def config(batch: int = 1, variant=TINY, **kwargs) -> BenchConfig:
    return BenchConfig(ours(variant), variant.resolution, batch, Precision.FP32, **kwargs)


def oom(message: str = "CUDA out of memory. Tried to allocate 2.00 GiB") -> torch.cuda.OutOfMemoryError:
    return torch.cuda.OutOfMemoryError(message)


# ------------------------------------------------------------------------------------------ format and loader
@pytest.mark.slow
def test_real_run_round_trips_through_json(tmp_path, measurer):
    out = tmp_path / "run.json"
    ceilings = Ceilings("given", 10.0, {"fp32": 0.1})
    run = run_bench(
        [config(1), config(2)], measurer, CPU_ENV, SETTINGS, out=out, show_progress=False, ceilings=ceilings
    )
    data = json.loads(out.read_text())
    assert data["schema"] == "effnet-inspect-bench" and data["version"] == VERSION
    assert list(data) == sorted(data)  # deterministic key order
    assert [r["batch_size"] for r in data["results"]] == [1, 2]
    loaded = load_results(out)
    assert loaded == run and loaded.ceilings == ceilings
    assert to_json(loaded) == out.read_text()  # same records, same bytes
    for r in loaded.results:
        assert r.status is Status.OK and r.error is None and r.measured_batch_size == r.batch_size
        assert r.model == TINY.name and r.source == f"effnet-inspect {TINY.name}"
        assert r.latency.samples == SETTINGS.iters * SETTINGS.repeats
        assert r.latency.min_ms <= r.latency.p50_ms <= r.latency.p90_ms <= r.latency.p99_ms <= r.latency.max_ms
        assert r.throughput == pytest.approx(r.batch_size * 1000 / r.latency.mean_ms, rel=1e-3)
        assert len(r.repeat_throughputs) == SETTINGS.repeats
        assert r.peak_memory_bytes is None and r.peak_fraction is None  # CPU: no allocator stats, no known peak
        assert r.stages.method is StageMethod.WALL_CLOCK
        assert all(
            s.bytes > 0 and s.flops == 2 * s.macs * r.batch_size and s.bound is not None for s in r.stages.stages
        )


def test_example_file_loads_and_round_trips():
    run = load_results(EXAMPLE)
    assert run.environment.device_type == "cpu" and run.settings.timer is Timer.PERF_COUNTER
    assert run.ceilings is not None and run.ceilings.source == "measured in this run"
    assert {r.precision for r in run.results} == {Precision.FP32, Precision.BF16}
    assert len({r.model for r in run.results}) >= 2 and len({r.batch_size for r in run.results}) >= 3
    assert all(r.status is Status.OK and [s.stage for s in r.stages.stages] == STAGES for r in run.results)
    assert to_json(run) == EXAMPLE.read_text()


def test_percentiles_interpolate_like_numpy():
    from effnet_inspect.bench.results import percentile

    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 50) == pytest.approx(5.5)
    assert percentile(values, 90) == pytest.approx(9.1)
    assert percentile(values, 99) == pytest.approx(9.91)
    assert percentile([3.0], 99) == 3.0


def test_statistics_from_known_pass_times():
    """Throughput, TFLOP/s, fraction of peak and the stage split follow from the samples, MACs and peaks."""
    env = BenchEnvironment(
        **{
            **CPU_ENV.__dict__,
            "device_type": "cuda",
            "device_name": "NVIDIA H200",
            "peak_key": peaks_for("NVIDIA H200").key,
        }
    )
    cfg = BenchConfig(ours(TINY), 32, 8, Precision.BF16)
    facts = model_facts(ours(TINY), 32)
    split = StageSplit(StageMethod.GRAPH_REPLAY, tuple(STAGES), (3.0, 3.0, 3.0), tuple((0.3, 0.2, 0.4) for _ in STAGES))
    m = Measurement(
        batch_size=4,
        first_call_s=1.0,
        latencies_ms=((2.0, 2.0), (4.0, 4.0)),
        peak_memory_bytes=123,
        split=split,
        split_tries=1,
    )
    r = summarize(cfg, m, [], env)
    assert r.latency.mean_ms == 3.0 and r.latency.p50_ms == 3.0 and r.latency.samples == 4
    assert r.throughput == pytest.approx(4 / 0.003, abs=0.01)
    assert r.repeat_throughputs == (2000.0, 1000.0)
    assert r.achieved_tflops == pytest.approx(2 * facts.macs_per_image * 4 / 0.003 / 1e12, rel=1e-4)
    assert r.peak_tflops == 989.0 and r.peak_fraction == pytest.approx(r.achieved_tflops / 989.0, rel=1e-3)
    assert r.stages.whole_ms == 3.0 and r.stages.sum_ms == pytest.approx(0.3 * 9)  # means (3 rounds: all kept)
    assert r.stages.rounds == r.stages.rounds_kept == 3
    assert r.stages.ratio == pytest.approx(0.9) and not r.stages.adds_up and r.peak_memory_bytes == 123
    assert r.stage_note.startswith("stage sum is 0.900x the whole after 1 try")
    assert "-37.5 us per stage boundary between graph replays" in r.stage_note  # (2.7 - 3.0) ms / 8 boundaries
    assert all(s.bound is None and s.attainable_ms is None for s in r.stages.stages)  # no ceilings given


@pytest.mark.parametrize(
    "name,key",
    [
        ("NVIDIA H200", "H100/H200 SXM"),
        ("NVIDIA H100 80GB HBM3", "H100/H200 SXM"),
        ("NVIDIA A100-SXM4-80GB", "A100"),
        ("NVIDIA A100 80GB PCIe", "A100"),
        ("NVIDIA H100 PCIe", None),
        ("NVIDIA H200 NVL", None),
        ("NVIDIA GeForce RTX 4090", None),
    ],
)
def test_peaks_only_for_known_devices(name, key):
    found = peaks_for(name)
    assert (found.key if found else None) == key


@pytest.mark.parametrize(
    "text,problem",
    [
        ("not json", "is not JSON"),
        ('{"schema": "other", "version": 2, "results": []}', "is not a valid effnet-inspect bench file"),
        ('{"schema": "effnet-inspect-bench", "version": 1, "results": []}', "version 1, this effnet-inspect reads"),
    ],
)
def test_bad_results_files_are_one_line_errors(tmp_path, text, problem):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InputError, match=problem) as info:
        load_results(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda d: d["results"][1]["latency"].pop("p99_ms"), r"results\[1\].latency has no 'p99_ms'"),
        (
            lambda d: d["results"][0]["stages"].update(method="guess"),
            r'results\[0\].stages.method is "guess"; valid: wall_clock, cuda_graph_replay, cuda_events_eager',
        ),
        (
            lambda d: d["results"][0]["stages"]["stages"][2].pop("bytes"),
            r"results\[0\].stages.stages\[2\] has no 'bytes'",
        ),
        (lambda d: d["results"][0]["stages"]["stages"][0].update(bound="cpu"), r"stages\[0\].bound is \"cpu\""),
        (lambda d: d.update(ceilings=[]), "ceilings should be an object, not a list"),
        (
            lambda d: d["ceilings"]["matmul_tflops"].update(fp32="fast"),
            r"ceilings.matmul_tflops.fp32 should be a number",
        ),
    ],
)
def test_damaged_file_names_the_field(tmp_path, edit, message):
    data = json.loads(EXAMPLE.read_text())
    edit(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=message):
        load_results(path)


def test_save_results_is_atomic_and_leaves_no_temporary(tmp_path):
    run = load_results(EXAMPLE)
    path = save_results(run, tmp_path / "copy.json")
    assert path.read_text() == EXAMPLE.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["copy.json"]


# --------------------------------------------------------------------------------------------- robustness
def test_out_of_memory_halves_the_batch_and_retries(measurer):
    tried = []

    def measure(cfg, batch):
        tried.append(batch)
        if batch > 1:
            raise oom()
        return measurer(cfg, batch)

    result = bench_config(config(4), measure, CPU_ENV)
    assert tried == [4, 2, 1]
    assert result.status is Status.OK and result.batch_size == 4 and result.measured_batch_size == 1
    assert [a.batch_size for a in result.attempts] == [4, 2]
    assert all(a.error.startswith("OutOfMemoryError: CUDA out of memory") for a in result.attempts)
    assert result.throughput == pytest.approx(1000 / result.latency.mean_ms, rel=1e-3)  # per measured batch


def test_out_of_memory_wrapped_by_another_exception_is_recognised():
    try:
        try:
            raise oom()
        except torch.cuda.OutOfMemoryError as inner:
            raise RuntimeError("backend compiler failed") from inner
    except RuntimeError as outer:
        assert is_out_of_memory(outer)
    assert not is_out_of_memory(RuntimeError("shape mismatch"))
    assert describe(ValueError("first line\nsecond line")) == "ValueError: first line"
    assert len(describe(RuntimeError("x" * 1000))) < 260


def test_failures_are_recorded_and_the_run_goes_on(tmp_path, measurer):
    calls = []

    def measure(cfg, batch):
        calls.append((cfg.batch_size, batch))
        if cfg.batch_size == 2:
            raise oom()  # out of memory even at batch 1
        if cfg.batch_size == 3:
            raise RuntimeError("cuDNN error: CUDNN_STATUS_INTERNAL_ERROR\ndetails")
        return measurer(cfg, batch)

    out = tmp_path / "run.json"
    run = run_bench([config(2), config(3), config(1)], measure, CPU_ENV, SETTINGS, out=out, show_progress=False)
    assert calls == [(2, 2), (2, 1), (3, 3), (1, 1)]  # only an OOM is retried, and never below batch 1
    oom_result, other, ok = run.results
    assert oom_result.status is Status.FAILED and [a.batch_size for a in oom_result.attempts] == [2]
    assert oom_result.error.startswith("OutOfMemoryError") and oom_result.latency is None
    assert other.status is Status.FAILED and other.error == "RuntimeError: cuDNN error: CUDNN_STATUS_INTERNAL_ERROR"
    assert other.attempts == ()
    assert ok.status is Status.OK
    assert load_results(out) == run


def test_results_are_written_after_each_configuration(tmp_path, measurer):
    """An interrupted run keeps what it measured: the file is complete after every configuration."""
    out = tmp_path / "run.json"
    seen = []

    def measure(cfg, batch):
        seen.append(len(load_results(out).results) if out.exists() else None)
        if len(seen) == 3:
            raise KeyboardInterrupt  # not an Exception: it stops the run, as Ctrl-C does
        return measurer(cfg, batch)

    with pytest.raises(KeyboardInterrupt):
        run_bench(
            [config(1), config(2), config(1, channels_last=True)],
            measure,
            CPU_ENV,
            SETTINGS,
            out=out,
            show_progress=False,
        )
    assert seen == [None, 1, 2]
    assert [r.batch_size for r in load_results(out).results] == [1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temporary files left behind


def test_configurations_after_the_deadline_are_skipped(measurer):
    run = run_bench([config(1), config(2)], measurer, CPU_ENV, SETTINGS, deadline=0.0, show_progress=False)
    assert [r.status for r in run.results] == [Status.SKIPPED, Status.SKIPPED]
    assert all("time budget" in r.error for r in run.results)


@pytest.mark.slow
def test_compiled_run_has_no_stage_split_and_says_why():
    measurer = Measurer(torch.device("cpu"), SETTINGS, compile_backend="eager")  # dynamo without inductor: quick
    result = bench_config(config(1, compiled=True), measurer, CPU_ENV)
    assert result.status is Status.OK and result.compiled and result.stages is None
    assert result.stage_note == "not split: torch.compile fuses work across the stage boundaries"


@pytest.mark.slow
def test_time_budget_cuts_passes_but_not_below_the_minimum():
    settings = BenchSettings(
        warmup=1, iters=50, repeats=1, budget_s=1e-6, timer=Timer.PERF_COUNTER, cudnn_benchmark=False
    )
    result = bench_config(config(1), Measurer(torch.device("cpu"), settings), CPU_ENV)
    assert result.latency.samples == 3


# --------------------------------------------------------------------------------------------------- CLI
FAST = ["--device", "cpu", "--warmup", "1", "--iters", "2", "--repeats", "1"]


@pytest.mark.slow
def test_cli_runs_and_writes_the_file(tmp_path, capsys):
    out = tmp_path / "sub" / "bench.json"
    code = main(
        [
            "bench",
            "w=0.25,d=0.25,r=32",
            *FAST,
            "--batch-sizes",
            "1,2",
            "--dtype",
            "fp32,bf16",
            "--channels-last",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "img/s" in text and "MAC %" in text and "FLOP/B" in text and "ceilings (measured in this run)" in text
    run = load_results(out)
    assert [(r.batch_size, r.precision.value, r.channels_last) for r in run.results] == [
        (1, "fp32", True),
        (2, "fp32", True),
        (1, "bf16", True),
        (2, "bf16", True),
    ]
    assert run.settings.iters == 2 and run.settings.warmup == 1
    assert set(run.ceilings.matmul_tflops) == {"fp32", "bf16"} and run.ceilings.copy_gb_s > 0


@pytest.mark.slow
def test_cli_measures_other_implementations_beside_ours(tmp_path, capsys):
    """--model (with --kwargs and --name) next to a built-in variant, each split into the stages inspect finds."""
    out = tmp_path / "bench.json"
    code = main(
        [
            "bench",
            "b0",
            *FAST,
            "--resolution",
            "32",
            "--out",
            str(out),
            "--model",
            "tests.ports.torchvision_style:efficientnet_b0",
            "--name",
            "tv",
            "--model",
            "tests.ports.tf_port_style:make",
            "--kwargs",
            '{"se": "conv"}',
        ]
    )
    assert code == 0
    captured = capsys.readouterr()
    assert "tv: matches B0" in captured.err and "tf_port_style:make(se='conv'): matches B0" in captured.err
    run = load_results(out)
    assert [(r.model, r.source) for r in run.results] == [
        ("b0", "effnet-inspect b0"),
        ("tv", "tests.ports.torchvision_style:efficientnet_b0 {}"),
        ("tf_port_style:make(se='conv')", 'tests.ports.tf_port_style:make {"se": "conv"}'),
    ]
    b0, tv, tf = run.results
    assert all(r.resolution == 32 and [s.stage for s in r.stages.stages] == STAGES for r in run.results)
    assert (
        [s.macs for s in b0.stages.stages] == [s.macs for s in tv.stages.stages] == [s.macs for s in tf.stages.stages]
    )
    assert "tv time %" in captured.out and "tf_port_style:make(se='conv') time %" in captured.out


BAD = [
    (["--dtype", "fp33"], "invalid choice 'fp33'"),
    (["--batch-sizes", "0"], "bad batch size '0'"),
    (["--batch-sizes", "1,big"], "bad batch size 'big'"),
    (["--iters", "0"], "expected a whole number >= 1"),
    (["--device", "cpu", "--dtype", "tf32"], "tf32 needs a CUDA device"),
    (["--device", "cpu", "--dtype", "fp16"], "fp16 needs a CUDA device"),
    (["--device", "cpu", "--cuda-graphs"], "--cuda-graphs needs a CUDA device"),
    (["--device", "gpu"], "invalid choice 'gpu'"),
    (["--kwargs", "{}"], "--kwargs: must follow the --model it is for"),
    (
        ["--model", "tests.ports.torchvision_style:efficientnet_b0", "--name", "a", "--name", "b"],
        "--name: given twice for --model tests.ports.torchvision_style:efficientnet_b0",
    ),
    (
        ["--device", "cpu", "--model", "tests.ports.torchvision_style:efficientnet_b0", "--name", "w=0.25,d=0.25,r=32"],
        "two models are named 'w=0.25,d=0.25,r=32'; label them apart with --name",
    ),
    (["--device", "cpu", "--model", "no colon"], "--model 'no colon' is not of the form MODULE:CALLABLE"),
]
if not torch.cuda.is_available():
    BAD.append((["--device", "cuda"], "no CUDA device is available"))


@pytest.mark.parametrize("argv,message", BAD)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    one_line_exit_2(*run_cli(capsys, "bench", "w=0.25,d=0.25,r=32", *argv), message)


def test_out_directory_is_refused_before_measuring(tmp_path, capsys):
    argv = ["bench", "w=0.25,d=0.25,r=32", "--device", "cpu", "--out", str(tmp_path)]
    one_line_exit_2(*run_cli(capsys, *argv), "is a directory")


# ------------------------------------------------------------------------------ the prepared GPU scripts
def _script(name: str):
    import importlib.util
    import sys

    folder = Path(__file__).parents[1] / "benchmarks"
    sys.path.insert(0, str(folder))  # gpu_session imports gpu_matrix as its neighbour
    try:
        spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    return module


def test_gpu_matrix_plan_covers_the_issue_matrix_once():
    """B0-B7 x fp32/bf16 x channels-last on/off x eager, compiled for every variant, each configuration once."""
    gm = _script("gpu_matrix")
    variants = [parse_variant(f"b{i}") for i in range(8)]
    phases = gm.plan(variants, lambda v: v.resolution, smoke=False)
    configs = [c for _, cs in phases for c in cs]
    assert len(configs) == len(set(configs))
    eager = {(c.implementation.name, c.precision, c.channels_last) for c in configs if not c.compiled}
    assert eager == {
        (v.name, p, cl) for v in variants for p in (Precision.FP32, Precision.BF16) for cl in (True, False)
    }
    assert {c.implementation.name for c in configs if c.compiled} == {v.name for v in variants}
    assert configs[0].implementation.name == "b0" and configs[0].batch_size == 256  # the anchor runs first
    assert [gm.large_batch(v, v.resolution) for v in variants] == [256, 256, 256, 128, 64, 64, 64, 32]
    assert gm.device_slug("NVIDIA H200") == "nvidia-h200"


def test_gpu_session_sorts_kernels_by_kind():
    session = _script("gpu_session")
    kinds = {
        name: session.kind_of(name)
        for name in (
            "void at::native::batch_norm_transform_input_channels_last_kernel<c10::BFloat16, float>",
            "conv2d_c1_k1_nhwc_specialized",
            "nvjet_sm90_tst_96x384_64x3_1x2_h_bz_coopA_TNN",
            "void at::native::vectorized_elementwise_kernel<8, at::native::FillFunctor<c10::BFloat16>>",
            "void at::native::vectorized_elementwise_kernel<8, at::native::bfloat16_copy_kernel_cuda>",
            "void at::native::elementwise_kernel<128, 4, at::native::gpu_kernel_impl_nocast<...>>",
            "void at::native::reduce_kernel<128, 4, at::native::ReduceOp<c10::BFloat16, at::native::MeanOps>>",
        )
    }
    assert list(kinds.values()) == [
        "batch norm",
        "convolution",
        "matmul",
        "fill",
        "copy / cast",
        "generic element-wise",
        "reduction",
    ]
