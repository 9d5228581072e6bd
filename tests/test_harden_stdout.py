"""One writer for stdout: UTF-8 bytes whatever the locale; a full, closed or failing stdout is one line and status 2;
a reader that goes away ends the command quietly, by SIGPIPE as Unix tools do; other threads' printing goes to
stderr. The real cases run the console script: /dev/full, `>&-`, LANG=C with an ASCII-only encoding, `| head`."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers import one_line_exit_2, run_cli

from effnet_inspect.cli import main
from effnet_inspect.cli.stdout import Guard, guarded

ROOT = Path(__file__).resolve().parents[1]
TINY = "w=0.25,d=0.25,r=32"


def _console(*argv: str, stdout=subprocess.PIPE, env: dict | None = None, shell_prefix: str = "", cwd=None) -> tuple:
    """(status, stdout bytes, stderr text) of `python -m effnet_inspect ARGV` in cwd (stdout redirected as given)."""
    command = [sys.executable, "-m", "effnet_inspect", *argv]
    if shell_prefix:  # a redirection only a shell can make, e.g. '>&-'
        command = ["sh", "-c", f'exec "$@" {shell_prefix}', "sh", *command]
    done = subprocess.run(
        command,
        stdout=stdout,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )
    return done.returncode, done.stdout, done.stderr.decode("utf-8", "replace")


@pytest.mark.e2e
def test_a_full_stdout_is_one_line_and_exit_2(tmp_path):
    with open("/dev/full", "wb") as full:
        code, _, err = _console("table", TINY, stdout=full, cwd=tmp_path)
    one_line_exit_2(code, "", err, "cannot write to stdout: No space left on device; name a file with --out")


@pytest.mark.e2e
def test_a_closed_stdout_is_one_line_and_exit_2(tmp_path):
    code, _, err = _console("table", TINY, shell_prefix=">&-", cwd=tmp_path)
    one_line_exit_2(code, "", err, "stdout is closed; redirect it to a file (> FILE) or name one with --out")


@pytest.mark.e2e
def test_utf8_whatever_the_locale(tmp_path):
    """DOT text has '·' in its labels: with LANG=C and an ASCII-only stdout it used to be UnicodeEncodeError."""
    ascii_only = {"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "ascii"}
    code, out, err = _console("diagram", TINY, "--format", "dot", env=ascii_only, cwd=tmp_path)
    assert code == 0 and err == "", err
    assert out.startswith(b"digraph") and "\u00b7" in out.decode("utf-8")


@pytest.mark.e2e
def test_a_reader_that_goes_away_ends_it_quietly_by_sigpipe(tmp_path):
    import fcntl

    proc = subprocess.Popen(
        [sys.executable, "-m", "effnet_inspect", "summary", TINY],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, 4096)  # smaller than the listing: its writes must block
    assert proc.stdout.read(6) == b"Model:"
    proc.stdout.close()  # `| head -c 6`
    err = proc.stderr.read()
    assert proc.wait(timeout=600) == -signal.SIGPIPE and err == b""


def test_other_threads_print_to_stderr_while_a_command_runs(capsys):
    with guarded():
        thread = threading.Thread(target=print, args=("from a thread",))
        thread.start()
        thread.join()
        print("from the command")
    out, err = capsys.readouterr()
    assert out == "from the command\n" and err == "from a thread\n"


def test_text_that_utf8_cannot_encode_is_escaped_not_crashed_on():
    raw = io.BytesIO()
    guard = Guard(io.TextIOWrapper(raw, encoding="ascii"))
    guard.write("caf\u00e9 \ud800\n")
    guard.flush()
    assert raw.getvalue() == "caf\u00e9 \\ud800\n".encode()


@pytest.mark.parametrize(
    "stream,message", [(None, "stdout is closed"), ("closed", "stdout is closed"), ("full", "No space left on device")]
)
def test_failing_stdout_in_process(capsys, monkeypatch, stream, message):
    class Full(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            raise OSError(28, "No space left on device")

    if stream == "closed":
        stream = io.TextIOWrapper(io.BytesIO())
        stream.close()
    elif stream == "full":
        stream = io.TextIOWrapper(io.BufferedWriter(Full()))
    monkeypatch.setattr(sys, "stdout", stream)
    code = main(["table", TINY, "--format", "csv"])
    err = capsys.readouterr().err
    one_line_exit_2(code, "", err, message)


def test_dev_stdout_is_stdout(capsys):
    """--out /dev/stdout goes through the one writer too (the console script points descriptor 1 at stderr)."""
    code, out, err = run_cli(capsys, "table", TINY, "--format", "csv", "--out", "/dev/stdout")
    assert code == 0 and out.startswith("variant,") and err == ""
