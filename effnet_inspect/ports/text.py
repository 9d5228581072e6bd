"""The verdict as text: `effnet-inspect inspect` prints this."""

from __future__ import annotations

from effnet_inspect.ports.keras import KerasEquivalent
from effnet_inspect.ports.verdict import Conformance, StageComparison
from effnet_inspect.render.numbers import millions, thousands
from effnet_inspect.render.tables import text_table


def stage_cells(s: StageComparison, nodes: bool = True) -> tuple[str, ...]:
    """A stage's figures beside the closest variant's ('-' where one side has no such stage); the text adds the
    implementation's own node count."""
    counts = (thousands(s.layers, "-"), *((thousands(s.nodes, "-"),) if nodes else ()))
    return (
        s.stage,
        *counts,
        thousands(s.params, "-"),
        thousands(s.reference_params, "-"),
        millions(s.macs, missing="-"),
        millions(s.reference_macs, missing="-"),
    )


def keras_layers_sentence(k: KerasEquivalent) -> str:
    return (
        f"Keras-equivalent layers: {k.layers} (this implementation has {k.nodes} nodes, {k.matched} of them Keras "
        "layers)"
    )


def keras_mismatches(k: KerasEquivalent) -> list[tuple[str, list[str]]]:
    """What only one side has, as (heading, lines), the empty side left out."""
    groups = (("has, Keras lacks", k.extra), ("Keras has, this lacks", k.missing))
    return [(title, [f"{d.count} {d.keras_class}: {d.reason}" for d in found]) for title, found in groups if found]


def render_text(c: Conformance) -> str:
    label = c.closest_variant.upper()
    lines = [f"Model: {c.model} (traced: {c.tracer}, input {c.resolution}x{c.resolution})", f"Verdict: {c.verdict}"]
    lines += [f"  - {d}" for d in c.differences]
    if c.notes:
        lines += ["Notes for porting weights (not architectural differences):", *(f"  - {n}" for n in c.notes)]
    lines += [
        "",
        f"Parameters: {c.params:,} ({label}: {c.reference_params:,})",
        f"MACs: {c.macs:,} ({label}: {c.reference_macs:,})",
        "Modules: " + ", ".join(f"{k} x{v}" for k, v in c.module_counts.items()),
    ]
    if c.not_counted:
        lines.append(
            "Not counted: "
            + ", ".join(f"{k} x{v}" for k, v in c.not_counted.items())
            + " (unknown layer kinds: no MACs or element-wise ops charged)"
        )
    lines.append("")
    header = ("Stage", "Layers", "Nodes", "Params", f"{label} params", "MACs (M)", f"{label} MACs (M)")
    rows = [stage_cells(s) for s in c.stages]
    lines += text_table(header, rows, right=(False, *[True] * 6)).splitlines()
    k = c.keras
    lines += [
        "",
        "Layers are Keras-equivalent layers; nodes are this implementation's traced operations.",
        keras_layers_sentence(k),
    ]
    for title, items in keras_mismatches(k):
        lines += [f"  {title}:", *(f"    {item}" for item in items)]
    return "\n".join(lines) + "\n"
