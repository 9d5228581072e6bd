"""Load another implementation from a factory ('package.module:Factory.from_name') on the meta device.

No weights are allocated or downloaded: the factory is called once, inside `with torch.device("meta")`, and
keyword arguments that load weights (pretrained=True, weights="DEFAULT", checkpoint_path=...) are refused before
anything is imported. Only a factory that fails because of the meta device itself (it reads a tensor value while
building) is called a second time, on the CPU; the tracer then works on a meta copy.

The factory is other people's code, so it runs fenced (user_code, ports/fence.py): the current folder is on sys.path
only while its module is imported, what it writes to stdout (file descriptor 1 and threads included) goes to stderr
instead (JSON there must stay JSON), what it changes of the process is put back, and whatever it raises,
BaseException subclasses included, is one InputError line. Only Ctrl-C passes through.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import inspect
import os
import re
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from effnet_inspect.errors import InputError, printable

SYNTAX = "MODULE:CALLABLE, e.g. 'package.models:efficientnet_b0' or 'package.models:Factory.from_name'"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$", re.ASCII)
# Keyword arguments that make torchvision, timm, efficientnet_pytorch and friends fetch or read weights.
WEIGHT_KWARGS = (
    "weights",
    "pretrained",
    "pretrained_cfg",
    "pretrained_cfg_overlay",
    "pretrained_path",
    "pretrained_backbone",
    "weights_backbone",
    "checkpoint_path",
    "checkpoint",
    "weights_path",
    "load_weights",
    "state_dict",
    "url",
    "model_dir",
    "advprop",
)
# Keyword arguments that name the architecture a generic factory builds (timm.create_model('efficientnet_b3')).
NAME_KWARGS = ("model_name", "arch", "architecture", "variant")


@dataclass(frozen=True)
class Factory:
    module: str
    attribute: str  # dotted path inside the module
    kwargs: dict[str, Any]
    label: str | None = None  # the user's own name for it

    @property
    def spec(self) -> str:
        return f"{self.module}:{self.attribute}"

    @property
    def name(self) -> str:
        """What tables, pages and default file names call the model: the label, else a name that tells models apart
        ('timm:efficientnet_b3' for timm's create_model with model_name, 'tv:make(num_classes=10)')."""
        if self.label is not None:
            return self.label
        key = next((k for k in NAME_KWARGS if isinstance(self.kwargs.get(k), str) and self.kwargs[k]), None)
        base = f"{self.module.rsplit('.', 1)[-1]}:{self.kwargs[key] if key else self.attribute}"
        rest = {k: v for k, v in self.kwargs.items() if k != key}
        return printable(f"{base}({_call_args(rest, limit=60)})" if rest else base)


def parse_factory(spec: str, kwargs_json: str | None = None, name: str | None = None) -> Factory:
    module, sep, attribute = spec.partition(":")
    if not sep or not _NAME.match(module) or not _NAME.match(attribute):
        raise InputError(f"{spec!r} is not of the form {SYNTAX}", param="model")
    return Factory(module, attribute, refuse_weights(parse_kwargs(kwargs_json)), check_label(name))


def check_label(name: str | None) -> str | None:
    """What --name (and the API's name=) may be: 1-100 printable characters (file names made from it are
    sanitised apart: effnet_inspect.files.safe_name)."""
    if name is not None and (not name.strip() or not name.isprintable() or len(name) > 100):
        raise InputError(f"{name[:60]!r} is not a usable label: give 1-100 printable characters", param="name")
    return name


def refuse_weights(kwargs: dict[str, Any]) -> dict[str, Any]:
    """kwargs, unless one of them would make the factory fetch or read weights (switched off is fine)."""
    loading = [k for k in WEIGHT_KWARGS if kwargs.get(k) not in (None, False, "", {}, [])]
    if loading:
        given = ", ".join(f"{k}={kwargs[k]!r}" for k in loading)
        raise InputError(
            f"{_clip(given)} would load weights; effnet-inspect reads the architecture only and never "
            f"downloads or loads weights: leave {' and '.join(loading)} out",
            param="kwargs",
        )
    return kwargs


def parse_kwargs(text: str | None) -> dict[str, Any]:
    from effnet_inspect.inputs import JsonError, read_json

    if text is None:
        return {}
    try:
        value = read_json(text)
    except JsonError as exc:
        raise InputError(f"is {exc}: {_clip(text)!r}", param="kwargs") from None
    if not isinstance(value, dict):
        raise InputError(
            f"must be a JSON object such as '{{\"num_classes\": 10}}', got {_clip(text)!r}", param="kwargs"
        )
    return value


@contextlib.contextmanager
def user_code(factory: Factory) -> Iterator[None]:
    """Run the factory's code (import, build, forward) fenced off from ours (effnet_inspect.ports.fence); whatever
    it raises is one InputError line, its output held back."""
    from effnet_inspect.ports.fence import fenced

    try:
        with fenced():
            yield
    except (InputError, KeyboardInterrupt):
        raise
    except BaseException as exc:  # noqa: B036 - SystemExit, GeneratorExit, a library's own BaseException
        raise InputError(f"{factory.spec} failed: {_one_line(exc)}", param="model") from None


def resolve(factory: Factory) -> Any:
    """Import the module (the current folder on sys.path meanwhile, as `python -m` has it) and walk the path."""
    saved = list(sys.path)
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(factory.module)
    except (InputError, KeyboardInterrupt):
        raise
    except BaseException as exc:  # noqa: B036 - whatever the module raises (or exits with) while importing
        raise InputError(
            f"{factory.spec!r}: cannot import module {factory.module!r}: {_one_line(exc)}", param="model"
        ) from None
    finally:
        sys.path[:] = saved  # a stray jinja2.py in the current folder must not shadow ours later in the run
    walked = factory.module
    for part in factory.attribute.split("."):
        if not hasattr(obj, part):
            raise InputError(
                f"{factory.spec!r}: {walked!r} has no attribute {part!r}; {_suggest(obj, part)}", param="model"
            )
        obj, walked = getattr(obj, part), f"{walked}.{part}"
    if not callable(obj):
        raise InputError(f"{factory.spec!r} is a {type(obj).__name__}, not a callable", param="model")
    return obj


def load(factory: Factory) -> nn.Module:
    """Call the factory on the meta device (see the module docstring) and check the result; inside user_code. The
    model comes back in the mode the factory left it (most build in train() mode): the verdict notes it and is made
    on an eval() copy, as for a module handed over from Python."""
    build = resolve(factory)
    try:
        with torch.device("meta"):
            model = build(**factory.kwargs)
    except (Exception, SystemExit) as exc:
        if not _meta_limitation(exc):
            raise InputError(
                f"{factory.spec}({_call_args(factory.kwargs)}) failed: {_one_line(exc)}", param="model"
            ) from None
        try:
            model = build(**factory.kwargs)  # reads tensor values while building: the CPU can; once
        except (Exception, SystemExit) as cpu_exc:
            raise InputError(
                f"{factory.spec}({_call_args(factory.kwargs)}) failed: {_one_line(cpu_exc)}", param="model"
            ) from None
    if not isinstance(model, nn.Module):
        raise InputError(f"{factory.spec} returned a {type(model).__name__}, not a torch.nn.Module", param="model")
    return model


def _meta_limitation(exc: BaseException) -> bool:
    """The meta device cannot do this (Tensor.item(), copying data out, an op with no meta kernel)."""
    return isinstance(exc, (RuntimeError, NotImplementedError)) and re.search(r"\bmeta\b", str(exc), re.I) is not None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return printable(f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__)


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _call_args(kwargs: dict[str, Any], limit: int = 200) -> str:
    return _clip(", ".join(f"{k}={v!r}" for k, v in kwargs.items()), limit)


def public_callables(obj: Any) -> list[str]:
    """What a user could name after the colon: a module's own and re-exported callables (its __all__ when it has
    one), or a class's own methods and classmethods (not nn.Module's, which build nothing)."""
    if isinstance(obj, types.ModuleType):
        exported = getattr(obj, "__all__", None)
        names = list(exported) if isinstance(exported, (list, tuple)) else dir(obj)
        package = obj.__name__.split(".")[0]

        def wanted(name: str, value: Any) -> bool:  # its own and its package's, not what it imports from others
            return exported is not None or (getattr(value, "__module__", "") or "").split(".")[0] == package
    else:
        inherited = set(dir(nn.Module)) if isinstance(obj, type) and issubclass(obj, nn.Module) else set(dir(object))
        names = [n for n in dir(obj) if n not in inherited]

        def wanted(name: str, value: Any) -> bool:
            return True

    found = []
    for name in names:
        if not isinstance(name, str) or name.startswith("_"):
            continue
        value = inspect.getattr_static(obj, name, None)
        value = getattr(obj, name, None) if isinstance(value, (classmethod, staticmethod)) else value
        if callable(value) and not isinstance(value, types.ModuleType) and wanted(name, value):
            found.append(name)
    return sorted(set(found))


def _suggest(obj: Any, part: str, limit: int = 12) -> str:
    names = public_callables(obj)
    close = difflib.get_close_matches(part, names, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(n) for n in close) + "?"
    if not names:
        return "it has no public callables"
    return (
        "callables there: " + ", ".join(names[:limit]) + (f", ... ({len(names)} in all)" if len(names) > limit else "")
    )
