"""The report's computed views without a browser: the decision view and its speeds, the honest paper comparison,
the article reconciled, and the explorer's data (every card, link and route names a box the drawing really has)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from helpers import cached_analysis

from effnet_inspect.arch.published import PAPER_TABLE2, printed_range
from effnet_inspect.arch.specs import OFFICIAL_NAMES
from effnet_inspect.bench.results import Precision, Status
from effnet_inspect.bench.schema import load_results
from effnet_inspect.report.article import article_facts
from effnet_inspect.report.data import variant_data
from effnet_inspect.report.decision import decisions
from effnet_inspect.report.sections import paper_comparison

ROOT = Path(__file__).resolve().parents[1]
H200 = ROOT / "reports" / "bench" / "nvidia-h200.json"
CPU_EXAMPLE = Path(__file__).parent / "data" / "bench_cpu_example.json"


# ---------------------------------------------------------------------------------------- decision view
def test_decision_view_takes_one_eager_configuration_for_every_variant():
    run = load_results(H200)
    variants = variant_data([cached_analysis(n) for n in OFFICIAL_NAMES])
    rows, source = decisions(variants, [run])
    assert source is not None and (source.precision, source.channels_last) == (Precision.BF16, True)
    for d in rows:
        same = [
            r
            for r in run.results
            if r.status is Status.OK
            and r.model == d.v.name
            and not r.compiled
            and not r.cuda_graphs
            and r.precision is Precision.BF16
            and r.channels_last
        ]
        biggest = max(same, key=lambda r: r.measured_batch_size)
        smallest = min(same, key=lambda r: r.measured_batch_size)
        assert d.speed is not None and d.speed.throughput == biggest.throughput
        assert d.speed.latency_ms == smallest.latency.p50_ms and d.speed.latency_batch == 1
        assert d.top1 == PAPER_TABLE2[d.v.name].top1
    macs = {d.v.name: (d.v.family.macs, d.macs_shared) for d in rows}
    assert macs["b0"][0] == macs["b0"][1]  # B0's own input is the shared 224
    assert all(shared < own for own, shared in list(macs.values())[1:])  # the same network on fewer pixels
    assert sorted(m[1] for m in macs.values()) == [m[1] for m in macs.values()]  # width and depth alone still grow


def test_decision_view_prefers_the_configuration_covering_most_variants_then_bf16():
    variants = variant_data([cached_analysis("w=0.25,d=0.25,r=64"), cached_analysis("w=0.5,d=0.5,r=96")])
    rows, source = decisions(variants, [load_results(CPU_EXAMPLE)])
    assert source is not None and source.precision is Precision.BF16 and not source.channels_last
    assert [d.speed.batch for d in rows] == [4, 4] and all(d.top1 is None for d in rows)
    assert decisions(variant_data([cached_analysis("b0")]), [load_results(CPU_EXAMPLE)])[1] is None  # not measured


def test_index_and_compare_pages_show_the_speeds(h200_report):
    index = (h200_report / "index.html").read_text()
    assert 'id="decision-table"' in index and "17,754" in index and "11,470" in index  # B0, B1 images/s
    assert "charts/accuracy-vs-throughput.svg" in index and "charts/accuracy-vs-macs.svg" in index
    compare = (h200_report / "compare-b0-b1.html").read_text()
    assert "Images/s (NVIDIA H200" in compare and "MACs at 224 px" in compare and "Top-1 % (paper)" in compare


def test_report_command_reads_the_bench_file_in_its_folder(tmp_path, capsys):
    from effnet_inspect.cli import main

    out = tmp_path / "reports"
    (out / "bench").mkdir(parents=True)
    shutil.copyfile(CPU_EXAMPLE, out / "bench" / "cpu.json")  # a small file: the page's charts are quick to draw
    assert main(["report", "w=0.25,d=0.25,r=64", "--out", str(out)]) == 0  # (without bench/: test_report.py)
    assert (out / "bench.html").is_file() and 'href="bench.html"' in (out / "index.html").read_text()
    assert "bf16, eager" in (out / "index.html").read_text()  # the decision view found its speed
    capsys.readouterr()


# ---------------------------------------------------------------------------------------- the paper
def test_printed_range_is_the_precision_of_the_printed_figure():
    assert printed_range("4.2B") == pytest.approx((4.15e9, 4.25e9))
    assert printed_range("0.70B") == pytest.approx((0.695e9, 0.705e9))
    assert printed_range("12M") == pytest.approx((11.5e6, 12.5e6))


def test_differences_beyond_rounding_are_named():
    comparison = paper_comparison(variant_data([cached_analysis(n) for n in OFFICIAL_NAMES]))
    named = {re.match(r"(B\d) (\w+)", s).groups() for s in comparison.outside}
    assert named == {("B1", "MACs"), ("B2", "parameters"), ("B4", "MACs"), ("B5", "MACs"), ("B7", "MACs")}
    b4 = next(s for s in comparison.outside if s.startswith("B4"))
    assert "4.394 G" in b4 and "4.15\u20134.25B" in b4 and "+4.6 %" in b4
    cells = {r.cells[0]: r.cells for r in comparison.table.rows}
    assert cells["B0"][6] == "-1.1 %, rounding" and cells["B7"][6] == "+2.0 %, not rounding"


# ------------------------------------------------------------------------------------- the article
def test_article_numbers_come_from_the_graph():
    b0, b7 = variant_data([cached_analysis("b0"), cached_analysis("b7")])
    f0, f7 = article_facts(b0), article_facts(b7)
    assert (f0.layers_without_top, f0.layers, f7.layers_without_top, f7.layers) == (237, 240, 813, 816)
    assert (f0.head_channels, f7.head_channels) == (1280, 2560) and (f0.head_in, f7.head_in) == (320, 640)
    assert f0.module2 == f7.module2 == 4 and f0.keeping == ("block1", "block5", "block7")
    assert f0.skips_without_dropout == () and f7.skips == 48
    no_top = article_facts(variant_data([cached_analysis("b0", include_top=False)])[0])
    assert (no_top.classifier, no_top.layers_without_top) == (0, 237)


def test_keras_omits_the_dropout_where_the_drop_connect_rate_is_zero():
    """A model so narrow that block1a keeps its channels gets a skip at global index 0: an Add, no Dropout."""
    facts = article_facts(variant_data([cached_analysis("w=0.1,d=0.3,r=64")])[0])
    assert facts.skips_without_dropout == ("block1a",)


# ---------------------------------------------------------------------------------------- explorers
def explorer_data(page: str) -> list[tuple[dict, str]]:
    """(JSON data, the figure's markup) of every explorer on a page."""
    found = []
    for figure in re.findall(r'<figure class="explorer".*?</figure>', page, re.S):
        data = re.search(r'<script type="application/json" class="explorer-data">(.*?)</script>', figure, re.S)
        found.append((json.loads(data.group(1).replace("<\\/", "</")), figure))
    return found


def keys_by_level(figure: str) -> dict[str, set[str]]:
    views = re.findall(r'<div class="view" data-level="(\w+)">(.*?)<p class="view-caption">', figure, re.S)
    return {level: set(re.findall(r'data-key="([^"]+)"', body)) for level, body in views}


def test_every_card_link_and_route_names_a_box_of_the_drawing(h200_report):
    """Cards are keyed by the diagram's own node names: if diagram/ renames its nodes, this fails."""
    page = (h200_report / "b1.html").read_text()
    ((data, figure),) = explorer_data(page)
    drawn = keys_by_level(figure)
    for level, cards in data["cards"].items():
        assert set(cards) == drawn[level], level  # a card for every keyed box, a box for every card
    assert len(data["cards"]["layer"]) == 342 + 9 + 23  # B1: every layer, stage frame and sub-block frame
    ids = set(re.findall(r'<tr id="([^"]+)"', page))
    links = set(re.findall(r'<a href="#([^"]+)">', figure))
    assert links and links <= set(data["routes"]) and set(data["routes"]) - {""} <= ids
    for name, route in data["routes"].items():
        assert route["focus"] is None or route["focus"] in drawn[route["level"]], name
    assert "<title>" not in re.search(r'data-level="layer">(.*?)</svg>', figure, re.S).group(1)
    assert not re.search(r'<g id="(node|edge|clust)\d+"', page)  # no clashing Graphviz ids


def test_side_by_side_cells_open_their_variant_pages(h200_report):
    ((data, figure),) = explorer_data((h200_report / "index.html").read_text())
    links = re.findall(r'<a href="([^"]+#stage-[^"]+)">', figure)
    assert "b1.html#stage-block3" in links and len(links) == 18  # 9 stages x 2 variants
    assert {"cell_0_block3", "cell_1_block3"} <= set(data["cards"]["stage"])
