"""Group a traced graph into stem, blocks, sub-blocks and module types, from structure alone.

Only layer kinds, shapes and connections are used, never names, so the same rules work on other implementations:
- side branches (squeeze-and-excitation, global context, CondConv routing) are found by where they rejoin the
  feature maps and never make sub-blocks of their own (branches.py); neither does the classifier after the pooling;
- a sub-block ends at its linear projection (a convolution whose output reaches the next convolution without an
  activation: MBConv's linear bottleneck) or at the Add of its skip connection, whichever comes last;
- it is built around its depthwise convolution(s) (MBConv) or around one full convolution (fused MBConv, as in
  EfficientNetV2), see anatomy.py; the stem is the first convolution and its normalisation and activation, the
  top is everything after the last sub-block;
- a new block (stage) starts at a stride, a change of channels or of sub-block type. Expansion widths (channel-
  pruned models) and kernel sizes (MixNet mixes them differently within a stage) may differ from sub-block to
  sub-block without starting a stage; Keras repeats a stage's first sub-block with stride 1 and equal channels.
What the grouping only partly understands (a side branch of no known form, ops of unknown kind inside the blocks,
more convolutions in a sub-block than its type has) is kept as Doubt records for the verdict to report.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass

import networkx as nx

from effnet_inspect.analysis.anatomy import NOT_AN_EFFICIENTNET, ModuleGroup, StagesNotFound, anatomy, split_cores
from effnet_inspect.analysis.branches import BranchForm
from effnet_inspect.analysis.flow import Flow
from effnet_inspect.arch.kinds import LayerKind, ModuleType, SubBlockType


@dataclass(frozen=True)
class SubBlockGroup:
    name: str  # block2a
    stage: int
    index: int  # position inside its stage
    kind: int  # 1: first of block 1, 2: first of blocks 2-7, 3: the others
    modules: tuple[ModuleGroup, ...]
    has_skip: bool
    stride: int
    kernel_size: int  # the largest where several kernel sizes are mixed
    expanded_channels: int
    type: SubBlockType = SubBlockType.MBCONV
    kernel_sizes: tuple[int, ...] = ()  # one per depthwise convolution: several for mixed kernels (MixNet)
    in_channels: int = 0
    out_channels: int = 0
    dynamic_convs: int = 0  # convolutions whose weights are computed from the input (CondConv)
    gate: BranchForm | None = None  # the side branch that gates its features (Module 3): SE, global context

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(n for m in self.modules for n in m.layers)

    @property
    def module_types(self) -> tuple[ModuleType, ...]:
        return tuple(m.type for m in self.modules)

    @property
    def has_se(self) -> bool:
        return ModuleType.MODULE3 in self.module_types


@dataclass(frozen=True)
class StageGroup:
    name: str  # stem, block1 ... block7, top
    layers: tuple[str, ...]
    sub_blocks: tuple[SubBlockGroup, ...] = ()


class DoubtKind(enum.Enum):
    UNRECOGNISED_BRANCH = "a side branch of unrecognised form"
    UNKNOWN_OPS = "ops of unknown kind"
    EXTRA_CONVOLUTIONS = "more convolutions than an MBConv or fused MBConv has"


@dataclass(frozen=True)
class Doubt:
    """Something the grouping only partly understands, and where (sub-block names; 'stem' or 'top' outside)."""

    kind: DoubtKind
    where: tuple[str, ...]
    detail: tuple[str, ...] = ()  # the unknown ops' types, with counts: ('clamp x2',)


@dataclass(frozen=True)
class Grouping:
    stages: tuple[StageGroup, ...]  # stem, the blocks, top
    skip_edges: frozenset[tuple[str, str]] = frozenset()  # (tail, Add): the residual connections
    doubts: tuple[Doubt, ...] = ()

    @property
    def sub_blocks(self) -> tuple[SubBlockGroup, ...]:
        return tuple(b for s in self.stages for b in s.sub_blocks)

    @property
    def blocks(self) -> tuple[StageGroup, ...]:
        return self.stages[1:-1]


def group(graph: nx.DiGraph) -> Grouping:
    """Group a traced graph into stem, blocks, sub-blocks and module types, by layer types and connections alone.

    >>> grouping = ei.group(ei.trace(ei.build("b0", device="meta"), 224))
    >>> len(grouping.stages), len(grouping.sub_blocks), [m.type.value for m in grouping.sub_blocks[1].modules]
    (9, 16, ['expansion', 'module2', 'module3', 'module4'])
    """
    g = Flow(graph)
    stem_conv = next((n for n in g.order if g.is_main_conv(n)), None)
    if stem_conv is None:
        raise StagesNotFound(f"no convolution found: {NOT_AN_EFFICIENTNET}")
    stem_end = g.chain_end(stem_conv)[0]
    ends = _sub_block_ends(g, stem_end)
    if not ends:
        raise StagesNotFound(
            f"no MBConv sub-block found (no linear projection or skip connection after the stem): {NOT_AN_EFFICIENTNET}"
        )
    bounds = [g.pos[stem_end] + 1, *(g.pos[e] + 1 for e in ends)]
    segments = [s for a, b in zip(bounds, bounds[1:]) for s in split_cores(g, g.order[a:b])]
    stages: list[StageGroup] = [StageGroup("stem", tuple(g.order[: bounds[0]]))]
    current: list[SubBlockGroup] = []
    previous: SubBlockGroup | None = None
    entry = stem_end
    for segment in segments:
        info = anatomy(g, segment, g.layer[entry].shape[1])
        entry = segment[-1]
        if current and previous is not None and _starts_stage(info, previous):
            stages.append(_stage(len(stages), current))
            current = []
        stage, index = len(stages), len(current)
        block = SubBlockGroup(
            name=f"block{stage}{_letters(index)}",
            stage=stage,
            index=index,
            kind=1 if stage == 1 and index == 0 else 2 if index == 0 else 3,
            **info,
        )
        current.append(block)
        previous = block
    stages.append(_stage(len(stages), current))
    stages.append(StageGroup("top", tuple(g.order[bounds[-1] :])))
    return Grouping(tuple(stages), _skip_edges(g, stages), _doubts(g, stages))


def _sub_block_ends(g: Flow, stem_end: str) -> list[str]:
    """Linear projections (extended to the skip Add they feed) and skip Adds, after the stem."""
    ends = set()
    for n in g.order[g.pos[stem_end] + 1 :]:
        if n in g.residual_adds:
            ends.add(n)
        elif g.is_main_conv(n) and g.kind(n) is LayerKind.CONV:
            end, activated = g.chain_end(n)
            if not activated:
                succ = g.only_succ(end)
                ends.add(succ if succ in g.residual_adds else end)
    return sorted(ends, key=g.pos.__getitem__)


def _starts_stage(b: dict, previous: SubBlockGroup) -> bool:
    return b["stride"] > 1 or b["in_channels"] != b["out_channels"] or b["type"] is not previous.type


def _skip_edges(g: Flow, stages: list[StageGroup]) -> frozenset[tuple[str, str]]:
    """Edges into a sub-block's Add from outside that sub-block."""
    edges = set()
    for block in (b for s in stages for b in s.sub_blocks if b.has_skip):
        members = set(block.layers)
        edges |= {
            (tail, head)
            for head in block.layers
            if head in g.residual_adds
            for tail in g.graph.predecessors(head)
            if tail not in members
        }
    return frozenset(edges)


def _letters(index: int) -> str:
    """a, b, ..., z, aa, ab, ... (Keras stops at z; deeper custom models continue this way)."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("a") + rest) + text
    return text


def _stage(number: int, sub_blocks: list[SubBlockGroup]) -> StageGroup:
    return StageGroup(f"block{number}", tuple(n for b in sub_blocks for n in b.layers), tuple(sub_blocks))


def _doubts(g: Flow, stages: list[StageGroup]) -> tuple[Doubt, ...]:
    """Where the grouping had to guess: unrecognised side branches, unknown ops and surplus convolutions."""
    owner = {n: b.name for s in stages for b in s.sub_blocks for n in b.layers}
    owner |= {n: s.name for s in (stages[0], stages[-1]) for n in s.layers}
    unrecognised = [owner[b.join] for b in g.branches if b.form is BranchForm.UNRECOGNISED]
    in_blocks = [n for s in stages[1:-1] for n in s.layers if g.kind(n) is LayerKind.OTHER]
    surplus = [b.name for s in stages for b in s.sub_blocks if _convolutions(g, b) > 2]
    found = []
    if unrecognised:
        found.append(Doubt(DoubtKind.UNRECOGNISED_BRANCH, tuple(dict.fromkeys(unrecognised))))
    if in_blocks:
        types = Counter(g.layer[n].type for n in in_blocks)
        where = tuple(dict.fromkeys(owner[n] for n in in_blocks))
        found.append(Doubt(DoubtKind.UNKNOWN_OPS, where, tuple(f"{t} x{c}" for t, c in sorted(types.items()))))
    if surplus:
        found.append(Doubt(DoubtKind.EXTRA_CONVOLUTIONS, tuple(surplus)))
    return tuple(found)


def _convolutions(g: Flow, block: SubBlockGroup) -> int:
    """The full convolutions on a sub-block's main path, the parts of a split one counted once: at most two (an
    expansion or fused convolution, and a projection)."""
    return len({g.chain_end(n)[0] for n in block.layers if g.is_main_conv(n) and g.kind(n) is LayerKind.CONV})
