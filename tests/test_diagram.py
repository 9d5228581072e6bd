"""Diagrams: golden DOT text for B0, structure against the analysis for every variant, deterministic SVG, CLI.

Regenerate the golden files after an intended change with: python -m pytest --update-golden
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from itertools import groupby

import pytest
from helpers import cached_analysis

from effnet_inspect.analysis.rows import module_counts, sub_block_rows
from effnet_inspect.arch.kinds import LayerKind
from effnet_inspect.arch.specs import OFFICIAL_NAMES
from effnet_inspect.cli import main
from effnet_inspect.drawing import DOT_MISSING, DiagramFormat, DiagramLevel, diagram_dot, render, render_svg
from effnet_inspect.drawing.dot import Digraph, same_rank
from effnet_inspect.errors import InputError
from effnet_inspect.render.numbers import compact, growth, keras_shape

# DOT as graphviz.Digraph writes it: one statement a line, ids quoted only where DOT needs it.
ID = r'("(?:[^"\\]|\\.)*"|[\w.]+)'
NODE = re.compile(rf"^\t+(?!(?:graph|node|edge) \[){ID} \[", re.M)
EDGE = re.compile(rf"^\t+{ID} -> {ID}(.*)$", re.M)
CLUSTER = re.compile(rf"^\t*subgraph {ID} \{{\n\t*graph \[[^\n]*?\blabel={ID}", re.M)
SAME_RANK = re.compile(r"\{\n\t*graph \[rank=same\]\n((?:\t*[^\t\n{}][^\n]*\n)*?)\t*\}")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")


def unquote(dot_id: str) -> str:
    return dot_id[1:-1].replace('\\"', '"') if dot_id.startswith('"') else dot_id


def nodes(dot: str) -> list[str]:
    return [unquote(n) for n in NODE.findall(dot)]


def visible_edges(dot: str) -> list[tuple[str, str, str]]:
    return [(unquote(t), unquote(h), attrs) for t, h, attrs in EDGE.findall(dot) if "style=invis" not in attrs]


def cluster_labels(dot: str) -> list[tuple[str, str]]:
    """(name without 'cluster_', label) of every cluster, in the order of the text."""
    return [(unquote(name).removeprefix("cluster_"), unquote(label)) for name, label in CLUSTER.findall(dot)]


def same_rank_groups(dot: str) -> list[list[str]]:
    return [[unquote(line.strip()) for line in body.splitlines()] for body in SAME_RANK.findall(dot)]


# ------------------------------------------------------------------------------------------------ golden
GOLDEN_CASES = {
    "diagram_b0_stage.dot": (("b0",), DiagramLevel.STAGE, False, False),
    "diagram_b0_module.dot": (("b0",), DiagramLevel.MODULE, False, False),
    "diagram_b0_module_expand.dot": (("b0",), DiagramLevel.MODULE, False, True),
    "diagram_b0_layer.dot": (("b0",), DiagramLevel.LAYER, False, False),
    "diagram_b0_b7_side_by_side.dot": (("b0", "b7"), DiagramLevel.STAGE, True, False),
}


def drawn_node_ids(dot_source: str) -> set[str]:
    """The node ids Graphviz itself parses out of DOT text (independent of how the text is written)."""
    return set(re.findall(r'<g id="node\d+" class="node">\s*<title>([^<]*)</title>', render_svg(dot_source)))


@needs_dot
@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_dot(name, golden):
    variants, level, side_by_side, expand = GOLDEN_CASES[name]
    analyses = [cached_analysis(v) for v in variants]
    text = diagram_dot(analyses, level, side_by_side, expand_all=expand)

    def invariants(dot_source: str) -> None:
        drawn = {html.unescape(n) for n in drawn_node_ids(dot_source)}
        a = analyses[0]
        if level is DiagramLevel.LAYER:  # every layer is a node
            assert set(a.graph.nodes) <= drawn
        elif level is DiagramLevel.MODULE:  # stem, top and one box per module of every drawn sub-block row
            assert {"stem", "top"} <= drawn
            assert {f"{b.name}_{b.modules[0].type.value}" for b in a.grouping.sub_blocks if b.index == 0} <= drawn
        else:  # one cell per stage and column
            assert {f"cell_{i}_{s.name}" for i, x in enumerate(analyses) for s in x.grouping.stages} <= drawn

    golden.check(name, text, invariants)


def test_statements_come_out_in_insertion_order():
    """graphviz.Digraph writes statements in the order they are added; a subgraph lands where its block closes."""
    g = Digraph(name="order")
    for name in ("z", "m", "a"):
        g.node(name)
    with g.subgraph(name="cluster_inner") as inner:
        inner.node("y")
        with inner.subgraph(name="cluster_innermost") as innermost:
            innermost.node("b")
        inner.node("c")
    g.edge("a", "z")
    same_rank(g, ["m", "a"])
    g.edge("z", "m")
    assert [line.strip() for line in g.source.splitlines()] == [
        "digraph order {",
        "z",
        "m",
        "a",
        "subgraph cluster_inner {",
        "y",
        "subgraph cluster_innermost {",
        "b",
        "}",
        "c",
        "}",
        "a -> z",
        "{",
        "graph [rank=same]",
        "m",
        "a",
        "}",
        "z -> m",
        "}",
    ]


def test_layer_diagram_lists_layers_and_edges_in_network_order():
    a = cached_analysis("b0")
    dot = diagram_dot(a, "layer")
    drawn_in = [
        n
        for s in a.grouping.stages
        for n in (s.layers if not s.sub_blocks else (name for b in s.sub_blocks for name in b.layers))
    ]
    assert nodes(dot) == ["legend", *drawn_in]
    assert [(t, h) for t, h, _ in visible_edges(dot)] == list(a.graph.edges)


def test_node_names_are_taken_literally():
    """A layer may be named 'a:b' or '<b>' (ModuleDict keys): neither a port nor HTML."""
    g = Digraph(name="names")
    g.node("a:b")
    g.node("<b>")
    g.edge("a:b", "<b>")
    assert [line.strip() for line in g.source.splitlines()[1:-1]] == ['"a:b"', '"<b>"', '"a:b" -> "<b>"']
    if shutil.which("dot"):
        assert {html.unescape(n) for n in drawn_node_ids(g.source)} == {"a:b", "<b>"}


def test_dot_text_is_identical_between_calls():
    a = cached_analysis("b3")
    for level in DiagramLevel:
        assert diagram_dot(a, level) == diagram_dot(a, level)


# ------------------------------------------------------------------------------------------------ structure
def test_layer_level_one_node_per_layer_and_the_real_edges(official):
    a = cached_analysis(official, False)
    dot = diagram_dot(a, DiagramLevel.LAYER)
    ids = nodes(dot)
    assert len(ids) == len(set(ids)) == a.graph.number_of_nodes() + 1  # + the legend
    assert set(ids) - {"legend"} == set(a.graph.nodes)
    edges = visible_edges(dot)
    assert {(t, h) for t, h, _ in edges} == set(a.graph.edges) and len(edges) == a.graph.number_of_edges()
    skips = [(t, h) for t, h, attrs in edges if "dashed" in attrs]
    assert len(skips) == sum(b.has_skip for b in a.grouping.sub_blocks)
    assert all(a.graph.nodes[h]["layer"].kind is LayerKind.ADD for _, h in skips)
    clusters = [name for name, _ in cluster_labels(dot) if name != "legend"]
    assert clusters == [n for s in a.grouping.stages for n in (s.name, *(b.name for b in s.sub_blocks))]


def test_b0_layer_level_without_top_has_237_layer_nodes():
    assert len(nodes(diagram_dot(cached_analysis("b0", False), "layer"))) == 237 + 1


def _expected_rows(a) -> list[list]:
    """Runs of consecutive sub-blocks of one stage with equal module types, channels, resolutions and params."""
    rows = sub_block_rows(a)

    def key(r):
        return (r.stage, tuple(r.modules), r.in_channels, r.out_channels, r.in_resolution, r.out_resolution, r.params)

    return [list(run) for _, run in groupby(rows, key=key)]


def _node_text(dot: str, node_id: str) -> str:
    """The visible text of a node's HTML label, markup removed."""
    line = next(text for text in dot.splitlines() if text.strip().startswith(f"{node_id} ["))
    return html.unescape(re.sub(r"<[^>]*>", " ", line.split("label=<", 1)[1].rpartition(">")[0]))


def test_module_level_boxes_match_grouping_and_collapsing(official):
    a = cached_analysis(official)
    dot = diagram_dot(a, DiagramLevel.MODULE)
    collapsed = nodes(dot)
    labels = [n for n in collapsed if n.startswith("label_")]
    boxes = [n for n in collapsed if n not in ("stem", "top", "legend", *labels)]
    runs = _expected_rows(a)
    assert len(boxes) == sum(len(run[0].modules) for run in runs)
    assert len(labels) == len(runs)
    for label, run in zip(labels, runs):  # each row starts with a label node naming its sub-blocks
        assert label == f"label_{run[0].sub_block}"
        words = _node_text(dot, label).split()
        assert words[-1] == (f"\u00d7{len(run)}" if len(run) > 1 else run[0].sub_block)
        if run[0].sub_block.endswith("a"):  # a block's first row also carries the block's caption
            assert words[0] == run[0].stage
    # no cluster has a label an edge could run through
    assert all(label == "" for _, label in cluster_labels(dot))
    expanded = nodes(diagram_dot(a, DiagramLevel.MODULE, expand_all=True))
    assert len([n for n in expanded if n not in ("stem", "top", "legend") and not n.startswith("label_")]) == sum(
        module_counts(a.grouping).values()
    )


def test_collapsing_actually_collapses_b7():
    a = cached_analysis("b7")
    dot = diagram_dot(a, "module")
    assert "block6b \u2013 block6m   \u00d712" in dot
    assert len(nodes(dot)) < len(nodes(diagram_dot(a, "module", expand_all=True)))


def test_stage_level_nine_stages(official):
    a = cached_analysis(official)
    cells = [n for n in nodes(diagram_dot(a, DiagramLevel.STAGE)) if n.startswith("cell_")]
    assert cells == [f"cell_0_{s.name}" for s in a.grouping.stages] and len(cells) == 9


def test_side_by_side_rows_line_up_and_show_growth():
    found = [cached_analysis(n) for n in OFFICIAL_NAMES]
    dot = diagram_dot(found, DiagramLevel.STAGE, side_by_side=True)
    cells = [n for n in nodes(dot) if n.startswith("cell_")]
    assert len(cells) == 8 * 9
    rows = same_rank_groups(dot)
    for stage in found[0].grouping.stages:
        assert [f"row_{stage.name}", *(f"cell_{i}_{stage.name}" for i in range(8))] in rows
    b7_total = re.search(r"\thead_7 \[[^\n]*<b>(x[\d.]+) params", dot).group(1)
    t0 = sum(layer.params for layer in found[0].layers())
    t7 = sum(layer.params for layer in found[7].layers())
    assert b7_total == f"x{t7 / t0:.1f}"

    # box height grows with repeats: B7's block6 (13 sub-blocks) is taller than B0's (4)
    def height(i):
        return float(re.search(rf"\tcell_{i}_block6 \[.*height=([\d.]+)", dot).group(1))

    assert height(7) > height(0)


def test_bad_api_input_is_one_line():
    a = cached_analysis("b0")
    with pytest.raises(InputError, match="side by side"):
        diagram_dot([a, a], "stage")
    with pytest.raises(InputError, match="stage level"):
        diagram_dot([a, a], "layer", side_by_side=True)
    with pytest.raises(InputError, match="valid: layer, module, stage"):
        diagram_dot(a, "blocks")
    with pytest.raises(InputError, match="valid: tb, lr"):
        diagram_dot(a, "stage", rankdir="BT")


def test_rankdir_lr():
    dot = diagram_dot(cached_analysis("b0"), "stage", rankdir="LR")
    assert "rankdir=LR" in dot


@pytest.mark.parametrize(
    "n, text",
    [
        (None, "-"),
        (928, "928"),
        (1000, "1K"),
        (1448, "1.45K"),
        (16714, "16.7K"),
        (140_300, "140K"),
        (999_499, "999K"),
        (999_999, "1M"),
        (5_288_548, "5.29M"),
        (10_035_712, "10M"),
        (390_000_000, "390M"),
        (37_750_000_000, "37.8G"),
    ],
)
def test_count_units(n, text):
    assert compact(n) == text


def test_growth_and_shapes():
    assert growth(66_347_960, 5_288_548) == "x12.5" and growth(5, None) == "" and growth(30_000, 100) == "x300"
    assert keras_shape((1, 32, 112, 96)) == "112\u00d796\u00d732" and keras_shape((1, 1000)) == "1000"


# ------------------------------------------------------------------------------------------------ rendering
@needs_dot
@pytest.mark.parametrize("level", list(DiagramLevel))
def test_svg_is_deterministic(level):
    dot = diagram_dot(cached_analysis("b0"), level)
    first, second = render_svg(dot), render_svg(dot)
    assert first == second and first.lstrip().startswith("<?xml") and "</svg>" in first
    assert "/tmp" not in first and "/work" not in first


@needs_dot
@pytest.mark.parametrize("fmt, magic", [(DiagramFormat.PNG, b"\x89PNG"), (DiagramFormat.PDF, b"%PDF")])
def test_binary_formats_are_deterministic(fmt, magic):
    dot = diagram_dot(cached_analysis("b0"), "stage")
    first = render(dot, fmt)
    assert first.startswith(magic) and render(dot, fmt) == first


_DRAW_B0 = """
import sys
from pathlib import Path
from effnet_inspect.analysis.measure import analyze
from effnet_inspect.drawing import diagram_dot, render

out, dot = Path(sys.argv[1]), diagram_dot(analyze("b0"), "module")
(out / "b0.dot").write_text(dot, encoding="utf-8")
for fmt in ("svg", "pdf"):
    (out / f"b0.{fmt}").write_bytes(render(dot, fmt))
"""


@needs_dot
def test_separate_processes_give_identical_bytes(tmp_path):
    """Nothing in the output depends on the process: hash seeds differ, and the PDF's dates are pinned."""
    runs = []
    for run, seed in (("first", "1"), ("second", "2")):  # at the same time: each spends seconds importing torch
        (tmp_path / run).mkdir()
        runs.append(
            subprocess.Popen(
                [sys.executable, "-c", _DRAW_B0, str(tmp_path / run)], env={**os.environ, "PYTHONHASHSEED": seed}
            )
        )
    assert [process.wait() for process in runs] == [0, 0]
    names = sorted(p.name for p in (tmp_path / "first").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "second").iterdir()) == ["b0.dot", "b0.pdf", "b0.svg"]
    for name in names:
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes(), name
    dates = re.findall(rb"/(?:Creation|Mod)Date \(D:(\d{14})", (tmp_path / "first" / "b0.pdf").read_bytes())
    assert set(dates) <= {b"19700101000000"}


@needs_dot
def test_dot_errors_are_one_line():
    with pytest.raises(InputError, match=r"^Graphviz 'dot' failed: .*syntax error") as caught:
        render("digraph { a -> }", DiagramFormat.SVG)
    assert "\n" not in str(caught.value)


@needs_dot
def test_side_by_side_svg_is_deterministic():
    dot = diagram_dot([cached_analysis("b0"), cached_analysis("b7")], "stage", side_by_side=True)
    assert render_svg(dot) == render_svg(dot)


# ------------------------------------------------------------------------------------------------ CLI
def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["diagram", "b9"], "unknown variant 'b9'"),
        (["diagram", "b0", "--level", "blocks"], "choose from layer, module, stage"),
        (["diagram", "b0", "--format", "gif"], "choose from svg, png, pdf, dot"),
        (["diagram", "b0", "--rankdir", "BT"], "choose from TB, LR"),
        (["diagram", "b0", "--rankdir", "bt"], "choose from tb, lr"),
        (["diagram", "b0", "--format", "png", "--out", "x.svg"], "looks like svg but --format is png"),
    ],
)
def test_cli_bad_arguments_exit_2(capsys, argv, fragment):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    assert code == 2
    assert fragment in _one_line_error(capsys)


def test_cli_side_by_side_needs_stage_level(capsys):
    assert main(["diagram", "b0", "b1", "--side-by-side", "--level", "module"]) == 2
    assert "stage level" in _one_line_error(capsys)


def test_cli_unwritable_out_exit_2(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert main(["diagram", "b0", "--format", "dot", "--out", str(blocker / "b0.dot")]) == 2
    assert "is a file, not a directory" in _one_line_error(capsys)
    assert blocker.read_text() == "not a directory"


def test_cli_dot_to_stdout(capsys):
    assert main(["diagram", "b0", "--format", "dot"]) == 0
    assert capsys.readouterr().out == diagram_dot(cached_analysis("b0"), "stage")


def test_cli_several_variants_give_one_file_each(tmp_path, capsys):
    assert main(["diagram", "b0", "b1", "--format", "dot", "--level", "module", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b0-module.dot", "b1-module.dot"]
    assert (tmp_path / "b1-module.dot").read_text() == diagram_dot(cached_analysis("b1"), "module")
    capsys.readouterr()
    assert main(["diagram", "b0", "b1", "--format", "dot", "--out", str(tmp_path / "one.dot")]) == 2
    assert "must be a directory" in _one_line_error(capsys)
    single = tmp_path / "single"
    single.mkdir()
    assert main(["diagram", "b2", "--format", "dot", "--out", str(single)]) == 0  # a directory: default name
    assert [p.name for p in single.iterdir()] == ["b2-stage.dot"]


def _cli_without_dot(tmp_path, *args):
    empty = tmp_path / "bin"
    empty.mkdir(exist_ok=True)
    env = {**os.environ, "PATH": str(empty)}
    return subprocess.run(
        [sys.executable, "-m", "effnet_inspect", "diagram", "b0", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )


def test_cli_without_graphviz(tmp_path):
    done = _cli_without_dot(tmp_path, "--format", "dot")
    assert done.returncode == 0 and done.stdout.startswith("digraph b0_stages {")
    done = _cli_without_dot(tmp_path, "--format", "svg")
    assert done.returncode == 2 and done.stderr == f"effnet-inspect diagram: error: {DOT_MISSING}\n"
    assert not list(tmp_path.glob("*.svg"))
