"""Our B0 against the torchvision-style and timm-style ports (tests/ports) on the CPU, eager fp32 inference (issue 22).

For each thread count and batch size the three models run in rounds, one pass each per round, the order rotating
from round to round, so that other work on a shared machine hits all three alike; each model's time is its best
pass (perf_counter; with one thread also its thread CPU time, which a descheduled process does not accrue). The
ratio is port time / our time: 1.10 means ours is 10 % faster, and the target is >= 0.97 on every row. Random
weights, 224 x 224 random input, nothing downloaded. The load average is printed before and after: on a busy
machine rerun it when it is quiet (same command).

Run: .venv/bin/python benchmarks/bench_ports_cpu.py [--rounds 15] [--threads 1,2] [--batch-sizes 1,4] [--plain]
Exit status 1 when a row's ratio is below the target.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.ports

from effnet_inspect.bench.host import cores, load_average  # noqa: E402
from effnet_inspect.model.build import build  # noqa: E402
from tests.ports import timm_style, torchvision_style  # noqa: E402

TARGET = 0.97
RESOLUTION = 224


def models(plain: bool) -> dict[str, torch.nn.Module]:
    torch.manual_seed(0)
    found = {
        "ours": build("b0"),
        "torchvision-style": torchvision_style.efficientnet_b0().eval(),
        "timm-style": timm_style.efficientnet_b0().eval(),
    }
    if plain:  # our layer-by-layer pass (model.fused = False), to see what the fused pass buys
        found["ours plain"] = build("b0")
        found["ours plain"].fused = False
    return found


def best_times(
    nets: dict[str, torch.nn.Module], x: torch.Tensor, rounds: int, clock: Callable[[], float]
) -> dict[str, tuple[float, float]]:
    """Per model: (best wall ms, best ms on `clock`) over rounds in rotating order, after two warm-up passes."""
    names = list(nets)
    best = {name: (float("inf"), float("inf")) for name in names}
    with torch.inference_mode():
        for name in names:
            nets[name](x)
            nets[name](x)
        for r in range(rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                wall, other = time.perf_counter(), clock()
                nets[name](x)
                other, wall = clock() - other, time.perf_counter() - wall
                best[name] = (min(best[name][0], wall * 1e3), min(best[name][1], other * 1e3))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="rounds per row (default 15)")
    parser.add_argument("--threads", default="1,2", help="thread counts (default 1,2)")
    parser.add_argument("--batch-sizes", default="1,4", help="batch sizes (default 1,4)")
    parser.add_argument("--plain", action="store_true", help="also our plain, layer-by-layer pass")
    args = parser.parse_args()
    nets = models(args.plain)
    ports = [name for name in nets if not name.startswith("ours")]
    print(f"$ {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"torch {torch.__version__}, {cores()} cores, load average before: {load_average()} (1, 5, 15 min)")
    print(f"best of {args.rounds} rotating rounds; ratio = port ms / our ms (target >= {TARGET}); cpu: thread CPU time")
    header = f"{'threads':>7} {'batch':>5} " + " ".join(f"{n + ' ms':>20}" for n in nets)
    header += " " + " ".join(f"{'ours/' + p.split('-')[0]:>18}" for p in ports)
    print(header)
    missed = []
    for threads in (int(t) for t in args.threads.split(",")):
        torch.set_num_threads(threads)
        # One thread: thread CPU time too (no stalls while descheduled); more threads: only wall time means much.
        clock = time.thread_time if threads == 1 else time.perf_counter
        for batch in (int(b) for b in args.batch_sizes.split(",")):
            x = torch.randn(batch, 3, RESOLUTION, RESOLUTION)
            best = best_times(nets, x, args.rounds, clock)
            cells = [f"{best[n][0]:9.2f}" + (f" cpu {best[n][1]:6.2f}" if threads == 1 else " " * 11) for n in nets]
            ratios = []
            for port in ports:
                wall = best[port][0] / best["ours"][0]
                cpu = best[port][1] / best["ours"][1]
                ratios.append(f"{wall:8.3f}" + (f" cpu {cpu:5.3f}" if threads == 1 else " " * 10))
                if wall < TARGET:
                    also = f" (cpu {cpu:.3f})" if threads == 1 else ""
                    missed.append(f"threads {threads} batch {batch} vs {port}: {wall:.3f}{also}")
            print(f"{threads:>7} {batch:>5} " + " ".join(f"{c:>20}" for c in cells) + " " + " ".join(ratios))
    print(f"load average after: {load_average()}; {os.cpu_count()} CPUs")
    print("rows below the target: " + ("; ".join(missed) if missed else "none"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
