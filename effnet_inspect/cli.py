"""Command line: a thin argparse layer over the Python API. Every command lives in effnet_inspect/commands/.

Bad input raises InputError anywhere below; it is printed as one line on stderr with exit status 2.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .commands import COMMANDS
from .errors import InputError

PROG = "effnet-inspect"


class Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> Parser:
    parser = Parser(prog=PROG, description="Take the EfficientNet family apart: layers, modules, parameters, "
                                           "MACs, diagrams, reports and benchmarks.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=Parser)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except InputError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `effnet-inspect summary b7 | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
