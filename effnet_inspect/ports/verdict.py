"""Is this implementation EfficientNet-Bx, and if not, where does it differ? Compare a grouped foreign model with
our reference builds, structure first (channels, repeats, kernels, strides, expansion, squeeze-and-excitation,
skips, sub-block type, normalisation), then parameters and per-stage MACs at the same resolution.

The verdict is made of plain sentences ("block6 has 5 sub-blocks; B3 has 6"). A model matches a variant when
there is no sentence at all: same structure, and the same parameters and MACs in every stage. What does not
change the architecture but matters when porting weights (padding, batch-norm settings, rates, classes) is kept
apart, in notes. "Layers" means Keras-equivalent layers everywhere; the implementation's own node count is "nodes".
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

from torch import nn

from effnet_inspect.analysis.group import group
from effnet_inspect.analysis.measure import Analysis, analyze, totals
from effnet_inspect.analysis.rows import (
    FamilyRow,
    Level,
    StageRow,
    SubBlockRow,
    family_row,
    module_counts,
    stage_rows,
    sub_block_rows,
)
from effnet_inspect.analysis.trace import trace
from effnet_inspect.arch.kinds import LayerKind
from effnet_inspect.arch.specs import BASE_RESOLUTION, OFFICIAL_NAMES, VARIANTS
from effnet_inspect.ports.differences import Difference, structural_differences
from effnet_inspect.ports.factory import Factory, load, user_code
from effnet_inspect.ports.keras import KerasEquivalent, keras_equivalent
from effnet_inspect.ports.notes import facts, porting_notes, reference_facts
from effnet_inspect.ports.structure import Structure, structure


# ------------------------------------------------------------------------------------------ conformance
@dataclass(frozen=True)
class StageComparison:
    stage: str
    layers: int | None  # Keras-equivalent layers
    nodes: int | None  # this implementation's traced nodes
    params: int | None
    reference_params: int | None
    macs: int | None
    reference_macs: int | None


@dataclass(frozen=True)
class Conformance:
    model: str
    resolution: int
    tracer: str
    matched_variant: str | None  # b0-b7 when nothing differs, else None
    closest_variant: str  # the variant the differences are stated against
    differences: list[str]
    notes: list[str]  # for people porting weights: what differs but does not change the architecture
    params: int
    reference_params: int
    macs: int
    reference_macs: int
    layers: int  # Keras-equivalent layers
    nodes: int  # this implementation's traced nodes
    stages: list[StageComparison]
    module_counts: dict[str, int]
    not_counted: dict[str, int]  # node types the layer registry does not know: no MACs or element-wise ops
    keras: KerasEquivalent

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        keras = data.pop("keras")
        data["keras_equivalent"] = {
            "layers": keras["layers"],
            "nodes": keras["nodes"],
            "extra": _published(keras["extra"]),
            "missing": _published(keras["missing"]),
        }
        return data

    @property
    def verdict(self) -> str:
        """One line: 'matches B0: no architectural differences' or 'does not match ...; closest is B3 (2 ...)'."""
        label = self.closest_variant.upper()
        if self.matched_variant:
            return f"matches {label}: no architectural differences"
        n = len(self.differences)
        return f"does not match any of B0-B7; closest is {label} ({n} difference{'s' if n != 1 else ''})"


def _published(mismatches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """KerasMismatch records as the JSON has always written them: the Keras class under "kind"."""
    return [{"kind": m["keras_class"], "count": m["count"], "reason": m["reason"]} for m in mismatches]


@dataclass(frozen=True)
class ForeignFamilyRow(FamilyRow):
    """A family-level table row for another implementation, with the conformance verdict."""

    nodes: int | None = None
    matched_variant: str | None = None
    differences: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ForeignStageRow(StageRow):
    nodes: int | None = None


@dataclass(frozen=True)
class ForeignSubBlockRow(SubBlockRow):
    nodes: int | None = None


@dataclass(frozen=True)
class Inspection:
    analysis: Analysis
    conformance: Conformance

    def family_row(self) -> ForeignFamilyRow:
        row = asdict(family_row(self.analysis)) | {"layers": self.conformance.layers}
        return ForeignFamilyRow(
            **row,
            nodes=self.conformance.nodes,
            matched_variant=self.conformance.matched_variant,
            differences=self.conformance.differences,
        )

    def rows(self, level: Level) -> list[Any]:
        """Table rows of a level, with Keras-equivalent layers as 'layers' and the node count beside them."""
        if level is Level.FAMILY:
            return [self.family_row()]
        keras = self.conformance.keras.by_group
        if level is Level.STAGE:
            return [
                ForeignStageRow(**(asdict(r) | {"layers": keras.get(r.stage, 0)}), nodes=r.layers)
                for r in stage_rows(self.analysis)
            ]
        return [
            ForeignSubBlockRow(**(asdict(r) | {"layers": keras.get(r.sub_block, 0)}), nodes=r.layers)
            for r in sub_block_rows(self.analysis)
        ]


def reference(variant: str, include_top: bool, resolution: int | None = None) -> Analysis:
    return analyze(variant, include_top=include_top, resolution=resolution)  # analyze caches its results


def _reference_structure(variant: str, include_top: bool) -> Structure:
    return structure(reference(variant, include_top))


def analyze_foreign(model: nn.Module, name: str, resolution: int) -> Analysis:
    if model.training:  # inference structure: no active dropout / drop connect (the caller's model is untouched)
        model = copy.deepcopy(model).eval()
    graph = trace(model, resolution)
    grouping = group(graph)
    has_classifier = any(graph.nodes[n]["layer"].kind is LayerKind.DENSE for n in grouping.stages[-1].layers)
    return Analysis(name, resolution, has_classifier, graph, grouping)


def closest_variant(found: Structure, include_top: bool) -> tuple[str, list[Difference]]:
    """The official variant with the fewest differing facts (the smaller one on a tie)."""
    scored = [
        (structural_differences(found, _reference_structure(v, include_top), v.upper()), v) for v in OFFICIAL_NAMES
    ]
    differences, variant = min(scored, key=lambda s: sum(d.count for d in s[0]))
    return variant, differences


def inspect_model(model: nn.Module, name: str, resolution: int | None = None) -> Inspection:
    """Trace, group and judge a model; without a resolution, use the closest variant's own."""
    a = analyze_foreign(model, name, resolution or BASE_RESOLUTION)
    variant, differences = closest_variant(structure(a), a.include_top)
    if resolution is None and VARIANTS[variant].resolution != a.resolution:
        a = analyze_foreign(model, name, VARIANTS[variant].resolution)
    ref = reference(variant, a.include_top, a.resolution)
    assert ref.spec is not None  # our own build
    notes = porting_notes(
        facts(model, a),
        reference_facts(ref.spec, ref.include_top, ref.resolution),
        variant.upper(),
        training=model.training,
    )
    return Inspection(a, compare(a, ref, variant, differences, notes))


def inspect_factory(factory: Factory, resolution: int | None = None) -> Inspection:
    with user_code(factory):  # its forward() runs here too: same fence as its import and build
        return inspect_model(load(factory), factory.name, resolution)


def compare(
    a: Analysis, ref: Analysis, variant: str, structural: list[Difference], notes: list[str] | None = None
) -> Conformance:
    label = variant.upper()
    ours, theirs = structure(a), structure(ref)
    layers = {n: a.graph.nodes[n]["layer"] for n in a.graph.nodes}
    keras = keras_equivalent(a.grouping, layers)
    stages = _stage_comparisons(a, ref, keras)
    differences = [d.text for d in structural]
    explained = _explained_stages(ours, theirs, structural)
    for s in stages:
        if s.stage in explained or s.params is None or s.reference_params is None:
            continue
        if s.params != s.reference_params:
            differences.append(f"{s.stage} has {s.params:,} parameters; {label} has {s.reference_params:,}")
        if s.macs != s.reference_macs:
            differences.append(
                f"{s.stage} has {s.macs:,} MACs; {label} has {s.reference_macs:,} at {a.resolution}x{a.resolution}"
            )
    mine, refs = totals(a.layers()), totals(ref.layers())
    return Conformance(
        model=a.name,
        resolution=a.resolution,
        tracer=a.graph.graph.get("tracer", "fx"),
        matched_variant=None if differences else variant,
        closest_variant=variant,
        differences=differences,
        notes=list(notes or []),
        params=mine.params,
        reference_params=refs.params,
        macs=mine.macs,
        reference_macs=refs.macs,
        layers=keras.layers,
        nodes=mine.layers,
        stages=stages,
        module_counts=module_counts(a.grouping),
        not_counted=a.unknown,
        keras=keras,
    )


def _explained_stages(ours: Structure, ref: Structure, differences: list[Difference]) -> set[str]:
    """Stages whose numbers may differ because their structure (or their input) already does."""
    explained = {stage for d in differences for stage in d.stages}
    if ours.stem_channels != ref.stem_channels:
        explained.add("block1")
    for number, (mine, theirs) in enumerate(zip(ours.blocks, ref.blocks), start=1):
        if mine[-1].out_channels != theirs[-1].out_channels:
            explained.add(f"block{number + 1}" if number < len(ours.blocks) else "top")
    if len(ours.blocks) != len(ref.blocks):
        explained |= {f"block{i}" for i in range(1, max(len(ours.blocks), len(ref.blocks)) + 1)} | {"top"}
    if ours.head_channels != ref.head_channels or ours.classes != ref.classes:
        explained.add("top")
    return explained


def _stage_comparisons(a: Analysis, ref: Analysis, keras: KerasEquivalent) -> list[StageComparison]:
    mine = {s.name: totals(a.layers(s.layers)) for s in a.grouping.stages}
    theirs = {s.name: totals(ref.layers(s.layers)) for s in ref.grouping.stages}
    names = list(mine) + [n for n in theirs if n not in mine]
    return [
        StageComparison(
            n,
            keras.by_group.get(n, 0) if n in mine else None,
            mine[n].layers if n in mine else None,
            mine[n].params if n in mine else None,
            theirs[n].params if n in theirs else None,
            mine[n].macs if n in mine else None,
            theirs[n].macs if n in theirs else None,
        )
        for n in names
    ]


def headline(c: Conformance) -> str:
    """The verdict in a few words: 'matches B0: no architectural differences'."""
    return c.verdict
