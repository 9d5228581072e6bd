"""Time `effnet-inspect slides` for B0-B7 (the whole deck: slides.pdf, 25 SVGs and 25 PNGs) in one cold process.

Target: under 60 s on the 2-core machine, analyses included.
Usage: python benchmarks/bench_slides.py [--variants b0,...,b7] [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time

START = time.perf_counter()

from effnet_inspect.analysis.measure import analyses  # noqa: E402
from effnet_inspect.arch.specs import OFFICIAL_NAMES  # noqa: E402
from effnet_inspect.slides import write_slides  # noqa: E402

TARGET_S = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(OFFICIAL_NAMES))
    parser.add_argument("--out", default=None, help="keep the deck here (default: a temporary directory)")
    args = parser.parse_args()
    imported = time.perf_counter() - START
    t0 = time.perf_counter()
    found = analyses(args.variants.split(","))
    analysed = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        written = write_slides(found, args.out or tmp, show_progress=False)
        drawn = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in written)
    total = time.perf_counter() - START
    print(
        f"imports {imported:.2f} s, analyses {analysed:.2f} s, deck {drawn:.2f} s "
        f"({len(written)} files, {size // 1024} KiB)"
    )
    verdict = "OK" if total < TARGET_S else "OVER TARGET"
    print(f"total (cold process): {total:.2f} s  (target < {TARGET_S:.0f} s: {verdict})")
    return 0 if total < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
