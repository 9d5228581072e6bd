"""Tables for slides, drawn by Graphviz as one HTML-like table: text stays text in SVG and PDF, set in the slide
type sizes, with the stage colours in the first column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from effnet_inspect.drawing import render_svg
from effnet_inspect.drawing.dot import RankDir, html, html_escape
from effnet_inspect.drawing.style import SLIDE, new_graph
from effnet_inspect.render.palette import stage_colors


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    colors: Sequence[str | None] = ()  # the first cell's background, row by row
    bold_last: bool = False  # a totals row
    left: int = 1  # how many leading columns are text (left-aligned); the rest are numbers


def _cell(text: str, align: str, bold: bool, color: str | None, size: int) -> str:
    fill = f' bgcolor="{color}"' if color else ""
    if not text:  # Graphviz refuses an empty <font> element
        return f"<td{fill}> </td>"
    lines = "<br/>".join(html_escape(line) for line in text.split("\n"))  # a cell may hold several lines
    shown = f"<b>{lines}</b>" if bold else lines
    return f'<td align="{align}" balign="{align}" valign="top"{fill}><font point-size="{size}">{shown}</font></td>'


def table_svg(table: Table, name: str = "table") -> str:
    look = SLIDE
    lines = [
        "".join(
            _cell(h, "left" if i < table.left else "right", True, "#e8e8e8", look.text)
            for i, h in enumerate(table.header)
        )
    ]
    for number, row in enumerate(table.rows):
        last = table.bold_last and number == len(table.rows) - 1
        color = table.colors[number] if number < len(table.colors) else None
        lines.append(
            "".join(
                _cell(
                    value, "left" if i < table.left else "right", last or i == 0, color if i == 0 else None, look.text
                )
                for i, value in enumerate(row)
            )
        )
    markup = (
        '<table border="0" cellborder="1" cellspacing="0" cellpadding="7" color="#bbbbbb">'
        + "".join(f"<tr>{line}</tr>" for line in lines)
        + "</table>"
    )
    graph = new_graph(name, RankDir.TB, 0.2, 0.2, "", look)
    graph.node("table", shape="plain", style="", label=html(markup))
    return render_svg(graph.source)


def stage_row_colors(stages: Sequence[str], network: Sequence[str] | None = None) -> list[str | None]:
    """The palette colour of each stage, by its place in the whole network (stem ... top) when a table shows
    only some of them."""
    colors = stage_colors(list(network or stages))
    return [colors.get(s) for s in stages]
