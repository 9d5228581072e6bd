"""A report and a deck are written into a staging folder and swapped in whole (effnet_inspect.folders): a fault in
the middle (a full disk, a file-size limit) leaves the old complete report, never a mix of old and new pages; two
runs into one folder at once leave one whole output; the user's own files and an earlier report's pages stay (as
the same files); and where a swap is not possible (the current folder inside, no hard links, no renameat2) the
new files are moved in one by one after all of them were written."""

from __future__ import annotations

import errno
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import one_line_exit_2, run_cli

import effnet_inspect.folders as folders
from effnet_inspect.files import TMP_SUFFIX
from effnet_inspect.slides import SLIDE_FILE

ROOT = Path(__file__).resolve().parents[1]
TINY, TINY2 = "w=0.25,d=0.25,r=32", "w=0.25,d=0.5,r=32"


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _no_staging(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(TMP_SUFFIX)]


@pytest.fixture(scope="module")
def old_report(tmp_path_factory) -> Path:
    """A complete report of TINY with a file of the user's beside it (copied by each test that changes it)."""
    from helpers import cached_analysis

    from effnet_inspect.report import write_report

    out = tmp_path_factory.mktemp("old") / "r"
    write_report([cached_analysis(TINY)], out, show_progress=False)
    (out / "notes.txt").write_text("mine")
    return out


def _copy(report: Path, tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(report, tmp_path / "r")
    return tmp_path / "r"


def test_a_fault_in_the_middle_leaves_the_old_report_whole(old_report, tmp_path, capsys, monkeypatch):
    out = _copy(old_report, tmp_path)
    before = _tree(out)
    write, count = folders.write_new, [0]

    def full_disk_at_the_fifth(path: Path, data: bytes) -> None:
        count[0] += 1
        if count[0] == 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        write(path, data)

    monkeypatch.setattr(folders, "write_new", full_disk_at_the_fifth)
    monkeypatch.setattr("effnet_inspect.report.data.write_new", full_disk_at_the_fifth)
    code, out_text, err = run_cli(capsys, "report", TINY, TINY2, "--out", str(out))
    one_line_exit_2(code, out_text, err, f"--out cannot write {str(out)!r}: No space left on device")
    assert _tree(out) == before and os.listdir(tmp_path) == ["r"]


@pytest.mark.e2e
def test_a_real_file_size_limit_leaves_the_old_report_whole(old_report, tmp_path):
    out = _copy(old_report, tmp_path)
    before = _tree(out)
    limit = 20_000  # bytes: smaller than the report's pages

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "effnet_inspect", "report", TINY, TINY2, "--out", str(out)],
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"},
        preexec_fn=limited,
        capture_output=True,
        text=True,
    )
    one_line_exit_2(done.returncode, done.stdout, done.stderr, "File too large")
    assert _tree(out) == before and os.listdir(tmp_path) == ["r"]


def test_a_new_report_keeps_the_users_files_and_earlier_pages_as_the_same_files(old_report, tmp_path, capsys):
    out = _copy(old_report, tmp_path)
    mine = os.stat(out / "notes.txt").st_ino
    code, _, err = run_cli(capsys, "report", TINY2, "--out", str(out))
    assert code == 0, err
    assert os.stat(out / "notes.txt").st_ino == mine  # carried over as a hard link: the same file
    assert (out / "w-0.25-d-0.25-r-32.html").exists() and (out / "w-0.25-d-0.5-r-32.html").exists()
    assert _no_staging(tmp_path)


@pytest.mark.parametrize("way", ["no renameat2", "no hard links", "current folder inside"])
def test_where_no_swap_is_possible_the_files_are_moved_in(old_report, tmp_path, capsys, monkeypatch, way):
    out = _copy(old_report, tmp_path)
    if way == "no renameat2":
        monkeypatch.setattr(folders, "_renameat2", lambda: None)
    elif way == "no hard links":

        def no_link(*args, **kwargs):
            raise OSError(errno.EPERM, "Operation not permitted")

        monkeypatch.setattr(folders.os, "link", no_link)
    else:
        monkeypatch.chdir(out)
    code, _, err = run_cli(capsys, "report", TINY2, "--out", str(out))
    assert code == 0, err
    assert (out / "notes.txt").read_text() == "mine" and (out / "w-0.25-d-0.5-r-32.html").exists()
    assert "w-0.25-d-0.5-r-32.html" in (out / "index.html").read_text()
    assert _no_staging(tmp_path) and os.listdir(tmp_path) == ["r"]


def test_runs_into_one_folder_at_once_leave_one_whole_output(tmp_path):
    """Eight writers at once, each a different set of files claiming all of the folder (as a deck does): the folder
    ends as exactly one writer's set, plus the user's file."""
    out = tmp_path / "deck"
    out.mkdir()
    (out / "mine.txt").write_text("mine")
    sets = {n: {f"{i:02d}-w{n}.svg": f"{n}".encode() for i in range(1, 2 + n)} for n in range(8)}

    def write(n: int) -> None:
        with folders.staged(out, replaces=lambda relative: relative.endswith(".svg")) as stage:
            for name, data in sets[n].items():
                folders.write_new(stage / name, data)
                time.sleep(0.001)

    threads = [threading.Thread(target=write, args=(n,)) for n in sets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    found = _tree(out)
    assert found.pop("mine.txt") == b"mine"
    assert found in [{k: v for k, v in s.items()} for s in sets.values()], sorted(found)
    assert _no_staging(tmp_path)


@pytest.mark.e2e
def test_two_decks_written_at_once_never_mix(tmp_path):
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "effnet_inspect", "slides", variant, "--format", "svg", "--out", "deck"],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for variant in (TINY, TINY2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    runs = {("d=0.25,r=32" in t, "d=0.5,r=32" in t) for t in _texts(tmp_path / "deck")}
    assert len(runs) == 1 and runs != {(True, True)}  # every slide from the same run (its footer names it)
    assert os.listdir(tmp_path) == ["deck"]


def _texts(folder: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.svg"))]


def test_a_new_deck_replaces_the_old_decks_slides_and_nothing_else(tmp_path):
    out = tmp_path / "deck"
    out.mkdir()
    for name in ("01-title.svg", "99-old-extra.png", "slides.pdf", "notes.svg", "my-01-x.svg"):
        (out / name).write_text("old")
    with folders.staged(out, replaces=lambda relative: SLIDE_FILE.fullmatch(relative) is not None) as stage:
        folders.write_new(stage / "01-title.svg", b"new")
    assert _tree(out) == {"01-title.svg": b"new", "my-01-x.svg": b"old", "notes.svg": b"old"}


def test_a_staging_folder_left_by_a_killed_run_is_removed_next_time(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    dead = _dead_pid()
    stale = tmp_path / f".r.abcd1234.{dead}{TMP_SUFFIX}"
    (stale / "sub").mkdir(parents=True)
    (stale / "sub" / "page.html").write_text("half")
    alive = tmp_path / f".r.efgh5678.{os.getpid()}{TMP_SUFFIX}"  # a run still going: not ours to remove
    alive.mkdir()
    with folders.staged(out) as stage:
        folders.write_new(stage / "index.html", b"new")
    assert sorted(os.listdir(tmp_path)) == sorted(["r", alive.name]) and _tree(out) == {"index.html": b"new"}


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_ctrl_c_during_the_commit_is_honoured_after_it(tmp_path, monkeypatch):
    import signal

    from effnet_inspect.progress import handled

    out = tmp_path / "r"
    out.mkdir()
    (out / "index.html").write_text("old")
    exchange = folders._exchange

    def interrupted_exchange(stage: Path, target: Path) -> Path:
        os.kill(os.getpid(), signal.SIGINT)  # a real signal, while the folders are being swapped
        for _ in range(1000):
            pass
        return exchange(stage, target)

    monkeypatch.setattr(folders, "_exchange", interrupted_exchange)
    with handled(), pytest.raises(KeyboardInterrupt):
        with folders.staged(out) as stage:
            folders.write_new(stage / "index.html", b"new")
    assert _tree(out) == {"index.html": b"new"} and _no_staging(tmp_path)
