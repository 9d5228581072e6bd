"""Every card and every link of the report's explorers names a node or cluster the drawing of its level has: the keys
come from drawing/keys.py on both sides. Checked on the DOT source, without Graphviz and without writing a report."""

from __future__ import annotations

import re

import pytest
from helpers import cached_analysis

from effnet_inspect.drawing.dot import RankDir
from effnet_inspect.drawing.layer import layer_dot
from effnet_inspect.drawing.module import module_dot
from effnet_inspect.drawing.stage import columns_dot
from effnet_inspect.report.cards import layer_level, module_level, stage_level
from effnet_inspect.report.data import variant_data
from effnet_inspect.report.explore import variant_links, variant_routes

# A node statement ("name [attrs]" or a bare "name") or a subgraph, at the start of a DOT line; names may be quoted.
_DECLARED = re.compile(r'^\s*(?:subgraph\s+)?("(?:[^"\\]|\\.)*"|[\w.]+)\s*(?:\[|\{|$)', re.M)


def declared(dot: str) -> set[str]:
    return {name.strip('"') for name in _DECLARED.findall(dot)} - {"graph", "node", "edge"}


@pytest.fixture(scope="module")
def b0():
    return variant_data([cached_analysis("b0")])[0]


def test_declared_reads_nodes_and_clusters():
    dot = 'digraph g {\n  a [label=x]\n  subgraph cluster_b {\n    "c d" [x=1]\n  }\n  a -> "c d"\n}'
    assert declared(dot) == {"a", "cluster_b", "c d"}


def test_every_card_and_link_finds_its_box(b0):
    a = b0.analysis
    drawn = {
        "stage": declared(columns_dot([a], RankDir.TB)),
        "module": declared(module_dot(a, RankDir.TB)),
        "layer": declared(layer_dot(a, RankDir.TB)),
    }
    cards = {
        "stage": stage_level(a, b0.stages),
        "module": module_level(a, b0.stages, b0.sub_blocks),
        "layer": layer_level(a, b0.stages, b0.sub_blocks),
    }
    links = variant_links(b0)
    for level, nodes in drawn.items():
        assert cards[level] and set(cards[level]) <= nodes, sorted(set(cards[level]) - nodes)[:5]
        assert set(links[level]) <= set(cards[level])  # a link sits on a box that has a card
    # every box of the module level has a card, and every module box and row opens a sub-block
    assert {k for k in drawn["module"] if k.startswith("block")} <= set(cards["module"])
    assert len(links["module"]) == len(cards["module"]) - sum(bool(s.sub_blocks) for s in a.grouping.stages)
    for route in variant_routes(b0).values():
        assert route["focus"] is None or route["focus"] in drawn[route["level"]]


def test_side_by_side_columns_have_their_own_keys():
    models = variant_data([cached_analysis("b0"), cached_analysis("b1")])
    drawn = declared(columns_dot([m.analysis for m in models], RankDir.TB))
    for column, m in enumerate(models):
        assert set(stage_level(m.analysis, m.stages, column, m.short)) <= drawn
