"""effnet-inspect diagram: Graphviz drawings at layer, module or stage level, or several variants side by side.

Output: --format dot without --out prints the DOT text. Otherwise one file per figure, named
<variant>-<level>.<format> (<v1>-<v2>-...-side-by-side.<format> for --side-by-side) in the current directory, or
written to --out (a file name, or an existing directory to put the default name in). Several variants without
--side-by-side give one file per variant, in the directory --out names (default: the current one).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from effnet_inspect.drawing import DiagramFormat, DiagramLevel, RankDir
from effnet_inspect.errors import InputError
from effnet_inspect.cli.common import (add_model_args, add_no_top, add_resolution, add_variants, emit, enum_arg,
                     format_for, OutPath, variants_or_all)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diagram", help="Graphviz diagrams: layer, module or stage level, or variants side by side",
                       description="Draw one or more variants with Graphviz. Several variants without "
                                   "--side-by-side give one file per variant (in the --out directory).")
    add_variants(p)
    p.add_argument("--level", type=enum_arg(DiagramLevel), default=DiagramLevel.STAGE, metavar="LEVEL",
                   help="stage | module | layer (default: stage)")
    p.add_argument("--side-by-side", action="store_true",
                   help="all given variants in one stage-level figure, one column each (default variants: b0-b7)")
    p.add_argument("--format", type=enum_arg(DiagramFormat), metavar="FORMAT",
                   help="svg | png | pdf | dot (default: from the --out extension, else svg; dot needs no Graphviz)")
    p.add_argument("--out", action=OutPath, metavar="PATH",
                   help="output file, or a directory (existing, or written with a trailing '/'); several variants "
                        "without --side-by-side give several files, so --out is then a directory")
    p.add_argument("--rankdir", type=enum_arg(RankDir), default=RankDir.TB, metavar="DIR",
                   help="the way the network progresses: TB (stages and lines of layers stacked downwards, "
                        "default) | LR (left to right)")
    p.add_argument("--expand", action="store_true",
                   help="module level: draw every sub-block instead of collapsing identical ones into 'x N'")
    add_no_top(p)
    add_resolution(p)
    add_model_args(p)
    p.set_defaults(run=run, out_dir_marked=False)


def run(args: argparse.Namespace) -> int:
    from effnet_inspect.api.diagram import FORMAT_BY_SUFFIX, diagram
    from effnet_inspect.files import write_atomic
    from effnet_inspect.progress import progress

    args.format = format_for(args.out, args.format, FORMAT_BY_SUFFIX, DiagramFormat.SVG)
    if args.model:  # one figure (diagram() refuses variants given as well)
        figures: list[list] = [args.variants]
    else:  # one figure side by side or of a single variant, else one per variant; parsed now, before drawing
        variants = variants_or_all(args.variants)
        figures = [variants] if args.side_by_side or len(variants) == 1 else [[v] for v in variants]
    several = len(figures) > 1
    out_is_dir = args.out is not None and (args.out.is_dir() or args.out_dir_marked)
    if several and args.out is not None and args.out.suffix and not out_is_dir:
        raise InputError(f"{len(figures)} variants give {len(figures)} files: --out must be a directory, not "
                         f"{str(args.out)!r} (or add --side-by-side for one figure)")
    for group in progress(figures, desc="diagram",
                          label=lambda f: " ".join(getattr(v, "name", v) for v in f) or args.model):
        drawn = diagram(group or None, args.level, side_by_side=args.side_by_side, rankdir=args.rankdir,
                        expand=args.expand, include_top=not args.no_top, resolution=args.resolution,
                        model=args.model, kwargs=args.kwargs)
        if not several and args.format is DiagramFormat.DOT and args.out is None:
            emit(drawn.dot, None)
            return 0
        if args.out is None:
            target = Path(drawn.file_name(args.format))
        else:  # several files go into the --out directory; so does one, when --out is an existing directory
            target = args.out / drawn.file_name(args.format) if several or out_is_dir else args.out
        data = drawn.render(args.format)
        write_atomic(target, data.decode("utf-8") if args.format.is_text else data)
        print(f"wrote {target}", file=sys.stderr)
    return 0
