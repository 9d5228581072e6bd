"""The benchmark under faults: out of memory on the CPU (a real allocation failure), every configuration failing,
an unwritable results file, Ctrl-C mid-run, time budgets, the long-run warning, and results files with fields
of the wrong type (checked by hand and by Hypothesis)."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from helpers import cpu_environment, run_cli
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from effnet_inspect.arch.specs import parse_variant
from effnet_inspect.bench.device import default_settings
from effnet_inspect.bench.estimate import cpu_warning
from effnet_inspect.bench.models import ours
from effnet_inspect.bench.results import BenchSettings, Precision, Status, Timer
from effnet_inspect.bench.run import bench_config, is_out_of_memory
from effnet_inspect.bench.schema import load_results
from effnet_inspect.bench.timing import MIN_ITERS, BenchConfig, Measurer
from effnet_inspect.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = Path(__file__).parent / "data" / "bench_cpu_example.json"
TINY = parse_variant("w=0.25,d=0.25,r=32")
QUICK = ["--device", "cpu", "--warmup", "0", "--iters", "1", "--repeats", "1"]
SETTINGS = BenchSettings(warmup=0, iters=1, repeats=1, budget_s=None, timer=Timer.PERF_COUNTER, cudnn_benchmark=False)
CPU_ENV = cpu_environment()


def cpu_config(batch: int, variant=TINY) -> BenchConfig:
    return BenchConfig(ours(variant), variant.resolution, batch, Precision.FP32)


# ------------------------------------------------------------------------------------------- out of memory
def test_a_real_cpu_allocation_failure_halves_the_batch():
    measurer = Measurer(torch.device("cpu"), SETTINGS)

    def measure(config, batch):
        if batch > 1:
            torch.empty(2**60, dtype=torch.uint8)  # the CPU allocator's own failure, not a stand-in
        return measurer(config, batch)

    result = bench_config(cpu_config(4), measure, CPU_ENV)
    assert result.status is Status.OK and result.measured_batch_size == 1
    assert [a.batch_size for a in result.attempts] == [4, 2]
    assert all("DefaultCPUAllocator: can't allocate memory" in a.error for a in result.attempts)


@pytest.mark.parametrize(
    "exc,oom",
    [
        (
            RuntimeError(
                "[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: can't allocate memory: you tried "
                "to allocate 1152921504606846976 bytes. Error code 12 (Cannot allocate memory)"
            ),
            True,
        ),
        (torch.OutOfMemoryError("XPU out of memory. Tried to allocate 2.00 GiB"), True),
        (RuntimeError("MPS backend out of memory (MPS allocated: 1.2 GB)"), True),
        (MemoryError(), True),
        (RuntimeError("The size of tensor a (3) must match the size of tensor b (4)"), False),
        (ValueError("out of memory"), False),  # not an allocator's exception type
    ],
)
def test_out_of_memory_is_recognised_on_every_device(exc, oom):
    assert is_out_of_memory(exc) is oom


@pytest.mark.slow
def test_every_configuration_failing_exits_2_after_printing_the_table(capsys, monkeypatch):
    def broken(self, config, batch):
        raise RuntimeError("kernel not available")

    monkeypatch.setattr(Measurer, "__call__", broken)
    code, out, err = run_cli(capsys, "bench", "w=0.25,d=0.25,r=32", *QUICK, "--batch-sizes", "1,2")
    assert code == 2 and "failed: RuntimeError: kernel not available" in out
    assert err.strip().splitlines() == [
        "effnet-inspect bench: error: none of the 2 configurations ran (first: w=0.25,d=0.25,r=32@32 batch 1 fp32: "
        "RuntimeError: kernel not available)"
    ]


@pytest.mark.slow
def test_some_configurations_failing_still_exit_0(capsys, monkeypatch):
    real = Measurer.__call__

    def flaky(self, config, batch):
        if config.batch_size == 2:
            raise RuntimeError("kernel not available")
        return real(self, config, batch)

    monkeypatch.setattr(Measurer, "__call__", flaky)
    code, _, err = run_cli(capsys, "bench", "w=0.25,d=0.25,r=32", *QUICK, "--batch-sizes", "1,2")
    assert code == 0 and "1 of 2 configurations did not run" in err


# ------------------------------------------------------------------------------ results before failing writes
@pytest.mark.slow
def test_full_device_prints_the_results_then_one_line(capsys):
    code, out, err = run_cli(
        capsys, "bench", "w=0.25,d=0.25,r=32", *QUICK, "--batch-sizes", "1,2", "--out", "/dev/full"
    )
    assert code == 2 and "img/s" in out and len(out.strip().splitlines()) >= 3
    assert err.strip().splitlines() == [
        "effnet-inspect bench: error: --out cannot write '/dev/full': No space left on device"
    ]


@pytest.mark.e2e
def test_sigint_mid_run_prints_what_was_measured_and_keeps_the_file(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "effnet_inspect",
            "bench",
            "w=0.25,d=0.25,r=32",
            "--device",
            "cpu",
            "--batch-sizes",
            ",".join(str(b) for b in range(1, 41)),
            "--warmup",
            "0",
            "--iters",
            "2",
            "--repeats",
            "1",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 600  # a loaded machine takes minutes to get there
    while time.monotonic() < deadline and not (out.exists() and '"batch_size": 2,' in out.read_text()):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "effnet-inspect: interrupted" and "Traceback" not in stderr
    measured = len(load_results(out).results)
    assert 2 <= measured < 40
    rows = [line for line in stdout.splitlines() if line.startswith("w=0.25")]
    assert len(rows) >= measured  # the table holds at least what the file holds


# ------------------------------------------------------------------------------------------------ budgets
def test_budget_holds_without_warm_up():
    settings = BenchSettings(
        warmup=0, iters=100_000, repeats=1, budget_s=0.01, timer=Timer.PERF_COUNTER, cudnn_benchmark=False
    )
    measurer = Measurer(torch.device("cpu"), settings)
    assert measurer.iterations(lambda: None, first_call_s=0.5) == MIN_ITERS


def test_cpu_has_a_budget_by_default():
    assert default_settings(torch.device("cpu")).budget_s


def test_long_cpu_runs_are_announced(monkeypatch):
    import effnet_inspect.bench.estimate as estimate

    cpu = default_settings(torch.device("cpu"))
    probed = []
    monkeypatch.setattr(estimate, "probe_seconds_per_mac", lambda clock: probed.append(1) or 0.4 / 386e6)
    monkeypatch.setattr("effnet_inspect.bench.host.busy", lambda: False)  # a quiet machine: one try at the split
    assert cpu_warning([cpu_config(1, parse_variant("b0"))], cpu) is None and probed == []  # no probe needed
    message = cpu_warning([cpu_config(4, parse_variant("phi=6"))], cpu)  # 0.4 s per B0 pass: a slow CPU
    assert probed and message.startswith("this run will take about 27 minutes on this CPU"), message


def test_runs_beyond_the_limit_are_refused_before_anything_is_built(monkeypatch):
    """The issue-24 case: a huge variant estimated at days, refused in one line naming the limit and what to do."""
    import effnet_inspect.bench.estimate as estimate

    monkeypatch.setattr(estimate, "probe_seconds_per_mac", lambda clock: 0.4 / 386e6)
    with pytest.raises(InputError, match=r"more than the 60 a CPU benchmark may take: measure smaller variants"):
        cpu_warning([cpu_config(8, parse_variant("phi=10"))], default_settings(torch.device("cpu")))
    monkeypatch.setattr(estimate, "available_memory", lambda: 2**28)  # 256 MiB free: B0's 21 MB of weights fit
    assert cpu_warning([cpu_config(1, parse_variant("b0"))], default_settings(torch.device("cpu"))) is None
    with pytest.raises(InputError, match=r"phi=8 has 100 million parameters: its weights alone need 0.4 GiB"):
        cpu_warning([cpu_config(1, parse_variant("phi=8"))], default_settings(torch.device("cpu")))


def test_the_warning_comes_from_a_real_probe_of_this_machine(monkeypatch):
    import effnet_inspect.bench.estimate as estimate

    monkeypatch.setattr(estimate, "LIMIT_S", float("inf"))  # a loaded machine may estimate hours
    message = cpu_warning([cpu_config(1, parse_variant("phi=10"))], default_settings(torch.device("cpu")))
    assert message is not None and "Ctrl-C stops it" in message


# ---------------------------------------------------------------------------------------- results files
def _example() -> dict:
    return json.loads(EXAMPLE.read_text())


def _set(data: dict, path: tuple, value) -> dict:
    data = copy.deepcopy(data)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


WRONG = {
    "throughput string": (("results", 0, "throughput"), "abc", "results[0].throughput should be a number"),
    "p50 string": (("results", 0, "latency", "p50_ms"), "2.2", "results[0].latency.p50_ms should be a number"),
    "ratio string": (("results", 0, "stages", "ratio"), "1.0", "results[0].stages.ratio should be a number"),
    "clocks list": (("environment", "clocks"), ["1980 MHz"], "environment.clocks should be an object"),
    "clock number": (("environment", "clocks"), {"clocks.sm": 1980}, "environment.clocks.clocks.sm should be a string"),
    "bool as int": (("results", 0, "batch_size"), True, "results[0].batch_size should be a whole number"),
    "negative": (("results", 0, "throughput"), -5, "results[0].throughput is -5"),
    "enum": (("results", 0, "precision"), "fp8", 'results[0].precision is "fp8"; valid: fp32, tf32'),
    "stages not a list": (("results", 0, "stages", "stages"), {}, "results[0].stages.stages should be a list"),
    "deep": (("results", 0, "attempts"), None, "nested more than"),
}


@pytest.mark.parametrize("case", sorted(WRONG))
def test_wrong_types_are_one_line_and_no_report_is_started(tmp_path, capsys, case):
    path, value, message = WRONG[case]
    bench = tmp_path / "bench.json"
    text = json.dumps(_set(_example(), path, value))
    if case == "deep":
        text = text.replace('"attempts": null', '"attempts": ' + "[" * 100_000 + "]" * 100_000)
    bench.write_text(text)
    with pytest.raises(InputError, match=None) as info:
        load_results(bench)
    assert message in str(info.value) and "\n" not in str(info.value)
    code, out, err = run_cli(
        capsys, "report", "w=0.25,d=0.25,r=32", "--bench", str(bench), "--out", str(tmp_path / "r")
    )
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err
    assert not (tmp_path / "r").exists()


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-10, 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def _paths(node, prefix=()):
    yield prefix
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield from _paths(child, (*prefix, key))


PATHS = [p for p in _paths(_example()) if p]


def _get(data, path: tuple):
    for key in path:
        data = data[key]
    return data


def _same_kind(path: tuple) -> st.SearchStrategy:
    """Values a valid file could hold there (so that many edited files load, and the page must render them)."""
    value = _get(_example(), path)
    if isinstance(value, bool) or value is None:
        return st.booleans() | st.none()
    if isinstance(value, (int, float)):
        return st.integers(0, 10**12) | st.floats(0, 1e12) | st.sampled_from([0, 1e-300])
    if isinstance(value, str):
        return st.text(max_size=8)
    if isinstance(value, list):
        return st.just(value[:1]) | st.just([])
    return st.just({})


CHANGE = st.tuples(st.sampled_from(PATHS), JSON_VALUES) | st.sampled_from(PATHS).flatmap(
    lambda path: st.tuples(st.just(path), _same_kind(path))
)


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", 15)),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(changes=st.lists(CHANGE, min_size=1, max_size=3))
def test_any_edited_results_file_is_refused_in_one_line_or_rendered(tmp_path, changes):
    """Whatever is put wherever in a valid file: load_results raises InputError, or the bench page renders."""
    from effnet_inspect.report.bench_page import bench_context
    from effnet_inspect.report.data import Nav
    from effnet_inspect.report.html import render

    data = _example()
    for path, value in changes:
        try:
            data = _set(data, path, value)
        except (KeyError, IndexError, TypeError):  # an earlier change removed the place
            continue
    bench = tmp_path / "edited.json"
    bench.write_text(json.dumps(data))
    try:
        run = load_results(bench)
    except InputError as exc:
        assert "\n" not in str(exc)
        event("refused")
        return
    event("rendered")

    class Collect:
        def write(self, relative, payload):
            return relative

    html = render(
        "bench.html",
        page_title="Benchmark results",
        version="test",
        nav=Nav((), True),
        current="bench",
        **bench_context([run], Collect()),
    )
    assert "<table" in html
