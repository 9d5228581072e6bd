"""The opening of the lecture: the title, compound scaling drawn to scale, its rules and its rounding, and the
article's layer counts against the tables'."""

from __future__ import annotations

from collections.abc import Sequence

from effnet_inspect.analysis.measure import Analysis, totals
from effnet_inspect.arch.published import ARTICLE_LAYERS_WITHOUT_TOP
from effnet_inspect.arch.rounding import rounding
from effnet_inspect.arch.specs import ALPHA, BETA, CHANNEL_DIVISOR, GAMMA
from effnet_inspect.drawing import family, render_svg
from effnet_inspect.drawing.dot import RankDir
from effnet_inspect.drawing.style import SLIDE
from effnet_inspect.render.article import CLASSIFIER, article_facts
from effnet_inspect.render.numbers import compact, decimal, giga, plain
from effnet_inspect.slides.frame import Slide
from effnet_inspect.slides.plan import Plan, names
from effnet_inspect.slides.tables import Table, stage_row_colors, table_svg


def opening(analyses: Sequence[Analysis]) -> Plan:
    base, last = analyses[0], analyses[-1]
    bt, lt = totals(base.layers()), totals(last.layers())
    growth = [
        f"{base.short_name}: {compact(bt.params)} parameters, {giga(bt.macs)}MACs, {base.resolution} px input;"
        f" {last.short_name}: {compact(lt.params)} parameters, {giga(lt.macs)}MACs, {last.resolution} px."
        if last is not base
        else f"{base.short_name}: {compact(bt.params)} parameters, {giga(bt.macs)}MACs, {base.resolution} px input."
    ]
    title = Slide(
        "title",
        "EfficientNet, taken apart",
        f"{names(analyses)}: one base network, three scaling rules",
        notes=(
            "One base network, found by architecture search, is scaled in depth, width and input resolution at once.",
            *growth,
            "The numbers in this deck are computed by effnet-inspect from the scaling rules and the traced model; "
            "the accuracies are quoted from the paper.",
        ),
    )
    plan: Plan = [("title", lambda: title)]
    if len(analyses) > 1:
        plan.append(
            (
                "family",
                lambda: Slide(
                    "family",
                    "Compound scaling, drawn to scale",
                    family.SCALE_LEGEND,
                    lambda: render_svg(family.scale_dot(analyses, RankDir.TB, SLIDE, title=False)),
                ),
            )
        )
    return plan


def instructive(analyses: Sequence[Analysis]) -> Analysis:
    """The variant whose rounding shows the most: bumped channel counts first, then inexact products (the last of
    equals); B0's and B7's coefficients give whole numbers everywhere."""

    def score(a: Analysis) -> tuple[int, int]:
        if a.variant is None:
            return (-1, -1)
        steps = rounding(a.variant)
        bumps = sum(r.channels.bumped for r in steps)
        inexact = sum(r.channels.scaled != r.channels.result for r in steps) + sum(
            r.repeats is not None and r.repeats.scaled != r.repeats.result for r in steps
        )
        return bumps, inexact

    return max(reversed(analyses), key=score)


def scaling(analyses: Sequence[Analysis]) -> Plan:
    def rules() -> Slide:
        rows = [
            [
                a.short_name,
                plain(a.variant.width) if a.variant else "",
                plain(a.variant.depth) if a.variant else "",
                f"{a.resolution}",
                plain(a.variant.dropout) if a.variant else "",
                compact(totals(a.layers()).params),
                giga(totals(a.layers()).macs),
            ]
            for a in analyses
        ]
        product = ALPHA * BETA**2 * GAMMA**2
        return Slide(
            "scaling-rules",
            "Compound scaling: depth, width and resolution together",
            f"depth d = {ALPHA}^\u03c6, width w = {BETA}^\u03c6, resolution r = {GAMMA}^\u03c6",
            table_svg(Table(["variant", "width w", "depth d", "resolution", "dropout", "params", "MACs"], rows)),
            (
                f"\u03b1\u00b7\u03b2\u00b2\u00b7\u03b3\u00b2 = {ALPHA}\u00b7{BETA}\u00b2\u00b7{GAMMA}\u00b2 = "
                f"{decimal(product)} \u2248 2: each step of \u03c6 about doubles the MACs.",
                "The released B1-B7 use rounded, hand-picked coefficients, not exactly these curves.",
                "Width multiplies the channel counts, depth the repeat counts; resolution is the input size.",
            ),
        )

    def rounded() -> Slide:
        a = instructive(analyses)
        if a.variant is None:
            raise ValueError(f"{a.name} has no scaling coefficients")
        rows = []
        for r in rounding(a.variant):
            c, reps = r.channels, r.repeats
            rows.append(
                [
                    r.stage,
                    str(c.base),
                    decimal(c.scaled),
                    str(c.nearest),
                    f"+{CHANNEL_DIVISOR}" if c.bumped else "",
                    str(c.result),
                    str(reps.base) if reps else "",
                    decimal(reps.scaled) if reps else "",
                    str(reps.result) if reps else "",
                ]
            )
        header = [
            "stage",
            "B0 ch",
            f"\u00d7 w={plain(a.variant.width)}",
            f"nearest {CHANNEL_DIVISOR}",
            "bump",
            "channels",
            "B0 repeats",
            f"\u00d7 d={plain(a.variant.depth)}",
            "repeats (ceil)",
        ]
        return Slide(
            "rounding",
            f"Rounding: from coefficients to {a.short_name}'s layers",
            f"channels to a multiple of {CHANNEL_DIVISOR} (bumped when rounding loses over 10 %), repeats rounded up",
            table_svg(Table(header, rows, stage_row_colors([r[0] for r in rows]))),
        )

    return [("scaling-rules", rules), ("rounding", rounded)]


def layer_counts(analyses: Sequence[Analysis]) -> Plan:
    """The article's 237 and 813 layers against the tables' 240 and 816: the classifier top."""

    def make() -> Slide:
        rows, notes = [], []
        for a in analyses:
            f = article_facts(a)
            quoted = ARTICLE_LAYERS_WITHOUT_TOP.get(a.name) if a.is_official else None
            rows.append([a.short_name, str(f.layers_without_top), str(quoted or ""), str(f.classifier), str(f.layers)])
            if quoted is not None:
                same = "the same count" if quoted == f.layers_without_top else f"{f.layers_without_top} here"
                notes.append(f"{a.short_name}: the article quotes {quoted} layers, {same}; with the top, {f.layers}.")
        quoted_names = [n.upper() for n in ARTICLE_LAYERS_WITHOUT_TOP]
        if not notes:
            notes.append(
                "The article quotes "
                + " and ".join(f"{n}: {c}" for n, c in zip(quoted_names, ARTICLE_LAYERS_WITHOUT_TOP.values()))
                + "; this deck shows "
                + names(analyses)
                + "."
            )
        f0 = article_facts(analyses[0])
        notes.append(f"The classifier top is {f0.classifier} Keras layers: {CLASSIFIER}.")
        notes.append("Keras' include_top=False drops them; the stage tables' top row counts them.")
        header = ["variant", "without top", "article", "classifier", "with top"]
        ends = list(dict.fromkeys((analyses[0], analyses[-1])))
        counts = [article_facts(a) for a in ends]
        title = (
            " and ".join(str(f.layers_without_top) for f in counts)
            + " layers, or "
            + " and ".join(str(f.layers) for f in counts)
            + "?"
        )
        return Slide(
            "layer-counts",
            title,
            "the article counts the network without its classifier top; the tables count it with the top",
            table_svg(Table(header, rows)),
            tuple(notes),
            notes_width=560.0,
        )

    return [("layer-counts", make)]
