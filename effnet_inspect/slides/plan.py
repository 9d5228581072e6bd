"""What the deck's sections share: a plan is (name, slide maker) pairs in lecture order; a slide is made only when
it is written, and its figure drawn only when it is composed (the slow part)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.slides.frame import Slide

Plan = list[tuple[str, Callable[[], Slide]]]


def names(analyses: Sequence[Analysis]) -> str:
    return ", ".join(a.short_name for a in analyses)


def family_of(analyses: Sequence[Analysis]) -> Sequence[Analysis]:
    """The models a fact is compared across: the deck's, when it shows more than one."""
    return analyses if len(analyses) > 1 else ()
