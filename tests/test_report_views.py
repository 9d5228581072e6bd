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
def _eager(run, name: str, precision: Precision, channels_last: bool, graphs: bool = False) -> dict[int, object]:
    """batch -> that variant's result in one configuration (the oracle: read straight from the records)."""
    return {
        r.measured_batch_size: r
        for r in run.results
        if r.status is Status.OK
        and r.model == name
        and not r.compiled
        and r.cuda_graphs is graphs
        and r.precision is precision
        and r.channels_last is channels_last
    }


def test_decision_view_compares_every_variant_at_one_common_batch():
    """Images/s at the largest batch every variant was measured at; latency from a CUDA graph where one exists."""
    run = load_results(H200)
    variants = variant_data([cached_analysis(n) for n in OFFICIAL_NAMES])
    rows, source = decisions(variants, [run])
    assert source is not None and (source.precision, source.channels_last) == (Precision.BF16, True)
    measured = {n: _eager(run, n, Precision.BF16, True) for n in OFFICIAL_NAMES}
    common = max(set.intersection(*(set(m) for m in measured.values())))
    assert source.batch == common == 16 and source.common  # the old run had no time for larger B5-B7 batches
    for d in rows:
        eager, graph = measured[d.v.name], _eager(run, d.v.name, Precision.BF16, True, graphs=True)
        assert d.speed is not None and d.speed.batch == common
        assert d.speed.throughput == eager[common].throughput
        assert d.speed.latency_batch == 1 and d.speed.graph is (1 in graph)
        assert d.speed.latency_ms == (graph[1] if 1 in graph else eager[1]).latency.p50_ms
        # launch-bound: 16 images took less than twice as long as the quickest pass of 1, in every variant of this run
        assert eager[16].latency.p50_ms < 2 * eager[1].latency.min_ms
        assert d.speed.throughput_launch_bound and d.speed.latency_launch_bound is not d.speed.graph
        assert d.top1 == PAPER_TABLE2[d.v.name].top1
    assert [d.v.name for d in rows if d.speed and d.speed.graph] == ["b0"]  # the only CUDA-graph run at batch 1
    macs = {d.v.name: (d.v.family.macs, d.macs_shared) for d in rows}
    assert macs["b0"][0] == macs["b0"][1]  # B0's own input is the shared 224
    assert all(shared < own for own, shared in list(macs.values())[1:])  # the same network on fewer pixels
    assert sorted(m[1] for m in macs.values()) == [m[1] for m in macs.values()]  # width and depth alone still grow


def test_the_largest_batch_is_not_launch_bound():
    """The mark is the run's: B0 at 256 took more than twice as long as its quickest pass at batch 1, at 16 less."""
    from effnet_inspect.report.decision import launch_bound

    run = load_results(H200)
    eager = _eager(run, "b0", Precision.BF16, True)
    same = list(eager.values())
    assert eager[256].latency.p50_ms >= 2 * eager[1].latency.min_ms > eager[16].latency.p50_ms
    assert not launch_bound(eager[256], same) and launch_bound(eager[16], same) and launch_bound(eager[1], same)


def test_decision_view_prefers_the_configuration_covering_most_variants_then_bf16():
    variants = variant_data([cached_analysis("w=0.25,d=0.25,r=64"), cached_analysis("w=0.5,d=0.5,r=96")])
    rows, source = decisions(variants, [load_results(CPU_EXAMPLE)])
    assert source is not None and source.precision is Precision.BF16 and not source.channels_last
    assert [d.speed.batch for d in rows] == [4, 4] and all(d.top1 is None for d in rows)
    assert source.bound == "overhead-bound"  # a CPU launches no kernels
    assert decisions(variant_data([cached_analysis("b0")]), [load_results(CPU_EXAMPLE)])[1] is None  # not measured


@pytest.mark.slow
def test_speeds_carry_their_provenance_on_the_index_and_compare_pages(h200_report):
    """Next to every table and chart that quotes a speed: device, day, commit, precision, method, and that this
    converted run predates the code that wrote the page (the run's own note)."""
    run = load_results(H200)
    env = run.environment
    must = [env.device_name, env.date, f"commit {env.commit}", "bf16 + channels-last, eager", "CUDA events"]
    for page, table in (("index.html", "decision-table"), ("compare-b0-b1.html", "family-growth")):
        html = (h200_report / page).read_text()
        after = html[html.index(f'id="{table}"') :]
        note = re.search(r'<div class="provenance older" role="note".*?</div>', after, re.S)
        assert note and after.index(note.group(0)) < after.index("</table>") + 400, page  # right under the table
        text = note.group(0)
        assert all(m in text for m in must), page
        assert "Older than this page&#39;s code" in text and "before the fused forward" in text
    index = (h200_report / "index.html").read_text()
    caption = re.search(r"Accuracy against throughput on (.*?)</figcaption>", index, re.S).group(1)
    assert all(m in caption for m in (env.device_name, env.date, env.commit, "batch 256"))  # B0 and B1: 256


@pytest.mark.slow
def test_index_and_compare_pages_show_the_speeds(h200_report):
    index = (h200_report / "index.html").read_text()
    assert 'id="decision-table"' in index and "17,754" in index and "11,470" in index  # B0, B1 images/s at 256
    assert "Images/s at batch 256" in index and "CUDA graph" in index and "eager, launch-bound" in index
    assert "charts/accuracy-vs-throughput.svg" in index and "charts/accuracy-vs-macs.svg" in index
    compare = (h200_report / "compare-b0-b1.html").read_text()
    assert "Images/s at batch 256" in compare and "MACs at 224 px" in compare and "Top-1 % (paper)" in compare
    # B0's latency is a CUDA graph's, B1's eager: no growth factor between the two
    row = re.search(
        r"<tr><th scope=\"row\">Latency ms \(p50, batch 1; CUDA graph vs eager, launch-bound\)</th>(.*?)</tr>", compare
    )
    assert row and re.findall(r'<td class="num">([^<]*)</td>', row.group(1))[2] == ""


@pytest.mark.slow
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


@pytest.mark.slow
def test_every_card_link_and_route_names_a_box_of_the_drawing(h200_report):
    """Cards are keyed by the diagram's own node names: if diagram/ renames its nodes, this fails."""
    page = (h200_report / "b1.html").read_text()
    ((data, figure),) = explorer_data(page)
    drawn = keys_by_level(figure)
    for level, cards in data["cards"].items():
        assert set(cards) == drawn[level], level  # a card for every keyed box, a box for every card
    assert len(data["cards"]["layer"]) == 342 + 9 + 23  # B1: every layer, stage frame and sub-block frame
    ids = re.findall(r'<g class="\w+" id="([^"]+)" data-key="([^"]+)"', figure)
    links = set(re.findall(r'<a href="#([^"]+)">', figure))
    assert links and links <= set(data["routes"]) and set(data["routes"]) - {""} == {i for i, _ in ids}
    for name, key in ids:  # a route's id is on the box it opens, and nowhere else on the page
        assert data["routes"][name]["focus"] == key and page.count(f'id="{name}"') == 1
    for name, route in data["routes"].items():
        assert route["focus"] is None or route["focus"] in drawn[route["level"]], name
    assert "<title>" not in re.search(r'data-level="layer">(.*?)</svg>', figure, re.S).group(1)
    assert not re.search(r'<g id="(node|edge|clust)\d+"', page)  # no clashing Graphviz ids


@pytest.mark.slow
def test_side_by_side_cells_open_their_variant_pages(h200_report):
    ((data, figure),) = explorer_data((h200_report / "index.html").read_text())
    links = re.findall(r'<a href="([^"]+#stage-[^"]+)">', figure)
    assert "b1.html#stage-block3" in links and len(links) == 18  # 9 stages x 2 variants
    assert {"cell_0_block3", "cell_1_block3"} <= set(data["cards"]["stage"])


@pytest.mark.parametrize("before,after", [("b0", v) for v in OFFICIAL_NAMES[1:]] + [("b3", "b4"), ("b6", "b7")])
def test_the_growth_lead_names_the_stages_its_table_ranks_first(before, after):
    """The sentence over 'where the growth goes' names the stage with the largest share of the extra parameters,
    and the one with the largest share of the extra MACs (the same stage, or another named as such)."""
    from effnet_inspect.analysis.rows import stage_rows
    from effnet_inspect.render.numbers import share
    from effnet_inspect.report.compare import growth_lead, growth_shares, stage_growth

    shares = growth_shares(stage_growth(stage_rows(cached_analysis(before)), stage_rows(cached_analysis(after))))
    lead = growth_lead(shares, after.upper())
    by_params = max(shares, key=lambda s: s.params_share or 0)
    by_macs = max(shares, key=lambda s: s.macs_share or 0)
    params, macs = sum(s.params for s in shares), sum(s.macs for s in shares)
    assert lead.startswith(f"{by_params.stage} carries ") and f"({share(by_params.params, params)})" in lead
    if by_macs is by_params:
        assert f"MACs ({share(by_macs.macs, macs)})." in lead
    else:
        assert f"; {by_macs.stage} the most of its " in lead and lead.endswith(f"({share(by_macs.macs, macs)}).")
