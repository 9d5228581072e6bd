"""The one writer of stdout: every command's output reaches stdout through here, as UTF-8 bytes whatever the locale.

While a command runs, sys.stdout is a Guard around the real stdout (see guarded()): the thread that runs the command
writes through it (print() and emit() alike); any other thread, such as one a --model factory left running, is sent
to stderr, so that JSON on stdout stays JSON. A stdout that cannot be written is one line and status 2: closed
(`>&-`), full (`> /dev/full`) or failing; a reader that went away (`| head`) is ReaderGone, which the command line
ends quietly, as Unix tools do.

The console script (effnet_inspect.__main__) goes further before anything is imported: it gives the real stdout a
private file descriptor and points descriptor 1 at stderr, so that C code and subprocesses writing to fd 1 cannot
reach stdout either.
"""

from __future__ import annotations

import contextlib
import errno
import io
import sys
import threading
from collections.abc import Iterator
from typing import Any

from effnet_inspect.errors import InputError

CLOSED = "stdout is closed; redirect it to a file (> FILE) or name one with --out"


class StdoutError(InputError):
    """stdout cannot be written (closed, full, an I/O error): the user's environment, reported as one line."""


class ReaderGone(BrokenPipeError):
    """stdout's reader went away (`| head`): the command ends quietly (another broken pipe is an error)."""


@contextlib.contextmanager
def _mapped() -> Iterator[None]:
    """OSError and friends from writing stdout, as the command line reports them."""
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            raise ReaderGone(errno.EPIPE, "Broken pipe") from None
        raise StdoutError(f"cannot write to stdout: {exc.strerror or exc}; name a file with --out instead") from None
    except ValueError:  # "I/O operation on closed file": closed at the Python level
        raise StdoutError(CLOSED) from None


class Guard(io.TextIOBase):
    """sys.stdout during a command: the owner thread's text reaches the real stdout as UTF-8 bytes (a lone
    surrogate escaped, never a crash); other threads' text goes to stderr."""

    def __init__(self, real: Any):
        super().__init__()
        self.real = real
        self.owner = threading.current_thread()
        self.failed = False  # reported once: what is left in the buffers is not flushed again

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if threading.current_thread() is not self.owner:
            stderr = sys.stderr
            if stderr is not None and stderr is not self:
                with contextlib.suppress(OSError, ValueError):
                    stderr.write(text)
            return len(text)
        self.write_bytes(text.encode("utf-8", "backslashreplace"))
        return len(text)

    def write_bytes(self, data: bytes) -> None:
        if self.real is None:
            raise StdoutError(CLOSED)
        with self._failing(), _mapped():
            buffer = getattr(self.real, "buffer", None)
            if buffer is None:  # a text-only stream (io.StringIO): the text itself
                self.real.write(data.decode("utf-8"))
                return
            self.real.flush()  # whatever was written as text before goes first
            buffer.write(data)
            buffer.flush()  # a terminal sees each line as it comes; a full disk fails here

    def flush(self) -> None:
        if self.real is None or self.failed:
            return
        with self._failing(), _mapped():
            self.real.flush()
            buffer = getattr(self.real, "buffer", None)
            if buffer is not None:
                buffer.flush()

    @contextlib.contextmanager
    def _failing(self) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self.failed = True
            raise

    def isatty(self) -> bool:
        try:
            return self.real is not None and bool(self.real.isatty())
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self.real is None:
            raise io.UnsupportedOperation(CLOSED)
        return int(self.real.fileno())


@contextlib.contextmanager
def guarded() -> Iterator[Guard]:
    """sys.stdout is a Guard for the duration (flushed at the end, so that a full disk is reported here)."""
    previous = sys.stdout
    guard = previous if isinstance(previous, Guard) else Guard(previous)
    sys.stdout = guard
    try:
        yield guard
        guard.flush()
    finally:
        sys.stdout = previous


def write(data: str | bytes) -> None:
    """Write a command's output to stdout (inside or outside guarded())."""
    guard = sys.stdout if isinstance(sys.stdout, Guard) else Guard(sys.stdout)
    guard.write_bytes(data.encode("utf-8", "backslashreplace") if isinstance(data, str) else data)
    guard.flush()
