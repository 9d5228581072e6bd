"""Graphviz diagrams of analysed models: the public API.

    diagram_dot(analyses, level, side_by_side=False, rankdir=RankDir.TB, expand_all=False) -> str  (DOT text)
    render(dot_source, fmt) -> bytes,  render_svg(dot_source) -> str             (graphviz.pipe: needs `dot`)

Levels: LAYER (every layer a node), MODULE (each sub-block as its module boxes, repeats collapsed to "x N"),
STAGE (stem, block1..7, top). Side by side draws several variants at stage level, one column each.
The DOT text is built with graphviz.Digraph from the Analysis records; statements come out in insertion order, so
it is byte-identical from run to run.
"""
from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Sequence, TypeVar

from effnet_inspect.drawing.dot import RankDir
from effnet_inspect.drawing.output import DOT_MISSING, DiagramFormat, render, render_svg
from effnet_inspect.errors import InputError

if TYPE_CHECKING:  # the level builders (and torch, through measure) load only when a diagram is drawn
    from effnet_inspect.analysis.measure import Analysis

__all__ = ["DiagramLevel", "DiagramFormat", "RankDir", "diagram_dot", "render", "render_svg", "DOT_MISSING",
           "default_file_name"]


class DiagramLevel(enum.Enum):
    LAYER = "layer"
    MODULE = "module"
    STAGE = "stage"


E = TypeVar("E", bound=enum.Enum)


def _choice(kind: type[E], value: object) -> E:
    """An enum member from itself or its (case-insensitive) value, else a one-line error naming the choices."""
    if isinstance(value, kind):
        return value
    try:
        return kind(str(value).lower())
    except ValueError:
        choices = ", ".join(e.value for e in kind)
        raise InputError(f"unknown {kind.__name__} {value!r}; valid: {choices}") from None


def _as_list(analyses: Analysis | Sequence[Analysis]) -> list[Analysis]:
    from effnet_inspect.analysis.measure import Analysis

    found = [analyses] if isinstance(analyses, Analysis) else list(analyses)
    if not found:
        raise InputError("no model to draw: give at least one variant")
    return found


def diagram_dot(analyses: Analysis | Sequence[Analysis], level: DiagramLevel | str = DiagramLevel.STAGE,
                side_by_side: bool = False, rankdir: RankDir | str = RankDir.TB, expand_all: bool = False) -> str:
    """DOT source of one model at the given level, or of several side by side (stage level only)."""
    level, rankdir = _choice(DiagramLevel, level), _choice(RankDir, rankdir)
    found = _as_list(analyses)
    if side_by_side:
        if level is not DiagramLevel.STAGE:
            raise InputError(f"{level.value}: side-by-side figures are drawn at stage level only; use stage "
                             "(the default)", param="level")
        from effnet_inspect.drawing.stage import columns_dot

        return columns_dot(found, rankdir)
    if len(found) > 1:
        raise InputError(f"{len(found)} models given: draw them side by side, or one diagram per model")
    a = found[0]
    if level is DiagramLevel.LAYER:
        from effnet_inspect.drawing.layer import layer_dot

        return layer_dot(a, rankdir)
    if level is DiagramLevel.MODULE:
        from effnet_inspect.drawing.module import module_dot

        return module_dot(a, rankdir, expand_all)
    from effnet_inspect.drawing.stage import columns_dot

    return columns_dot([a], rankdir)


def default_file_name(names: Sequence[str], level: DiagramLevel, side_by_side: bool, fmt: DiagramFormat) -> str:
    """b0-stage.svg, b0-b7-side-by-side.svg: custom names ('w=1.3,d=1.5') become file-safe ('w1.3_d1.5')."""
    safe = ["".join(c if c.isalnum() or c in ".-" else "_" for c in n.replace("=", "")).strip("_.") or "model"
            for n in names]
    if side_by_side:
        stem = "-".join(safe) + "-side-by-side"
    else:
        stem = f"{safe[0]}-{level.value}"
    return f"{stem}.{fmt.value}"
