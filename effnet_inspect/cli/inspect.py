"""effnet-inspect inspect --model MODULE:CALLABLE: is this implementation EfficientNet-Bx, and where does it differ?"""

from __future__ import annotations

import argparse
import enum

from effnet_inspect.cli.common import add_model_args, add_resolution, emit, enum_arg, format_for, out_file


class InspectFormat(enum.Enum):
    TEXT = "text"
    JSON = "json"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "inspect",
        help="check another EfficientNet implementation against B0-B7",
        description="Load a model from a factory (on the meta device: no weights), trace it, group "
        "it into stem / blocks / sub-blocks / modules by structure, and compare it with "
        "B0-B7: matched variant, differences, parameters, per-stage MACs, and its "
        "layers in Keras' terms.",
    )
    add_model_args(p, required=True)
    add_resolution(p)
    p.add_argument(
        "--format",
        type=enum_arg(InspectFormat),
        metavar="FORMAT",
        help="text | json (default: from the --out extension, else text)",
    )
    p.add_argument("--out", type=out_file, metavar="PATH", help="write to a file instead of stdout")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from effnet_inspect.api.inspect import inspect

    fmt = format_for(
        args.out, args.format, {".txt": InspectFormat.TEXT, ".json": InspectFormat.JSON}, InspectFormat.TEXT
    )
    verdict = inspect(args.model, kwargs=args.kwargs, resolution=args.resolution, name=args.name)
    emit(verdict.text if fmt is InspectFormat.TEXT else verdict.to_json(), args.out)
    return 0
