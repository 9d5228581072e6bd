"""What the API calls take as their subject, turned into analyses: our variants, or another implementation.

Variants are names ('b3', 'phi=2.5', 'w=1.3,d=1.5,r=320'), Variant or ModelSpec objects, or finished Analysis
objects; one or a list. Another implementation is a model: an nn.Module object, or 'MODULE:CALLABLE' naming a
factory that is called on the meta device (as the command line's --model).
"""

from __future__ import annotations

import dataclasses
import enum
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from torch import nn

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.measure import analyses as analyse_all
from effnet_inspect.arch.specs import OFFICIAL_NAMES, ModelSpec, Variant, parse_variant
from effnet_inspect.errors import InputError
from effnet_inspect.ports.factory import parse_factory, refuse_weights
from effnet_inspect.ports.verdict import Inspection, inspect_factory, inspect_model

Source = str | Variant | ModelSpec | Analysis
Sources = Source | Sequence[Source] | None
Model = str | nn.Module
Kwargs = Mapping[str, Any] | str | None
E = TypeVar("E", bound=enum.Enum)


def choice(kind: type[E], value: E | str, param: str) -> E:
    """An enum member from itself or its (case-insensitive) value, else a one-line error naming the choices."""
    if isinstance(value, kind):
        return value
    try:
        return kind(str(value).lower())
    except ValueError:
        choices = ", ".join(str(e.value) for e in kind)
        raise InputError(f"{value!r} is not one of {choices}", param=param) from None


def save_format(
    kind: type[E],
    path: str | os.PathLike,
    given: E | str | None,
    by_suffix: Mapping[str, E],
    default: E,
    names: tuple[str, str, str] = ("", "format", "save()"),
) -> E:
    """What a save() (or a command's --out) writes: the format asked for, else the one the file name's extension
    implies, else the default. A format that contradicts the extension is refused rather than written under a
    misleading name, and so is an extension that names no format it writes (unless the format is given).
    names: how to call the path, the format and the writer in messages (the command line: '--out ', '--format',
    'this command')."""
    out, format_name, writer = names
    suffix = Path(path).suffix.lower()
    implied = by_suffix.get(suffix)
    fmt = choice(kind, given, "format") if given is not None else implied or default
    if implied is not None and fmt is not implied:
        raise InputError(
            f"{out}{str(path)!r} looks like {implied.value} but {format_name} is {fmt.value}; make them agree"
        )
    if suffix and implied is None and given is None:
        raise InputError(
            f"{out}{str(path)!r}: {suffix} is not a format {writer} writes; end the name in "
            f"{', '.join(sorted(by_suffix))} (or give {format_name})"
        )
    return fmt


def source_list(variants: Sources) -> list[Source]:
    """One source or several as a list; strings are parsed now, so a typo fails before any work. A variant given
    twice (also as 'B0' and 'efficientnet-b0') is refused, by every call alike."""
    if variants is None:
        return []
    given = [variants] if isinstance(variants, (str, Variant, ModelSpec, Analysis)) else list(variants)
    found: list[Source] = [parse_variant(v) if isinstance(v, str) else v for v in given]
    seen: dict[Variant, Source] = {}
    for text, variant in zip(given, found):
        if isinstance(variant, Variant):
            if variant in seen:
                same = "" if seen[variant] == text else f" (as {seen[variant]!r} and {text!r})"
                raise InputError(f"variant {variant.name} is given twice{same}; give each variant once")
            seen[variant] = text
    return found


def our_variants(
    variants: Sources = None, kwargs: Kwargs = None, include_top: bool = True, resolution: int | None = None
) -> list[Source]:
    """The given variants (default B0-B7), checked against the options that go with them."""
    reject_kwargs(kwargs)
    found = source_list(variants) or list(OFFICIAL_NAMES)
    if any(isinstance(v, Analysis) for v in found) and (resolution is not None or not include_top):
        raise InputError(
            "cannot change a finished Analysis; give the variant instead",
            param="resolution" if resolution is not None else "include_top",
        )
    return found


def analyses(
    variants: Sources = None,
    model: Model | None = None,
    kwargs: Kwargs = None,
    include_top: bool = True,
    resolution: int | None = None,
    name: str | None = None,
) -> list[Analysis]:
    """The analyses a call works on: the given variants (default B0-B7), or the model (called name)."""
    if model is not None:
        return [inspection(model, kwargs, resolution, name, variants=variants, include_top=include_top).analysis]
    if name is not None:
        raise InputError("names another implementation; it applies to a model only", param="name")
    return analyse_all(our_variants(variants, kwargs, include_top, resolution), include_top, resolution)


def side_by_side(
    variants: Sources = None,
    model: Model | None = None,
    kwargs: Kwargs = None,
    include_top: bool = True,
    resolution: int | None = None,
    name: str | None = None,
) -> list[Analysis | Inspection]:
    """Variants and another implementation together (table, compare, report): the variants' analyses (B0-B7 by
    default, none by default beside a model), then the model's Inspection (its analysis with the verdict)."""
    if model is None:
        return list(analyses(variants, None, kwargs, include_top, resolution, name))
    found: list[Analysis | Inspection] = []
    if source_list(variants):
        found += analyse_all(our_variants(variants, None, include_top, resolution), include_top, resolution)
    return found + [inspection(model, kwargs, resolution, name, include_top=include_top)]


def inspection(
    model: Model,
    kwargs: Kwargs = None,
    resolution: int | None = None,
    name: str | None = None,
    variants: Sources = None,
    include_top: bool = True,
) -> Inspection:
    """Trace, group and judge another implementation (see effnet_inspect.ports.verdict)."""
    if variants:
        raise InputError("is given together with variants; give one or the other", param="model")
    if not include_top:
        raise InputError(
            "cannot remove the classifier of another implementation; build it without one through "
            'the factory\'s own keyword arguments, e.g. {"include_top": false}',
            param="include_top",
        )
    if isinstance(model, nn.Module):
        reject_kwargs(kwargs)
        return inspect_model(model, name or type(model).__name__, resolution)
    if not isinstance(model, str):
        raise InputError(
            f"must be an nn.Module or a factory as 'MODULE:CALLABLE', not {type(model).__name__}", param="model"
        )
    factory = parse_factory(model, kwargs if isinstance(kwargs, str) else None, name)
    if isinstance(kwargs, Mapping):  # from Python: taken as it is (a JSON round trip would turn tuples into lists)
        factory = dataclasses.replace(factory, kwargs=refuse_weights(dict(kwargs)))
    return inspect_factory(factory, resolution)  # fenced: its import, build and forward pass


def reject_kwargs(kwargs: Kwargs) -> None:
    if kwargs is not None:
        raise InputError("applies to a factory given as 'MODULE:CALLABLE' only", param="kwargs")
