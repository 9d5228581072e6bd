"""Module level: each sub-block as its row of module boxes (Expansion, Module 1-5) listing the layers inside.

Consecutive sub-blocks of a stage that are identical (same module types, same layer kinds and shapes) collapse into
one row marked "x N", as the well-known article draws them; expand_all draws every sub-block. Edges are the traced
graph's edges lifted to module boxes, so the squeeze-and-excitation bypass and the skip connections are real.

All text sits in nodes, which Graphviz routes edges around: a row starts with a label node (the block's caption on
its first row, then the sub-block names), and no cluster has a label an edge could run through. The bypass of the
squeeze-and-excitation branch runs below its row (beside it under rankdir=LR), apart from the edge coming in from
the row above. Boxes are filled with their module colour as a whole, so no square strip sticks out of a rounded box.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from effnet_inspect.analysis.group import StageGroup, SubBlockGroup
from effnet_inspect.analysis.measure import Analysis, totals
from effnet_inspect.analysis.rows import stage_rows
from effnet_inspect.drawing import keys
from effnet_inspect.drawing.dot import Digraph, RankDir, html, html_escape
from effnet_inspect.drawing.style import (
    DEFAULT,
    MODULE_COLORS,
    MUTED,
    SKIP_EDGE,
    STAGE_FRAME,
    STEM_COLOR,
    TOP_COLOR,
    Look,
    add_legend,
    block_caption,
    layer_type,
    layer_unit,
    line_edge,
    new_graph,
    stack_lines,
    title_label,
)
from effnet_inspect.render.numbers import compact, keras_shape

SKIP_STYLE = dict(style="dashed", color=SKIP_EDGE)


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
        return keys.module_box(self.first.name, self.first.modules[index].type)

    @property
    def label_id(self) -> str:
        return keys.row_label(self.first.name)


def _signature(a: Analysis, block: SubBlockGroup) -> tuple:
    layers = a.layers(block.layers)
    return block.module_types, tuple((layer.kind, layer.shape, layer.params) for layer in layers)


def collapse(a: Analysis, stage_blocks: tuple[SubBlockGroup, ...], expand_all: bool = False) -> list[Row]:
    """Group runs of identical consecutive sub-blocks (never across stages)."""
    rows: list[list[SubBlockGroup]] = []
    for block in stage_blocks:
        if rows and not expand_all and _signature(a, rows[-1][0]) == _signature(a, block):
            rows[-1].append(block)
        else:
            rows.append([block])
    return [Row(tuple(r)) for r in rows]


def box_label(a: Analysis, title: str, names: tuple[str, ...], look: Look = DEFAULT) -> str:
    """A module box: its title, one line per layer, and what comes out (shape, parameters)."""
    layers = a.layers(names)
    params = sum(layer.params for layer in layers)
    pad = round(2 * look.scale)
    body = "".join(f'<tr><td align="left">{html_escape(layer_type(layer))}</td></tr>' for layer in layers)
    footer = f"\u2192 {keras_shape(layers[-1].shape)}" + (f"  \u00b7  {compact(params)} params" if params else "")
    return html(
        f'<table border="0" cellborder="0" cellspacing="0" cellpadding="{pad}">'
        f'<tr><td align="left"><font point-size="{look.heading}"><b>{html_escape(title)}</b></font></td></tr>'
        f'{body}<tr><td align="left"><font point-size="{look.small}">{footer}</font></td></tr></table>'
    )


def module_box(
    graph: Digraph, node_id: str, a: Analysis, title: str, names: tuple[str, ...], color: str, look: Look = DEFAULT
) -> None:
    graph.node(node_id, label=box_label(a, title, names, look), fillcolor=color)


def label_node(graph: Digraph, node_id: str, lines: list[str], look: Look = DEFAULT) -> None:
    """Left-aligned text lines as a node (HTML markup allowed), so that edges go around it."""
    rows = "".join(f'<tr><td align="left">{line}</td></tr>' for line in lines)
    graph.node(
        node_id,
        shape="plaintext",
        style="",
        label=html(
            f'<table border="0" cellborder="0" cellspacing="0" cellpadding="{round(2 * look.scale)}">{rows}</table>'
        ),
    )


def stage_caption(a: Analysis, stage: StageGroup, look: Look = DEFAULT) -> list[str]:
    """The lines naming a block: 'block2', 'MBConv6 3x3, stride 2', '16 -> 24 channels  x2', '16.7K params'."""
    info = next(r for r in stage_rows(a) if r.stage == stage.name)
    name, operation, channels, repeats = block_caption(info).split("  \u00b7  ")
    return [
        f'<font point-size="{look.heading}"><b>{html_escape(name)}</b></font>',
        html_escape(operation),
        f"{html_escape(channels)}  {repeats}",
        f'<font color="{MUTED}">{compact(info.params)} params</font>',
    ]


@dataclass
class Drawing:
    """Where each layer ended up: the box drawn for it and the sub-block whose row shows it."""

    rankdir: RankDir
    look: Look = DEFAULT
    node_of: dict[str, str] = field(default_factory=dict)
    drawn_block: dict[str, str] = field(default_factory=dict)
    lines: list[list[str]] = field(default_factory=list)  # the nodes of every line (row), in order

    def stage(self, graph: Digraph, a: Analysis, stage: StageGroup, expand_all: bool) -> None:
        """A block's rows of module boxes inside its (unlabelled) frame."""
        with graph.subgraph(name=keys.frame(stage.name), graph_attr=dict(STAGE_FRAME, label="")) as frame:
            for number, row in enumerate(collapse(a, stage.sub_blocks, expand_all)):
                caption = stage_caption(a, stage, self.look) if number == 0 else []
                self.lines.append(self.row(frame, a, row, caption))

    def row(self, graph: Digraph, a: Analysis, row: Row, caption: list[str]) -> list[str]:
        many = len(row.blocks) > 1
        look = (
            dict(style="rounded,filled", fillcolor="#fff8e1", color="#c9a227", penwidth="1.6")
            if many
            else dict(style="rounded,dashed", color="#999999", penwidth="1")
        )
        look["label"] = ""  # a cluster would show the graph's title otherwise
        ids = [row.node_id(index) for index in range(len(row.first.modules))]
        name = f"<b>{html_escape(row.label)}</b>" if many else f'<font color="{MUTED}">{html_escape(row.label)}</font>'
        with graph.subgraph(name=keys.frame(row.first.name), graph_attr=look) as frame:
            label_node(frame, row.label_id, [*caption, name], self.look)
            for node_id, module in zip(ids, row.first.modules):
                module_box(frame, node_id, a, module.type.label, module.layers, MODULE_COLORS[module.type], self.look)
            order(frame, [row.label_id, ids[0]], self.rankdir)
        for block in row.blocks:  # later copies map onto the first copy's boxes, module by module
            for index, module in enumerate(block.modules):
                for layer in module.layers:
                    self.node_of[layer] = row.node_id(index)
                    self.drawn_block[layer] = block.name
        return [row.label_id, *ids]

    def edges(self, graph: Digraph, a: Analysis) -> None:
        """The traced edges lifted to boxes, once each (layers without a box are left out)."""
        row_of = {box: i for i, line in enumerate(self.lines) for box in line}
        seen: set[tuple[str, str]] = set()
        for tail, head in a.graph.edges:
            u, v = self.node_of.get(tail), self.node_of.get(head)
            if u is None or v is None or u == v or (u, v) in seen:
                continue
            same_row = row_of[u] == row_of[v]
            if (
                same_row
                and tail in self.drawn_block
                and head in self.drawn_block
                and self.drawn_block[tail] != self.drawn_block[head]
            ):
                continue  # from one collapsed copy to the next: drawing it would loop back inside the row
            seen.add((u, v))
            attrs = dict(SKIP_STYLE, penwidth="1.4") if (tail, head) in a.grouping.skip_edges else {}
            line = self.lines[row_of[u]]
            if same_row and abs(line.index(u) - line.index(v)) > 1 and self.rankdir is RankDir.TB:
                # A bypass arcs over the row: from the corner of its box, apart from the edge coming in on top.
                attrs.update(tailport="ne", headport="nw")
            line_edge(graph, u, v, same_row, self.rankdir, **attrs)


def order(graph: Digraph, node_ids: list[str], rankdir: RankDir) -> None:
    """Keep nodes of one line in this order (an invisible edge reads along the line, see line_edge)."""
    for tail, head in zip(node_ids, node_ids[1:]):
        line_edge(graph, tail, head, True, rankdir, style="invis")


def module_dot(a: Analysis, rankdir: RankDir, expand_all: bool = False) -> str:
    t = totals(a.layers())
    graph = new_graph(
        f"{a.name}_modules",
        rankdir,
        nodesep=0.22,
        ranksep=0.45,
        title=title_label(
            f"{a.title} by module",
            f"{len(a.grouping.sub_blocks)} sub-blocks  \u00b7  {t.layers} {layer_unit(a)}  \u00b7  "
            f"{compact(t.params)} params"
            + ("" if expand_all else "  \u00b7  identical sub-blocks collapsed: \u00d7N rows show one copy"),
        ),
    )
    drawing = Drawing(rankdir)
    stages = a.grouping.stages
    for number, stage in enumerate(stages):
        if stage.sub_blocks:
            drawing.stage(graph, a, stage, expand_all)
            continue
        box = keys.end_box(stage.name)
        module_box(graph, box, a, stage.name.capitalize(), stage.layers, STEM_COLOR if number == 0 else TOP_COLOR)
        drawing.node_of.update({n: box for n in stage.layers})
        if number == 0:
            add_legend(graph)
            drawing.lines.append([box, keys.LEGEND])
            order(graph, [box, keys.LEGEND], rankdir)
    drawing.lines.append([keys.end_box(stages[-1].name)])
    stack_lines(graph, drawing.lines, rankdir)
    drawing.edges(graph, a)
    return graph.source
