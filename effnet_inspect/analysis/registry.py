"""The one table of layer kinds (fvcore's handle table, torch.utils.flop_counter's registered formulas): each
LayerKind is described once, by how it is recognised (module classes, foreign classes by name, torch functions,
tensor methods), its output-shape rule, its MAC formula, its element-wise count and its memory facts (what autograd
keeps for its backward pass, its precision under autocast: keeps.py). Its Keras equivalent is the
kind itself (LayerKind's value is the Keras class name, kept torch-free in arch/ for the renderers). The per-kind
facts other steps need (which layers move no data, which a convolution's output passes through before its
activation, how a normalisation is named, which layers start a line of the stem and top drawings) are fields of the
same entries, so adding a kind means editing this one table. The formulas the entries point to are in formulas.py.

MACs follow the paper: multiply-accumulates of convolutions and dense layers only, at the traced batch size.
Element-wise work (batch norm, activations, SE multiply, add, scaling, pooling) is counted apart, one op per
output element (per input element for pooling). What the table does not know is LayerKind.OTHER: it is charged
nothing, and the tracer reports it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from effnet_inspect.analysis import keeps
from effnet_inspect.analysis.activations import ACTIVATIONS
from effnet_inspect.analysis.formulas import (
    Geometry,
    Shape,
    ShapeRule,
    broadcast_shape,
    conv_call_geometry,
    conv_macs,
    conv_module_geometry,
    conv_shape,
    dense_call_geometry,
    dense_macs,
    dense_module_geometry,
    dense_shape,
    frozen_batch_norm,
    global_pool_shape,
    group_norm_call_geometry,
    group_norm_module_geometry,
    no_ops,
    numel,
    pad_shape,
    per_input,
    per_output,
    same_shape,
)
from effnet_inspect.arch.kinds import LayerKind
from effnet_inspect.model import layers


@dataclass(frozen=True)
class Entry:
    kind: LayerKind
    modules: tuple[type[nn.Module], ...] = ()  # matched with isinstance
    foreign: tuple[str, ...] = ()  # module classes of libraries we do not import, by class name
    functions: tuple[Any, ...] = ()
    methods: tuple[str, ...] = ()  # tensor methods, as FX and a recorded run name them
    shape: ShapeRule | None = None  # a module's output shape; None: run it on meta tensors
    module_geometry: Callable[[Any], Geometry] | None = None
    call_geometry: Callable[[tuple, dict], Geometry] | None = None
    macs: Callable[[Shape, Geometry], int] | None = None
    elementwise: Callable[[Shape | None, Shape], int] = no_ops
    moves_data: bool = True  # False: reads and writes no memory of its own (the roofline's traffic)
    before_activation: bool = False  # a convolution's output may pass through it on the way to its activation
    norm_label: str = ""  # a normalisation's name in sentences: 'batch norm'
    end_part: str = ""  # starts a line of the stem's or top's drawing, named so: 'classifier'
    memory: keeps.MemoryFacts = keeps.MemoryFacts()  # what it keeps for backward, its autocast precision


def _convolution(
    kind: LayerKind, modules: tuple[type[nn.Module], ...] = (), functions: tuple[Any, ...] = (), end_part: str = ""
) -> Entry:
    return Entry(
        kind,
        modules,
        functions=functions,
        shape=conv_shape,
        module_geometry=conv_module_geometry,
        call_geometry=conv_call_geometry,
        macs=conv_macs,
        end_part=end_part,
        memory=keeps.CONVOLUTION,
    )


K = LayerKind
ENTRIES = (
    Entry(K.INPUT, moves_data=False, end_part="preprocessing"),  # the graph's placeholder
    Entry(K.RESCALING, (layers.Rescaling,), shape=same_shape, elementwise=per_output),
    Entry(K.NORMALIZATION, (layers.Normalization,), shape=same_shape, elementwise=per_output),
    Entry(
        K.PAD,
        (layers.ZeroPadding2D, nn.ZeroPad2d, nn.ConstantPad2d),
        functions=(F.pad,),
        shape=pad_shape,
        end_part="convolution",
    ),
    # ActivatedConv2d runs its activation inside: the tracer adds it as element-wise ops.
    _convolution(K.CONV, (nn.Conv2d, layers.ActivatedConv2d), (F.conv2d,), end_part="convolution"),
    _convolution(K.DEPTHWISE),  # a CONV whose groups equal its input channels (see refined_kind)
    # A frozen batch norm (torchvision.ops, detectron2; or x * scale + shift, see fuse.py) computes the same.
    Entry(
        K.BATCH_NORM,
        (nn.modules.batchnorm._BatchNorm,),
        foreign=("FrozenBatchNorm2d",),
        functions=(F.batch_norm, frozen_batch_norm),
        shape=same_shape,
        elementwise=per_output,
        before_activation=True,
        norm_label="batch norm",
        memory=keeps.BATCH_NORM,
    ),
    Entry(
        K.GROUP_NORM,
        (nn.GroupNorm,),
        functions=(F.group_norm,),
        shape=same_shape,
        module_geometry=group_norm_module_geometry,
        call_geometry=group_norm_call_geometry,
        elementwise=per_output,
        before_activation=True,
        norm_label="group norm",
        memory=keeps.GROUP_NORM,
    ),
    Entry(
        K.LAYER_NORM,
        (nn.LayerNorm,),
        functions=(F.layer_norm,),
        shape=same_shape,
        elementwise=per_output,
        before_activation=True,
        norm_label="layer norm",
        memory=keeps.LAYER_NORM,
    ),
    Entry(
        K.ACTIVATION,
        tuple(c for a in ACTIVATIONS for c in a.modules),
        functions=tuple(f for a in ACTIVATIONS for f in a.functions),
        methods=tuple(m for a in ACTIVATIONS for m in a.methods),
        shape=same_shape,
        elementwise=per_output,
        memory=keeps.ACTIVATION,
    ),
    Entry(
        K.GLOBAL_POOL,
        (layers.GlobalAveragePooling2D, nn.AdaptiveAvgPool2d),
        functions=(F.adaptive_avg_pool2d, torch.mean),
        methods=("mean",),
        shape=global_pool_shape,
        elementwise=per_input,
        end_part="classifier",
    ),
    Entry(K.MAX_POOL, (nn.MaxPool2d,), functions=(F.max_pool2d,), elementwise=per_input, memory=keeps.MAX_POOLING),
    Entry(
        K.RESHAPE,
        (layers.Reshape, nn.Flatten, nn.Unflatten),
        functions=(torch.flatten, torch.reshape, torch.squeeze, torch.unsqueeze),
        methods=("view", "reshape", "flatten", "squeeze", "unsqueeze", "expand", "expand_as"),
        moves_data=False,  # a view shares its input's storage
        before_activation=True,
        memory=keeps.VIEW,
    ),
    # Operators appear as methods in a recorded (not symbolically traced) run.
    Entry(
        K.MULTIPLY,
        (layers.Multiply,),
        functions=(operator.mul, operator.imul, torch.mul),
        methods=("mul", "mul_", "__mul__", "__rmul__", "__imul__"),
        shape=broadcast_shape,
        elementwise=per_output,
        before_activation=True,  # a product or sum with constants: a frozen batch norm written out
        memory=keeps.PRODUCT,
    ),
    # torchvision's StochasticDepth and timm's DropPath are the identity at inference, so without this entry
    # they would leave no node at all, while Keras has a Dropout layer in their place.
    Entry(
        K.DROPOUT,
        (layers.SampleDropout, nn.Dropout),
        foreign=("StochasticDepth", "DropPath"),
        functions=(F.dropout,),
        shape=same_shape,
        moves_data=False,  # the identity at inference
        before_activation=True,
        memory=keeps.DROPOUT,
    ),
    Entry(
        K.ADD,
        (layers.Add,),
        functions=(operator.add, operator.iadd, torch.add),
        methods=("add", "add_", "__add__", "__radd__", "__iadd__"),
        shape=broadcast_shape,
        elementwise=per_output,
        before_activation=True,  # a product or sum with constants: a frozen batch norm written out
        memory=keeps.SUM,
    ),
    Entry(
        K.DENSE,
        (nn.Linear,),
        functions=(F.linear,),
        shape=dense_shape,
        module_geometry=dense_module_geometry,
        call_geometry=dense_call_geometry,
        macs=dense_macs,
        memory=keeps.CONVOLUTION,
    ),
)


def index(entries: tuple[Entry, ...]) -> dict[LayerKind, Entry]:
    """The entries by kind; a kind, or a way to recognise one, claimed twice is a bug in the table."""
    by_kind: dict[LayerKind, Entry] = {}
    claimed: dict[Any, LayerKind] = {}
    for entry in entries:
        if entry.kind in by_kind or entry.kind is LayerKind.OTHER:
            raise ValueError(f"{entry.kind} has more than one entry, or is OTHER (what no entry describes)")
        by_kind[entry.kind] = entry
        for key in (
            *entry.modules,
            *entry.functions,
            *(("foreign", n) for n in entry.foreign),
            *(("method", n) for n in entry.methods),
        ):
            if claimed.setdefault(key, entry.kind) is not entry.kind:
                raise ValueError(f"{key} is claimed by both {claimed[key]} and {entry.kind}")
    return by_kind


REGISTRY = index(ENTRIES)
# Unknown single-input ops too: the grouping must see a convolution's activation through an op the table lacks.
BEFORE_ACTIVATION = frozenset({*(e.kind for e in ENTRIES if e.before_activation), LayerKind.OTHER})
NO_TRAFFIC = frozenset(e.kind for e in ENTRIES if not e.moves_data)
NORM_LABELS = {e.kind: e.norm_label for e in ENTRIES if e.norm_label}
END_PARTS = {e.kind: e.end_part for e in ENTRIES if e.end_part}
_FUNCTIONS = {f: e.kind for e in ENTRIES for f in e.functions}
_METHODS = {m: e.kind for e in ENTRIES for m in e.methods}
_FOREIGN = {n: e.kind for e in ENTRIES for n in e.foreign}
# Forwards the shape rules were written for: a subclass with a forward of its own (a TF-'same' padding
# convolution) is run on meta tensors instead.
_RULE_FORWARDS = frozenset(c.forward for e in ENTRIES for c in e.modules)


_CLASS_KINDS: dict[type, LayerKind] = {}  # the tracer asks about every module of every model


def _class_kind(cls: type) -> LayerKind:
    if cls not in _CLASS_KINDS:
        # subclasses are listed before their bases where kinds differ
        known = next((e.kind for e in ENTRIES if issubclass(cls, e.modules)), None)
        _CLASS_KINDS[cls] = known or _FOREIGN.get(cls.__name__, LayerKind.OTHER)
    return _CLASS_KINDS[cls]


def refined_kind(kind: LayerKind, geometry: Geometry) -> LayerKind:
    """A convolution is depthwise when each input channel is its own group."""
    if kind is LayerKind.CONV and geometry and 1 < geometry["groups"] == geometry["in_channels"]:
        return LayerKind.DEPTHWISE
    return kind


def module_kind(module: nn.Module) -> LayerKind:
    kind = _class_kind(type(module))
    return refined_kind(kind, module_geometry(kind, module))


def call_kind(op: str, target: Any) -> LayerKind:
    """The kind of an FX call_function / call_method node (refined_kind then tells depthwise convolutions apart)."""
    try:
        return (_METHODS if op == "call_method" else _FUNCTIONS).get(target, LayerKind.OTHER)
    except TypeError:  # unhashable callables are nothing we know
        return LayerKind.OTHER


def is_leaf(module: nn.Module) -> bool:
    """A module traced as one node: childless and of a known kind (or nn.Identity, which becomes no node).

    Unknown childless modules are traced into instead, so that a custom module calling F.conv2d on its own
    parameters still shows its convolution (and its MACs) rather than an opaque unknown node.
    """
    if next(module.children(), None) is not None:
        return False
    return isinstance(module, nn.Identity) or _class_kind(type(module)) is not LayerKind.OTHER


def module_geometry(kind: LayerKind, module: nn.Module) -> Geometry:
    entry = REGISTRY.get(kind)
    return entry.module_geometry(module) if entry and entry.module_geometry else {}


def call_geometry(kind: LayerKind, args: Any, kwargs: Any) -> Geometry:
    entry = REGISTRY.get(kind)
    return entry.call_geometry(args, kwargs) if entry and entry.call_geometry else {}


def module_output_shape(module: nn.Module, args: tuple | list) -> Shape | None:
    """The module's output shape from its kind's rule, or None when it must be run on meta tensors."""
    if not args or not all(isinstance(a, torch.Tensor) for a in args) or type(module).forward not in _RULE_FORWARDS:
        return None
    entry = REGISTRY.get(module_kind(module))
    return entry.shape(module, [tuple(a.shape) for a in args]) if entry and entry.shape else None


def macs(kind: LayerKind, out_shape: Shape, geometry: Geometry) -> int:
    entry = REGISTRY.get(kind)
    return entry.macs(out_shape, geometry) if entry and entry.macs and geometry else 0


def elementwise_ops(kind: LayerKind, in_shape: Shape | None, out_shape: Shape, fused_activation: bool) -> int:
    entry = REGISTRY.get(kind)
    ops = entry.elementwise(in_shape, out_shape) if entry else 0
    return ops + (numel(out_shape) if fused_activation else 0)
