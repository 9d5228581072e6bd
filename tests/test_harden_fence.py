"""Factories run fenced (--model): what they write to stdout, from print() or file descriptor 1, from the main
thread or a thread they leave running, reaches stderr, never the results on stdout; the working directory and
sys.path they change are put back, relative output paths keep their meaning, and the process exits when the work is
done whatever threads the factory left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # --model imports tests.ports
    sys.path.insert(0, str(ROOT))
HOSTILE = "tests.ports.hostile"


@pytest.mark.e2e
def test_a_factory_writing_to_fd_1_from_a_thread_cannot_touch_stdout_nor_keep_the_process(tmp_path):
    """hostile.writes_to_fd1 writes to descriptor 1 and prints, then leaves a non-daemon thread doing both for ten
    minutes: stdout must still be exactly the JSON, and the command must end long before the thread would."""
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "effnet_inspect", "inspect", "--model", f"{HOSTILE}:writes_to_fd1", "--format", "json"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=500,  # the thread runs 600 s
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["model"] == f"{HOSTILE.rsplit('.', 1)[-1]}:writes_to_fd1"
    assert b"fd 1 from the factory" in done.stderr and b"print from the factory" in done.stderr
    assert time.monotonic() - start < 500 and os.listdir(tmp_path) == []


def test_a_factory_that_changes_directory_moves_neither_the_output_nor_sys_path(tmp_path, capsys, monkeypatch):
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setenv("HOSTILE_CHDIR", str(elsewhere))
    path = list(sys.path)
    code, _, err = run_cli(capsys, "table", "--model", f"{HOSTILE}:changes_directory", "--out", "t.csv")
    late = [t for t in threading.enumerate() if t.name == "move-again"]
    for thread in late:  # here, not in the middle of the next test this worker runs (monkeypatch moves back)
        thread.join()
    assert code == 0, err
    assert os.listdir(here) == ["t.csv"] and os.listdir(elsewhere) == []
    assert sys.path == path  # the directory the fence puts back: test_the_fence_puts_back_what_the_factory_changed


def test_relative_outputs_are_anchored_where_the_command_started(tmp_path, monkeypatch):
    """Even a thread the factory left behind, changing directory after the factory returned, cannot move them."""
    from effnet_inspect.files import anchored, write_atomic

    monkeypatch.chdir(tmp_path)
    (tmp_path / "other").mkdir()
    with anchored():
        os.chdir(tmp_path / "other")
        write_atomic("x.txt", "anchored")
    assert (tmp_path / "x.txt").read_text() == "anchored" and os.listdir(tmp_path / "other") == []


def test_the_fence_puts_back_what_the_factory_changed(capfd):
    import signal

    import torch

    from effnet_inspect.ports.fence import fenced

    handler, dtype, cwd = signal.getsignal(signal.SIGINT), torch.get_default_dtype(), os.getcwd()
    with fenced():
        os.write(1, b"to descriptor 1\n")
        print("to sys.stdout")
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        torch.set_default_dtype(torch.float64)
        os.chdir("/")
        sys.stdout = sys.stderr
    out, err = capfd.readouterr()
    assert out == "" and "to descriptor 1" in err and "to sys.stdout" in err
    assert signal.getsignal(signal.SIGINT) is handler and torch.get_default_dtype() is dtype and os.getcwd() == cwd
    assert sys.stdout is not sys.stderr
