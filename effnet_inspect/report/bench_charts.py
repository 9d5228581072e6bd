"""Charts of a benchmark run (records from effnet_inspect.bench.results), as deterministic SVG text.

Throughput and latency: one small panel per measured configuration (precision, channels-last, compiled, CUDA
graphs), one line per implementation, so that a GPU matrix of many configurations stays readable. Per stage:
share of time beside share of MACs, and the roofline, one point per stage.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from effnet_inspect.bench.results import BenchResult, Ceilings, StageTime
from effnet_inspect.render.palette import stage_colors
from effnet_inspect.report.charts import INK, PAPER, chart_style, new_figure, svg_text, variant_colours

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def config_label(r: BenchResult) -> str:
    return " + ".join([r.precision.value, *r.flags])


def series_label(r: BenchResult) -> str:
    return f"{r.model} @ {r.resolution}"


def natural(label: str) -> list:
    """Sort key that puts b2 before b10 and b0 @ 224 before b0 @ 600."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", label)]


def series_names(results: Sequence[BenchResult]) -> list[str]:
    return sorted({series_label(r) for r in results}, key=natural)


def _grid(count: int) -> tuple[int, int]:
    cols = min(4, count)
    return cols, math.ceil(count / cols)


def _batch(r: BenchResult) -> int:
    return r.measured_batch_size or r.batch_size


def _panels(results: Sequence[BenchResult]) -> dict[str, dict[str, list[BenchResult]]]:
    """config -> series -> results sorted by measured batch size (ok results only, run order kept)."""
    panels: dict[str, dict[str, list[BenchResult]]] = {}
    for r in results:
        if r.throughput is None or r.latency is None:
            continue
        panels.setdefault(config_label(r), {}).setdefault(series_label(r), []).append(r)
    order = {name: i for i, name in enumerate(series_names(results))}
    for config, series in panels.items():
        for points in series.values():
            points.sort(key=_batch)
        panels[config] = dict(sorted(series.items(), key=lambda kv: order[kv[0]]))
    return panels


def _series_colours(results: Sequence[BenchResult]) -> dict[str, str]:
    names = series_names(results)
    return dict(zip(names, variant_colours(len(names))))


def throughput_chart(results: Sequence[BenchResult]) -> str | None:
    """Images per second against batch size, per implementation, one panel per configuration."""
    return _per_config(results, "throughput (images/s)", lambda r: r.throughput, band=None)


def latency_chart(results: Sequence[BenchResult]) -> str | None:
    """Median latency of one batch against batch size; the shaded band reaches the 99th percentile."""
    return _per_config(
        results,
        "latency per batch (ms): p50, band to p99",
        lambda r: r.latency.p50_ms if r.latency else None,
        band=lambda r: r.latency.p99_ms if r.latency else None,
    )


def _log_label(value: float, _pos: object = None) -> str:
    """Plain numbers on log axes, only at 1, 2 and 5 times a power of ten (no 6x10^2 clutter)."""
    if value <= 0:
        return ""
    mantissa = value / 10 ** math.floor(math.log10(value) + 1e-9)
    return f"{value:,.10g}" if round(mantissa, 6) in (1.0, 2.0, 5.0) else ""


def _per_config(
    results: Sequence[BenchResult],
    ylabel: str,
    value: Callable[[BenchResult], float | None],  # None only for results that were not measured (never plotted)
    band: Callable[[BenchResult], float | None] | None,
) -> str | None:
    from matplotlib.ticker import FuncFormatter

    panels = _panels(results)
    if not panels:
        return None
    colours = _series_colours(results)
    cols, rows = _grid(len(panels))
    with chart_style():
        fig, axes = new_figure(3.3 * cols + 1.8, 2.9 * rows, ncols=cols, nrows=rows)
        flat = [ax for row in axes for ax in row]
        for ax, (config, series) in zip(flat, panels.items()):
            for name, points in series.items():
                xs = [_batch(r) for r in points]
                ax.plot(
                    xs,
                    [value(r) for r in points],
                    marker="o",
                    markersize=4,
                    linewidth=1.4,
                    color=colours[name],
                    label=name,
                )
                if band is not None:
                    ax.fill_between(
                        xs,
                        [value(r) for r in points],
                        [band(r) for r in points],
                        color=colours[name],
                        alpha=0.18,
                        linewidth=0,
                    )
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:g}"))
            ax.yaxis.set_major_formatter(FuncFormatter(_log_label))
            ax.yaxis.set_minor_formatter(FuncFormatter(_log_label))
            ax.set_title(config)
            ax.set_xlabel("batch size")
            ax.set_ylabel(ylabel, fontsize=9)
        for ax in flat[len(panels) :]:
            ax.set_visible(False)
        handles: dict[str, Any] = {}
        for ax in flat[: len(panels)]:
            for h, label in zip(*ax.get_legend_handles_labels()):
                handles.setdefault(label, h)
        names = sorted(handles, key=natural)
        fig.legend([handles[n] for n in names], names, loc="outside right center", title="model @ pixels")
        return svg_text(fig)


def stage_share_chart(picked: Sequence[BenchResult]) -> str | None:
    """Per implementation: each stage's share of the measured time beside its share of the MACs."""
    picked = [r for r in picked if r.stages is not None]
    if not picked:
        return None
    cols, rows = _grid(len(picked))
    with chart_style():
        fig, axes = new_figure(3.4 * cols, 3.2 * rows, ncols=cols, nrows=rows)
        flat = [ax for row in axes for ax in row]
        for ax, r in zip(flat, picked):
            stages = [s.stage for s in r.split().stages]
            y = list(range(len(stages)))
            ax.barh(
                [i - 0.2 for i in y],
                [100 * s.time_share for s in r.split().stages],
                height=0.4,
                color=PAPER,
                label="share of time",
            )
            ax.barh(
                [i + 0.2 for i in y],
                [100 * s.mac_share for s in r.split().stages],
                height=0.4,
                color=INK,
                alpha=0.55,
                label="share of MACs",
            )
            ax.set_yticks(y, stages)
            ax.invert_yaxis()
            ax.set_xlabel("% of the whole model")
            ax.set_title(f"{series_label(r)}, batch {_batch(r)}", fontsize=10)
            ax.grid(axis="y", visible=False)
        for ax in flat[len(picked) :]:
            ax.set_visible(False)
        handles, labels = flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=2)
        return svg_text(fig)


def roofline_chart(picked: Sequence[BenchResult], ceilings: Ceilings | None) -> str | None:
    """The classic roofline: achieved TFLOP/s against FLOP per byte, one point per stage (colour) and
    implementation (marker), under the memory roof (copy bandwidth x intensity) and the compute roof (matmul)."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    picked = [r for r in picked if r.stages is not None]
    if not picked:
        return None
    stages = list(dict.fromkeys(s.stage for r in picked for s in r.split().stages))
    colours = stage_colors(stages)  # the report's one palette for stages

    def drawn(s: StageTime) -> bool:  # a point needs a place on both log axes
        return s.time_ms > 0 and s.intensity > 0 and s.achieved_tflops > 0

    xs = [s.intensity for r in picked for s in r.split().stages if drawn(s)]
    if not xs:
        return None
    tflops = ceilings.matmul_tflops.get(picked[0].precision.value) if ceilings and ceilings.copy_gb_s > 0 else None
    roofs = []
    with chart_style():
        fig, axes = new_figure(9.6, 5.0)
        ax = axes[0][0]
        low, high = min(xs) / 2, max(xs) * 2
        if tflops and ceilings is not None:
            bandwidth = ceilings.copy_gb_s / 1000  # TB/s: TFLOP/s = TB/s x FLOP/byte
            ridge = tflops / bandwidth
            high = max(high, ridge * 3)
            grid = [low * (high / low) ** (i / 200) for i in range(201)]
            ax.plot(grid, [min(tflops, bandwidth * x) for x in grid], color=INK, linewidth=1.6, zorder=2)
            ax.axvline(ridge, color=INK, alpha=0.4, linewidth=1.0, linestyle="--", zorder=1)
            roofs = [
                Line2D(
                    [],
                    [],
                    color=INK,
                    linewidth=1.6,
                    label=f"roofs: copy {ceilings.copy_gb_s:,.0f} GB/s,\n{picked[0].precision.value} matmul "
                    f"{tflops:,.4g} TFLOP/s",
                ),
                Line2D([], [], color=INK, alpha=0.4, linestyle="--", label=f"ridge: {ridge:,.3g} FLOP/byte"),
            ]
        for i, r in enumerate(picked):
            for s in (s for s in r.split().stages if drawn(s)):
                ax.scatter(
                    s.intensity,
                    s.achieved_tflops,
                    s=48,
                    marker=MARKERS[i % len(MARKERS)],
                    color=colours[s.stage],
                    edgecolor=INK,
                    linewidth=0.5,
                    zorder=3,
                )
                if i == 0:  # names once: the other implementations' points sit beside the same stages
                    ax.annotate(
                        s.stage,
                        (s.intensity, s.achieved_tflops),
                        textcoords="offset points",
                        xytext=(6, -3),
                        fontsize=7,
                        color=INK,
                        zorder=4,
                        bbox=dict(boxstyle="round,pad=0.1", facecolor="white", edgecolor="none", alpha=0.75),
                    )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(low, high)
        ax.xaxis.set_major_formatter(FuncFormatter(_log_label))
        ax.yaxis.set_major_formatter(FuncFormatter(_log_label))
        ax.set_xlabel("arithmetic intensity (FLOP per byte moved)")
        ax.set_ylabel("achieved TFLOP/s")
        handles = roofs + [
            Line2D([], [], marker="o", linestyle="", color=colours[s], markeredgecolor=INK, label=s) for s in stages
        ]
        handles += [
            Line2D(
                [],
                [],
                marker=MARKERS[i % len(MARKERS)],
                linestyle="",
                color="white",
                markeredgecolor=INK,
                label=f"{series_label(r)}, batch {_batch(r)}",
            )
            for i, r in enumerate(picked)
        ]
        fig.legend(handles=handles, loc="outside right center", fontsize=8)
        ax.set_title(f"Roofline per stage, {config_label(picked[0])}")
        return svg_text(fig)
