"""What defines an EfficientNet's architecture, read from any grouped graph the same way, and the plain sentences
that say where two such structures differ ("block6 has 5 sub-blocks; B3 has 6")."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from effnet_inspect.analysis.measure import Analysis, expand_ratio
from effnet_inspect.analysis.trace import Layer
from effnet_inspect.arch.kinds import LayerKind, ModuleType


@dataclass(frozen=True)
class SubBlockShape:
    name: str
    in_channels: int
    out_channels: int
    expanded: int
    kernel_size: int
    stride: int
    se_channels: int | None  # None: no squeeze-and-excitation
    has_skip: bool
    activations: tuple[str, ...]  # in order, fused ones included: ('swish', 'swish', 'swish', 'sigmoid')


@dataclass(frozen=True)
class Structure:
    """What defines the architecture, read from a grouped graph (ours or anyone's) the same way."""

    stem_channels: int
    stem_kernel: int
    stem_stride: int
    blocks: tuple[tuple[SubBlockShape, ...], ...]
    head_channels: int | None
    classes: int | None  # None without a classifier
    stem_activations: tuple[str, ...] = ()
    top_activations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Difference:
    """One architectural difference: the stage it lives in ('stem', 'block4', 'top'; 'model' for the block count)
    decides which per-stage numbers it already explains; the text is what users read."""

    stage: str
    text: str


def _activations(layers: Iterable[Layer]) -> tuple[str, ...]:
    return tuple(l.activation for l in layers if l.activation)


def _named(activations: tuple[str, ...]) -> str:
    return ", ".join(dict.fromkeys(activations)) or "no activation"


def _convs(layers: Iterable[Layer]) -> list[Layer]:
    return [l for l in layers if l.kind.is_conv or l.kind is LayerKind.DENSE]


def structure(a: Analysis) -> Structure:
    layers = {n: a.graph.nodes[n]["layer"] for n in a.graph.nodes}
    stem, *_, top = a.grouping.stages
    stem_conv = next((l for l in _convs(layers[n] for n in stem.layers) if l.kind.is_conv), None)
    blocks = []
    for stage in a.grouping.blocks:
        shapes = []
        for b in stage.sub_blocks:
            first, last = layers[b.layers[0]], layers[b.layers[-1]]
            se = next((m for m in b.modules if m.type is ModuleType.MODULE3), None)
            se_convs = _convs(layers[n] for n in se.layers) if se else []
            shapes.append(SubBlockShape(b.name, (first.in_shape or first.shape)[1], last.shape[1],
                                        b.expanded_channels, b.kernel_size, b.stride,
                                        se_convs[0].out_channels if se_convs else None, b.has_skip,
                                        _activations(layers[n] for n in b.layers)))
        blocks.append(tuple(shapes))
    top_convs = _convs(layers[n] for n in top.layers)
    head = next((l.out_channels for l in top_convs if l.kind.is_conv), None)
    classes = next((l.out_channels for l in top_convs if l.kind is LayerKind.DENSE), None)
    return Structure(stem_conv.out_channels if stem_conv else 0, stem_conv.kernel_size[0] if stem_conv else 0,
                     stem_conv.stride if stem_conv else 0, tuple(blocks), head, classes,
                     _activations(layers[n] for n in stem.layers), _activations(layers[n] for n in top.layers))


def _ratio(b: SubBlockShape) -> float:
    return expand_ratio(b.expanded, b.in_channels)


def structural_differences(ours: Structure, ref: Structure, label: str) -> list[Difference]:
    """Stem to head; label is the reference's name ('B3')."""
    out = []
    if ours.stem_channels != ref.stem_channels:
        out.append(Difference("stem", f"stem has {ours.stem_channels} channels; {label} has {ref.stem_channels}"))
    if (ours.stem_kernel, ours.stem_stride) != (ref.stem_kernel, ref.stem_stride):
        out.append(Difference("stem", f"stem convolution is {ours.stem_kernel}x{ours.stem_kernel} stride "
                                      f"{ours.stem_stride}; {label}'s is {ref.stem_kernel}x{ref.stem_kernel} stride "
                                      f"{ref.stem_stride}"))
    if ours.stem_activations != ref.stem_activations:
        out.append(Difference("stem", f"stem uses {_named(ours.stem_activations)}; {label} uses "
                                      f"{_named(ref.stem_activations)}"))
    if len(ours.blocks) != len(ref.blocks):
        out.append(Difference("model", f"the model has {len(ours.blocks)} blocks; {label} has {len(ref.blocks)}"))
    for number, (mine, theirs) in enumerate(zip(ours.blocks, ref.blocks), start=1):
        stage = f"block{number}"
        out += [Difference(stage, text) for text in _block_differences(stage, mine, theirs, label)]
    if ours.head_channels != ref.head_channels:
        out.append(Difference("top", f"head has {ours.head_channels} channels; {label} has {ref.head_channels}"))
    if ours.top_activations != ref.top_activations:
        out.append(Difference("top", f"top uses {_named(ours.top_activations)}; {label} uses "
                                     f"{_named(ref.top_activations)}"))
    return out


def _block_differences(name: str, mine: tuple[SubBlockShape, ...], theirs: tuple[SubBlockShape, ...],
                       label: str) -> list[str]:
    out = []
    if len(mine) != len(theirs):
        out.append(f"{name} has {len(mine)} sub-blocks; {label} has {len(theirs)}")
    if mine[-1].out_channels != theirs[-1].out_channels:
        out.append(f"{name} has {mine[-1].out_channels} output channels; {label} has {theirs[-1].out_channels}")
    if mine[0].stride != theirs[0].stride:
        out.append(f"{name} has stride {mine[0].stride}; {label} has {theirs[0].stride}")
    pairs = list(zip(mine, theirs))
    # Activations are compared where both sides have (or lack) squeeze-and-excitation; a missing SE is said below.
    same_se = [(b, r) for b, r in pairs if (b.se_channels is None) == (r.se_channels is None)]
    # A property that differs in every sub-block is said once for the block, otherwise per sub-block.
    for compared, values, sentence in (
            (pairs, lambda b: b.kernel_size,
             lambda n, m, t: f"{n} uses {m}x{m} depthwise kernels; {label} uses {t}x{t}"),
            (pairs, _ratio, lambda n, m, t: f"{n} expands by {m}; {label} by {t}"),
            (same_se, lambda b: b.activations, lambda n, m, t: f"{n} uses {_named(m)}; {label} uses {_named(t)}")):
        differing = [(b.name, values(b), values(r)) for b, r in compared if values(b) != values(r)]
        if differing and len(differing) == len(compared) and len({d[1:] for d in differing}) == 1:
            out.append(sentence(name, *differing[0][1:]))
        else:
            out += [sentence(n, m, t) for n, m, t in differing]
    for b, r in pairs:
        if (b.se_channels is None) != (r.se_channels is None):
            out.append(f"{b.name} has no squeeze-and-excitation" if b.se_channels is None
                       else f"{b.name} has squeeze-and-excitation; {label}'s {r.name} has none")
        elif b.se_channels != r.se_channels and b.in_channels == r.in_channels:
            out.append(f"{b.name}'s squeeze-and-excitation has {b.se_channels} channels; {label}'s has "
                       f"{r.se_channels}")
        if b.has_skip != r.has_skip:
            out.append(f"{b.name} has no skip connection; {label}'s has one" if r.has_skip
                       else f"{b.name} has a skip connection; {label}'s has none")
    return out
