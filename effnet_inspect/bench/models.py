"""What a benchmark runs: an implementation (ours or anyone's) and the facts its traced graph gives about it.

An Implementation is a label, a way to build the model with random weights on a device, and a way to analyze it
(trace and group) at a resolution. Ours come from build(); another implementation's from its factory
(`--model MODULE:CALLABLE`), inspected as `effnet-inspect inspect` does: traced and grouped on the meta device,
judged against B0-B7, whose closest variant gives the default resolution.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.arch.specs import Variant
from effnet_inspect.bench.roofline import StageWork, stage_work
from effnet_inspect.bench.stages import Boundary, StageSplitError, boundaries
from effnet_inspect.ports.factory import Factory, load, resolve, user_code
from effnet_inspect.ports.verdict import analyze_foreign, headline, inspect_factory


@dataclass(frozen=True)
class Implementation:
    """Compared and hashed by name and source; two implementations in one run need different names."""

    name: str  # the label in tables and charts
    source: str  # how it is built, recorded in the results
    resolution: int  # its native input size (the variant's own; for others, the closest variant's)
    build: Callable[[torch.device], nn.Module] = field(compare=False, repr=False)
    analyze: Callable[[int], Analysis] = field(compare=False, repr=False)
    verdict: str = field(default="", compare=False)  # for another implementation: how it compares with B0-B7


@functools.lru_cache(maxsize=64)
def ours(variant: Variant) -> Implementation:
    """Our build of a variant (one object per variant, so configurations of it compare equal)."""
    from effnet_inspect.analysis.measure import analyze
    from effnet_inspect.model.build import build

    return Implementation(
        variant.name,
        f"effnet-inspect {variant.name}",
        variant.resolution,
        lambda device: build(variant, include_top=True, device=device).eval(),
        lambda resolution: analyze(variant, include_top=True, resolution=resolution),
    )


def from_factory(factory: Factory, resolution: int | None = None) -> Implementation:
    """Another implementation, built on the benchmark's device with the factory's own random initialisation (its
    code fenced off as for `inspect`: a failure is one line, its printing goes to stderr)."""
    inspection = inspect_factory(factory, resolution)
    analysis = inspection.analysis

    def build_on(device: torch.device) -> nn.Module:
        with user_code(factory):
            make = resolve(factory)
            with torch.device(device):
                model = make(**factory.kwargs)
            return model.to(device).eval()  # also the parts a factory puts on the CPU explicitly

    def analyze_at(pixels: int) -> Analysis:
        if pixels == analysis.resolution:
            return analysis
        with user_code(factory):
            return analyze_foreign(load(factory), factory.name, pixels)

    return Implementation(
        factory.name,
        f"{factory.spec} {json.dumps(factory.kwargs, sort_keys=True)}",
        analysis.resolution,
        build_on,
        analyze_at,
        headline(inspection.conformance),
    )


@dataclass(frozen=True)
class ModelFacts:
    """Counted, not measured: MACs per image, each stage's work, and where each stage starts (or why the model
    cannot be split)."""

    macs_per_image: int
    work: tuple[StageWork, ...]
    boundaries: tuple[Boundary, ...] | None
    unsplittable: str | None = None


@functools.lru_cache(maxsize=64)
def model_facts(implementation: Implementation, resolution: int) -> ModelFacts:
    analysis = implementation.analyze(resolution)
    work = stage_work(analysis)
    try:
        marks, why = boundaries(analysis), None
    except StageSplitError as exc:
        marks, why = None, str(exc)
    return ModelFacts(sum(w.macs for w in work), work, marks, why)
