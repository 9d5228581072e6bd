"""Measuring one configuration at one batch size: whole-model passes, then the per-stage split.

Per configuration (implementation, resolution, batch, precision, channels-last, compiled, CUDA graphs):
- the model built once per implementation on the device, eval(), under torch.inference_mode(); fp16/bf16
  through autocast; fp32 with TF32 off, tf32 with it on (CUDA); channels-last moves weights and input;
- one first call (timed apart: it includes torch.compile or graph capture), then warm-up passes;
- `repeats` rounds of timed passes, each pass timed alone: CUDA events on the GPU (read after one synchronize at
  the end of a round, so the timer never stalls the queue), perf_counter on the CPU, where work is synchronous;
- the per-stage split (stages.py), measured again (up to SPLIT_TRIES times, the rounds pooled) while its sum is
  off the whole by more than SPLIT_TARGET (more rounds to choose the quietest from; a sum still off by more than
  the results' STAGE_SUM_TOLERANCE is noted beside it); compiled models get none, as torch.compile fuses work across the
  stage boundaries.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from effnet_inspect.bench.device import autocast, precision_flags
from effnet_inspect.bench.models import Implementation, model_facts
from effnet_inspect.bench.results import BenchSettings, Precision
from effnet_inspect.bench.stages import StageSplit, StageSplitError, graph_split, wall_clock_split

MIN_ITERS = 3  # a time budget never cuts a round below this many passes
SPLIT_TRIES = 3  # the stage split is measured again while it does not add up (timing noise), this many times
SPLIT_TARGET = 0.02  # ... while its sum is off the whole by more than this


@dataclass(frozen=True)
class BenchConfig:
    implementation: Implementation
    resolution: int
    batch_size: int
    precision: Precision
    channels_last: bool = False
    compiled: bool = False
    cuda_graphs: bool = False


@dataclass(frozen=True)
class Measurement:
    """What one measuring attempt at one batch size gives."""

    batch_size: int
    first_call_s: float
    latencies_ms: tuple[tuple[float, ...], ...]  # per repeat, per pass
    peak_memory_bytes: int | None
    split: StageSplit | None = None
    split_tries: int = 0
    split_note: str | None = None  # why there is no split


Measure = Callable[[BenchConfig, int], Measurement]


class Clock:
    """Timestamps on the device's own timeline: CUDA events on the GPU, perf_counter on the CPU."""

    def __init__(self, device: torch.device):
        self.cuda = device.type == "cuda"

    def sync(self) -> None:
        if self.cuda:
            torch.cuda.synchronize()

    def stamp(self) -> Any:  # a recorded torch.cuda.Event, or perf_counter seconds
        if self.cuda:
            event = torch.cuda.Event(enable_timing=True)
            event.record()
            return event
        return time.perf_counter()

    def elapsed_ms(self, start: Any, end: Any) -> float:
        """Only after sync(): reading CUDA events earlier would block mid-round."""
        return start.elapsed_time(end) if self.cuda else (end - start) * 1000.0


def release_memory(device: torch.device) -> None:
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def capture_graph(model: nn.Module, x: torch.Tensor) -> Callable[[], object]:
    """Capture one forward pass in a CUDA graph; replaying it skips all per-kernel launch overhead."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm-up on a side stream, as the CUDA graphs docs ask
        for _ in range(3):
            model(x)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        model(x)  # the input and output stay at their capture addresses; x is reused as is
    return graph.replay


class Measurer:
    """The real Measure: builds each implementation once and measures one configuration at one batch size."""

    def __init__(self, device: torch.device, settings: BenchSettings, compile_backend: str = "inductor"):
        self.device = device
        self.settings = settings
        self.clock = Clock(device)
        self.compile_backend = compile_backend
        self._model: tuple[Implementation, nn.Module] | None = None
        # Let cuDNN pick the fastest algorithm per shape (during the warm-up); close() restores the caller's choice.
        self._cudnn_benchmark = torch.backends.cudnn.benchmark
        if device.type == "cuda":
            torch.backends.cudnn.benchmark = settings.cudnn_benchmark

    def model(self, implementation: Implementation) -> nn.Module:
        if self._model is None or self._model[0] != implementation:
            self._model = None
            release_memory(self.device)
            self._model = (implementation, implementation.build(self.device))
        return self._model[1]

    def close(self) -> None:
        self._model = None
        torch.backends.cudnn.benchmark = self._cudnn_benchmark
        release_memory(self.device)

    def __call__(self, config: BenchConfig, batch_size: int) -> Measurement:
        model = self.model(config.implementation)
        layout = torch.channels_last if config.channels_last else torch.contiguous_format
        model.to(memory_format=layout)  # type: ignore[call-overload]  # torch's stubs omit memory_format
        cuda = self.device.type == "cuda"
        # One autocast context for everything: CUDA graphs are captured after an eager warm-up inside it, so they
        # read the weights autocast cast and cached then (no cast kernels in the graph, as in the eager passes),
        # and they are dropped before it exits and empties its cache.
        with (
            precision_flags(config.precision, self.device),
            torch.inference_mode(),
            autocast(config.precision, self.device),
        ):
            x = torch.randn(batch_size, 3, config.resolution, config.resolution, device=self.device)
            x = x.contiguous(memory_format=layout)
            if cuda:
                torch.cuda.reset_peak_memory_stats(self.device)
            start = time.perf_counter()
            forward = self.forward(model, x, config)  # the first call happens here (compile, capture)
            forward()
            self.clock.sync()
            first_call_s = time.perf_counter() - start
            iters = self.iterations(forward, first_call_s)
            rounds = tuple(self.time_passes(forward, iters) for _ in range(self.settings.repeats))
            peak = torch.cuda.max_memory_allocated(self.device) if cuda else None
            del forward  # a captured graph's memory pool goes before the split captures its own
            if config.compiled:
                return Measurement(
                    batch_size,
                    first_call_s,
                    rounds,
                    peak,
                    split_note="not split: torch.compile fuses work across the stage boundaries",
                )
            split, tries, note = self.split(model, x, config, iters)
        return Measurement(batch_size, first_call_s, rounds, peak, split, tries, note)

    def split(
        self, model: nn.Module, x: torch.Tensor, config: BenchConfig, iters: int
    ) -> tuple[StageSplit | None, int, str | None]:
        facts = model_facts(config.implementation, config.resolution)
        if facts.boundaries is None:
            return None, 0, f"not split: {facts.unsplittable}"
        measure = graph_split if self.device.type == "cuda" else wall_clock_split
        split = None
        for tries in range(1, SPLIT_TRIES + 1):
            try:
                more = measure(model, x, facts.boundaries, iters)
            except StageSplitError as exc:
                return None, tries, f"not split: {exc}"
            split = more if split is None else split.extended(more)  # more rounds to choose the quietest from
            if abs(split.ratio - 1.0) <= SPLIT_TARGET:
                break
        return split, tries, None

    def forward(self, model: nn.Module, x: torch.Tensor, config: BenchConfig) -> Callable[[], object]:
        """A no-argument callable running one forward pass as the configuration asks."""
        if config.compiled:
            torch._dynamo.reset()  # fresh caches: one static-shape graph per configuration, no recompile limits
            mode = "reduce-overhead" if config.cuda_graphs else None  # inductor's own CUDA graphs
            compiled = torch.compile(model, backend=self.compile_backend, mode=mode, dynamic=False)
            return lambda: compiled(x)
        if config.cuda_graphs:
            return capture_graph(model, x)
        return lambda: model(x)

    def iterations(self, forward: Callable[[], object], first_call_s: float) -> int:
        """Warm up; with a time budget, fewer passes per round for slow models (never fewer than MIN_ITERS).

        Without warm-up passes the first call is the only timing there is (an overestimate: it may include
        compilation), so the budget holds then too.
        """
        start = time.perf_counter()
        for _ in range(self.settings.warmup):
            forward()
        self.clock.sync()
        if not self.settings.budget_s:
            return self.settings.iters
        per_pass = (time.perf_counter() - start) / self.settings.warmup if self.settings.warmup else first_call_s
        return max(MIN_ITERS, min(self.settings.iters, int(self.settings.budget_s / max(per_pass, 1e-9))))

    def time_passes(self, forward: Callable[[], object], iters: int) -> tuple[float, ...]:
        stamps = []
        for _ in range(iters):
            begin = self.clock.stamp()
            forward()
            stamps.append((begin, self.clock.stamp()))
        self.clock.sync()
        return tuple(self.clock.elapsed_ms(a, b) for a, b in stamps)
