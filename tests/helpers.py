"""Plain helpers shared by test modules (fixtures live in conftest.py)."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable

from effnet_inspect.analysis.measure import Analysis, analyze

GOLDEN = Path(__file__).parent / "golden"


@functools.lru_cache(maxsize=None)
def cached_analysis(variant: str, include_top: bool = True) -> Analysis:
    """Analyses are deterministic: one per (variant, top) per test session."""
    return analyze(variant, include_top=include_top)


class Golden:
    """Compare output with tests/golden/NAME, or rewrite it with --update-golden.

    Every golden check carries invariants that do not depend on the file (counts, totals, names that must appear):
    they run first in both modes, so a wrong output fails the test even while the files are being rewritten.
    """

    def __init__(self, update: bool):
        self.update = update

    def check(self, name: str, text: str, invariants: Callable[[str], None], folder: Path = GOLDEN) -> None:
        invariants(text)
        path = folder / name
        if self.update:
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"missing {path}: run pytest --update-golden once"
        assert text == path.read_text(encoding="utf-8"), \
            f"{name} changed; if intended, rewrite it with: python -m pytest --update-golden"
