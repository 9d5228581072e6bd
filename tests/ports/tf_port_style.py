"""EfficientNet written the way PyTorch ports of the TensorFlow original write it (lukemelas/EfficientNet-PyTorch).

Differences from our builder and from torchvision: TF-'same' padding computed from x.size() inside forward
(Conv2dDynamicSamePadding, then F.pad + F.conv2d), swish as x * sigmoid(x) in a custom autograd Function,
drop connect as a function inside forward (Python control flow on self.training), the sub-blocks in one flat
ModuleList iterated in forward, block arguments decoded from strings, and - with se="linear", the default -
the classic squeeze-and-excitation of many repositories: `b, c, _, _ = x.size()`, pooling, view, Linear, swish,
Linear, sigmoid, view, expand_as, multiply (FX cannot trace the size unpacking). se="conv" gives the port's
original 1x1-convolution SE; conv="functional" swaps the nn.Conv2d subclass for a plain module that holds its
own weight and calls F.conv2d (which FX cannot trace).
Factory: EfficientNet.from_name("efficientnet-b3", ...), as the original.
"""

from __future__ import annotations

import collections
import math
import re

import torch
import torch.nn.functional as F
from torch import nn

GlobalParams = collections.namedtuple(
    "GlobalParams",
    [
        "width_coefficient",
        "depth_coefficient",
        "image_size",
        "dropout_rate",
        "num_classes",
        "batch_norm_momentum",
        "batch_norm_epsilon",
        "drop_connect_rate",
        "depth_divisor",
        "min_depth",
        "include_top",
        "se",
        "conv",
    ],
)
BlockArgs = collections.namedtuple(
    "BlockArgs",
    ["num_repeat", "kernel_size", "stride", "expand_ratio", "input_filters", "output_filters", "se_ratio", "id_skip"],
)

BLOCKS_ARGS = [
    "r1_k3_s11_e1_i32_o16_se0.25",
    "r2_k3_s22_e6_i16_o24_se0.25",
    "r2_k5_s22_e6_i24_o40_se0.25",
    "r3_k3_s22_e6_i40_o80_se0.25",
    "r3_k5_s11_e6_i80_o112_se0.25",
    "r4_k5_s22_e6_i112_o192_se0.25",
    "r1_k3_s11_e6_i192_o320_se0.25",
]

PARAMS = {  # (width, depth, resolution, dropout)
    "efficientnet-b0": (1.0, 1.0, 224, 0.2),
    "efficientnet-b1": (1.0, 1.1, 240, 0.2),
    "efficientnet-b2": (1.1, 1.2, 260, 0.3),
    "efficientnet-b3": (1.2, 1.4, 300, 0.3),
    "efficientnet-b4": (1.4, 1.8, 380, 0.4),
    "efficientnet-b5": (1.6, 2.2, 456, 0.4),
    "efficientnet-b6": (1.8, 2.6, 528, 0.5),
    "efficientnet-b7": (2.0, 3.1, 600, 0.5),
}


def decode_block(text: str) -> BlockArgs:
    options = {}
    for op in text.split("_"):
        key, value = re.split(r"(\d.*)", op)[:2]
        options[key] = value
    return BlockArgs(
        num_repeat=int(options["r"]),
        kernel_size=int(options["k"]),
        stride=int(options["s"][0]),
        expand_ratio=int(options["e"]),
        input_filters=int(options["i"]),
        output_filters=int(options["o"]),
        se_ratio=float(options["se"]),
        id_skip=True,
    )


def round_filters(filters: int, global_params: GlobalParams) -> int:
    multiplier = global_params.width_coefficient
    divisor = global_params.depth_divisor
    min_depth = global_params.min_depth or divisor
    filters *= multiplier
    new_filters = max(min_depth, int(filters + divisor / 2) // divisor * divisor)
    if new_filters < 0.9 * filters:
        new_filters += divisor
    return int(new_filters)


def round_repeats(repeats: int, global_params: GlobalParams) -> int:
    return int(math.ceil(global_params.depth_coefficient * repeats))


class SwishImplementation(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i * torch.sigmoid(i)
        ctx.save_for_backward(i)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        i = ctx.saved_tensors[0]
        sigmoid_i = torch.sigmoid(i)
        return grad_output * (sigmoid_i * (1 + i * (1 - sigmoid_i)))


class MemoryEfficientSwish(nn.Module):
    def forward(self, x):
        return SwishImplementation.apply(x)


def drop_connect(inputs: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    assert 0 <= p <= 1, "p must be in range of [0,1]"
    if not training:
        return inputs
    batch_size = inputs.shape[0]
    keep_prob = 1 - p
    random_tensor = keep_prob + torch.rand([batch_size, 1, 1, 1], dtype=inputs.dtype, device=inputs.device)
    return inputs / keep_prob * torch.floor(random_tensor)


class Conv2dDynamicSamePadding(nn.Conv2d):
    """2D convolution with TensorFlow's 'SAME' padding, computed from the input size at every call."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, dilation=1, groups=1, bias=True):
        super().__init__(in_channels, out_channels, kernel_size, stride, 0, dilation, groups, bias)
        self.stride = self.stride if len(self.stride) == 2 else [self.stride[0]] * 2

    def forward(self, x):
        ih, iw = x.size()[-2:]
        kh, kw = self.weight.size()[-2:]
        sh, sw = self.stride
        oh, ow = math.ceil(ih / sh), math.ceil(iw / sw)
        pad_h = max((oh - 1) * self.stride[0] + (kh - 1) * self.dilation[0] + 1 - ih, 0)
        pad_w = max((ow - 1) * self.stride[1] + (kw - 1) * self.dilation[1] + 1 - iw, 0)
        if pad_h > 0 or pad_w > 0:
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv2dSameFunctional(nn.Module):
    """The same TF-'SAME' convolution as a plain module holding its own weight (no nn.Conv2d, no children),
    as several hand-written ports do: `max(...)` and `if pad > 0` on sizes make FX symbolic tracing fail."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, groups=1, bias=True):
        super().__init__()
        self.stride, self.groups, self.kernel_size = stride, groups, kernel_size
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        nn.init.kaiming_normal_(self.weight, mode="fan_out")

    def forward(self, x):
        ih, iw = x.shape[-2:]
        pad_h = max((math.ceil(ih / self.stride) - 1) * self.stride + self.kernel_size - ih, 0)
        pad_w = max((math.ceil(iw / self.stride) - 1) * self.stride + self.kernel_size - iw, 0)
        if pad_h > 0 or pad_w > 0:
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, 1, self.groups)


CONVS = {"subclass": Conv2dDynamicSamePadding, "functional": Conv2dSameFunctional}


class MBConvBlock(nn.Module):
    def __init__(self, block_args: BlockArgs, global_params: GlobalParams):
        super().__init__()
        self._block_args = block_args
        self._bn_mom = 1 - global_params.batch_norm_momentum
        self._bn_eps = global_params.batch_norm_epsilon
        self._se = global_params.se
        Conv2d = CONVS[global_params.conv]
        self.has_se = block_args.se_ratio is not None and 0 < block_args.se_ratio <= 1
        self.id_skip = block_args.id_skip
        inp = block_args.input_filters
        oup = block_args.input_filters * block_args.expand_ratio
        if block_args.expand_ratio != 1:
            self._expand_conv = Conv2d(inp, oup, kernel_size=1, bias=False)
            self._bn0 = nn.BatchNorm2d(oup, momentum=self._bn_mom, eps=self._bn_eps)
        k, s = block_args.kernel_size, block_args.stride
        self._depthwise_conv = Conv2d(oup, oup, groups=oup, kernel_size=k, stride=s, bias=False)
        self._bn1 = nn.BatchNorm2d(oup, momentum=self._bn_mom, eps=self._bn_eps)
        if self.has_se:
            squeezed = max(1, int(block_args.input_filters * block_args.se_ratio))
            if self._se == "linear":
                self._se_reduce = nn.Linear(oup, squeezed)
                self._se_expand = nn.Linear(squeezed, oup)
            else:
                self._se_reduce = Conv2d(oup, squeezed, kernel_size=1)
                self._se_expand = Conv2d(squeezed, oup, kernel_size=1)
        self._project_conv = Conv2d(oup, block_args.output_filters, kernel_size=1, bias=False)
        self._bn2 = nn.BatchNorm2d(block_args.output_filters, momentum=self._bn_mom, eps=self._bn_eps)
        self._swish = MemoryEfficientSwish()

    def _squeeze_excite(self, x: torch.Tensor) -> torch.Tensor:
        if self._se == "linear":
            b, c, _, _ = x.size()
            s = F.adaptive_avg_pool2d(x, 1).view(b, c)
            s = self._swish(self._se_reduce(s))
            s = torch.sigmoid(self._se_expand(s)).view(b, c, 1, 1)
            return x * s.expand_as(x)
        x_squeezed = F.adaptive_avg_pool2d(x, 1)
        x_squeezed = self._se_reduce(x_squeezed)
        x_squeezed = self._swish(x_squeezed)
        x_squeezed = self._se_expand(x_squeezed)
        return torch.sigmoid(x_squeezed) * x

    def forward(self, inputs, drop_connect_rate=None):
        x = inputs
        if self._block_args.expand_ratio != 1:
            x = self._swish(self._bn0(self._expand_conv(inputs)))
        x = self._swish(self._bn1(self._depthwise_conv(x)))
        if self.has_se:
            x = self._squeeze_excite(x)
        x = self._bn2(self._project_conv(x))
        input_filters, output_filters = self._block_args.input_filters, self._block_args.output_filters
        if self.id_skip and self._block_args.stride == 1 and input_filters == output_filters:
            if drop_connect_rate:
                x = drop_connect(x, p=drop_connect_rate, training=self.training)
            x = x + inputs
        return x


class EfficientNet(nn.Module):
    def __init__(self, blocks_args: list[BlockArgs], global_params: GlobalParams):
        super().__init__()
        self._global_params = global_params
        self._blocks_args = blocks_args
        bn_mom = 1 - global_params.batch_norm_momentum
        bn_eps = global_params.batch_norm_epsilon
        Conv2d = CONVS[global_params.conv]
        out_channels = round_filters(32, global_params)
        self._conv_stem = Conv2d(3, out_channels, kernel_size=3, stride=2, bias=False)
        self._bn0 = nn.BatchNorm2d(out_channels, momentum=bn_mom, eps=bn_eps)
        self._blocks = nn.ModuleList([])
        for block_args in self._blocks_args:
            block_args = block_args._replace(
                input_filters=round_filters(block_args.input_filters, global_params),
                output_filters=round_filters(block_args.output_filters, global_params),
                num_repeat=round_repeats(block_args.num_repeat, global_params),
            )
            self._blocks.append(MBConvBlock(block_args, global_params))
            if block_args.num_repeat > 1:
                block_args = block_args._replace(input_filters=block_args.output_filters, stride=1)
            for _ in range(block_args.num_repeat - 1):
                self._blocks.append(MBConvBlock(block_args, global_params))
        in_channels = block_args.output_filters
        out_channels = round_filters(1280, global_params)
        self._conv_head = Conv2d(in_channels, out_channels, kernel_size=1, bias=False)
        self._bn1 = nn.BatchNorm2d(out_channels, momentum=bn_mom, eps=bn_eps)
        self._avg_pooling = nn.AdaptiveAvgPool2d(1)
        if global_params.include_top:
            self._dropout = nn.Dropout(global_params.dropout_rate)
            self._fc = nn.Linear(out_channels, global_params.num_classes)
        self._swish = MemoryEfficientSwish()

    def extract_features(self, inputs):
        x = self._swish(self._bn0(self._conv_stem(inputs)))
        for idx, block in enumerate(self._blocks):
            drop_connect_rate = self._global_params.drop_connect_rate
            if drop_connect_rate:
                drop_connect_rate *= float(idx) / len(self._blocks)
            x = block(x, drop_connect_rate=drop_connect_rate)
        return self._swish(self._bn1(self._conv_head(x)))

    def forward(self, inputs):
        x = self.extract_features(inputs)
        if not self._global_params.include_top:
            return x
        x = self._avg_pooling(x)
        x = x.flatten(start_dim=1)
        x = self._dropout(x)
        return self._fc(x)

    @classmethod
    def from_name(
        cls,
        model_name: str,
        num_classes: int = 1000,
        include_top: bool = True,
        se: str = "linear",
        conv: str = "subclass",
    ) -> EfficientNet:
        if model_name not in PARAMS:
            raise ValueError(f"model_name should be one of: {', '.join(PARAMS)}")
        width, depth, resolution, dropout = PARAMS[model_name]
        global_params = GlobalParams(
            width_coefficient=width,
            depth_coefficient=depth,
            image_size=resolution,
            dropout_rate=dropout,
            num_classes=num_classes,
            batch_norm_momentum=0.99,
            batch_norm_epsilon=1e-3,
            drop_connect_rate=0.2,
            depth_divisor=8,
            min_depth=None,
            include_top=include_top,
            se=se,
            conv=conv,
        )
        return cls([decode_block(s) for s in BLOCKS_ARGS], global_params)


def make(**kwargs) -> EfficientNet:
    """B0, for `--model tests.ports.tf_port_style:make`."""
    return EfficientNet.from_name("efficientnet-b0", **kwargs)
