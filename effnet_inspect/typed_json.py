"""JSON from users, read defensively: parsing with a nesting limit, and frozen dataclasses built field by field
with every value's type checked against the dataclass' annotations.

Both raise JsonError (a ValueError) with a message that says where and what: the caller turns it into its own
one-line InputError. Nothing here knows about files or flags.
"""
from __future__ import annotations

import dataclasses
import enum
import json
import math
import re
import types
import typing
from typing import Any

MAX_DEPTH = 64
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class JsonError(ValueError):
    """JSON that does not parse, nests too deep, or does not fit the expected record."""


def loads(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """json.loads, refusing NaN and Infinity and anything nested deeper than max_depth (checked before parsing:
    the parser itself would recurse once per level)."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_STRING.sub('""', text)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > max_depth:
            raise JsonError(f"nested more than {max_depth} levels deep")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise JsonError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except JsonError:
        raise
    except ValueError as exc:  # an integer of more than 4300 digits
        raise JsonError(f"not JSON: {str(exc).splitlines()[0]}") from None


def _no_constant(name: str) -> Any:
    raise JsonError(f"not JSON: {name} is not a number JSON allows")


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
    if dataclasses.is_dataclass(hint):
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
        type(data), "a number")


def _shown(data: Any) -> str:
    if isinstance(data, (dict, list)):
        return _json_type(data)
    text = json.dumps(data)
    return text if len(text) <= 40 else text[:37] + "..."
