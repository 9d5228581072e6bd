"""bench and the machine it runs on (issue 22): --threads, the busy-machine warning, the load recorded with the
results, a stage split that adds up on a shared machine, a port benchmarked alone, and version 2 files still read.

Nothing here times anything: the models are tiny and the split's samples are made up.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from helpers import run_cli

from effnet_inspect.bench import host
from effnet_inspect.bench.results import StageMethod, to_json
from effnet_inspect.bench.schema import load_results
from effnet_inspect.bench.stages import StageSplit
from effnet_inspect.bench.tables import host_line

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--device", "cpu", "--warmup", "0", "--iters", "2", "--repeats", "1", "--resolution", "32"]


def test_threads_are_set_recorded_and_restored(tmp_path, capsys):
    before = torch.get_num_threads()
    out = tmp_path / "bench.json"
    code, stdout, _ = run_cli(capsys, "bench", "w=0.25,d=0.25,r=32", *FAST, "--threads", "1", "--out", str(out))
    assert code == 0 and torch.get_num_threads() == before
    env = load_results(out).environment
    assert env.threads == env.threads_requested == 1 and env.cores == host.cores()
    assert len(env.load_average) == 3  # recorded even though the warning is off in tests (conftest)
    assert f"threads: 1 (--threads) on {env.cores} cores; load average" in stdout
    assert all(r.load_average is not None for r in load_results(out).results)


def test_default_threads_are_torch_s_and_say_so(tmp_path, capsys):
    out = tmp_path / "bench.json"
    code, stdout, _ = run_cli(capsys, "bench", "w=0.25,d=0.25,r=32", *FAST, "--out", str(out))
    env = load_results(out).environment
    assert code == 0 and env.threads_requested is None and env.threads == torch.get_num_threads()
    assert f"threads: {env.threads} (torch's default)" in stdout


@pytest.mark.parametrize("threads", ["0", "two", "-1"])
def test_bad_thread_counts_are_one_line(threads, capsys):
    code, out, err = run_cli(capsys, "bench", "w=0.25,d=0.25,r=32", "--device", "cpu", "--threads", threads)
    assert code == 2 and out == "" and "--threads" in err and "expected a whole number >= 1" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("load,threads,expected", [(1.5, 2, None), (9.0, 1, "busy"), (9.0, 2, "--threads 1")])
def test_a_busy_machine_is_announced(monkeypatch, load, threads, expected):
    monkeypatch.setattr(host, "load_now", lambda: load)
    monkeypatch.setattr(host, "cores", lambda: 2)
    with host.cpu_threads(threads):
        warning = host.busy_warning()
    if expected is None:
        assert warning is None
    else:
        assert f"the machine is busy (load average {load:.1f} on 2 cores)" in warning and expected in warning
        assert ("--threads 1" in warning) == (threads > 1)


def test_the_warning_comes_before_measuring(monkeypatch, capsys):
    monkeypatch.setattr(host, "load_now", lambda: 99.0)
    code, _, err = run_cli(capsys, "bench", "w=0.25,d=0.25,r=32", *FAST)
    assert code == 0
    assert err.splitlines()[0].startswith("effnet-inspect bench: warning: the machine is busy (load average 99.0")


def test_a_port_alone_is_benchmarked_alone(tmp_path, capsys):
    """--model without a variant measures that model only, not B0-B7 as well."""
    out = tmp_path / "bench.json"
    port = "tests.ports.torchvision_style:efficientnet_b0"
    code, _, _ = run_cli(capsys, "bench", "--model", port, *FAST, "--out", str(out))
    assert code == 0
    assert [r.source for r in load_results(out).results] == [f"{port} {{}}"]


def stalled_split(rounds: int = 9) -> StageSplit:
    """Stages of 2, 3 and 5 ms; every pass stalls 3 ms somewhere (another process ran), in turn in each stage."""
    base = (2.0, 3.0, 5.0)
    stages = tuple(tuple(t + (3.0 if r % 3 == i else 0.0) for r in range(rounds)) for i, t in enumerate(base))
    return StageSplit(StageMethod.WALL_CLOCK, ("a", "b", "c"), (13.0,) * rounds, stages)


def test_a_split_adds_up_when_every_pass_stalls_somewhere():
    split = stalled_split()
    whole, stages = split.means()
    assert split.kept == 3 and whole == 13.0 and sum(stages) == pytest.approx(13.0)
    assert split.ratio == pytest.approx(1.0)
    # Per-stage medians would leave every stall out (each stage stalls in a third of the passes): 10 / 13.
    medians = [sorted(s)[len(s) // 2] for s in split.stage_ms]
    assert sum(medians) / 13.0 == pytest.approx(10 / 13)


def test_a_split_keeps_its_quietest_passes():
    split = StageSplit(
        StageMethod.WALL_CLOCK,
        ("a", "b"),
        (10.0, 50.0, 11.0, 12.0, 40.0, 10.0),
        ((4.0, 4.0, 30.0, 5.0, 4.0, 4.0), (6.0, 6.0, 6.0, 7.0, 6.0, 20.0)),
    )
    whole, stages = split.means()
    assert split.rounds == 6 and split.kept == 3
    assert whole == pytest.approx((10 + 10 + 11) / 3)  # the three quickest whole passes
    assert stages == pytest.approx([4.0, 6.0])  # rounds 0, 1 and 4: the quickest instrumented passes


def test_a_split_measured_again_pools_its_rounds():
    first, again = stalled_split(3), stalled_split(6)
    pooled = first.extended(again)
    assert pooled.rounds == 9 and pooled.kept == 3 and pooled.stages == first.stages
    assert pooled.stage_ms[0] == first.stage_ms[0] + again.stage_ms[0]


def test_version_2_files_still_load_and_say_what_they_lack():
    h200 = ROOT / "reports" / "bench" / "nvidia-h200.json"
    assert json.loads(h200.read_text())["version"] == 2
    run = load_results(h200)
    env = run.environment
    assert env.threads_requested is None and env.cores is None and env.load_average == () and not env.busy
    assert all(r.load_average is None for r in run.results)
    assert all(r.stages.rounds is None and r.stages.rounds_kept is None for r in run.results if r.stages)
    assert host_line(env) == f"threads: {env.threads}\n"  # nothing claimed that the file does not hold
    assert json.loads(to_json(run))["version"] == 3


def test_host_line_of_a_busy_run():
    run = load_results(ROOT / "tests" / "data" / "bench_cpu_example.json")
    from dataclasses import replace

    env = replace(run.environment, threads=1, threads_requested=1, cores=2, load_average=(9.5, 8.0, 7.25))
    assert env.busy
    assert host_line(env) == (
        "threads: 1 (--threads) on 2 cores; load average 9.5, 8, 7.25 at the start (1, 5, 15 min); busy: timings "
        "are slower and noisier than on a quiet machine\n"
    )
