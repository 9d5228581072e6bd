"""Stage level and the side-by-side figure: one column per model, one row per stage (stem, block1..7, top).

A single model is simply a one-column figure. The geometry carries the three scaling dimensions so that growth is
seen before anything is read:
- depth: a box is taller by a fixed step for every sub-block it repeats;
- width: a box is wider in proportion to its output channels relative to the first column's same stage;
- resolution: the input square's side is proportional to the input resolution.
Every row is one `rank=same` group, so the same stage lines up across columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from effnet_inspect.analysis.measure import Analysis, totals
from effnet_inspect.analysis.rows import StageRow, stage_rows
from effnet_inspect.arch.specs import BASE_RESOLUTION
from effnet_inspect.drawing import keys
from effnet_inspect.drawing.dot import Digraph, RankDir, html, html_escape, number, same_rank
from effnet_inspect.drawing.style import ACCENT, MUTED, block_kind, layer_unit, new_graph, title_label
from effnet_inspect.render.numbers import arrow, compact, giga, growth, ratio_text, square
from effnet_inspect.render.palette import stage_color

# Inches. A box for one sub-block is BOX_HEIGHT tall; each further repeat adds REPEAT_STEP.
BOX_WIDTH = 1.8
BOX_HEIGHT = 1.05
REPEAT_STEP = 0.17
INPUT_SIDE = 0.9  # the input square of a BASE_RESOLUTION (224-pixel) model


def _stage_names(columns: Sequence[list[StageRow]]) -> list[str]:
    """Every stage of every column, in network order (custom models may have more or fewer blocks)."""
    names: list[str] = []
    for rows in columns:
        for r in rows:
            if r.stage not in names:
                names.append(r.stage)
    return names


T = TypeVar("T")


def _shared(values: list[T]) -> T | None:
    """The value every column has, else None."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _operation(rows: list[StageRow | None]) -> str:
    """What a stage does, when every column agrees: 'MBConv6 3x3, stride 2' or '3x3 conv, stride 2'."""
    present = [r for r in rows if r is not None]
    kernel, stride = _shared([r.kernel_size for r in present]), _shared([r.stride for r in present])
    expand = _shared([r.expand_ratio for r in present])
    if kernel is None or stride is None:
        return ""
    if any(r is not None and r.repeats for r in rows):
        if expand is None:
            return ""
        kinds = {block_kind(r) for r in present}
        kind = kinds.pop() if len(kinds) == 1 else "MBConv"
        return f"{kind}{ratio_text(expand)}  {kernel}\u00d7{kernel}, stride {stride}"
    return f"{kernel}\u00d7{kernel} conv, stride {stride}"


def _size(rankdir: RankDir, across: float, along: float) -> dict[str, str]:
    """Node width/height from the size across the flow (channels) and along it (repeats)."""
    width, height = (across, along) if rankdir is RankDir.TB else (along, across)
    return dict(width=number(width), height=number(height))


def _lines(lines: list[str]) -> str:
    """Lines as table rows: <br/> between lines of different sizes sets them too close together."""
    return html(
        '<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
        + "".join(f"<tr><td>{line}</td></tr>" for line in lines)
        + "</table>"
    )


def _cell_label(row: StageRow, base: StageRow | None, operation_shown: bool, unit: str = "layers") -> str:
    if row.repeats:  # the repeat count is the headline: it is what depth scaling changes
        lines = [
            f'<font point-size="16"><b>\u00d7{row.repeats}</b></font>'
            f'  <font point-size="10" color="{MUTED}">{row.layers} {unit}</font>'
        ]
    else:
        lines = [f'<font color="{MUTED}">{row.layers} {unit}</font>']
    lines += [
        f"{arrow(row.in_channels, row.out_channels)} ch",
        f"{arrow(square(row.in_resolution), square(row.out_resolution))} px",
    ]
    if not operation_shown:
        lines.append(f"k{row.kernel_size} s{row.stride} e{ratio_text(row.expand_ratio)}")
    for value, base_value, unit in (
        (row.params, base.params if base else None, "params"),
        (row.macs, base.macs if base else None, "MACs"),
    ):
        factor = growth(value, base_value) if base is not None else ""
        tail = f'  <font color="{ACCENT}"><b>{factor}</b></font>' if factor else ""
        lines.append(f"{compact(value)} {unit}{tail}")
    return _lines(lines)


def _header_label(a: Analysis, base: Analysis | None) -> str:
    t = totals(a.layers())
    lines = [f'<font point-size="16"><b>{html_escape(a.title)}</b></font>']
    v = a.variant
    if v is not None:
        lines.append(f'<font color="{MUTED}">width {v.width:.3g}  \u00b7  depth {v.depth:.3g}</font>')
    lines.append(f"{compact(t.params)} params  \u00b7  {giga(t.macs)}MACs")
    lines.append(
        f'<font color="{MUTED}">{t.layers} {layer_unit(a)}  \u00b7  {len(a.grouping.sub_blocks)} sub-blocks</font>'
    )
    if base is not None:
        bt = totals(base.layers())
        lines.append(
            f'<font color="{ACCENT}"><b>{growth(t.params, bt.params)} params  \u00b7  '
            f"{growth(t.macs, bt.macs)} MACs</b></font>"
        )
    return _lines(lines)


def _row(graph: Digraph, label_id: str, label: str, ids: list[str]) -> None:
    """One rank of the grid, ordered left to right (or top to bottom) by invisible edges."""
    graph.node(label_id, shape="plaintext", style="", label=label, fontsize="11")
    members = [label_id, *ids]
    same_rank(graph, members)
    for a, b in zip(members, members[1:]):
        graph.edge(a, b, style="invis")


def columns_dot(analyses: Sequence[Analysis], rankdir: RankDir) -> str:
    columns = [stage_rows(a) for a in analyses]
    names = _stage_names(columns)
    by_stage = [{r.stage: r for r in rows} for rows in columns]
    single = len(analyses) == 1
    depth_side, width_side = ("height", "width") if rankdir is RankDir.TB else ("width", "height")
    if single:
        a = analyses[0]
        t = totals(a.layers())
        title = title_label(
            f"{a.title} by stage",
            f"{t.layers} {layer_unit(a)}  \u00b7  {compact(t.params)} params  \u00b7  {giga(t.macs)}MACs",
        )
    else:
        titles = [a.title for a in analyses]
        title = title_label(
            " vs ".join(titles) if len(titles) <= 3 else f"{titles[0]} to {titles[-1]}: scaling",
            f"box {depth_side}: repeats (depth)  \u00b7  box {width_side}: channels relative to the "
            "first column (width)  \u00b7  input square: resolution",
        )
    graph = new_graph("_".join(a.name for a in analyses) + "_stages", rankdir, nodesep=0.3, ranksep=0.32, title=title)
    base = analyses[0]

    # group= keeps each column's nodes on one vertical line, so the arrows run straight. A single model's
    # figure needs no column header: the title says it all.
    heads = [] if single else [keys.column_head(i) for i in range(len(analyses))]
    for i, (head, a) in enumerate(zip(heads, analyses)):
        graph.node(head, shape="plaintext", style="", group=f"col{i}", label=_header_label(a, base if i else None))
    if heads:
        _row(graph, keys.grid_row("head"), html(""), heads)

    inputs = [keys.input_square(i) for i in range(len(analyses))]
    for i, (node, a) in enumerate(zip(inputs, analyses)):
        side = number(max(0.5, INPUT_SIDE * a.resolution / BASE_RESOLUTION))
        graph.node(
            node,
            label=f"{a.resolution}\u00d7{a.resolution}",
            fixedsize="true",
            width=side,
            height=side,
            style="filled",
            fillcolor="#eef2f7",
            color="#8899aa",
            fontsize="12",
            group=f"col{i}",
        )
    _row(graph, keys.grid_row("input"), html("<b>input</b>"), inputs)
    for head, node in zip(heads, inputs):
        graph.edge(head, node, style="invis")

    previous = list(inputs)
    for index, stage in enumerate(names):
        rows = [s.get(stage) for s in by_stage]
        operation = _operation(rows)
        base_row = by_stage[0].get(stage)
        cells = [keys.stage_cell(i, stage) for i in range(len(rows))]
        for i, (cell, row) in enumerate(zip(cells, rows)):
            if row is None:  # this model has no such stage: keep the grid with an invisible placeholder
                graph.node(cell, style="invis", label="", group=f"col{i}")
                continue
            ratio = 1.0
            if base_row is not None and base_row.out_channels and row.out_channels:
                ratio = row.out_channels / base_row.out_channels
            across = BOX_WIDTH * min(3.0, max(0.6, ratio))
            along = BOX_HEIGHT + REPEAT_STEP * max(0, (row.repeats or 1) - 1)
            graph.node(
                cell,
                label=_cell_label(row, base_row if i else None, bool(operation), layer_unit(analyses[i])),
                fillcolor=stage_color(index, len(names)),
                fontsize="12",
                group=f"col{i}",
                **_size(rankdir, across, along),
            )
            graph.edge(previous[i], cell)
            previous[i] = cell
        label = f"<b>{html_escape(stage)}</b>" + (f'<br/><font color="{MUTED}">{operation}</font>' if operation else "")
        _row(graph, keys.grid_row(stage), html(label), cells)
    return graph.source
