"""The base network's anatomy: its stages as a strip, the stem, the seven blocks, the head with its dropout; and,
at the end of the deck, the whole module level cut at stage boundaries into as many slides as it takes."""

from __future__ import annotations

from collections.abc import Sequence

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.rows import stage_rows
from effnet_inspect.drawing import family, focus, render_svg
from effnet_inspect.drawing.page import fit, parse, smallest_text
from effnet_inspect.drawing.split import part_title, split_module_level
from effnet_inspect.drawing.style import SLIDE
from effnet_inspect.render.facts import HALVES, block_claim
from effnet_inspect.render.numbers import compact, plain, ratio_text
from effnet_inspect.slides.frame import MIN_TEXT, Slide, figure_box
from effnet_inspect.slides.plan import Plan, family_of
from effnet_inspect.slides.tables import Table, stage_row_colors, table_svg


def anatomy(a: Analysis, analyses: Sequence[Analysis]) -> Plan:
    stages = a.grouping.stages
    rows = stage_rows(a)

    def blocks() -> Slide:
        body = [
            [
                r.stage,
                f"MBConv{ratio_text(r.expand_ratio)}",
                f"{r.kernel_size}\u00d7{r.kernel_size}",
                str(r.stride),
                str(r.repeats),
                f"{r.in_channels} \u2192 {r.out_channels}",
                f"{r.in_resolution}\u00b2 \u2192 {r.out_resolution}\u00b2",
                compact(r.params),
            ]
            for r in rows
            if r.repeats
        ]
        halving = block_claim(a, "stride:2", HALVES)
        return Slide(
            "blocks",
            f"{a.short_name}'s seven blocks",
            f"each block repeats one kind of MBConv sub-block; {halving.text}",
            table_svg(
                Table(
                    ["block", "sub-block", "kernel", "stride", "repeats", "channels", "resolution", "params"],
                    body,
                    stage_row_colors([r[0] for r in body], [s.name for s in stages]),
                    left=2,
                )
            ),
            claims=(halving,),
        )

    def head() -> Slide:
        v = a.variant
        notes = []
        if v is not None:
            rate = f"Dropout before the classifier (in training): rate {plain(v.dropout)} in {a.short_name}"
            others = [o for o in family_of(analyses) if o.variant is not None and o is not a]
            if others:
                rate += "; it rises with the model: " + ", ".join(
                    f"{o.short_name} {plain(o.variant.dropout)}" for o in analyses if o.variant
                )
            notes.append(rate + ".")
        notes.append("Activation: swish, x \u00b7 sigmoid(x), as in the stem and the blocks.")
        return Slide(
            "head",
            f"The head of {a.short_name}",
            "1\u00d71 convolution, pooling, dropout, classifier",
            lambda: render_svg(focus.end_layers_dot(a, stages[-1], SLIDE, title=False)),
            tuple(notes),
            notes_below=True,
        )

    return [
        (
            "anatomy",
            lambda: Slide(
                "anatomy",
                f"{a.title}: stem, blocks, head",
                "the input passes a stem convolution, seven blocks of MBConv sub-blocks, a head",
                lambda: render_svg(family.strip_dot(a, SLIDE, title=False)),
            ),
        ),
        (
            "stem",
            lambda: Slide(
                "stem",
                f"The stem of {a.short_name}",
                "from pixels to the first feature map; the Activation layers are swish, x \u00b7 sigmoid(x)",
                lambda: render_svg(focus.end_layers_dot(a, stages[0], SLIDE, title=False)),
            ),
        ),
        ("blocks", blocks),
        ("head", head),
    ]


def _legible(svg: str) -> bool:
    figure = parse(svg)
    return smallest_text(figure, fit(figure, figure_box(Slide("", "")))[1]) >= MIN_TEXT


def by_module(a: Analysis) -> Plan:
    """The module level of the base network, one run of whole stages per slide (as `diagram --split` cuts it)."""
    drawn: dict[str, str] = {}  # DOT -> SVG: each piece is drawn once, to cut and to show

    def fits(dot: str) -> bool:
        if dot not in drawn:
            drawn[dot] = render_svg(dot)
        return _legible(drawn[dot])

    pieces = split_module_level(a, SLIDE, fits, title=False)
    plan: Plan = []
    for number, (dot, stages) in enumerate(pieces, start=1):
        title, subtitle = part_title(a, stages, number, len(pieces))

        def make(dot: str = dot, title: str = title, subtitle: str = subtitle, number: int = number) -> Slide:
            return Slide(f"by-module-{number}", title, subtitle, lambda: drawn.get(dot) or render_svg(dot))

        plan.append((f"by-module-{number}", make))
    return plan
