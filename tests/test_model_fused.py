"""The fused forward (model/build.py) computes what the plain, layer-by-layer forward computes, and runs only where
it may: inference, not under the tracer, not under torch.compile, not with fused=False."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from helpers import cached_analysis

from effnet_inspect.arch.kinds import LayerKind
from effnet_inspect.model import build as build_module
from effnet_inspect.model.build import build
from effnet_inspect.model.layers import ZeroPadding2D, is_channels_last, padded_conv, padded_empty


def random_statistics(model: torch.nn.Module) -> torch.nn.Module:
    """Batch-norm statistics and an input normalization far from the identity, so nothing cancels by luck."""
    generator = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5, generator=generator)
            m.running_var.uniform_(0.5, 2.0, generator=generator)
            m.weight.data.uniform_(0.5, 1.5, generator=generator)
            m.bias.data.uniform_(-0.2, 0.2, generator=generator)
    model.normalization.mean.copy_(torch.tensor([0.485, 0.456, 0.406]) * 255)
    model.normalization.variance.copy_((torch.tensor([0.229, 0.224, 0.225]) * 255) ** 2)
    model.rescaling.scale, model.rescaling.offset = 1 / 127.5, -1.0
    return model


def both(model, x, precision=None):
    """(fused, plain) outputs under inference_mode, optionally under CPU bf16 autocast."""
    autocast = torch.autocast("cpu", dtype=torch.bfloat16) if precision else torch.autocast("cpu", enabled=False)
    with torch.inference_mode(), autocast:
        model.fused = True
        fused = model(x)
        model.fused = False
        plain = model(x)
    model.fused = True
    return fused, plain


@pytest.mark.parametrize(
    "variant,size,batch,channels_last,cpu_way",
    [
        # cpu_way: the stride-2 padding inside the convolution and every tensor channels-last (the CPU's way), or
        # a padded buffer in the caller's layout (CUDA's), whichever this machine's device would pick.
        ("b0", 96, 2, False, True),
        ("b0", 64, 1, True, False),
        ("b0", 64, 1, False, False),
        ("w=0.5,d=0.5,r=65", 65, 1, False, True),  # odd sizes: symmetric 'same' padding in some layers, asymmetric
        ("w=0.5,d=0.5,r=65", 65, 1, False, False),  # in others
        ("w=0.25,d=0.25,r=33", 33, 3, True, True),
        ("w=0.25,d=0.25,r=33", 33, 3, True, False),
    ],
)
def test_fused_forward_equals_the_plain_one(variant, size, batch, channels_last, cpu_way, monkeypatch):
    monkeypatch.setattr(build_module, "pads_in_kernel", lambda x: cpu_way)
    monkeypatch.setattr(build_module, "runs_channels_last", lambda x: cpu_way)
    torch.manual_seed(0)
    model = random_statistics(build(variant))
    x = torch.rand(batch, 3, size, size) * 255
    if channels_last:
        model, x = model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    fused, plain = both(model, x)
    assert fused.dtype == plain.dtype == torch.float32 and fused.shape == plain.shape
    torch.testing.assert_close(fused, plain, rtol=1e-5, atol=1e-5)
    fused, plain = both(model, x, precision="bf16")
    assert fused.dtype == plain.dtype == torch.bfloat16
    torch.testing.assert_close(fused.float(), plain.float(), rtol=0.05, atol=0.02)


@pytest.mark.parametrize("channels_last", [False, True])
def test_fused_forward_takes_images_as_bytes_and_without_the_classifier(channels_last):
    model = random_statistics(build("w=0.25,d=0.25,r=64", include_top=False))
    x = torch.randint(0, 256, (2, 3, 64, 64), dtype=torch.uint8)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    fused, plain = both(model, x)
    assert fused.shape == plain.shape == (2, 320, 2, 2)  # the head: 1280 x 0.25 channels
    torch.testing.assert_close(fused, plain, rtol=1e-5, atol=1e-5)
    # The feature map comes back in the caller's layout, whatever layout the pass ran in.
    assert fused.stride() == plain.stride() and fused.is_contiguous() != channels_last


def test_on_the_cpu_the_fused_pass_runs_channels_last():
    """Every spatial convolution of the fused pass reads a channels-last tensor from a contiguous input (oneDNN's own
    layout: no conversion per convolution); the plain pass keeps the caller's."""
    model = build("w=0.25,d=0.25,r=32")
    seen: list[bool] = []
    for conv in (m for m in model.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size != (1, 1)):
        conv.register_forward_pre_hook(lambda m, a: seen.append(is_channels_last(a[0])))
    x = torch.rand(1, 3, 96, 96)  # the last stage still 3 x 3 (at 1 x 1 both layouts are one)
    with torch.inference_mode():
        model(x)
        assert seen and all(seen)
        seen.clear()
        model.fused = False
        model(x)
    assert seen and not any(seen)


def calls(model, x, path: str, **context) -> int:
    """How often the module at path ran in one forward pass."""
    module = dict(model.named_modules())[path]
    count = []
    handle = module.register_forward_pre_hook(lambda m, a: count.append(1))
    try:
        model(x)
    finally:
        handle.remove()
    return len(count)


def test_the_fused_pass_runs_for_inference_only():
    model = build("w=0.25,d=0.25,r=32")
    x = torch.rand(2, 3, 64, 64)
    with torch.inference_mode():
        assert calls(model, x, "block2a.dwconv_pad") == 0 and calls(model, x, "rescaling") == 0  # fused
        assert calls(model, x, "block1a.dwconv") == 1 and calls(model, x, "block2a") == 1
        assert calls(model, x, "block2a.dwconv") == 0  # on the CPU its padding is inside the convolution
        model.fused = False
        assert calls(model, x, "block2a.dwconv_pad") == 1 and calls(model, x, "rescaling") == 1
        model.fused = True
        model.train()
        assert calls(model, x, "block2a.dwconv_pad") == 1  # training: dropout is live
        model.eval()
    assert calls(model, x, "block2a.dwconv_pad") == 1  # autograd on: it cannot record the writes into buffers
    meta = build("w=0.25,d=0.25,r=32", device="meta")
    with torch.inference_mode():  # meta tensors: a tracer recording a run (analysis/record.py)
        assert calls(meta, torch.empty(1, 3, 32, 32, device="meta"), "block2a.dwconv_pad") == 1
    assert all(b.fused for b in model.modules() if hasattr(b, "fused"))


@pytest.mark.slow
def test_torch_compile_sees_the_plain_pass():
    torch._dynamo.reset()
    model = random_statistics(build("w=0.25,d=0.25,r=32"))
    x = torch.rand(2, 3, 32, 32) * 255
    compiled = torch.compile(model, backend="eager")
    with torch.inference_mode():
        out = compiled(x)
        model.fused = False
        plain = model(x)
    torch.testing.assert_close(out, plain, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("size", [6, 7])
@pytest.mark.parametrize("channels_last", [False, True])
def test_padding_without_a_full_fill_equals_f_pad(size, channels_last):
    x = torch.randn(2, 5, size, size)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    pad = ZeroPadding2D(5, 2)
    top, bottom, left, right = pad.pads(x)
    expected = F.pad(x, (left, right, top, bottom))
    out = pad(x)
    assert torch.equal(out, expected)
    assert out.is_contiguous(memory_format=torch.channels_last) == channels_last
    buffer, interior = padded_empty(x, (1, 2, 0, 3))
    assert interior.shape == x.shape and buffer.shape == (2, 5, size + 3, size + 3)
    interior.fill_(7.0)
    assert buffer.sum() == 7.0 * x.numel()  # the border is zero, whatever memory the buffer got


@pytest.mark.parametrize("size", [6, 7, 8])
@pytest.mark.parametrize("kernel_size", [1, 3, 5])
@pytest.mark.parametrize("channels_last", [False, True])
def test_padding_inside_the_convolution_equals_a_padded_copy(size, kernel_size, channels_last):
    torch.manual_seed(0)
    x = torch.randn(2, 4, size, size + 1)  # one even and one odd side: asymmetric and symmetric padding
    conv = torch.nn.Conv2d(4, 4, kernel_size, 2, padding=0, groups=4, bias=False)
    if channels_last:
        x, conv = x.contiguous(memory_format=torch.channels_last), conv.to(memory_format=torch.channels_last)
    pads = ZeroPadding2D(kernel_size, 2).pads(x)
    top, bottom, left, right = pads
    with torch.inference_mode():
        expected = conv(F.pad(x, (left, right, top, bottom)))
        torch.testing.assert_close(padded_conv(conv, x, pads), expected, rtol=1e-6, atol=1e-6)
        # Any padding, not only 'same': more after than before, more before than after, none.
        for other in [(0, 2, 1, 0), (2, 0, 0, 1), (0, 0, 0, 0)]:
            top, bottom, left, right = other
            torch.testing.assert_close(
                padded_conv(conv, x, other), conv(F.pad(x, (left, right, top, bottom))), rtol=1e-6, atol=1e-6
            )


def test_the_tracer_still_sees_every_keras_layer():
    """The fused pass changes no layer: B0 without top is Keras' 237 layers, with a padding layer before each of
    its five stride-2 convolutions, and the convolution reads the padded size."""
    analysis = cached_analysis("b0", False)
    layers = analysis.layers(list(analysis.graph.nodes))
    assert len(layers) == 237
    pads = [layer.name for layer in layers if layer.kind is LayerKind.PAD]
    assert pads == [
        "stem_conv_pad",
        "block2a_dwconv_pad",
        "block3a_dwconv_pad",
        "block4a_dwconv_pad",
        "block6a_dwconv_pad",
    ]
    by_name = {layer.name: layer for layer in layers}
    assert by_name["block2a_dwconv"].in_shape == (1, 96, 113, 113) and by_name["stem_conv"].in_shape == (1, 3, 225, 225)
