"""effnet-inspect diagram: Graphviz drawings at layer, module or stage level, several variants side by side, or one
block, sub-block or module; as drawn, or fitted onto a slide, page or poster.

Output: --format dot without --out prints the DOT text. Otherwise one file per figure, named
<variant>-<level>.<format> (<v1>-<v2>-...-side-by-side.<format> for --side-by-side, <variant>-block2a.<format> for a
sub-block) in the current directory, or written to --out (a file name, or an existing directory to put the default
name in). Several variants without --side-by-side give one file per variant, in the directory --out names.
"""

from __future__ import annotations

import argparse

from effnet_inspect.cli.common import (
    OutPath,
    add_model_args,
    add_no_top,
    add_resolution,
    add_variants,
    emit,
    enum_arg,
    format_for,
    variants_or_all,
)
from effnet_inspect.drawing import DiagramFormat, DiagramLevel, PageSize, RankDir, Selection
from effnet_inspect.errors import InputError

FORMAT_BY_SUFFIX = {f".{f.value}": f for f in DiagramFormat} | {".gv": DiagramFormat.DOT}


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of 1 or more, got {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "diagram",
        help="Graphviz diagrams: layer, module or stage level, variants side by side, "
        "or one block, sub-block or module",
        description="Draw one or more variants with Graphviz. Several variants without "
        "--side-by-side give one file per variant (in the --out directory).",
    )
    add_variants(p)
    p.add_argument(
        "--level",
        type=enum_arg(DiagramLevel),
        default=None,
        metavar="LEVEL",
        help="stage | module | layer (default: stage)",
    )
    p.add_argument(
        "--side-by-side",
        action="store_true",
        help="all given variants in one stage-level figure, one column each (default variants: b0-b7)",
    )
    part = p.add_argument_group("one part of a model (instead of --level)")
    part.add_argument("--block", type=positive_int, metavar="N", help="one block (1-7) with its sub-blocks")
    part.add_argument(
        "--sub-block",
        metavar="NAME|KIND",
        help="one sub-block as a chain of modules: a name (block2a) or the article's kind: 1 (first "
        "of block 1), 2 (first of blocks 2-7), 3 (the others)",
    )
    part.add_argument(
        "--module",
        metavar="M1..M5|exp",
        help="one module with its layers and the tensor shapes on the edges (of --sub-block or "
        "--block if given, else the first that has it)",
    )
    p.add_argument(
        "--format",
        type=enum_arg(DiagramFormat),
        metavar="FORMAT",
        help="svg | png | pdf | dot (default: from the --out extension, else svg; dot needs no Graphviz)",
    )
    p.add_argument(
        "--size",
        type=enum_arg(PageSize),
        metavar="SIZE",
        help="fit the figure onto a page: slide (16:9, 1920x1080 px, text at least 20 px) | page "
        "(A4/Letter portrait) | poster (A0 portrait); refused if its text would be too small",
    )
    p.add_argument(
        "--split",
        action="store_true",
        help="with --level module and --size: cut the figure at stage boundaries into as many files as it takes "
        "to keep each legible (<name>-part1, -part2, ...)",
    )
    p.add_argument(
        "--dpi",
        type=positive_int,
        metavar="N",
        help="PNG resolution in pixels per inch (default 96: a slide is 1920x1080)",
    )
    p.add_argument(
        "--out",
        action=OutPath,
        metavar="PATH",
        help="output file, '-' for stdout, or a directory (existing, or written with a trailing '/'); "
        "several variants without --side-by-side give several files, so --out is then a directory",
    )
    p.add_argument(
        "--rankdir",
        type=enum_arg(RankDir),
        default=RankDir.TB,
        metavar="DIR",
        help="the way the network progresses: TB (stages and lines of layers stacked downwards, "
        "default) | LR (left to right)",
    )
    p.add_argument(
        "--expand",
        action="store_true",
        help="module level: draw every sub-block instead of collapsing identical ones into 'x N'",
    )
    add_no_top(p)
    add_resolution(p)
    add_model_args(p)
    p.set_defaults(run=run, out_dir_marked=False)


def _check(args: argparse.Namespace) -> None:
    """Options that do not go together, named before any work is done."""
    selection = Selection(args.block, args.sub_block, args.module)
    if selection and (args.level is not None or args.side_by_side or args.expand):
        raise InputError("--block, --sub-block and --module draw one part; drop --level, --side-by-side and --expand")
    if args.block is not None and args.sub_block is not None:
        raise InputError("give --block or --sub-block, not both (--module works with either)")
    level = args.level or DiagramLevel.STAGE
    if args.side_by_side and level is not DiagramLevel.STAGE:
        raise InputError(f"--side-by-side draws the stage level, not {level.value}; drop --level or use stage")
    if args.expand and level is not DiagramLevel.MODULE:
        raise InputError("--expand applies to --level module only")
    if args.dpi is not None and args.format is not DiagramFormat.PNG:
        raise InputError(f"--dpi applies to png output, not {args.format.value}")
    if args.size is not None and args.format is DiagramFormat.DOT:
        raise InputError("--size applies to svg, png and pdf output, not dot")
    if args.size is not None and args.format is DiagramFormat.PNG:
        from effnet_inspect.drawing.page import check_raster

        check_raster(args.size, args.dpi or 96)  # a poster cairo cannot make is refused before any work
    if args.split and (level is not DiagramLevel.MODULE or args.size is None or args.expand or args.side_by_side):
        raise InputError("--split cuts the module level for a page: give --level module and --size (no --expand)")
    args.level, args.selection = level, selection


def run(args: argparse.Namespace) -> int:
    from effnet_inspect.api.diagram import diagram
    from effnet_inspect.drawing import figure_dots, render_figure
    from effnet_inspect.files import in_folder, is_stdout
    from effnet_inspect.progress import progress

    out, to_stdout = args.out, is_stdout(args.out)
    out_is_dir = out is not None and not to_stdout and (args.out_dir_marked or out.is_dir())
    args.format = format_for(None if out_is_dir else out, args.format, FORMAT_BY_SUFFIX, DiagramFormat.SVG)
    _check(args)
    preset = bool(args.selection) or args.size is not None or args.dpi is not None
    if args.split and out is not None and not to_stdout and not out_is_dir and out.suffix:
        raise InputError(f"--split writes one file per part: --out must be a directory, not {str(out)!r}")
    if args.model is not None:  # one figure ('' too: refused, not read as no --model)
        figures: list[list] = [args.variants]
    else:  # one figure side by side or of a single variant, else one per variant; parsed now, before drawing
        variants = variants_or_all(args.variants)
        figures = [variants] if args.side_by_side or len(variants) == 1 else [[v] for v in variants]
    several = len(figures) > 1
    if several and to_stdout:
        raise InputError(
            f"--out - (stdout) takes one figure, but {len(figures)} variants give {len(figures)}: "
            f"add --side-by-side, or name a directory"
        )
    if several and out is not None and out.suffix and not out_is_dir:
        raise InputError(
            f"{len(figures)} variants give {len(figures)} files: --out must be a directory, not "
            f"{str(out)!r} (or add --side-by-side for one figure)"
        )
    if not several and args.format is DiagramFormat.DOT and out is None:
        to_stdout = True  # DOT text is for piping (`> b0.dot`), like every other text command
    for group in progress(
        figures, desc="diagram", label=lambda f: " ".join(getattr(v, "name", v) for v in f) or args.model
    ):
        drawn = diagram(
            group or None,
            args.level,
            side_by_side=args.side_by_side,
            rankdir=args.rankdir,
            expand=args.expand,
            include_top=not args.no_top,
            resolution=args.resolution,
            model=args.model,
            kwargs=args.kwargs,
            name=args.name,
        )
        source, name = drawn.dot, drawn.file_name(args.format)
        if preset:  # a page size, a part of the model or a resolution: drawn from the same analyses
            from effnet_inspect.api.sources import analyses

            found = analyses(
                group or None,
                include_top=not args.no_top,
                resolution=args.resolution,
                model=args.model,
                kwargs=args.kwargs,
                name=args.name,
            )
            pieces = figure_dots(
                found, args.level, args.side_by_side, args.rankdir, args.expand, args.selection, args.size, args.split
            )
        else:
            pieces = [(source, name.rsplit(".", 1)[0])]
        if to_stdout and len(pieces) > 1:
            raise InputError(f"--out - (stdout) takes one figure, but --split gives {len(pieces)}: name a directory")
        for source, stem in pieces:
            name = f"{stem}.{args.format.value}"
            if to_stdout:
                target = None
            elif out is None:  # a default name is one file name in the current folder, never a path (only --out is)
                target = in_folder(None, name)
            else:  # several files go into the --out directory; so does one, when --out is a directory
                target = in_folder(out, name) if several or out_is_dir or args.split else out
            if args.format is DiagramFormat.DOT:
                data = source.encode("utf-8")
            elif preset:
                data = render_figure(source, args.format, args.size, args.dpi, what=name)
            else:
                data = drawn.render(args.format)
            emit(data.decode("utf-8") if args.format.is_text else data, target)
    return 0
