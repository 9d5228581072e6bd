"""Files given to read (report --bench) are read with a size limit and a type check: a directory is refused, a
regular file over the limit before a byte is read, a device is read only up to the limit (/dev/zero used to grow
to 6.8 GB), and a named pipe with no writer is refused after a while instead of waited on forever; text that UTF-8
cannot encode (a lone surrogate from a JSON escape) is escaped, not crashed on."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from helpers import one_line_exit_2, run_cli

import effnet_inspect.inputs as inputs
from effnet_inspect.errors import InputError
from effnet_inspect.inputs import read_json, read_text

BENCH_EXAMPLE = Path(__file__).parent / "data" / "bench_cpu_example.json"
TINY = "w=0.25,d=0.25,r=32"


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda tmp: "/dev/zero", "'/dev/zero' is larger than 32 MB, the most a results file can be"),
        (lambda tmp: tmp, "is a directory, not a results file"),
        (lambda tmp: _sparse(tmp / "huge.json", 40 * 2**20), "is larger than 32 MB"),
        (lambda tmp: _fifo(tmp / "pipe.json"), "gave no data for 0.5 s (a named pipe nobody writes to?)"),
        (lambda tmp: tmp / "missing.json", "cannot read"),
    ],
)
def test_bench_files_that_are_not_files_are_one_line(tmp_path, capsys, monkeypatch, make, message):
    monkeypatch.setattr(inputs, "IDLE_S", 0.5)
    start = time.monotonic()
    code, out, err = run_cli(capsys, "report", TINY, "--bench", str(make(tmp_path)), "--out", str(tmp_path / "r"))
    one_line_exit_2(code, out, err, message)
    assert time.monotonic() - start < 60 and not (tmp_path / "r").exists()


def _sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:
        fh.truncate(size)  # no data read or written: refused by its size alone
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def test_a_pipe_with_a_writer_is_read(tmp_path):
    import threading

    pipe = _fifo(tmp_path / "p")
    text = BENCH_EXAMPLE.read_text()

    def writer() -> None:
        with open(pipe, "w") as fh:
            fh.write(text)

    thread = threading.Thread(target=writer)
    thread.start()
    assert read_text(pipe, "bench", "a results file") == text
    thread.join()


def test_lone_surrogates_are_escaped_and_the_report_is_written(tmp_path, capsys):
    data = json.loads(BENCH_EXAMPLE.read_text())
    data["note"] = "measured on a \ud800 machine"
    bench = tmp_path / "b.json"
    bench.write_text(json.dumps(data))  # ensure_ascii: the surrogate is the escape \ud800, as hostile files have it
    code, _, err = run_cli(capsys, "report", TINY, "--bench", str(bench), "--out", str(tmp_path / "r"))
    assert code == 0, err
    assert "measured on a \\ud800 machine" in (tmp_path / "r" / "bench.html").read_text(encoding="utf-8")


def test_read_json_escapes_surrogates_in_keys_and_values():
    assert read_json('{"\\udc80": ["\\ud800x", "\\ud83d\\ude00"]}') == {"\\udc80": ["\\ud800x", "\U0001f600"]}


def test_not_utf8_is_one_line(tmp_path):
    (tmp_path / "b.json").write_bytes(b"\xff\xfe{}")
    with pytest.raises(InputError, match="is not a results file \\(not UTF-8 text\\)"):
        read_text(tmp_path / "b.json", "bench", "a results file")
