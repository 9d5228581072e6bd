"""Charts of a benchmark run (records from effnet_inspect.bench_results), as deterministic SVG text.

One small panel per measured configuration (precision, channels-last, compiled, CUDA graphs), one line per
variant, so that a GPU matrix of many configurations stays readable.
"""
from __future__ import annotations

import math
from typing import Sequence

from effnet_inspect.bench.results import BenchResult
from effnet_inspect.report.charts import INK, PAPER, chart_style, new_figure, svg_text, variant_colours


def config_label(r: BenchResult) -> str:
    return " + ".join([r.precision.value, *r.flags])


def series_label(r: BenchResult) -> str:
    return f"{r.variant} @ {r.resolution}"


def _grid(count: int) -> tuple[int, int]:
    cols = min(4, count)
    return cols, math.ceil(count / cols)


def _panels(results: Sequence[BenchResult]) -> dict[str, dict[str, list[BenchResult]]]:
    """config -> series -> results sorted by measured batch size (ok results only, run order kept)."""
    panels: dict[str, dict[str, list[BenchResult]]] = {}
    for r in results:
        if r.throughput is None or r.latency is None:
            continue
        panels.setdefault(config_label(r), {}).setdefault(series_label(r), []).append(r)
    for series in panels.values():
        for points in series.values():
            points.sort(key=lambda r: r.measured_batch_size or r.batch_size)
    return panels


def _batch(r: BenchResult) -> int:
    return r.measured_batch_size or r.batch_size


def _series_colours(results: Sequence[BenchResult]) -> dict[str, str]:
    names = list(dict.fromkeys(series_label(r) for r in results))
    return dict(zip(names, variant_colours(len(names))))


def throughput_chart(results: Sequence[BenchResult]) -> str | None:
    """Images per second against batch size, per variant, one panel per configuration."""
    return _per_config(results, "throughput (images/s)", lambda r: r.throughput, band=None)


def latency_chart(results: Sequence[BenchResult]) -> str | None:
    """Median latency of one batch against batch size; the shaded band reaches the 99th percentile."""
    return _per_config(results, "latency per batch (ms): p50, band to p99", lambda r: r.latency.p50_ms,
                       band=lambda r: r.latency.p99_ms)


def _log_label(value: float, _pos=None) -> str:
    """Plain numbers on log axes, only at 1, 2 and 5 times a power of ten (no 6x10^2 clutter)."""
    if value <= 0:
        return ""
    mantissa = value / 10 ** math.floor(math.log10(value) + 1e-9)
    return f"{value:,.10g}" if round(mantissa, 6) in (1.0, 2.0, 5.0) else ""


def _per_config(results, ylabel, value, band) -> str | None:
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
                ax.plot(xs, [value(r) for r in points], marker="o", markersize=4, linewidth=1.4,
                        color=colours[name], label=name)
                if band is not None:
                    ax.fill_between(xs, [value(r) for r in points], [band(r) for r in points],
                                    color=colours[name], alpha=0.18, linewidth=0)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:g}"))
            ax.yaxis.set_major_formatter(FuncFormatter(_log_label))
            ax.yaxis.set_minor_formatter(FuncFormatter(_log_label))
            ax.set_title(config)
            ax.set_xlabel("batch size")
            ax.set_ylabel(ylabel, fontsize=9)
        for ax in flat[len(panels):]:
            ax.set_visible(False)
        handles = {}
        for ax in flat[:len(panels)]:
            for h, label in zip(*ax.get_legend_handles_labels()):
                handles.setdefault(label, h)
        fig.legend(list(handles.values()), list(handles), loc="outside right center", title="variant @ pixels")
        return svg_text(fig)


def stage_share_chart(picked: Sequence[BenchResult]) -> str | None:
    """Per variant: each stage's share of the measured time beside its share of the MACs."""
    picked = [r for r in picked if r.stages is not None]
    if not picked:
        return None
    cols, rows = _grid(len(picked))
    with chart_style():
        fig, axes = new_figure(3.4 * cols, 3.2 * rows, ncols=cols, nrows=rows)
        flat = [ax for row in axes for ax in row]
        for ax, r in zip(flat, picked):
            stages = [s.stage for s in r.stages.stages]
            y = list(range(len(stages)))
            ax.barh([i - 0.2 for i in y], [100 * s.time_share for s in r.stages.stages], height=0.4,
                    color=PAPER, label="share of time")
            ax.barh([i + 0.2 for i in y], [100 * s.mac_share for s in r.stages.stages], height=0.4,
                    color=INK, alpha=0.55, label="share of MACs")
            ax.set_yticks(y, stages)
            ax.invert_yaxis()
            ax.set_xlabel("% of the whole model")
            ax.set_title(f"{series_label(r)}, batch {_batch(r)}", fontsize=10)
            ax.grid(axis="y", visible=False)
        for ax in flat[len(picked):]:
            ax.set_visible(False)
        handles, labels = flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=2)
        return svg_text(fig)

