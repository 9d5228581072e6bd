"""What the diagrams add to the `graphviz` package: the flow direction, node names taken literally, DOT spellings
of numbers, HTML-like and plain labels, rank=same groups.

graphviz.Digraph writes statements in the order they are added (a `with g.subgraph()` block lands where it closes)
and sorts the attributes of each statement, so the same drawing gives the same DOT text on every run.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import graphviz
from graphviz.quoting import quote


class RankDir(enum.Enum):
    """Direction of the main flow: top to bottom or left to right."""

    TB = "tb"
    LR = "lr"

    @property
    def dot(self) -> str:
        return self.value.upper()


def _node_id(name: str) -> str:
    # '&' as '&amp;' here and in plain labels: Graphviz passes entities through to SVG, and a module named
    # '&#0;' would make the SVG ill-formed XML
    return quote(graphviz.nohtml(name.replace("&", "&amp;")))


class Digraph(graphviz.Digraph):
    """A graphviz.Digraph whose node names are taken literally.

    Node names are layer names, which a custom model may spell with ':' or '<...>' (a ModuleDict key): graphviz
    would read 'a:b' at an edge end as node a, port b, and '<b>' as HTML. No diagram uses ports.
    """

    _quote = _quote_edge = staticmethod(_node_id)


def html(markup: str) -> str:
    """An HTML-like label: graphviz writes a value in <...> as it is, unquoted."""
    return f"<{markup}>"


def html_escape(text: object) -> str:
    """Text inside an HTML-like label (html.escape would also turn ' into &#x27;, changing the bytes)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def plain(text: object) -> str:
    """A plain-text label taken literally: no backslash escapes, '<...>' is not read as HTML, '&...;' is no entity."""
    return graphviz.escape(str(text).replace("&", "&amp;"))


def number(value: float) -> str:
    """A stable, short attribute value: 1.25, not 1.2500000001."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def same_rank(graph: graphviz.Digraph, node_ids: Iterable[str]) -> None:
    """Put the nodes on one rank (an anonymous subgraph with rank=same)."""
    with graph.subgraph(graph_attr={"rank": "same"}) as line:
        for node_id in node_ids:
            line.node(node_id)
