"""How the family grows and what it costs: depth, width, resolution, parameters and MACs per stage, where the
compute goes, accuracy against cost, and which facts about the sub-blocks change across the family."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from effnet_inspect.analysis.measure import Analysis, totals
from effnet_inspect.analysis.rows import StageRow, stage_rows
from effnet_inspect.arch.kinds import ModuleType
from effnet_inspect.arch.published import PAPER_TABLE2
from effnet_inspect.drawing import family
from effnet_inspect.render.claims import Claim, Verb, listing
from effnet_inspect.render.facts import Shape, family_shapes, shapes, variant_claim
from effnet_inspect.render.numbers import compact
from effnet_inspect.slides.charts import accuracy_chart, macs_by_module, macs_by_stage
from effnet_inspect.slides.frame import Slide
from effnet_inspect.slides.plan import Plan
from effnet_inspect.slides.tables import Table, stage_row_colors, table_svg

Cell = Callable[[StageRow, Analysis], str]


def growth(analyses: Sequence[Analysis]) -> Plan:
    columns = [{r.stage: r for r in stage_rows(a)} for a in analyses]
    stages = list(dict.fromkeys(s for c in columns for s in c))
    header = ["stage", *(a.short_name for a in analyses)]

    def table(
        name: str,
        title: str,
        subtitle: str,
        cell: Cell,
        total: Callable[[Analysis], str] | None = None,
        blocks_only: bool = False,
        first: tuple[str, Callable[[Analysis], str]] | None = None,
    ) -> Slide:
        shown = stages[1:-1] if blocks_only else stages
        rows = [[s, *(cell(c[s], a) if s in c else "" for c, a in zip(columns, analyses))] for s in shown]
        colors = stage_row_colors(shown, stages)
        if first is not None:  # a row above the stages, e.g. the input
            rows.insert(0, [first[0], *(first[1](a) for a in analyses)])
            colors.insert(0, None)
        if total is not None:
            rows.append(["total", *(total(a) for a in analyses)])
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
                "the input, then each stage's output: height = width, in pixels",
                lambda r, a: str(r.out_resolution),
                first=("input", lambda a: str(a.resolution)),
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
    wanted = (ModuleType.EXPANSION, ModuleType.MODULE4, ModuleType.MODULE5)
    part = sum(
        layer.macs for b in a.grouping.sub_blocks for m in b.modules if m.type in wanted for layer in a.layers(m.layers)
    )
    return part / (totals(a.layers()).macs or 1)


def compute(analyses: Sequence[Analysis]) -> Plan:
    shares = ", ".join(f"{a.short_name} {pointwise_share(a):.0%}" for a in dict.fromkeys((analyses[0], analyses[-1])))
    plan: Plan = [
        (
            "compute-by-stage",
            lambda: Slide(
                "compute-by-stage",
                "Where the compute goes: by stage",
                "share of each variant's MACs",
                lambda: macs_by_stage(analyses),
            ),
        ),
        (
            "compute-by-module",
            lambda: Slide(
                "compute-by-module",
                "Where the compute goes: by module",
                f"share of each variant's MACs; expansion and projection (Module 4, 5): {shares}",
                lambda: macs_by_module(analyses),
            ),
        ),
    ]
    if any(a.is_official and a.name in PAPER_TABLE2 for a in analyses):
        plan.append(
            (
                "accuracy",
                lambda: Slide(
                    "accuracy",
                    "Accuracy against cost",
                    "ImageNet top-1 as the paper reports it, against the parameters and MACs measured here",
                    lambda: accuracy_chart(analyses),
                ),
            )
        )
    return plan


HAS_SHAPE = Verb("has", "have", "it")


def where(analyses: Sequence[Analysis], kind: int, modules: tuple[ModuleType, ...]) -> str:
    """Where in the stages a shape of sub-block sits, in any of the models: 'first of block5 and block7', 'later in
    block2–block7'. Two rows of one article kind differ by where they sit (a stage's first sub-block may have
    stride 2 or 1), and this column says it."""
    first: dict[str, None] = {}
    later: dict[str, None] = {}
    for a in analyses:
        for stage in a.grouping.stages:
            for index, block in enumerate(stage.sub_blocks):
                if (block.kind, block.module_types) == (kind, modules):
                    (later if index else first)[stage.name] = None
    order = [s.name for s in analyses[0].grouping.stages]
    parts = [
        f"{position} {listing(sorted(found, key=order.index), ranges=True)}"
        for position, found in (("first of", first), ("later in", later))
        if found
    ]
    return "; ".join(parts)


def differences(analyses: Sequence[Analysis]) -> Plan:
    """Which shapes of sub-block each model has, and how many: what changes across the family, what stays."""
    if len(analyses) < 2:
        return []

    def make() -> Slide:
        found = family_shapes(analyses)
        counts = {a.name: {(s.kind, s.modules): len(s.names) for s in shapes(a)} for a in analyses}
        rows, claims = [], []
        for kind, modules in found:
            shape = Shape(kind, modules, ())
            said: Claim = variant_claim(analyses, f"any({shape.key})", HAS_SHAPE)
            claims.append(said)
            rows.append(
                [
                    f"Sub-block {kind}",
                    shape.chain.replace(" \u2192 ", "\u2192") + "\n" + where(analyses, kind, modules),
                    *(str(counts[a.name].get((kind, modules), 0)) for a in analyses),
                    said.text,
                ]
            )
        header = ["kind", "modules\nwhere in the stages", *(a.short_name for a in analyses), "in the family"]
        return Slide(
            "family-differences",
            "What changes across the family, what stays",
            "sub-blocks of each shape, per variant",
            table_svg(Table(header, rows, left=2)),
            claims=tuple(claims),
            words=tuple(r[-1] for r in rows),
        )

    return [("family-differences", make)]
