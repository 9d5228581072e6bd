"""Long work: a progress bar per item on stderr (tqdm, quiet when stderr is not a terminal unless forced), and
Ctrl-C (SIGINT) handled once and always honoured.

Python raises KeyboardInterrupt wherever the main thread happens to be when SIGINT arrives. Raised inside a
finalizer or a weakref callback (torch runs many) it is printed as "Exception ignored in ..." and lost, and the
run would finish as if nothing happened. So the handler also records the interrupt, and check() raises it again
at the next safe point: every step of a progress bar and every file write. Once the command is stopping
(stopping()), further Ctrl-C presses are recorded but raise nothing, so the clean-up prints no traceback.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def progress(
    items: Sequence[T], desc: str, label: Callable[[T], str] = str, enabled: bool | None = None, unit: str = "variant"
) -> Iterator[T]:
    """Yield items while showing which one is being worked on (and honouring a Ctrl-C lost on its way)."""
    from tqdm import tqdm

    show = sys.stderr.isatty() if enabled is None else enabled
    with tqdm(
        total=len(items),
        desc=desc,
        unit=unit,
        disable=not show,
        file=sys.stderr,
        bar_format="{desc}: {n_fmt}/{total_fmt} |{bar}| {postfix} [{elapsed}]",
        leave=True,
    ) as bar:
        for item in items:
            check()
            bar.set_postfix_str(label(item))
            yield item
            bar.update(1)
        check()


# ------------------------------------------------------------------------------------------------- Ctrl-C
_received = 0
_stopping = False
_deferring = False  # inside deferred(): a Ctrl-C waits for the block to end
_process_wide = False  # install() ran: the console script owns SIGINT until the process exits


def _handler(signum: int, frame: object) -> None:
    global _received
    _received += 1
    if not _stopping and not _deferring:
        raise KeyboardInterrupt


def install() -> None:
    """The console script's first act, before anything heavy is imported: SIGINT handled for the rest of the
    process (a Ctrl-C while torch imports is one line and status 130, not a traceback), and an interrupt that C
    code swallowed (a cffi callback of cairo, a finalizer) kept quiet: it is recorded, and check() raises it again.
    """
    global _process_wide
    signal.signal(signal.SIGINT, _handler)
    previous = sys.unraisablehook

    def hook(info: Any) -> None:
        if issubclass(info.exc_type, KeyboardInterrupt) or _received:
            return  # the interrupt, or what it broke on its way: the command reports it as one line
        previous(info)

    sys.unraisablehook = hook
    _process_wide = True


@contextlib.contextmanager
def handled(keep_after_interrupt: bool = False) -> Iterator[None]:
    """Install the handler for the duration of one command (only the main thread can); inside the console script,
    where install() already did, the process-wide handler stays as it is.

    keep_after_interrupt: the process exits right after this command (the console script), so once it was
    interrupted, Ctrl-C stays ignored: a second press during the exit must not turn status 130 into a traceback,
    nor, once Python's shutdown has put the default handler back, into death by signal. (SIG_IGN is the one
    disposition that shutdown leaves alone.)
    """
    global _received, _stopping
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _process_wide and signal.getsignal(signal.SIGINT) is _handler:
        try:
            yield
        finally:
            if keep_after_interrupt and _received:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
        return
    _received, _stopping = 0, False
    previous = signal.signal(signal.SIGINT, _handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN if keep_after_interrupt and _received else previous)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A block that must not stop half-way (swapping an output folder in): Ctrl-C meanwhile is honoured after it."""
    global _deferring
    previous, _deferring = _deferring, True
    try:
        yield
    finally:
        _deferring = previous
    check()


def interrupted() -> bool:
    return _received > 0


def stopping() -> None:
    """The command is handling the interrupt: from now on Ctrl-C raises nothing."""
    global _stopping
    _stopping = True


def check() -> None:
    """Raise the interrupt again if one was received but swallowed on its way."""
    if _received and not _stopping:
        raise KeyboardInterrupt
