"""effnet-inspect compare A B: one HTML page, stage by stage growth from one model to another (two variants, or a
variant and another implementation given with --model, whose verdict the page shows)."""

from __future__ import annotations

import argparse
import sys

from effnet_inspect.cli.common import add_model_args, add_no_top, add_resolution, emit, models_from_args, out_path
from effnet_inspect.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="HTML page comparing two variants (or a variant and --model) stage by stage",
        description="Write a self-contained HTML page showing how repeats, channels, resolution, "
        "parameters and MACs grow from one model to another, stage by stage: two "
        "variants, or one variant and another implementation (--model), with its verdict.",
    )
    p.add_argument(
        "variants",
        nargs="*",
        metavar="VARIANT",
        help="b0-b7 or a custom variant ('phi=2.5'): two of them, or one with --model",
    )
    p.add_argument(
        "--out",
        type=out_path,
        metavar="PATH",
        help="an .html file, '-' for stdout, or a folder for compare-A-B.html (default: the current folder)",
    )
    add_no_top(p)
    add_resolution(p)
    add_model_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from effnet_inspect.files import is_stdout
    from effnet_inspect.report import compare_html, write_compare

    given = len(args.variants) + bool(args.model)
    if given != 2:
        raise InputError(
            f"compare needs two models, got {given}: two variants ('compare b0 b3'), or one variant "
            "and --model ('compare b3 --model package.models:efficientnet_b3')"
        )
    found = models_from_args(args, include_top=not args.no_top)
    if is_stdout(args.out):
        emit(compare_html(found)[1], None)
    else:
        print(f"wrote {write_compare(found, args.out)}", file=sys.stderr)
    return 0
