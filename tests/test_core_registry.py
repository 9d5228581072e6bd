"""The layer registry: one entry per kind, every way of recognising a layer, and what it does not know reported
rather than charged. Also the tracer's exceptions: its FX fallback is internal, only a model that cannot run at
all is the user's error."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from helpers import cli_stdout
from torch import nn

from effnet_inspect.analysis.measure import analyze, totals
from effnet_inspect.analysis.registry import ENTRIES, REGISTRY, Entry, index
from effnet_inspect.analysis.trace import LeafTracer, ShapePropagationError, Tracer, _layer_graph, trace
from effnet_inspect.arch.kinds import LayerKind
from effnet_inspect.errors import InputError
from effnet_inspect.ports.factory import parse_factory
from effnet_inspect.ports.verdict import inspect_factory


def test_every_kind_but_other_has_exactly_one_entry():
    assert [e.kind for e in ENTRIES].count(LayerKind.OTHER) == 0
    assert sorted(k.name for k in REGISTRY) == sorted(k.name for k in LayerKind if k is not LayerKind.OTHER)
    assert len(ENTRIES) == len(REGISTRY)


@pytest.mark.parametrize(
    "entries",
    [
        (Entry(LayerKind.ADD), Entry(LayerKind.ADD)),
        (Entry(LayerKind.OTHER),),
        (Entry(LayerKind.ADD, functions=(torch.add,)), Entry(LayerKind.MULTIPLY, functions=(torch.add,))),
        (Entry(LayerKind.ADD, methods=("add",)), Entry(LayerKind.MULTIPLY, methods=("add",))),
        (Entry(LayerKind.PAD, (nn.ZeroPad2d,)), Entry(LayerKind.DROPOUT, (nn.ZeroPad2d,))),
    ],
    ids=["kind twice", "OTHER", "function twice", "method twice", "module twice"],
)
def test_a_kind_or_a_way_to_recognise_it_claimed_twice_is_rejected(entries):
    with pytest.raises(ValueError):
        index(entries)


class StochasticDepth(nn.Module):
    """Named like torchvision's: recognised by class name, without importing torchvision."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class _Functional(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(3, 1, 3, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(x, self.weight, groups=3)  # a function, refined to depthwise by its groups
        return x.mean((2, 3))  # a tensor method


class _ShapeDependent(nn.Module):
    """FX cannot branch on a traced size: recorded, where operators arrive as tensor methods (__add__)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + x if x.shape[-1] > 4 else x


@pytest.mark.parametrize(
    "model,tracer,expected",
    [
        (
            nn.Sequential(nn.Conv2d(3, 3, 3, groups=3), nn.ReLU()),
            Tracer.FX,
            [("Conv2d", LayerKind.DEPTHWISE), ("ReLU", LayerKind.ACTIVATION)],
        ),
        (nn.Sequential(StochasticDepth()), Tracer.FX, [("StochasticDepth", LayerKind.DROPOUT)]),
        (_Functional(), Tracer.FX, [("conv2d", LayerKind.DEPTHWISE), ("mean", LayerKind.GLOBAL_POOL)]),
        (_ShapeDependent(), Tracer.RECORDED, [("add", LayerKind.ADD)]),
    ],
    ids=["module class", "foreign class by name", "function and method", "recorded operator"],
)
def test_each_recognition_path(model, tracer, expected):
    graph = trace(model, 8)
    found = [(layer.type, layer.kind) for layer in (graph.nodes[n]["layer"] for n in graph)][1:]  # without the input
    assert (graph.graph["tracer"], found) == (tracer.value, expected)


def test_functional_depthwise_convolution_is_charged_its_macs():
    graph = trace(_Functional(), 8)
    conv = graph.nodes["conv2d"]["layer"]
    assert (conv.kernel_size, conv.groups, conv.in_channels, conv.out_channels) == ((3, 3), 3, 3, 3)
    assert conv.macs == 3 * 6 * 6 * 9 and conv.params == 27


class _Clamp(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x.clamp(0, 1))


def test_unknown_modules_and_functions_are_reported_not_charged():
    # AvgPool2d, InstanceNorm2d and the custom module are traced into: their functions are what the registry meets.
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.AvgPool2d(2), nn.InstanceNorm2d(8, affine=True), _Clamp())
    graph = trace(model, 8)
    layers = [graph.nodes[n]["layer"] for n in graph]
    assert graph.graph["unknown"] == {"avg_pool2d": 1, "clamp": 1, "instance_norm": 1}
    unknown = [layer for layer in layers if layer.kind is LayerKind.OTHER]
    assert sorted(layer.type for layer in unknown) == ["avg_pool2d", "clamp", "instance_norm"]
    assert all(layer.macs == 0 and layer.elementwise == 0 for layer in unknown)
    assert next(layer for layer in unknown if layer.type == "instance_norm").params == 2 * 8  # parameters still count
    t = totals(layers)
    assert (t.macs, t.elementwise) == (8 * 6 * 6 * 3 * 9, 8 * 3 * 3)  # the conv; the tanh


def test_our_builds_have_no_unknown_nodes(official):
    for top in (True, False):
        assert analyze(official, include_top=top).unknown == {}


def test_inspect_says_what_it_did_not_count(capsys):
    out = cli_stdout(capsys, "inspect", "--model", "tests.ports.odd:with_unknown_ops")
    assert "; incomplete: ops of unknown kind are charged nothing (clamp x1)\n" in out  # next to the MAC total
    out = cli_stdout(capsys, "inspect", "--model", "tests.ports.odd:with_unknown_ops", "--format", "json")
    assert '"not_counted": {\n    "clamp": 1\n  }' in out


# ----------------------------------------------------------------------------------------------- exceptions
class _OptionalArgument(nn.Module):
    """FX traces the scale branch with a placeholder; run with the default (None), that graph fails."""

    def forward(self, x: torch.Tensor, scale: torch.Tensor | None = None) -> torch.Tensor:
        return torch.relu(x) if scale is None else x * scale


def test_a_symbolic_graph_that_does_not_run_is_an_internal_error_and_recorded_instead():
    model = _OptionalArgument()
    example = torch.empty((1, 3, 8, 8), device="meta")
    with pytest.raises(ShapePropagationError) as info:
        _layer_graph(model, LeafTracer().trace(model), example, Tracer.FX)
    assert not isinstance(info.value, InputError) and info.value.__cause__ is not None
    assert trace(model, 8).graph["tracer"] == Tracer.RECORDED.value


def test_a_model_that_cannot_run_is_an_input_error_with_its_cause():
    with pytest.raises(InputError) as info:
        inspect_factory(parse_factory("tests.ports.odd:data_dependent"))
    assert info.value.__cause__ is not None
