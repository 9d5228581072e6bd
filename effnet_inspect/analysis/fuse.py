"""Graph rewrites before layers are made: patterns that stand for one Keras layer but are written as several ops.

A frozen batch norm written out (timm's FrozenBatchNormAct2d, hand-made ports) is `x * scale + shift` with
scale and shift computed from buffers alone: one BatchNormalization layer, not a Multiply and an Add (which would
also read as a squeeze-and-excitation product and a skip connection).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import fx

from effnet_inspect.analysis.registry import call_kind, frozen_batch_norm
from effnet_inspect.arch.kinds import LayerKind


def _live(graph: fx.Graph) -> set[fx.Node]:
    """Nodes that depend on the model's input (the rest is arithmetic on parameters and buffers)."""
    live: set[fx.Node] = set()
    for node in graph.nodes:
        if node.op == "placeholder" or any(n in live for n in node.all_input_nodes):
            live.add(node)
    return live


def _binary(node: fx.Node, kind: LayerKind, live: set[fx.Node]) -> tuple[Any, Any] | None:
    """(the live operand, the constant one) of a product or sum with a constant, else None."""
    if (
        node.op not in ("call_function", "call_method")
        or call_kind(node.op, node.target) is not kind
        or len(node.args) != 2
        or node.kwargs
    ):
        return None
    a, b = node.args
    for x, c in ((a, b), (b, a)):
        if isinstance(x, fx.Node) and x in live and not (isinstance(c, fx.Node) and c in live):
            return x, c
    return None


def fuse_affine(graph: fx.Graph) -> fx.Graph:
    """Rewrite x * scale + shift (scale and shift tensors that do not depend on the input) as frozen_batch_norm."""
    live = _live(graph)
    for node in list(graph.nodes):
        shifted = _binary(node, LayerKind.ADD, live)
        if shifted is None or not isinstance(shifted[0], fx.Node) or len(shifted[0].users) != 1:
            continue
        scaled = _binary(shifted[0], LayerKind.MULTIPLY, live)
        if scaled is None or not all(isinstance(c, (fx.Node, torch.Tensor)) for c in (scaled[1], shifted[1])):
            continue
        product = shifted[0]
        with graph.inserting_before(node):
            fused = graph.call_function(frozen_batch_norm, (scaled[0], scaled[1], shifted[1]))
        fused.meta = dict(node.meta)
        node.replace_all_uses_with(fused)
        graph.erase_node(node)
        graph.erase_node(product)
    return graph
