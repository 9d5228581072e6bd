"""Ctrl-C at any moment: status 130 and one line, and what was being written left as it was. Real signals at the
moments that used to break: while the console script imports torch, from inside cairo's PNG write callback (C code
calling Python), to the whole process group while Graphviz' `dot` runs (as a terminal's Ctrl-C), while a report
folder is being written (once, and twice), and swallowed by Python on its way (raised inside a finalizer)."""

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
TINY2 = "w=0.25,d=0.5,r=32"
INTERRUPTED = ["effnet-inspect: interrupted"]


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


def test_what_an_interrupt_broke_on_its_way_is_the_interrupt(tmp_path, capsys, monkeypatch):
    """A C library that fails because Ctrl-C hit its Python callback (cairo: CAIRO_STATUS_WRITE_ERROR) raises its
    own exception; the command reports the interrupt, not that exception."""
    import effnet_inspect.progress as progress
    from effnet_inspect.api.table import Table

    def broken(*args, **kwargs):
        progress._received += 1  # the handler ran inside the callback and the library swallowed its exception
        raise RuntimeError("cairo returned CAIRO_STATUS_WRITE_ERROR")

    monkeypatch.setattr(Table, "render", broken)
    assert main(["table", TINY, "--out", str(tmp_path / "t.csv")]) == 130
    assert capsys.readouterr().err.splitlines() == INTERRUPTED


def test_handler_is_restored_after_the_command():
    before = signal.getsignal(signal.SIGINT)
    main(["table", TINY, "--format", "csv"])
    assert signal.getsignal(signal.SIGINT) is before


def _sigint_at(moment: str, *argv: str, cwd: Path) -> subprocess.CompletedProcess:
    """The console script in a fresh process, sent a real SIGINT at the moment (see tests/sigint_at.py)."""
    script = Path(__file__).with_name("sigint_at.py")
    return subprocess.run(
        [sys.executable, str(script), moment, *argv], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.e2e
def test_ctrl_c_while_torch_is_imported_is_one_line_and_130(tmp_path):
    done = _sigint_at("import:torch", "table", TINY, "--out", "t.csv", cwd=tmp_path)
    assert done.returncode == 130 and done.stderr.splitlines() == INTERRUPTED, done.stderr
    assert done.stdout == "" and os.listdir(tmp_path) == []


@pytest.mark.e2e
def test_ctrl_c_inside_a_png_write_leaves_the_old_file(tmp_path):
    """The signal lands in cairo's write callback (C calling Python): once 'Exception ignored from cffi callback'
    and a CairoError traceback, exit 1."""
    (tmp_path / "b.png").write_bytes(b"old")
    done = _sigint_at("png", "diagram", TINY, "--size", "slide", "--format", "png", "--out", "b.png", cwd=tmp_path)
    assert done.returncode == 130 and done.stderr.splitlines() == INTERRUPTED, done.stderr
    assert _tree(tmp_path) == {"b.png": b"old"}


@pytest.mark.e2e
def test_ctrl_c_while_a_report_is_written_leaves_the_old_report(tmp_path):
    out = tmp_path / "r"
    assert main(["report", TINY, "--out", str(out)]) == 0
    before = _tree(out)
    done = _sigint_at("write:5", "report", TINY, TINY2, "--out", "r", cwd=tmp_path)
    assert done.returncode == 130 and done.stderr.splitlines() == INTERRUPTED, done.stderr
    assert _tree(out) == before and sorted(os.listdir(tmp_path)) == ["r"]  # no staging folder left either


@pytest.mark.e2e
def test_ctrl_c_at_the_terminal_while_dot_runs(tmp_path):
    """A terminal's Ctrl-C goes to the whole process group: Graphviz' `dot` dies of it too, and its failing pipe
    must read as the interrupt, not as 'Graphviz failed'."""
    (tmp_path / "d.svg").write_text("old")
    proc = subprocess.Popen(
        [sys.executable, "-m", "effnet_inspect", "diagram", "b0", "--level", "layer", "--out", "d.svg"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and not _runs_dot(proc.pid):
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.skip("the diagram was drawn before dot could be caught running")
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and err.splitlines() == INTERRUPTED, err
    assert out == "" and _tree(tmp_path) == {"d.svg": b"old"}


def _runs_dot(pid: int) -> bool:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return any(Path(f"/proc/{c}/comm").read_text().strip() == "dot" for c in children)
    except OSError:
        return False


@pytest.mark.e2e
@pytest.mark.parametrize("presses", [1, 2])
def test_real_sigint_during_a_report_exits_130_in_one_line(tmp_path, presses):
    out = tmp_path / "r"
    proc = subprocess.Popen(
        [sys.executable, "-m", "effnet_inspect", "report", TINY, TINY2, "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120  # until the report's staging folder is there: it is writing its files
    while proc.poll() is None and time.monotonic() < deadline and not list(tmp_path.glob(f".r.*{TMP_SUFFIX}")):
        time.sleep(0.005)
    for _ in range(presses):
        proc.send_signal(signal.SIGINT)
        time.sleep(0.02)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the report finished before the signal arrived")
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == INTERRUPTED
    assert os.listdir(tmp_path) in ([], ["r"])  # no staging folder left, and no half-written report:
    assert not out.exists() or (out / "index.html").exists()  # none, or a whole one when Ctrl-C came after it
