"""Command line: a thin argparse layer over the Python API. Each command is a module of this package.

Exit status: 0 done; 2 bad input of any kind (InputError anywhere below, an argparse error, a stdout that cannot be
written, no memory left), printed as one line on stderr; 130 interrupted (Ctrl-C), also when the interrupt reached
Python somewhere it was swallowed or broke something on its way; 141 stdout's reader went away (quietly); 1 a bug,
also one line (EFFNET_INSPECT_DEBUG=1 shows its traceback). stdout.py is the one writer of stdout, which every
command's output goes through; the console script around main() is effnet_inspect/__main__.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from effnet_inspect import __version__
from effnet_inspect.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_PIPE, InputError, printable

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
    "split": "--split",
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
    """Run one command; returns the exit status (argparse's own errors and --help exit through SystemExit)."""
    from effnet_inspect.cli.stdout import ReaderGone, guarded
    from effnet_inspect.progress import handled, stopping

    with handled(keep_after_interrupt=argv is None):
        try:
            with guarded():  # the one writer of stdout; flushed before leaving, so a full disk is reported here
                return _run(argv)
        except KeyboardInterrupt:
            stopping()
            _say(f"{PROG}: interrupted")
            return EXIT_INTERRUPTED
        except ReaderGone:  # `effnet-inspect summary b7 | head`: the reader has what it wanted
            return EXIT_PIPE
        except InputError as exc:  # stdout failing on the last flush, or while argparse prints --help
            _say(f"{PROG}: error: {exc.render(FLAGS)}")
            return EXIT_INPUT


def _run(argv: Sequence[str] | None) -> int:
    from effnet_inspect.cli.stdout import ReaderGone
    from effnet_inspect.files import anchored
    from effnet_inspect.progress import check, interrupted

    parser, commands = build_parser()
    args, extra = parser.parse_known_args(argv)
    command = commands[args.command]
    if extra:  # name the command, not the top level, in the message
        command.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        with anchored():  # relative paths mean the folder the command started in, whatever a --model does later
            code = args.run(args) or 0
    except (KeyboardInterrupt, ReaderGone):
        raise
    except BaseException as exc:  # noqa: B036 - everything else is one line (SystemExit included: not ours)
        if interrupted():  # what an interrupt broke on its way (a cairo write, a graphviz pipe) is the interrupt
            raise KeyboardInterrupt from None
        _say(f"{command.prog}: {_one_line(exc)}")
        return EXIT_INPUT if isinstance(exc, (InputError, MemoryError)) else 1
    check()
    return code


def _one_line(exc: BaseException) -> str:
    """The message for an exception that ended a command: bad input, no memory left, or a bug (which still gets
    one line; EFFNET_INSPECT_DEBUG=1 raises it with its traceback instead)."""
    import os

    if isinstance(exc, InputError):
        return f"error: {exc.render(FLAGS)}"
    if isinstance(exc, MemoryError):
        return "error: out of memory; try a smaller variant, batch size or resolution"
    if os.environ.get("EFFNET_INSPECT_DEBUG"):
        raise exc
    text = str(exc).strip().splitlines()
    return printable(
        f"internal error: {type(exc).__name__}{': ' + text[0] if text else ''} (a bug in {PROG}; please report "
        "it, with the traceback that EFFNET_INSPECT_DEBUG=1 shows)"
    )


def _say(line: str) -> None:
    """One line on stderr, if stderr can still take it."""
    try:
        print(line, file=sys.stderr or sys.__stderr__, flush=True)
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
