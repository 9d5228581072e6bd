"""Issue 18's speed target: `effnet-inspect memory` for B0-B7 in at most a few seconds (shapes on the meta device,
no forward pass), against `effnet-inspect table` for B0-B7 (the same tracing, without the memory analysis).

Each command runs in a fresh process, alternating between the two in every round so that load on a shared machine
falls on both alike; prints the median wall time and CPU time of each, and the in-process cost of the memory
analysis itself (layer records, the training replay, the inference replay) after tracing.

    python benchmarks/bench_memory.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

COMMANDS = {"memory": ["memory", "--fit", "v100-16,a100-80"], "table": ["table"]}
IN_PROCESS = """
import time
from effnet_inspect.analysis.measure import analyze
from effnet_inspect.analysis.memory import layer_memory
from effnet_inspect.analysis.peak import Optimizer, inference_moments, training_moments
from effnet_inspect.arch.specs import OFFICIAL_NAMES
found = [analyze(v) for v in OFFICIAL_NAMES]
t = time.process_time()  # CPU time: a shared machine's load does not count
for a in found:
    rows = layer_memory(a)
    training_moments(rows, Optimizer.ADAM)
    inference_moments(rows)
print(time.process_time() - t)
"""


def run(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    cli = [sys.executable, "-m", "effnet_inspect"]
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(args.rounds):
        for name, argv_ in COMMANDS.items():
            times[name].append(run([*cli, *argv_]))
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    for name, found in times.items():
        wall = statistics.median(t[0] for t in found)
        cpu = statistics.median(t[1] for t in found)
        print(f"effnet-inspect {' '.join(COMMANDS[name])} (B0-B7): median {wall:.2f} s wall, {cpu:.2f} s CPU")
    ratio = statistics.median(m[1] / t[1] for m, t in zip(times["memory"], times["table"]))
    print(f"memory / table, CPU time, median of the rounds: {ratio:.2f}")
    out = subprocess.run([sys.executable, "-c", IN_PROCESS], check=True, capture_output=True, text=True).stdout
    print(f"the memory analysis of B0-B7 after tracing (records and both replays): {float(out):.3f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
