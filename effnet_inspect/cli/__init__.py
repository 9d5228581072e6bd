"""Command line: a thin argparse layer over the Python API. Each command is a module of this package.

Exit status: 0 done; 2 bad input of any kind (InputError anywhere below, or an argparse error), printed as one
line on stderr; 130 interrupted (Ctrl-C), also when the interrupt reached Python somewhere it was swallowed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from effnet_inspect import __version__
from effnet_inspect.errors import InputError, printable

PROG = "effnet-inspect"
# Library errors name the parameter; the command line names its flag.
FLAGS = {
    "out": "--out",
    "model": "--model",
    "kwargs": "--kwargs",
    "device": "--device",
    "precision": "--dtype",
    "cuda_graphs": "--cuda-graphs",
    "level": "--level",
    "fvcore": "--fvcore",
    "include_top": "--no-top",
    "expand": "--expand",
    "format": "--format",
    "rankdir": "--rankdir",
    "size": "--size",
    "dpi": "--dpi",
    "block": "--block",
    "sub_block": "--sub-block",
    "module": "--module",
    "formats": "--format",
    "name": "--name",
    "bench": "--bench",
    "resolution": "--resolution",
    "batch_size": "--batch-size",
    "dtype": "--dtype",
    "mode": "--mode",
    "optimizer": "--optimizer",
    "checkpoint": "--checkpoint",
    "fit": "--fit",
}


class Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 like every other bad input, and options are never
    guessed from a prefix (a typo should be an error, not another option)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {printable(message)} (see '{self.prog} --help')\n")


from effnet_inspect.cli import bench, compare, diagram, inspect, memory, report, slides, summary, table  # noqa: E402

# The order of `effnet-inspect --help`. Each module has register(subparsers) and keeps heavy imports inside run().
COMMANDS = (summary, table, diagram, slides, report, compare, bench, memory, inspect)


def build_parser() -> tuple[Parser, dict[str, Parser]]:
    """The top-level parser and each command's own (to report errors in the command's name)."""
    parser = Parser(
        prog=PROG,
        description="Take the EfficientNet family apart: layers, modules, parameters, "
        "MACs, diagrams, reports and benchmarks.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=Parser)
    for command in COMMANDS:
        command.register(sub)
    return parser, dict(sub.choices)


def main(argv: Sequence[str] | None = None) -> int:
    from effnet_inspect.progress import handled, stopping

    with handled(keep_after_interrupt=argv is None):
        try:
            return _run(argv)
        except KeyboardInterrupt:
            stopping()
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130


def _run(argv: Sequence[str] | None) -> int:
    from effnet_inspect.progress import check

    parser, commands = build_parser()
    args, extra = parser.parse_known_args(argv)
    command = commands[args.command]
    if extra:  # name the command, not the top level, in the message
        command.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        code = args.run(args) or 0
    except InputError as exc:
        check()  # an interrupt that was swallowed on its way wins over what it caused
        print(f"{command.prog}: error: {exc.render(FLAGS)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `effnet-inspect summary b7 | head`
        sys.stderr.close()
        return 0
    check()
    return code


if __name__ == "__main__":
    sys.exit(main())
