"""Explain any grouped implementation in Keras' terms: which of its nodes are Keras layers, which are not, and
which Keras layers it does without.

Keras' EfficientNet is fixed once the grouping is known: the stem is Input, Rescaling, Normalization,
ZeroPadding2D, Conv2D, BN, Activation; every module type has its own layer sequence (below); the top is
Conv2D, BN, Activation (+ pooling, Dropout, Dense with the classifier). Each group's nodes are aligned with
its Keras sequence (longest common subsequence by layer kind), so, for example, torchvision's separate SiLU and
Sigmoid after the squeeze-and-excitation convolutions come out as "has, Keras lacks" (Keras folds them into
Conv2D) and its missing stem padding as "Keras has, this lacks". For our own builder both lists are empty.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from effnet_inspect.analysis.group import Grouping, SubBlockGroup
from effnet_inspect.analysis.trace import Layer
from effnet_inspect.arch.kinds import LayerKind, ModuleType

K = LayerKind
STEM = (K.INPUT, K.RESCALING, K.NORMALIZATION, K.PAD, K.CONV, K.BATCH_NORM, K.ACTIVATION)
TOP = (K.CONV, K.BATCH_NORM, K.ACTIVATION)
CLASSIFIER = (K.GLOBAL_POOL, K.DROPOUT, K.DENSE)
MODULES: dict[ModuleType, tuple[LayerKind, ...]] = {
    ModuleType.EXPANSION: (K.CONV, K.BATCH_NORM, K.ACTIVATION),
    ModuleType.MODULE1: (K.DEPTHWISE, K.BATCH_NORM, K.ACTIVATION),
    ModuleType.MODULE2: (K.PAD, K.DEPTHWISE, K.BATCH_NORM, K.ACTIVATION),
    ModuleType.MODULE3: (K.GLOBAL_POOL, K.RESHAPE, K.CONV, K.CONV),
    ModuleType.MODULE4: (K.MULTIPLY, K.CONV, K.BATCH_NORM),
    ModuleType.MODULE5: (K.MULTIPLY, K.CONV, K.BATCH_NORM, K.DROPOUT, K.ADD),
    ModuleType.FUSED: (K.CONV, K.BATCH_NORM, K.ACTIVATION),  # Keras' EfficientNetV2 FusedMBConv, padding='same'
}

# Why a node has no Keras layer, or a Keras layer no node: by (where, kind), then by kind alone.
EXTRA_REASONS: dict[tuple[str | None, LayerKind], str] = {
    ("module3", K.ACTIVATION): "activations of the squeeze-and-excitation convolutions, which Keras folds into "
    "its Conv2D layers",
    ("module3", K.RESHAPE): "reshapes around the squeeze-and-excitation layers that Keras does not need",
    ("module3", K.OTHER): "indexing / broadcasting around the squeeze-and-excitation layers",
    ("top", K.RESHAPE): "the flatten after pooling (Keras' GlobalAveragePooling2D already returns (N, C))",
    (None, K.PAD): "padding layers in front of stride-1 convolutions (Keras uses padding='same' there)",
}
MISSING_REASONS: dict[tuple[str | None, LayerKind], str] = {
    ("stem", K.RESCALING): "input scaling, left to the data pipeline",
    ("stem", K.NORMALIZATION): "input normalization, left to the data pipeline",
    (None, K.PAD): "ZeroPadding2D before stride-2 convolutions (this implementation pads inside the convolution)",
    ("module3", K.RESHAPE): "the reshape after the squeeze pooling (this implementation keeps (N, C, 1, 1))",
    ("module5", K.DROPOUT): "the stochastic-depth Dropout of the skip branch (applied in forward() and a no-op "
    "at inference, or left out)",
    ("module3", K.CONV): "squeeze-and-excitation convolutions",
}


@dataclass(frozen=True)
class KerasMismatch:
    keras_class: str
    count: int
    reason: str


@dataclass(frozen=True)
class KerasEquivalent:
    layers: int  # what Keras' model has for this structure
    nodes: int  # what this implementation's graph has
    extra: tuple[KerasMismatch, ...]  # nodes Keras has no layer for
    missing: tuple[KerasMismatch, ...]  # Keras layers this implementation has no node for
    by_group: dict[str, int] = field(default_factory=dict)  # Keras layers per stage and per sub-block name

    @property
    def matched(self) -> int:
        return self.nodes - sum(d.count for d in self.extra)


def _compatible(node: LayerKind, slot: LayerKind) -> bool:
    # A Linear squeeze-and-excitation layer is Keras' 1x1 Conv2D on a 1x1 map.
    return node is slot or (node is K.DENSE and slot is K.CONV)


def align(nodes: list[LayerKind], slots: tuple[LayerKind, ...]) -> tuple[list[int], list[int]]:
    """Indices of unmatched nodes and of unmatched slots, from a longest common subsequence."""
    n, m = len(nodes), len(slots)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best[i][j] = (
                best[i + 1][j + 1] + 1 if _compatible(nodes[i], slots[j]) else max(best[i + 1][j], best[i][j + 1])
            )
    extra, missing, i, j = [], [], 0, 0
    while i < n and j < m:
        if _compatible(nodes[i], slots[j]) and best[i][j] == best[i + 1][j + 1] + 1:
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            extra.append(i)
            i += 1
        else:
            missing.append(j)
            j += 1
    return extra + list(range(i, n)), missing + list(range(j, m))


def _sub_block_slots(block: SubBlockGroup, first_overall: bool) -> list[tuple[str, tuple[LayerKind, ...]]]:
    has_se = ModuleType.MODULE3 in block.module_types
    groups = []
    for module in block.modules:
        slots = MODULES[module.type]
        if module.type in (ModuleType.MODULE4, ModuleType.MODULE5) and not has_se:
            slots = slots[1:]  # no excitation Multiply without squeeze-and-excitation
        if module.type is ModuleType.MODULE5 and first_overall:
            slots = tuple(s for s in slots if s is not K.DROPOUT)  # Keras drops at rate 0 * i / n: no layer
        groups.append((module.type.value, slots))
    return groups


def keras_equivalent(grouping: Grouping, layers: dict[str, Layer]) -> KerasEquivalent:
    """Align every group of the grouping with the Keras layers it stands for."""
    extra: Counter[tuple[str, LayerKind]] = Counter()
    missing: Counter[tuple[str, LayerKind]] = Counter()
    by_group: Counter[str] = Counter()

    def account(where: str, names: tuple[str, ...], slots: tuple[LayerKind, ...], *groups: str) -> None:
        kinds = [layers[n].kind for n in names]
        unmatched_nodes, unmatched_slots = align(kinds, slots)
        extra.update((where, kinds[i]) for i in unmatched_nodes)
        missing.update((where, slots[j]) for j in unmatched_slots)
        by_group.update({g: len(slots) for g in groups})

    stem, *_, top = grouping.stages
    account("stem", stem.layers, STEM, "stem")
    position = 0
    for stage in grouping.blocks:
        for block in stage.sub_blocks:
            for module, (where, slots) in zip(block.modules, _sub_block_slots(block, position == 0)):
                account(where, module.layers, slots, stage.name, block.name)
            position += 1
    has_classifier = any(layers[n].kind is K.DENSE for n in top.layers)
    account("top", top.layers, (TOP if top.layers else ()) + (CLASSIFIER if has_classifier else ()), "top")
    total = sum(by_group[s.name] for s in grouping.stages)
    return KerasEquivalent(
        total,
        len(layers),
        _differences(extra, EXTRA_REASONS, "with no Keras layer"),
        _differences(missing, MISSING_REASONS, "that this implementation does not have"),
        dict(by_group),
    )


def _differences(
    counts: Counter[tuple[str, LayerKind]], reasons: dict[tuple[str | None, LayerKind], str], default: str
) -> tuple[KerasMismatch, ...]:
    merged: Counter[tuple[str, str]] = Counter()
    for (where, kind), count in counts.items():
        reason = reasons.get((where, kind)) or reasons.get((None, kind)) or f"{kind.keras_name} layers {default}"
        merged[(kind.keras_name, reason)] += count
    return tuple(KerasMismatch(name, count, reason) for (name, reason), count in sorted(merged.items()))
