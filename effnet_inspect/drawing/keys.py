"""The names the drawings give their Graphviz nodes and clusters, made in this one place: the report's cards
(report/cards.py) and links (report/explore.py) are keyed by them, so a card always finds the box it describes.

Stage level: one cell per column and stage, an input square per column, and the grid's row labels and column heads.
Module level: the stem and top are one box each, named after the stage; a block is a frame, each row of sub-blocks a
frame with a label node in front, named after its first sub-block, and each module a box. Layer level: every layer
is a node named after the layer, inside the frames of its stage and sub-block. Cut-outs (focus.py) end in stubs for
what comes from, or goes to, the rest of the model.
"""

from __future__ import annotations

from effnet_inspect.arch.kinds import ModuleType

# Graphviz draws a subgraph as a frame only when its name starts with "cluster".
_FRAME = "cluster_"
FROM, TO = "from", "to"  # the two directions of a stub
LEGEND = "legend"


def stage_cell(column: int, stage: str) -> str:
    """A stage's box in one column of the stage-level figure: 'cell_0_block2'."""
    return f"cell_{column}_{stage}"


def input_square(column: int) -> str:
    return f"input_{column}"


def column_head(column: int) -> str:
    return f"head_{column}"


def grid_row(name: str) -> str:
    """The label node of one row of the stage-level grid: a stage's name, 'head' or 'input'."""
    return f"row_{name}"


def frame(name: str) -> str:
    """The cluster around a stage, a sub-block, a row of collapsed sub-blocks or a line of layers (by its first)."""
    return f"{_FRAME}{name}"


def row_label(first: str) -> str:
    """The label node in front of a row of sub-blocks, or of a line of layers, named after its first member."""
    return f"label_{first}"


def module_box(first_sub_block: str, module: ModuleType) -> str:
    """A module's box in a row of sub-blocks: 'block2a_module3' (later copies of the row map onto it)."""
    return f"{first_sub_block}_{module.value}"


def end_box(stage: str) -> str:
    """The stem's or the top's one box at module level."""
    return stage


def stub(direction: str, layer: str) -> str:
    """The stub of a cut-out for a layer outside it: 'from_block2a_project_bn' feeds it, 'to_...' is fed by it."""
    return f"{direction}_{layer}"


def is_stub_from(key: str) -> bool:
    return key.startswith(f"{FROM}_")


def is_stub_to(key: str) -> bool:
    return key.startswith(f"{TO}_")
