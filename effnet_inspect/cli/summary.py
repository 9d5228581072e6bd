"""effnet-inspect summary VARIANT: the Keras model.summary()-style layer listing."""

from __future__ import annotations

import argparse

from effnet_inspect.cli.common import add_model_args, add_no_top, add_resolution, check_suffix, emit, out_file


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "summary",
        help="Keras-style layer table of one variant",
        description="List every layer as Keras' model.summary() does.",
    )
    p.add_argument(
        "variant", metavar="VARIANT", nargs="?", help="b0-b7 or a custom variant ('phi=2.5'); or give --model instead"
    )
    add_no_top(p)
    add_resolution(p)
    p.add_argument("--out", type=out_file, metavar="PATH", help="write to a file instead of stdout")
    add_model_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from effnet_inspect.api.summary import summary

    check_suffix(args.out, (".txt",), "text")
    found = summary(
        args.variant,
        include_top=not args.no_top,
        resolution=args.resolution,
        model=args.model,
        kwargs=args.kwargs,
        name=args.name,
    )
    emit(found.text, args.out)
    return 0
