"""effnet-inspect summary VARIANT: the Keras model.summary()-style layer listing."""
from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_no_top, add_resolution, emit, variant_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="Keras-style layer table of one variant",
                       description="List every layer as Keras' model.summary() does.")
    p.add_argument("variant", type=variant_arg, metavar="VARIANT", help="b0-b7 or a custom variant ('phi=2.5')")
    add_no_top(p)
    add_resolution(p)
    p.add_argument("--out", type=Path, metavar="PATH", help="write to a file instead of stdout")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..measure import analyze
    from ..summary import summary

    emit(summary(analyze(args.variant, include_top=not args.no_top, resolution=args.resolution)), args.out)
    return 0
