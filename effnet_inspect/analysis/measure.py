"""One model measured: its Analysis (the traced graph, its grouping and where it came from) and the totals of any
set of its layers. The records tables are made of (family, stage and sub-block rows) are built in rows.py.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import networkx as nx
from torch import nn

from effnet_inspect.analysis.group import Grouping, group
from effnet_inspect.analysis.trace import Layer, trace
from effnet_inspect.arch.specs import ModelSpec, Variant, check_resolution
from effnet_inspect.model.build import build, resolve


@dataclass(frozen=True, repr=False)
class Analysis:
    """Everything measured about one model: the graph, its grouping and where it came from; in Jupyter, a card
    with the totals, the stage table and the stage diagram.

    >>> ei.analyze("b0"), ei.analyze("b0").title
    (Analysis('b0', resolution=224, include_top=True, layers=240), 'EfficientNet-B0')
    """

    name: str
    resolution: int
    include_top: bool
    graph: nx.DiGraph
    grouping: Grouping
    spec: ModelSpec | None = None  # None for models we did not build

    @property
    def variant(self) -> Variant | None:
        return self.spec.variant if self.spec else None

    @property
    def is_official(self) -> bool:
        return self.variant is not None and self.variant.is_official

    @property
    def short_name(self) -> str:
        """'B3' for the released variants, the name itself otherwise ('phi=2.5', another implementation's name)."""
        return self.name.upper() if self.is_official else self.name

    @property
    def title(self) -> str:
        """'EfficientNet-B3', 'EfficientNet phi=2.5', or another implementation's own name."""
        if self.is_official:
            return f"EfficientNet-{self.short_name}"
        return f"EfficientNet {self.name}" if self.variant is not None else self.name

    @property
    def unknown(self) -> dict[str, int]:
        """Node types the layer registry does not know, with their counts: in the graph, charged nothing."""
        return dict(self.graph.graph["unknown"])

    def layers(self, names: Sequence[str] | None = None) -> list[Layer]:
        nodes = self.graph.nodes
        return [nodes[n]["layer"] for n in (self.graph.nodes if names is None else names)]

    def __repr__(self) -> str:  # the dataclass repr would print the whole grouping
        return (
            f"Analysis({self.name!r}, resolution={self.resolution}, include_top={self.include_top}, "
            f"layers={len(self.graph)})"
        )

    def _repr_html_(self) -> str | None:
        """Jupyter's rich display: the card the API layer registered (api/display.py), else None (the repr)."""
        return _HTML_CARD[0](self) if _HTML_CARD else None


# How Jupyter shows an Analysis as HTML. The renderer lives in a later step (api/), which registers it when it is
# imported (`import effnet_inspect as ei; ei.analyze(...)` does), so nothing here imports upward.
_HTML_CARD: list[Callable[[Analysis], str]] = []


def show_in_jupyter_as(card: Callable[[Analysis], str]) -> None:
    """Make `card` the HTML Jupyter shows for every Analysis."""
    _HTML_CARD[:] = [card]


def analyze(
    variant: str | Variant | ModelSpec = "b0", include_top: bool = True, resolution: int | None = None
) -> Analysis:
    """Build on the meta device, trace and group one of our variants. The result is shared: treat it as read-only.

    >>> [len(a.graph) for a in (ei.analyze("b0"), ei.analyze("b0", include_top=False))]
    [240, 237]
    """
    spec = resolve(variant)
    resolution = spec.variant.resolution if resolution is None else check_resolution(resolution)
    return _analyze(spec, include_top, resolution)


@functools.lru_cache(maxsize=32)
def _analyze(spec: ModelSpec, include_top: bool, resolution: int) -> Analysis:
    # Reports and comparisons ask for the same variant several times; the analysis is deterministic.
    return analyze_model(build(spec, include_top, device="meta"), resolution, spec.variant.name, include_top, spec)


def analyze_model(
    model: nn.Module, resolution: int, name: str, include_top: bool = True, spec: ModelSpec | None = None
) -> Analysis:
    """Trace and group any EfficientNet-like module (on the meta device; its own weights are not touched).

    >>> ei.analyze_model(ei.build("b0"), 224, "mine")
    Analysis('mine', resolution=224, include_top=True, layers=240)
    """
    graph = trace(model, resolution)
    return Analysis(name, resolution, include_top, graph, group(graph), spec)


@dataclass(frozen=True)
class Totals:
    layers: int
    params: int
    params_keras: int
    macs: int
    elementwise: int

    @property
    def flops(self) -> int:
        return 2 * self.macs


def totals(layers: Sequence[Layer]) -> Totals:
    return Totals(
        len(layers),
        sum(layer.params for layer in layers),
        sum(layer.params_keras for layer in layers),
        sum(layer.macs for layer in layers),
        sum(layer.elementwise for layer in layers),
    )


def analyses(
    variants: Sequence[str | Variant | ModelSpec | Analysis], include_top: bool = True, resolution: int | None = None
) -> list[Analysis]:
    """One analysis per variant; finished analyses are taken as they are."""
    return [
        v if isinstance(v, Analysis) else analyze(v, include_top=include_top, resolution=resolution) for v in variants
    ]
