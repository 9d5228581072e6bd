"""What defines an EfficientNet's architecture, read from any grouped graph the same way: channels, repeats,
kernels, strides, expansion, squeeze-and-excitation, skips, sub-block type, normalisation and activations.
The sentences that say where two structures differ are in differences.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from effnet_inspect.analysis.group import ModuleGroup, SubBlockGroup
from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.registry import NORM_LABELS
from effnet_inspect.analysis.trace import Layer
from effnet_inspect.arch.kinds import LayerKind, ModuleType, SubBlockType


@dataclass(frozen=True)
class SubBlockShape:
    name: str
    in_channels: int
    out_channels: int
    expanded: int
    kernel_sizes: tuple[int, ...]  # one per depthwise convolution (several: mixed kernels)
    stride: int
    se_channels: int | None  # None: no squeeze-and-excitation
    has_skip: bool
    activations: tuple[str, ...]  # on the feature maps, in order: ('swish', 'swish')
    se_activations: tuple[str, ...] = ()  # inside the squeeze-and-excitation: ('swish', 'sigmoid')
    type: SubBlockType = SubBlockType.MBCONV
    dynamic_convs: int = 0  # convolutions whose weights are computed from the input (CondConv)
    norms: int = 0  # normalisation layers


@dataclass(frozen=True)
class Structure:
    """What defines the architecture, read from a grouped graph (ours or anyone's) the same way."""

    stem_channels: int
    stem_kernel: int
    stem_stride: int
    blocks: tuple[tuple[SubBlockShape, ...], ...]
    head_channels: int | None  # None: no head convolution (a feature extractor)
    classes: int | None  # None without a classifier
    stem_activations: tuple[str, ...] = ()
    top_activations: tuple[str, ...] = ()
    norms: tuple[str, ...] = ()  # the kinds of normalisation, in order of appearance: ('batch norm',)

    @property
    def sub_blocks(self) -> tuple[SubBlockShape, ...]:
        return tuple(b for block in self.blocks for b in block)


def _activations(layers: Iterable[Layer]) -> tuple[str, ...]:
    return tuple(layer.activation for layer in layers if layer.activation)


def _convs(layers: Iterable[Layer]) -> list[Layer]:
    return [layer for layer in layers if layer.kind.is_conv or layer.kind is LayerKind.DENSE]


def norm_kinds(layers: Iterable[Layer]) -> tuple[str, ...]:
    """'batch norm' (frozen ones too: the same arithmetic at inference), 'group norm (8 channels per group)',
    'layer norm', in order of appearance."""
    norms = [layer for layer in layers if layer.kind.is_norm]
    groups = [layer for layer in norms if layer.kind is LayerKind.GROUP_NORM and layer.groups]
    sizes = {layer.shape[1] // layer.groups for layer in groups if layer.groups and len(layer.shape) > 1}
    counts = {layer.groups for layer in groups}
    group_detail = (
        f" ({sizes.pop()} channels per group)"
        if len(sizes) == 1
        else f" ({counts.pop()} groups)"
        if len(counts) == 1
        else ""
    )
    names = {**NORM_LABELS, LayerKind.GROUP_NORM: NORM_LABELS[LayerKind.GROUP_NORM] + group_detail}
    return tuple(dict.fromkeys(names[layer.kind] for layer in norms))


def _sub_block(b: SubBlockGroup, layers: dict[str, Layer]) -> SubBlockShape:
    se: ModuleGroup | None = next((m for m in b.modules if m.type is ModuleType.MODULE3), None)
    se_layers = [layers[n] for n in se.layers] if se else []
    main = [layers[n] for m in b.modules if m is not se for n in m.layers]
    se_convs = _convs(se_layers)
    return SubBlockShape(
        b.name,
        b.in_channels,
        b.out_channels,
        b.expanded_channels,
        b.kernel_sizes,
        b.stride,
        se_convs[0].out_channels if se_convs else None,
        b.has_skip,
        _activations(
            layer for layer in main if len(layer.shape) == 4
        ),  # CondConv's routing gate is not on the feature maps
        _activations(se_layers),
        b.type,
        b.dynamic_convs,
        sum(layer.kind.is_norm for layer in main + se_layers),
    )


def structure(a: Analysis) -> Structure:
    layers = {n: a.graph.nodes[n]["layer"] for n in a.graph.nodes}
    stem, *_, top = a.grouping.stages
    stem_conv = next((layer for layer in _convs(layers[n] for n in stem.layers) if layer.kind.is_conv), None)
    blocks = tuple(tuple(_sub_block(b, layers) for b in stage.sub_blocks) for stage in a.grouping.blocks)
    top_convs = _convs(layers[n] for n in top.layers)
    head = next((layer.out_channels for layer in top_convs if layer.kind.is_conv), None)
    classes = next((layer.out_channels for layer in top_convs if layer.kind is LayerKind.DENSE), None)
    return Structure(
        stem_conv.out_channels or 0 if stem_conv else 0,
        stem_conv.kernel_size[0] if stem_conv and stem_conv.kernel_size else 0,
        stem_conv.stride or 0 if stem_conv else 0,
        blocks,
        head,
        classes,
        _activations(layers[n] for n in stem.layers),
        _activations(layers[n] for n in top.layers),
        norm_kinds(layers.values()),
    )


def activation_text(mine: tuple[str, ...], theirs: tuple[str, ...]) -> tuple[str, str]:
    """Both sides' activations in words: by name ('relu, sigmoid'), or with counts where only the counts differ
    ('swish x2, sigmoid'), so that two different lists never read the same."""

    def names(acts: tuple[str, ...]) -> str:
        return ", ".join(dict.fromkeys(acts)) or "no activation"

    def runs(acts: tuple[str, ...]) -> str:
        out: list[str] = []
        for act in acts:
            if out and out[-1].split(" x")[0] == act:
                head, _, count = out[-1].partition(" x")
                out[-1] = f"{head} x{int(count or 1) + 1}"
            else:
                out.append(act)
        return ", ".join(out) or "no activation"

    if names(mine) != names(theirs):
        return names(mine), names(theirs)
    return runs(mine), runs(theirs)  # run-length text is one-to-one: different lists never read the same
