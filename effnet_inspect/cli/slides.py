"""effnet-inspect slides: the lecture deck, as slides.pdf (16:9 pages) and NN-name.svg / NN-name.png per slide."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from effnet_inspect.cli.common import add_variants, out_path, variants_or_all


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "slides",
        help="a lecture deck on the architecture: slides.pdf and one SVG and PNG per slide",
        description="Write a lecture deck that walks through EfficientNet: compound scaling drawn to scale, "
        "the scaling rules, the first variant's stem, blocks, sub-blocks and modules, how the family grows, "
        "parameters, MACs and accuracy, what changes across the family, and the first variant by module. Every "
        "number is computed, every count a claim checked against the sub-block table.",
    )
    add_variants(p)
    p.add_argument(
        "--out",
        type=out_path,
        default=Path("slides"),
        metavar="DIR",
        help="the directory to write into (default: slides/)",
    )
    p.add_argument(
        "--format",
        dest="formats",
        default="pdf,png,svg",
        metavar="LIST",
        help="comma-separated: pdf (one slides.pdf), png (1920x1080 per slide), svg (default: all three)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from effnet_inspect.analysis.measure import analyses
    from effnet_inspect.folders import check_folder
    from effnet_inspect.slides import parse_formats, write_slides

    formats = parse_formats(args.formats)
    found = variants_or_all(args.variants)
    check_folder(args.out)  # a bad --out fails before the analyses (the deck is swapped in whole at the end)
    written = write_slides(analyses(found), args.out, formats)
    print(f"wrote {len(written)} files into {args.out}", file=sys.stderr)
    return 0
