"""How long a CPU benchmark will take, said before it starts: a warning beats a silent ten-minute wait.

On the GPU the per-round time budget bounds every configuration to seconds. On the CPU one forward pass of a large
model can itself take seconds (phi=10: about ten), so the run is estimated from MACs: passes of B0 at batch 1 are
timed on this machine now (under whatever else is running, with the run's threads) and the other configurations
are scaled from them by MACs x batch, plus the ceilings' fixed cost (benchmarks/bench_estimate.py compares the
estimate with the run it announces). A run estimated at more than LIMIT_S, or a model whose fp32 weights alone exceed
the memory available now, is refused with one line before anything is built (a huge custom variant once grew to 7 GB
before failing).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

from effnet_inspect.bench.results import BenchSettings
from effnet_inspect.errors import InputError

WARN_S = 60.0  # longer than this is worth a line before starting
LIMIT_S = 3600.0  # longer than this is refused before starting: hours of a CPU are better spent otherwise
FAST_MACS_PER_S = 200e9  # faster than the CPUs this runs on: a run that is short even at this rate needs no probe
COMPILE_S = 30.0  # torch.compile of one configuration on a CPU, roughly
# measure_ceilings on the CPU (2048^3 matmuls, 256 MiB copies) costs about as much as this many passes of B0 at
# batch 1: 1.5 s against 30 ms on a quiet 2-core Xeon, in CPU time on a busy one too (in wall time there, fewer).
CEILINGS_B0_PASSES = 50
PROBE_PASSES = 3  # timed passes of B0 (their median): one pass on a busy machine is off by 2x either way


def config_seconds(settings: BenchSettings, pass_s: float, compiled: bool, split_tries: int = 1) -> float:
    """One configuration as timing.py measures it: first call, warm-up, timed rounds (cut by the budget, never
    below 3 passes), then the stage split's check pass and its whole and instrumented passes, split_tries times."""
    from effnet_inspect.bench.timing import MIN_ITERS

    iters = settings.iters
    if settings.budget_s:
        iters = max(MIN_ITERS, min(iters, int(settings.budget_s / max(pass_s, 1e-9))))
    passes = 1 + settings.warmup + settings.repeats * iters + (0 if compiled else split_tries * (1 + 2 * iters))
    return passes * pass_s + (COMPILE_S if compiled else 0.0)


def run_seconds(configs: Sequence, settings: BenchSettings, seconds_per_mac: float, split_tries: int = 1) -> float:
    """The configurations' forward passes at seconds_per_mac."""
    from effnet_inspect.bench.models import model_facts

    total = 0.0
    for c in configs:
        macs = model_facts(c.implementation, c.resolution).macs_per_image
        total += config_seconds(settings, macs * c.batch_size * seconds_per_mac, c.compiled, split_tries)
    return total


def probe_seconds_per_mac(clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds per MAC of B0 at batch 1 on this CPU: the median of PROBE_PASSES timed passes after a warm-up
    (clock: wall time; benchmarks/bench_estimate.py also probes in CPU time)."""
    import torch

    from effnet_inspect.arch.specs import VARIANTS
    from effnet_inspect.bench.models import model_facts, ours

    b0 = ours(VARIANTS["b0"])
    model = b0.build(torch.device("cpu"))
    x = torch.randn(1, 3, b0.resolution, b0.resolution)
    times = []
    with torch.inference_mode():
        model(x)
        for _ in range(PROBE_PASSES):
            start = clock()
            model(x)
            times.append(clock() - start)
    return statistics.median(times) / model_facts(b0, b0.resolution).macs_per_image


def estimate_seconds(
    configs: Sequence, settings: BenchSettings, clock: Callable[[], float] = time.perf_counter
) -> float:
    """The run's time on this CPU now, from a probe: the ceilings, then every configuration's passes (on a busy
    machine the stage split usually needs a second try before it adds up)."""
    from effnet_inspect.arch.specs import VARIANTS
    from effnet_inspect.bench.host import busy
    from effnet_inspect.bench.models import model_facts, ours

    per_mac = probe_seconds_per_mac(clock)
    b0 = ours(VARIANTS["b0"])
    ceilings = CEILINGS_B0_PASSES * model_facts(b0, b0.resolution).macs_per_image * per_mac
    return ceilings + run_seconds(configs, settings, per_mac, 2 if busy() else 1)


def check_memory(configs: Sequence) -> None:
    """Refuse a model whose fp32 weights alone need more than the memory available now (Linux: MemAvailable)."""
    from effnet_inspect.analysis.rows import family_row

    available = available_memory()
    if available is None:
        return
    for c in configs:
        params = family_row(c.implementation.analyze(c.resolution)).params
        if params * 4 > available:
            raise InputError(
                f"{c.implementation.name} has {params / 1e6:,.0f} million parameters: its weights alone need "
                f"{params * 4 / 2**30:.1f} GiB and this machine has {available / 2**30:.1f} GiB free; measure a "
                "smaller variant, or on a GPU (--device cuda)"
            )


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation now, where the system says (Linux), else None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def cpu_warning(configs: Sequence, settings: BenchSettings) -> str | None:
    """A one-line warning when the run will take minutes, else None (without timing anything when even a fast
    CPU would finish quickly); an InputError when it would take more than LIMIT_S, or when a model's weights alone
    would not fit in the memory this machine has free (the kernel would kill the run without a word), before
    anything is built."""
    check_memory(configs)
    if run_seconds(configs, settings, 1.0 / FAST_MACS_PER_S) < WARN_S / 10:
        return None
    seconds = estimate_seconds(configs, settings)
    if seconds < WARN_S:
        return None
    minutes = max(1, round(seconds / 60))
    if seconds > LIMIT_S:
        raise InputError(
            f"this run would take about {minutes} minutes on this CPU (estimated from the MACs), more than the "
            f"{LIMIT_S / 60:.0f} a CPU benchmark may take: measure smaller variants or batch sizes, fewer passes "
            "(--warmup, --iters, --repeats), or on a GPU (--device cuda)"
        )
    return (
        f"this run will take about {minutes} minute{'s' if minutes > 1 else ''} on this CPU ({len(configs)} "
        f"configuration{'s' if len(configs) > 1 else ''}, estimated from the MACs); Ctrl-C stops it and keeps "
        f"what was measured"
    )
