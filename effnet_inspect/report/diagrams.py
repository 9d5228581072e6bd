"""The report's use of effnet_inspect.drawing: which drawings each page gets, with their alt text and captions.

Without Graphviz' `dot` the report is still written, without drawings, and says so (stderr and on the pages).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from effnet_inspect.analysis.measure import Analysis

if TYPE_CHECKING:
    from effnet_inspect.drawing import DiagramLevel

DIAGRAMS_AVAILABLE = shutil.which("dot") is not None
_warned = False


def _available() -> bool:
    global _warned
    if not DIAGRAMS_AVAILABLE and not _warned:
        from effnet_inspect.drawing import DOT_MISSING

        print(f"effnet-inspect: warning: {DOT_MISSING}; the report is written without diagrams", file=sys.stderr)
        _warned = True
    return DIAGRAMS_AVAILABLE


def _svg(analyses: Sequence[Analysis], level: DiagramLevel, side_by_side: bool = False, rankdir: str = "TB") -> str:
    from effnet_inspect.drawing import diagram_dot, render_svg

    return render_svg(diagram_dot(list(analyses), level, side_by_side=side_by_side, rankdir=rankdir))


# (level, what the reader sees, whether it is too big to shrink to the page width)
_LEVELS = (
    (
        "stage",
        "Stage level: stem, the seven blocks and the top, with repeats, channels, resolution, kernel, "
        "stride, expand ratio, parameters and MACs.",
        False,
    ),
    (
        "module",
        "Module level: each sub-block as its module boxes (expansion, Module 1-5) with the layers inside; "
        "consecutive sub-blocks of the same shape are collapsed into one box marked xN.",
        True,
    ),
    (
        "layer",
        "Layer level: every layer a node, clusters for stem, blocks and sub-blocks; the squeeze-and-"
        "excitation branches and skip connections are drawn as real edges.",
        True,
    ),
)


def variant_diagrams(a: Analysis) -> list[tuple[str, str, str, str, bool]]:
    """(level, alt, caption, SVG text, scroll) for each level, most compact first; [] without Graphviz."""
    if not _available():
        return []
    from effnet_inspect.drawing import DiagramLevel

    return [
        (level, f"{level.capitalize()}-level diagram of {a.name}", caption, _svg([a], DiagramLevel(level)), scroll)
        for level, caption, scroll in _LEVELS
    ]


def wide_stage_svg(a: Analysis) -> str | None:
    """The stage level drawn left to right: one strip that fits a wide screen; None without Graphviz."""
    if not _available():
        return None
    from effnet_inspect.drawing import DiagramLevel

    return _svg([a], DiagramLevel.STAGE, rankdir="LR")


def side_by_side_svg(analyses: Sequence[Analysis]) -> str | None:
    """The stage-level figure of several models, one column each; None without Graphviz."""
    if not _available():
        return None
    from effnet_inspect.drawing import DiagramLevel

    return _svg(analyses, DiagramLevel.STAGE, side_by_side=True)


def module_colours() -> list[tuple[str, str, str]]:
    """(colour, name, meaning) of stem, each module type and top: the diagrams' own colour key."""
    from effnet_inspect.drawing.style import module_legend_entries

    return module_legend_entries()
