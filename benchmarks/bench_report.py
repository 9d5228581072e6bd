"""Time the full B0-B7 report from a cold start: `python -m effnet_inspect report --out TMP` in a fresh process
(imports, building and tracing eight models, charts, Graphviz drawings, every page).

Target: under 45 s on the 2-core development machine. Run: python benchmarks/bench_report.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 45.0


def one_run() -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory(prefix="effnet-report-") as tmp:
        out = Path(tmp) / "reports"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "effnet_inspect", "report", "--out", str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        elapsed = time.perf_counter() - start
        files = [p for p in out.rglob("*") if p.is_file()]
        return elapsed, len(files), sum(p.stat().st_size for p in files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="cold starts to time (default 3)")
    args = parser.parse_args()
    times = []
    for i in range(args.runs):
        elapsed, count, size = one_run()
        times.append(elapsed)
        print(f"run {i + 1}: {elapsed:.1f} s ({count} files, {size / 2**20:.1f} MiB)")
    best, median = min(times), statistics.median(times)
    verdict = "OK" if median < TARGET_S else "TOO SLOW"
    print(
        f"full B0-B7 report, cold start: median {median:.1f} s, best {best:.1f} s "
        f"(target < {TARGET_S:.0f} s): {verdict}"
    )
    return 0 if median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
