"""The memory section of a variant page, and the training batches of the decision view (issue 18).

Per stage, what a training step keeps for backward per image against what the stage's parameters weigh, on one
MiB axis: the early, high-resolution stages hold the activations, the late ones the parameters. Sentences are
made from the records (nothing typed in), so they hold for every variant the page is written for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from effnet_inspect.analysis.capacity import parse_capacity
from effnet_inspect.analysis.memory import layer_memory
from effnet_inspect.analysis.memory_rows import MemoryLevel, MemoryOptions, MemoryRow, PartRow, memory_row, part_rows
from effnet_inspect.render.numbers import mebibytes, share
from effnet_inspect.render.palette import stage_colors
from effnet_inspect.report.charts import GRID, INK, chart_style, new_figure, svg_text
from effnet_inspect.report.data import VariantData, Writer
from effnet_inspect.report.html import Figure, HtmlTable, table

# The decision view's cards: a 16 GB and an 80 GB one, as PyTorch reports their memory (analysis/capacity.py).
DECISION_CARDS = (("16 GB", "v100-16"), ("80 GB", "a100-80"))


@dataclass(frozen=True)
class MemorySection:
    sentences: tuple[str, ...]
    figure: Figure
    table: HtmlTable


def sentences(title: str, row: MemoryRow, stages: Sequence[PartRow]) -> tuple[str, ...]:
    """What the chart shows, in words, from the records."""
    most = max(stages, key=lambda s: s.activations_per_image)
    heavy = max(stages, key=lambda s: s.weights)
    batches = "; ".join(f"{label} card, {b} images" for label, b in row.largest_batch.items())
    return (
        f"A float32 training step of {title} keeps {mebibytes(row.activations_per_image)} MiB per image for the "
        f"backward pass: {row.activations_per_image / row.weights:.1f} times the {mebibytes(row.weights)} MiB its "
        "parameters weigh. Gradients weigh as much as the parameters again, Adam's state twice as much.",
        f"Stage {most.stage} ({most.resolution}\u00d7{most.resolution} feature maps) keeps "
        f"{share(most.activations_per_image, row.activations_per_image)} of those activations with "
        f"{share(most.weights, row.weights)} of the weights; {heavy.stage} ({heavy.resolution}\u00d7"
        f"{heavy.resolution}) holds {share(heavy.weights, row.weights)} of the weights and keeps "
        f"{share(heavy.activations_per_image, row.activations_per_image)} of the activations.",
        f"The largest training batch that fits (float32, Adam, the whole step's peak): {batches}. For a larger "
        "one, effnet-inspect memory --checkpoint auto finds the stages to recompute.",
    )


def training_batches(v: VariantData) -> dict[str, int]:
    """The largest fp32 training batch (Adam) per decision card; empty for a model whose stages are unknown."""
    options = MemoryOptions(fit=tuple((label, parse_capacity(card)) for label, card in DECISION_CARDS))
    return memory_row(v.analysis, options).largest_batch


def memory_chart(stages: Sequence[PartRow], narrow: bool = False) -> str:
    """Per stage, two bars on one MiB axis: activations kept per image (training, fp32) and parameter weights."""
    from matplotlib.patches import Patch

    colours = stage_colors([s.stage for s in stages])
    with chart_style():
        fig, axes = new_figure(*((4.2, 5.2) if narrow else (8.0, 4.2)))
        ax = axes[0][0]
        rows = range(len(stages))
        height = 0.38
        ax.barh(
            [i - height / 2 for i in rows],
            [s.activations_per_image / 2**20 for s in stages],
            height=height,
            color=[colours[s.stage] for s in stages],
            edgecolor=INK,
            linewidth=0.5,
            label="activations kept for backward, per image",
        )
        ax.barh(
            [i + height / 2 for i in rows],
            [s.weights / 2**20 for s in stages],
            height=height,
            color="white",
            edgecolor=INK,
            hatch="////",
            linewidth=0.5,
            label="parameters (weights)",
        )
        ax.set_yticks(list(rows), [s.stage for s in stages])
        ax.invert_yaxis()  # the network from top to bottom, as the diagrams draw it
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", color=GRID)
        ax.set_xlabel("MiB (float32)")
        ax.set_title(
            "Memory per stage:\nactivations vs parameters" if narrow else "Memory per stage: activations vs parameters"
        )
        handles = [
            Patch(
                facecolor="#bbbbbb",
                edgecolor=INK,
                linewidth=0.5,
                label="activations kept for backward, per image (stage colour)",
            ),
            Patch(facecolor="white", edgecolor=INK, linewidth=0.5, hatch="////", label="parameters (weights)"),
        ]
        if narrow:
            fig.legend(handles=handles, loc="outside lower center", fontsize=9)
        else:
            ax.legend(handles=handles, loc="lower right", fontsize=8)
        return svg_text(fig)


def memory_section(writer: Writer, v: VariantData) -> MemorySection | None:
    """The section, with its chart written to charts/; None for a model whose stages cannot be found."""
    a = v.analysis
    rows = layer_memory(a)
    stages = part_rows(a, MemoryOptions(), MemoryLevel.STAGE, rows)
    if len(stages) < 2:
        return None
    cards = tuple((label, parse_capacity(card)) for label, card in DECISION_CARDS)
    row = memory_row(a, MemoryOptions(fit=cards), rows)
    figure = Figure(
        alt=f"Bar chart: per stage of {v.title}, the activations a training step keeps per image against the "
        "memory of the stage's parameters, in MiB",
        caption=f"{v.title}, training in float32: what each stage keeps for the backward pass per image (coloured) "
        "against what its parameters weigh (hatched), from effnet-inspect memory "
        f"{a.name} --level stage.",
        src=writer.write(f"charts/memory-{v.slug}.svg", memory_chart(stages)),
        narrow=writer.write(f"charts/memory-{v.slug}-narrow.svg", memory_chart(stages, narrow=True)),
    )
    body = [
        (
            s.stage,
            str(s.resolution or ""),
            mebibytes(s.activations_per_image),
            share(s.activations_per_image, row.activations_per_image),
            mebibytes(s.weights),
            share(s.weights, row.weights),
        )
        for s in stages
    ]
    html = table(
        f"Training memory per stage of {v.title} (float32, per image)",
        ("Stage", "Res", "Activations (MiB)", "of all", "Weights (MiB)", "of all"),
        body,
        (False, True, True, True, True, True),
        id="memory-table",
    )
    return MemorySection(sentences(v.title, row, stages), figure, html)
