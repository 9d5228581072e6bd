"""Compact stage-level figures for slides and pages: several models drawn to scale (compound scaling as the
paper's Figure 2 draws it), one model as a strip of stages.

The to-scale figure puts one column per model (one row under rankdir=LR) and draws the three scaling dimensions
as geometry, nothing as text: every sub-block is one bar of the stack (depth), a bar is as long as the sub-block's
output channels (width), and the input square's side is proportional to the input resolution. All models share
one scale, so B7's column is 55 bars to B0's 16, and its widest bar twice B0's. Names and totals sit around the
stacks, a key says which colour is which block, and the subtitle (or the slide's) says what the geometry means.
"""

from __future__ import annotations

from collections.abc import Sequence

from effnet_inspect.analysis.measure import Analysis, totals
from effnet_inspect.analysis.rows import StageRow, stage_rows
from effnet_inspect.drawing.dot import RankDir, html, html_escape
from effnet_inspect.drawing.style import MUTED, SLIDE, Look, line_edge, new_graph, stack_lines, title_label
from effnet_inspect.render.numbers import compact, giga, ratio_text
from effnet_inspect.render.palette import stage_color

# Points at natural size: the figure is drawn about as large as a slide's body, so its text keeps its size.
ACROSS = 1300.0  # the room the models share side by side
ALONG = 330.0  # the room for the longest stack of sub-blocks
SQUARE = 96.0  # the input square of the largest resolution
GAP = 1  # between two bars


def _font(size: int, text: str, color: str = "") -> str:
    tint = f' color="{color}"' if color else ""
    return f'<font point-size="{size}"{tint}>{text}</font>'


def _box(width: float, height: float, color: str) -> str:
    """A filled rectangle of exactly this size (a fixed-size table, centred in its cell)."""
    return (
        f'<table border="0" cellspacing="0" cellpadding="0" fixedsize="true" width="{max(1, round(width))}" '
        f'height="{max(1, round(height))}" bgcolor="{color}"><tr><td></td></tr></table>'
    )


def _bars(a: Analysis, per_channel: float, step: float, longest: int, rankdir: RankDir) -> str:
    """The stack: one bar per sub-block, block colours, in network order (downwards, or left to right), then empty
    places up to the longest stack's length, so that Graphviz, which stretches a short table to fill its cell,
    leaves every stack as it is, starting at the input."""
    stages = a.grouping.stages
    thick = step - GAP
    cells = []
    for index, stage in enumerate(stages):
        for block in stage.sub_blocks:
            length = max(2.0, per_channel * block.out_channels)
            color = stage_color(index, len(stages))
            cells.append(
                f"<td>{_box(thick, length, color) if rankdir is RankDir.LR else _box(length, thick, color)}</td>"
            )
    empty = '<td width="{}" height="{}"></td>'.format(
        *((round(thick), 1) if rankdir is RankDir.LR else (1, round(thick)))
    )
    cells += [empty] * (longest - len(cells))
    rows = [f"<tr>{c}</tr>" for c in cells] if rankdir is RankDir.TB else [f"<tr>{''.join(cells)}</tr>"]
    return f'<table border="0" cellspacing="{GAP}" cellpadding="0">{"".join(rows)}</table>'


def _caption(a: Analysis, look: Look, rankdir: RankDir) -> list[str]:
    """Name, input size, sub-blocks, parameters and MACs: four short lines over a column, three beside a row."""
    t = totals(a.layers())
    size, depth = f"{a.resolution} px", f"{len(a.grouping.sub_blocks)} sub-blocks"
    cost = _font(look.small, f"{compact(t.params)} \u00b7 {giga(t.macs).replace(' ', '')}", MUTED)
    name = _font(look.heading, f"<b>{html_escape(a.short_name)}</b>")
    if rankdir is RankDir.LR:
        return [name, _font(look.small, f"{size} \u00b7 {depth}"), cost]
    return [name, _font(look.small, size), _font(look.small, depth), cost]


def _key(analyses: Sequence[Analysis], look: Look) -> str:
    """Which colour is which block: the blocks of the model with the most stages."""
    stages = max((a.grouping.stages for a in analyses), key=len)
    cells = "".join(
        f'<td>{_box(look.text, look.text, stage_color(i, len(stages)))}</td><td align="left">'
        f"{_font(look.small, html_escape(s.name))}  </td>"
        for i, s in enumerate(stages)
        if s.sub_blocks
    )
    return f'<table border="0" cellspacing="4" cellpadding="0"><tr>{cells}</tr></table>'


def scale_dot(
    analyses: Sequence[Analysis], rankdir: RankDir = RankDir.TB, look: Look = SLIDE, title: bool = True
) -> str:
    """B0-B7 (or any models) to scale: TB a column per model growing downwards, LR a row per model."""
    most = max(len(a.grouping.sub_blocks) for a in analyses)
    widest = max((b.out_channels for a in analyses for b in a.grouping.sub_blocks), default=1) or 1
    largest = max(a.resolution for a in analyses)
    n = len(analyses)
    if rankdir is RankDir.TB:  # columns: share the width, the stack runs down
        room, step = min(220.0, ACROSS / n) - 16, max(4.0, min(16.0, ALONG / most))
        side = min(SQUARE, room)
    else:  # rows: share the height, the stack runs right
        room, step = min(120.0, 2 * ALONG / n) - 12, max(6.0, min(24.0, (ACROSS - 340) / most))
        side = min(SQUARE, room + 8)
    per_channel = room / widest
    parts = []
    for a in analyses:
        square = _box(side * a.resolution / largest, side * a.resolution / largest, "#c9d3e0")
        caption = "".join(f"<tr><td>{line}</td></tr>" for line in _caption(a, look, rankdir))
        words = f'<table border="0" cellspacing="0" cellpadding="1">{caption}</table>'
        stack = _bars(a, per_channel, step, most, rankdir)
        if rankdir is RankDir.TB:
            parts.append((words, f'<td valign="bottom" height="{round(side)}">{square}</td>', stack))
        else:
            parts.append((words, f'<td width="{round(side)}">{square}</td>', stack))
    pad = round(4 * look.scale)
    if rankdir is RankDir.TB:
        rows = [
            "".join(f'<td cellpadding="{pad}">{w}</td>' for w, _, _ in parts),
            "".join(s for _, s, _ in parts),
            "".join(f'<td valign="top" cellpadding="{pad}">{b}</td>' for _, _, b in parts),
        ]
    else:
        rows = [f'<td align="left" cellpadding="{pad}">{w}</td>{s}<td align="left">{b}</td>' for w, s, b in parts]
    grid = '<table border="0" cellborder="0" cellspacing="6">' + "".join(f"<tr>{r}</tr>" for r in rows)
    span = n if rankdir is RankDir.TB else 3
    grid += f'<tr><td colspan="{span}" align="left">{_key(analyses, look)}</td></tr></table>'
    first, last = analyses[0], analyses[-1]
    heading = (
        title_label(
            f"{first.title} to {last.short_name}: compound scaling to scale" if n > 1 else f"{first.title} to scale",
            SCALE_LEGEND,
            look,
        )
        if title
        else ""
    )
    graph = new_graph("_".join(a.name for a in analyses) + "_to_scale", rankdir, 0.2, 0.2, heading, look)
    graph.node("grid", shape="plain", style="", label=html(grid))
    return graph.source


SCALE_LEGEND = (
    "depth: one bar per sub-block  \u00b7  width: a bar's length is its output channels  \u00b7  resolution: "
    "the square's side is the input size"
)


def head_channels(a: Analysis, row: StageRow) -> int | None:
    """What a stage computes with: the output of its first convolution for the stem and the top (the top's own
    output is the class scores), the block's output otherwise."""
    if row.repeats:
        return row.out_channels
    stage = next(s for s in a.grouping.stages if s.name == row.stage)
    conv = next((layer for layer in a.layers(stage.layers) if layer.kind.is_conv), None)
    return conv.out_channels if conv is not None and conv.out_channels else row.out_channels


def strip_dot(a: Analysis, look: Look = SLIDE, title: bool = True, rankdir: RankDir = RankDir.TB) -> str:
    """One model's stages in two lines of five boxes (two columns under LR): what each does, how often, what
    comes out."""
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
        f"{a.name}_strip", rankdir, nodesep=0.45 * look.scale, ranksep=0.5 * look.scale, title=heading, look=look
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
    stack_lines(graph, rows_of_boxes, rankdir)
    for tail, head in zip(names, names[1:]):
        line_edge(graph, tail, head, (tail in rows_of_boxes[0]) == (head in rows_of_boxes[0]), rankdir)
    return graph.source
