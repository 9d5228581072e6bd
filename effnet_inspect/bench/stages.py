"""Per-stage time of any implementation, split where the structural grouping (analysis/group.py) puts the stages.

Each stage after the first starts at a module: the outermost module the model calls that holds the stage's
first layer and layers of no other stage (block2a for ours, features.2 for torchvision, _blocks.1 for a TF
port). A forward pre-hook on it marks the boundary while the model runs as it is; forward() starts the first.

- CPU (StageMethod.WALL_CLOCK): perf_counter at every boundary of an instrumented pass, alternating with plain
  passes; the CPU runs synchronously, so the marks are the work's own boundaries.
- GPU (StageMethod.GRAPH_REPLAY): CUDA events between eagerly launched stages measure the host's launch time
  whenever the GPU is not the bottleneck (small batches). So the pass is captured as one CUDA graph per stage
  (the hooks end one capture and begin the next, in one shared memory pool) and the stage graphs are replayed
  in order with events between them, alternating with a replay of the whole pass captured as one graph. The
  split is of the GPU's execution time; launch overhead, which a graph removes, is in neither side.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.bench.results import StageMethod


class StageSplitError(Exception):
    """The model cannot be split at its stage boundaries; the message says why (it goes into the results)."""


@dataclass(frozen=True)
class Boundary:
    stage: str
    paths: tuple[str, ...]  # modules whose call would start the stage, outermost first; (): forward() starts it


def _inside(path: str, module: str) -> bool:
    return path == module or path.startswith(module + ".")


def boundaries(analysis: Analysis) -> tuple[Boundary, ...]:
    """Where each stage starts, from the traced graph's layers and their module paths."""
    stages = analysis.grouping.stages
    paths = [[layer.path for layer in analysis.layers(s.layers) if layer.path] for s in stages]
    found = [Boundary(stages[0].name, ())]
    for i, stage in enumerate(stages[1:], start=1):
        if not paths[i]:
            raise StageSplitError(f"{stage.name} has no layer inside a module to mark its start")
        others = [p for j, ps in enumerate(paths) if j != i for p in ps]
        parts = paths[i][0].split(".")
        candidates = tuple(
            c for c in (".".join(parts[:n]) for n in range(1, len(parts) + 1)) if not any(_inside(p, c) for p in others)
        )
        if not candidates:
            raise StageSplitError(f"{stage.name} starts in module {paths[i][0]!r}, which other stages also run")
        found.append(Boundary(stage.name, candidates))
    return tuple(found)


class BoundaryHooks:
    """Forward pre-hooks that call on_stage(i) when stage i's module starts, once per pass, in order."""

    def __init__(self, model: nn.Module, marks: Sequence[Boundary], on_stage: Callable[[int], None]):
        modules = dict(model.named_modules())
        self.names = [b.stage for b in marks]
        self.on_stage = on_stage
        self.next = 1
        self.active = False
        self.handles = []
        for i, b in enumerate(marks[1:], start=1):
            called = [
                modules[p]
                for p in b.paths  # a container's forward never runs, its children's do
                if p in modules and not isinstance(modules[p], (nn.ModuleList, nn.ModuleDict))
            ]
            if not called:
                self.close()
                raise StageSplitError(f"{b.stage} starts in {b.paths[-1]!r}, which is not a module the model calls")
            self.handles.append(called[0].register_forward_pre_hook(self._hook(i)))

    def _hook(self, index: int) -> Callable[[nn.Module, tuple], None]:
        def hook(module: nn.Module, args: tuple) -> None:
            if not self.active or index < self.next:  # a module called again within its stage
                return
            if index != self.next:
                self.active = False
                raise StageSplitError(f"{self.names[index]} started before {self.names[self.next]}")
            self.next += 1
            self.on_stage(index)

        return hook

    def run(self, forward: Callable[[], object]) -> object:
        """One instrumented pass; every boundary must have been crossed, in order."""
        self.next, self.active = 1, True
        try:
            out = forward()
        finally:
            self.active = False
        if self.next != len(self.names):
            raise StageSplitError(f"the module starting {self.names[self.next]} did not run in forward()")
        return out

    def close(self) -> None:
        for h in self.handles:
            h.remove()
        self.handles = []


@dataclass(frozen=True)
class StageSplit:
    """Raw samples of one split: the whole-model passes and, per stage, the same number of instrumented ones."""

    method: StageMethod
    stages: tuple[str, ...]
    whole_ms: tuple[float, ...]
    stage_ms: tuple[tuple[float, ...], ...]  # per stage, per pass

    @property
    def ratio(self) -> float:
        whole = statistics.median(self.whole_ms)
        return sum(statistics.median(s) for s in self.stage_ms) / whole if whole else 0.0


def wall_clock_split(model: nn.Module, x: torch.Tensor, marks: Sequence[Boundary], iters: int) -> StageSplit:
    """CPU: instrumented and plain passes alternate (which goes first alternates too), so drift hits both."""
    check_boundaries(model, lambda: model(x), marks)
    stamps: list[float] = []
    hooks = BoundaryHooks(model, marks, lambda i: stamps.append(time.perf_counter()))
    whole, rows = [], []
    try:
        for i in range(iters):
            for instrumented in (True, False) if i % 2 else (False, True):
                if instrumented:
                    stamps.clear()
                    stamps.append(time.perf_counter())
                    hooks.run(lambda: model(x))
                    stamps.append(time.perf_counter())
                    rows.append([(b - a) * 1e3 for a, b in zip(stamps, stamps[1:])])
                else:
                    begin = time.perf_counter()
                    model(x)
                    whole.append((time.perf_counter() - begin) * 1e3)
    finally:
        hooks.close()
    return StageSplit(StageMethod.WALL_CLOCK, tuple(b.stage for b in marks), tuple(whole), tuple(zip(*rows)))


def check_boundaries(model: nn.Module, forward: Callable[[], object], marks: Sequence[Boundary]) -> None:
    """One eager pass with the hooks: every boundary must be crossed, in order (StageSplitError otherwise)."""
    hooks = BoundaryHooks(model, marks, lambda i: None)
    try:
        hooks.run(forward)
    finally:
        hooks.close()


def capture_graphs(model: nn.Module, x: torch.Tensor, marks: Sequence[Boundary] | None) -> tuple[list, object]:
    """CUDA graphs of one pass, and its output: one graph for the whole pass (marks None), or one per stage
    sharing one memory pool (replayed in the order captured, as sharing a pool requires). Tensors crossing a
    boundary stay referenced by the code running the model, so they stay live."""
    pool = torch.cuda.graph_pool_handle()
    graphs: list[torch.cuda.CUDAGraph] = []

    def begin() -> None:
        graphs.append(torch.cuda.CUDAGraph())
        graphs[-1].capture_begin(pool=pool)

    def next_stage(_index: int) -> None:
        graphs[-1].capture_end()
        begin()

    hooks = BoundaryHooks(model, marks, next_stage) if marks else None
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    try:
        with torch.cuda.stream(side):
            for _ in range(3):  # warm-up on a side stream, as the CUDA graphs docs ask
                model(x)
            side.synchronize()
            begin()
            try:
                out = hooks.run(lambda: model(x)) if hooks else model(x)
            finally:
                graphs[-1].capture_end()  # also on failure: a capture left open breaks every later CUDA call
    finally:
        if hooks:
            hooks.close()
        torch.cuda.current_stream().wait_stream(side)
    return graphs, out


def graph_split(model: nn.Module, x: torch.Tensor, marks: Sequence[Boundary], iters: int) -> StageSplit:
    """GPU: stage graphs replayed back to back between events, alternating with the whole-model graph."""
    check_boundaries(model, lambda: model(x), marks)  # refuse a model that cannot be split before capturing
    (whole_graph,), whole_out = capture_graphs(model, x, None)
    stage_graphs, stage_out = capture_graphs(model, x, marks)
    if len(stage_graphs) != len(marks):
        raise RuntimeError(f"captured {len(stage_graphs)} stage graphs for {len(marks)} stages")
    event = lambda: torch.cuda.Event(enable_timing=True)  # noqa: E731
    whole_events, stage_events = [], []
    for i in range(iters):
        for staged in (True, False) if i % 2 else (False, True):
            if staged:
                events = [event() for _ in range(len(stage_graphs) + 1)]
                events[0].record()
                for graph, end in zip(stage_graphs, events[1:]):
                    graph.replay()
                    end.record()
                stage_events.append(events)
            else:
                start, end = event(), event()
                start.record()
                whole_graph.replay()
                end.record()
                whole_events.append((start, end))
    torch.cuda.synchronize()  # events are read once, after the whole loop: reading earlier would stall it
    whole = tuple(a.elapsed_time(b) for a, b in whole_events)
    rows = [[a.elapsed_time(b) for a, b in zip(e, e[1:])] for e in stage_events]
    del whole_graph, whole_out, stage_graphs, stage_out  # the graphs' memory pools go with them
    return StageSplit(StageMethod.GRAPH_REPLAY, tuple(b.stage for b in marks), whole, tuple(zip(*rows)))
