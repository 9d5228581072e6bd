"""effnet-inspect report: the HTML report (index, one page per variant, compare pages, tables, charts)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from effnet_inspect.cli.common import (
    add_model_args,
    add_no_top,
    add_resolution,
    add_variants,
    models_from_args,
    out_path,
)

DEFAULT_OUT = Path("reports")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="HTML report comparing the variants, with tables, charts and diagrams",
        description="Write a static HTML report (open index.html in any browser, offline): the "
        "family table beside the paper's, charts, diagrams, one page per variant, "
        "compare pages, and every table as CSV, JSON, Markdown and LaTeX.",
    )
    add_variants(p)
    p.add_argument(
        "--out",
        type=out_path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"folder to write into (default: {DEFAULT_OUT}/); only the report's own files are overwritten",
    )
    bench = p.add_mutually_exclusive_group()
    bench.add_argument(
        "--bench",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="results of 'effnet-inspect bench' (JSON) for the benchmark page, one section each "
        "(default: DIR/bench/*.json when there are any)",
    )
    bench.add_argument("--no-bench", action="store_true", help="no benchmark page, even with DIR/bench/*.json")
    add_no_top(p)
    add_resolution(p)
    add_model_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from effnet_inspect.bench.schema import load_results
    from effnet_inspect.report import write_report

    files = [] if args.no_bench else args.bench or sorted((args.out / "bench").glob("*.json"))
    bench = [load_results(f) for f in files]  # read them first: a bad file should fail before minutes of work
    found = models_from_args(args, include_top=not args.no_top)  # variants and --model side by side
    report = write_report(found, args.out, bench=bench)
    print(f"wrote {len(report.files)} files; open {args.out / 'index.html'}", file=sys.stderr)
    return 0
