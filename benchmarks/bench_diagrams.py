"""Time every diagram level for B0-B7 plus the side-by-side figure, to SVG, in one cold process.

Target: under 20 s in all on the 2-core machine, analyses included.
Usage: python benchmarks/bench_diagrams.py [--levels stage,module,layer] [--variants b0,...,b7]
"""

from __future__ import annotations

import argparse
import time

START = time.perf_counter()

from effnet_inspect.analysis.measure import analyze  # noqa: E402
from effnet_inspect.arch.specs import OFFICIAL_NAMES  # noqa: E402
from effnet_inspect.drawing import DiagramLevel, diagram_dot, render_svg  # noqa: E402

TARGET_S = 20.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(OFFICIAL_NAMES))
    parser.add_argument("--levels", default=",".join(level.value for level in DiagramLevel))
    args = parser.parse_args()
    names = args.variants.split(",")
    levels = [DiagramLevel(level) for level in args.levels.split(",")]
    imported = time.perf_counter() - START

    analyses = {}
    rows = []
    for name in names:
        t0 = time.perf_counter()
        analyses[name] = analyze(name)
        cells = [time.perf_counter() - t0]
        for level in levels:
            t0 = time.perf_counter()
            dot = diagram_dot(analyses[name], level)
            t1 = time.perf_counter()
            svg = render_svg(dot)
            t2 = time.perf_counter()
            cells.append((t1 - t0, t2 - t1, len(svg)))
        rows.append((name, cells))
    t0 = time.perf_counter()
    dot = diagram_dot(list(analyses.values()), DiagramLevel.STAGE, side_by_side=True)
    t1 = time.perf_counter()
    svg = render_svg(dot)
    t2 = time.perf_counter()
    total = time.perf_counter() - START

    print(f"imports {imported:.2f} s")
    header = f"{'variant':<8}{'analyse':>9}" + "".join(f"{level.value + ' dot/svg (s)':>24}" for level in levels)
    print(header)
    for name, (analyse, *cells) in rows:
        print(f"{name:<8}{analyse:>9.2f}" + "".join(f"{d:>10.3f} /{s:>6.2f} {n // 1024:>4}K" for d, s, n in cells))
    print(f"side-by-side {'+'.join(names)}: dot {t1 - t0:.3f} s, svg {t2 - t1:.2f} s, {len(svg) // 1024} KiB")
    verdict = "OK" if total < TARGET_S else "OVER TARGET"
    print(f"total (cold process, analyses included): {total:.2f} s  (target < {TARGET_S:.0f} s: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
