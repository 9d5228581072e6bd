"""The API's arguments, checked by the command line's rules before any work: a wrong type or value is an InputError
naming the parameter ("resolution must be a whole number of pixels, got 'abc'"), never a TypeError or an
AttributeError from deep inside.

Each call is decorated with @checked: every argument whose parameter name has a rule in RULES is checked (and
normalised, as the command line's argparse types do) when the call is made. A new call inherits the rules by naming
its parameters as the others do.
"""

from __future__ import annotations

import functools
import inspect
import os
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ParamSpec, TypeVar

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.arch.specs import ModelSpec, Variant, resolution_from
from effnet_inspect.errors import InputError
from effnet_inspect.ports.factory import check_label

P = ParamSpec("P")
R = TypeVar("R")
SOURCE_TYPES = (str, Variant, ModelSpec, Analysis)
VARIANT_HELP = "a variant ('b0'-'b7', 'phi=2.5', 'w=1.3,d=1.5,r=320'), a Variant or an Analysis"


def checked(call: Callable[P, R]) -> Callable[P, R]:
    """Check the call's arguments by RULES (see the module docstring); Python's own TypeError for a missing or
    unknown argument stays as it is."""
    signature = inspect.signature(call)

    @functools.wraps(call)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = signature.bind(*args, **kwargs)
        for name, value in bound.arguments.items():
            rule = RULES.get(name)
            if rule is not None:
                bound.arguments[name] = rule(value, name)
        return call(*bound.args, **bound.kwargs)

    return wrapper


def _kind(value: Any) -> str:
    return "a module" if isinstance(value, types.ModuleType) else type(value).__name__


def source(value: Any, param: str) -> Any:
    if value is None or isinstance(value, SOURCE_TYPES):
        return value
    if isinstance(value, (bytes, bytearray)):
        raise InputError(f"is bytes; give text, e.g. {bytes(value).decode('utf-8', 'replace')!r}", param=param)
    raise InputError(f"must be {VARIANT_HELP}, not {_kind(value)}", param=param)


def sources(value: Any, param: str) -> Any:
    """One source, or an iterable of them (made a list); strings are parsed later, by the call."""
    if value is None or isinstance(value, (*SOURCE_TYPES, bytes, bytearray)) or not isinstance(value, Iterable):
        return source(value, param)
    if isinstance(value, Mapping):
        raise InputError(f"must be {VARIANT_HELP}, or a list of them, not a {_kind(value)}", param=param)
    found = list(value)
    for item in found:
        if not isinstance(item, SOURCE_TYPES):
            raise InputError(f"must list variants as {VARIANT_HELP}; it holds {_kind(item)} {item!r:.40}", param=param)
    return found


def resolution(value: Any, param: str) -> int | None:
    """The command line's --resolution rule (arch.specs.resolution_from)."""
    return None if value is None else resolution_from(value)


def flag(value: Any, param: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"must be True or False, not {value!r:.40}", param=param)
    return value


def kwargs(value: Any, param: str) -> Any:
    """Keyword arguments for a factory: a dict with text keys, or the command line's JSON text."""
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise InputError(
            f"must be a dict of keyword arguments, e.g. {{'num_classes': 10}}, or JSON text, not {_kind(value)}",
            param=param,
        )
    return value


def label(value: Any, param: str) -> str | None:
    """The command line's --name rule (ports.factory.check_label)."""
    if value is not None and not isinstance(value, str):
        raise InputError(f"must be text, not {_kind(value)}", param=param)
    return check_label(value)


def path(value: Any, param: str) -> Any:
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
        raise InputError(f"must be a file name (str or pathlib.Path), not {value!r:.40}", param=param)
    if os.fspath(value) == "-":  # the command line's standard output; a Python caller has render() for that
        raise InputError("must be a file name, not '-' (for the text or bytes themselves, use render())", param=param)
    return value


RULES: dict[str, Callable[[Any, str], Any]] = {
    "variants": sources,
    "variant": source,
    "resolution": resolution,
    "include_top": flag,
    "side_by_side": flag,
    "expand": flag,
    "fvcore": flag,
    "kwargs": kwargs,
    "name": label,
    "path": path,
}
