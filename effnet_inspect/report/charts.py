"""Matplotlib charts of the report, as deterministic SVG text (same input, byte-identical output).

Every chart reads plain records (FamilyRow, StageRow, published rows) and returns an SVG string. Matplotlib is
imported inside the functions so that the CLI's other commands start fast; figures are built with the
object-oriented API (no pyplot global state), and the SVG writer gets a fixed hash salt (ids of clip paths and
glyphs) and no date.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from effnet_inspect.analysis.rows import FamilyRow, StageRow
from effnet_inspect.arch.published import PaperRow
from effnet_inspect.arch.specs import ALPHA, BASE_RESOLUTION, BETA, GAMMA, Variant
from effnet_inspect.render.numbers import axis_billions, axis_millions
from effnet_inspect.render.palette import stage_colors

# Stages take the palette's colours (render/palette.py); variants a viridis ramp (ordered, colour-blind safe).
INK = "#1f2933"
GRID = "#d9dee4"
PAPER = "#c0392b"

RC: dict[Any, Any] = {  # matplotlib types its keys as a Literal of every rc name
    "svg.hashsalt": "effnet-inspect",  # stable ids inside the SVG
    "svg.fonttype": "path",  # glyphs as paths: the chart looks the same without the font installed
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.grid": True,
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "path.simplify": False,
}


@contextmanager
def chart_style() -> Iterator[None]:
    import matplotlib

    with matplotlib.rc_context(RC):
        yield


def new_figure(width: float, height: float, ncols: int = 1, nrows: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes


def svg_text(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def variant_colours(count: int) -> list[str]:
    """Distinct colours for variants in order (B0 light to B7 dark on the same hue ramp)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["viridis"]
    return [to_hex(cmap(0.88 * i / max(1, count - 1))) for i in range(count)]


# ------------------------------------------------------------------------------------------ family charts
def params_vs_macs(rows: Sequence[FamilyRow], paper: Mapping[str, PaperRow], narrow: bool = False) -> str:
    """Measured parameters against MACs on log axes, with the paper's Table 2 points beside them."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    with chart_style():
        fig, axes = new_figure(*((4.2, 3.6) if narrow else (6.4, 4.4)))
        ax = axes[0][0]
        colours = variant_colours(len(rows))
        ax.plot([r.macs for r in rows], [r.params for r in rows], color=GRID, linewidth=1.2, zorder=1)
        for row, colour in zip(rows, colours):
            ax.scatter(row.macs, row.params, s=55, color=colour, edgecolor=INK, linewidth=0.6, zorder=3)
            ax.annotate(
                row.variant.upper(),
                (row.macs, row.params),
                textcoords="offset points",
                xytext=(7, -11),
                fontsize=9,
                color=INK,
            )
        shown = [paper[r.variant] for r in rows if r.variant in paper]
        if shown:
            ax.scatter(
                [p.flops for p in shown],
                [p.params for p in shown],
                s=90,
                facecolor="none",
                edgecolor=PAPER,
                linewidth=1.4,
                marker="D",
                zorder=2,
                label="paper, Table 2",
            )
        ax.scatter([], [], s=55, color=colours[0], edgecolor=INK, linewidth=0.6, label="measured (effnet-inspect)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        for axis, fmt in ((ax.xaxis, axis_billions), (ax.yaxis, axis_millions)):
            axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))  # 1-2-5 ticks: readable values
            axis.set_major_formatter(FuncFormatter(fmt))
            axis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(
            'MACs per image (the paper\'s "FLOPs"), log'
            if narrow
            else 'MACs per image (the paper\'s "FLOPs"), log scale'
        )
        ax.set_ylabel("parameters, log scale")
        ax.set_title("Parameters vs MACs")
        ax.legend(loc="upper left")
        ax.margins(0.12)
        return svg_text(fig)


def _short(stage: str) -> str:
    """The label inside a bar segment: 1-7 for the blocks, S and T for stem and top."""
    return stage.removeprefix("block") if stage.startswith("block") else stage[:1].upper()


def stage_bars(rows: Sequence[StageRow], variants: Sequence[str], narrow: bool = False) -> str:
    """Stacked bars per variant: parameters and MACs per stage, in absolute numbers and as shares.

    Segments of the share panels carry their stage's number (S and T for stem and top) where they are tall
    enough, so the chart reads without colour too (greyscale print, colour-blind readers)."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    stages = list(dict.fromkeys(r.stage for r in rows))
    colours = stage_colors(stages)
    by_key = {(r.variant, r.stage): r for r in rows}
    with chart_style():
        if narrow:
            fig, axes = new_figure(4.4, 12.0, ncols=1, nrows=4, sharex=True)
        else:
            fig, axes = new_figure(10, 7.2, ncols=2, nrows=2, sharex=True)
        labels = [v.upper() for v in variants]
        x = range(len(variants))
        for col, (metric, title, fmt) in enumerate(
            (("params", "Parameters", axis_millions), ("macs", "MACs", axis_billions))
        ):
            values = {s: [getattr(by_key[(v, s)], metric) if (v, s) in by_key else 0 for v in variants] for s in stages}
            totals = [sum(values[s][i] for s in stages) or 1 for i in range(len(variants))]
            for row, share in enumerate((False, True)):
                ax = axes[2 * col + row][0] if narrow else axes[row][col]
                bottom = [0.0] * len(variants)
                for s in stages:
                    heights = [val / tot if share else val for val, tot in zip(values[s], totals)]
                    ax.bar(
                        x,
                        heights,
                        bottom=bottom,
                        color=colours[s],
                        edgecolor="white",
                        linewidth=0.5,
                        label=s,
                        width=0.72,
                    )
                    if share:
                        for i, (b, h) in enumerate(zip(bottom, heights)):
                            if h >= 0.045:
                                ax.text(i, b + h / 2, _short(s), ha="center", va="center", fontsize=7, color=INK)
                    bottom = [b + h for b, h in zip(bottom, heights)]
                if share:
                    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
                    ax.set_ylim(0, 1)
                    ax.set_title(f"{title}: share per stage")
                else:
                    ax.yaxis.set_major_formatter(FuncFormatter(fmt))
                    ax.set_title(f"{title} per stage")
                ax.grid(axis="x", visible=False)
                ax.set_xticks(list(x), labels)
                ax.tick_params(axis="x", labelbottom=True)
        handles, names = axes[0][0].get_legend_handles_labels()
        if narrow:
            fig.legend(handles, names, loc="outside lower center", ncols=5, title="stage (S stem, T top)", fontsize=8)
        else:
            fig.legend(handles[::-1], names[::-1], loc="outside right center", title="stage\n(S stem, T top)")
        return svg_text(fig)


def implied_phi(coefficient: float, base: float) -> float:
    """The phi at which base**phi equals a released coefficient (how far along the ideal curve it sits)."""
    return math.log(coefficient) / math.log(base)


def compound_scaling(variants: Sequence[Variant], narrow: bool = False) -> str:
    """Width, depth and resolution against phi: the paper's curves, and the released coefficients at phi = i.

    The released B1-B7 coefficients were rounded and hand-picked, so they do not lie on the curves; each released
    variant Bi is drawn at phi = i (its position in the family) with its actual coefficient.
    """
    with chart_style():
        fig, axes = new_figure(4.2, 9.0, ncols=1, nrows=3) if narrow else new_figure(10, 3.5, ncols=3)
        official = [(int(v.name[1:]), v) for v in variants if v.is_official]
        top = max([7, *(i for i, _ in official)])
        steps = [top * k / 100 for k in range(101)]
        panels = (
            ("width", BETA, lambda v: v.width, "width multiplier"),
            ("depth", ALPHA, lambda v: v.depth, "depth multiplier"),
            ("resolution", GAMMA, lambda v: v.resolution, "input size (pixels)"),
        )
        colours = variant_colours(len(official))
        for ax, (name, base, value, label) in zip([row[0] for row in axes] if narrow else axes[0], panels):
            scale = BASE_RESOLUTION if name == "resolution" else 1.0
            ax.plot(
                steps,
                [scale * base**p for p in steps],
                color=INK,
                linewidth=1.4,
                label=f"{scale:g} x {base}^phi" if scale != 1 else f"{base}^phi",
            )
            for (i, v), colour in zip(official, colours):
                ax.scatter(i, value(v), s=45, color=colour, edgecolor=INK, linewidth=0.6, zorder=3)
                ax.annotate(v.name.upper(), (i, value(v)), textcoords="offset points", xytext=(-8, 7), fontsize=8)
            ax.set_title(name.capitalize())
            ax.set_xlabel("phi (released Bi drawn at phi = i)")
            ax.set_ylabel(label)
            ax.legend(loc="upper left")
        return svg_text(fig)


def accuracy_chart(points: Sequence[tuple[str, float, float]], xlabel: str, title: str, narrow: bool = False) -> str:
    """The paper's top-1 accuracy against a cost (x, log scale): one labelled dot per variant, joined in order.

    points: (variant label, cost, top-1 %)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    with chart_style():
        fig, axes = new_figure(*((4.2, 3.4) if narrow else (6.0, 4.0)))
        ax = axes[0][0]
        colours = variant_colours(len(points))
        ax.plot([p[1] for p in points], [p[2] for p in points], color=GRID, linewidth=1.2, zorder=1)
        for (label, cost, top1), colour in zip(points, colours):
            ax.scatter(cost, top1, s=55, color=colour, edgecolor=INK, linewidth=0.6, zorder=3)
            ax.annotate(label, (cost, top1), textcoords="offset points", xytext=(6, -12), fontsize=9, color=INK)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:,.10g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(xlabel)
        ax.set_ylabel("ImageNet top-1 % (paper)")
        ax.set_title(title)
        ax.margins(0.12)
        return svg_text(fig)
