"""A progress bar per item on stderr (tqdm), quiet when stderr is not a terminal unless forced.

Each step is also a point where a Ctrl-C that got lost on its way is honoured (effnet_inspect.interrupt).
"""
from __future__ import annotations

import sys
from typing import Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")


def progress(items: Sequence[T], desc: str, label: Callable[[T], str] = str,
             enabled: bool | None = None, unit: str = "variant") -> Iterator[T]:
    """Yield items while showing which one is being worked on."""
    from tqdm import tqdm

    from effnet_inspect.interrupt import check

    show = sys.stderr.isatty() if enabled is None else enabled
    with tqdm(total=len(items), desc=desc, unit=unit, disable=not show, file=sys.stderr,
              bar_format="{desc}: {n_fmt}/{total_fmt} |{bar}| {postfix} [{elapsed}]", leave=True) as bar:
        for item in items:
            check()
            bar.set_postfix_str(label(item))
            yield item
            bar.update(1)
        check()
