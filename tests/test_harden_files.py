"""Output paths under hostile conditions: stdout, symbolic links (loops, dangling), hard links, directories,
read-only places, a full device, and temporary files left by killed runs. Real links and real devices throughout;
a fault is injected only where a real one cannot be made (a full disk)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import one_line_exit_2, run_cli

from effnet_inspect.errors import InputError
from effnet_inspect.files import TMP_SUFFIX, write_atomic

ROOT = Path(__file__).resolve().parents[1]
TINY = "w=0.25,d=0.25,r=32"
# Every command that writes one output, with cheap arguments
ONE_FILE = {
    "table": ["table", TINY],
    "summary": ["summary", TINY],
    "diagram": ["diagram", TINY, "--format", "svg"],
    "compare": ["compare", TINY, "w=0.25,d=0.5,r=32"],
    "bench": ["bench", TINY, "--device", "cpu", "--warmup", "0", "--iters", "1", "--repeats", "1"],
}


@pytest.mark.parametrize("command", sorted(ONE_FILE))
def test_link_loop_is_refused_and_stays_a_link(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    Path("loop1").symlink_to("loop2")
    Path("loop2").symlink_to("loop1")
    one_line_exit_2(*run_cli(capsys, *ONE_FILE[command], "--out", "loop1"), "loop of symbolic links")
    assert Path("loop1").is_symlink() and Path("loop2").is_symlink()
    assert sorted(os.listdir(tmp_path)) == ["loop1", "loop2"]


@pytest.mark.parametrize("command", sorted(ONE_FILE))
def test_dangling_link_into_a_missing_directory_creates_nothing(tmp_path, capsys, command):
    outside = tmp_path / "outside"  # stands for /nonexistent: must not appear
    link = tmp_path / "dangling"  # no extension: every command takes it
    link.symlink_to(outside / "dir" / "x.out")
    one_line_exit_2(*run_cli(capsys, *ONE_FILE[command], "--out", str(link)), "which does not exist")
    assert not outside.exists() and link.is_symlink()


def test_dangling_link_into_an_existing_directory_is_written_through(tmp_path, capsys):
    (tmp_path / "real").mkdir()
    link = tmp_path / "family.csv"
    link.symlink_to(tmp_path / "real" / "family.csv")
    assert run_cli(capsys, "table", TINY, "--out", str(link))[0] == 0
    assert link.is_symlink() and (tmp_path / "real" / "family.csv").read_text().startswith("variant,")


def test_link_to_a_directory_on_the_way_is_followed_and_a_dead_one_refused(tmp_path, capsys):
    (tmp_path / "real").mkdir()
    (tmp_path / "via").symlink_to("real")
    (tmp_path / "dead").symlink_to("nowhere")
    assert run_cli(capsys, "table", TINY, "--out", str(tmp_path / "via" / "sub" / "t.csv"))[0] == 0
    assert (tmp_path / "real" / "sub" / "t.csv").is_file() and (tmp_path / "via").is_symlink()
    one_line_exit_2(*run_cli(capsys, "report", TINY, "--out", str(tmp_path / "dead" / "r")), "which does not exist")
    assert not (tmp_path / "nowhere").exists()


def test_hard_links_are_kept(tmp_path, capsys):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("old")
    os.link(first, second)
    assert run_cli(capsys, "table", TINY, "--out", str(first))[0] == 0
    assert first.stat().st_ino == second.stat().st_ino and second.read_text().startswith("variant,")
    assert sorted(os.listdir(tmp_path)) == ["a.csv", "b.csv"]


def test_hard_link_rewrite_checks_space_before_touching_the_file(tmp_path, monkeypatch):
    import effnet_inspect.files as files

    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("old")
    os.link(first, second)

    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(InputError, match="No space left"):
        write_atomic(first, "new")
    assert second.read_text() == "old" and sorted(os.listdir(tmp_path)) == ["a.txt", "b.txt"]


@pytest.mark.parametrize(
    "command", ["diagram", "compare", pytest.param("bench", marks=pytest.mark.slow), "table", "summary"]
)  # bench: a real measurement
def test_dash_is_stdout_and_creates_nothing(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *ONE_FILE[command], "--out", "-")
    assert code == 0, err
    assert os.listdir(tmp_path) == []
    expected = {
        "diagram": "<svg",
        "compare": "<!DOCTYPE html>",
        "bench": '"schema": "effnet-inspect-bench"',
        "table": "Variant",
        "summary": "Model:",
    }[command]
    assert expected in out


def test_dash_for_a_directory_of_files_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one_line_exit_2(*run_cli(capsys, "report", TINY, "--out", "-"), "directory of files")
    one_line_exit_2(*run_cli(capsys, "slides", TINY, "--out", "-"), "directory of files")
    one_line_exit_2(*run_cli(capsys, "diagram", TINY, "b0", "--out", "-"), "takes one figure")
    assert os.listdir(tmp_path) == []


def test_binary_to_a_terminal_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    one_line_exit_2(*run_cli(capsys, "diagram", TINY, "--format", "png", "--out", "-"), "stdout is a terminal")


def test_directory_given_as_a_file_is_refused(tmp_path, capsys):
    for command in ("table", "summary", "bench"):
        one_line_exit_2(*run_cli(capsys, *ONE_FILE[command], "--out", str(tmp_path)), "is a directory")
    assert os.listdir(tmp_path) == []


def test_read_only_places_are_one_line(tmp_path, capsys):
    one_line_exit_2(*run_cli(capsys, "table", TINY, "--out", "/proc/forbidden/x.csv"), "cannot")
    one_line_exit_2(*run_cli(capsys, "report", TINY, "--out", "/proc/effnet-report"), "cannot")
    if os.geteuid() != 0:  # root writes into a read-only directory anyway
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
        one_line_exit_2(*run_cli(capsys, "table", TINY, "--out", str(ro / "x.csv")), "not writable")


def test_full_device_is_one_line(capsys):
    one_line_exit_2(*run_cli(capsys, "table", TINY, "--out", "/dev/full"), "No space left on device")


# ------------------------------------------------------------------------------- temporary files of killed runs
def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporaries_of_dead_runs_are_removed_and_nothing_else(tmp_path, capsys):
    target = tmp_path / "family.csv"
    stale = tmp_path / f".family.csv.abcd1234.{_dead_pid()}{TMP_SUFFIX}"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".family.csv.efgh5678.{sleeper.pid}{TMP_SUFFIX}"  # a concurrent run's: kept
        foreign = [tmp_path / ".family.csv.x1y2z3.tmp", tmp_path / f".other.csv.abcd1234.1{TMP_SUFFIX}"]
        for path in (stale, live, *foreign):
            path.write_text("partial")
        assert run_cli(capsys, "table", TINY, "--out", str(target))[0] == 0
        assert not stale.exists() and live.exists() and all(p.exists() for p in foreign)
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.e2e
def test_temporary_left_by_sigkill_is_removed_by_the_next_run(tmp_path):
    """A real SIGKILL while a file is half-written (held there by a write that never returns)."""
    target = tmp_path / "family.csv"
    ready = tmp_path / "ready"
    script = textwrap.dedent(f"""
        import os, time
        import effnet_inspect.files as files
        def hang(fd):
            open({str(ready)!r}, "w").close()
            time.sleep(60)
        files.os.fsync = hang
        files.write_atomic({str(target)!r}, "half")
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = [p for p in tmp_path.iterdir() if p.name.endswith(TMP_SUFFIX)]
    assert len(left) == 1 and not target.exists()
    done = subprocess.run(
        [sys.executable, "-m", "effnet_inspect", "table", TINY, "--out", str(target)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["family.csv", "ready"]
