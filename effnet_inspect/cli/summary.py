"""effnet-inspect summary VARIANT: the Keras model.summary()-style layer listing."""
from __future__ import annotations

import argparse

from effnet_inspect.errors import InputError
from effnet_inspect.cli.common import add_model_args, add_no_top, add_resolution, analyses_from_args, emit, out_file


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="Keras-style layer table of one variant",
                       description="List every layer as Keras' model.summary() does.")
    p.add_argument("variant", metavar="VARIANT", nargs="?",
                   help="b0-b7 or a custom variant ('phi=2.5'); or give --model instead")
    add_no_top(p)
    add_resolution(p)
    p.add_argument("--out", type=out_file, metavar="PATH", help="write to a file instead of stdout")
    add_model_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from effnet_inspect.render.summary import summary

    if not args.model and args.variant is None:
        raise InputError("give a variant (b0-b7 or a custom one such as 'phi=2.5') or --model MODULE:CALLABLE")
    args.variants = [args.variant] if args.variant else []
    (analysis,) = analyses_from_args(args, include_top=not args.no_top)
    emit(summary(analysis), args.out)
    return 0
