"""How data flows through a traced graph, as the grouping reads it: execution order, the main path apart from its
side branches, skip connections, and where a convolution's output goes before its activation.

Two kinds of node are off the main path: those of a side branch (branches.py) and those computed only from a
global pooling (the classifier). A convolution split over channel groups (MixNet's MixedConv2d: torch.split,
one convolution per part, torch.cat) reads as one convolution: its parts flow through the concatenation.
"""

from __future__ import annotations

import networkx as nx

from effnet_inspect.analysis.branches import Branch, find_branches
from effnet_inspect.analysis.registry import BEFORE_ACTIVATION
from effnet_inspect.analysis.trace import Layer
from effnet_inspect.arch.kinds import LayerKind


class Flow:
    """Positional and structural helpers over a traced graph in execution order."""

    def __init__(self, graph: nx.DiGraph):
        self.graph = graph
        self.order = list(graph.nodes)
        self.pos = {n: i for i, n in enumerate(self.order)}
        self.layer: dict[str, Layer] = {n: graph.nodes[n]["layer"] for n in self.order}
        self.branches: list[Branch] = find_branches(graph)
        self.side: set[str] = set().union(*(b.nodes for b in self.branches))
        for n in self.order:  # what is computed from a global pooling alone (the classifier) is off the path too
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
        """An Add of a tensor and something computed from it, of the same size: a skip connection."""
        preds = sorted(self.graph.predecessors(n), key=self.pos.__getitem__)
        return (
            self.kind(n) is LayerKind.ADD
            and len(preds) == 2
            and n not in self.side
            and all(self.layer[p].shape == self.layer[n].shape for p in preds)
            and nx.has_path(self.graph, *preds)
        )

    def source(self, n: str) -> str | None:
        """What n reads through slices and padding: the tensor a split convolution's parts come from."""
        pred = self.only_pred(n)
        while pred is not None and self.kind(pred) in (LayerKind.RESHAPE, LayerKind.PAD):
            pred = self.only_pred(pred)
        return pred

    def merges_parts(self, concat: str) -> bool:
        """A concatenation of convolutions of parts of one tensor: one convolution split over channel groups."""
        preds = [p for p in self.graph.predecessors(concat) if p not in self.side]
        sources = {self.source(p) for p in preds}
        return (
            self.kind(concat) is LayerKind.CONCATENATE
            and len(preds) > 1
            and all(self.kind(p).is_conv for p in preds)
            and len(sources) == 1
            and None not in sources
        )

    def chain_end(self, n: str) -> tuple[str, bool]:
        """Follow n's output through single-input pass-through nodes: (the last node, reached an activation)."""
        while (succ := self.only_succ(n)) is not None and (
            self.only_pred(succ) == n or (self.kind(n).is_conv and self.merges_parts(succ))
        ):
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
        """A convolution with what only prepares its input: its padding, the slice it reads of a split tensor."""
        while (pred := self.only_pred(conv)) is not None and (
            self.only_succ(pred) == conv and self.kind(pred) in (LayerKind.PAD, LayerKind.RESHAPE)
        ):
            conv = pred
        return conv
