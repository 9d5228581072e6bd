"""The per-stage split and the roofline, on the CPU: where stages start in ours and in other implementations, the
hooks' bookkeeping, the wall-clock split, and the work counted per stage from the traced graph."""

from __future__ import annotations

import contextlib
import math
import time

import pytest
import torch
from torch import nn

from effnet_inspect.analysis.measure import analyze, totals
from effnet_inspect.arch.specs import parse_variant
from effnet_inspect.bench.models import Implementation, ours
from effnet_inspect.bench.results import (
    STAGE_SUM_TOLERANCE,
    BenchSettings,
    Bound,
    Ceilings,
    Precision,
    StageMethod,
    Timer,
)
from effnet_inspect.bench.roofline import ridge, stage_times, stage_work
from effnet_inspect.bench.stages import Boundary, BoundaryHooks, StageSplitError, boundaries, wall_clock_split
from effnet_inspect.bench.timing import BenchConfig, Measurer
from effnet_inspect.model.build import build
from effnet_inspect.ports.verdict import analyze_foreign

SMALL = parse_variant("w=0.25,d=0.25,r=64")
STAGES = ["stem", *(f"block{i}" for i in range(1, 8)), "top"]


def starts(found) -> list[str]:
    return [b.paths[0] if b.paths else "" for b in found]


# ------------------------------------------------------------------------------------- where stages start
def test_our_stages_start_at_their_first_sub_block():
    found = boundaries(analyze("b0"))
    assert [b.stage for b in found] == STAGES
    assert starts(found) == [
        "",
        "block1a",
        "block2a",
        "block3a",
        "block4a",
        "block5a",
        "block6a",
        "block7a",
        "top_conv",
    ]


@pytest.mark.parametrize(
    "factory,expected",
    [
        ("torchvision_style:efficientnet_b0", ["", *(f"features.{i}" for i in range(1, 9))]),
        # a flat ModuleList of sub-blocks: each stage starts at its first one (block2 at _blocks.1, ...)
        (
            "tf_port_style:make",
            [
                "",
                "_blocks.0",
                "_blocks.1",
                "_blocks.3",
                "_blocks.5",
                "_blocks.8",
                "_blocks.11",
                "_blocks.15",
                "_conv_head",
            ],
        ),
    ],
)
def test_other_implementations_start_where_their_grouping_says(factory, expected):
    import importlib

    module, name = factory.split(":")
    model = getattr(importlib.import_module(f"tests.ports.{module}"), name)()
    found = boundaries(analyze_foreign(model, factory, 64))
    assert starts(found) == expected


class Stages(nn.Module):
    """Three stages whose modules sleep; `order` is the order forward() calls them in."""

    def __init__(self, order=(0, 1, 2), seconds=(0.002, 0.004, 0.006)):
        super().__init__()
        self.parts = nn.ModuleList(Sleep(s) for s in seconds)
        self.order = order

    def forward(self, x):
        for i in self.order:
            x = self.parts[i](x)
        return x


class Sleep(nn.Module):
    def __init__(self, seconds: float):
        super().__init__()
        self.seconds = seconds

    def forward(self, x):
        time.sleep(self.seconds)
        return x + 1


MARKS = (Boundary("a", ()), Boundary("b", ("parts.1",)), Boundary("c", ("parts", "parts.2")))


def test_hooks_mark_each_stage_once_in_order():
    seen = []
    model = Stages()
    hooks = BoundaryHooks(model, MARKS, seen.append)  # 'parts' is a ModuleList, never called: parts.2 is used
    hooks.run(lambda: model(torch.zeros(1)))
    hooks.run(lambda: model(torch.zeros(1)))
    hooks.close()
    model(torch.zeros(1))  # closed: no more marks
    assert seen == [1, 2, 1, 2]


@pytest.mark.parametrize(
    "order,message", [((0, 2, 1), "c started before b"), ((0, 1), "the module starting c did not run")]
)
def test_hooks_refuse_stages_out_of_order_or_missing(order, message):
    model = Stages(order)
    hooks = BoundaryHooks(model, MARKS, lambda i: None)
    with pytest.raises(StageSplitError, match=message):
        hooks.run(lambda: model(torch.zeros(1)))
    hooks.close()


def test_wall_clock_split_times_each_stage():
    split = wall_clock_split(Stages(), torch.zeros(1), MARKS, iters=5)
    assert split.method is StageMethod.WALL_CLOCK and split.stages == ("a", "b", "c")
    assert len(split.whole_ms) == 5 and all(len(s) == 5 for s in split.stage_ms)
    medians = sorted(range(3), key=lambda i: sorted(split.stage_ms[i])[2])
    assert medians == [0, 1, 2]  # 2, 4 and 6 ms of sleep
    assert all(min(split.stage_ms[i]) >= 2.0 * (i + 1) for i in range(3))
    assert split.ratio == pytest.approx(1.0, abs=0.25)  # sleeps overshoot a little on a busy machine


def test_unsplittable_model_is_measured_and_says_why(monkeypatch):
    """A model without a module to mark a stage's start is still measured, with a note instead of a split."""
    from effnet_inspect.bench import models

    def refuse(analysis):
        raise StageSplitError("block3 starts in module 'x', which other stages also run")

    other = Implementation("other", "test", 64, lambda device: build(SMALL).eval(), lambda r: analyze(SMALL))
    monkeypatch.setattr(models, "boundaries", refuse)
    settings = BenchSettings(1, 2, 1, None, Timer.PERF_COUNTER, False)
    m = Measurer(torch.device("cpu"), settings)(BenchConfig(other, 64, 1, Precision.FP32), 1)
    assert m.split is None and m.latencies_ms
    assert m.split_note == "not split: block3 starts in module 'x', which other stages also run"


def test_stage_split_of_a_real_model_covers_it():
    settings = BenchSettings(
        warmup=1, iters=3, repeats=1, budget_s=None, timer=Timer.PERF_COUNTER, cudnn_benchmark=False
    )
    m = Measurer(torch.device("cpu"), settings)(BenchConfig(ours(SMALL), 64, 2, Precision.FP32), 2)
    assert m.split.stages == tuple(STAGES) and 1 <= m.split_tries <= 3
    assert len(m.split.whole_ms) == 3 and all(len(s) == 3 for s in m.split.stage_ms)
    assert all(t > 0 for s in m.split.stage_ms for t in s)
    # Measured again only while it does not add up (noise on a shared machine), at most three times.
    assert abs(m.split.ratio - 1) <= STAGE_SUM_TOLERANCE or m.split_tries == 3


# ----------------------------------------------------------------------------------------------- roofline
def test_work_per_stage_counts_weights_once_and_every_layer_s_traffic():
    a = analyze(SMALL, resolution=64)
    work = stage_work(a)
    assert [w.stage for w in work] == STAGES
    assert sum(w.macs for w in work) == totals(a.layers()).macs
    assert sum(w.weight_elements for w in work) == totals(a.layers()).params_keras
    # The stem by hand: rescaling and normalization read and write the image, the padding reads it and writes
    # 65 x 65, the convolution reads that and writes 8 x 32 x 32, batch norm and swish read and write that.
    image, padded, out = 3 * 64 * 64, 3 * 65 * 65, 8 * 32 * 32
    assert work[0].activation_elements == 2 * image * 2 + image + padded + padded + out + 2 * out * 2
    assert work[0].bytes(4, Precision.BF16) == 2 * (work[0].weight_elements + 4 * work[0].activation_elements)
    assert work[0].flops(4) == 2 * 4 * work[0].macs


def test_roofline_verdict_follows_the_ceilings():
    work = stage_work(analyze(SMALL, resolution=64))
    ceilings = Ceilings("given", copy_gb_s=100.0, matmul_tflops={"fp32": 1.0})  # ridge: 10 FLOP per byte
    rows = stage_times(work, [1.0] * len(work), 8, Precision.FP32, ceilings)
    for w, s in zip(work, rows):
        flops, moved = w.flops(8), w.bytes(8, Precision.FP32)
        assert s.intensity == pytest.approx(flops / moved, rel=1e-5)
        assert s.bound is (Bound.MEMORY if s.intensity < 10 else Bound.COMPUTE)
        assert s.attainable_ms == pytest.approx(max(flops / 1e12, moved / 1e11) * 1e3, rel=1e-5)
        assert s.time_share == pytest.approx(1 / 9, rel=1e-5)
    assert ridge(ceilings, Precision.FP32) == pytest.approx(10.0) and ridge(ceilings, Precision.BF16) is None
    assert math.isclose(rows[0].achieved_tflops, rows[0].flops / 1e9, rel_tol=1e-9)  # 1 ms each


# ------------------------------------------------------------------------- the GPU method, with a fake CUDA
class FakeCuda:
    """Just enough of torch.cuda to run capture_graphs and graph_split on the CPU: graphs record which modules
    ran while they captured, and replaying one advances a clock by its modules' cost (one unit per sleep)."""

    def __init__(self):
        self.clock = 0.0
        self.capturing = None
        self.log: list[str] = []

    def install(self, monkeypatch, model: nn.Module) -> None:
        cuda = self

        class Graph:
            def __init__(self):
                self.modules: list[str] = []

            def capture_begin(self, pool=None):
                assert cuda.capturing is None and pool == "pool"
                cuda.capturing = self
                cuda.log.append("begin")

            def capture_end(self):
                assert cuda.capturing is self
                cuda.capturing = None
                cuda.log.append("end")

            def replay(self):
                cuda.clock += sum(float(name[-1]) + 1 for name in self.modules)

        class Event:
            def __init__(self, enable_timing=False):
                self.t = None

            def record(self):
                self.t = cuda.clock

            def elapsed_time(self, end):
                return end.t - self.t

        class Stream:
            def wait_stream(self, other):
                pass

            def synchronize(self):
                pass

        def ran(name):  # after the module: the boundary pre-hooks have switched graphs by then
            def hook(module, args, output):
                cuda.log.append(name)
                if cuda.capturing is not None:
                    cuda.capturing.modules.append(name)

            return hook

        for name, module in model.named_modules():
            if isinstance(module, Sleep):
                module.seconds = 0.0
                module.register_forward_hook(ran(name))
        for attribute, value in (
            ("CUDAGraph", Graph),
            ("Event", Event),
            ("Stream", Stream),
            ("graph_pool_handle", lambda: "pool"),
            ("synchronize", lambda: None),
            ("current_stream", lambda: Stream()),
            ("stream", lambda s: contextlib.nullcontext()),
        ):
            monkeypatch.setattr(torch.cuda, attribute, value)


def test_one_graph_per_stage_captured_at_the_boundaries(monkeypatch):
    from effnet_inspect.bench.stages import capture_graphs

    model, cuda = Stages(), FakeCuda()
    cuda.install(monkeypatch, model)
    graphs, out = capture_graphs(model, torch.zeros(1), MARKS)
    assert [g.modules for g in graphs] == [["parts.0"], ["parts.1"], ["parts.2"]]
    assert cuda.log[-9:] == ["begin", "parts.0", "end", "begin", "parts.1", "end", "begin", "parts.2", "end"]
    assert cuda.log[:9] == ["parts.0", "parts.1", "parts.2"] * 3 and out.item() == 3  # eager warm-up first
    assert not any(m._forward_pre_hooks for m in model.modules())  # the boundary hooks are gone


def test_graph_split_replays_stages_against_the_whole(monkeypatch):
    from effnet_inspect.bench.stages import graph_split

    model, cuda = Stages(), FakeCuda()
    cuda.install(monkeypatch, model)
    split = graph_split(model, torch.zeros(1), MARKS, iters=4)
    assert split.method is StageMethod.GRAPH_REPLAY and split.stages == ("a", "b", "c")
    assert split.whole_ms == (6.0,) * 4  # parts.0 + parts.1 + parts.2 cost 1 + 2 + 3
    assert split.stage_ms == ((1.0,) * 4, (2.0,) * 4, (3.0,) * 4) and split.ratio == 1.0
