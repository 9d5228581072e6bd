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
from effnet_inspect.analysis.trace import Layer
from effnet_inspect.arch.kinds import LayerKind, ModuleType
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


def sub_block_card(
    row: SubBlockRow, whole: WholeModel, copies: Sequence[str] = (), drops: Sequence[float] = ()
) -> Card:
    labels = " \u00b7 ".join(ModuleType(m).label for m in row.modules)
    title = row.sub_block if len(copies) < 2 else f"{copies[0]} \u2013 {copies[-1]} (\u00d7{len(copies)}, each)"
    rows = [
        ("Type", f"{SUB_BLOCK_NAMES[row.kind]}: {SUB_BLOCK_MEANING[row.kind]}"),
        ("Modules", labels),
        ("Kernel, stride", f"{row.kernel_size}\u00d7{row.kernel_size}, stride {row.stride}"),
        ("Expansion", f"\u00d7{ratio_text(row.expand_ratio)}"),
        ("Channels", arrow(row.in_channels, row.out_channels)),
        ("Resolution", arrow(square(row.in_resolution), square(row.out_resolution))),
        ("Skip", "yes: the input is added back" if row.has_skip else "no"),
    ]
    if drops:
        rows.append(("Drop-connect rate", _rates(drops)))
    rows += [("Parameters", thousands(row.params)), ("MACs", _macs(row.macs)), whole.shares(row.params, row.macs)]
    return Card("Sub-block", title, tuple(rows))


def _rate(rate: float) -> str:
    return f"{rate:.4g}"


def _rates(rates: Sequence[float]) -> str:
    """'0.025', or '0.025 to 0.0375 (one per copy)' for the copies a drawing shows as one."""
    return _rate(rates[0]) if len(rates) == 1 else f"{_rate(rates[0])} to {_rate(rates[-1])} (one per copy)"


def padding(layer: Layer) -> str | None:
    """What a padding or convolution layer does at the borders, from its input and output shapes (the records keep
    no padding argument): 'same: 1 px on each side', 'none (valid)', '+1 px (112 \u2192 113)'."""
    if layer.in_shape is None or len(layer.in_shape) != 4 or len(layer.shape) != 4:
        return None
    size_in, size_out = layer.in_shape[2], layer.shape[2]
    if layer.kind is LayerKind.PAD:
        return f"+{size_out - size_in} px to height and width ({size_in} \u2192 {size_out})"
    if not layer.kind.is_conv or not layer.kernel_size or not layer.stride:
        return None
    total = max(0, (size_out - 1) * layer.stride + layer.kernel_size[0] - size_in)
    if total == 0:
        return "none (valid)"
    before = total // 2
    sides = f"{before} px on each side" if before * 2 == total else f"{before} px before, {total - before} after"
    return f"same: {sides}"


def layer_rows(a: Analysis, layer: Layer, drop: float | None) -> list[tuple[str, str]]:
    """Netron's panel: what the layer is set to (kernel, stride, padding, activation, rate) and what feeds it."""
    rows = []
    if layer.kind.is_conv and layer.kernel_size:
        rows.append(("Kernel, stride", f"{layer.kernel_size[0]}\u00d7{layer.kernel_size[1]}, stride {layer.stride}"))
    pad = padding(layer)
    if pad:
        rows.append(("Padding", pad))
    if layer.activation:
        rows.append(("Activation", layer.activation))
    if layer.kind is LayerKind.DROPOUT and drop is not None:
        rows.append(("Drop-connect rate" if layer.name != "top_dropout" else "Dropout rate", _rate(drop)))
    inputs = list(a.graph.predecessors(layer.name))
    if inputs:
        rows.append(("Inputs", ", ".join(inputs)))
    return rows


def layer_card(a: Analysis, name: str, whole: WholeModel, where: str, drop: float | None = None) -> Card:
    from effnet_inspect.drawing.style import layer_type

    layer = a.graph.nodes[name]["layer"]
    rows = (
        ("Type", layer_type(layer)),
        ("Output", keras_shape(layer.shape)),
        *layer_rows(a, layer, drop),
        ("Parameters", thousands(layer.params)),
        ("MACs", _macs(layer.macs)),
        whole.shares(layer.params, layer.macs),
        ("Part of", where),
    )
    return Card("Layer", name, rows)


def drop_rates(a: Analysis) -> dict[str, float]:
    """Sub-block name -> its drop-connect rate, and the top's dropout, from the spec (None for a model we did not
    build: its traced graph keeps no rates)."""
    if a.spec is None:
        return {}
    rates = {b.name: b.drop_rate for b in a.spec.sub_blocks}
    rates["top"] = a.spec.variant.dropout
    return rates


def module_card(
    a: Analysis, block: SubBlockGroup, index: int, whole: WholeModel, copies: Sequence[str], drops: Sequence[float] = ()
) -> Card:
    from effnet_inspect.drawing.style import MODULE_MEANING, layer_type

    module = block.modules[index]
    layers = a.layers(module.layers)
    t = totals(layers)
    where = copies[0] if len(copies) < 2 else f"{copies[0]} \u2013 {copies[-1]}, \u00d7{len(copies)}: figures per copy"
    rows = [
        ("What", MODULE_MEANING[module.type]),
        ("Layers", " \u00b7 ".join(layer_type(layer) for layer in layers)),
        ("Output", keras_shape(layers[-1].shape)),
    ]
    if drops and any(layer.kind is LayerKind.DROPOUT for layer in layers):
        rows.append(("Drop-connect rate", _rates(drops)))
    rows += [("Parameters", thousands(t.params)), ("MACs", _macs(t.macs)), whole.shares(t.params, t.macs)]
    rows.append(("In", where))
    return Card("Module", f"{module.type.label} of {where.split(',')[0]}", tuple(rows))


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
    rates = drop_rates(a)
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
            drops = [rates[c] for c in copies if c in rates]
            cards[keys.frame(first.name)] = cards[keys.row_label(first.name)] = sub_block_card(
                rows[first.name], whole, copies, drops
            )
            for index, module in enumerate(first.modules):
                cards[keys.module_box(first.name, module.type)] = module_card(a, first, index, whole, copies, drops)
    return cards


def layer_level(a: Analysis, stages: Sequence[StageRow], sub_blocks: Sequence[SubBlockRow]) -> dict[str, Card]:
    whole = WholeModel(a)
    rows = {r.sub_block: r for r in sub_blocks}
    rates = drop_rates(a)
    cards = {keys.frame(r.stage): stage_card(r, whole) for r in stages}
    for stage in a.grouping.stages:
        for name in _loose_layers(stage):
            cards[name] = layer_card(a, name, whole, stage.name, rates.get(stage.name))
        for block in stage.sub_blocks:
            drops = [rates[block.name]] if block.name in rates else []
            cards[keys.frame(block.name)] = sub_block_card(rows[block.name], whole, drops=drops)
            for module in block.modules:
                for name in module.layers:
                    where = f"{module.type.label} of {block.name}"
                    cards[name] = layer_card(a, name, whole, where, rates.get(block.name))
    return cards


def _loose_layers(stage: StageGroup) -> tuple[str, ...]:
    """The stem's and top's layers (a block's belong to its sub-blocks)."""
    return () if stage.sub_blocks else stage.layers
