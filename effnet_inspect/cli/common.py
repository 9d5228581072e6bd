"""Arguments and helpers shared by several commands."""

from __future__ import annotations

import argparse
import enum
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from effnet_inspect.arch.specs import OFFICIAL_NAMES, Variant, check_resolution
from effnet_inspect.errors import InputError

E = TypeVar("E", bound=enum.Enum)


def enum_arg(enum_type: type[enum.Enum]) -> Callable[[str], enum.Enum]:
    """An argparse type for an Enum whose error names the valid choices."""

    def convert(text: str) -> enum.Enum:
        try:
            return enum_type(text.lower())
        except ValueError:
            choices = ", ".join(e.value for e in enum_type)
            if all(e.value == e.value.lower() for e in enum_type) and text.upper() == text:
                choices = choices.upper()  # answer in the user's case: --rankdir BT -> TB, LR
            raise argparse.ArgumentTypeError(f"invalid choice {text!r} (choose from {choices})") from None

    convert.__name__ = enum_type.__name__.lower()
    return convert


def out_path(text: str) -> Path:
    """--out: a path; empty is refused (it would silently mean the current directory)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("--out is empty; give a file or directory name")
    return Path(text)


def out_file(text: str) -> Path:
    """--out for commands that write one file: a trailing slash (a directory) is refused."""
    if text.endswith(("/", "\\")):
        raise argparse.ArgumentTypeError(f"--out {text!r} names a directory; give a file name")
    return out_path(text)


class OutPath(argparse.Action):
    """--out that also records whether the user marked it as a directory with a trailing slash."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        value: Any,
        option_string: str | None = None,
    ) -> None:
        try:
            setattr(namespace, self.dest, out_path(value))
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        setattr(namespace, f"{self.dest}_dir_marked", value.endswith(("/", "\\")))


def resolution_arg(text: str) -> int:
    # ASCII digits only, as in custom variants: int() and float() also take '2_24' and other scripts' digits
    if not re.fullmatch(r"[0-9]+(\.0*)?", text.strip(), re.ASCII):
        raise argparse.ArgumentTypeError(f"resolution must be a whole number of pixels, got {text!r}")
    try:
        return check_resolution(float(text))
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_variants(parser: argparse.ArgumentParser, default_all: bool = True) -> None:
    # Variants stay text until the command runs, so that argparse reports a mistyped option first.
    parser.add_argument(
        "variants",
        nargs="*" if default_all else "+",
        metavar="VARIANT",
        help="b0-b7 (case-insensitive, 'efficientnet-b3' too) or a custom variant: 'phi=2.5', "
        "'w=1.3,d=1.5,r=320'" + (" (default: b0-b7)" if default_all else ""),
    )


def variants_or_all(variants: Sequence[str]) -> list[Variant]:
    """The variants as given (default B0-B7); one given twice is refused (see api.sources.source_list)."""
    from effnet_inspect.api.sources import source_list

    return source_list(list(variants or OFFICIAL_NAMES))  # type: ignore[return-value]


def add_resolution(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resolution", type=resolution_arg, metavar="N", help="input size in pixels (default: each variant's own)"
    )


def add_no_top(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-top",
        action="store_true",
        help="leave out the classifier (avg_pool, top_dropout, predictions), as Keras' include_top=False",
    )


def emit(data: str | bytes, out: Path | None) -> None:
    """Print to stdout (no --out, or --out -), or write the file (effnet_inspect.files resolves every path)."""
    from effnet_inspect.files import is_stdout, write_atomic

    if out is None or is_stdout(out):
        if isinstance(data, str):
            sys.stdout.write(data)
            return
        if sys.stdout.isatty():
            raise InputError(
                "is '-' but the output is binary and stdout is a terminal; redirect it or name a file", param="out"
            )
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_atomic(out, data)
    print(f"wrote {out}", file=sys.stderr)


def format_for(out: Path | None, given: E | None, by_suffix: Mapping[str, E], default: E) -> E:
    """The output format: --format if given, else the --out file's extension, else the default.

    A --format that contradicts the extension is refused rather than written under a misleading name, and so is
    an extension that names no format this command writes (unless --format says what to write).
    """
    from effnet_inspect.files import is_stdout

    suffix = out.suffix.lower() if out is not None and not is_stdout(out) else ""
    implied = by_suffix.get(suffix)
    if given is not None and implied is not None and given is not implied:
        raise InputError(
            f"--out {str(out)!r} looks like {implied.value} but --format is {given.value}; make them agree"
        )
    if suffix and implied is None and given is None:
        raise InputError(
            f"--out {str(out)!r}: {suffix} is not a format this command writes; end the name in "
            f"{', '.join(sorted(by_suffix))} (or give --format)"
        )
    return given or implied or default


def check_suffix(out: Path | None, allowed: Sequence[str], what: str) -> None:
    """For commands with one output format: refuse a file name that promises another."""
    from effnet_inspect.files import is_stdout

    if out is not None and not is_stdout(out) and out.suffix and out.suffix.lower() not in allowed:
        raise InputError(f"--out {str(out)!r}: this command writes {what}; end the name in {' or '.join(allowed)}")


def add_model_args(parser: argparse.ArgumentParser, required: bool = False) -> None:
    """--model MODULE:CALLABLE and --kwargs JSON: inspect another implementation instead of our builder."""
    parser.add_argument(
        "--model",
        metavar="MODULE:CALLABLE",
        required=required,
        help="inspect another implementation: a factory returning an nn.Module, e.g. "
        "'package.models:efficientnet_b3' or 'package.models:Factory.from_name' (called on the "
        "meta device: no weights are allocated or downloaded)",
    )
    parser.add_argument(
        "--kwargs",
        metavar="JSON",
        default=None,
        help="keyword arguments for --model, as a JSON object, e.g. '{\"num_classes\": 10}' "
        "(weight-loading ones such as pretrained are refused: only the architecture is read)",
    )
    parser.add_argument(
        "--name",
        metavar="LABEL",
        default=None,
        help="what to call the --model in tables, pages and default file names (default: MODULE:"
        "CALLABLE, or MODULE:MODEL_NAME when --kwargs has a model_name, plus any other "
        "--kwargs)",
    )


def models_from_args(args: argparse.Namespace, include_top: bool = True) -> list:
    """Variants and --model side by side (Analysis objects, then the model's Inspection with its verdict)."""
    from effnet_inspect.api.sources import side_by_side

    return side_by_side(
        args.variants,
        args.model,
        args.kwargs,
        include_top,
        getattr(args, "resolution", None),
        getattr(args, "name", None),
    )
