"""Small PyTorch modules for the Keras layers that torch.nn has no single module for.

Each is a leaf module (no children), so the tracer turns each into exactly one graph node, matching one Keras
layer. Behaviour follows Keras: TF 'same' padding for stride-2 convolutions, (x - mean) / sqrt(var) input
normalization, per-sample dropout for the residual branch. input_affine and padded_empty let the model's fused
forward (build.py) do the same arithmetic in fewer passes over memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


class Rescaling(nn.Module):
    """Keras Rescaling: x * scale + offset (the 1/255 input scaling)."""

    def __init__(self, scale: float, offset: float = 0.0):
        super().__init__()
        self.scale, self.offset = scale, offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.offset


class Normalization(nn.Module):
    """Keras Normalization over channels: its mean, variance and count are 2C + 1 non-trainable weights."""

    mean: torch.Tensor
    variance: torch.Tensor

    def __init__(self, channels: int = 3, epsilon: float = 1e-7, device: torch.device | str | None = None):
        super().__init__()
        self.epsilon = epsilon
        self.register_buffer("mean", torch.zeros(channels, device=device))
        self.register_buffer("variance", torch.ones(channels, device=device))
        self.register_buffer("count", torch.zeros((), device=device))

    def std(self) -> torch.Tensor:
        return torch.sqrt(self.variance).clamp_min(self.epsilon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        std = self.std()
        return (x - self.mean[:, None, None]) / std[:, None, None]


def input_affine(rescaling: Rescaling, normalization: Normalization) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel (scale, shift), shaped (C, 1, 1), with x * scale + shift == normalization(rescaling(x)).

    ((x * s + o) - mean) / std = x * (s / std) + (o - mean) / std: one pass over the image instead of four.
    """
    std = normalization.std()
    scale = rescaling.scale / std
    shift = (rescaling.offset - normalization.mean) / std
    return scale[:, None, None], shift[:, None, None]


def same_padding(size: int, kernel_size: int, stride: int) -> tuple[int, int]:
    """TF 'same' padding (before, after) for one spatial dimension; Keras' correct_pad gives the same."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel_size - size, 0)
    return total // 2, total - total // 2


Pads = tuple[int, int, int, int]  # top, bottom, left, right


def is_channels_last(x: torch.Tensor) -> bool:
    """Whether x is laid out channels-last (and not also plain contiguous, as a tensor with one channel is)."""
    return x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()


def padded_empty(
    x: torch.Tensor, pads: Pads, dtype: torch.dtype | None = None, layout: torch.memory_format | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """A tensor with room for `pads` around x's height and width, its border zeroed, and the view of its interior.

    F.pad fills the whole output with zeros, then copies the input in: two full passes. Writing into the interior
    and zeroing only the border strips gives the same tensor with one. Keeps x's memory format (channels-last)
    unless `layout` says which.
    """
    top, bottom, left, right = pads
    n, c, h, w = x.shape
    if layout is None:
        layout = torch.channels_last if is_channels_last(x) else torch.contiguous_format
    out = torch.empty(
        (n, c, h + top + bottom, w + left + right), dtype=dtype or x.dtype, device=x.device, memory_format=layout
    )
    rows = slice(top, top + h)
    for strip in (out[:, :, :top], out[:, :, top + h :], out[:, :, rows, :left], out[:, :, rows, left + w :]):
        if strip.numel():
            strip.zero_()
    return out, out[:, :, rows, left : left + w]


def padded_conv(conv: nn.Conv2d, x: torch.Tensor, pads: Pads) -> torch.Tensor:
    """conv (built with padding 0) over x zero-padded by `pads`, without making the padded copy.

    Convolutions pad symmetrically; 'same' padding puts one row and column more after than before when the size
    is even. So this pads both sides by the larger amount and gives the kernel leading zero taps for the side
    padded less: output j reads padded row s*j + t' = x row s*j + t' - max, and tap t' holds w[t' - (max - top)],
    so it reads x row s*j + t - top, as the padded copy would. The output size is the same too; the zero taps
    add exact zeros.
    """
    top, bottom, left, right = pads
    ph, pw = max(top, bottom), max(left, right)
    taps = (pw - left, pw - right, ph - top, ph - bottom)
    weight = F.pad(conv.weight, taps) if any(taps) else conv.weight
    return F.conv2d(x, weight, conv.bias, conv.stride, (ph, pw), conv.dilation, conv.groups)


class ZeroPadding2D(nn.Module):
    """Asymmetric zero padding before a 'valid' stride-2 convolution, computed from the input size."""

    def __init__(self, kernel_size: int, stride: int):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def pads(self, x: torch.Tensor) -> Pads:
        return (
            *same_padding(x.shape[-2], self.kernel_size, self.stride),
            *same_padding(x.shape[-1], self.kernel_size, self.stride),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, interior = padded_empty(x, self.pads(x))
        interior.copy_(x)
        return out

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class ActivatedConv2d(nn.Conv2d):
    """A convolution with its activation inside, as Keras Conv2D(activation=...) is one layer (SE reduce/expand)."""

    def __init__(self, *args: Any, activation: Callable[[torch.Tensor], torch.Tensor], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(super().forward(x))

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, activation={self.activation.__name__}"


class GlobalAveragePooling2D(nn.Module):
    """Mean over height and width: (N, C, H, W) -> (N, C)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3))


class Reshape(nn.Module):
    """(N, C) -> (N, C, 1, 1), Keras' se_reshape (it writes (1, 1, C) in channels-last)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], -1, 1, 1)


class Multiply(nn.Module):
    """Element-wise product of two inputs (the SE excitation)."""

    def forward(self, x: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
        return x * gate


class Add(nn.Module):
    """Element-wise sum of two inputs (the skip connection)."""

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return x + residual


class SampleDropout(nn.Module):
    """Keras Dropout(noise_shape=(None, 1, 1, 1)): drops whole samples of the residual branch while training."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = torch.empty((x.shape[0], 1, 1, 1), dtype=x.dtype, device=x.device).bernoulli_(1.0 - self.p)
        return x * keep / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p:.4g}"
