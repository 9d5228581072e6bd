"""The Python API that mirrors the command line: one call per command, each returning an object that renders
itself (text, every file format of its command, and HTML or SVG in Jupyter). The CLI is a thin layer over these
calls, so both give byte-identical output.

    table.py    table() -> Table          diagram.py  diagram() -> Diagram
    summary.py  summary() -> Summary      inspect.py  inspect() -> Verdict
    sources.py  variants or another implementation -> analyses
    display.py  the HTML of the notebook displays (templates/), and the Analysis card it registers

Use them from the package: effnet_inspect.table(...), effnet_inspect.diagram(...) and so on. The package's
analyze, analyze_model and Analysis come through here, so that an Analysis shows its card in Jupyter.
"""

from effnet_inspect.analysis.measure import Analysis, analyze, analyze_model
from effnet_inspect.api import display

__all__ = ["Analysis", "analyze", "analyze_model", "display"]
