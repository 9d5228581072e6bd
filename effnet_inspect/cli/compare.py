"""effnet-inspect compare A B: one HTML page, stage by stage growth from one variant to another."""
from __future__ import annotations

import argparse
import sys

from effnet_inspect.cli.common import add_no_top, add_resolution, emit, out_path, variants_or_all


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="HTML page comparing two variants stage by stage",
                       description="Write a self-contained HTML page showing how repeats, channels, resolution, "
                                   "parameters and MACs grow from one variant to another, stage by stage.")
    p.add_argument("first", metavar="VARIANT", help="b0-b7 or a custom variant ('phi=2.5')")
    p.add_argument("second", metavar="VARIANT", help="the variant to compare it with")
    p.add_argument("--out", type=out_path, metavar="PATH",
                   help="an .html file, '-' for stdout, or a folder for compare-A-B.html (default: the current "
                        "folder)")
    add_no_top(p)
    add_resolution(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from effnet_inspect.analysis.measure import analyses
    from effnet_inspect.files import is_stdout
    from effnet_inspect.report import compare_html, write_compare

    found = analyses(variants_or_all([args.first, args.second]), include_top=not args.no_top,
                     resolution=args.resolution)
    if is_stdout(args.out):
        emit(compare_html(found)[1], None)
    else:
        print(f"wrote {write_compare(found, args.out)}", file=sys.stderr)
    return 0
