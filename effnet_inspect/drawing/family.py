"""Compact stage-level figures for slides and pages: several models as one grid (stages as rows, models as
columns), one model as a strip of stages left to right.

The full stage figure (stage.py) puts seven lines in every box, so B0-B7 side by side is nearly square and its
text shrinks to a few pixels on a slide. Here a cell says only what scaling changes, in big type: the repeats
(depth) and the channels (width), with a bar as long as the channels relative to the widest cell of its row, so
growth is seen before it is read; each column's header gives the resolution, parameters and MACs.
"""

from __future__ import annotations

from collections.abc import Sequence

from effnet_inspect.analysis.measure import Analysis, totals
from effnet_inspect.analysis.rows import StageRow, stage_rows
from effnet_inspect.drawing.dot import RankDir, html, html_escape
from effnet_inspect.drawing.stage import _operation
from effnet_inspect.drawing.style import MUTED, SLIDE, Look, line_edge, new_graph, stack_lines, title_label
from effnet_inspect.render.numbers import compact, giga, ratio_text
from effnet_inspect.render.palette import stage_color

BAR = 110  # points: the bar of the widest cell in a row


def _font(size: int, text: str, color: str = "") -> str:
    tint = f' color="{color}"' if color else ""
    return f'<font point-size="{size}"{tint}>{text}</font>'


def _header(a: Analysis, look: Look) -> str:
    t = totals(a.layers())
    name = _font(look.heading, f"<b>{html_escape(a.short_name)}</b>")
    size = _font(look.small, f"{a.resolution}\u00b2 px")
    cost = _font(look.small, f"{compact(t.params)} \u00b7 " + giga(t.macs).replace(" ", ""), MUTED)
    return f"{name}<br/>{size}<br/>{cost}"


def _cell(row: StageRow, channels: int, widest: int, color: str, look: Look) -> str:
    repeats = f"<b>\u00d7{row.repeats}</b>  " if row.repeats else ""
    bar = max(4, round(BAR * channels / widest)) if widest else 4
    return (
        f'<td bgcolor="{color}" border="1" color="#666666" cellpadding="{round(3 * look.scale)}">'
        f'<table border="0" cellborder="0" cellspacing="0" cellpadding="0">'
        f'<tr><td colspan="2">{_font(look.text, f"{repeats}{channels} ch")}</td></tr>'
        f'<tr><td width="{bar}" height="5" bgcolor="#333333"></td>'
        f'<td width="{BAR - bar + 1}" height="5"></td></tr></table></td>'
    )


def family_dot(analyses: Sequence[Analysis], look: Look = SLIDE, title: bool = True) -> str:
    """B0-B7 (or any models) as a grid: a column per model, a row per stage."""
    columns = [{r.stage: r for r in stage_rows(a)} for a in analyses]
    names = list(dict.fromkeys(r for c in columns for r in c))
    pad = round(4 * look.scale)
    cells = ["<td></td>" + "".join(f'<td cellpadding="{pad}">{_header(a, look)}</td>' for a in analyses)]
    for index, stage in enumerate(names):
        rows = [c.get(stage) for c in columns]
        channels = [head_channels(a, r) or 0 if r is not None else 0 for a, r in zip(analyses, rows)]
        widest = max(channels, default=0)
        operation = _operation(rows).replace("  ", " ").replace(", stride ", " /").replace(" /1", "")
        label = _font(look.text, f"<b>{stage}</b>") + '<br align="left"/>'
        if operation:
            label += _font(look.small, operation, MUTED) + '<br align="left"/>'
        body = "".join(
            _cell(r, c, widest, stage_color(index, len(names)), look) if r is not None else "<td></td>"
            for r, c in zip(rows, channels)
        )
        cells.append(f'<td align="left" cellpadding="{pad}">{label}</td>{body}')
    table = '<table border="0" cellborder="0" cellspacing="4">' + "".join(f"<tr>{c}</tr>" for c in cells) + "</table>"
    first, last = analyses[0], analyses[-1]
    heading = (
        title_label(
            f"{first.title} to {last.short_name}" if len(analyses) > 1 else first.title,
            "per stage: \u00d7repeats (depth) and output channels (width); the bar is the channels "
            "relative to the widest in its row",
            look,
        )
        if title
        else ""
    )
    graph = new_graph("_".join(a.name for a in analyses) + "_family", RankDir.TB, 0.2, 0.2, heading, look)
    graph.node("grid", shape="plain", style="", label=html(table))
    return graph.source


def head_channels(a: Analysis, row: StageRow) -> int | None:
    """What a stage computes with: the output of its first convolution for the stem and the top (the top's own
    output is the class scores), the block's output otherwise."""
    if row.repeats:
        return row.out_channels
    stage = next(s for s in a.grouping.stages if s.name == row.stage)
    conv = next((layer for layer in a.layers(stage.layers) if layer.kind.is_conv), None)
    return conv.out_channels if conv is not None and conv.out_channels else row.out_channels


def strip_dot(a: Analysis, look: Look = SLIDE, title: bool = True) -> str:
    """One model's stages in two lines of five boxes: what each does, how often, what comes out."""
    rows = stage_rows(a)
    t = totals(a.layers())
    heading = (
        title_label(
            f"{a.title}: stem, seven blocks, head",
            f"{t.layers} layers  \u00b7  {compact(t.params)} params  \u00b7  {giga(t.macs)}MACs",
            look,
        )
        if title
        else ""
    )
    graph = new_graph(
        f"{a.name}_strip", RankDir.TB, nodesep=0.45 * look.scale, ranksep=0.5 * look.scale, title=heading, look=look
    )
    size = _font(look.small, f"{a.resolution}\u00b2 \u00d7 3")
    graph.node("input", label=html(f"<b>input</b><br/>{size}"), fillcolor="#eef2f7", color="#8899aa")
    for index, row in enumerate(rows):
        if row.repeats:
            lines = [
                f"MBConv{ratio_text(row.expand_ratio)} {row.kernel_size}\u00d7{row.kernel_size}",
                f"stride {row.stride} \u00b7 <b>\u00d7{row.repeats}</b>",
            ]
        else:
            lines = [f"conv {row.kernel_size}\u00d7{row.kernel_size}, stride {row.stride}"]
        lines.append(f"{head_channels(a, row)} ch \u00b7 {row.out_resolution}\u00b2")
        if row.stage == "top" and row.out_channels != head_channels(a, row):
            lines.append(f"pool, dense \u2192 {row.out_channels}")
        label = "<br/>".join([f"<b>{row.stage}</b>", *(_font(look.small, line) for line in lines)])
        graph.node(row.stage, label=html(label), fillcolor=stage_color(index, len(rows)))
    names = ["input", *(r.stage for r in rows)]
    half = (len(names) + 1) // 2
    rows_of_boxes = [names[:half], names[half:]]
    stack_lines(graph, rows_of_boxes, RankDir.TB)
    for tail, head in zip(names, names[1:]):
        line_edge(graph, tail, head, (tail in rows_of_boxes[0]) == (head in rows_of_boxes[0]), RankDir.TB)
    return graph.source
