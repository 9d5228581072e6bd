"""The one table of layer kinds (fvcore's handle table, torch.utils.flop_counter's registered formulas): each
LayerKind is described once, by how it is recognised (module classes, foreign classes by name, torch functions,
tensor methods), its output-shape rule, its MAC formula, its element-wise count and its memory facts (what autograd
keeps for its backward pass, its precision under autocast: keeps.py). Its Keras equivalent is the
kind itself (LayerKind's value is the Keras class name, kept torch-free in arch/ for the renderers). The per-kind
facts other steps need (which layers move no data, which a convolution's output passes through before its
activation, how a normalisation is named, which layers start a line of the stem and top drawings) are fields of the
same entries (entry.py), so adding a kind means editing this one table. The formulas the entries point to are in
formulas.py.

MACs follow the paper: multiply-accumulates of convolutions and dense layers, and of the matrix products that
attention and CondConv compute (products.py), at the traced batch size.
Element-wise work (batch norm, activations, SE multiply, add, scaling, pooling) is counted apart, one op per
output element (per input element for pooling). What the table does not know is LayerKind.OTHER: it is charged
nothing, and the tracer reports it.
"""

from __future__ import annotations

import operator
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from effnet_inspect.analysis import keeps
from effnet_inspect.analysis.activations import ACTIVATIONS
from effnet_inspect.analysis.entry import Entry, index
from effnet_inspect.analysis.formulas import (
    Geometry,
    Shape,
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
    numel,
    pad_shape,
    per_input,
    per_output,
    same_shape,
)
from effnet_inspect.analysis.products import PRODUCT_METHODS, PRODUCTS, product_geometry, product_macs
from effnet_inspect.arch.kinds import LayerKind
from effnet_inspect.model import layers


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


_RESHAPE_FUNCTIONS = (torch.flatten, torch.reshape, torch.squeeze, torch.unsqueeze, torch.permute, torch.transpose)
_RESHAPE_METHODS = ("view", "reshape", "flatten", "squeeze", "unsqueeze", "expand", "expand_as", "permute")
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
        end_part="normalization",  # the stem's and top's own line on a slide: their convolution lines stay short
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
    Entry(  # indexing too: a slice of a tensor, or one part of what torch.split returned
        K.RESHAPE,
        (layers.Reshape, nn.Flatten, nn.Unflatten),
        functions=(*_RESHAPE_FUNCTIONS, operator.getitem),
        methods=(*_RESHAPE_METHODS, "transpose", "contiguous", "__getitem__"),
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
    # Products of two computed tensors: attention pooling (global context), CondConv's expert mixing.
    Entry(
        K.MATMUL,
        functions=PRODUCTS,
        methods=PRODUCT_METHODS,
        call_geometry=product_geometry,
        macs=product_macs,
        memory=keeps.MATRIX_PRODUCT,
    ),
    Entry(  # MixNet's mixed kernels, split convolutions
        K.CONCATENATE,
        functions=(torch.cat, torch.concat, torch.concatenate),
        before_activation=True,
        memory=keeps.SUM,  # keeps nothing (its backward slices the gradient), promotes under autocast
    ),
)


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
    """Depthwise: a convolution whose input channels are each a group; unknown: a product of unreadable size."""
    if kind is LayerKind.CONV and geometry and 1 < geometry["groups"] == geometry["in_channels"]:
        return LayerKind.DEPTHWISE
    if kind is LayerKind.MATMUL and not geometry:
        return LayerKind.OTHER
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


def call_output_shape(kind: LayerKind, args: Any) -> Shape | None:
    """A same-shape call's output shape (norms, activations, dropout): meta kernels for these are slow in Python."""
    entry = REGISTRY.get(kind)
    if entry is None or entry.shape is not same_shape or not args or not isinstance(args[0], torch.Tensor):
        return None
    return tuple(args[0].shape)


def macs(kind: LayerKind, out_shape: Shape, geometry: Geometry) -> int:
    entry = REGISTRY.get(kind)
    return entry.macs(out_shape, geometry) if entry and entry.macs and geometry else 0


def elementwise_ops(kind: LayerKind, in_shape: Shape | None, out_shape: Shape, fused_activation: bool) -> int:
    entry = REGISTRY.get(kind)
    ops = entry.elementwise(in_shape, out_shape) if entry else 0
    return ops + (numel(out_shape) if fused_activation else 0)
