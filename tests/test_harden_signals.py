"""Ctrl-C: always honoured with status 130 and one line, also when Python swallowed the KeyboardInterrupt on its
way (raised inside a finalizer), and handled once when it comes twice. Real signals throughout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from effnet_inspect.cli import main
from effnet_inspect.files import TMP_SUFFIX

ROOT = Path(__file__).resolve().parents[1]
TINY = "w=0.25,d=0.25,r=32"


class _InterruptWhenCollected:
    """Delivers SIGINT from inside __del__: the KeyboardInterrupt is raised there, and Python only prints
    'Exception ignored in ...' and goes on, as it does in torch's weakref callbacks."""

    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):  # give the handler a few bytecodes to run in
            pass


def test_an_interrupt_swallowed_on_its_way_still_stops_the_command(tmp_path, capsys, monkeypatch):
    from effnet_inspect.api.table import Table

    real = Table.render

    def render(*args, **kwargs):
        _InterruptWhenCollected()  # collected at once: the interrupt is raised and swallowed in __del__
        return real(*args, **kwargs)

    swallowed = []
    monkeypatch.setattr(Table, "render", render)
    monkeypatch.setattr(sys, "unraisablehook", lambda info: swallowed.append(info.exc_type))
    target = tmp_path / "family.csv"
    assert main(["table", TINY, "--out", str(target)]) == 130
    assert swallowed == [KeyboardInterrupt]  # Python did swallow it ...
    assert capsys.readouterr().err == "effnet-inspect: interrupted\n"  # ... and the command stopped anyway
    assert not target.exists()  # before the file was written


def test_handler_is_restored_after_the_command():
    before = signal.getsignal(signal.SIGINT)
    main(["table", TINY, "--format", "csv"])
    assert signal.getsignal(signal.SIGINT) is before


def _start_report(out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "effnet_inspect", "report", TINY, "w=0.25,d=0.5,r=32", "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> bool:
    """Until the report has created its folder (the command is running, its handler installed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists():
            return True
        time.sleep(0.01)
    return False


@pytest.mark.e2e
@pytest.mark.parametrize("presses,delay", [(1, 0.0), (2, 0.0)])
def test_real_sigint_during_a_report_exits_130_in_one_line(tmp_path, presses, delay):
    out = tmp_path / "r"
    proc = _start_report(out)
    if not _wait_for(out, proc):
        proc.kill()
        pytest.fail(f"the report never started: {proc.communicate()}")
    time.sleep(delay)
    for _ in range(presses):
        proc.send_signal(signal.SIGINT)
        time.sleep(0.02)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the report finished before the signal arrived")
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["effnet-inspect: interrupted"]
    assert not [p for p in out.rglob("*") if p.name.endswith(TMP_SUFFIX)]  # no temporary left behind
