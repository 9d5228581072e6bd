"""Notes for people porting weights: what does not change the architecture (so it is not a difference in the
verdict) but changes what a ported checkpoint computes, or how the model trains.

The same facts are read from both models (the implementation and our Keras-faithful build) and a note is written
only where they differ: padding of strided convolutions (TF 'same', one extra pixel at the bottom and right, vs
symmetric), batch-norm epsilon and momentum, frozen batch norm, dropout and drop-connect rates, custom activation
code, input channels, classes, and a model handed over in train() mode.

Rates come from the model's own modules and attributes: the classifier's Dropout (or, where the classifier drops
functionally, the model's `drop_rate` as timm keeps it, or efficientnet_pytorch's `_global_params.dropout_rate`);
the stochastic depth of each sub-block's skip branch (torchvision's StochasticDepth `p`, timm's DropPath
`drop_prob`, or efficientnet_pytorch's `drop_connect_rate` x index / blocks, applied in forward()). timm builds
no DropPath at its default drop_path_rate of 0, so such a model has none. A Dropout inside a side branch (a
global-context MLP's) is not stochastic depth.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from torch import nn

from effnet_inspect.analysis.measure import Analysis, analyze
from effnet_inspect.analysis.registry import module_kind
from effnet_inspect.arch.kinds import LayerKind, ModuleType
from effnet_inspect.arch.specs import ModelSpec
from effnet_inspect.model.build import build

TF_SAME = "TF 'same'"


@dataclass(frozen=True)
class PortingFacts:
    padding: str  # TF_SAME or 'symmetric': how strided convolutions pad
    batch_norm: tuple[tuple[float, float | None], ...]  # distinct (epsilon, momentum in PyTorch's convention)
    frozen_norm: bool  # batch norm with its statistics and affine terms as buffers
    dropout: tuple[float, ...]  # the classifier's dropout rates; () when it has none
    drop_connect: tuple[float, ...]  # the sub-blocks' stochastic-depth rates, in order; () when none
    custom_activations: tuple[str, ...]  # activation modules written outside torch.nn
    in_channels: int | None
    classes: int | None


def _round(value: float) -> float:
    return float(f"{value:.6g}")  # 1 - 0.99 is 0.010000000000000009


def _rate(holder: object, names: tuple[str, ...] = ("p", "drop_prob", "drop_rate", "rate")) -> float | None:
    for name in names:
        value = getattr(holder, name, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return round(float(value), 4)
    return None


def _dropout_rates(model: nn.Module, a: Analysis) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(the classifier's dropout rates, the sub-blocks' stochastic-depth rates), as the module docstring says."""
    modules = dict(model.named_modules())

    def rates(names: list[str]) -> tuple[float, ...]:
        found = (_rate(modules.get(a.graph.nodes[n]["layer"].path)) for n in names)
        return tuple(r for r in found if r is not None)

    dropouts = {n for n in a.graph.nodes if a.graph.nodes[n]["layer"].kind is LayerKind.DROPOUT}
    top = a.grouping.stages[-1].layers
    classifier = rates([n for n in top if n in dropouts])
    settings = getattr(model, "_global_params", None)  # efficientnet_pytorch
    if not classifier and any(a.graph.nodes[n]["layer"].kind is LayerKind.DENSE for n in top):
        held = _rate(model, ("drop_rate",))  # timm
        held = _rate(settings, ("dropout_rate",)) if held is None else held
        classifier = () if held is None else (held,)
    blocks = a.grouping.sub_blocks
    on_skips = [n for b in blocks for m in b.modules if m.type is ModuleType.MODULE5 for n in m.layers if n in dropouts]
    drop_connect = rates(on_skips)
    rate = _rate(settings, ("drop_connect_rate",))
    if not drop_connect and rate:
        drop_connect = tuple(round(rate * i / len(blocks), 4) for i, b in enumerate(blocks) if b.has_skip)
    return classifier, drop_connect


def facts(model: nn.Module, a: Analysis) -> PortingFacts:
    modules = dict(model.named_modules())
    layers = a.layers()
    consumers = {n: [a.graph.nodes[s]["layer"] for s in a.graph.successors(n)] for n in a.graph.nodes}
    pads_before_conv = any(
        layer.kind is LayerKind.PAD and any(c.kind.is_conv for c in consumers[layer.name]) for layer in layers
    )
    same_in_forward = any(
        isinstance(m, nn.Conv2d) and max(m.stride) > 1 and type(m).forward is not nn.Conv2d.forward
        for m in modules.values()
    )
    norms = [m for m in modules.values() if module_kind(m) is LayerKind.BATCH_NORM]
    bn = tuple(
        dict.fromkeys(
            (_round(m.eps), None if m.momentum is None else _round(m.momentum))
            for m in norms
            if isinstance(m, nn.modules.batchnorm._BatchNorm)
        )
    )
    frozen = any(layer.type == "frozen_batch_norm" for layer in layers) or any(
        "weight" in dict(m.named_buffers(recurse=False)) for m in norms
    )
    top = set(a.grouping.stages[-1].layers)
    custom = tuple(
        dict.fromkeys(
            type(m).__name__
            for layer in layers
            if layer.kind is LayerKind.ACTIVATION
            and (m := modules.get(layer.path)) is not None
            and layer.path
            and next(m.children(), None) is None
            and not type(m).__module__.startswith("torch.")
        )
    )
    convs = [layer for layer in layers if layer.kind.is_conv]
    dense = [layer for layer in layers if layer.kind is LayerKind.DENSE and layer.name in top]
    return PortingFacts(
        TF_SAME if pads_before_conv or same_in_forward else "symmetric",
        bn,
        frozen,
        *_dropout_rates(model, a),
        custom,
        convs[0].in_channels if convs else None,
        dense[-1].out_channels if dense else None,
    )


@functools.lru_cache(maxsize=16)
def reference_facts(spec: ModelSpec, include_top: bool, resolution: int) -> PortingFacts:
    """The same facts of our own build (Keras' choices)."""
    return facts(build(spec, include_top, device="meta"), analyze(spec, include_top, resolution))


def _bn(values: tuple[tuple[float, float | None], ...]) -> str:
    return (
        "; ".join(
            f"eps {eps:g}, momentum {m:g}" if m is not None else f"eps {eps:g}, cumulative average" for eps, m in values
        )
        or "none"
    )


def _rates(rates: tuple[float, ...]) -> str:
    if not rates:
        return "none"
    return (
        f"{rates[0]:g}"
        if len(set(rates)) == 1 and len(rates) == 1
        else f"{min(rates):g} to {max(rates):g} over {len(rates)} sub-blocks"
    )


def classifier_dropout(ours: tuple[float, ...], ref: tuple[float, ...], label: str) -> str:
    if not ours:
        return f"the classifier has no dropout; {label}'s rate is {_rates(ref)}"
    return f"classifier dropout rate is {_rates(ours)}; {label}'s is {_rates(ref)}"


def drop_connect(ours: tuple[float, ...], ref: tuple[float, ...], label: str) -> str:
    if not ours:
        return f"there is no drop-connect (stochastic depth); {label}'s rates are {_rates(ref)}"
    return f"drop-connect (stochastic depth) rates are {_rates(ours)}; {label}'s {_rates(ref)}"


def porting_notes(ours: PortingFacts, ref: PortingFacts, label: str, training: bool = False) -> list[str]:
    out = []
    if training:
        out.append(
            "the model was handed over in train() mode; it was inspected in eval() mode (dropout and "
            "drop-connect off), on a copy"
        )
    if ours.padding != ref.padding:
        out.append(
            f"strided convolutions use {ours.padding} padding; {label} uses {ref.padding} padding"
            + (
                " (the extra pixel at the bottom and right only): TensorFlow weights give slightly shifted outputs here"
                if ref.padding == TF_SAME
                else ""
            )
        )
    if ours.batch_norm and ours.batch_norm != ref.batch_norm:
        out.append(
            f"batch norm uses {_bn(ours.batch_norm)}; {label} uses {_bn(ref.batch_norm)} (momentum as "
            "PyTorch counts it: Keras' 0.99 is 0.01)"
        )
    if ours.frozen_norm and not ref.frozen_norm:
        out.append(
            "batch norm is frozen (statistics and scale held as buffers): the same at inference, but it does not train"
        )
    if ours.classes is not None and ref.dropout and _rates(ours.dropout) != _rates(ref.dropout):
        out.append(classifier_dropout(ours.dropout, ref.dropout, label))
    if ref.drop_connect and _rates(ours.drop_connect) != _rates(ref.drop_connect):
        out.append(drop_connect(ours.drop_connect, ref.drop_connect, label))
    if ours.custom_activations:
        out.append(
            f"activations are computed by custom code ({', '.join(ours.custom_activations)}); {label} uses "
            "the library's"
        )
    if ours.in_channels != ref.in_channels and ours.in_channels is not None:
        out.append(f"the stem takes {ours.in_channels} input channels; {label}'s takes {ref.in_channels}")
    if ours.classes != ref.classes and ours.classes is not None:
        out.append(f"classifier has {ours.classes} classes; {label} has {ref.classes}")
    return out
