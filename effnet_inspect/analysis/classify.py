"""What kind of layer a module or a traced function call is: the one table the tracer consults."""
from __future__ import annotations

import functools
import operator
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from effnet_inspect.model import layers
from effnet_inspect.arch.kinds import LayerKind

# Module classes, checked in order with isinstance (subclasses first).
MODULE_KINDS: tuple[tuple[type[nn.Module], LayerKind], ...] = (
    (layers.Rescaling, LayerKind.RESCALING),
    (layers.Normalization, LayerKind.NORMALIZATION),
    (layers.ZeroPadding2D, LayerKind.PAD),
    (nn.ZeroPad2d, LayerKind.PAD),
    (nn.ConstantPad2d, LayerKind.PAD),
    (nn.Conv2d, LayerKind.CONV),  # refined to DEPTHWISE by its groups
    (nn.modules.batchnorm._BatchNorm, LayerKind.BATCH_NORM),
    (nn.SiLU, LayerKind.ACTIVATION),
    (nn.Sigmoid, LayerKind.ACTIVATION),
    (nn.ReLU, LayerKind.ACTIVATION),
    (nn.ReLU6, LayerKind.ACTIVATION),
    (nn.Hardswish, LayerKind.ACTIVATION),
    (nn.Hardsigmoid, LayerKind.ACTIVATION),
    (nn.GELU, LayerKind.ACTIVATION),
    (nn.Tanh, LayerKind.ACTIVATION),
    (layers.GlobalAveragePooling2D, LayerKind.GLOBAL_POOL),
    (nn.AdaptiveAvgPool2d, LayerKind.GLOBAL_POOL),
    (layers.Reshape, LayerKind.RESHAPE),
    (nn.Flatten, LayerKind.RESHAPE),
    (nn.Unflatten, LayerKind.RESHAPE),
    (layers.Multiply, LayerKind.MULTIPLY),
    (layers.SampleDropout, LayerKind.DROPOUT),
    (nn.Dropout, LayerKind.DROPOUT),
    (layers.Add, LayerKind.ADD),
    (nn.Linear, LayerKind.DENSE),
)

# Modules of libraries we do not import (torchvision's StochasticDepth, timm's DropPath), known by class name.
# They are the identity at inference, so without this entry they would leave no node at all, while Keras has a
# Dropout layer in their place.
FOREIGN_MODULE_KINDS: dict[str, LayerKind] = {
    "StochasticDepth": LayerKind.DROPOUT,
    "DropPath": LayerKind.DROPOUT,
}

FUNCTION_KINDS: dict[Any, LayerKind] = {
    operator.add: LayerKind.ADD, operator.iadd: LayerKind.ADD, torch.add: LayerKind.ADD,
    operator.mul: LayerKind.MULTIPLY, operator.imul: LayerKind.MULTIPLY, torch.mul: LayerKind.MULTIPLY,
    F.pad: LayerKind.PAD,
    F.conv2d: LayerKind.CONV,
    F.batch_norm: LayerKind.BATCH_NORM,
    F.silu: LayerKind.ACTIVATION, F.relu: LayerKind.ACTIVATION, F.relu6: LayerKind.ACTIVATION,
    F.hardswish: LayerKind.ACTIVATION, F.gelu: LayerKind.ACTIVATION, F.sigmoid: LayerKind.ACTIVATION,
    torch.sigmoid: LayerKind.ACTIVATION, F.hardsigmoid: LayerKind.ACTIVATION, torch.tanh: LayerKind.ACTIVATION,
    F.adaptive_avg_pool2d: LayerKind.GLOBAL_POOL, torch.mean: LayerKind.GLOBAL_POOL,
    torch.flatten: LayerKind.RESHAPE, torch.reshape: LayerKind.RESHAPE,
    torch.squeeze: LayerKind.RESHAPE, torch.unsqueeze: LayerKind.RESHAPE,
    F.dropout: LayerKind.DROPOUT,
    F.linear: LayerKind.DENSE,
}

# Tensor methods FX records by name (call_method nodes).
METHOD_KINDS: dict[str, LayerKind] = {
    "add": LayerKind.ADD, "add_": LayerKind.ADD, "mul": LayerKind.MULTIPLY, "mul_": LayerKind.MULTIPLY,
    "sigmoid": LayerKind.ACTIVATION, "sigmoid_": LayerKind.ACTIVATION, "relu": LayerKind.ACTIVATION,
    "mean": LayerKind.GLOBAL_POOL,
    "view": LayerKind.RESHAPE, "reshape": LayerKind.RESHAPE, "flatten": LayerKind.RESHAPE,
    "squeeze": LayerKind.RESHAPE, "unsqueeze": LayerKind.RESHAPE,
    "expand": LayerKind.RESHAPE, "expand_as": LayerKind.RESHAPE,
    # Operators as a recorded (not symbolically traced) run sees them.
    "__add__": LayerKind.ADD, "__radd__": LayerKind.ADD, "__iadd__": LayerKind.ADD,
    "__mul__": LayerKind.MULTIPLY, "__rmul__": LayerKind.MULTIPLY, "__imul__": LayerKind.MULTIPLY,
}


@functools.lru_cache(maxsize=None)
def _class_kind(cls: type) -> LayerKind:
    for known, kind in MODULE_KINDS:
        if issubclass(cls, known):
            return kind
    return FOREIGN_MODULE_KINDS.get(cls.__name__, LayerKind.OTHER)


# Canonical activation names, so that nn.SiLU, F.silu and a fused x * sigmoid(x) all read "swish".
ACTIVATION_MODULES: tuple[tuple[type[nn.Module], str], ...] = (
    (nn.SiLU, "swish"), (nn.Sigmoid, "sigmoid"), (nn.ReLU, "relu"), (nn.ReLU6, "relu6"),
    (nn.Hardswish, "hard-swish"), (nn.Hardsigmoid, "hard-sigmoid"), (nn.GELU, "gelu"), (nn.Tanh, "tanh"),
)
ACTIVATION_FUNCTIONS: dict[Any, str] = {
    F.silu: "swish", torch.sigmoid: "sigmoid", F.sigmoid: "sigmoid", F.relu: "relu", F.relu6: "relu6",
    F.hardswish: "hard-swish", F.hardsigmoid: "hard-sigmoid", F.gelu: "gelu", torch.tanh: "tanh",
    "sigmoid": "sigmoid", "sigmoid_": "sigmoid", "relu": "relu",  # tensor methods, by name
}


def activation_name(target: Any) -> str | None:
    """The activation a module, function or tensor method applies, by its common name (None if unknown)."""
    if isinstance(target, nn.Module):
        return next((name for cls, name in ACTIVATION_MODULES if isinstance(target, cls)), None)
    try:
        return ACTIVATION_FUNCTIONS.get(target)
    except TypeError:  # unhashable callables are no activation we know
        return None


def module_kind(module: nn.Module) -> LayerKind:
    kind = _class_kind(type(module))
    if kind is LayerKind.CONV and is_depthwise(module.groups, module.in_channels):
        return LayerKind.DEPTHWISE
    return kind


def is_leaf(module: nn.Module) -> bool:
    """A module traced as one node: childless and of a known kind (or nn.Identity, which becomes no node).

    Unknown childless modules are traced into instead, so that a custom module calling F.conv2d on its own
    parameters still shows its convolution (and its MACs) rather than an opaque 'Other' node.
    """
    if next(module.children(), None) is not None:
        return False
    return isinstance(module, nn.Identity) or _class_kind(type(module)) is not LayerKind.OTHER


# Modules whose forward is the one of the class the shape rules were written for (subclasses that override
# forward, such as TF-'same' padding convolutions, are run on meta tensors instead).
RULE_FORWARDS = frozenset({cls.forward for cls, _ in MODULE_KINDS} | {layers.ActivatedConv2d.forward})


def is_depthwise(groups: int, in_channels: int) -> bool:
    return groups > 1 and groups == in_channels


def function_kind(fn: Any) -> LayerKind:
    return FUNCTION_KINDS.get(fn, LayerKind.OTHER)


def method_kind(name: str) -> LayerKind:
    return METHOD_KINDS.get(name, LayerKind.OTHER)
