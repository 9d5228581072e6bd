"""Arguments and helpers shared by several commands."""
from __future__ import annotations

import argparse
import enum
import sys
from pathlib import Path
from typing import Callable, Mapping, TypeVar

from effnet_inspect.errors import InputError
from effnet_inspect.arch.specs import OFFICIAL_NAMES, Variant, check_resolution, parse_variant

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

    def __call__(self, parser, namespace, value, option_string=None):
        try:
            setattr(namespace, self.dest, out_path(value))
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        setattr(namespace, f"{self.dest}_dir_marked", value.endswith(("/", "\\")))


def resolution_arg(text: str) -> int:
    try:
        return check_resolution(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"resolution must be a whole number of pixels, got {text!r}") from None
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_variants(parser: argparse.ArgumentParser, default_all: bool = True) -> None:
    # Variants stay text until the command runs, so that argparse reports a mistyped option first.
    parser.add_argument("variants", nargs="*" if default_all else "+", metavar="VARIANT",
                        help="b0-b7 (case-insensitive, 'efficientnet-b3' too) or a custom variant: 'phi=2.5', "
                             "'w=1.3,d=1.5,r=320'" + (" (default: b0-b7)" if default_all else ""))


def variants_or_all(variants: list[str]) -> list[Variant]:
    return [parse_variant(v) for v in variants or OFFICIAL_NAMES]


def add_resolution(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--resolution", type=resolution_arg, metavar="N",
                        help="input size in pixels (default: each variant's own)")


def add_no_top(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-top", action="store_true",
                        help="leave out the classifier (avg_pool, top_dropout, predictions), "
                             "as Keras' include_top=False")


def emit(text: str, out: Path | None) -> None:
    """Print to stdout (also for --out -), or write the file atomically."""
    if out is None or str(out) == "-":
        sys.stdout.write(text)
        return
    from effnet_inspect.files import write_atomic
    write_atomic(out, text)
    print(f"wrote {out}", file=sys.stderr)


def format_for(out: Path | None, given: E | None, by_suffix: Mapping[str, E], default: E) -> E:
    """The output format: --format if given, else the --out file's extension, else the default.

    A --format that contradicts the extension is refused rather than written under a misleading name.
    """
    implied = by_suffix.get(out.suffix.lower()) if out is not None else None
    if given is not None and implied is not None and given is not implied:
        raise InputError(f"--out {str(out)!r} looks like {implied.value} but --format is {given.value}; "
                         f"make them agree")
    return given or implied or default


def add_model_args(parser: argparse.ArgumentParser, required: bool = False) -> None:
    """--model MODULE:CALLABLE and --kwargs JSON: inspect another implementation instead of our builder."""
    parser.add_argument("--model", metavar="MODULE:CALLABLE", required=required,
                        help="inspect another implementation: a factory returning an nn.Module, e.g. "
                             "'package.models:efficientnet_b3' or 'package.models:Factory.from_name' (called on the "
                             "meta device: no weights are allocated or downloaded)")
    parser.add_argument("--kwargs", metavar="JSON", default=None,
                        help="keyword arguments for --model, as a JSON object, e.g. '{\"num_classes\": 10}'")


def models_from_args(args: argparse.Namespace, include_top: bool = True) -> list:
    """Variants and --model side by side (Analysis objects, then the model's Inspection with its verdict)."""
    from effnet_inspect.api.sources import side_by_side

    return side_by_side(args.variants, args.model, args.kwargs, include_top, getattr(args, "resolution", None))


def analyses_from_args(args: argparse.Namespace, include_top: bool = True):
    """The Analysis objects a command works on: the given variants (default b0-b7), or the --model factory."""
    from effnet_inspect.api.sources import analyses

    return analyses(args.variants, getattr(args, "model", None), getattr(args, "kwargs", None), include_top,
                    getattr(args, "resolution", None))
