"""Side branches: computations that leave the feature maps and come back as a gate or as convolution weights, found
by where they rejoin and named by what they are, never by module names.

A branch rejoins the main path at
- a Multiply or Add of a feature map and a smaller tensor broadcast over it (a gate): squeeze-and-excitation when
  the branch pools globally (mean, adaptive pooling) and multiplies, global context when it pools by attention (a
  softmax over the positions and a matrix product with the features, GCNet) or adds its context;
- a convolution or dense layer whose weights it computes from the input: CondConv routing (a per-example mix of
  expert kernels).
Its nodes are everything the small operand is computed from that the main operand is not: so the attention logits
of a global-context block (a 1x1 convolution of the feature map) belong to the branch, not to the sub-block.
Anything else that rejoins this way is an unrecognised branch, which the verdict reports as a caution.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import networkx as nx

from effnet_inspect.arch.kinds import LayerKind


class BranchForm(enum.Enum):
    SQUEEZE_EXCITATION = "squeeze-and-excitation"
    GLOBAL_CONTEXT = "global context"
    ROUTING = "CondConv routing"
    UNRECOGNISED = "unrecognised side branch"


@dataclass(frozen=True)
class Branch:
    nodes: frozenset[str]
    join: str  # where it comes back: the gate's Multiply or Add, or the layer whose weights it computes
    form: BranchForm


def _own_shape(graph: nx.DiGraph, n: str) -> tuple[int, ...]:
    """A node's shape; an expand_as / view_as has its first operand's (s.expand_as(x) only borrows x's shape)."""
    layer = graph.nodes[n]["layer"]
    preds = list(graph.predecessors(n))
    if layer.kind is LayerKind.RESHAPE and len(preds) > 1:
        return _own_shape(graph, preds[0])
    return tuple(layer.shape)


def _numel(graph: nx.DiGraph, n: str) -> int:
    return math.prod(_own_shape(graph, n))


def _operands(graph: nx.DiGraph, n: str) -> tuple[str, str] | None:
    """(main, branch) operands of a join node, else None."""
    layer = graph.nodes[n]["layer"]
    preds = list(dict.fromkeys(graph.predecessors(n)))
    if len(preds) != 2:
        return None
    a, b = preds
    if layer.kind in (LayerKind.MULTIPLY, LayerKind.ADD):  # a gate: one operand broadcast over the other
        size = math.prod(layer.shape)
        sizes = (_numel(graph, a), _numel(graph, b))
        return (a, b) if sizes[1] < sizes[0] == size else (b, a) if sizes[0] < sizes[1] == size else None
    if layer.kind.is_conv or layer.kind is LayerKind.DENSE:  # computed weights: the data operand has in_shape
        data = [p for p in preds if graph.nodes[p]["layer"].shape == layer.in_shape]
        return (data[0], b if data[0] == a else a) if len(data) == 1 else None
    return None


def _no_positions(shape: tuple[int, ...]) -> bool:
    """(N, C) or (N, C, 1, 1): one value per channel, none per position."""
    return all(size == 1 for size in shape[2:])


def _form(graph: nx.DiGraph, nodes: frozenset[str], join: str, small: str) -> BranchForm:
    layers = [graph.nodes[n]["layer"] for n in nodes]
    joined_by = graph.nodes[join]["layer"].kind
    if joined_by.is_conv or joined_by is LayerKind.DENSE:
        return BranchForm.ROUTING
    if not _no_positions(_own_shape(graph, small)):
        return BranchForm.UNRECOGNISED  # it weighs positions (spatial attention), not channels
    if any(layer.kind is LayerKind.MATMUL for layer in layers) and any(
        layer.activation == "softmax" for layer in layers
    ):
        return BranchForm.GLOBAL_CONTEXT  # attention pooling
    if any(layer.kind is LayerKind.GLOBAL_POOL and _no_positions(layer.shape) for layer in layers):
        return BranchForm.SQUEEZE_EXCITATION if joined_by is LayerKind.MULTIPLY else BranchForm.GLOBAL_CONTEXT
    return BranchForm.UNRECOGNISED


def _branch_nodes(graph: nx.DiGraph, main: str, small: str) -> frozenset[str]:
    return frozenset(({small} | nx.ancestors(graph, small)) - nx.ancestors(graph, main) - {main})


def _pooled_gate(graph: nx.DiGraph, n: str) -> tuple[str, str] | None:
    """(main, branch) of a product of two equal shapes where the maps have no positions left (a small input: the
    last blocks' maps are 1x1), when one is computed from the other through a global pooling: a gate all the same."""
    layer = graph.nodes[n]["layer"]
    preds = list(dict.fromkeys(graph.predecessors(n)))
    if layer.kind is not LayerKind.MULTIPLY or len(preds) != 2 or not _no_positions(tuple(layer.shape)):
        return None
    for main, small in (preds, preds[::-1]):
        if nx.has_path(graph, main, small) and any(
            graph.nodes[m]["layer"].kind in (LayerKind.GLOBAL_POOL, LayerKind.MATMUL)
            for m in _branch_nodes(graph, main, small)
        ):
            return main, small
    return None


def find_branches(graph: nx.DiGraph) -> list[Branch]:
    """Every side branch of the graph, in the order of the nodes they rejoin at."""
    branches = []
    for n in graph.nodes:
        operands = _operands(graph, n) or _pooled_gate(graph, n)
        if operands is None:
            continue
        main, small = operands
        nodes = _branch_nodes(graph, main, small)
        if nodes:
            branches.append(Branch(nodes, n, _form(graph, nodes, n, small)))
    return branches
