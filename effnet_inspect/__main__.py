"""The console script `effnet-inspect` (and `python -m effnet_inspect`): the process around one command.

Before anything heavy is imported (the command line imports torch, Graphviz, cairo), it
- handles Ctrl-C for the whole process (effnet_inspect.progress.install), so that an interrupt during the imports
  is one line and status 130 like one anywhere else;
- gives descriptors 0-2 something to point at when the caller closed them (`>&-`), so that no file the command
  opens can become "stdout" by accident; a closed stdout is remembered, and writing to it is one line, status 2;
- moves the real stdout to a private descriptor, wrapped as UTF-8 whatever the locale, and points descriptor 1 at
  stderr: only the command line's one writer (effnet_inspect.cli.stdout) reaches stdout, never C code, a
  subprocess or a --model factory writing to descriptor 1.
After the command it exits at once with the command's status, also while threads that a --model factory started
are still running; a reader of stdout that went away ends the process by SIGPIPE, as Unix tools do.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
from typing import NoReturn

from effnet_inspect.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_PIPE


def main() -> NoReturn:
    from effnet_inspect import progress

    progress.install()
    code = EXIT_INTERRUPTED
    try:
        _claim_descriptors()
        from effnet_inspect.cli import main as run_command

        code = run_command()
        progress.stopping()  # the work is done: a Ctrl-C from now on changes nothing
    except KeyboardInterrupt:  # during the imports, before the command's own handling
        _say("effnet-inspect: interrupted")
    except SystemExit as exc:  # argparse: usage errors (2) and --help / --version (0)
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_INPUT)
    _exit(code, interrupted=progress.interrupted())


def _claim_descriptors() -> None:
    closed = set()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.add(fd)
    for fd in closed:  # the lowest free descriptor is the one just closed: os.open fills it
        os.dup2(os.open(os.devnull, os.O_RDWR), fd)
    if 2 in closed:
        sys.stderr = io.TextIOWrapper(open(2, "wb", closefd=False), errors="backslashreplace", line_buffering=True)
    real = None if 1 in closed else os.dup(1)  # not inherited by subprocesses (os.dup's default)
    os.dup2(2, 1)
    if real is None:
        sys.stdout = None  # the one writer says "stdout is closed", in one line
    else:
        sys.stdout = io.TextIOWrapper(open(real, "wb"), encoding="utf-8", errors="backslashreplace")


def _exit(code: int, interrupted: bool) -> NoReturn:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the work is done: a late Ctrl-C changes nothing now
    flushed = True
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # reported already (stdout), or nowhere left to report it (stderr)
            flushed = False
    if code == EXIT_PIPE:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)
    left = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if left or interrupted or not flushed:  # Python's shutdown would wait for those threads, or flush in vain
        os._exit(code)
    sys.exit(code)


def _say(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    main()
