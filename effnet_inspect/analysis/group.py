"""Group a traced graph into stem, blocks, sub-blocks and module types, from structure alone.

Only layer kinds and connections are used, never names, so the same rules work on other implementations:
- a sub-block is built around one depthwise convolution; it starts at the 1x1 expansion conv feeding it (or at
  its padding / the depthwise conv itself) and ends after the projection BN, or after the Add of its skip;
- the stem is everything before the first sub-block, the top everything after the last;
- a new block (stage) starts at a sub-block without a skip connection, or where kernel size or expand ratio
  changes (Keras repeats a stage's first sub-block with stride 1 and equal channels, which always has a skip).
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from effnet_inspect.errors import InputError
from effnet_inspect.arch.kinds import LayerKind, ModuleType

CHAIN_KINDS = (LayerKind.BATCH_NORM, LayerKind.ACTIVATION)


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
    kernel_size: int
    expanded_channels: int

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(n for m in self.modules for n in m.layers)

    @property
    def module_types(self) -> tuple[ModuleType, ...]:
        return tuple(m.type for m in self.modules)


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
    """Positional helpers over a traced graph in execution order."""

    def __init__(self, graph: nx.DiGraph):
        self.graph = graph
        self.order = list(graph.nodes)
        self.pos = {n: i for i, n in enumerate(self.order)}
        self.layer = {n: graph.nodes[n]["layer"] for n in self.order}

    def kind(self, n: str) -> LayerKind:
        return self.layer[n].kind

    def only_pred(self, n: str) -> str | None:
        preds = list(self.graph.predecessors(n))
        return preds[0] if len(preds) == 1 else None

    def only_succ(self, n: str) -> str | None:
        succs = list(self.graph.successors(n))
        return succs[0] if len(succs) == 1 else None


def group(graph: nx.DiGraph) -> Grouping:
    """Group a traced graph into stem, blocks, sub-blocks and module types, by layer types and connections alone.

    >>> grouping = ei.group(ei.trace(ei.build("b0", device="meta"), 224))
    >>> len(grouping.stages), len(grouping.sub_blocks), [m.type.value for m in grouping.sub_blocks[1].modules]
    (9, 16, ['expansion', 'module2', 'module3', 'module4'])
    """
    g = _Graph(graph)
    depthwise = [n for n in g.order if g.kind(n) is LayerKind.DEPTHWISE]
    if not depthwise:
        raise InputError("no depthwise convolution found: the model does not look like an EfficientNet")
    stem_conv = next((n for n in g.order if g.kind(n) is LayerKind.CONV), None)
    starts = [g.pos[_sub_block_start(g, dw, stem_conv)] for dw in depthwise]
    end = g.pos[_sub_block_end(g, depthwise[-1])] + 1
    bounds = [*starts, end]
    segments = [g.order[a:b] for a, b in zip(bounds, bounds[1:])]
    if any(a >= b for a, b in zip(bounds, bounds[1:])):
        raise InputError("sub-blocks overlap: the model's layer order does not follow the MBConv pattern")
    parts = [_split_sub_block(g, seg, dw) for seg, dw in zip(segments, depthwise)]

    stages: list[StageGroup] = [StageGroup("stem", tuple(g.order[:starts[0]]))]
    current: list[SubBlockGroup] = []
    previous = None
    for modules, info in parts:
        new_stage = previous is None or not info["has_skip"] or info["kernel_size"] != previous["kernel_size"] \
            or info["expand"] != previous["expand"]
        if new_stage and current:
            stages.append(_stage(len(stages), current))
            current = []
        stage = len(stages)
        index = len(current)
        kind = 1 if stage == 1 and index == 0 else 2 if index == 0 else 3
        current.append(SubBlockGroup(
            name=f"block{stage}{_letters(index)}", stage=stage, index=index, kind=kind, modules=modules,
            has_skip=info["has_skip"], stride=info["stride"], kernel_size=info["kernel_size"],
            expanded_channels=info["expanded"]))
        previous = info
    stages.append(_stage(len(stages), current))
    stages.append(StageGroup("top", tuple(g.order[end:])))
    return Grouping(tuple(stages), _skip_edges(g, stages))


def _skip_edges(g: _Graph, stages: list[StageGroup]) -> frozenset[tuple[str, str]]:
    """Edges into a sub-block's Add from outside that sub-block."""
    edges = set()
    for block in (b for s in stages for b in s.sub_blocks if b.has_skip):
        members = set(block.layers)
        edges |= {(tail, head) for head in block.layers if g.kind(head) is LayerKind.ADD
                  for tail in g.graph.predecessors(head) if tail not in members}
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


def _sub_block_start(g: _Graph, dw: str, stem_conv: str | None) -> str:
    """Walk back from the depthwise conv over its padding and the expansion conv -> BN -> activation chain."""
    start = dw
    node = g.only_pred(dw)
    if node is not None and g.kind(node) is LayerKind.PAD:
        start, node = node, g.only_pred(node)
    chain = []
    while node is not None and g.kind(node) in CHAIN_KINDS:
        chain.append(node)
        node = g.only_pred(node)
    # An expansion ends in an activation; a previous sub-block's projection ends in BN and feeds us directly.
    expands = chain and g.kind(chain[0]) is LayerKind.ACTIVATION
    if node is not None and g.kind(node) is LayerKind.CONV and node != stem_conv and expands:
        return node
    return start


def _sub_block_end(g: _Graph, dw: str) -> str:
    """The projection BN (or the Add of the skip) that closes the sub-block of the last depthwise conv."""
    after = g.order[g.pos[dw] + 1:]
    multiply = next((n for n in after if g.kind(n) is LayerKind.MULTIPLY), None)
    search = after if multiply is None else g.order[g.pos[multiply] + 1:]
    node = next((n for n in search if g.kind(n) is LayerKind.CONV), None)
    if node is None:
        raise InputError(f"no projection convolution after {dw}: the model does not look like an EfficientNet")
    while (succ := g.only_succ(node)) is not None and g.kind(succ) in (*CHAIN_KINDS, LayerKind.DROPOUT):
        node = succ
    succ = next(iter(g.graph.successors(node)), None)
    if succ is not None and g.kind(succ) is LayerKind.ADD:
        node = succ
    return node


def _split_sub_block(g: _Graph, segment: list[str], dw: str) -> tuple[tuple[ModuleGroup, ...], dict]:
    members = set(segment)
    at = segment.index(dw)
    pad = at > 0 and g.kind(segment[at - 1]) is LayerKind.PAD and g.only_pred(dw) == segment[at - 1]
    dw_start = at - 1 if pad else at
    dw_end = at
    while dw_end + 1 < len(segment) and g.kind(segment[dw_end + 1]) in CHAIN_KINDS \
            and g.only_pred(segment[dw_end + 1]) == segment[dw_end]:
        dw_end += 1
    rest = segment[dw_end + 1:]
    multiply = next((i for i, n in enumerate(rest) if g.kind(n) is LayerKind.MULTIPLY), None)
    se, projection = (rest[:multiply], rest[multiply:]) if multiply is not None else ([], rest)
    has_skip = any(g.kind(n) is LayerKind.ADD and any(p not in members for p in g.graph.predecessors(n))
                   for n in projection)
    dw_layer = g.layer[dw]
    stride = dw_layer.stride or 1
    first = g.layer[segment[0]]
    in_channels = (first.in_shape or first.shape)[1]
    modules = []
    if dw_start > 0:
        modules.append(ModuleGroup(ModuleType.EXPANSION, tuple(segment[:dw_start])))
    modules.append(ModuleGroup(ModuleType.MODULE2 if stride > 1 else ModuleType.MODULE1,
                               tuple(segment[dw_start:dw_end + 1])))
    if se:
        modules.append(ModuleGroup(ModuleType.MODULE3, tuple(se)))
    modules.append(ModuleGroup(ModuleType.MODULE5 if has_skip else ModuleType.MODULE4, tuple(projection)))
    expanded = dw_layer.out_channels or dw_layer.shape[1]
    info = dict(has_skip=has_skip, stride=stride, kernel_size=dw_layer.kernel_size[0],
                expand=expanded / in_channels, expanded=expanded)
    return tuple(modules), info
