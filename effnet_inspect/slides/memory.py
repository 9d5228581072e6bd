"""The memory slide: why EfficientNet needs more memory than its parameter count suggests (issue 18).

Per variant, what a float32 training step keeps per image for the backward pass against what the parameters weigh,
on one log axis; the notes name where the activations sit (the early, high-resolution stages) and the largest batch
on a 16 GB card. Every number comes from the memory analysis of the analyses given.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from effnet_inspect.analysis.capacity import parse_capacity, usable
from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.memory import layer_memory
from effnet_inspect.analysis.memory_rows import MemoryLevel, MemoryOptions, MemoryRow, memory_row, part_rows
from effnet_inspect.analysis.rows import StageRow, stage_rows
from effnet_inspect.render.numbers import compact, mebibytes, share
from effnet_inspect.render.palette import BLOCK_COLORS
from effnet_inspect.slides.charts import INK, RC
from effnet_inspect.slides.frame import Slide

CARD = ("16 GB", "v100-16")  # the card of the notes (analysis/capacity.py)


def _size(value: int) -> str:
    return f"{value / 2**30:.1f} GiB" if value >= 2**30 else f"{mebibytes(value)} MiB"


def _maps(stage: StageRow) -> str:
    """'112\u00b2 and 56\u00b2' for a stage that halves its maps in its first sub-block, '7\u00b2' for one that
    does not."""
    sizes = dict.fromkeys(r for r in (stage.in_resolution, stage.out_resolution) if r)
    return " and ".join(f"{r}\u00b2" for r in sizes)


def memory_chart(names: Sequence[str], rows: Sequence[MemoryRow]) -> str:
    """One line per variant on a log MiB axis, from what the parameters weigh (hollow) to what a training step keeps
    per image (filled): on a log axis the line's length is the ratio, written above it."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, NullFormatter

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(12.4, 8.6), layout="constrained")
        ax = fig.subplots()
        y = list(range(len(rows)))[::-1]
        for row, r in zip(y, rows):
            weights, kept = r.weights / 2**20, r.activations_per_image / 2**20
            ax.plot([weights, kept], [row, row], color=INK, linewidth=2, zorder=1)
            ax.text((weights * kept) ** 0.5, row + 0.18, f"\u00d7{kept / weights:.1f}", ha="center", fontsize=15)
            ax.text(weights / 1.12, row, _size(r.weights), ha="right", va="center", fontsize=15, color=INK)
            ax.text(kept * 1.12, row, _size(r.activations_per_image), ha="left", va="center", fontsize=15, color=INK)
        ax.scatter(
            [r.weights / 2**20 for r in rows],
            y,
            s=170,
            facecolor="white",
            edgecolor=INK,
            linewidth=2,
            zorder=2,
            label="parameters (float32 weights)",
        )
        ax.scatter(
            [r.activations_per_image / 2**20 for r in rows],
            y,
            s=170,
            color=BLOCK_COLORS[2],
            edgecolor=INK,
            linewidth=1.2,
            zorder=2,
            label="activations a training step keeps per image",
        )
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:,.10g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())  # a narrow range labels minor ticks 2x10^-1, in small type
        low = min(r.weights for r in rows) / 2**20 / 4
        ax.set_xlim(low, max(r.activations_per_image for r in rows) / 2**20 * 4)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.set_yticks(y, list(names), fontsize=20, fontweight="bold")
        ax.grid(axis="x", color="#dddddd", linewidth=0.8)
        ax.set_xlabel("MiB, log scale (training, float32)")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=16)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None})  # no date: the same deck gives the same bytes
        return out.getvalue()


def memory(analyses: Sequence[Analysis]) -> list[tuple[str, Callable[[], Slide]]]:
    """One slide; its plan entry."""

    def make() -> Slide:
        card = ((CARD[0], parse_capacity(CARD[1])),)
        rows = [memory_row(a, MemoryOptions(fit=card), layer_memory(a)) for a in analyses]
        base, last = analyses[0], analyses[-1]
        first, final = rows[0], rows[-1]
        stages = part_rows(base, MemoryOptions(), MemoryLevel.STAGE)
        most = max(stages, key=lambda s: s.activations_per_image)
        heavy = max(stages, key=lambda s: s.weights)
        weights = sum(s.weights for s in stages)
        sizes = {r.stage: _maps(r) for r in stage_rows(base)}
        batches = {base.short_name: first, last.short_name: final}  # one variant: said once
        tensors = usable(card[0][1]) / 2**30
        notes = (
            f"{last.short_name}: {compact(final.params)} parameters and their batch-norm statistics weigh "
            f"{_size(final.weights)}; one image keeps {_size(final.activations_per_image)} for the backward pass, "
            f"\u00d7{final.activations_per_image / final.weights:.1f} as much.",
            f"In {base.short_name}, {most.stage} ({sizes[most.stage]} feature maps) keeps "
            f"{share(most.activations_per_image, first.activations_per_image)} of the activations with "
            f"{share(most.weights, weights)} of the weights; {heavy.stage} ({sizes[heavy.stage]}) holds "
            f"{share(heavy.weights, weights)} of the weights.",
            "Activations grow with resolution\u00b2 \u00d7 width \u00d7 depth, "
            "parameters with width\u00b2 \u00d7 depth.",
            f"Largest float32 training batch (Adam) on a {CARD[0]} card ({CARD[1]}: {tensors:.2f} GiB for tensors "
            f"beside the CUDA context): "
            + ", ".join(f"{name} {row.largest_batch[CARD[0]]}" for name, row in batches.items())
            + ".",
        )
        return Slide(
            "memory",
            "Why EfficientNet needs more memory than its parameters suggest",
            "training in float32: what a step keeps per image for backward vs what the parameters weigh",
            memory_chart([a.short_name for a in analyses], rows),
            notes,
        )

    return [("memory", make)]
