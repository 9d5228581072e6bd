"""Two variants stage by stage: how repeats, channels, resolution, parameters and MACs grow from one to the other.

Reads StageRow / FamilyRow records only. Stages are matched by name (stem, block1 ... block7, top); a stage that
one model lacks shows an empty side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from effnet_inspect.analysis.rows import FamilyRow, StageRow
from effnet_inspect.report.decision import SHARED_RESOLUTION, Decision, SpeedSource


@dataclass(frozen=True)
class Growth:
    before: float | None
    after: float | None

    @property
    def factor(self) -> float | None:
        if not self.before or self.after is None:
            return None
        return self.after / self.before


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


def family_growth(before: FamilyRow, after: FamilyRow) -> list[FamilyGrowth]:
    """Whole-model figures side by side: the coefficients, then what they produce."""
    pairs = (
        ("Width coefficient", "width_coefficient"),
        ("Depth coefficient", "depth_coefficient"),
        ("Resolution (pixels)", "resolution"),
        ("Layers", "layers"),
        ("Sub-blocks", "sub_blocks"),
        ("Parameters", "params"),
        ("MACs", "macs"),
    )
    return [FamilyGrowth(label, Growth(getattr(before, key), getattr(after, key))) for label, key in pairs]


def decision_growth(before: Decision, after: Decision, source: SpeedSource | None) -> list[FamilyGrowth]:
    """The decision view's figures for the same pair: accuracy, MACs at the shared resolution, measured speed."""
    rows: list[tuple[str, float | None, float | None]] = [
        ("Top-1 % (paper)", before.top1, after.top1),
        (f"MACs at {SHARED_RESOLUTION} px", before.macs_shared, after.macs_shared),
    ]
    if source is not None:
        b, a = before.speed, after.speed
        rows += [
            (
                f"Images/s ({source.device}, {source.label})",
                round(b.throughput) if b else None,
                round(a.throughput) if a else None,
            ),
            (
                "Latency ms (p50, smallest batch)",
                round(b.latency_ms, 2) if b else None,
                round(a.latency_ms, 2) if a else None,
            ),
        ]
    return [FamilyGrowth(label, Growth(x, y)) for label, x, y in rows if x is not None or y is not None]
