"""Graphviz diagrams of analysed models: the public API.

    diagram_dot(analyses, level, side_by_side=False, rankdir=RankDir.TB, expand_all=False) -> str  (DOT text)
    render(dot_source, fmt) -> bytes,  render_svg(dot_source) -> str             (graphviz.pipe: needs `dot`)

Levels: LAYER (every layer a node), MODULE (each sub-block as its module boxes, repeats collapsed to "x N"),
STAGE (stem, block1..7, top). Side by side draws several variants at stage level, one column each.
A Selection draws one part instead: a block, a sub-block (by name or the article's kind 1-3), or one module.

    figure_dot(analyses, level, side_by_side, rankdir, expand_all, selection, size) -> (DOT text, file-name stem)
    render_figure(dot_source, fmt, size=None, dpi=None) -> bytes   (on a slide, page or poster when size is given)

With a PageSize the figure is fitted onto a 16:9 slide, an A4/Letter page or an A0 poster (see page.py); the stage
level then uses the compact layouts of family.py, and figures whose text would be too small are refused.
The DOT text is built with graphviz.Digraph from the Analysis records; statements come out in insertion order, so
it is byte-identical from run to run.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from effnet_inspect.drawing.dot import RankDir
from effnet_inspect.drawing.output import DOT_MISSING, DiagramFormat, render, render_svg
from effnet_inspect.drawing.page import PageSize
from effnet_inspect.drawing.select import Selection
from effnet_inspect.errors import InputError
from effnet_inspect.files import safe_name

if TYPE_CHECKING:  # the level builders (and torch, through measure) load only when a diagram is drawn
    from effnet_inspect.analysis.measure import Analysis

__all__ = [
    "DiagramLevel",
    "DiagramFormat",
    "RankDir",
    "PageSize",
    "Selection",
    "diagram_dot",
    "figure_dot",
    "figure_dots",
    "render",
    "render_figure",
    "render_svg",
    "DOT_MISSING",
    "default_file_name",
]


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


def diagram_dot(
    analyses: Analysis | Sequence[Analysis],
    level: DiagramLevel | str = DiagramLevel.STAGE,
    side_by_side: bool = False,
    rankdir: RankDir | str = RankDir.TB,
    expand_all: bool = False,
) -> str:
    """DOT source of one model at the given level, or of several side by side (stage level only)."""
    level, rankdir = _choice(DiagramLevel, level), _choice(RankDir, rankdir)
    found = _as_list(analyses)
    if side_by_side:
        if level is not DiagramLevel.STAGE:
            raise InputError(
                f"{level.value}: side-by-side figures are drawn at stage level only; use stage (the default)",
                param="level",
            )
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
    """b0-stage.svg, b0-b7-side-by-side.svg: custom names ('w=1.3,d=1.5') become file-safe ('w1.3_d1.5'), and a
    label never becomes a path (files.safe_name)."""
    safe = [safe_name(n) for n in names]
    if side_by_side:
        stem = "-".join(safe) + "-side-by-side"
    else:
        stem = f"{safe[0]}-{level.value}"
    return f"{stem}.{fmt.value}"


def figure_dot(
    analyses: Analysis | Sequence[Analysis],
    level: DiagramLevel | str = DiagramLevel.STAGE,
    side_by_side: bool = False,
    rankdir: RankDir | str = RankDir.TB,
    expand_all: bool = False,
    selection: Selection | None = None,
    size: PageSize | str | None = None,
) -> tuple[str, str]:
    """(DOT source, file-name stem such as 'b0-stage' or 'b0-block2a-module3') of one figure.

    Without a size this is diagram_dot. With one, the stage level becomes the compact strip (one model) or, side
    by side, the models drawn to scale (a poster: the full figure, its boxes lengthened to fill the page), and a
    selection is drawn in the slide type sizes on a slide.
    """
    from effnet_inspect.drawing.style import DEFAULT, SLIDE

    level, rankdir = _choice(DiagramLevel, level), _choice(RankDir, rankdir)
    size = None if size is None else _choice(PageSize, size)
    found = _as_list(analyses)
    names = [a.name for a in found]
    if selection:
        if side_by_side or len(found) > 1:
            raise InputError("a block, sub-block or module is drawn for one model at a time")
        from effnet_inspect.drawing.select import selection_dot

        source, stem = selection_dot(found[0], selection, SLIDE if size is PageSize.SLIDE else DEFAULT, rankdir=rankdir)
        return source, safe_name(stem)  # 'b0-block2a'; a --name such as '../x' must not make it a path
    stem = default_file_name(names, level, side_by_side, DiagramFormat.DOT).removesuffix(".dot")
    if size is not None and level is DiagramLevel.STAGE and (side_by_side or len(found) == 1):
        from effnet_inspect.drawing.family import scale_dot, strip_dot

        if not side_by_side:
            return strip_dot(found[0], rankdir=rankdir), stem
        if size is PageSize.POSTER:  # room for every number: the full figure, which draws the scaling too
            return poster_dot(found, rankdir), stem
        return scale_dot(found, rankdir), stem
    return diagram_dot(found, level, side_by_side, rankdir, expand_all), stem


def figure_dots(
    analyses: Analysis | Sequence[Analysis],
    level: DiagramLevel | str = DiagramLevel.STAGE,
    side_by_side: bool = False,
    rankdir: RankDir | str = RankDir.TB,
    expand_all: bool = False,
    selection: Selection | None = None,
    size: PageSize | str | None = None,
    split: bool = False,
) -> list[tuple[str, str]]:
    """figure_dot's one figure, or with split the module level cut at stage boundaries into as many pieces as it
    takes to keep each legible on a page of the given size: [(DOT source, 'b0-module-part1'), ...]."""
    if not split:
        return [figure_dot(analyses, level, side_by_side, rankdir, expand_all, selection, size)]
    level, rankdir = _choice(DiagramLevel, level), _choice(RankDir, rankdir)
    found = _as_list(analyses)
    if size is None or level is not DiagramLevel.MODULE or side_by_side or selection or expand_all or len(found) > 1:
        raise InputError(
            "cuts one model's module level for a page: it needs the module level and a page size", param="split"
        )
    from effnet_inspect.drawing.page import fit_page, legible
    from effnet_inspect.drawing.split import TooBig, split_module_level
    from effnet_inspect.drawing.style import DEFAULT, SLIDE

    page = _choice(PageSize, size)
    look = SLIDE if page is PageSize.SLIDE else DEFAULT
    stem = default_file_name([found[0].name], level, False, DiagramFormat.DOT).removesuffix(".dot")
    try:
        pieces = split_module_level(found[0], look, lambda dot: legible(render_svg(dot), page), rankdir)
    except TooBig as exc:  # fit_page says how small its text would be, in the page's words
        fit_page(render_svg(exc.dot), page, f"{found[0].name}'s {exc.stage} alone")
        raise
    return [(dot, f"{stem}-part{n}") for n, (dot, _) in enumerate(pieces, start=1)]


def poster_dot(analyses: Sequence[Analysis], rankdir: RankDir) -> str:
    """The side-by-side figure shaped for a portrait poster: drawn downwards, each repeat lengthens its box until
    the figure is as tall, for its width, as the poster (drawn once to measure, once to fill)."""
    from effnet_inspect.drawing.page import parse
    from effnet_inspect.drawing.stage import REPEAT_STEP, columns_dot, repeats_along

    dot = columns_dot(analyses, rankdir)
    if rankdir is not RankDir.TB or not repeats_along(analyses):
        return dot
    figure, page = parse(render_svg(dot)), PageSize.POSTER.spec
    wanted = figure.width * (page.height - 2 * page.margin) / (page.width - 2 * page.margin)
    extra = max(0.0, wanted - figure.height) / 72 / repeats_along(analyses)  # points to inches, per repeat
    return columns_dot(analyses, rankdir, REPEAT_STEP + extra)


def render_figure(
    dot_source: str,
    fmt: DiagramFormat | str = DiagramFormat.SVG,
    size: PageSize | str | None = None,
    dpi: int | None = None,
    what: str = "the figure",
) -> bytes:
    """The figure as bytes: as drawn, or fitted onto a page of the given size (InputError if it would be
    illegible there). dpi sets the PNG resolution (default: 96, so a slide is 1920 x 1080 pixels)."""
    fmt = _choice(DiagramFormat, fmt)
    if dpi is not None and not 10 <= dpi <= 1200:
        raise InputError(f"must be between 10 and 1200, got {dpi}", param="dpi")
    if size is None:
        return render(dot_source, fmt, dpi)
    if fmt is DiagramFormat.DOT:
        raise InputError("a page size applies to svg, png and pdf, not dot", param="size")
    from effnet_inspect.drawing.page import check_raster, export, fit_page

    if fmt is DiagramFormat.PNG:
        check_raster(_choice(PageSize, size), dpi or 96)  # before the drawing: cairo would fail after it

    return export(fit_page(render_svg(dot_source), _choice(PageSize, size), what), fmt, dpi)
