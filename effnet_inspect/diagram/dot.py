"""A tiny deterministic DOT writer: statements come out in the order they are added, attributes in call order.

Written by hand rather than with the `graphviz` package so that the text is byte-identical from run to run and the
diagrams import nothing heavy.
"""
from __future__ import annotations

import enum
from contextlib import contextmanager
from typing import Iterator, Mapping


class RankDir(enum.Enum):
    """Direction of the main flow: top to bottom or left to right."""

    TB = "tb"
    LR = "lr"

    @property
    def dot(self) -> str:
        return self.value.upper()

    @property
    def across(self) -> "RankDir":
        """The perpendicular direction: inside one line of a figure whose lines stack along self."""
        return RankDir.LR if self is RankDir.TB else RankDir.TB


class Html(str):
    """An HTML-like label: written between <...> instead of quotes."""


def html_escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def quote(value: object) -> str:
    if isinstance(value, Html):
        return f"<{value}>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        value = f"{value:.3f}".rstrip("0").rstrip(".")  # stable, short numbers: 1.25 not 1.2500000001
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def attrs(values: Mapping[str, object]) -> str:
    return ", ".join(f"{k}={quote(v)}" for k, v in values.items() if v is not None)


class Dot:
    """Collects DOT statements; text() returns the finished graph."""

    def __init__(self, name: str, graph: Mapping[str, object], node: Mapping[str, object],
                 edge: Mapping[str, object]):
        self.lines = [f"digraph {quote(name)} {{"]
        self.depth = 1
        self.nodes: list[str] = []
        for kind, values in (("graph", graph), ("node", node), ("edge", edge)):
            self._add(f"{kind} [{attrs(values)}]")

    def _add(self, statement: str) -> None:
        self.lines.append("  " * self.depth + statement)

    def node(self, node_id: str, **values: object) -> str:
        self.nodes.append(node_id)
        self._add(f"{quote(node_id)} [{attrs(values)}]" if values else quote(node_id))
        return node_id

    def edge(self, tail: str, head: str, **values: object) -> None:
        self._add(f"{quote(tail)} -> {quote(head)}" + (f" [{attrs(values)}]" if values else ""))

    def attr(self, **values: object) -> None:
        """Attributes of the current (sub)graph, one statement each."""
        for key, value in values.items():
            if value is not None:
                self._add(f"{key}={quote(value)}")

    @contextmanager
    def subgraph(self, name: str, **values: object) -> Iterator[None]:
        self._add(f"subgraph {quote(name)} {{")
        self.depth += 1
        self.attr(**values)
        yield
        self.depth -= 1
        self._add("}")

    def same_rank(self, node_ids: list[str]) -> None:
        self._add("{rank=same; " + " ".join(quote(n) + ";" for n in node_ids) + "}")

    def text(self) -> str:
        return "\n".join([*self.lines, "}"]) + "\n"
