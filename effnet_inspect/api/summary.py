"""effnet_inspect.summary(): the Keras model.summary()-style listing of one model."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.api.checks import checked
from effnet_inspect.api.sources import Kwargs, Model, Source, analyses
from effnet_inspect.errors import InputError
from effnet_inspect.render.summary import HEADERS, model_name, summary_rows, summary_totals
from effnet_inspect.render.summary import summary as summary_text


@dataclass(frozen=True, repr=False)
class Summary:
    """Every layer as Keras' model.summary() lists it: Layer (type), Output Shape, Param #, Connected to.

    `.text` (also `str()` and `repr()`) is the listing `effnet-inspect summary` prints; a notebook shows a table.

    >>> s = ei.summary("b0", include_top=False)
    >>> print(s.text.splitlines()[-4])
    Trainable params: 4,007,548
    """

    analysis: Analysis

    @functools.cached_property
    def text(self) -> str:
        return summary_text(self.analysis)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        from effnet_inspect.api.display import render, totals_table
        from effnet_inspect.report.html import table

        layers = table("", HEADERS, summary_rows(self.analysis), (False, False, True, False))
        return render(
            "summary.html",
            name=model_name(self.analysis),
            layers=layers,
            totals=totals_table(summary_totals(self.analysis)),
        )


@checked
def summary(
    variant: Source | None = None,
    *,
    include_top: bool = True,
    resolution: int | None = None,
    model: Model | None = None,
    kwargs: Kwargs = None,
    name: str | None = None,
) -> Summary:
    """The Keras-style layer listing of one variant, or of another implementation (`effnet-inspect summary`).

    variant: 'b0'-'b7', a custom variant ('phi=2.5'), a Variant or an Analysis. model: another implementation
    instead (an nn.Module, or 'MODULE:CALLABLE' with `kwargs`), called `name`.

    >>> s = ei.summary("b0")
    >>> print(s.text.splitlines()[0]); print(s.text.splitlines()[-5])
    Model: "efficientnetb0"
    Total params: 5,330,571
    """
    if variant is None and model is None:
        raise InputError(
            "give a variant (b0-b7 or a custom one such as 'phi=2.5') or a model ('MODULE:CALLABLE' or an nn.Module)"
        )
    found = analyses(variant, model, kwargs, include_top, resolution, name)
    if len(found) != 1:
        raise InputError(f"lists one model at a time, not {len(found)}", param="variant")
    return Summary(found[0])
