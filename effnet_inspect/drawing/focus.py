"""Figures of one part of a model: a block with its sub-blocks, one sub-block as a chain of modules, one module (or
the stem, the top) as a chain of layers with the tensor shapes on the edges, and one sub-block's layers module by
module. They are what the lecture slides show, and `diagram --block / --sub-block / --module` draws.

Whatever the part receives from outside, or sends out, ends in a small stub node saying where it comes from or goes
to ("from block2a · Module 4"), so the skip and squeeze-and-excitation paths stay visible in a cut-out.
"""

from __future__ import annotations

from effnet_inspect.analysis.group import StageGroup, SubBlockGroup
from effnet_inspect.analysis.measure import Analysis, totals
from effnet_inspect.analysis.registry import END_PARTS
from effnet_inspect.arch.kinds import LayerKind
from effnet_inspect.drawing import keys
from effnet_inspect.drawing.dot import Digraph, RankDir, html, html_escape
from effnet_inspect.drawing.module import SKIP_STYLE, Drawing, Row, label_node, order
from effnet_inspect.drawing.style import (
    DEFAULT,
    MODULE_COLORS,
    MUTED,
    STEM_COLOR,
    TOP_COLOR,
    Look,
    layer_type,
    line_edge,
    new_graph,
    stack_lines,
    title_label,
)
from effnet_inspect.render.numbers import compact, keras_shape

STUB = dict(shape="box", style="rounded,dashed", color="#888888", fontcolor=MUTED)


def owners(a: Analysis) -> dict[str, str]:
    """Layer name -> the part it belongs to, as a reader names it: 'stem', 'block2a · Module 4', 'top'."""
    found: dict[str, str] = {}
    for stage in a.grouping.stages:
        if not stage.sub_blocks:
            found.update({n: stage.name for n in stage.layers})
        for block in stage.sub_blocks:
            for module in block.modules:
                found.update({n: f"{block.name} \u00b7 {module.type.label}" for n in module.layers})
    return found


def _stubs(graph: Digraph, a: Analysis, members: set[str], look: Look) -> dict[str, str]:
    """A stub node for every layer outside `members` that feeds one inside it, or is fed by one: layer -> stub id."""
    owner = owners(a)
    stubs: dict[str, str] = {}
    for tail, head in a.graph.edges:
        for outside, direction in ((tail, keys.FROM), (head, keys.TO)):
            inside = head if outside == tail else tail
            if outside in members or inside not in members or outside in stubs:
                continue
            stubs[outside] = keys.stub(direction, outside)
            graph.node(stubs[outside], label=f"{direction} {owner[outside]}", fontsize=str(look.small), **STUB)
    return stubs


def _stub_edges(
    graph: Digraph,
    a: Analysis,
    members: set[str],
    box_of: dict[str, str],
    stubs: dict[str, str],
    rankdir: RankDir,
    shapes: bool,
) -> None:
    """Edges between the part and its stubs, skip connections dashed; with shapes, each carries its tensor's shape."""
    for tail, head in a.graph.edges:
        if (tail in members) == (head in members) or (tail not in members and head not in members):
            continue
        u = box_of[tail] if tail in members else stubs[tail]
        v = box_of[head] if head in members else stubs[head]
        attrs = dict(SKIP_STYLE) if (tail, head) in a.grouping.skip_edges else {}
        if shapes:
            attrs["label"] = " " + keras_shape(a.graph.nodes[tail]["layer"].shape)
        graph.edge(u, v, **attrs)


# ------------------------------------------------------------------------------------------------ module rows
def block_dot(a: Analysis, stage: StageGroup, look: Look = DEFAULT, title: bool = True) -> str:
    """One block (stage) as its rows of module boxes, identical sub-blocks collapsed, between its neighbours."""
    rows_title = (
        title_label(
            f"{a.title}: {stage.name}",
            f"{len(stage.sub_blocks)} sub-blocks  \u00b7  {compact(totals(a.layers(stage.layers)).params)} params",
            look,
        )
        if title
        else ""
    )
    graph = new_graph(
        f"{a.name}_{stage.name}",
        RankDir.TB,
        nodesep=0.22 * look.scale,
        ranksep=0.4 * look.scale,
        title=rows_title,
        look=look,
    )
    drawing = Drawing(RankDir.TB, look)
    drawing.stage(graph, a, stage, expand_all=False)
    _around(graph, a, drawing, set(stage.layers), look)
    return graph.source


def sub_block_dot(a: Analysis, block: SubBlockGroup, look: Look = DEFAULT, title: bool = True) -> str:
    """One sub-block as a chain of module boxes, with the skip and bypass edges it has."""
    kinds = " \u2192 ".join(m.type.label for m in block.modules)
    head = title_label(f"{a.title}: {block.name} (sub-block kind {block.kind})", kinds, look) if title else ""
    graph = new_graph(
        f"{a.name}_{block.name}", RankDir.TB, nodesep=0.3 * look.scale, ranksep=0.45 * look.scale, title=head, look=look
    )
    drawing = Drawing(RankDir.TB, look)
    drawing.lines.append(drawing.row(graph, a, Row((block,)), []))
    _around(graph, a, drawing, set(block.layers), look)
    return graph.source


def _around(graph: Digraph, a: Analysis, drawing: Drawing, members: set[str], look: Look) -> None:
    """Stubs above and below the rows, then the edges."""
    stubs = _stubs(graph, a, members, look)
    incoming = [s for s in stubs.values() if keys.is_stub_from(s)]
    outgoing = [s for s in stubs.values() if keys.is_stub_to(s)]
    lines = [line for line in ([*incoming], *drawing.lines, [*outgoing]) if line]
    stack_lines(graph, lines, RankDir.TB)
    drawing.edges(graph, a)
    _stub_edges(graph, a, members, drawing.node_of, stubs, RankDir.TB, shapes=False)


# ------------------------------------------------------------------------------------------------ layer chains
def _layer_label(a: Analysis, name: str, prefix: str, look: Look) -> str:
    layer = a.graph.nodes[name]["layer"]
    kind = layer_type(layer) + (f" + {layer.activation}" if layer.activation and layer.kind.is_conv else "")
    short = name[len(prefix) :] if prefix and name.startswith(prefix) else name
    extra = f"  \u00b7  {compact(layer.params)} params" if layer.params else ""
    return html(
        f'<table border="0" cellborder="0" cellspacing="0" cellpadding="{round(look.scale)}">'
        f"<tr><td><b>{html_escape(kind)}</b></td></tr>"
        f'<tr><td><font point-size="{look.small}">{html_escape(short)}{extra}</font></td></tr></table>'
    )


def layers_dot(
    a: Analysis,
    lines: list[tuple[str, tuple[str, ...], str]],
    heading: str,
    subtitle: str,
    prefix: str = "",
    look: Look = DEFAULT,
    title: bool = True,
    shapes: bool = False,
) -> str:
    """Layers as nodes, one line per (label, layer names, colour); the tensor shapes on the edges.

    A single line runs top to bottom (a chain of layers is narrow and tall); several lines are stacked like lines
    of text, each reading left to right, so a whole sub-block fits a page. A single line always shows the tensor
    shapes on its edges; several lines do when `shapes` is set.
    """
    single = len(lines) == 1
    rankdir = RankDir.TB
    graph = new_graph(
        f"{a.name}_{'_'.join(lines[0][1][:1])}",
        rankdir,
        nodesep=0.35 * look.scale,
        ranksep=(0.3 if single else 0.55) * look.scale,
        title=title_label(heading, subtitle, look) if title else "",
        look=look,
    )
    members = {n for _, names, _ in lines for n in names}
    for label, names, color in lines:
        with graph.subgraph(
            name=keys.frame(names[0]), graph_attr=dict(label="", style="rounded,dashed", color="#aaaaaa")
        ) as frame:
            if not single:
                label_node(frame, keys.row_label(names[0]), [f"<b>{html_escape(label)}</b>"], look)
            for name in names:
                frame.node(name, label=_layer_label(a, name, prefix, look), fillcolor=color)
    stubs = _stubs(graph, a, members, look)
    if single:
        for tail, head in a.graph.edges:
            if tail in members and head in members:
                graph.edge(tail, head, label=" " + keras_shape(a.graph.nodes[tail]["layer"].shape))
    else:
        rows = [[keys.row_label(names[0]), *names] for _, names, _ in lines]
        incoming = [s for s in stubs.values() if keys.is_stub_from(s)]
        stack_lines(graph, [line for line in ([*incoming], *rows) if line], rankdir)
        line_of = {n: i for i, row in enumerate(rows) for n in row}
        for row in rows:
            order(graph, row[:2], rankdir)
        for tail, head in a.graph.edges:
            if tail in members and head in members:
                attrs = dict(SKIP_STYLE) if (tail, head) in a.grouping.skip_edges else {}
                if shapes:
                    attrs["label"] = " " + keras_shape(a.graph.nodes[tail]["layer"].shape)
                line_edge(graph, tail, head, line_of[tail] == line_of[head], rankdir, **attrs)
    _stub_edges(graph, a, members, {n: n for n in members}, stubs, rankdir, shapes=single or shapes)
    return graph.source


def module_layers_dot(a: Analysis, block: SubBlockGroup, index: int, look: Look = DEFAULT, title: bool = True) -> str:
    """One module of a sub-block as a chain of its layers."""
    module = block.modules[index]
    names = module.layers
    first = a.graph.nodes[names[0]]["layer"]
    return layers_dot(
        a,
        [(module.type.label, names, MODULE_COLORS[module.type])],
        f"{module.type.label} of {block.name} ({a.title})",
        f"{len(names)} layers  \u00b7  {keras_shape(first.in_shape)} in, "
        f"{keras_shape(a.graph.nodes[names[-1]]['layer'].shape)} out",
        f"{block.name}_",
        look,
        title,
    )


def sub_block_layers_dot(a: Analysis, block: SubBlockGroup, look: Look = DEFAULT, title: bool = True) -> str:
    """Every layer of one sub-block, one line per module: the squeeze-and-excitation branch and the skip for real."""
    lines = [(m.type.label, m.layers, MODULE_COLORS[m.type]) for m in block.modules]
    return layers_dot(
        a,
        lines,
        f"{block.name} of {a.title}, layer by layer",
        " \u2192 ".join(m.type.label for m in block.modules),
        f"{block.name}_",
        look,
        title,
    )


def end_layers_dot(a: Analysis, stage: StageGroup, look: Look = DEFAULT, title: bool = True) -> str:
    """The stem or the top as lines of layers: preprocessing / convolution / classifier, the shapes on the edges."""
    color = STEM_COLOR if stage is a.grouping.stages[0] else TOP_COLOR
    names = stage.layers
    kinds = [layer.kind for layer in a.layers(names)]
    cuts = sorted({0, len(names), *(kinds.index(k) for k in END_PARTS if k in kinds)})
    parts = [names[i:j] for i, j in zip(cuts, cuts[1:]) if j > i]
    merged: list[tuple[str, ...]] = []
    for part in parts:  # padding belongs to the convolution after it
        if merged and a.graph.nodes[merged[-1][-1]]["layer"].kind is LayerKind.PAD:
            merged[-1] = merged[-1] + part
        else:
            merged.append(part)
    lines = [(END_PARTS.get(a.graph.nodes[p[0]]["layer"].kind, stage.name), p, color) for p in merged]
    return layers_dot(
        a,
        lines,
        f"The {stage.name} of {a.title}",
        f"{len(names)} layers  \u00b7  {compact(totals(a.layers(names)).params)} params",
        "",
        look,
        title,
        shapes=True,
    )
