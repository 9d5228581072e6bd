"""Factories that exercise the loader's and tracer's failure paths (and one that only builds on the CPU)."""

from __future__ import annotations

import torch
from torch import nn

from tests.ports.torchvision_style import efficientnet_b0


def cpu_only(**kwargs) -> nn.Module:
    """Reads a tensor value while building, which the meta device cannot do: the loader builds it on the CPU."""
    if torch.ones(()).item() != 1.0:
        raise AssertionError("unreachable")
    return efficientnet_b0(**kwargs)


def not_a_module() -> dict:
    return {"weights": None}


def raises() -> nn.Module:
    raise RuntimeError("checkpoint not found")


class _Gate(nn.Module):
    """Python control flow on a tensor value: no tracer can follow it without data."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.mean() > 0:
            return x
        return -x


class _DataDependent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, 2, 1)
        self.gate = _Gate()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gate(self.stem(x))


def data_dependent() -> nn.Module:
    return _DataDependent()


class _ClampedLogits(nn.Module):
    """A B0 whose logits are clipped: clamp is no layer kind the registry knows."""

    def __init__(self) -> None:
        super().__init__()
        self.model = efficientnet_b0()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x).clamp(-30.0, 30.0)


def with_unknown_ops() -> nn.Module:
    return _ClampedLogits()
