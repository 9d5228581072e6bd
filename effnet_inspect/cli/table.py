"""effnet-inspect table: family, stage or sub-block metrics in text, Markdown, CSV, JSON or LaTeX."""

from __future__ import annotations

import argparse

from effnet_inspect.cli.common import (
    add_model_args,
    add_no_top,
    add_resolution,
    add_variants,
    emit,
    enum_arg,
    format_for,
    out_file,
)
from effnet_inspect.render.tables import Format, Level


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "table",
        help="parameters, MACs, channels and resolutions per variant / stage / sub-block",
        description="Tabulate the measured metrics of one or more variants.",
    )
    add_variants(p)
    p.add_argument(
        "--level",
        type=enum_arg(Level),
        default=Level.FAMILY,
        metavar="LEVEL",
        help="family | stage | subblock (default: family)",
    )
    p.add_argument(
        "--format",
        type=enum_arg(Format),
        metavar="FORMAT",
        help="text | md | csv | json | latex (default: from the --out extension, else text)",
    )
    add_no_top(p)
    add_resolution(p)
    p.add_argument(
        "--fvcore",
        action="store_true",
        help="also count FLOPs with fvcore (the optional extra effnet-inspect[fvcore]; runs a real "
        "forward pass on the CPU: slow for B5-B7)",
    )
    p.add_argument("--out", type=out_file, metavar="PATH", help="write to a file instead of stdout")
    add_model_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from effnet_inspect.api.table import FORMAT_BY_SUFFIX, table

    fmt = format_for(args.out, args.format, FORMAT_BY_SUFFIX, Format.TEXT)  # before any work
    found = table(
        args.variants,
        args.level,
        include_top=not args.no_top,
        resolution=args.resolution,
        fvcore=args.fvcore,
        model=args.model,
        kwargs=args.kwargs,
        name=args.name,
    )
    emit(found.render(fmt), args.out)
    return 0
