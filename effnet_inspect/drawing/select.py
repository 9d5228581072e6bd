"""Which part of a model a figure shows: one block, one sub-block, or one module of a sub-block.

Sub-blocks are named as Keras names them (block2a) or by the article's kinds: 1 is the first sub-block of block 1,
2 the first sub-block of each later block, 3 all the others; a kind picks its first sub-block. Modules are named
M1-M5 (Module 1-5) or exp (the expansion); without a sub-block, the first sub-block that has one is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from effnet_inspect.arch.kinds import MODULE_TYPES, ModuleType
from effnet_inspect.drawing.dot import RankDir
from effnet_inspect.errors import InputError

if TYPE_CHECKING:  # torch loads (through measure) only when something is drawn
    from effnet_inspect.analysis.group import StageGroup, SubBlockGroup
    from effnet_inspect.analysis.measure import Analysis
    from effnet_inspect.drawing.style import Look


@dataclass(frozen=True)
class Selection:
    """A part of a model: block number (1-7), sub-block (name or kind 1-3), module (M1-M5 or exp)."""

    block: int | None = None
    sub_block: str | None = None
    module: str | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.block, self.sub_block, self.module))


def find_block(a: Analysis, number: int) -> StageGroup:
    blocks = a.grouping.blocks
    if not 1 <= number <= len(blocks):
        raise InputError(f"{number} is not a block of {a.name}; valid: 1-{len(blocks)}", param="block")
    return blocks[number - 1]


def find_sub_block(a: Analysis, text: str) -> SubBlockGroup:
    """'block2a' by name, or '1', '2', '3' for the first sub-block of that kind."""
    key = text.strip().lower()
    found = [b for b in a.grouping.sub_blocks if b.name == key or (key.isdigit() and str(b.kind) == key)]
    if not found:
        names = a.grouping.sub_blocks
        raise InputError(
            f"{text!r} is not a sub-block of {a.name}; valid: a kind 1-3 or a name "
            f"{names[0].name} ... {names[-1].name}",
            param="sub_block",
        )
    return found[0]


def module_type(text: str) -> ModuleType:
    key = text.strip().lower().replace(" ", "")
    for t in MODULE_TYPES:
        if key in (
            t.value,
            t.short.lower(),
            t.label.lower().replace(" ", ""),
            t.value[-1] if t.value[-1].isdigit() else "exp",
        ):
            return t
    raise InputError(f"{text!r} is not a module; valid: " + ", ".join(t.short for t in MODULE_TYPES), param="module")


def find_module(a: Analysis, text: str, within: tuple[SubBlockGroup, ...], where: str) -> tuple[SubBlockGroup, int]:
    """The first of the sub-blocks `within` that has the module, and the module's index in it."""
    wanted = module_type(text)
    for candidate in within:
        types = candidate.module_types
        if wanted in types:
            return candidate, types.index(wanted)
    present = sorted({t for b in within for t in b.module_types}, key=MODULE_TYPES.index)
    raise InputError(
        f"{text!r}: {wanted.label} is not in {where}; it has {', '.join(t.short for t in present)}", param="module"
    )


def selection_dot(
    a: Analysis, selection: Selection, look: Look, title: bool = True, rankdir: RankDir = RankDir.TB
) -> tuple[str, str]:
    """(DOT source, file-name stem) of the selected part, flowing downwards (TB) or to the right (LR)."""
    from effnet_inspect.drawing import focus

    if selection.block is not None and selection.sub_block is not None:
        raise InputError("give a block or a sub-block, not both")
    block = find_sub_block(a, selection.sub_block) if selection.sub_block is not None else None
    within, where = ((block,), block.name) if block is not None else (a.grouping.sub_blocks, a.name)
    if selection.block is not None:
        stage = find_block(a, selection.block)
        if selection.module is None:
            return focus.block_dot(a, stage, look, title, rankdir), f"{a.name}-{stage.name}"
        within, where = stage.sub_blocks, stage.name
    if selection.module is not None:
        block, index = find_module(a, selection.module, within, where)
        stem = f"{a.name}-{block.name}-{block.modules[index].type.value}"
        return focus.module_layers_dot(a, block, index, look, title, rankdir), stem
    if block is None:
        raise ValueError("an empty selection")
    return focus.sub_block_dot(a, block, look, title, rankdir), f"{a.name}-{block.name}"
