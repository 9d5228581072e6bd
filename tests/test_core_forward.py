"""Real computation: B0 runs forward on the CPU, and traced shapes equal the real ones."""

from __future__ import annotations

import torch
from helpers import cached_analysis

from effnet_inspect.model.build import build
from effnet_inspect.model.layers import same_padding


def test_b0_forward_on_cpu_gives_1000_logits():
    torch.manual_seed(0)
    model = build("b0")
    with torch.inference_mode():
        out = model(torch.rand(2, 3, 224, 224) * 255)
    assert out.shape == (2, 1000) and torch.isfinite(out).all()


def test_meta_build_runs_on_meta_tensors():
    model = build("b7", include_top=False, device="meta")
    out = model(torch.empty(1, 3, 600, 600, device="meta"))
    assert out.shape == (1, 2560, 19, 19) and out.device.type == "meta"


def test_traced_shapes_equal_a_real_forward_pass():
    """The tracer computes most shapes from rules; a real forward pass with hooks must agree on every layer.

    The plain pass, where every layer runs as a module (the fused one skips the element-wise modules)."""
    model = build("b0")
    model.fused = False
    seen: dict[str, tuple[int, ...]] = {}
    hooks = [
        m.register_forward_hook(lambda mod, inp, out, name=name, seen=seen: seen.__setitem__(name, tuple(out.shape)))
        for name, m in model.named_modules()
        if next(m.children(), None) is None
    ]
    with torch.inference_mode():
        model(torch.rand(1, 3, 224, 224))
    for h in hooks:
        h.remove()
    traced = {layer.path: layer.shape for layer in cached_analysis("b0").layers() if layer.path}
    assert traced == seen


def test_odd_sizes_pad_like_tensorflow_same():
    assert same_padding(224, 3, 2) == (0, 1)
    assert same_padding(75, 3, 2) == (1, 1)
    assert same_padding(75, 5, 2) == (2, 2)
    assert same_padding(150, 5, 2) == (1, 2)


def test_traced_shapes_of_foreign_ports_equal_a_real_forward_pass():
    """Ports with TF-style padding inside forward (Conv2d subclasses) must not get a shape rule's answer."""
    from effnet_inspect.analysis.trace import trace
    from tests.ports.tf_port_style import make
    from tests.ports.torchvision_style import efficientnet_b0

    for factory in (make, efficientnet_b0):
        model = factory().eval()
        seen: dict[str, tuple[int, ...]] = {}
        hooks = [
            m.register_forward_hook(
                lambda mod, inp, out, name=name, seen=seen: seen.__setitem__(name, tuple(out.shape))
            )
            for name, m in model.named_modules()
            if next(m.children(), None) is None
        ]
        with torch.inference_mode():
            model(torch.rand(1, 3, 97, 97))  # odd size: 'same' padding is asymmetric there
        for h in hooks:
            h.remove()
        traced = {
            layer.path: layer.shape
            for layer in (n["layer"] for _, n in trace(model, 97).nodes(data=True))
            if layer.path
        }
        common = traced.keys() & seen.keys()
        assert len(common) > 100
        assert {k: traced[k] for k in common} == {k: seen[k] for k in common}
