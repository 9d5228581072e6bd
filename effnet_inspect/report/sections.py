"""The report's computed sections: the paper comparison, module counts, the rounding walk-through, phi table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from effnet_inspect.analysis.rows import StageRow
from effnet_inspect.arch.kinds import MODULE_TYPES
from effnet_inspect.arch.published import PAPER_TABLE2, SOURCE, printed_range, printed_value
from effnet_inspect.arch.rounding import rounding
from effnet_inspect.arch.specs import ALPHA, BASE_RESOLUTION, BETA, GAMMA, OFFICIAL_NAMES, Variant
from effnet_inspect.render.numbers import decimal, percent_off
from effnet_inspect.report.charts import implied_phi
from effnet_inspect.report.compare import Growth, family_growth
from effnet_inspect.report.data import VariantData
from effnet_inspect.report.html import HtmlTable, Row, table


@dataclass(frozen=True)
class PaperComparison:
    table: HtmlTable
    outside: tuple[str, ...]  # one sentence per figure that differs by more than the paper's rounding


def _against(measured: int, printed: str) -> tuple[str, bool]:
    """'+4.6 %, not rounding' and whether measured lies outside what the printed figure can stand for."""
    low, high = printed_range(printed)
    outside = not low <= measured < high
    return f"{percent_off(measured, printed_value(printed))}, {'not rounding' if outside else 'rounding'}", outside


def paper_comparison(variants: Sequence[VariantData]) -> PaperComparison | None:
    """Measured totals beside the paper's Table 2 (released variants at their own resolution, with the top)."""
    rows, outside = [], []
    for v in variants:
        variant = v.analysis.variant
        paper = PAPER_TABLE2.get(v.name) if v.analysis.is_official else None
        # The paper measured the whole classifier at the variant's own resolution: compare like with like only.
        if (
            paper is None
            or variant is None
            or not v.analysis.include_top
            or v.analysis.resolution != variant.resolution
        ):
            continue
        f = v.family
        params, params_out = _against(f.params, paper.params_printed)
        macs, macs_out = _against(f.macs, paper.flops_printed)
        rows.append(
            Row(
                (
                    v.short,
                    f"{f.params / 1e6:.2f}",
                    paper.params_printed,
                    params,
                    f"{f.macs / 1e9:.3f}",
                    paper.flops_printed,
                    macs,
                    f"{paper.top1:.1f}",
                ),
                css="highlight" if params_out or macs_out else "",
            )
        )
        for out, what, value, text, printed in (
            (params_out, "parameters", f.params, f"{f.params / 1e6:.2f} M", paper.params_printed),
            (macs_out, "MACs", f.macs, f"{f.macs / 1e9:.3f} G", paper.flops_printed),
        ):
            if out:
                low, high = (x / _UNIT[printed[-1]] for x in printed_range(printed))
                outside.append(
                    f"{v.short} {what}: {text} measured against {printed} printed (which stands for "
                    f"{low:g}\u2013{high:g}{printed[-1]}), {percent_off(value, printed_value(printed))}"
                )
    if not rows:
        return None
    t = table(
        f"Measured here vs published ({SOURCE})",
        (
            "Variant",
            "Params (M), measured",
            "Params, paper",
            "Difference",
            "MACs (G), measured",
            "FLOPs = MACs, paper",
            "Difference",
            "Top-1 % (paper)",
        ),
        rows,
        (False, True, True, True, True, True, True, True),
        id="paper-table",
    )
    return PaperComparison(t, tuple(outside))


_UNIT = {"M": 1e6, "B": 1e9}


def module_counts_table(variants: Sequence[VariantData], caption: str) -> HtmlTable:
    headers = ("Variant", *(t.label for t in MODULE_TYPES), "Sub-blocks")
    rows = [
        (v.short, *(v.family.module_counts.get(t.value, 0) for t in MODULE_TYPES), v.family.sub_blocks)
        for v in variants
    ]
    return table(caption, headers, rows, (False, *([True] * (len(headers) - 1))), id="module-counts")


# ---------------------------------------------------------------------------------------------- rounding
@dataclass(frozen=True)
class RoundingSection:
    table: HtmlTable
    bumped: tuple[str, ...]  # one sentence per channel count that needed the +8 correction
    resolution_chain: str


def rounding_section(v: VariantData) -> RoundingSection | None:
    """The teaching section: each stage's channels and repeats from B0's, through every rounding step."""
    variant = v.analysis.variant
    if variant is None:
        return None
    rows, bumped = [], []
    for r in rounding(variant):
        c, rep = r.channels, r.repeats
        label = {"stem": "stem conv", "top": "top conv"}.get(r.stage, r.stage)
        rows.append(
            Row(
                (
                    label,
                    f"{c.base}",
                    decimal(c.scaled),
                    f"{c.nearest}",
                    decimal(c.threshold),
                    "+8" if c.bumped else "",
                    f"{c.result}",
                    "" if rep is None else f"{rep.base}",
                    "" if rep is None else decimal(rep.scaled),
                    "" if rep is None else f"{rep.result}",
                ),
                css="highlight" if c.bumped else "",
            )
        )
        if c.bumped:
            bumped.append(
                f"{r.stage}: {c.base} \u00d7 {c.width:g} = {decimal(c.scaled)}, the nearest multiple of 8 "
                f"is {c.nearest}, below 90 % of {decimal(c.scaled)} ({decimal(c.threshold)}), so 8 is "
                f"added: {c.result}"
            )
    w, d = f"{variant.width:g}", f"{variant.depth:g}"
    headers = (
        "Stage",
        "B0 channels c",
        f"c \u00d7 {w}",
        "Nearest multiple of 8",
        "90 % of c \u00d7 w",
        "Correction",
        "Channels",
        "B0 repeats r",
        f"r \u00d7 {d}",
        "Repeats (ceil)",
    )
    t = table(
        f"Channels (output of each stage) and repeats of {v.title}, from B0's",
        headers,
        rows,
        (False, *([True] * 9)),
        id="rounding-table",
    )
    return RoundingSection(t, tuple(bumped), resolution_chain(v.stages))


def resolution_chain(stages: Sequence[StageRow]) -> str:
    """'224 (input) -> 112 (stem) -> 112 (block1) -> 56 (block2) ...': where the feature maps shrink."""
    if not stages or stages[0].in_resolution is None:
        return ""
    steps = [f"{stages[0].in_resolution} (input)"]
    steps += [
        f"{s.out_resolution} ({s.stage})"
        for s in stages
        if s.out_resolution is not None and s.out_resolution != s.in_resolution
    ]
    return " \u2192 ".join(steps)


def family_span(variants: Sequence[VariantData]) -> tuple[VariantData, VariantData, dict[str, Growth]] | None:
    """First vs last variant in whole-model figures, for the index's opening sentence (None for one variant)."""
    if len(variants) < 2:
        return None
    first, last = variants[0], variants[-1]
    return first, last, {g.label: g.growth for g in family_growth(first.family, last.family)}


def index_title(variants: Sequence[VariantData]) -> str:
    names = [v.short for v in variants]
    if names == [n.upper() for n in OFFICIAL_NAMES]:
        return "EfficientNet B0\u2013B7 at a glance"
    return (
        ("EfficientNet " if all(v.analysis.variant is not None for v in variants) else "")
        + ", ".join(names)
        + " at a glance"
    )


def implied_phi_table(official: Sequence[Variant]) -> HtmlTable:
    rows = [
        (
            v.name.upper(),
            f"{v.width:g}",
            f"{implied_phi(v.width, BETA):.2f}",
            f"{v.depth:g}",
            f"{implied_phi(v.depth, ALPHA):.2f}",
            v.resolution,
            f"{implied_phi(v.resolution / BASE_RESOLUTION, GAMMA):.2f}",
        )
        for v in official
    ]
    return table(
        "Released coefficients and the phi each corresponds to: phi = log(coefficient) / log(base)",
        (
            "Variant",
            "Width",
            "phi from width (base 1.1)",
            "Depth",
            "phi from depth (base 1.2)",
            "Resolution",
            "phi from resolution (base 1.15 from 224)",
        ),
        rows,
        (False, *([True] * 6)),
        id="phi-table",
    )
