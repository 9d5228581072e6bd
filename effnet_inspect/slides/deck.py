"""The lecture, slide by slide: the family, the scaling rules, the base network's parts, how it grows, what it costs.

The first variant given is the one taken apart ("the base", B0 by default), the last one shows the rounding.
Every number on a slide is computed from the analyses and the scaling rules; nothing here is typed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from effnet_inspect.analysis.group import SubBlockGroup
from effnet_inspect.analysis.measure import Analysis, totals
from effnet_inspect.analysis.rows import StageRow, stage_rows
from effnet_inspect.arch.kinds import MODULE_TYPES, ModuleType
from effnet_inspect.arch.rounding import rounding
from effnet_inspect.arch.specs import ALPHA, BETA, CHANNEL_DIVISOR, GAMMA
from effnet_inspect.drawing import family, focus, render_svg
from effnet_inspect.drawing.style import MODULE_MEANING, SLIDE
from effnet_inspect.render.numbers import compact, decimal, giga, keras_shape, plain, ratio_text
from effnet_inspect.slides.charts import macs_by_module, macs_by_stage
from effnet_inspect.slides.frame import Slide
from effnet_inspect.slides.memory import memory
from effnet_inspect.slides.tables import Table, stage_row_colors, table_svg

# A slide is made only when it is written: name, then a function returning it (figures are the slow part).
Plan = list[tuple[str, Callable[[], Slide]]]


def _first(a: Analysis, kind: int) -> SubBlockGroup | None:
    return next((b for b in a.grouping.sub_blocks if b.kind == kind), None)


def _names(analyses: Sequence[Analysis]) -> str:
    return ", ".join(a.short_name for a in analyses)


def opening(analyses: Sequence[Analysis]) -> Plan:
    base, last = analyses[0], analyses[-1]
    bt, lt = totals(base.layers()), totals(last.layers())
    growth = [
        f"{base.short_name}: {compact(bt.params)} parameters, {giga(bt.macs)}MACs, {base.resolution} px input;"
        f" {last.short_name}: {compact(lt.params)} parameters, {giga(lt.macs)}MACs, {last.resolution} px."
        if last is not base
        else f"{base.short_name}: {compact(bt.params)} parameters, {giga(bt.macs)}MACs."
    ]
    title = Slide(
        "title",
        "EfficientNet, taken apart",
        f"{_names(analyses)}: one base network, three scaling rules",
        notes=(
            "One base network, found by architecture search, is scaled in depth, width and input resolution at once.",
            *growth,
            "Every number in this deck is computed by effnet-inspect from the scaling rules and the traced model.",
        ),
    )
    fam = Slide(
        "family",
        "The family at a glance",
        f"{len(analyses)} variants: stages as rows, variants as columns",
        family_figure(analyses),
    )
    return [("title", lambda: title), ("family", lambda: fam)]


def family_figure(analyses: Sequence[Analysis]) -> str:
    return render_svg(family.family_dot(list(analyses), SLIDE, title=False))


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
                "Width multiplies every channel count, depth every repeat count; resolution is the input size.",
            ),
        )

    def rounded() -> Slide:
        a = instructive(analyses)
        if a.variant is None:
            raise ValueError(f"{a.name} has no scaling coefficients")
        rows = []
        for r in rounding(a.variant):
            c = r.channels
            reps = r.repeats
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
        stages = [r[0] for r in rows]
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
            table_svg(Table(header, rows, stage_row_colors(stages))),
        )

    return [("scaling-rules", rules), ("rounding", rounded)]


def anatomy(a: Analysis) -> Plan:
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
        return Slide(
            "blocks",
            f"{a.short_name}'s seven blocks",
            "each block repeats one kind of MBConv sub-block",
            table_svg(
                Table(
                    ["block", "sub-block", "kernel", "stride", "repeats", "channels", "resolution", "params"],
                    body,
                    stage_row_colors([r[0] for r in body], [s.name for s in stages]),
                    left=2,
                )
            ),
        )

    return [
        (
            "anatomy",
            lambda: Slide(
                "anatomy",
                f"{a.title}: stem, blocks, head",
                "the input passes a stem convolution, seven blocks of MBConv sub-blocks, a head",
                render_svg(family.strip_dot(a, SLIDE, title=False)),
            ),
        ),
        (
            "stem",
            lambda: Slide(
                "stem",
                f"The stem of {a.short_name}",
                "from pixels to the first feature map",
                render_svg(focus.end_layers_dot(a, stages[0], SLIDE, title=False)),
            ),
        ),
        ("blocks", blocks),
        (
            "head",
            lambda: Slide(
                "head",
                f"The head of {a.short_name}",
                "1\u00d71 convolution, pooling, classifier",
                render_svg(focus.end_layers_dot(a, stages[-1], SLIDE, title=False)),
            ),
        ),
    ]


KIND_WORDS = {1: "the first sub-block of block 1", 2: "the first sub-block of blocks 2-7", 3: "every other sub-block"}


def sub_blocks(a: Analysis) -> Plan:
    plan: Plan = []
    for kind in (1, 2, 3):
        block = _first(a, kind)
        if block is None:
            continue
        count = sum(b.kind == kind for b in a.grouping.sub_blocks)

        def make(block: SubBlockGroup = block, kind: int = kind, count: int = count) -> Slide:
            chain = " \u2192 ".join(m.type.label for m in block.modules)
            return Slide(
                f"sub-block-{kind}",
                f"Sub-block {kind}: {KIND_WORDS[kind]}",
                f"{block.name} of {a.short_name}: {chain}  ({count} of {len(a.grouping.sub_blocks)} "
                "sub-blocks are of this kind)",
                render_svg(focus.sub_block_dot(a, block, SLIDE, title=False)),
            )

        plan.append((f"sub-block-{kind}", make))
    return plan


def modules(a: Analysis) -> Plan:
    plan: Plan = []
    for t in MODULE_TYPES:
        block = next((b for b in a.grouping.sub_blocks if t in b.module_types), None)
        if block is None:
            continue
        count = sum(t in b.module_types for b in a.grouping.sub_blocks)
        name = t.label.lower().replace(" ", "-")

        def make(block: SubBlockGroup = block, t: ModuleType = t, count: int = count, name: str = name) -> Slide:
            index = block.module_types.index(t)
            layers = a.layers(block.modules[index].layers)
            params = sum(l.params for l in layers)
            return Slide(
                name,
                f"{t.label}: {MODULE_MEANING[t]}",
                f"in {block.name} of {a.short_name}; {count} of {len(a.grouping.sub_blocks)} sub-blocks have one",
                render_svg(focus.module_layers_dot(a, block, index, SLIDE, title=False)),
                (
                    f"{len(layers)} layers, {compact(params)} parameters, "
                    f"{compact(sum(l.macs for l in layers))} MACs here.",
                    f"In: {keras_shape(layers[0].in_shape)}. Out: {keras_shape(layers[-1].shape)}.",
                ),
            )

        plan.append((name, make))
    return plan


def paths(a: Analysis) -> Plan:
    block = _first(a, 3)
    if block is None:
        return []

    def make() -> Slide:
        skipped = sum(b.has_skip for b in a.grouping.sub_blocks)
        return Slide(
            "skip-and-se",
            "Two paths around the main chain: squeeze-and-excitation and skip",
            f"{block.name} of {a.short_name}, every layer; dashed red: the skip ({skipped} of "
            f"{len(a.grouping.sub_blocks)} sub-blocks have one)",
            render_svg(focus.sub_block_layers_dot(a, block, SLIDE, title=False)),
        )

    return [("skip-and-se", make)]


def growth(analyses: Sequence[Analysis]) -> Plan:
    columns = [{r.stage: r for r in stage_rows(a)} for a in analyses]
    stages = list(dict.fromkeys(s for c in columns for s in c))
    header = ["stage", *(a.short_name for a in analyses)]

    def table(
        name: str, title: str, subtitle: str, cell: Callable, total: Callable | None = None, blocks_only: bool = False
    ) -> Slide:
        shown = stages[1:-1] if blocks_only else stages
        rows = [[s, *(cell(c[s], a) if s in c else "" for c, a in zip(columns, analyses))] for s in shown]
        if total is not None:
            rows.append(["total", *(total(a) for a in analyses)])
        colors = stage_row_colors(shown, stages)
        return Slide(name, title, subtitle, table_svg(Table(header, rows, colors, bold_last=total is not None)))

    def head(r: StageRow, a: Analysis) -> str:
        return str(family.head_channels(a, r))

    return [
        (
            "depth",
            lambda: table(
                "depth",
                "Depth: how often each block repeats",
                "sub-blocks per block",
                lambda r, a: str(r.repeats or ""),
                lambda a: str(len(a.grouping.sub_blocks)),
                blocks_only=True,
            ),
        ),
        (
            "width",
            lambda: table(
                "width", "Width: channels per stage", "output channels (stem and head: their convolution)", head
            ),
        ),
        (
            "resolution",
            lambda: table(
                "resolution",
                "Resolution: the feature-map size per stage",
                "output height = width, in pixels",
                lambda r, a: str(r.out_resolution),
            ),
        ),
        (
            "parameters",
            lambda: table(
                "parameters",
                "Parameters per stage",
                "trainable parameters (K thousand, M million)",
                lambda r, a: compact(r.params),
                lambda a: compact(totals(a.layers()).params),
            ),
        ),
        (
            "macs",
            lambda: table(
                "macs",
                "Multiply-accumulates per stage",
                "MACs for one image at the variant's resolution (the paper's \"FLOPs\")",
                lambda r, a: compact(r.macs),
                lambda a: compact(totals(a.layers()).macs),
            ),
        ),
    ]


def pointwise_share(a: Analysis) -> float:
    """The share of a model's MACs in its expansion and projection modules (their 1x1 convolutions)."""
    from effnet_inspect.arch.kinds import ModuleType

    wanted = (ModuleType.EXPANSION, ModuleType.MODULE4, ModuleType.MODULE5)
    part = sum(l.macs for b in a.grouping.sub_blocks for m in b.modules if m.type in wanted for l in a.layers(m.layers))
    return part / (totals(a.layers()).macs or 1)


def compute(analyses: Sequence[Analysis]) -> Plan:
    shares = ", ".join(f"{a.short_name} {pointwise_share(a):.0%}" for a in (analyses[0], analyses[-1]))
    return [
        (
            "compute-by-stage",
            lambda: Slide(
                "compute-by-stage",
                "Where the compute goes: by stage",
                "share of each variant's MACs",
                macs_by_stage(analyses),
            ),
        ),
        (
            "compute-by-module",
            lambda: Slide(
                "compute-by-module",
                "Where the compute goes: by module",
                f"share of each variant's MACs; expansion and projection (Module 4, 5): {shares}",
                macs_by_module(analyses),
            ),
        ),
    ]


def plan(analyses: Sequence[Analysis]) -> Iterator[tuple[str, Callable[[], Slide]]]:
    """(name, slide maker) in lecture order, numbered: 01-title, 02-family, ..."""
    base = analyses[0]
    steps = [
        *opening(analyses),
        *scaling(analyses),
        *anatomy(base),
        *sub_blocks(base),
        *modules(base),
        *paths(base),
        *growth(analyses),
        *compute(analyses),
        *memory(analyses),
    ]
    for number, (name, make) in enumerate(steps, start=1):
        yield f"{number:02d}-{name}", make
