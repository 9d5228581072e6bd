"""Graphviz SVG made explorable inside an HTML page, by plain text surgery on what `dot -Tsvg` writes.

- The XML prolog, doctype and comments go (the SVG is inlined into the page).
- Graphviz' element ids (node1, clust2, edge3) go: several drawings share a page, and nothing refers to them;
  so does the graph's <title> (its DOT name, "b0_layers", as a tooltip over the whole drawing).
- Every node and cluster with a card gets data-key="<its Graphviz name>" (what the page script looks the card up
  by) and a readable <title> (the browser's own tooltip, also without JavaScript) instead of the bare node id;
  other nodes, clusters and all edges lose their <title>, whose ids ("block1c_bn->block1c_activation") only
  confuse.
- The diagrams' font-family, repeated on every text, is left to the page's stylesheet.
- A node or cluster with a link has its drawing wrapped in <a href>: it then works as a link without JavaScript.
- The boxes that the page's routes open ("#sub-block-block2a": block2a at layer level) carry that id, so a link
  lands on the drawing, with or without JavaScript.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from effnet_inspect.drawing.style import FONT
from effnet_inspect.report.cards import Card

_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)
_GROUP = re.compile(
    r'<g id="(?:node|clust|edge)\d+" class="(node|cluster|edge)">\n<title>(.*?)</title>\n(.*?)</g>', re.S
)
_GRAPH = re.compile(r'<g id="graph\d+" class="graph"([^>]*)>\n<title>.*?</title>\n')
# The diagrams' one font, on every <text>: the page's stylesheet sets it once instead (a third smaller markup).
_FONT = re.compile(f' font-family="{re.escape(FONT)}"')


def inline(svg: str) -> str:
    """SVG text to place inside HTML: everything before <svg> and every comment removed."""
    return _COMMENT.sub("", _PROLOG.sub("", svg, count=1))


def interactive(
    svg: str,
    cards: Mapping[str, Card],
    links: Mapping[str, str] | None = None,
    titles: bool = True,
    ids: Mapping[str, str] | None = None,
) -> str:
    """The drawing for an explorer: keyed, titled (unless titles is False) and linked as the module docstring says;
    ids names the boxes that links into the page land on (key -> element id: cluster_block2a -> sub-block-block2a)."""
    links, ids = links or {}, ids or {}

    def group(m: re.Match) -> str:
        cls, key, body = m.group(1), html.unescape(m.group(2)), m.group(3)
        card = cards.get(key) if cls != "edge" else None
        if card is None:
            return f'<g class="{cls}">\n{body}</g>'
        href = links.get(key)
        if href:
            body = f'<a href="{html.escape(href)}">\n{body}</a>\n'
        title = f"<title>{html.escape(card.tooltip)}</title>\n" if titles else ""
        anchor = f' id="{html.escape(ids[key])}"' if key in ids else ""
        return f'<g class="{cls}"{anchor} data-key="{html.escape(key)}">\n{title}{body}</g>'

    text = _FONT.sub("", _GROUP.sub(group, inline(svg)))
    return _GRAPH.sub(r'<g class="graph"\1>\n', text, count=1)


def size(svg: str) -> tuple[float, float]:
    """The drawing's width and height in CSS pixels (Graphviz writes points: 1 pt = 4/3 px)."""
    m = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if m is None:
        raise ValueError("not a Graphviz SVG: no width and height in points")
    return float(m.group(1)) * 4 / 3, float(m.group(2)) * 4 / 3
