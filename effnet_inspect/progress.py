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
from typing import TypeVar

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


def _handler(signum: int, frame: object) -> None:
    global _received
    _received += 1
    if not _stopping:
        raise KeyboardInterrupt


@contextlib.contextmanager
def handled(keep_after_interrupt: bool = False) -> Iterator[None]:
    """Install the handler for the duration of one command (only the main thread can).

    keep_after_interrupt: the process exits right after this command (the console script), so once it was
    interrupted, Ctrl-C stays ignored: a second press during the exit must not turn status 130 into a traceback,
    nor, once Python's shutdown has put the default handler back, into death by signal. (SIG_IGN is the one
    disposition that shutdown leaves alone.)
    """
    global _received, _stopping
    _received, _stopping = 0, False
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN if keep_after_interrupt and _received else previous)


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
