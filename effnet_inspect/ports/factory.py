"""Load another implementation from a factory ('package.module:Factory.from_name') on the meta device.

No weights are allocated or downloaded: the factory is called inside `with torch.device("meta")`. Factories
that cannot build on meta (they fill weights from real data, call .item(), ...) are built on the CPU once and
copied to meta by the tracer. Every way this can go wrong is one InputError line.
"""
from __future__ import annotations

import importlib
import json
import os
import re
import sys
import types
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from effnet_inspect.errors import InputError

SYNTAX = "MODULE:CALLABLE, e.g. 'package.models:efficientnet_b0' or 'package.models:Factory.from_name'"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True)
class Factory:
    module: str
    attribute: str  # dotted path inside the module
    kwargs: dict[str, Any]

    @property
    def spec(self) -> str:
        return f"{self.module}:{self.attribute}"

    @property
    def name(self) -> str:
        """A short name for tables ('altered:make'); diagrams and reports make it file-safe themselves."""
        return f"{self.module.rsplit('.', 1)[-1]}:{self.attribute}"


def parse_factory(spec: str, kwargs_json: str | None = None) -> Factory:
    module, sep, attribute = spec.partition(":")
    if not sep or not _NAME.match(module) or not _NAME.match(attribute):
        raise InputError(f"{spec!r} is not of the form {SYNTAX}", param="model")
    return Factory(module, attribute, parse_kwargs(kwargs_json))


def parse_kwargs(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"is not valid JSON ({exc}): {text!r}", param="kwargs") from None
    if not isinstance(value, dict):
        raise InputError(f"must be a JSON object such as '{{\"num_classes\": 10}}', got {text!r}", param="kwargs")
    return value


def resolve(factory: Factory) -> Any:
    """Import the module and walk the dotted attribute path."""
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` does: the console script should find local code too
    try:
        obj: Any = importlib.import_module(factory.module)
    except (Exception, SystemExit) as exc:  # ImportError, or whatever the module raises (or exits) while importing
        raise InputError(f"{factory.spec!r}: cannot import module {factory.module!r}: {_one_line(exc)}",
                         param="model") from None
    walked = factory.module
    for part in factory.attribute.split("."):
        if not hasattr(obj, part):
            raise InputError(f"{walked!r} has no attribute {part!r}; available: {_public_names(obj)}")
        obj, walked = getattr(obj, part), f"{walked}.{part}"
    if not callable(obj):
        raise InputError(f"{factory.spec!r} is a {type(obj).__name__}, not a callable", param="model")
    return obj


def load(factory: Factory) -> nn.Module:
    """Call the factory on the meta device (or on the CPU if it cannot build there) and check the result."""
    build = resolve(factory)
    # SystemExit too: a factory that calls exit() must not end effnet-inspect with status 0 and no output.
    try:
        with torch.device("meta"):
            model = build(**factory.kwargs)
    except (Exception, SystemExit):
        try:
            model = build(**factory.kwargs)  # on the CPU: the tracer moves a copy to meta
        except (Exception, SystemExit) as exc:
            raise InputError(f"{factory.spec}({_call_args(factory.kwargs)}) failed: {_one_line(exc)}",
                             param="model") from None
    if not isinstance(model, nn.Module):
        raise InputError(f"{factory.spec} returned a {type(model).__name__}, not a torch.nn.Module",
                         param="model")
    return model.eval()


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _call_args(kwargs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def _public_names(obj: Any, limit: int = 12) -> str:
    def own(value: Any) -> bool:  # in a module, leave out what it merely imports
        return not isinstance(obj, types.ModuleType) or getattr(value, "__module__", None) == obj.__name__

    names = sorted(n for n in dir(obj) if not n.startswith("_") and callable(getattr(obj, n, None))
                   and own(getattr(obj, n)))
    if not names:
        return "no public callables"
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")
