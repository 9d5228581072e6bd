"""Matplotlib charts for slides: where the multiply-accumulates go, per stage and per module type.

Colours come from the one palette; each segment also has a hatch pattern and, where it is wide enough, its name and
share written on it, so the chart still reads in greyscale. Text stays text (svg.fonttype none) in the slide type
sizes; the SVG gets a fixed hash salt and no date, so it is byte-identical from run to run.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.rows import stage_rows
from effnet_inspect.arch.kinds import MODULE_TYPES
from effnet_inspect.render.palette import MODULE_COLORS, STEM_COLOR, TOP_COLOR, stage_colors

INK = "#222222"
HATCHES = ("", "//", "..", "\\\\", "xx", "--", "++", "oo", "||")
WIDTH_IN, HEIGHT_IN = 18.5, 8.8  # the slide's figure box, in inches at 72 pt
RC: Any = {  # Any: Matplotlib types rc keys as literals
    "svg.fonttype": "none",
    "svg.hashsalt": "effnet-inspect",
    "font.family": "DejaVu Sans",
    "font.size": 18,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "hatch.color": "#444444",
    "hatch.linewidth": 0.8,
    "path.simplify": False,
}


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def shares_chart(variants: Sequence[str], parts: Sequence[tuple[str, str, Sequence[float]]], what: str) -> str:
    """One horizontal bar per variant, split into parts (name, colour, values per variant) as shares of the total."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    totals = [sum(p[2][i] for p in parts) or 1.0 for i in range(len(variants))]
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        ax = fig.subplots()
        y = list(range(len(variants)))[::-1]
        left = [0.0] * len(variants)
        for number, (name, color, values) in enumerate(parts):
            shares = [v / t for v, t in zip(values, totals)]
            ax.barh(
                y,
                shares,
                left=left,
                height=0.72,
                color=color,
                edgecolor="white",
                linewidth=1.2,
                hatch=HATCHES[number % len(HATCHES)],
                label=name,
            )
            for row, share, start in zip(y, shares, left):
                if share >= 0.075:  # room for the words: name over share
                    ax.text(
                        start + share / 2,
                        row,
                        f"{name}\n{share:.0%}",
                        ha="center",
                        va="center",
                        fontsize=15,
                        color=INK,
                        bbox=dict(boxstyle="round,pad=0.15", facecolor="white", alpha=0.8, linewidth=0),
                    )
            left = [a + b for a, b in zip(left, shares)]
        ax.set_yticks(y, list(variants), fontsize=20, fontweight="bold")
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(f"share of the {what}")
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=min(len(parts), 9),
            fontsize=16,
            handlelength=2.2,
            handleheight=1.2,
        )
        return _svg(fig)


def macs_by_stage(analyses: Sequence[Analysis]) -> str:
    rows = [{r.stage: r for r in stage_rows(a)} for a in analyses]
    stages = list(dict.fromkeys(s for r in rows for s in r))
    colors = stage_colors(stages)
    parts = [(s, colors[s], [float(r[s].macs) if s in r else 0.0 for r in rows]) for s in stages]
    return shares_chart([a.short_name for a in analyses], parts, "multiply-accumulates (MACs)")


def macs_by_module(analyses: Sequence[Analysis]) -> str:
    """Stem, expansion, Module 1-5 and top: which kind of layer group does the arithmetic."""
    names = ["stem", *(t.label for t in MODULE_TYPES), "top"]
    values: dict[str, list[float]] = {n: [] for n in names}
    for a in analyses:
        found = dict.fromkeys(names, 0.0)
        stages = a.grouping.stages
        found["stem"] = float(sum(layer.macs for layer in a.layers(stages[0].layers)))
        found["top"] = float(sum(layer.macs for layer in a.layers(stages[-1].layers)))
        for block in a.grouping.sub_blocks:
            for module in block.modules:
                found[module.type.label] += sum(layer.macs for layer in a.layers(module.layers))
        for n in names:
            values[n].append(found[n])
    colors = {"stem": STEM_COLOR, "top": TOP_COLOR, **{t.label: MODULE_COLORS[t] for t in MODULE_TYPES}}
    parts = [(n, colors[n], values[n]) for n in names if any(values[n])]
    return shares_chart([a.short_name for a in analyses], parts, "multiply-accumulates (MACs)")
