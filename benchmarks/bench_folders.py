"""What writing a report folder whole costs: the same 150 files (20 kB each, in three sub-folders) written the old
way, each file atomically in place (effnet_inspect.files.write_atomic: a temporary file, fsync, rename), and the new
way, into a staging folder swapped in at the end (effnet_inspect.folders.staged + write_new: fsync per file, the
old folder's other files carried over as hard links, one renameat2 exchange). Rounds alternate the order; the first
round of each writes a new folder, the others replace an existing one.

Run: python benchmarks/bench_folders.py [--rounds N] [--dir DIR]   (DIR: where to write, default the temp folder)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from effnet_inspect.files import write_atomic
from effnet_inspect.folders import staged, write_new

FILES = {f"{folder}/page{i}.html": os.urandom(20_000) for folder in ("a", "b", "c") for i in range(50)}


def in_place(out: Path) -> None:
    for relative, data in FILES.items():
        write_atomic(out / relative, data)


def swapped_in(out: Path) -> None:
    with staged(out) as stage:
        for relative, data in FILES.items():
            write_new(stage / relative, data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="effnet-folders-", dir=args.dir))
    ways: dict[str, Callable[[Path], None]] = {"in place": in_place, "swapped in": swapped_in}
    times: dict[str, list[float]] = {name: [] for name in ways}
    try:
        for round_ in range(args.rounds):
            for name in ways if round_ % 2 == 0 else reversed(list(ways)):
                start = time.perf_counter()
                ways[name](root / name.replace(" ", "-"))
                times[name].append(time.perf_counter() - start)
    finally:
        shutil.rmtree(root)
    for name, seconds in times.items():
        print(f"{name:>10}: median {statistics.median(seconds):.2f} s ({', '.join(f'{s:.2f}' for s in seconds)})")
    ratio = statistics.median(times["swapped in"]) / statistics.median(times["in place"])
    print(f"swapped in / in place: {ratio:.2f}")


if __name__ == "__main__":
    main()
