"""effnet_inspect.diagram(): a Graphviz drawing as an object with its DOT source, its SVG and a save()."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from effnet_inspect.api.checks import checked
from effnet_inspect.api.sources import Kwargs, Model, Sources, analyses, choice, save_format
from effnet_inspect.drawing import DiagramFormat, DiagramLevel, RankDir, default_file_name, diagram_dot, render
from effnet_inspect.errors import InputError

FORMAT_BY_SUFFIX = {f".{f.value}": f for f in DiagramFormat} | {".gv": DiagramFormat.DOT}


@dataclass(frozen=True, repr=False)
class Diagram:
    """One drawing: `.dot` (Graphviz source, needs no Graphviz), `.svg`, `render(format)`, `save(path)`.

    A notebook shows the SVG; module- and layer-level drawings scroll inside a frame at their natural size.

    >>> d = ei.diagram("b0", level="stage")
    >>> d.dot.startswith("digraph"), "<svg" in d.svg, d.file_name("png")
    (True, True, 'b0-stage.png')
    """

    dot: str
    names: tuple[str, ...]  # the models drawn, in order
    level: DiagramLevel
    side_by_side: bool = False

    @functools.cached_property
    def svg(self) -> str:
        """The SVG text (byte-identical for the same DOT source and Graphviz version)."""
        return self.render(DiagramFormat.SVG).decode("utf-8")

    def render(self, format: DiagramFormat | str = DiagramFormat.SVG) -> bytes:
        """The drawing as bytes: svg, png or pdf (drawn by Graphviz' `dot`), or dot (the source itself)."""
        return render(self.dot, choice(DiagramFormat, format, "format"))

    def file_name(self, format: DiagramFormat | str = DiagramFormat.SVG) -> str:
        """The command line's default file name: b0-stage.svg, b0-b4-b7-side-by-side.png."""
        return default_file_name(self.names, self.level, self.side_by_side, choice(DiagramFormat, format, "format"))

    @checked
    def save(self, path: str | os.PathLike, format: DiagramFormat | str | None = None) -> Path:
        """Write the drawing atomically; the format comes from `format`, else the extension (.svg .png .pdf .dot
        .gv), else svg."""
        from effnet_inspect.files import write_atomic

        fmt = save_format(DiagramFormat, path, format, FORMAT_BY_SUFFIX, DiagramFormat.SVG)
        data = self.render(fmt)
        return write_atomic(path, data.decode("utf-8") if fmt.is_text else data)

    @property
    def title(self) -> str:
        joined = ", ".join(self.names)
        return (
            f"Side-by-side diagram of {joined}"
            if self.side_by_side
            else f"{self.level.value.capitalize()}-level diagram of {joined}"
        )

    def __repr__(self) -> str:
        return f"<Diagram: {self.title}; {len(self.dot.splitlines())} lines of DOT in .dot, SVG in .svg>"

    def _repr_svg_(self) -> str | None:
        from effnet_inspect.api.display import svg_or_reason

        return svg_or_reason(self.dot)[0]  # None: no SVG to show (Graphviz missing); the HTML says why

    def _repr_html_(self) -> str:
        from effnet_inspect.api.display import render as render_html
        from effnet_inspect.api.display import svg_or_reason

        svg, missing = svg_or_reason(self.dot)
        return render_html(
            "diagram.html", svg=svg, label=self.title, missing=missing, scroll=self.level is not DiagramLevel.STAGE
        )


@checked
def diagram(
    variants: Sources = None,
    level: DiagramLevel | str = DiagramLevel.STAGE,
    *,
    side_by_side: bool = False,
    rankdir: RankDir | str = RankDir.TB,
    expand: bool = False,
    include_top: bool = True,
    resolution: int | None = None,
    model: Model | None = None,
    kwargs: Kwargs = None,
    name: str | None = None,
) -> Diagram:
    """A Graphviz drawing of one model at stage, module or layer level, or of several side by side
    (`effnet-inspect diagram`).

    variants: one variant ('b0', 'phi=2.5', a Variant or Analysis), or several with side_by_side=True (default
    B0-B7 then). level: stage (default), module or layer. rankdir: TB (downwards) or LR. expand: at module level,
    draw every sub-block instead of collapsing identical ones into 'x N'. model: another implementation instead
    (an nn.Module, or 'MODULE:CALLABLE' with `kwargs`), called `name` (also in the default file name).

    >>> d = ei.diagram(["b0", "b4", "b7"], side_by_side=True, rankdir="LR")
    >>> d.names, d.file_name()
    (('b0', 'b4', 'b7'), 'b0-b4-b7-side-by-side.svg')
    """
    level, rankdir = choice(DiagramLevel, level, "level"), choice(RankDir, rankdir, "rankdir")
    if side_by_side and level is not DiagramLevel.STAGE:
        raise InputError(
            f"{level.value}: side-by-side figures are drawn at stage level only; use stage (the default)", param="level"
        )
    if expand and level is not DiagramLevel.MODULE:
        raise InputError(f"applies to the module level only, not {level.value}", param="expand")
    if variants is None and model is None and not side_by_side:
        raise InputError("nothing to draw: give a variant (or several, side by side) or a model")
    found = analyses(variants, model, kwargs, include_top, resolution, name)
    dot = diagram_dot(found, level, side_by_side, rankdir, expand)
    return Diagram(dot, tuple(a.name for a in found), level, side_by_side)
