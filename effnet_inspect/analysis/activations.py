"""Activations by their common name, so that nn.SiLU, F.silu and a fused x * sigmoid(x) all read "swish"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class Activation:
    name: str
    modules: tuple[type[nn.Module], ...]
    functions: tuple[Any, ...]
    methods: tuple[str, ...] = ()  # tensor methods, by name
    keeps_output: bool = False  # its backward reads its output (else its input): derivatives.yaml's `result`


ACTIVATIONS = (
    Activation("swish", (nn.SiLU,), (F.silu,)),
    Activation("sigmoid", (nn.Sigmoid,), (torch.sigmoid, F.sigmoid), ("sigmoid", "sigmoid_"), keeps_output=True),
    Activation("relu", (nn.ReLU,), (F.relu,), ("relu",), keeps_output=True),
    Activation("relu6", (nn.ReLU6,), (F.relu6,)),
    Activation("hard-swish", (nn.Hardswish,), (F.hardswish,)),
    Activation("hard-sigmoid", (nn.Hardsigmoid,), (F.hardsigmoid,)),
    Activation("gelu", (nn.GELU,), (F.gelu,)),
    Activation("tanh", (nn.Tanh,), (torch.tanh,), keeps_output=True),
    Activation("softmax", (nn.Softmax,), (F.softmax, torch.softmax), ("softmax",), keeps_output=True),
)
_BY_CALL: dict[Any, str] = {target: a.name for a in ACTIVATIONS for target in (*a.functions, *a.methods)}


def activation_name(target: Any) -> str | None:
    """The activation a module, function or tensor method (by name) applies, or None if it is none we know."""
    if isinstance(target, nn.Module):
        return next((a.name for a in ACTIVATIONS if isinstance(target, a.modules)), None)
    try:
        return _BY_CALL.get(target)
    except TypeError:  # unhashable callables are no activation we know
        return None


def keeps_output(name: str | None) -> bool:
    """Whether the activation's backward pass reads its output (sigmoid, ReLU, tanh) rather than its input."""
    return next((a.keeps_output for a in ACTIVATIONS if a.name == name), False)
