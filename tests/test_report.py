"""The HTML report without a browser: files, determinism, the committed reports/ being current, bad input, and
the teaching arithmetic. The pages themselves are opened in Chromium by tests/test_browser.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import cached_analysis

from effnet_inspect.arch.published import PAPER_TABLE2
from effnet_inspect.arch.rounding import channel_step, rounding
from effnet_inspect.arch.specs import OFFICIAL_NAMES, VARIANTS, parse_variant, round_filters, scale
from effnet_inspect.cli import main
from effnet_inspect.render.tables import Format, Level
from effnet_inspect.render.tables import render as render_table
from effnet_inspect.report import write_report
from effnet_inspect.report.data import slug, variant_data
from effnet_inspect.report.html import HtmlTable, table
from effnet_inspect.report.pages import compare_pairs

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports"
BENCH_EXAMPLE = Path(__file__).parent / "data" / "bench_cpu_example.json"
TEXT_SUFFIXES = {".html", ".svg", ".csv", ".json", ".md", ".tex", ".txt"}
TABLE_SUFFIX = {Format.CSV: "csv", Format.JSON: "json", Format.MD: "md", Format.LATEX: "tex"}


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def small_report(out: Path, bench: bool = True):
    analyses = [cached_analysis("b0"), cached_analysis("b1")]
    from effnet_inspect.bench.schema import load_results

    return write_report(analyses, out, bench=[load_results(BENCH_EXAMPLE)] if bench else (), show_progress=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------------------ files
def test_report_writes_every_page_and_table(tmp_path):
    report = small_report(tmp_path)
    names = {str(p) for p in report.files}
    for page in ("index.html", "b0.html", "b1.html", "compare-b0-b1.html", "bench.html"):
        assert page in names
    for level in ("family", "stage", "subblock"):
        for suffix in TABLE_SUFFIX.values():
            assert f"tables/{level}.{suffix}" in names
    for variant in ("b0", "b1"):
        assert {f"{variant}/diagram-{level}.svg" for level in ("stage", "module")} <= names
        assert f"{variant}/diagram-layer.svg" not in names  # in the page only: too big for a slide
        assert f"{variant}/summary.txt" in names
    # exactly the files the report claims, and no temporary leftovers from the atomic writes
    assert set(snapshot(tmp_path)) == names


def test_report_is_deterministic(tmp_path):
    small_report(tmp_path / "one")
    small_report(tmp_path / "two")
    first, second = snapshot(tmp_path / "one"), snapshot(tmp_path / "two")
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert not different


def test_outputs_hold_no_absolute_paths_or_timestamps(tmp_path):
    out = tmp_path / "report-out"
    small_report(out)
    date = re.compile(r"\b(19|20)\d\d-[01]\d-[0-3]\d\b|\b[0-2]\d:[0-5]\d:[0-5]\d\b")
    for name, data in snapshot(out).items():
        if Path(name).suffix not in TEXT_SUFFIXES:
            continue
        text = data.decode("utf-8")
        assert str(tmp_path) not in text and str(ROOT) not in text and str(Path.home()) + "/" not in text, name
        assert "file://" not in text, name
        assert not date.search(text), (name, date.search(text).group(0))


def test_report_never_deletes_other_files(tmp_path):
    mine = tmp_path / "notes.txt"
    mine.write_text("keep me")
    (tmp_path / "b0").mkdir()
    (tmp_path / "b0" / "mine.svg").write_text("<svg/>")
    small_report(tmp_path, bench=False)
    assert mine.read_text() == "keep me" and (tmp_path / "b0" / "mine.svg").read_text() == "<svg/>"


def test_tables_next_to_pages_are_the_table_command_output(tmp_path):
    small_report(tmp_path, bench=False)
    analyses = [cached_analysis("b0"), cached_analysis("b1")]
    from effnet_inspect.analysis.rows import rows_for

    for level in Level:
        rows = [r for a in analyses for r in rows_for(a, level)]
        for fmt, suffix in TABLE_SUFFIX.items():
            assert (tmp_path / "tables" / f"{level.value}.{suffix}").read_text() == render_table(rows, level, fmt)
    stages = json.loads((tmp_path / "b1" / "stage.json").read_text())
    assert [s["stage"] for s in stages] == ["stem", *(f"block{i}" for i in range(1, 8)), "top"]


def test_progress_bar_per_variant(tmp_path, capsys):
    write_report([cached_analysis("b0")], tmp_path, show_progress=True)
    err = capsys.readouterr().err
    assert "report" in err and "1/1" in err and "b0" in err


# ---------------------------------------------------------------------------------- the committed report
def committed_rows(level: Level) -> list:
    from effnet_inspect.analysis.rows import rows_for

    return [r for name in OFFICIAL_NAMES for r in rows_for(cached_analysis(name), level)]


@pytest.mark.parametrize("level", list(Level), ids=lambda level: level.value)
def test_committed_report_tables_are_current(level):
    """reports/ is generated by `python -m effnet_inspect report`; regenerate it when this fails."""
    rows = committed_rows(level)
    for fmt, suffix in TABLE_SUFFIX.items():
        path = REPORTS / "tables" / f"{level.value}.{suffix}"
        assert path.is_file(), f"{path} missing: run `python -m effnet_inspect report`"
        assert path.read_text() == render_table(rows, level, fmt), (
            f"{path} is stale: run `python -m effnet_inspect report`"
        )
    if level is Level.FAMILY:
        return
    for name in OFFICIAL_NAMES:
        mine = [r for r in rows if r.variant == name]
        for fmt, suffix in TABLE_SUFFIX.items():
            path = REPORTS / name / f"{level.value}.{suffix}"
            assert path.read_text() == render_table(mine, level, fmt), f"{path} is stale"


def test_committed_report_has_every_page():
    for page in ("index.html", *(f"{n}.html" for n in OFFICIAL_NAMES), "compare-b0-b7.html", "compare-b6-b7.html"):
        assert (REPORTS / page).is_file(), page
    index = (REPORTS / "index.html").read_text()
    assert all(f'href="{n}.html"' in index for n in OFFICIAL_NAMES)
    total = sum(p.stat().st_size for p in REPORTS.rglob("*") if p.is_file())
    assert total < 15 * 2**20, f"reports/ holds {total / 2**20:.1f} MiB"


# ------------------------------------------------------------------------------------------------ pages
def test_index_sets_measured_beside_published(tmp_path):
    small_report(tmp_path, bench=False)
    html = (tmp_path / "index.html").read_text()
    for name in ("b0", "b1"):
        paper = PAPER_TABLE2[name]
        assert f"{paper.top1:.1f}" in html and f"{paper.params / 1e6:g}M" in html
    assert "5,288,548" in html  # B0's trainable parameters (torchvision's published count)
    assert 'id="paper-table"' in html and 'id="family-table"' in html


def test_variant_page_walks_through_the_rounding(tmp_path):
    write_report([cached_analysis("b3")], tmp_path, show_progress=False)
    html = (tmp_path / "b3.html").read_text()
    assert 'id="rounding-table"' in html
    # B3's block1: 16 x 1.2 = 19.2 -> 16 lost more than 10 % -> 24
    assert "16 \u00d7 1.2 = 19.2" in html and "so 8 is added: 24" in html
    assert "300 (input) \u2192 150 (stem)" in html


def test_compare_pairs_first_against_each_then_neighbours():
    vs = variant_data([cached_analysis(n) for n in ("b0", "b1", "b2")])
    assert [(a.name, b.name) for a, b in compare_pairs(vs)] == [("b0", "b1"), ("b0", "b2"), ("b1", "b2")]
    assert compare_pairs(vs[:1]) == []


def test_compare_command_writes_a_standalone_page(tmp_path, capsys, monkeypatch):
    code, _, err = run_cli(capsys, "compare", "b0", "b4", "--out", str(tmp_path / "x"))
    assert code == 0 and "compare-b0-b4.html" in err
    html = (tmp_path / "x" / "compare-b0-b4.html").read_text()
    assert 'id="stage-growth"' in html and "<svg" in html and 'href="index.html"' not in html
    # repeats of block6: 4 in B0, ceil(4 x 1.8) = 8 in B4
    assert '4 &rarr; 8<span class="factor">\u00d72.00' in html
    code, _, _ = run_cli(capsys, "compare", "b1", "B2", "--out", str(tmp_path / "named.html"))
    assert code == 0 and (tmp_path / "named.html").is_file()
    monkeypatch.chdir(tmp_path)
    assert run_cli(capsys, "compare", "b0", "phi=1")[0] == 0
    assert (tmp_path / "compare-b0-phi-1.html").is_file()


def test_custom_variants_get_file_safe_pages(tmp_path):
    custom = cached_analysis("w=1.3,d=1.5,r=320")
    report = write_report([cached_analysis("b0"), custom], tmp_path, show_progress=False)
    assert slug(custom.name) == "w-1.3-d-1.5-r-320"
    assert (tmp_path / "w-1.3-d-1.5-r-320.html").is_file()
    assert Path("compare-b0-w-1.3-d-1.5-r-320.html") in report.files


def test_templates_escape_what_they_show():
    from effnet_inspect.report.html import environment

    t = table("<b>caption</b>", ("A", "B"), [("<script>x</script>", "1")], (False, True))
    out = environment().from_string('{% import "macros.html" as m %}{{ m.table(t) }}').render(t=t)
    assert "<script>" not in out and "&lt;script&gt;" in out and "&lt;b&gt;caption" in out
    with pytest.raises(ValueError):
        HtmlTable("bad", ("A",), (), (False, True))


# ------------------------------------------------------------------------------------------- bad input
def test_cli_report_default_folder_and_message(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "report", "b0")
    assert code == 0 and out == ""
    assert (tmp_path / "reports" / "index.html").is_file() and "reports/index.html" in err
    assert not (tmp_path / "reports" / "bench.html").exists()  # no bench/*.json there: no benchmark page


def test_unwritable_out_is_one_line_exit_2(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, out, err = run_cli(capsys, "report", "b0", "--out", str(blocker / "reports"))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "is a file, not a directory" in err
    code, _, err = run_cli(capsys, "compare", "b0", "b1", "--out", str(blocker / "x"))
    assert code == 2 and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "cannot read"),
        ("{not json", "is not JSON"),
        ('{"schema": "something-else"}', "not a valid effnet-inspect bench file"),
        ('{"schema": "effnet-inspect-bench", "version": 1, "results": [{}]}', "not a valid effnet-inspect bench file"),
    ],
)
def test_bad_bench_file_is_one_line_exit_2(tmp_path, capsys, content, message):
    bench = tmp_path / "bench.json"
    if content is not None:
        bench.write_text(content)
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "report", "b0", "--out", str(out), "--bench", str(bench))
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err
    assert not out.exists()  # checked before any work


def test_report_takes_the_bench_files_beside_it_by_default(tmp_path, capsys):
    """DIR/bench/*.json become sections of bench.html unless --no-bench; each keeps its provenance note."""
    import shutil

    from effnet_inspect.bench.results import save_results
    from effnet_inspect.bench.schema import load_results

    out = tmp_path / "reports"
    (out / "bench").mkdir(parents=True)
    shutil.copy(BENCH_EXAMPLE, out / "bench" / "cpu.json")
    h200 = Path(__file__).parents[1] / "reports" / "bench" / "nvidia-h200.json"
    save_results(load_results(h200), out / "bench" / "nvidia-h200.json")
    code, _, err = run_cli(capsys, "report", "w=0.25,d=0.25,r=32", "--out", str(out))
    assert code == 0, err
    html = (out / "bench.html").read_text()
    assert 'id="amd-epyc"' in html and 'id="nvidia-h200"' in html
    assert "with main at commit fcebea1" in html and "not re-run" in html  # the converted file says so
    assert 'id="bench-side-by-side-amd-epyc"' in html and 'id="bench-stages-nvidia-h200"' in html
    for chart in ("throughput", "latency", "stages", "roofline"):
        assert (out / "charts" / f"bench-nvidia-h200-{chart}.svg").is_file()
    assert 'href="bench.html"' in (out / "index.html").read_text()
    (out / "bench.html").unlink()
    code, _, err = run_cli(capsys, "report", "w=0.25,d=0.25,r=32", "--out", str(out), "--no-bench")
    assert code == 0 and not (out / "bench.html").exists()
    assert 'href="bench.html"' not in (out / "index.html").read_text()


def test_bad_variant_is_one_line_exit_2(tmp_path, capsys):
    code, _, err = run_cli(capsys, "compare", "b0", "b9")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "b9" in err
    code, _, err = run_cli(capsys, "report", "b0", "B0", "--out", str(tmp_path / "out"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "give each variant once" in err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------- rounding helper
@pytest.mark.parametrize("name", OFFICIAL_NAMES)
def test_rounding_steps_agree_with_the_spec(name):
    variant = VARIANTS[name]
    spec = scale(variant)
    steps = rounding(variant)
    assert [s.stage for s in steps] == ["stem", *(st.name for st in spec.stages), "top"]
    assert steps[0].channels.result == spec.stem_channels and steps[-1].channels.result == spec.head_channels
    for step, stage in zip(steps[1:-1], spec.stages):
        c = step.channels
        assert c.result == stage.out_channels and step.repeats.result == stage.repeats
        assert c.nearest % 8 == 0 and abs(c.nearest - c.scaled) <= 4
        assert c.bumped == (c.nearest < 0.9 * c.scaled) and c.result == c.nearest + (8 if c.bumped else 0)
        assert step.repeats.result - 1 < step.repeats.scaled <= step.repeats.result


def test_rounding_bump_example():
    step = channel_step(16, 1.2)
    assert (step.scaled, step.nearest, step.bumped, step.result) == (pytest.approx(19.2), 16, True, 24)
    assert channel_step(32, 2.0).result == round_filters(32, 2.0) == 64
    assert not channel_step(1280, 2.0).bumped


def test_custom_variant_rounding_has_no_bump_surprises():
    for text in ("phi=2.5", "w=0.3,d=0.3,r=64"):
        for step in rounding(parse_variant(text)):
            c = step.channels
            assert c.result >= 8 and c.result == c.nearest + (8 if c.bumped else 0)


def test_models_without_a_spec_get_pages_without_the_rounding(tmp_path):
    """Another implementation (--model) has no ModelSpec: no rounding walk-through, no paper comparison."""
    from effnet_inspect.analysis.measure import analyze_model
    from effnet_inspect.model.build import build

    foreign = analyze_model(build("b0", True, device="meta"), 224, "My <Net>", True, None)
    write_report([foreign], tmp_path, show_progress=False)
    page = (tmp_path / "my-net.html").read_text()
    index = (tmp_path / "index.html").read_text()
    assert "My &lt;Net&gt;" in page and 'id="rounding-table"' not in page and 'id="stage-table"' in page
    assert 'id="paper-table"' not in index and "compound-scaling.svg" not in index
