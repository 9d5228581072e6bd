"""What the interactive diagrams tell about each box: one card per stage, sub-block, module and layer.

Cards are keyed by the Graphviz node or cluster name the drawing gives that part, made by drawing/keys.py: a stage
cell and the input square at stage level; the stem and top boxes, block frames, each row's frame and label node and
its module boxes at module level; the layers and the frames of stages and sub-blocks at layer level.
Every figure is formatted here, with render/numbers, so the card, the tables and the diagrams read alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from effnet_inspect.analysis.group import StageGroup, SubBlockGroup
from effnet_inspect.analysis.measure import Analysis, totals
from effnet_inspect.analysis.rows import StageRow, SubBlockRow
from effnet_inspect.arch.kinds import ModuleType
from effnet_inspect.drawing import keys
from effnet_inspect.render.numbers import arrow, keras_shape, ratio_text, share, si, square, thousands

# The seed article's names for the three shapes of sub-block (the tables' `kind` 1, 2, 3).
SUB_BLOCK_NAMES = {1: "Sub-block 1", 2: "Sub-block 2", 3: "Sub-block 3"}
SUB_BLOCK_MEANING = {
    1: "the first sub-block of block 1: no expansion, no skip",
    2: "the first of blocks 2-7: changes channels (and usually halves the resolution), no skip",
    3: "a repeat: stride 1, same channels, input added back (skip)",
}


@dataclass(frozen=True)
class Card:
    """What a box's card says; the search box matches its name, part, title and values."""

    part: str  # which part of the model the box is: Stage, Sub-block, Module, Layer, Input
    title: str
    rows: tuple[tuple[str, str], ...]  # (label, value)

    @property
    def tooltip(self) -> str:
        """One line for the SVG <title> (the browser's own tooltip, also without JavaScript)."""
        return f"{self.title}: " + ", ".join(value for _, value in self.rows[:4])


def _macs(n: int) -> str:
    """MACs beside a label that names them: '54.9 M', '0.386 G' (G from 0.1 G, as everywhere in the report)."""
    return si(n, "MACs").removesuffix(" MACs")


class WholeModel:
    """The whole model's parameters and MACs, for 'share of the model'."""

    def __init__(self, a: Analysis):
        t = totals(a.layers())
        self.params, self.macs = t.params, t.macs

    def shares(self, params: int, macs: int) -> tuple[str, str]:
        return ("Share of the model", f"{share(params, self.params)} of params, {share(macs, self.macs)} of MACs")


def stage_card(row: StageRow, whole: WholeModel, model: str = "") -> Card:
    operation = (
        f"MBConv{ratio_text(row.expand_ratio)} {row.kernel_size}\u00d7{row.kernel_size}, stride {row.stride}"
        if row.repeats
        else f"{row.kernel_size}\u00d7{row.kernel_size} conv, stride {row.stride}"
    )
    rows = [("Operation", operation)]
    if row.repeats:
        rows.append(("Sub-blocks", f"\u00d7{row.repeats}"))
    rows += [
        ("Channels", arrow(row.in_channels, row.out_channels)),
        ("Resolution", arrow(square(row.in_resolution), square(row.out_resolution))),
        ("Layers", str(row.layers)),
        ("Parameters", thousands(row.params)),
        ("MACs", _macs(row.macs)),
        whole.shares(row.params, row.macs),
    ]
    return Card("Stage", f"{model} {row.stage}".strip(), tuple(rows))


def sub_block_card(row: SubBlockRow, whole: WholeModel, copies: Sequence[str] = ()) -> Card:
    labels = " \u00b7 ".join(ModuleType(m).label for m in row.modules)
    title = row.sub_block if len(copies) < 2 else f"{copies[0]} \u2013 {copies[-1]} (\u00d7{len(copies)}, each)"
    rows = (
        ("Type", f"{SUB_BLOCK_NAMES[row.kind]}: {SUB_BLOCK_MEANING[row.kind]}"),
        ("Modules", labels),
        ("Channels", arrow(row.in_channels, row.out_channels)),
        ("Resolution", arrow(square(row.in_resolution), square(row.out_resolution))),
        ("Parameters", thousands(row.params)),
        ("MACs", _macs(row.macs)),
        whole.shares(row.params, row.macs),
    )
    return Card("Sub-block", title, rows)


def layer_card(a: Analysis, name: str, whole: WholeModel, where: str) -> Card:
    from effnet_inspect.drawing.style import layer_type

    layer = a.graph.nodes[name]["layer"]
    rows = (
        ("Type", layer_type(layer)),
        ("Output", keras_shape(layer.shape)),
        ("Parameters", thousands(layer.params)),
        ("MACs", _macs(layer.macs)),
        whole.shares(layer.params, layer.macs),
        ("Part of", where),
    )
    return Card("Layer", name, rows)


def module_card(a: Analysis, block: SubBlockGroup, index: int, whole: WholeModel, copies: Sequence[str]) -> Card:
    from effnet_inspect.drawing.style import MODULE_MEANING, layer_type

    module = block.modules[index]
    layers = a.layers(module.layers)
    t = totals(layers)
    where = copies[0] if len(copies) < 2 else f"{copies[0]} \u2013 {copies[-1]}, \u00d7{len(copies)}: figures per copy"
    rows = (
        ("What", MODULE_MEANING[module.type]),
        ("Layers", " \u00b7 ".join(layer_type(layer) for layer in layers)),
        ("Output", keras_shape(layers[-1].shape)),
        ("Parameters", thousands(t.params)),
        ("MACs", _macs(t.macs)),
        whole.shares(t.params, t.macs),
        ("In", where),
    )
    return Card("Module", f"{module.type.label} of {where.split(',')[0]}", rows)


# ------------------------------------------------------------------------------------------------ levels
def stage_level(a: Analysis, stages: Sequence[StageRow], column: int = 0, model: str = "") -> dict[str, Card]:
    whole = WholeModel(a)
    cards = {keys.stage_cell(column, r.stage): stage_card(r, whole, model) for r in stages}
    r = a.resolution
    cards[keys.input_square(column)] = Card("Input", f"{model} input".strip(), (("Image", f"{r}\u00d7{r}\u00d73"),))
    return cards


def module_level(a: Analysis, stages: Sequence[StageRow], sub_blocks: Sequence[SubBlockRow]) -> dict[str, Card]:
    from effnet_inspect.drawing.module import collapse

    whole = WholeModel(a)
    rows = {r.sub_block: r for r in sub_blocks}
    cards: dict[str, Card] = {}
    for stage, row in zip(a.grouping.stages, stages):
        if not stage.sub_blocks:  # stem and top are one box each
            cards[keys.end_box(stage.name)] = stage_card(row, whole)
            continue
        cards[keys.frame(stage.name)] = stage_card(row, whole)
        for drawn in collapse(a, stage.sub_blocks):
            copies = [b.name for b in drawn.blocks]
            first = drawn.first
            # the row's frame and the label node beside it
            cards[keys.frame(first.name)] = cards[keys.row_label(first.name)] = sub_block_card(
                rows[first.name], whole, copies
            )
            for index, module in enumerate(first.modules):
                cards[keys.module_box(first.name, module.type)] = module_card(a, first, index, whole, copies)
    return cards


def layer_level(a: Analysis, stages: Sequence[StageRow], sub_blocks: Sequence[SubBlockRow]) -> dict[str, Card]:
    whole = WholeModel(a)
    rows = {r.sub_block: r for r in sub_blocks}
    cards = {keys.frame(r.stage): stage_card(r, whole) for r in stages}
    for stage in a.grouping.stages:
        for name in _loose_layers(stage):
            cards[name] = layer_card(a, name, whole, stage.name)
        for block in stage.sub_blocks:
            cards[keys.frame(block.name)] = sub_block_card(rows[block.name], whole)
            for module in block.modules:
                for name in module.layers:
                    cards[name] = layer_card(a, name, whole, f"{module.type.label} of {block.name}")
    return cards


def _loose_layers(stage: StageGroup) -> tuple[str, ...]:
    """The stem's and top's layers (a block's belong to its sub-blocks)."""
    return () if stage.sub_blocks else stage.layers
