"""The lecture, slide by slide: the family, the scaling rules, the base network's parts, how it grows, what it
costs, and the base network by module at the end.

The first variant given is the one taken apart ("the base", B0 by default); the rounding slide picks the variant
whose rounding shows the most. Every number on a slide is computed from the analyses and the scaling rules, and
every count or quantifier is a claim (render/claims.py); nothing here is typed in. The sections live in
opening.py, anatomy.py, parts.py, growth.py and memory.py; this is their order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.slides.anatomy import anatomy, by_module
from effnet_inspect.slides.frame import Slide
from effnet_inspect.slides.growth import compute, differences, growth
from effnet_inspect.slides.memory import memory
from effnet_inspect.slides.opening import layer_counts, opening, scaling
from effnet_inspect.slides.parts import modules, origins, paths, shape_slides


def plan(analyses: Sequence[Analysis], appendix: bool = True) -> Iterator[tuple[str, Callable[[], Slide]]]:
    """(name, slide maker) in lecture order, numbered: 01-title, 02-family, ... Without the appendix (the base by
    module, which must be drawn to be cut into slides) the plan is made without drawing anything."""
    base = analyses[0]
    steps = [
        *opening(analyses),
        *scaling(analyses),
        *layer_counts(analyses),
        *anatomy(base, analyses),
        *origins(),
        *shape_slides(base, analyses),
        *modules(base),
        *paths(base),
        *growth(analyses),
        *compute(analyses),
        *memory(analyses),
        *differences(analyses),
        *(by_module(base) if appendix else []),
    ]
    for number, (name, make) in enumerate(steps, start=1):
        yield f"{number:02d}-{name}", make
