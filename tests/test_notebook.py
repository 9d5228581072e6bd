"""docs/effnet-in-10-cells.ipynb: stored without outputs, executed here in a real Jupyter kernel (nbclient) so that
it never rots, and quoted by the README."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "effnet-in-10-cells.ipynb"


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def test_notebook_is_stored_without_outputs():
    cells = code_cells(nbformat.read(NOTEBOOK, as_version=4))
    assert len(cells) == 10
    assert all(c.outputs == [] and c.execution_count is None for c in cells)


@pytest.fixture(scope="module")
def executed():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # Run from docs/, as Jupyter does when the notebook is opened there; nothing is written back.
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    return [{k: v for o in c.outputs for k, v in o.get("data", {}).items()} for c in code_cells(nb)], [
        o
        for c in code_cells(nb)
        for o in c.outputs
        if o.output_type in ("error", "stream") and o.get("name") != "stdout"
    ]


def rows(html: str) -> int:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr")


@pytest.mark.e2e
def test_notebook_runs_and_every_cell_shows_what_it_promises(executed):
    data, problems = executed
    assert problems == []  # no error, nothing on stderr
    build, card, family, stage, pandas, module, side, summary, port, altered = data
    assert build["text/plain"] == "5288548"
    assert "5,288,548" in card["text/html"] and "<svg" in card["text/html"]
    assert rows(family["text/html"]) == 8 and "66,347,960" in family["text/html"]
    assert rows(stage["text/html"]) == 9
    assert re.search(r"<th>block6</th>\s*<td>91.5</td>", pandas["text/html"])  # B0's block6: 91.5 M MACs
    assert "<svg" in module["image/svg+xml"] and "<svg" in module["text/html"]
    assert all(f"{p}M params" in side["image/svg+xml"] for p in ("5.29", "19.3", "66.3"))  # B0, B4, B7
    assert rows(summary["text/html"]) == 237  # Keras' layers without the top
    assert "Matches B0: no architectural differences" in port["text/html"]
    assert "closest is B3" in altered["text/html"] and "stem has 48 channels; B3 has 40" in altered["text/html"]


def test_readme_quotes_the_notebooks_first_cells():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python and notebooks", 1)[1].split("\n## ", 1)[0]
    quoted = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    cells = [c.source for c in code_cells(nbformat.read(NOTEBOOK, as_version=4))[:4]]
    assert quoted == "\n\n".join(cells) + "\n"
    assert "docs/effnet-in-10-cells.ipynb" in section
