"""The machine a benchmark runs on: how many threads torch uses, how many cores there are, and how busy they are.

Timings on a CPU shared with other work are slow and noisy, and torch's thread pool makes it worse: every
operator waits at a barrier for all its threads, so with more runnable work than cores each pass waits for a
descheduled thread again and again (on a 2-core machine at load 10, B0 ran many times slower on two threads
than on one). So the thread count is the user's to set (--threads, recorded in the results) and a busy machine is said
so before anything is measured.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch


def cores() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def load_average() -> tuple[float, ...]:
    """The 1, 5 and 15-minute load averages, or () where the platform has none."""
    try:
        return tuple(round(x, 2) for x in os.getloadavg())
    except (AttributeError, OSError):
        return ()


def load_now() -> float | None:
    load = load_average()
    return load[0] if load else None


@contextlib.contextmanager
def cpu_threads(threads: int | None) -> Iterator[int]:
    """torch's intra-op thread count set to `threads` (None: left as it is) for the block, then restored."""
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(previous)


def busy() -> bool:
    """Whether the 1-minute load is above the cores: more work wants to run than there are CPUs for it."""
    load = load_now()
    return load is not None and load > cores()


def busy_warning() -> str | None:
    """A one-line warning when the machine is busy, else None."""
    load, available, threads = load_now(), cores(), torch.get_num_threads()
    if not busy():
        return None
    advice = "; --threads 1 suffers least from it" if threads > 1 else ""
    return (
        f"the machine is busy (load average {load:.1f} on {available} core{'s' if available > 1 else ''}): "
        f"timings will be slower and noisier than on a quiet machine{advice}"
    )
