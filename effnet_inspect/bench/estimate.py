"""How long a CPU benchmark will take, said before it starts: a warning beats a silent ten-minute wait.

On the GPU the per-round time budget bounds every configuration to seconds. On the CPU one forward pass of a large
model can itself take seconds (phi=10: about ten), so the run is estimated from MACs: one pass of B0 at batch 1 is
timed on this machine now (under whatever else is running) and the other configurations are scaled from it by
MACs x batch. Larger tensors run more efficiently than B0's, so this errs on the long side.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from effnet_inspect.bench.results import BenchSettings

WARN_S = 60.0  # longer than this is worth a line before starting
FAST_MACS_PER_S = 200e9  # faster than the CPUs this runs on: a run that is short even at this rate needs no probe
COMPILE_S = 30.0  # torch.compile of one configuration on a CPU, roughly


def config_seconds(settings: BenchSettings, pass_s: float, compiled: bool) -> float:
    """One configuration as timing.py measures it: first call, warm-up, timed rounds (cut by the budget, never
    below 3 passes), then the stage split's plain and instrumented passes (once, if it adds up)."""
    from effnet_inspect.bench.timing import MIN_ITERS

    iters = settings.iters
    if settings.budget_s:
        iters = max(MIN_ITERS, min(iters, int(settings.budget_s / max(pass_s, 1e-9))))
    passes = 1 + settings.warmup + settings.repeats * iters + (0 if compiled else 2 * iters)
    return passes * pass_s + (COMPILE_S if compiled else 0.0)


def run_seconds(configs: Sequence, settings: BenchSettings, seconds_per_mac: float) -> float:
    from effnet_inspect.bench.models import model_facts

    total = 0.0
    for c in configs:
        macs = model_facts(c.implementation, c.resolution).macs_per_image
        total += config_seconds(settings, macs * c.batch_size * seconds_per_mac, c.compiled)
    return total


def probe_seconds_per_mac() -> float:
    """Seconds per MAC of B0 at batch 1 on this CPU, from one timed pass after one warm-up pass."""
    import torch

    from effnet_inspect.arch.specs import VARIANTS
    from effnet_inspect.bench.models import model_facts, ours

    b0 = ours(VARIANTS["b0"])
    model = b0.build(torch.device("cpu"))
    x = torch.randn(1, 3, b0.resolution, b0.resolution)
    with torch.inference_mode():
        model(x)
        start = time.perf_counter()
        model(x)
        elapsed = time.perf_counter() - start
    return elapsed / model_facts(b0, b0.resolution).macs_per_image


def cpu_warning(configs: Sequence, settings: BenchSettings) -> str | None:
    """A one-line warning when the run will take minutes, else None (without timing anything when even a fast
    CPU would finish quickly)."""
    if run_seconds(configs, settings, 1.0 / FAST_MACS_PER_S) < WARN_S / 10:
        return None
    seconds = run_seconds(configs, settings, probe_seconds_per_mac())
    if seconds < WARN_S:
        return None
    minutes = max(1, round(seconds / 60))
    return (
        f"this run will take about {minutes} minute{'s' if minutes > 1 else ''} on this CPU ({len(configs)} "
        f"configuration{'s' if len(configs) > 1 else ''}, estimated from the MACs); Ctrl-C stops it and keeps "
        f"what was measured"
    )
