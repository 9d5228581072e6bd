"""The fence around other people's code (a --model factory: its import, its build, its forward pass).

While it runs, what it writes to stdout is held back, from print() (any thread) and from file descriptor 1 alike
(C code, a subprocess it starts), and goes to stderr once it returned; a failure is the one line that says why,
without it. When it is done, whatever it changed of the process is put back: the working directory, sys.path,
sys.stdout and sys.stderr, the Ctrl-C handler and torch's default dtype. Output paths are made absolute before it
runs (effnet_inspect.files.anchored), so a factory that changes directory, even from a thread it leaves running,
cannot move them; and the console script exits when the work is done, whatever threads it left
(effnet_inspect.__main__).
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from typing import Any

import torch


@contextlib.contextmanager
def fenced() -> Iterator[None]:
    """Run the block as other people's code (see the module docstring); its stdout reaches stderr on success."""
    held_text = io.StringIO()
    with _held_descriptor() as held_bytes, _restored_state():
        with contextlib.redirect_stdout(held_text):
            yield
    sys.stderr.write(held_text.getvalue())
    if held_bytes:
        sys.stderr.flush()
        stderr = getattr(sys.stderr, "buffer", None)
        if stderr is not None:
            stderr.write(held_bytes)
            stderr.flush()
        else:
            sys.stderr.write(held_bytes.decode("utf-8", "backslashreplace"))


@contextlib.contextmanager
def _held_descriptor() -> Iterator[bytearray]:
    """File descriptor 1 points at an unnamed temporary file meanwhile; yields what was written there (filled in
    when the block ends)."""
    held = bytearray()
    try:
        saved = os.dup(1)
    except OSError:  # no descriptor 1 to fence (an embedding that closed it): nothing can leak through it either
        yield held
        return
    with tempfile.TemporaryFile() as spool:
        _flush_c_stdio()
        os.dup2(spool.fileno(), 1)
        try:
            yield held
        finally:
            _flush_c_stdio()  # what C code buffered goes into the spool, not to our stdout later
            os.dup2(saved, 1)
            os.close(saved)
            spool.seek(0)
            held += spool.read()


@contextlib.contextmanager
def _restored_state() -> Iterator[None]:
    path, streams, dtype = list(sys.path), (sys.stdout, sys.stderr), torch.get_default_dtype()
    main = threading.current_thread() is threading.main_thread()
    handler = signal.getsignal(signal.SIGINT) if main else None
    try:
        folder: int | None = os.open(".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        folder = None
    try:
        yield
    finally:
        sys.path[:] = path
        sys.stdout, sys.stderr = streams
        torch.set_default_dtype(dtype)
        if main and handler is not None and signal.getsignal(signal.SIGINT) is not handler:
            signal.signal(signal.SIGINT, handler)
        if folder is not None:
            with contextlib.suppress(OSError):
                os.fchdir(folder)
            os.close(folder)


def _flush_c_stdio() -> None:
    with contextlib.suppress(Exception):
        libc: Any = ctypes.CDLL(None)
        libc.fflush(None)
