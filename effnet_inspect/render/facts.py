"""Claims about analysed models: which sub-blocks, blocks or variants a predicate holds for, said with claims.py.

A predicate is a key in a small language, so that a claim carries what it says in a form a test can check on its
own against the sub-block table:

    all                 every sub-block
    module:module2      has that module type (expansion, module1 ... module5)
    skip                has a skip connection
    stride:2            its depthwise convolution has that stride
    kind:2              the article's Sub-block 1, 2 or 3 (first of block 1, first of a later block, the others)
    block:5             sits in that block
    no-drop             a skip without its Dropout (Keras leaves it out where the drop-connect rate is 0)
    !KEY  A&B           not; and

Blocks are judged by their first sub-block ("first:stride:2": the block halves the resolution); variants by their
sub-blocks ("any(kind:3&!module:expansion)": some Sub-block 3 has no Expansion; "count(module:module2)=4").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from effnet_inspect.analysis.group import SubBlockGroup
from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.arch.kinds import MODULE_TYPES, LayerKind, ModuleType
from effnet_inspect.render.claims import BLOCKS, SUB_BLOCKS, VARIANTS, Claim, Noun, Verb, quantify

Kind = Callable[..., Claim]  # n_of_m, every, only, all_but, no or quantify


def _atom(a: Analysis, block: SubBlockGroup, atom: str) -> bool:
    name, _, value = atom.partition(":")
    if name == "all":
        return True
    if name == "module":
        return ModuleType(value) in block.module_types
    if name == "skip":
        return block.has_skip
    if name == "stride":
        return block.stride == int(value)
    if name == "kind":
        return block.kind == int(value)
    if name == "block":
        return block.stage == int(value)
    if name == "no-drop":
        return block.has_skip and not any(layer.kind is LayerKind.DROPOUT for layer in a.layers(block.layers))
    raise ValueError(f"unknown predicate {atom!r}")


def matches(a: Analysis, block: SubBlockGroup, key: str) -> bool:
    """Whether the sub-block satisfies the key (see the module docstring)."""
    return all(
        not _atom(a, block, part[1:]) if part.startswith("!") else _atom(a, block, part) for part in key.split("&")
    )


def sub_blocks_where(a: Analysis, key: str) -> list[str]:
    return [b.name for b in a.grouping.sub_blocks if matches(a, b, key)]


def sub_block_claim(
    a: Analysis, about: str, verb: Verb, among: str = "all", kind: Kind = quantify, noun: Noun = SUB_BLOCKS
) -> Claim:
    """A claim over a model's sub-blocks (those matching `among`, called `noun`): 'only block1a has no Expansion'."""
    over = sub_blocks_where(a, among)
    held = [n for n in over if n in set(sub_blocks_where(a, about))]
    return kind(held, over, noun, verb, about=about, among=among)


def block_claim(a: Analysis, about: str, verb: Verb, kind: Kind = quantify) -> Claim:
    """A claim over a model's blocks, each judged by its first sub-block: '4 of 7 blocks halve the resolution'."""
    blocks = [s for s in a.grouping.blocks if s.sub_blocks]
    held = [s.name for s in blocks if matches(a, s.sub_blocks[0], about)]
    return kind(held, [s.name for s in blocks], BLOCKS, verb, about=f"first:{about}", among="blocks")


_COUNT = re.compile(r"count\((.+)\)=(\d+)")


def variant_holds(a: Analysis, about: str) -> bool:
    """any(KEY): some sub-block matches; count(KEY)=N: exactly N do."""
    if about.startswith("any(") and about.endswith(")"):
        return bool(sub_blocks_where(a, about[4:-1]))
    found = _COUNT.fullmatch(about)
    if found:
        return len(sub_blocks_where(a, found.group(1))) == int(found.group(2))
    raise ValueError(f"unknown variant predicate {about!r}")


def variant_claim(analyses: Sequence[Analysis], about: str, verb: Verb, kind: Kind = quantify) -> Claim:
    """A claim over models: 'only B0 has no Sub-block 3 without an Expansion'."""
    held = [a.short_name for a in analyses if variant_holds(a, about)]
    return kind(held, [a.short_name for a in analyses], VARIANTS, verb, about=about, among="variants")


def module_verb(t: ModuleType) -> Verb:
    """'has Module 2' / 'have an Expansion'."""
    return Verb("has", "have", "an Expansion" if t is ModuleType.EXPANSION else t.label)


def module_claim(a: Analysis, t: ModuleType, among: str = "all", kind: Kind = quantify) -> Claim:
    return sub_block_claim(a, f"module:{t.value}", module_verb(t), among, kind)


SKIP = Verb("has", "have", "a skip connection")
HALVES = Verb("halves", "halve", "the resolution")


@dataclass(frozen=True)
class Shape:
    """Sub-blocks of one article kind and one chain of module types: block2a, block3a, ... (Expansion, Module 2,
    Module 3, Module 4)."""

    kind: int
    modules: tuple[ModuleType, ...]
    names: tuple[str, ...]

    @property
    def key(self) -> str:
        """The predicate that picks exactly these sub-blocks: kind, the modules it has and those it lacks."""
        has = [f"module:{t.value}" for t in self.modules]
        lacks = [f"!module:{t.value}" for t in MODULE_TYPES if t not in self.modules]
        return "&".join([f"kind:{self.kind}", *has, *lacks])

    @property
    def chain(self) -> str:
        return " \u2192 ".join(t.label for t in self.modules)

    def versus(self, main: Shape) -> str:
        """How it differs from the kind's first shape: 'Module 1 in place of Module 2', 'without an Expansion'."""
        extra = [t.label for t in self.modules if t not in main.modules]
        missing = [t.label for t in main.modules if t not in self.modules]
        if extra and missing:
            return f"{' and '.join(extra)} in place of {' and '.join(missing)}"
        if missing:
            return "without " + " and ".join("an Expansion" if m == "Expansion" else m for m in missing)
        return "with " + " and ".join(extra)


def shapes(a: Analysis) -> list[Shape]:
    """Every (kind, chain of modules) the model has, in the order they first appear."""
    found: dict[tuple[int, tuple[ModuleType, ...]], list[str]] = {}
    for b in a.grouping.sub_blocks:
        found.setdefault((b.kind, b.module_types), []).append(b.name)
    return [Shape(kind, modules, tuple(names)) for (kind, modules), names in found.items()]


def family_shapes(analyses: Sequence[Analysis]) -> list[tuple[int, tuple[ModuleType, ...]]]:
    """The (kind, chain) of every shape any of the models has, by kind, then in order of first appearance."""
    seen: list[tuple[int, tuple[ModuleType, ...]]] = []
    for a in analyses:
        seen += [(s.kind, s.modules) for s in shapes(a) if (s.kind, s.modules) not in seen]
    return sorted(seen, key=lambda s: (s[0], seen.index(s)))
