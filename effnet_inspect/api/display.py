"""HTML for Jupyter's rich display: the _repr_html_ of every API object, and the Analysis card.

Analysis lives steps below this package and imports nothing from here: this module registers `analysis_card` as its
display when it is imported (the package's `effnet_inspect.analyze` comes through api/, so a notebook has it). The
tables reuse the report's column definitions and module chips
(report.html.records_table), so a notebook shows the headers and number formats of `effnet-inspect table`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from effnet_inspect.analysis.measure import Analysis, show_in_jupyter_as
from effnet_inspect.analysis.rows import Level, family_row, stage_rows
from effnet_inspect.errors import InputError
from effnet_inspect.render.numbers import giga, in_millions, thousands
from effnet_inspect.report.html import HtmlTable, records_table, table


@functools.lru_cache(maxsize=1)
def environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("effnet_inspect.api", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def records_html(records: Sequence[Any], level: Level, caption: str = "") -> str:
    """A table of family / stage / sub-block records, as `effnet-inspect table` formats them."""
    return render("table.html", t=records_table(records, level, caption))


def svg_or_reason(dot: str) -> tuple[str | None, str]:
    """(SVG ready to inline in HTML, "") or (None, why not): a display must show something, never raise."""
    from effnet_inspect.drawing import render_svg
    from effnet_inspect.report.svg import inline

    try:
        return inline(render_svg(dot)), ""
    except InputError as exc:  # Graphviz missing or failing: the display says so instead
        return None, str(exc)


def totals_table(rows: Sequence[tuple[str, str]], caption: str = "") -> HtmlTable:
    return table(caption, ("", ""), rows, (False, True))


def analysis_card(a: Analysis) -> str:
    """Analysis._repr_html_: totals, the stage table and the stage diagram of one analysed model."""
    from effnet_inspect.drawing import diagram_dot

    f = family_row(a)
    top = "with the classifier top" if a.include_top else "without the classifier top"
    subtitle = f"{a.resolution}×{a.resolution} input, {top}: {f.layers:,} layers, {f.sub_blocks} sub-blocks"
    totals = totals_table(
        [
            ("Parameters (trainable)", f"{thousands(f.params)} ({in_millions(f.params)})"),
            ("Keras params (with BN statistics)", thousands(f.params_keras)),
            ("MACs", f"{thousands(f.macs)} ({giga(f.macs)})"),
            ("FLOPs (2 × MACs)", thousands(f.flops)),
        ]
    )
    stages = records_table(stage_rows(a), Level.STAGE, "Stages", drop=("variant", "params_keras"))
    svg, missing = svg_or_reason(diagram_dot(a, "stage"))
    return render("card.html", title=a.title, subtitle=subtitle, totals=totals, stages=stages, svg=svg, missing=missing)


show_in_jupyter_as(analysis_card)
