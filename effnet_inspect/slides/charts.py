"""Matplotlib charts for slides: where the multiply-accumulates go (per stage and per module type), and accuracy
against cost.

Colours come from the one palette; each segment also has a hatch pattern and, where it is wide enough, its name and
share written on it, so the chart still reads in greyscale; segments too narrow for words are named under the
chart with the range of their shares. Hatches are drawn as lines and dots clipped to their bar, not as pattern
fills: a PDF viewer tiles a pattern and leaves seams between the tiles. Text stays text (svg.fonttype none) in the
slide type sizes; the SVG gets a fixed hash salt and no date, so it is byte-identical from run to run.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

from effnet_inspect.analysis.measure import Analysis, totals
from effnet_inspect.analysis.rows import stage_rows
from effnet_inspect.arch.kinds import MODULE_TYPES
from effnet_inspect.arch.published import PAPER_TABLE2, SOURCE
from effnet_inspect.render.numbers import compact
from effnet_inspect.render.palette import MODULE_COLORS, STEM_COLOR, TOP_COLOR, stage_colors

INK = "#222222"
HATCH_INK = "#444444"
HATCHES = ("", "//", "..", "\\\\", "xx", "--", "++", "oo", "||")
HATCH_STEP = 0.16  # inches between hatch lines
LABELLED = 0.075  # a segment this wide (share of the bar) gets its name and share written on it
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
    "hatch.color": HATCH_INK,
    "hatch.linewidth": 0.8,
    "path.simplify": False,
}


def _hatch(fig: Figure, ax: Axes, bar: Rectangle, pattern: str) -> None:
    """The pattern drawn over one bar as real lines and dots (in inches, clipped to the bar)."""
    if not pattern:
        return
    box = bar.get_window_extent()
    x0, y0, x1, y1 = (v / fig.dpi for v in (box.x0, box.y0, box.x1, box.y1))
    if x1 - x0 <= 0:
        return
    span, step = (x1 - x0) + (y1 - y0), HATCH_STEP
    count = int(span / step) + 2
    segments = []
    for k in range(count):
        offset = k * step
        if "/" in pattern or "x" in pattern:
            segments.append([(x0 + offset - (y1 - y0), y0), (x0 + offset, y1)])
        if "\\" in pattern or "x" in pattern:
            segments.append([(x0 + offset, y0), (x0 + offset - (y1 - y0), y1)])
        middle = offset + step / 2  # straight lines between the edges, never on one (it would read as a border)
        if ("|" in pattern or "+" in pattern) and middle < x1 - x0:
            segments.append([(x0 + middle, y0), (x0 + middle, y1)])
        if ("-" in pattern or "+" in pattern) and middle < y1 - y0:
            segments.append([(x0, y0 + middle), (x1, y0 + middle)])
    if "." in pattern or "o" in pattern:  # dots and rings as short strokes (markers would be <use> elements, which
        # CairoSVG resolves by walking the whole document, once per mark)
        xs = [x0 + step * (i + 0.5) for i in range(int((x1 - x0) / step) + 1)]
        ys = [y0 + step * (j + 0.5) for j in range(int((y1 - y0) / step) + 1)]
        ring = [(0.035 * math.cos(k * math.pi / 4), 0.035 * math.sin(k * math.pi / 4)) for k in range(9)]
        mark = ring if "o" in pattern else [(0.0, 0.0), (0.001, 0.0)]
        segments += [[(x + dx, y + dy) for dx, dy in mark] for x in xs for y in ys]
    if segments:  # one path per bar: a path per line would be thousands of elements to write and to draw
        from matplotlib.patches import PathPatch
        from matplotlib.path import Path

        vertices = [point for segment in segments for point in segment]
        codes = [Path.LINETO if i else Path.MOVETO for segment in segments for i in range(len(segment))]
        patch = PathPatch(
            Path(vertices, codes),
            facecolor="none",
            edgecolor=HATCH_INK,
            linewidth=2.4 if "." in pattern else 0.8,  # a dot is a stroke as wide as it is long
            capstyle="round",
            transform=fig.dpi_scale_trans,
            zorder=2.1,
        )
        ax.add_patch(patch)
        patch.set_clip_path(bar)  # after adding: add_patch clips to the axes when no clip path is set


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def shares_chart(variants: Sequence[str], parts: Sequence[tuple[str, str, Sequence[float]]], what: str) -> str:
    """One horizontal bar per variant, split into parts (name, colour, values per variant) as shares of the total."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    totals_ = [sum(p[2][i] for p in parts) or 1.0 for i in range(len(variants))]
    narrow: dict[str, list[float]] = {}  # parts too narrow somewhere for their words: their shares there
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        ax = fig.subplots()
        y = list(range(len(variants)))[::-1]
        left = [0.0] * len(variants)
        drawn = []
        for number, (name, color, values) in enumerate(parts):
            shares = [v / t for v, t in zip(values, totals_)]
            bars = ax.barh(y, shares, left=left, height=0.72, color=color, edgecolor="white", linewidth=1.2)
            drawn.append((bars, HATCHES[number % len(HATCHES)]))
            for row, share, start in zip(y, shares, left):
                if share >= LABELLED:  # room for the words: name over share
                    ax.text(
                        start + share / 2,
                        row,
                        f"{name}\n{share:.0%}",
                        ha="center",
                        va="center",
                        fontsize=16,
                        color=INK,
                        zorder=3,
                        bbox=dict(boxstyle="round,pad=0.15", facecolor="white", alpha=0.85, linewidth=0),
                    )
                elif share > 0:
                    narrow.setdefault(name, []).append(share)
            left = [a + b for a, b in zip(left, shares)]
        ax.set_yticks(y, list(variants), fontsize=20, fontweight="bold")
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        label = f"share of the {what}"
        if narrow:
            label += "\ntoo narrow to label: " + ", ".join(
                f"{name} {_range(shares)}" for name, shares in narrow.items()
            )
        ax.set_xlabel(label)
        handles = [
            Patch(facecolor=color, edgecolor=HATCH_INK, hatch=HATCHES[i % len(HATCHES)], label=name)
            for i, (name, color, _) in enumerate(parts)
        ]
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(len(parts), 9),
            fontsize=18,
            handlelength=2.2,
            handleheight=1.2,
        )
        fig.draw_without_rendering()  # the layout is final: hatches can be drawn in inches
        fig.set_layout_engine("none")
        ax.set_autoscale_on(False)  # the hatches must not move the bars they were measured on
        for bars, pattern in drawn:
            for bar in bars:
                _hatch(fig, ax, bar, pattern)
        return _svg(fig)


def _range(shares: Sequence[float]) -> str:
    """'0.3%–1.8%', '< 0.1%–0.2%' (the same share once: '4.4%')."""
    shown = ["< 0.1%" if v < 0.001 else f"{v:.1%}" for v in (min(shares), max(shares))]
    return shown[0] if shown[0] == shown[1] else f"{shown[0]}\u2013{shown[1]}"


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


def accuracy_chart(analyses: Sequence[Analysis]) -> str:
    """ImageNet top-1 as the paper reports it against the parameters and MACs measured here, one point per released
    variant, both axes logarithmic (each step of phi about doubles the MACs)."""
    import matplotlib
    from matplotlib.figure import Figure

    shown = [a for a in analyses if a.is_official and a.name in PAPER_TABLE2]
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        axes = fig.subplots(1, 2, sharey=True)
        for ax, what, unit in ((axes[0], "params", "parameters"), (axes[1], "macs", "MACs")):
            xs = [float(getattr(totals(a.layers()), what)) for a in shown]
            ys = [PAPER_TABLE2[a.name].top1 for a in shown]
            ax.plot(xs, ys, color="#1f4e9e", linewidth=2, marker="o", markersize=10, zorder=2)
            for i, (a, x, top1) in enumerate(zip(shown, xs, ys)):
                last = i == len(shown) - 1  # its label goes above and to the left, inside the axes
                ax.annotate(
                    f"{a.short_name}  {top1:.1f}",
                    (x, top1),
                    xytext=(-12, 10) if last else (10, -22),
                    textcoords="offset points",
                    ha="right" if last else "left",
                    fontsize=18,
                    color=INK,
                )
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _pos: compact(v)))
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.set_xlabel(f"{unit} (measured here, log scale)", fontsize=18)
            ax.grid(True, which="major", color="#dddddd", linewidth=0.8)
            ax.margins(x=0.12, y=0.12)
        axes[0].set_ylabel("ImageNet top-1 accuracy, %", fontsize=18)
        fig.suptitle(f"top-1: quoted from {SOURCE}, not measured", fontsize=18, color="#555555")
        return _svg(fig)
