"""Layer level: every traced layer one node, in clusters for the stem, each block and each sub-block.

The edges are the traced graph's own, so the squeeze-and-excitation branch and the skip connections appear exactly
where the model has them. Nodes are coloured by the module type their layer belongs to.

Layout: one line of layers per sub-block (and for the stem and the top), the lines stacked like lines of text. A
single chain of 240 (B0) to 816 (B7) nodes would be a strip hundreds of inches long; wrapped, B0 is about square.
The stacking follows `rankdir` (TB: lines below each other, each running left to right); see stack_lines.
"""

from __future__ import annotations

from effnet_inspect.analysis.group import StageGroup, SubBlockGroup
from effnet_inspect.analysis.measure import Analysis, totals
from effnet_inspect.analysis.rows import stage_rows
from effnet_inspect.drawing import keys
from effnet_inspect.drawing.dot import Digraph, RankDir, html, html_escape, plain
from effnet_inspect.drawing.style import (
    MODULE_COLORS,
    MUTED,
    SKIP_EDGE,
    STAGE_FRAME,
    STEM_COLOR,
    TOP_COLOR,
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


def _layer_node(graph: Digraph, a: Analysis, name: str, color: str) -> None:
    layer = a.graph.nodes[name]["layer"]
    # Two table rows rather than <br/>: with mixed font sizes Graphviz sets the lines so close that the
    # underscores of the name touch the line below.
    label = (
        f'<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
        f"<tr><td><b>{html_escape(name)}</b></td></tr>"
        f'<tr><td><font point-size="9" color="{MUTED}">{html_escape(layer_type(layer))}  \u00b7  '
        f"{keras_shape(layer.shape)}</font></td></tr></table>"
    )
    graph.node(name, label=html(label), fillcolor=color)


def _sub_block(graph: Digraph, a: Analysis, block: SubBlockGroup) -> None:
    with graph.subgraph(
        name=keys.frame(block.name),
        graph_attr=dict(
            label=plain(block.name),
            labeljust="l",
            style="rounded,dashed",
            color="#999999",
            fontsize="10",
            fontcolor=MUTED,
        ),
    ) as frame:
        for module in block.modules:
            for name in module.layers:
                _layer_node(frame, a, name, MODULE_COLORS[module.type])


def _plain_stage(graph: Digraph, a: Analysis, stage: StageGroup, color: str) -> None:
    with graph.subgraph(name=keys.frame(stage.name), graph_attr=dict(STAGE_FRAME, label=plain(stage.name))) as frame:
        for name in stage.layers:
            _layer_node(frame, a, name, color)


def layer_dot(a: Analysis, rankdir: RankDir) -> str:
    t = totals(a.layers())
    rows = {r.stage: r for r in stage_rows(a)}
    graph = new_graph(
        f"{a.name}_layers",
        rankdir,
        nodesep=0.25,
        ranksep=0.45,
        title=title_label(
            a.title,
            f"{t.layers} {layer_unit(a)}  \u00b7  {compact(t.params)} parameters  "
            f"\u00b7  {a.resolution}\u00d7{a.resolution} input",
        ),
    )
    skip_row = (
        f'<tr><td><font color="{SKIP_EDGE}"><b>- - \u2192</b></font></td><td align="left"><b>Skip</b></td>'
        f'<td align="left"><font color="{MUTED}">residual connection into Add</font></td></tr>'
    )
    add_legend(graph, skip_row)
    stages = a.grouping.stages
    for number, stage in enumerate(stages):
        if not stage.sub_blocks:
            _plain_stage(graph, a, stage, STEM_COLOR if number == 0 else TOP_COLOR)
            continue
        with graph.subgraph(
            name=keys.frame(stage.name), graph_attr=dict(STAGE_FRAME, label=plain(block_caption(rows[stage.name])))
        ) as frame:
            for block in stage.sub_blocks:
                _sub_block(frame, a, block)
    lines = [stages[0].layers, *(b.layers for b in a.grouping.sub_blocks), stages[-1].layers]
    line_of = {n: i for i, names in enumerate(lines) for n in names}
    stack_lines(graph, [names for names in lines if names], rankdir)
    for tail, head in a.graph.edges:
        skip = dict(style="dashed", color=SKIP_EDGE, penwidth="1.4") if (tail, head) in a.grouping.skip_edges else {}
        line_edge(graph, tail, head, line_of[tail] == line_of[head], rankdir, **skip)
    return graph.source
