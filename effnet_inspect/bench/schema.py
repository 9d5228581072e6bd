"""Reading a results file (bench/results.py) defensively: JSON with a nesting limit (effnet_inspect.files), then
the records built field by field, every value checked against the dataclass' annotations (int is not bool, float
is finite, tuple is a list, Enum is one of its values, nested records recursively) and against the ranges no
measurement can leave (counts positive, nothing negative). Whatever is wrong is one InputError line naming the
field: "results[0].latency.p50_ms should be a number, not \"2.2\"".
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import os
import types
import typing
from pathlib import Path
from typing import Any

from effnet_inspect.bench.results import SCHEMA, VERSION, BenchRun
from effnet_inspect.errors import InputError
from effnet_inspect.files import JsonError, read_json

POSITIVE = {"iters", "repeats", "threads", "resolution", "batch_size", "measured_batch_size", "samples"}


def load_results(path: str | os.PathLike) -> BenchRun:
    """Read a results file written by results.save_results; every field's type and range is checked, so a bad file
    is one InputError line, never a half-made report."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {source!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{source!r} is not a results file (not UTF-8 text)", param="bench") from None
    try:
        data = read_json(text)
    except JsonError as exc:
        raise InputError(
            f"{source!r} is {exc}"
            if str(exc).startswith("not JSON")
            else f"{source!r} is not a valid effnet-inspect bench file: {exc}",
            param="bench",
        ) from None
    try:
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise JsonError(f'no "schema": "{SCHEMA}"')
        if data.get("version") != VERSION:
            raise JsonError(f"version {data.get('version')!r}, this effnet-inspect reads version {VERSION}")
        run = build(BenchRun, data, "")
        check_ranges(run, "")
    except JsonError as exc:
        raise InputError(f"{source!r} is not a valid effnet-inspect bench file: {exc}", param="bench") from None
    return run


def check_ranges(record: Any, where: str) -> None:
    """Every number in the records is >= 0, and the counts in POSITIVE are >= 1."""
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        here = f"{where}.{f.name}" if where else f.name
        items = list(enumerate(value)) if isinstance(value, tuple) else [(None, value)]
        for i, item in items:
            at = here if i is None else f"{here}[{i}]"
            if dataclasses.is_dataclass(item):
                check_ranges(item, at)
            elif isinstance(item, (int, float)) and not isinstance(item, bool):
                low = 1 if f.name in POSITIVE else 0
                if item < low:
                    raise JsonError(f"{at} is {item!r}; it cannot be below {low}")


def build(cls: type, data: Any, where: str) -> Any:
    """An instance of dataclass cls from parsed JSON; unknown keys are ignored, missing ones use the defaults."""
    if not isinstance(data, dict):
        raise JsonError(f"{where or 'the top level'} should be an object, not {_json_type(data)}")
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise JsonError(f"{where or 'the top level'} has no {f.name!r}")
            continue
        values[f.name] = value(hints[f.name], data[f.name], f"{where}.{f.name}" if where else f.name)
    return cls(**values)


def value(hint: Any, data: Any, where: str) -> Any:
    """data checked against the type hint (and converted: lists to tuples, strings to enums, objects to records)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:
            return value(options[0], data, where)
        raise TypeError(f"unsupported annotation {hint!r}")  # a schema bug, not the user's
    if origin is tuple:
        if not isinstance(data, list):
            raise JsonError(f"{where} should be a list, not {_json_type(data)}")
        return tuple(value(args[0], item, f"{where}[{i}]") for i, item in enumerate(data))
    if origin is dict:
        if not isinstance(data, dict):
            raise JsonError(f"{where} should be an object, not {_json_type(data)}")
        return {k: value(args[1], v, f"{where}.{k}") for k, v in data.items()}  # JSON keys are strings
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return build(hint, data, where)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        choices = [e.value for e in hint]
        if data not in choices:
            raise JsonError(f"{where} is {_shown(data)}; valid: {', '.join(map(str, choices))}")
        return hint(data)
    if hint is float and isinstance(data, (int, float)) and not isinstance(data, bool):
        try:
            number = float(data)
        except OverflowError:
            number = math.inf
        if math.isfinite(number):
            return number
    if hint in (int, str, bool) and type(data) is hint:
        return data
    if hint not in (int, float, str, bool):
        raise TypeError(f"unsupported annotation {hint!r}")
    raise JsonError(f"{where} should be {_NAMES[hint]}, not {_shown(data)}")


_NAMES = {int: "a whole number", float: "a number", str: "a string", bool: "true or false"}


def _json_type(data: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(data), "a number"
    )


def _shown(data: Any) -> str:
    if isinstance(data, (dict, list)):
        return _json_type(data)
    text = json.dumps(data)
    return text if len(text) <= 40 else text[:37] + "..."
