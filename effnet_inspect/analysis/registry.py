"""The one table of layer kinds (fvcore's handle table, torch.utils.flop_counter's registered formulas): each
LayerKind is described once, by how it is recognised (module classes, foreign classes by name, torch functions,
tensor methods), its output-shape rule, its MAC formula, its element-wise count and its memory facts (what autograd
keeps for its backward pass, its precision under autocast: keeps.py). Its Keras equivalent is the
kind itself (LayerKind's value is the Keras class name, kept torch-free in arch/ for the renderers).

MACs follow the paper: multiply-accumulates of convolutions and dense layers only, at the traced batch size.
Element-wise work (batch norm, activations, SE multiply, add, scaling, pooling) is counted apart, one op per
output element (per input element for pooling). What the table does not know is LayerKind.OTHER: it is charged
nothing, and the tracer reports it.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from effnet_inspect.analysis import keeps
from effnet_inspect.analysis.activations import ACTIVATIONS
from effnet_inspect.analysis.keeps import Autocast, MemoryFacts
from effnet_inspect.arch.kinds import LayerKind
from effnet_inspect.model import layers

Shape = tuple[int, ...]
Geometry = dict[str, Any]  # the Layer fields kernel_size, stride, groups, in_channels, out_channels, padding
ShapeRule = Callable[[Any, list[Shape]], Shape | None]


def _numel(shape: Shape | None) -> int:
    return math.prod(shape) if shape else 0


# ------------------------------------------------------------------------------------------ shape rules
def _same(module: nn.Module, shapes: list[Shape]) -> Shape | None:
    return shapes[0] if len(shapes) == 1 else None


def broadcast(a: Shape, b: Shape) -> Shape | None:
    """NumPy broadcasting of two shapes (torch.broadcast_shapes imports sympy on first use)."""
    width = max(len(a), len(b))
    a, b = (1,) * (width - len(a)) + a, (1,) * (width - len(b)) + b
    if any(x != y and 1 not in (x, y) for x, y in zip(a, b)):
        return None  # let torch raise its own error
    return tuple(y if x == 1 else x for x, y in zip(a, b))


def _broadcast(module: nn.Module, shapes: list[Shape]) -> Shape | None:
    return broadcast(*shapes) if len(shapes) == 2 else None


def _conv_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _conv(module: nn.Conv2d, shapes: list[Shape]) -> Shape | None:
    if len(shapes) != 1 or len(shapes[0]) != 4 or isinstance(module.padding, str) or module.padding_mode != "zeros":
        return None
    x = shapes[0]
    h, w = (
        _conv_size(s, k, st, p, d)
        for s, k, st, p, d in zip(x[2:], module.kernel_size, module.stride, module.padding, module.dilation)
    )
    return (x[0], module.out_channels, h, w)


def _pad(module: nn.Module, shapes: list[Shape]) -> Shape | None:
    if not isinstance(module, layers.ZeroPadding2D) or len(shapes) != 1:
        return None
    x = shapes[0]
    top, bottom = layers.same_padding(x[2], module.kernel_size, module.stride)
    left, right = layers.same_padding(x[3], module.kernel_size, module.stride)
    return (x[0], x[1], x[2] + top + bottom, x[3] + left + right)


def _global_pool(module: nn.Module, shapes: list[Shape]) -> Shape | None:
    if len(shapes) != 1:
        return None
    x = shapes[0]
    if isinstance(module, layers.GlobalAveragePooling2D):
        return x[:2]
    return (*x[:2], 1, 1) if module.output_size in (1, (1, 1)) and len(x) == 4 else None


def _dense(module: nn.Linear, shapes: list[Shape]) -> Shape | None:
    return (*shapes[0][:-1], module.out_features) if len(shapes) == 1 else None


# ------------------------------------------------------------------- geometry of convolutions and dense layers
def _padding(value: Any) -> tuple[int, int] | None:
    """A convolution's own zero padding per side (height, width); None for 'same', which it sizes itself."""
    pads = (0, 0) if value == "valid" else (value, value) if isinstance(value, int) else value
    return (int(pads[0]), int(pads[-1])) if isinstance(pads, (tuple, list)) and pads else None


def _conv_module(m: nn.Conv2d) -> Geometry:
    return dict(
        kernel_size=tuple(m.kernel_size),
        stride=m.stride[0],
        groups=m.groups,
        in_channels=m.in_channels,
        out_channels=m.out_channels,
        padding=_padding(m.padding),
    )


def _weight(args: tuple, kwargs: dict) -> torch.Tensor | None:
    """The weight of F.conv2d(input, weight, ...) or F.linear(input, weight, ...)."""
    weight = kwargs.get("weight", args[1] if len(args) > 1 else None)
    return weight if isinstance(weight, torch.Tensor) else None


def _conv_call(args: tuple, kwargs: dict) -> Geometry:
    """F.conv2d(input, weight, bias, stride, padding, dilation, groups), arguments given either way."""
    weight = _weight(args, kwargs)
    if weight is None:
        return {}
    args = tuple(args) + (None,) * 7
    stride = kwargs.get("stride", args[3] if args[3] is not None else 1)
    padding = kwargs.get("padding", args[4] if args[4] is not None else 0)
    groups = int(kwargs.get("groups", args[6] if args[6] is not None else 1))
    out_channels, per_group, kh, kw = weight.shape
    return dict(
        kernel_size=(kh, kw),
        stride=int(stride[0] if isinstance(stride, (tuple, list)) else stride),
        groups=groups,
        in_channels=per_group * groups,
        out_channels=out_channels,
        padding=_padding(padding),
    )


def _dense_module(m: nn.Linear) -> Geometry:
    return dict(in_channels=m.in_features, out_channels=m.out_features)


def _dense_call(args: tuple, kwargs: dict) -> Geometry:
    weight = _weight(args, kwargs)
    return {} if weight is None else dict(in_channels=weight.shape[1], out_channels=weight.shape[0])


def frozen_batch_norm(x: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Batch norm with fixed statistics and affine terms, folded into one scale and one shift per channel: what
    the tracer puts in place of `x * scale + shift` on constants (see fuse.py)."""
    return x * scale + shift


def _group_norm_module(m: nn.GroupNorm) -> Geometry:
    return dict(groups=m.num_groups)


def _group_norm_call(args: tuple, kwargs: dict) -> Geometry:
    """F.group_norm(input, num_groups, weight, bias, eps)."""
    groups = kwargs.get("num_groups", args[1] if len(args) > 1 else None)
    return dict(groups=groups) if isinstance(groups, int) else {}


def _conv_macs(out_shape: Shape, g: Geometry) -> int:
    return _numel(out_shape) * (g["in_channels"] // g["groups"]) * g["kernel_size"][0] * g["kernel_size"][1]


def _dense_macs(out_shape: Shape, g: Geometry) -> int:
    return _numel(out_shape) * g["in_channels"]


# ---------------------------------------------------------------------------------------- element-wise ops
def _free(in_shape: Shape | None, out_shape: Shape) -> int:
    return 0


def _per_output(in_shape: Shape | None, out_shape: Shape) -> int:
    return _numel(out_shape)


def _per_input(in_shape: Shape | None, out_shape: Shape) -> int:
    return _numel(in_shape)


# ------------------------------------------------------------------------------------------------ the table
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
    elementwise: Callable[[Shape | None, Shape], int] = _free
    memory: MemoryFacts = MemoryFacts()


def _convolution(kind: LayerKind, modules: tuple[type[nn.Module], ...] = (), functions: tuple[Any, ...] = ()) -> Entry:
    return Entry(
        kind,
        modules,
        functions=functions,
        shape=_conv,
        module_geometry=_conv_module,
        call_geometry=_conv_call,
        macs=_conv_macs,
        memory=MemoryFacts(keeps.convolution, Autocast.LOWER),
    )


K = LayerKind
ENTRIES = (
    Entry(K.INPUT),  # the graph's placeholder
    Entry(K.RESCALING, (layers.Rescaling,), shape=_same, elementwise=_per_output),
    Entry(K.NORMALIZATION, (layers.Normalization,), shape=_same, elementwise=_per_output),
    Entry(K.PAD, (layers.ZeroPadding2D, nn.ZeroPad2d, nn.ConstantPad2d), functions=(F.pad,), shape=_pad),
    # ActivatedConv2d runs its activation inside: the tracer adds it as element-wise ops.
    _convolution(K.CONV, (nn.Conv2d, layers.ActivatedConv2d), (F.conv2d,)),
    _convolution(K.DEPTHWISE),  # a CONV whose groups equal its input channels (see refined_kind)
    # A frozen batch norm (torchvision.ops, detectron2; or x * scale + shift, see fuse.py) computes the same.
    Entry(
        K.BATCH_NORM,
        (nn.modules.batchnorm._BatchNorm,),
        foreign=("FrozenBatchNorm2d",),
        functions=(F.batch_norm, frozen_batch_norm),
        shape=_same,
        elementwise=_per_output,
        memory=MemoryFacts(keeps.batch_norm, Autocast.NORM),
    ),
    Entry(
        K.GROUP_NORM,
        (nn.GroupNorm,),
        functions=(F.group_norm,),
        shape=_same,
        module_geometry=_group_norm_module,
        call_geometry=_group_norm_call,
        elementwise=_per_output,
        memory=MemoryFacts(keeps.group_norm, Autocast.FP32_ON_CUDA),
    ),
    Entry(
        K.LAYER_NORM,
        (nn.LayerNorm,),
        functions=(F.layer_norm,),
        shape=_same,
        elementwise=_per_output,
        memory=MemoryFacts(keeps.layer_norm, Autocast.FP32_ON_CUDA),
    ),
    Entry(
        K.ACTIVATION,
        tuple(c for a in ACTIVATIONS for c in a.modules),
        functions=tuple(f for a in ACTIVATIONS for f in a.functions),
        methods=tuple(m for a in ACTIVATIONS for m in a.methods),
        shape=_same,
        elementwise=_per_output,
        memory=MemoryFacts(keeps.activation),
    ),
    Entry(
        K.GLOBAL_POOL,
        (layers.GlobalAveragePooling2D, nn.AdaptiveAvgPool2d),
        functions=(F.adaptive_avg_pool2d, torch.mean),
        methods=("mean",),
        shape=_global_pool,
        elementwise=_per_input,
    ),
    Entry(
        K.MAX_POOL,
        (nn.MaxPool2d,),
        functions=(F.max_pool2d,),
        elementwise=_per_input,
        memory=MemoryFacts(keeps.max_pooling),
    ),
    Entry(
        K.RESHAPE,
        (layers.Reshape, nn.Flatten, nn.Unflatten),
        functions=(torch.flatten, torch.reshape, torch.squeeze, torch.unsqueeze),
        methods=("view", "reshape", "flatten", "squeeze", "unsqueeze", "expand", "expand_as"),
        memory=MemoryFacts(view=True),
    ),
    # Operators appear as methods in a recorded (not symbolically traced) run.
    Entry(
        K.MULTIPLY,
        (layers.Multiply,),
        functions=(operator.mul, operator.imul, torch.mul),
        methods=("mul", "mul_", "__mul__", "__rmul__", "__imul__"),
        shape=_broadcast,
        elementwise=_per_output,
        memory=MemoryFacts(keeps.product, Autocast.PROMOTE),
    ),
    # torchvision's StochasticDepth and timm's DropPath are the identity at inference, so without this entry
    # they would leave no node at all, while Keras has a Dropout layer in their place.
    Entry(
        K.DROPOUT,
        (layers.SampleDropout, nn.Dropout),
        foreign=("StochasticDepth", "DropPath"),
        functions=(F.dropout,),
        shape=_same,
        memory=MemoryFacts(keeps.dropout),
    ),
    Entry(
        K.ADD,
        (layers.Add,),
        functions=(operator.add, operator.iadd, torch.add),
        methods=("add", "add_", "__add__", "__radd__", "__iadd__"),
        shape=_broadcast,
        elementwise=_per_output,
        memory=MemoryFacts(autocast=Autocast.PROMOTE),
    ),
    Entry(
        K.DENSE,
        (nn.Linear,),
        functions=(F.linear,),
        shape=_dense,
        module_geometry=_dense_module,
        call_geometry=_dense_call,
        macs=_dense_macs,
        memory=MemoryFacts(keeps.convolution, Autocast.LOWER),
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
    return ops + (_numel(out_shape) if fused_activation else 0)
