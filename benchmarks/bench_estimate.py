"""How right is bench's CPU time estimate (bench/estimate.py)? Issue 22 asks for within 2x.

For each request: the configurations the command line would measure (cli/bench.py plan(), the same parser),
the estimate from a probe of this machine now (bench always probes when a run may take a minute; here it always
does), then the run itself as the command runs it after its warning (the ceilings, then every configuration),
timed. On a shared machine the load can double between the probe and the end of the run, so with one thread the
same is done in CPU time too (a thread-time probe against the process time of the run): that ratio checks the
estimate's model (passes counted, MACs scaled) apart from how busy the machine was. The load average is printed
per request.

Run: .venv/bin/python benchmarks/bench_estimate.py [--quick]   (--quick: the first three requests only)
Exit status 1 when a wall-time ratio is outside 0.5-2.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.ports for --model

from effnet_inspect.bench.device import environment, measure_ceilings, resolve_device  # noqa: E402
from effnet_inspect.bench.estimate import estimate_seconds  # noqa: E402
from effnet_inspect.bench.host import cpu_threads, load_average  # noqa: E402
from effnet_inspect.bench.results import BenchRun  # noqa: E402
from effnet_inspect.bench.run import measure_all  # noqa: E402
from effnet_inspect.bench.timing import Measurer, release_memory  # noqa: E402
from effnet_inspect.cli import build_parser  # noqa: E402
from effnet_inspect.cli.bench import plan  # noqa: E402

PORT = "tests.ports.torchvision_style:efficientnet_b0"
REQUESTS = [
    ["b0", "--threads", "1"],
    ["--model", PORT, "--batch-sizes", "1", "--iters", "3", "--warmup", "1", "--threads", "1"],
    ["b0", "--batch-sizes", "1,4", "--threads", "1"],
    ["b0", "b2", "--threads", "1"],
    ["b4", "--threads", "1"],
    ["b0", "--batch-sizes", "1,8"],  # torch's default threads
]


def check(request: list[str]) -> tuple[float, float, float | None, float | None]:
    """(estimate, actual) seconds of one request's measuring, in wall time and (one thread) in CPU time."""
    args = build_parser()[0].parse_args(["bench", "--device", "cpu", *request])
    with cpu_threads(args.threads) as threads, contextlib.redirect_stderr(io.StringIO()):
        device = resolve_device(args.device)
        configs, settings = plan(args, device)
        estimate = estimate_seconds(configs, settings)
        cpu_estimate = estimate_seconds(configs, settings, time.thread_time) if threads == 1 else None
        start, cpu_start = time.perf_counter(), time.process_time()
        ceilings = measure_ceilings(device, list(dict.fromkeys(c.precision for c in configs)))
        measurer = Measurer(device, settings)
        try:
            measure_all(
                configs,
                measurer,
                BenchRun(environment(device, args.threads), settings, ceilings),
                None,
                release=lambda: release_memory(device),
            )
        finally:
            measurer.close()
        cpu = time.process_time() - cpu_start if threads == 1 else None
        return estimate, time.perf_counter() - start, cpu_estimate, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the first three requests only")
    requests = REQUESTS[:3] if parser.parse_args().quick else REQUESTS
    print(f"$ {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"load average before: {load_average()}")
    columns = ("estimate s", "actual s", "act/est", "cpu est", "cpu act", "act/est", "load")
    print(" ".join(f"{c:>10}" for c in columns) + "  request")
    outside = []
    for request in requests:
        estimate, actual, cpu_estimate, cpu = check(request)
        load = load_average()
        cpu_cells = f"{cpu_estimate:10.1f} {cpu:10.1f} {cpu / cpu_estimate:10.2f}" if cpu and cpu_estimate else ""
        print(
            f"{estimate:10.1f} {actual:10.1f} {actual / estimate:10.2f} {cpu_cells or ' ' * 32} "
            f"{load[0] if load else '':>10}  bench --device cpu {' '.join(request)}"
        )
        if not 0.5 <= actual / estimate <= 2.0:
            outside.append(" ".join(request))
    print("outside 0.5-2x: " + ("; ".join(outside) if outside else "none"))
    return 1 if outside else 0


if __name__ == "__main__":
    sys.exit(main())
