"""Validation gaps closed: digits of other scripts, exact resolution messages, file extensions that promise another
format, variants given twice, empty variants, and report folders shared by different variant sets."""

from __future__ import annotations

import os
import re

import pytest
from helpers import one_line_exit_2, run_cli

TINY = "w=0.25,d=0.25,r=32"


@pytest.mark.parametrize(
    "argv,message",
    [
        (["table", "b0", "--resolution", "\u0662\u0662\u0664"], "resolution must be a whole number of pixels"),
        (["table", "b0", "--resolution", "2_24"], "resolution must be a whole number of pixels, got '2_24'"),
        (["table", "b0", "--resolution", "224.0000000000001"], "got '224.0000000000001'"),
        (["bench", TINY, "--batch-sizes", "\u0661,2"], "bad batch size '\u0661'"),
        (["bench", TINY, "--iters", "\u0661\u0660"], "expected a whole number >= 1"),
        (["bench", TINY, "--budget", "\u0661"], "expected a positive number of seconds"),
        (["table", "phi=\u0661"], "is not a number"),  # as variants always did
    ],
)
def test_only_ascii_digits_everywhere(capsys, argv, message):
    one_line_exit_2(*run_cli(capsys, *argv), message)


@pytest.mark.parametrize(
    "argv,message",
    [
        (["table", TINY, "--out", "x.xlsx"], ".xlsx is not a format this command writes"),
        (["bench", TINY, "--device", "cpu", "--out", "bench.csv"], "this command writes JSON; end the name in .json"),
        (["summary", TINY, "--out", "s.json"], "this command writes text"),
        (["diagram", TINY, "--out", "d.txt"], ".txt is not a format this command writes"),
        (["inspect", "--model", "tests.ports.hostile:tiny", "--out", "i.csv"], ".csv is not a format"),
        (["compare", TINY, "b0", "--out", "c.txt"], "must end in .html or name a folder"),
    ],
)
def test_extensions_that_promise_another_format_are_refused(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    one_line_exit_2(*run_cli(capsys, *argv), message)
    assert os.listdir(tmp_path) == []


def test_format_given_explicitly_allows_any_extension(tmp_path, capsys):
    assert run_cli(capsys, "table", TINY, "--format", "csv", "--out", str(tmp_path / "data.dat"))[0] == 0
    assert (tmp_path / "data.dat").read_text().startswith("variant,")


@pytest.mark.parametrize(
    "argv",
    [
        ["table", "b0", "b0"],
        ["table", "b0", "B0"],
        ["diagram", "b0", "efficientnet-b0"],
        ["bench", "b0", "b0", "--device", "cpu"],
        ["compare", "b0", "b0"],
        ["report", "b0", "EfficientNet-B0"],
    ],
)
def test_a_variant_given_twice_is_refused_by_every_command(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    one_line_exit_2(*run_cli(capsys, *argv), "variant b0 is given twice")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("argv", [["summary", ""], ["table", ""], ["table", "b0", " "], ["diagram", ""]])
def test_empty_variants_are_refused_not_read_as_all(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    one_line_exit_2(*run_cli(capsys, *argv), "unknown variant")


@pytest.mark.slow
def test_report_folder_of_another_variant_set_lists_what_is_there(tmp_path, capsys):
    out = tmp_path / "r"
    assert run_cli(capsys, "report", TINY, "w=0.25,d=0.5,r=32", "--out", str(out))[0] == 0
    assert run_cli(capsys, "report", TINY, "--out", str(out))[0] == 0
    index = (out / "index.html").read_text()
    earlier = re.search(r'<h2 id="earlier">.*?</ul>', index, re.S).group()
    assert (
        'href="w-0.25-d-0.5-r-32.html"' in earlier
        and 'href="compare-w-0.25-d-0.25-r-32-w-0.25-d-0.5-r-32.html"' in earlier
    )
    assert 'href="w-0.25-d-0.25-r-32.html"' not in earlier  # this report's own page is linked above, not here
    assert run_cli(capsys, "report", TINY, "w=0.25,d=0.5,r=32", "--out", str(out))[0] == 0
    assert 'id="earlier"' not in (out / "index.html").read_text()  # the same set again: nothing foreign
