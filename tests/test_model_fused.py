"""The fused forward (model/build.py) computes what the plain, layer-by-layer forward computes, and runs only where
it may: inference, not under the tracer, not under torch.compile, not with fused=False."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from effnet_inspect.model.build import build
from effnet_inspect.model.layers import ZeroPadding2D, padded_empty


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
    "variant,size,batch,channels_last",
    [
        ("b0", 96, 2, False),
        ("b0", 64, 1, True),
        ("w=0.5,d=0.5,r=65", 65, 1, False),  # odd sizes: symmetric 'same' padding in some layers, asymmetric in others
        ("w=0.25,d=0.25,r=33", 33, 3, True),
    ],
)
def test_fused_forward_equals_the_plain_one(variant, size, batch, channels_last):
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


def test_fused_forward_takes_images_as_bytes_and_without_the_classifier():
    model = random_statistics(build("w=0.25,d=0.25,r=32", include_top=False))
    x = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    fused, plain = both(model, x)
    assert fused.shape == plain.shape == (2, 320, 1, 1)  # the head: 1280 x 0.25 channels
    torch.testing.assert_close(fused, plain, rtol=1e-5, atol=1e-5)


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
        assert calls(model, x, "block2a.dwconv") == 1 and calls(model, x, "block2a") == 1
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
