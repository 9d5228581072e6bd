"""Group a traced graph into stem, blocks, sub-blocks and module types, from structure alone.

Only layer kinds, shapes and connections are used, never names, so the same rules work on other implementations:
- side branches are what hangs off a global pooling (squeeze-and-excitation, CondConv routing, the classifier);
- a sub-block ends at its linear projection (a convolution whose output reaches the next convolution without an
  activation: MBConv's linear bottleneck) or at the Add of its skip connection, whichever comes last;
- it is built around its depthwise convolution(s) (MBConv) or around one full convolution (fused MBConv, as in
  EfficientNetV2); the stem is the first convolution and its normalisation and activation, the top is everything
  after the last sub-block;
- a new block (stage) starts where a stage's pattern breaks: a stride, a change of channels, of kernel size or of
  sub-block type. Expansion widths may differ from sub-block to sub-block (channel-pruned models) without
  starting a stage; Keras repeats a stage's first sub-block with stride 1 and equal channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from effnet_inspect.analysis.registry import BEFORE_ACTIVATION
from effnet_inspect.arch.kinds import LayerKind, ModuleType, SubBlockType
from effnet_inspect.errors import InputError

NOT_AN_EFFICIENTNET = "the model does not look like an EfficientNet"


class StagesNotFound(InputError):
    """The graph does not follow the MBConv pattern: what needs stages refuses the model, totals still apply."""


@dataclass(frozen=True)
class ModuleGroup:
    type: ModuleType
    layers: tuple[str, ...]


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


@dataclass(frozen=True)
class Grouping:
    stages: tuple[StageGroup, ...]  # stem, the blocks, top
    skip_edges: frozenset[tuple[str, str]] = frozenset()  # (tail, Add): the residual connections

    @property
    def sub_blocks(self) -> tuple[SubBlockGroup, ...]:
        return tuple(b for s in self.stages for b in s.sub_blocks)

    @property
    def blocks(self) -> tuple[StageGroup, ...]:
        return self.stages[1:-1]


class _Graph:
    """Positional and structural helpers over a traced graph in execution order."""

    def __init__(self, graph: nx.DiGraph):
        self.graph = graph
        self.order = list(graph.nodes)
        self.pos = {n: i for i, n in enumerate(self.order)}
        self.layer = {n: graph.nodes[n]["layer"] for n in self.order}
        # Side branches hang off a global pooling: a node with a main-path input is not on one, unless it only
        # borrows that input's shape (s.expand_as(x), s.view_as(x): the data is its first input).
        self.side: set[str] = set()
        for n in self.order:
            preds = list(graph.predecessors(n))
            if (
                self.kind(n) is LayerKind.GLOBAL_POOL
                or (preds and all(p in self.side for p in preds))
                or (self.kind(n) is LayerKind.RESHAPE and preds and preds[0] in self.side)
            ):
                self.side.add(n)
        self.residual_adds = {n for n in self.order if self._is_residual_add(n)}

    def kind(self, n: str) -> LayerKind:
        return self.layer[n].kind

    def only_pred(self, n: str) -> str | None:
        preds = [p for p in self.graph.predecessors(n) if p not in self.side]
        return preds[0] if len(preds) == 1 else None

    def only_succ(self, n: str) -> str | None:
        succs = list(self.graph.successors(n))
        return succs[0] if len(succs) == 1 else None

    def is_main_conv(self, n: str) -> bool:
        return self.kind(n).is_conv and n not in self.side

    def _is_residual_add(self, n: str) -> bool:
        """An Add of a tensor and something computed from it: a skip connection."""
        preds = sorted(self.graph.predecessors(n), key=self.pos.__getitem__)
        return self.kind(n) is LayerKind.ADD and len(preds) == 2 and nx.has_path(self.graph, *preds)

    def chain_end(self, n: str) -> tuple[str, bool]:
        """Follow n's output through single-input pass-through nodes: (the last node, reached an activation)."""
        while (succ := self.only_succ(n)) is not None and self.only_pred(succ) == n:
            if self.kind(succ) is LayerKind.ACTIVATION:
                return self._through_activation(succ), True
            if self.kind(succ) not in BEFORE_ACTIVATION or succ in self.residual_adds:
                break
            n = succ
        return n, bool(self.layer[n].activation) and self.kind(n).is_conv

    def _through_activation(self, n: str) -> str:
        while (
            (succ := self.only_succ(n)) is not None
            and self.only_pred(succ) == n
            and self.kind(succ) in (LayerKind.ACTIVATION, LayerKind.DROPOUT)
        ):
            n = succ
        return n

    def start(self, conv: str) -> str:
        """A convolution with the padding layer in front of it."""
        pred = self.only_pred(conv)
        return pred if pred is not None and self.kind(pred) is LayerKind.PAD else conv


def group(graph: nx.DiGraph) -> Grouping:
    """Group a traced graph into stem, blocks, sub-blocks and module types, by layer types and connections alone.

    >>> grouping = ei.group(ei.trace(ei.build("b0", device="meta"), 224))
    >>> len(grouping.stages), len(grouping.sub_blocks), [m.type.value for m in grouping.sub_blocks[1].modules]
    (9, 16, ['expansion', 'module2', 'module3', 'module4'])
    """
    g = _Graph(graph)
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
    segments = [s for a, b in zip(bounds, bounds[1:]) for s in _split_cores(g, g.order[a:b])]
    stages: list[StageGroup] = [StageGroup("stem", tuple(g.order[: bounds[0]]))]
    current: list[SubBlockGroup] = []
    previous: SubBlockGroup | None = None
    entry = stem_end
    for segment in segments:
        info = _sub_block(g, segment, g.layer[entry].shape[1])
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
    return Grouping(tuple(stages), _skip_edges(g, stages))


def _sub_block_ends(g: _Graph, stem_end: str) -> list[str]:
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


def _core_convs(g: _Graph, segment: list[str]) -> list[str]:
    """Full (not depthwise) convolutions followed by an activation, before the first depthwise one."""
    cores = []
    for n in segment:
        if g.kind(n) is LayerKind.DEPTHWISE and n not in g.side:
            break
        if g.is_main_conv(n) and g.chain_end(n)[1]:
            cores.append(n)
    return cores


def _split_cores(g: _Graph, segment: list[str]) -> list[list[str]]:
    """A sub-block has one expansion (MBConv) or one full convolution (fused): a segment with more activated
    convolutions before its depthwise one holds fused sub-blocks without projection or skip in front."""
    cores = _core_convs(g, segment)
    cuts = [segment.index(g.chain_end(c)[0]) + 1 for c in cores[:-1]]
    bounds = [0, *cuts, len(segment)]
    return [segment[a:b] for a, b in zip(bounds, bounds[1:]) if a < b]


def _sub_block(g: _Graph, segment: list[str], in_channels: int) -> dict:
    members = set(segment)
    depthwise = [n for n in segment if g.kind(n) is LayerKind.DEPTHWISE and n not in g.side]
    cores = _core_convs(g, segment)
    if depthwise:
        core_start, core_end = segment.index(g.start(depthwise[0])), _depthwise_end(g, segment, depthwise[-1])
        anchor, kernels = depthwise, tuple(g.layer[d].kernel_size[0] for d in depthwise)
    elif cores:
        core_start, core_end = 0, g.chain_end(cores[-1])[0]
        anchor, kernels = cores[-1:], (g.layer[cores[-1]].kernel_size[0],)
    else:
        raise StagesNotFound(
            f"sub-block at {segment[0]} has neither a depthwise nor a full convolution followed by "
            f"an activation: {NOT_AN_EFFICIENTNET}"
        )
    if core_end not in members:
        raise StagesNotFound(f"sub-blocks overlap at {segment[0]}: the layer order does not follow the MBConv pattern")
    rest = segment[segment.index(core_end) + 1 :]
    # Squeeze-and-excitation: a pooled side branch that comes back through a Multiply.
    excite = next(
        (
            i
            for i, n in enumerate(rest)
            if g.kind(n) is LayerKind.MULTIPLY
            and any(p in g.side for p in g.graph.predecessors(n))
            and any(p in g.side for p in rest[:i])
        ),
        None,
    )
    has_skip = any(n in g.residual_adds for n in segment)
    stride = max(g.layer[n].stride or 1 for n in anchor)
    modules = []
    if depthwise:
        if core_start:
            modules.append(ModuleGroup(ModuleType.EXPANSION, tuple(segment[:core_start])))
        modules.append(
            ModuleGroup(
                ModuleType.MODULE2 if stride > 1 else ModuleType.MODULE1,
                tuple(segment[core_start : segment.index(core_end) + 1]),
            )
        )
    else:
        modules.append(ModuleGroup(ModuleType.FUSED, tuple(segment[: segment.index(core_end) + 1])))
    if excite is not None:
        modules.append(ModuleGroup(ModuleType.MODULE3, tuple(rest[:excite])))
        rest = rest[excite:]
    if rest:
        modules.append(ModuleGroup(ModuleType.MODULE5 if has_skip else ModuleType.MODULE4, tuple(rest)))
    dynamic = sum(1 for n in segment if g.is_main_conv(n) and any(p in g.side for p in g.graph.predecessors(n)))
    return dict(
        modules=tuple(modules),
        has_skip=has_skip,
        stride=stride,
        kernel_size=max(kernels),
        expanded_channels=g.layer[core_end].shape[1],
        type=SubBlockType.MBCONV if depthwise else SubBlockType.FUSED,
        kernel_sizes=kernels,
        in_channels=in_channels,
        out_channels=g.layer[segment[-1]].shape[1],
        dynamic_convs=dynamic,
    )


def _depthwise_end(g: _Graph, segment: list[str], last: str) -> str:
    """The last activation after the depthwise convolution(s), before anything else (several depthwise
    convolutions of mixed kernels are merged, e.g. concatenated, before their normalisation)."""
    end = last
    for n in segment[segment.index(last) + 1 :]:
        excite = g.kind(n) is LayerKind.MULTIPLY and any(p in g.side for p in g.graph.predecessors(n))
        if n in g.side or g.kind(n).is_conv or excite or n in g.residual_adds:
            break
        if g.kind(n) is LayerKind.ACTIVATION:
            end = n
    return end if end != last else g.chain_end(last)[0]


def _starts_stage(b: dict, previous: SubBlockGroup) -> bool:
    return (
        b["stride"] > 1
        or b["in_channels"] != b["out_channels"]
        or b["kernel_sizes"] != previous.kernel_sizes
        or b["type"] is not previous.type
    )


def _skip_edges(g: _Graph, stages: list[StageGroup]) -> frozenset[tuple[str, str]]:
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
