"""What one entry of the layer registry holds (registry.py is the table), and the check that builds the table's
index: a kind, or a way to recognise one, described twice is a bug in the table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from effnet_inspect.analysis import keeps
from effnet_inspect.analysis.formulas import Geometry, Shape, ShapeRule, no_ops
from effnet_inspect.arch.kinds import LayerKind


@dataclass(frozen=True)
class Entry:
    kind: LayerKind
    modules: tuple[type[nn.Module], ...] = ()  # matched with isinstance
    foreign: tuple[str, ...] = ()  # module classes of libraries we do not import, by class name
    functions: tuple[Any, ...] = ()
    methods: tuple[str, ...] = ()  # tensor methods, as FX and a recorded run name them
    shape: ShapeRule | None = None  # a module's output shape; None: run it on meta tensors
    module_geometry: Callable[[Any], Geometry] | None = None
    call_geometry: Callable[[tuple, dict], Geometry] | None = None
    macs: Callable[[Shape, Geometry], int] | None = None
    elementwise: Callable[[Shape | None, Shape], int] = no_ops
    moves_data: bool = True  # False: reads and writes no memory of its own (the roofline's traffic)
    before_activation: bool = False  # a convolution's output may pass through it on the way to its activation
    norm_label: str = ""  # a normalisation's name in sentences: 'batch norm'
    end_part: str = ""  # starts a line of the stem's or top's drawing, named so: 'classifier'
    memory: keeps.MemoryFacts = keeps.MemoryFacts()  # what it keeps for backward, its autocast precision


def index(entries: tuple[Entry, ...]) -> dict[LayerKind, Entry]:
    """The entries by kind; a kind, or a way to recognise one, claimed twice is a bug in the table."""
    by_kind: dict[LayerKind, Entry] = {}
    claimed: dict[Any, LayerKind] = {}
    for entry in entries:
        if entry.kind in by_kind or entry.kind is LayerKind.OTHER:
            raise ValueError(f"{entry.kind} has more than one entry, or is OTHER (what no entry describes)")
        by_kind[entry.kind] = entry
        for key in (
            *entry.modules,
            *entry.functions,
            *(("foreign", n) for n in entry.foreign),
            *(("method", n) for n in entry.methods),
        ):
            if claimed.setdefault(key, entry.kind) is not entry.kind:
                raise ValueError(f"{key} is claimed by both {claimed[key]} and {entry.kind}")
    return by_kind
