"""The marks of a part figure beyond its boxes: which edges are the skip and the squeeze-and-excitation branch, how
they are drawn, and the key that says so (only the marks the figure uses)."""

from __future__ import annotations

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.arch.kinds import ModuleType
from effnet_inspect.drawing.dot import Digraph
from effnet_inspect.drawing.module import SKIP_STYLE
from effnet_inspect.drawing.style import SE_EDGE, Look, edge_key, stacked

SE_STYLE = dict(color=SE_EDGE)


def se_layers(a: Analysis) -> set[str]:
    """The layers of every squeeze-and-excitation branch (Module 3): an edge into or out of one is the branch."""
    return {n for b in a.grouping.sub_blocks for m in b.modules if m.type is ModuleType.MODULE3 for n in m.layers}


def edge_style(a: Analysis, tail: str, head: str, branch: set[str]) -> dict[str, str]:
    """Skip connections dashed red, the squeeze-and-excitation branch purple, the main path as drawn."""
    if (tail, head) in a.grouping.skip_edges:
        return dict(SKIP_STYLE)
    return dict(SE_STYLE) if tail in branch or head in branch else {}


def key_marks(a: Analysis, members: set[str], stubs: bool, collapsed: bool) -> list[str]:
    """The edge styles and marks (style.EDGE_KEY) a drawing of these layers shows."""
    edges = [(t, h) for t, h in a.graph.edges if t in members or h in members]
    branch = se_layers(a)
    marks = ["main"]
    marks += ["se"] if any(t in branch or h in branch for t, h in edges) else []
    marks += ["skip"] if any(e in a.grouping.skip_edges for e in edges) else []
    marks += ["stub"] if stubs else []
    marks += ["collapsed"] if collapsed else []
    return marks


def add_key(graph: Digraph, marks: list[str], look: Look) -> None:
    """The key of the edge styles and marks, under the figure's title (as part of the graph's label, so it takes
    no place in the layout of the nodes)."""
    key = edge_key(marks, look)
    title = graph.graph_attr.get("label", "")
    graph.graph_attr.update(labelloc="t", label=stacked(title, key) if title else key)
