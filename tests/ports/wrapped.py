"""A plain B0 handed over the ways users hand models over: compiled by TorchScript, or returning feature maps
only (no head)."""

from __future__ import annotations

import warnings

import torch
from torch import nn

from tests.ports.torchvision_style import efficientnet_b0


def scripted_b0(**kwargs) -> torch.jit.ScriptModule:
    """torch.jit.script(efficientnet_b0()), as for deployment."""
    with warnings.catch_warnings():  # TorchScript is deprecated, but deployed models still come this way
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.jit.script(efficientnet_b0(**kwargs))


def traced_b0(**kwargs) -> torch.jit.ScriptModule:
    """torch.jit.trace on an example input (built on the CPU: tracing runs the model)."""
    with torch.device("cpu"), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        model = efficientnet_b0(**kwargs).eval()
        return torch.jit.trace(model, torch.zeros(1, 3, 32, 32))


def features_b0(**kwargs) -> nn.Module:
    """The feature extractor only (timm's features_only / torchvision's .features): no head conv, no classifier."""
    return efficientnet_b0(**kwargs).features[:-1]
