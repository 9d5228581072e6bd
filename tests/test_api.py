"""The Python API (effnet_inspect.table / diagram / summary / inspect): rich displays with the right content,
DataFrames shaped like the JSON, output byte-identical to the CLI's, docstrings that run."""

from __future__ import annotations

import doctest
import json
import pydoc
import re
import sys

import pytest
from helpers import cached_analysis
from markupsafe import escape

import effnet_inspect as ei
from effnet_inspect.cli import main
from effnet_inspect.render.tables import COLUMNS, Level
from tests.ports.torchvision_style import efficientnet_b0

ALTERED = "tests.ports.altered:make"


def cli(capsys, *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def body_rows(html: str) -> int:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr")


# ------------------------------------------------------------------------------------------ rich display
def test_analysis_card_shows_totals_stage_table_and_stage_diagram():
    a = ei.analyze("b0")  # through the API, which registers the card (analysis/ imports nothing from api/)
    html = a._repr_html_()
    assert "EfficientNet-B0" in html and "5,288,548" in html and "5,330,571" in html and "385,814,752" in html
    stages = html.split("<caption>Stages</caption>", 1)[1]
    assert body_rows(stages) == 9 and "block6" in stages
    assert html.count("<svg") == 1 and "<?xml" not in html  # the stage diagram, inline
    assert repr(a) == "Analysis('b0', resolution=224, include_top=True, layers=240)"


def test_table_html_has_the_text_tables_columns_and_numbers():
    html = ei.table(["b0", "b7"])._repr_html_()
    headers = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', html)
    assert headers == [c.header for c in COLUMNS[Level.FAMILY] if not c.optional]
    assert body_rows(html) == 2 and "5,288,548" in html and "66,347,960" in html
    stage = ei.table("b0", level="stage")._repr_html_()
    assert body_rows(stage) == 9 and "2,026,348" in stage  # block6's parameters
    assert 'class="chip"' in ei.table("b0", level="subblock")._repr_html_()  # module types in the diagram colours


def test_diagram_displays_as_svg_and_html():
    d = ei.diagram("b0", level="module")
    svg = d._repr_svg_()
    assert svg is not None and "<svg" in svg and "Module 3" in svg
    html = d._repr_html_()
    assert "<svg" in html and "<?xml" not in html and "ei-scroll" in html  # big drawings scroll
    assert "ei-scroll" not in ei.diagram("b0")._repr_html_().split("</style>")[1]  # the stage level fits
    assert repr(d).startswith("<Diagram: Module-level diagram of b0;")


def test_an_analysis_without_the_api_shows_its_repr(monkeypatch):
    from effnet_inspect.analysis import measure

    assert ei.analyze("b0")._repr_html_() is not None
    monkeypatch.setattr(measure, "_HTML_CARD", [])
    assert ei.analyze("b0")._repr_html_() is None  # Jupyter falls back to the text repr


def test_displays_without_graphviz_say_so_instead_of_failing(monkeypatch):
    monkeypatch.setenv("PATH", "")
    d = ei.diagram("b0")
    assert d._repr_svg_() is None and "not found" in d._repr_html_() and d.dot.startswith("digraph")
    html = ei.analyze("b0")._repr_html_()
    assert "<svg" not in html and "5,288,548" in html and "No stage diagram" in html
    with pytest.raises(ei.InputError, match="not found"):
        d.render("png")


def test_summary_html_lists_every_layer():
    s = ei.summary("b0")
    html = s._repr_html_()
    layers = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert layers.count("<tr") == 240 and "stem_conv (Conv2D)" in layers and "predictions (Dense)" in layers
    assert "5,330,571" in html and "efficientnetb0" in html
    assert repr(s) == str(s) == s.text


def test_verdict_html_states_the_verdict_and_the_differences():
    v = ei.inspect(ALTERED)
    html = v._repr_html_()
    assert "Does not match any of B0-B7; closest is B3" in html
    assert all(str(escape(d)) in html for d in v.differences) and "stem has 48 channels; B3 has 40" in html
    assert body_rows(html.split("<caption>Stages</caption>", 1)[1]) == 9
    matched = ei.inspect(efficientnet_b0())._repr_html_()
    assert "Matches B0: no architectural differences" in matched and "ei-ok" in matched


# ------------------------------------------------------------------------------------------ pandas
@pytest.mark.parametrize("level, variants", [("family", []), ("stage", ["b0", "b3"]), ("subblock", ["b1"])])
def test_to_pandas_columns_are_the_json_keys(capsys, level, variants):
    rows = json.loads(cli(capsys, "table", *variants, "--level", level, "--format", "json"))
    keys = [k for key, value in rows[0].items() for k in (value if key == "module_counts" else [key])]
    frame = ei.table(variants or None, level).to_pandas()
    assert list(frame.columns) == keys
    assert frame["params"].tolist() == [r["params"] for r in rows]
    assert len(frame) == len(rows)


def test_to_pandas_without_pandas_is_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'effnet-inspect\[pandas\]'"):
        ei.table("b0").to_pandas()


# ------------------------------------------------------------------------------------------ CLI == API
@pytest.mark.parametrize("fmt", ["text", "md", "csv", "json", "latex"])
@pytest.mark.parametrize("level, variants", [("family", []), ("stage", ["b0"]), ("subblock", ["b2", "phi=0.5"])])
def test_cli_and_api_tables_are_byte_identical(capsys, fmt, level, variants):
    out = cli(capsys, "table", *variants, "--level", level, "--format", fmt)
    t = ei.table(variants or None, level)
    assert out == t.render(fmt)
    method = {"text": t.to_text, "md": t.to_markdown, "csv": t.to_csv, "json": t.to_json, "latex": t.to_latex}
    assert method[fmt]() == out


def test_cli_and_api_agree_for_another_implementation(capsys):
    assert cli(capsys, "table", "--model", ALTERED, "--format", "json") == ei.table(model=ALTERED).to_json()
    assert cli(capsys, "inspect", "--model", ALTERED) == ei.inspect(ALTERED).text
    assert cli(capsys, "inspect", "--model", ALTERED, "--format", "json") == ei.inspect(ALTERED).to_json()
    assert cli(capsys, "summary", "--model", ALTERED) == ei.summary(model=ALTERED).text


@pytest.mark.parametrize(
    "argv, kwargs",
    [
        (["b0"], {}),
        (["b0", "--level", "module", "--expand"], {"level": "module", "expand": True}),
        (
            ["b3", "--level", "layer", "--no-top", "--rankdir", "LR"],
            {"level": "layer", "include_top": False, "rankdir": "LR"},
        ),
    ],
)
def test_cli_and_api_diagrams_are_byte_identical(capsys, argv, kwargs):
    assert cli(capsys, "diagram", *argv, "--format", "dot") == ei.diagram(argv[0], **kwargs).dot


def test_cli_and_api_svg_files_are_byte_identical(capsys, tmp_path):
    cli(capsys, "diagram", "b0", "b4", "b7", "--side-by-side", "--out", str(tmp_path / "cli.svg"))
    d = ei.diagram(["b0", "b4", "b7"], side_by_side=True)
    assert (tmp_path / "cli.svg").read_text(encoding="utf-8") == d.svg
    assert d.save(tmp_path / "api.svg").read_bytes() == (tmp_path / "cli.svg").read_bytes()
    assert cli(capsys, "summary", "b0", "--no-top") == ei.summary("b0", include_top=False).text


# ------------------------------------------------------------------------------------------ the calls
def test_inspect_takes_a_module_object_and_a_name():
    v = ei.inspect(efficientnet_b0(), name="torchvision b0")
    assert v.matched_variant == "b0" and v.differences == [] and v.analysis.name == "torchvision b0"
    assert ei.inspect(efficientnet_b0()).conformance.model == "EfficientNet"  # default: the class name
    row = ei.table(model=efficientnet_b0()).rows[0]
    assert row.matched_variant == "b0" and row.params == 5_288_548


def test_calls_take_analyses_and_variant_objects():
    a = cached_analysis("b0")
    assert ei.table(a).rows == ei.table("b0").rows
    assert ei.diagram(a).dot == ei.diagram(ei.VARIANTS["b0"]).dot
    assert ei.summary(a).text == ei.summary("b0").text


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ei.diagram("b0", model=ALTERED), "model is given together with variants"),  # tables take both
        (lambda: ei.table(model=efficientnet_b0(), kwargs={"num_classes": 10}), "kwargs applies to a factory"),
        (lambda: ei.table("b0", kwargs={"x": 1}), "kwargs applies to a factory"),
        (lambda: ei.table("b0", level="blocks"), "level 'blocks' is not one of family, stage, subblock"),
        (lambda: ei.table(model=ALTERED, fvcore=True), "fvcore counts our own builds only"),
        (lambda: ei.summary(model=ALTERED, include_top=False), "include_top cannot remove the classifier"),
        (lambda: ei.inspect(42), "model must be an nn.Module or a factory as 'MODULE:CALLABLE', not int"),
        (lambda: ei.diagram(["b0", "b1"]), "2 models given: draw them side by side"),
        (lambda: ei.diagram("b0", level="layer", side_by_side=True), "side-by-side figures are drawn at stage level"),
        (lambda: ei.diagram("b0", expand=True), "expand applies to the module level only"),
        (lambda: ei.summary(), "give a variant"),
        (lambda: ei.table(cached_analysis("b0"), resolution=300), "resolution cannot change a finished Analysis"),
    ],
)
def test_bad_arguments_are_one_line_input_errors(call, message):
    with pytest.raises(ei.InputError) as caught:
        call()
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_save_takes_the_format_from_the_extension(tmp_path):
    t = ei.table("b0", level="stage")
    assert t.save(tmp_path / "b0.csv").read_text() == t.to_csv()
    assert t.save(tmp_path / "b0.txt").read_text() == str(t)
    d = ei.diagram("b0")
    assert d.save(tmp_path / "b0.dot").read_text() == d.dot
    assert d.save(tmp_path / "b0.png").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ei.InputError, match="looks like csv, not json"):
        t.save(tmp_path / "x.csv", format="json")
    assert not (tmp_path / "x.csv").exists()


# ------------------------------------------------------------------------------------------ documentation
PUBLIC = [name for name in ei.__all__ if callable(getattr(ei, name))]


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_has_a_runnable_example(name):
    obj = getattr(ei, name)
    tests = [t for t in doctest.DocTestFinder(recurse=False).find(obj, name, globs={"ei": ei}) if t.examples]
    assert tests, f"effnet_inspect.{name} has no example in its docstring"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_package_docstring_example_runs_and_help_lists_every_name():
    runner = doctest.DocTestRunner()
    for test in doctest.DocTestFinder(recurse=False).find(ei, "effnet_inspect"):
        runner.run(test)
    assert runner.summarize(verbose=False) == (0, 2)
    text = pydoc.render_doc(ei, renderer=pydoc.plaintext)
    missing = [n for n in ei.__all__ if not re.search(rf"^\s*(class )?{n}\b", text, re.M)]
    assert missing == []
    for name in ("table", "diagram", "summary", "inspect"):  # the four calls are described in the overview too
        assert f"    {name}(" in ei.__doc__
