"""Turn a ModelSpec into a PyTorch module that mirrors Keras' EfficientNet layer for layer.

Module paths map to Keras names: 'stem_conv' is stem_conv, 'block2a.expand_conv' is block2a_expand_conv.
Optional layers are simply absent, as in Keras (no expansion when the expand ratio is 1, no padding layer for
stride 1, no dropout/add without a skip connection).

Two forward passes compute the same function. The plain one calls every layer as its own module, as Keras runs
them; the tracer always sees this one. The fused one (the default for inference: eval mode, autograd off, neither
traced nor compiled) does the element-wise layers in fewer passes over memory: rescaling, normalization and
the stem's zero padding as one multiply-add written straight into the padded buffer; the zero padding of the
stride-2 depthwise convolutions inside the convolution on the CPU (padded_conv: no padded copy), elsewhere the
expansion's swish written straight into the padded buffer (no fill-then-copy; see pads_in_kernel); on the CPU
every tensor channels-last from the stem's buffer on (see runs_channels_last); activations, the SE multiply and
the skip add in place on tensors nothing else reads. Results equal the plain pass up to float rounding. Hooks on
the element-wise layers, and on the CPU on the stride-2 depthwise convolutions, do not fire on the fused pass;
set `model.fused = False` to run every layer as a module.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from effnet_inspect.arch.specs import ModelSpec, SubBlockSpec, Variant, parse_variant, scale
from effnet_inspect.model.layers import (
    ActivatedConv2d,
    Add,
    GlobalAveragePooling2D,
    Multiply,
    Normalization,
    Rescaling,
    Reshape,
    SampleDropout,
    ZeroPadding2D,
    input_affine,
    is_channels_last,
    padded_conv,
    padded_empty,
)

# Keras BatchNormalization defaults in EfficientNet: epsilon 1e-3, momentum 0.99 (torch counts momentum the other way).
BN_EPS, BN_MOMENTUM = 1e-3, 0.01


Device = torch.device | str | None
# FX's flag; is_fx_tracing() itself warns in recent torch (it also covers torch.export).
_fx_tracing = getattr(torch.fx._symbolic_trace, "is_fx_symbolic_tracing", torch.fx._symbolic_trace.is_fx_tracing)


def fusable(module: nn.Module, x: torch.Tensor) -> bool:
    """Whether module may run its fused pass on x: inference only (eval mode, so dropout is the identity; autograd
    off, as it cannot record writes into buffers), and never for the tracers (FX, or a recorded run on meta
    tensors, which carry no data) or torch.compile: they should see the layers as written (inductor fuses
    element-wise work itself)."""
    return bool(module.fused) and not (
        module.training or torch.is_grad_enabled() or x.is_meta or _fx_tracing() or torch.compiler.is_compiling()
    )


def pads_in_kernel(x: torch.Tensor) -> bool:
    """Whether the fused pass pads a stride-2 depthwise convolution inside the convolution (padded_conv), rather
    than writing its input into a padded buffer. On the CPU the buffer costs more than it saves: a fresh buffer of
    that size is new memory every pass (a page fault per 4 KiB on first touch), its border is zeroed strip by
    strip (one element per row for the column strips) and the activation is written into it with a row stride;
    the wider kernel costs a few percent of the depthwise convolution (benchmarks/bench_ports_cpu.py). On CUDA
    the caching allocator reuses memory and the depthwise kernels are specialised for 3x3 and 5x5, so the buffer
    stays (benchmarks/gpu_session.py compares both)."""
    return x.device.type == "cpu"


def runs_channels_last(x: torch.Tensor) -> bool:
    """Whether the fused pass lays its tensors out channels-last whatever x's layout. On the CPU oneDNN computes
    convolutions channels-last and converts a contiguous (NCHW) input and output on every call; starting the stem's
    padded buffer channels-last makes every later tensor so at no extra pass (10-20 % faster on B0 at batch 1 and 4,
    benchmarks/bench_ports_cpu.py). On CUDA the layout stays the caller's: fp32 depthwise kernels are not faster
    channels-last there, and no GPU run has compared them yet."""
    return x.device.type == "cpu"


def swish_in_place(activation: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The activation overwriting x (x must be a fresh result nothing else reads); other modules run as they are."""
    return F.silu(x, inplace=True) if type(activation) is nn.SiLU else activation(x)


def batch_norm(channels: int, device: Device) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=BN_MOMENTUM, device=device)


def conv(cin: int, cout: int, kernel_size: int, device: Device, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    """Bias-free convolution; stride 2 is 'valid' after an explicit ZeroPadding2D, stride 1 is 'same'."""
    padding = 0 if stride > 1 else kernel_size // 2
    return nn.Conv2d(cin, cout, kernel_size, stride, padding, groups=groups, bias=False, device=device)


class MBConvBlock(nn.Module):
    """One sub-block (block2a, ...): expansion, depthwise conv, squeeze-and-excitation, projection, skip."""

    def __init__(self, spec: SubBlockSpec, device: Device = None):
        super().__init__()
        self.fused = True  # see the module docstring; EfficientNet.fused sets it for every block
        cin, mid, cout, k = spec.in_channels, spec.expanded_channels, spec.out_channels, spec.kernel_size
        # Optional layers are absent (None), as in Keras.
        self.expand_conv: nn.Conv2d | None = None
        self.expand_bn: nn.BatchNorm2d | None = None
        self.expand_activation: nn.Module | None = None
        self.dwconv_pad: ZeroPadding2D | None = None
        self.drop: SampleDropout | None = None
        self.add: Add | None = None
        if spec.expand_ratio != 1:
            self.expand_conv = conv(cin, mid, 1, device)
            self.expand_bn = batch_norm(mid, device)
            self.expand_activation = nn.SiLU()
        if spec.stride > 1:
            self.dwconv_pad = ZeroPadding2D(k, spec.stride)
        self.dwconv = conv(mid, mid, k, device, spec.stride, groups=mid)
        self.bn = batch_norm(mid, device)
        self.activation = nn.SiLU()
        self.se_squeeze = GlobalAveragePooling2D()
        self.se_reshape = Reshape()
        self.se_reduce = ActivatedConv2d(mid, spec.se_channels, 1, activation=F.silu, device=device)
        self.se_expand = ActivatedConv2d(spec.se_channels, mid, 1, activation=torch.sigmoid, device=device)
        self.se_excite = Multiply()
        self.project_conv = conv(mid, cout, 1, device)
        self.project_bn = batch_norm(cout, device)
        if spec.has_skip:
            if spec.drop_rate > 0:  # Keras omits the layer when the rate is zero
                self.drop = SampleDropout(spec.drop_rate)
            self.add = Add()

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if fusable(self, inputs):
            return self.fused_forward(inputs)
        x = inputs
        if self.expand_conv is not None and self.expand_bn is not None and self.expand_activation is not None:
            x = self.expand_activation(self.expand_bn(self.expand_conv(x)))
        if self.dwconv_pad is not None:
            x = self.dwconv_pad(x)
        x = self.activation(self.bn(self.dwconv(x)))
        gate = self.se_expand(self.se_reduce(self.se_reshape(self.se_squeeze(x))))
        x = self.project_bn(self.project_conv(self.se_excite(x, gate)))
        if self.add is not None:
            if self.drop is not None:
                x = self.drop(x)
            x = self.add(x, inputs)
        return x

    def fused_forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """The same arithmetic as forward's plain path, in place where only this block holds the tensor."""
        x = inputs
        if self.expand_conv is not None and self.expand_bn is not None and self.expand_activation is not None:
            x = self.depthwise(self.expand_bn(self.expand_conv(x)), self.expand_activation)
        else:
            x = self.depthwise(x, None)
        x = swish_in_place(self.activation, self.bn(x))
        gate = self.se_expand(self.se_reduce(self.se_reshape(self.se_squeeze(x))))
        x = self.project_bn(self.project_conv(x.mul_(gate)))
        if self.add is not None:  # dropout is the identity in eval mode
            x += inputs
        return x

    def depthwise(self, x: torch.Tensor, activation: nn.Module | None) -> torch.Tensor:
        """dwconv(pad(activation(x))): the padding inside the convolution, or the activation written into the
        padded buffer (see pads_in_kernel)."""
        pad = self.dwconv_pad
        if pad is None or pads_in_kernel(x):
            x = x if activation is None else swish_in_place(activation, x)
            return self.dwconv(x) if pad is None else padded_conv(self.dwconv, x, pad.pads(x))
        if type(activation) is nn.SiLU:
            padded, interior = padded_empty(x, pad.pads(x))
            torch.ops.aten.silu.out(x, out=interior)
            return self.dwconv(padded)
        return self.dwconv(pad(x if activation is None else swish_in_place(activation, x)))


class EfficientNet(nn.Sequential):
    """The whole network as Keras orders it: input scaling, stem, sub-blocks, top (and classifier)."""

    def __init__(self, spec: ModelSpec, include_top: bool = True, device: Device = None):
        layers: dict[str, nn.Module] = {
            "rescaling": Rescaling(1.0 / 255.0),
            "normalization": Normalization(3, device=device),
            "stem_conv_pad": ZeroPadding2D(3, 2),
            "stem_conv": conv(3, spec.stem_channels, 3, device, stride=2),
            "stem_bn": batch_norm(spec.stem_channels, device),
            "stem_activation": nn.SiLU(),
        }
        layers.update((block.name, MBConvBlock(block, device)) for block in spec.sub_blocks)
        last = spec.stages[-1].out_channels
        layers.update(
            top_conv=conv(last, spec.head_channels, 1, device),
            top_bn=batch_norm(spec.head_channels, device),
            top_activation=nn.SiLU(),
        )
        if include_top:
            layers.update(
                avg_pool=GlobalAveragePooling2D(),
                top_dropout=nn.Dropout(spec.variant.dropout),
                predictions=nn.Linear(spec.head_channels, spec.num_classes, device=device),
            )
        super().__init__(*[])
        for name, layer in layers.items():
            self.add_module(name, layer)
        self.spec = spec
        self.include_top = include_top
        self.fused = True

    @property
    def fused(self) -> bool:
        """Run the fused forward where it may (see the module docstring); False: every layer as a module."""
        return self._fused

    @fused.setter
    def fused(self, on: bool) -> None:
        self._fused = on
        for module in self.modules():
            if isinstance(module, MBConvBlock):
                module.fused = on

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not fusable(self, x):
            return super().forward(x)
        rescaling, normalization, pad, *rest = self
        assert (
            isinstance(rescaling, Rescaling)
            and isinstance(normalization, Normalization)
            and isinstance(pad, ZeroPadding2D)
        ), "the network starts with its input layers"
        scale, shift = input_affine(rescaling, normalization)
        # The stem pads in a buffer on every device: its three input channels make the buffer small, and the
        # wider kernel would cost a full convolution 16/9 of its multiplies (pads_in_kernel is for depthwise ones).
        layout = torch.channels_last if runs_channels_last(x) else None
        out, interior = padded_empty(x, pad.pads(x), torch.result_type(x, scale), layout)
        torch.addcmul(shift, x, scale, out=interior)
        keep_layout = layout is not None and not is_channels_last(x)
        x = out
        for layer in rest:
            x = swish_in_place(layer, x) if isinstance(layer, nn.SiLU) else layer(x)
        # Without the classifier the output is a feature map: in the caller's layout, as the plain pass gives it.
        return x.contiguous() if keep_layout and x.dim() == 4 else x


def resolve(variant: str | Variant | ModelSpec) -> ModelSpec:
    """Accept a name ('b3', 'phi=2.5'), a Variant or a ready ModelSpec."""
    if isinstance(variant, ModelSpec):
        return variant
    if isinstance(variant, str):
        variant = parse_variant(variant)
    return scale(variant)


def build(variant: str | Variant | ModelSpec = "b0", include_top: bool = True, device: Device = None) -> EfficientNet:
    """Build an EfficientNet in eval mode; device='meta' gives the architecture without allocating weights.

    Module paths are Keras' layer names: `model.stem_conv`, `model.block2a.expand_conv`.

    >>> model = ei.build("b3")
    >>> sum(p.numel() for p in model.parameters()), model.stem_conv.out_channels
    (12233232, 40)
    """
    return EfficientNet(resolve(variant), include_top, device).eval()
