"""The README's numbers come from the code: its family table must equal what `table --format md` prints."""

from __future__ import annotations

from pathlib import Path

from effnet_inspect.analysis.rows import table_rows
from effnet_inspect.arch.specs import OFFICIAL_NAMES
from effnet_inspect.render.tables import Format, Level, render

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_family_table_is_current():
    text = README.read_text()
    start = text.index("<!-- family-table:start -->\n") + len("<!-- family-table:start -->\n")
    end = text.index("<!-- family-table:end -->")
    assert text[start:end] == render(table_rows(list(OFFICIAL_NAMES)), Level.FAMILY, Format.MD)


def test_readme_opens_with_the_two_commands():
    head = README.read_text().split("\n## ")[0]
    assert "bash scripts/setup.sh && .venv/bin/effnet-inspect report" in head
    assert "bash scripts/test.sh" in head
