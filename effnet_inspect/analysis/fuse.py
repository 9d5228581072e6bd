"""Graph rewrites before layers are made: patterns that stand for one Keras layer but are written as several ops.

A frozen batch norm written out (timm's FrozenBatchNormAct2d, hand-made ports) is `x * scale + shift` with
scale and shift computed from buffers alone: one BatchNormalization layer, not a Multiply and an Add (which would
also read as a squeeze-and-excitation product and a skip connection). Swish written out, `x * sigmoid(x)`, is one
Activation layer.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import fx

from effnet_inspect.analysis.activations import activation_name
from effnet_inspect.analysis.formulas import frozen_batch_norm
from effnet_inspect.analysis.registry import call_kind
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


def fuse_swish(fx_graph: fx.Graph) -> fx.Graph:
    """Rewrite x * sigmoid(x) (swish written out, or a custom autograd Function) as one F.silu node.

    Keras has one Activation layer there; two nodes would also hide the activation from the grouping.
    """
    for node in list(fx_graph.nodes):
        if not (_call_kind(node) is LayerKind.MULTIPLY and len(node.args) == 2 and not node.kwargs):
            continue
        for x, gate in (node.args, node.args[::-1]):
            if (
                isinstance(gate, fx.Node)
                and _is_sigmoid(gate)
                and gate.args == (x,)
                and not gate.kwargs
                and len(gate.users) == 1
            ):
                with fx_graph.inserting_before(node):
                    silu = fx_graph.call_function(F.silu, (x,))
                silu.meta = dict(node.meta)
                node.replace_all_uses_with(silu)
                fx_graph.erase_node(node)
                fx_graph.erase_node(gate)
                break
    return fx_graph


def _call_kind(node: fx.Node) -> LayerKind | None:
    return call_kind(node.op, node.target) if node.op in ("call_function", "call_method") else None


def _is_sigmoid(node: fx.Node) -> bool:
    # Not x.sigmoid_(): it overwrites the x the product reads, so x * x.sigmoid_() is no swish.
    return (
        _call_kind(node) is LayerKind.ACTIVATION
        and activation_name(node.target) == "sigmoid"
        and node.target != "sigmoid_"
    )
