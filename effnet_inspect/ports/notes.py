"""Notes for people porting weights: what does not change the architecture (so it is not a difference in the
verdict) but changes what a ported checkpoint computes, or how the model trains.

The same facts are read from both models (the implementation and our Keras-faithful build) and a note is written
only where they differ: padding of strided convolutions (TF 'same', one extra pixel at the bottom and right, vs
symmetric), batch-norm epsilon and momentum, frozen batch norm, dropout and drop-connect rates, custom activation
code, input channels, classes, and a model handed over in train() mode.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from torch import nn

from effnet_inspect.analysis.measure import Analysis, analyze
from effnet_inspect.analysis.registry import module_kind
from effnet_inspect.arch.kinds import LayerKind
from effnet_inspect.arch.specs import ModelSpec
from effnet_inspect.model.build import build

TF_SAME = "TF 'same'"


@dataclass(frozen=True)
class PortingFacts:
    padding: str  # TF_SAME or 'symmetric': how strided convolutions pad
    batch_norm: tuple[tuple[float, float | None], ...]  # distinct (epsilon, momentum in PyTorch's convention)
    frozen_norm: bool  # batch norm with its statistics and affine terms as buffers
    dropout: tuple[float, ...]  # the classifier's dropout rates (modules only)
    drop_connect: tuple[float, ...]  # the sub-blocks' stochastic-depth rates, in order (modules only)
    custom_activations: tuple[str, ...]  # activation modules written outside torch.nn
    in_channels: int | None
    classes: int | None


def _round(value: float) -> float:
    return float(f"{value:.6g}")  # 1 - 0.99 is 0.010000000000000009


def _rate(module: nn.Module | None) -> float | None:
    for name in ("p", "drop_prob", "rate"):
        value = getattr(module, name, None)
        if isinstance(value, (int, float)):
            return round(float(value), 4)
    return None


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
    dropouts = [layer for layer in layers if layer.kind is LayerKind.DROPOUT]
    rates = [(layer.name in top, _rate(modules.get(layer.path))) for layer in dropouts]
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
        tuple(r for in_top, r in rates if in_top and r is not None),
        tuple(r for in_top, r in rates if not in_top and r is not None),
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
    if ours.dropout and ref.dropout and ours.dropout != ref.dropout:
        out.append(f"classifier dropout rate is {_rates(ours.dropout)}; {label}'s is {_rates(ref.dropout)}")
    if (
        ours.drop_connect
        and ours.drop_connect != ref.drop_connect
        and _rates(ours.drop_connect) != _rates(ref.drop_connect)
    ):
        out.append(
            f"drop-connect (stochastic depth) rates are {_rates(ours.drop_connect)}; {label}'s "
            f"{_rates(ref.drop_connect)}"
        )
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
