"""Two variants stage by stage: how repeats, channels, resolution, parameters and MACs grow from one to the other,
and which stages carry the growth.

Reads StageRow / FamilyRow records only. Stages are matched by name (stem, block1 ... block7, top); a stage that
one model lacks shows an empty side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from effnet_inspect.analysis.rows import FamilyRow, StageRow
from effnet_inspect.report.decision import SHARED_RESOLUTION, Decision, SpeedSource, latency_method


@dataclass(frozen=True)
class Growth:
    before: float | None
    after: float | None
    comparable: bool = True  # False: two figures measured differently (a CUDA graph against an eager pass)

    @property
    def factor(self) -> float | None:
        if not self.before or self.after is None or not self.comparable:
            return None
        return self.after / self.before

    @property
    def change(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


@dataclass(frozen=True)
class StageGrowth:
    stage: str
    repeats: Growth
    in_channels: Growth
    out_channels: Growth
    in_resolution: Growth
    params: Growth
    macs: Growth


METRICS = ("repeats", "in_channels", "out_channels", "in_resolution", "params", "macs")


def stage_growth(before: Sequence[StageRow], after: Sequence[StageRow]) -> list[StageGrowth]:
    first = {r.stage: r for r in before}
    second = {r.stage: r for r in after}
    names = list(dict.fromkeys([*first, *second]))

    def growth(stage: str, metric: str) -> Growth:
        a, b = first.get(stage), second.get(stage)
        return Growth(getattr(a, metric) if a else None, getattr(b, metric) if b else None)

    return [StageGrowth(s, *(growth(s, m) for m in METRICS)) for s in names]


@dataclass(frozen=True)
class FamilyGrowth:
    label: str
    growth: Growth
    unit: str = ""  # "points": a percentage whose change reads as a difference (top-1: +5.8 points), not a factor

    @property
    def difference(self) -> str:
        """'+5.8 points' for a percentage, '' otherwise (the growth factor says it)."""
        change = self.growth.change
        if self.unit != "points" or change is None:
            return ""
        return f"{change:+.1f} points"


@dataclass(frozen=True)
class Share:
    """One stage's part of the growth between two models: its extra parameters and MACs, and their share of the
    whole model's extra."""

    stage: str
    params: float
    params_share: float | None
    macs: float
    macs_share: float | None


def growth_shares(growth: Sequence[StageGrowth]) -> list[Share]:
    """Where the growth goes, stage by stage (a stage one model lacks counts from zero)."""

    def change(g: Growth) -> float:
        return (g.after or 0) - (g.before or 0)

    params_total = sum(change(s.params) for s in growth)
    macs_total = sum(change(s.macs) for s in growth)
    return [
        Share(
            s.stage,
            change(s.params),
            change(s.params) / params_total if params_total else None,
            change(s.macs),
            change(s.macs) / macs_total if macs_total else None,
        )
        for s in growth
    ]


def scaled(before: FamilyRow, after: FamilyRow) -> bool:
    """Both are compound-scaled variants of ours: only then do the coefficients (and what they explain) apply."""
    return before.width_coefficient is not None and after.width_coefficient is not None


def family_growth(before: FamilyRow, after: FamilyRow) -> list[FamilyGrowth]:
    """Whole-model figures side by side: the coefficients (between two of our variants), then what they produce."""
    coefficients = (("Width coefficient", "width_coefficient"), ("Depth coefficient", "depth_coefficient"))
    pairs = (
        *(coefficients if scaled(before, after) else ()),
        ("Resolution (pixels)", "resolution"),
        ("Layers", "layers"),
        ("Sub-blocks", "sub_blocks"),
        ("Parameters", "params"),
        ("MACs", "macs"),
    )
    return [FamilyGrowth(label, Growth(getattr(before, key), getattr(after, key))) for label, key in pairs]


def decision_growth(before: Decision, after: Decision, source: SpeedSource | None) -> list[FamilyGrowth]:
    """The decision view's figures for the same pair: accuracy, MACs at the shared resolution, measured speed (no
    growth factor between figures measured differently or bound by overheads)."""
    rows: list[tuple[str, float | None, float | None]] = [
        ("Top-1 % (paper)", before.top1, after.top1),
        (f"MACs at {SHARED_RESOLUTION} px", before.macs_shared, after.macs_shared),
    ]
    points = {"Top-1 % (paper)"}  # a percentage: its change reads as a difference, not a factor
    growth = [
        FamilyGrowth(label, Growth(x, y), "points" if label in points else "")
        for label, x, y in rows
        if x is not None or y is not None
    ]
    b, a = before.speed, after.speed
    if source is None or (a is None and b is None):
        return growth
    speeds = [s for s in (b, a) if s is not None]
    batches = list(dict.fromkeys(s.batch for s in speeds))
    bound = any(s.throughput_launch_bound for s in speeds)  # a ratio of the host's overheads, not of the work
    growth.append(
        FamilyGrowth(
            f"Images/s at batch {' vs '.join(map(str, batches))}" + (f" ({source.bound})" if bound else ""),
            Growth(
                _rounded(b.throughput if b else None, 0),
                _rounded(a.throughput if a else None, 0),
                comparable=len(batches) == 1 and not bound,
            ),
        )
    )
    methods = list(dict.fromkeys(latency_method(s, source) for s in speeds))
    batches = list(dict.fromkeys(s.latency_batch for s in speeds))
    growth.append(
        FamilyGrowth(
            f"Latency ms (p50, batch {' vs '.join(map(str, batches))}; {' vs '.join(methods)})",
            Growth(
                _rounded(b.latency_ms if b else None, 2),
                _rounded(a.latency_ms if a else None, 2),
                comparable=len(methods) == len(batches) == 1,
            ),
        )
    )
    return growth


def growth_lead(shares: Sequence[Share], after: str) -> str:
    """'block6 carries 6.61 M of B4's 14.1 M extra parameters (47.0 %); block5 the most of its 4.01 G extra MACs,
    983 M (24.5 %).': the stage that carries most of the change in parameters, and the one with most of the MACs'."""
    from effnet_inspect.render.numbers import share, si

    ranked = [s for s in shares if s.params_share is not None]
    if not ranked:
        return ""
    top = max(ranked, key=lambda s: s.params_share or 0)
    params, macs = sum(s.params for s in shares), sum(s.macs for s in shares)
    more = "extra" if params > 0 else "fewer"
    text = f"{top.stage} carries {si(top.params)} of {after}'s {si(params)} {more} parameters"
    text += f" ({share(top.params, params)})"
    by_macs = [s for s in shares if s.macs_share is not None]
    if not by_macs:
        return text + "."
    lead = max(by_macs, key=lambda s: s.macs_share or 0)  # the stage with most of the MACs' change, named as such
    if lead is top:
        return text + f" and {si(top.macs)} of its {si(macs)} {more} MACs ({share(top.macs, macs)})."
    return text + f"; {lead.stage} the most of its {si(macs)} {more} MACs, {si(lead.macs)} ({share(lead.macs, macs)})."


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
