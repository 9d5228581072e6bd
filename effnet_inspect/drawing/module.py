"""Module level: each sub-block as its row of module boxes (Expansion, Module 1-5) listing the layers inside.

Consecutive sub-blocks of a stage that are identical (same module types, same layer kinds and shapes) collapse into
one row marked "x N", as the well-known article draws them; expand_all draws every sub-block. Edges are the traced
graph's edges lifted to module boxes, so the squeeze-and-excitation bypass and the skip connections are real.
"""
from __future__ import annotations

from dataclasses import dataclass

from effnet_inspect.drawing.dot import Digraph, RankDir, html, html_escape, plain
from effnet_inspect.drawing.style import (MODULE_COLORS, MUTED, SKIP_EDGE, STAGE_FRAME, STEM_COLOR, TOP_COLOR,
                                          add_legend, block_caption, layer_type, line_edge, new_graph, stack_lines,
                                          title_label)
from effnet_inspect.render.numbers import compact, keras_shape
from effnet_inspect.analysis.group import SubBlockGroup
from effnet_inspect.analysis.measure import Analysis, stage_rows, totals


@dataclass(frozen=True)
class Row:
    """Sub-blocks drawn as one row of module boxes: the first one stands for all."""

    blocks: tuple[SubBlockGroup, ...]

    @property
    def first(self) -> SubBlockGroup:
        return self.blocks[0]

    @property
    def label(self) -> str:
        if len(self.blocks) == 1:
            return self.first.name
        return f"{self.first.name} \u2013 {self.blocks[-1].name}   \u00d7{len(self.blocks)}"

    def node_id(self, index: int) -> str:
        return f"{self.first.name}_{self.first.modules[index].type.value}"


def _signature(a: Analysis, block: SubBlockGroup) -> tuple:
    layers = a.layers(block.layers)
    return block.module_types, tuple((l.kind, l.shape, l.params) for l in layers)


def collapse(a: Analysis, stage_blocks: tuple[SubBlockGroup, ...], expand_all: bool = False) -> list[Row]:
    """Group runs of identical consecutive sub-blocks (never across stages)."""
    rows: list[list[SubBlockGroup]] = []
    for block in stage_blocks:
        if rows and not expand_all and _signature(a, rows[-1][0]) == _signature(a, block):
            rows[-1].append(block)
        else:
            rows.append([block])
    return [Row(tuple(r)) for r in rows]


def _box_label(a: Analysis, title: str, names: tuple[str, ...], color: str) -> str:
    layers = a.layers(names)
    params = sum(l.params for l in layers)
    body = "".join(f'<tr><td align="left"><font point-size="10">{html_escape(layer_type(l))}</font></td></tr>'
                   for l in layers)
    footer = f"\u2192 {keras_shape(layers[-1].shape)}" + (f"  \u00b7  {compact(params)} params" if params else "")
    return html(f'<table style="rounded" border="1" color="#444444" bgcolor="white" cellborder="0" cellspacing="0" '
                f'cellpadding="2"><tr><td bgcolor="{color}"><b>{html_escape(title)}</b></td></tr>{body}'
                f'<tr><td><font point-size="9" color="{MUTED}">{footer}</font></td></tr></table>')


def module_dot(a: Analysis, rankdir: RankDir, expand_all: bool = False) -> str:
    t = totals(a.layers())
    stage_info = {r.stage: r for r in stage_rows(a)}
    graph = new_graph(f"{a.name}_modules", rankdir, nodesep=0.22, ranksep=0.45,
                      title=title_label(f"{a.title} by module",
                                        f"{len(a.grouping.sub_blocks)} sub-blocks  \u00b7  {t.layers} layers  \u00b7  "
                                        f"{compact(t.params)} params" + ("" if expand_all else
                                                                       "  \u00b7  identical sub-blocks collapsed: "
                                                                       "\u00d7N rows show one copy")))
    node_of: dict[str, str] = {}  # layer name -> module box drawn for it
    drawn_block: dict[str, str] = {}  # layer name -> the sub-block whose row shows it
    row_ids: list[list[str]] = []  # the boxes of every row, in order
    stages = a.grouping.stages
    for number, stage in enumerate(stages):
        if not stage.sub_blocks:
            color = STEM_COLOR if number == 0 else TOP_COLOR
            graph.node(stage.name, label=_box_label(a, stage.name.capitalize(), stage.layers, color), shape="plain")
            if number == 0:
                add_legend(graph)
            node_of.update({n: stage.name for n in stage.layers})
            continue
        info = stage_info[stage.name]
        label = f"{block_caption(info)}  \u00b7  {compact(info.params)} params"
        with graph.subgraph(name=f"cluster_{stage.name}", graph_attr=dict(STAGE_FRAME, label=plain(label))) as frame:
            for row in collapse(a, stage.sub_blocks, expand_all):
                row_ids.append(_row(frame, a, row, node_of, drawn_block))
    lines = [[stages[0].name, "legend"], *row_ids, [stages[-1].name]]
    stack_lines(graph, lines, rankdir)
    _edges(graph, a, node_of, drawn_block, {box: i for i, line in enumerate(lines) for box in line}, rankdir)
    return graph.source


def _row(graph: Digraph, a: Analysis, row: Row, node_of: dict[str, str], drawn_block: dict[str, str]) -> list[str]:
    many = len(row.blocks) > 1
    look = (dict(style="rounded,filled", fillcolor="#fff8e1", color="#c9a227", penwidth="1.6", fontcolor="#222222")
            if many else dict(style="rounded,dashed", color="#999999", penwidth="1", fontcolor=MUTED))
    ids = [row.node_id(index) for index in range(len(row.first.modules))]
    with graph.subgraph(name=f"cluster_{row.first.name}",
                        graph_attr=dict(label=plain(row.label), labeljust="l", fontsize="11", **look)) as frame:
        for node_id, module in zip(ids, row.first.modules):
            frame.node(node_id, shape="plain",
                       label=_box_label(a, module.type.label, module.layers, MODULE_COLORS[module.type]))
    for block in row.blocks:  # later copies map onto the first copy's boxes, module by module
        for index, module in enumerate(block.modules):
            for name in module.layers:
                node_of[name] = row.node_id(index)
                drawn_block[name] = block.name
    return ids


def _edges(graph: Digraph, a: Analysis, node_of: dict[str, str], drawn_block: dict[str, str], row_of: dict[str, int],
           rankdir: RankDir) -> None:
    """The traced edges lifted to boxes (row_of: box -> its row), once each."""
    seen: set[tuple[str, str]] = set()
    for tail, head in a.graph.edges:
        u, v = node_of[tail], node_of[head]
        if u == v or (u, v) in seen:
            continue
        between_copies = tail in drawn_block and head in drawn_block and drawn_block[tail] != drawn_block[head] \
            and row_of[u] == row_of[v]
        if between_copies:  # from one collapsed copy to the next: drawing it would loop back inside the row
            continue
        seen.add((u, v))
        style = dict(style="dashed", color=SKIP_EDGE, penwidth="1.4") if (tail, head) in a.grouping.skip_edges else {}
        line_edge(graph, u, v, row_of[u] == row_of[v], rankdir, **style)
