"""effnet_inspect.inspect(): is another implementation EfficientNet-Bx, and where does it differ?"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.api.sources import Kwargs, Model, inspection
from effnet_inspect.ports.text import keras_layers_sentence, keras_mismatches, render_text, stage_cells
from effnet_inspect.ports.verdict import Conformance, Inspection, headline


@dataclass(frozen=True, repr=False)
class Verdict:
    """The conformance verdict on another implementation, with the Analysis it rests on.

    `.matched_variant` is 'b0'-'b7' when nothing differs, else None; `.differences` are plain sentences;
    `.text` (also `str()` and `repr()`) is what `effnet-inspect inspect` prints, `.to_json()` its --format json.

    >>> v = ei.inspect(ei.build("b0"))
    >>> v.matched_variant, v.differences
    ('b0', [])
    """

    inspection: Inspection

    @property
    def analysis(self) -> Analysis:
        return self.inspection.analysis

    @property
    def conformance(self) -> Conformance:
        return self.inspection.conformance

    @property
    def matched_variant(self) -> str | None:
        return self.conformance.matched_variant

    @property
    def closest_variant(self) -> str:
        return self.conformance.closest_variant

    @property
    def differences(self) -> list[str]:
        return self.conformance.differences

    @functools.cached_property
    def text(self) -> str:
        return render_text(self.conformance)

    def to_dict(self) -> dict[str, Any]:
        return self.conformance.to_dict()

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        from effnet_inspect.api.display import render, totals_table
        from effnet_inspect.report.html import table

        c = self.conformance
        label = c.closest_variant.upper()
        totals = totals_table(
            [
                ("Parameters", f"{c.params:,} ({label}: {c.reference_params:,})"),
                ("MACs", f"{c.macs:,} ({label}: {c.reference_macs:,})"),
                ("Modules", ", ".join(f"{k} ×{v}" for k, v in c.module_counts.items())),
            ]
        )
        stages = table(
            "Stages",
            ("Stage", "Layers", "Params", f"{label} params", "MACs (M)", f"{label} MACs (M)"),
            [stage_cells(s, nodes=False) for s in c.stages],
            (False, *[True] * 5),
        )
        k = c.keras
        keras = keras_layers_sentence(k)
        groups = [(title[0].upper() + title[1:], lines) for title, lines in keras_mismatches(k)]
        sentence = headline(c)
        return render(
            "verdict.html",
            c=c,
            verdict=sentence[:1].upper() + sentence[1:],
            totals=totals,
            stages=stages,
            keras=keras,
            keras_groups=groups,
        )


def inspect(model: Model, *, kwargs: Kwargs = None, resolution: int | None = None, name: str | None = None) -> Verdict:
    """Trace, group and judge another implementation against B0-B7 (`effnet-inspect inspect`).

    model: an nn.Module (its weights are not touched: it is traced on the meta device), or a factory as
    'MODULE:CALLABLE' called with `kwargs` (a dict, or JSON text) on the meta device. resolution: the input size
    (default: the closest variant's own). name: what to call it (default: the class or factory name).

    >>> v = ei.inspect("tests.ports.altered:make")
    >>> v.matched_variant, v.closest_variant, v.differences[0]
    (None, 'b3', 'stem has 48 channels; B3 has 40')
    """
    return Verdict(inspection(model, kwargs, resolution, name))
