"""The report's index page: the family at a glance, the decision view, the paper and the article reconciled, the
charts and the side-by-side explorer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from effnet_inspect import __version__
from effnet_inspect.arch.published import PAPER_TABLE2, SOURCE, SOURCE_URL
from effnet_inspect.render.tables import Level
from effnet_inspect.report.article import article_facts, channels_table, layer_count_table
from effnet_inspect.report.data import Nav, VariantData, Writer
from effnet_inspect.report.decision import SHARED_RESOLUTION, Decision, SpeedSource, decision_table
from effnet_inspect.report.diagrams import module_colours
from effnet_inspect.report.html import Download, Figure, records_table, render
from effnet_inspect.report.sections import (
    family_span,
    implied_phi_table,
    index_title,
    module_counts_table,
    paper_comparison,
)


def chart(writer: Writer, name: str, alt: str, caption: str, draw: Callable[[bool], str]) -> Figure:
    """A chart written twice: for wide screens and paper, and a narrow one (panels stacked) for phones."""
    return Figure(
        alt,
        caption,
        src=writer.write(f"charts/{name}.svg", draw(False)),
        narrow=writer.write(f"charts/{name}-narrow.svg", draw(True)),
    )


def decision_figures(writer: Writer, rows: Sequence[Decision], source: SpeedSource | None) -> list[Figure]:
    from effnet_inspect.report.charts import accuracy_chart

    rated = [d for d in rows if d.top1 is not None]
    figures = []
    fast = [d for d in rated if d.speed is not None]
    if source is not None and len(fast) > 1:
        points = [(d.v.short, d.speed.throughput, d.top1) for d in fast if d.speed and d.top1]
        figures.append(
            chart(
                writer,
                "accuracy-vs-throughput",
                "The paper's top-1 accuracy against measured throughput per variant",
                f"Accuracy against throughput on {source.device} ({source.label}, images per second at the largest "
                "batch measured, log scale). Each bigger variant sits up and to the left: it buys accuracy with "
                "throughput.",
                lambda narrow: accuracy_chart(
                    points, f"images/s on {source.device}, log scale", "Top-1 vs throughput", narrow
                ),
            )
        )
    if len(rated) > 1:
        points = [(d.v.short, d.v.family.macs / 1e9, d.top1) for d in rated if d.top1]
        first, last = points[0], points[-1]
        figures.append(
            chart(
                writer,
                "accuracy-vs-macs",
                "The paper's top-1 accuracy against MACs per variant",
                f"Accuracy against MACs per image at each variant's own resolution (log scale): from {first[0]} to "
                f"{last[0]}, {last[1] / first[1]:.0f} times the compute buys {last[2] - first[2]:.1f} points of top-1.",
                lambda narrow: accuracy_chart(points, "MACs per image (G), log scale", "Top-1 vs MACs", narrow),
            )
        )
    return figures


def write_index(
    writer: Writer,
    nav: Nav,
    variants: Sequence[VariantData],
    pairs: Sequence[tuple[VariantData, VariantData]],
    downloads: Sequence[Download],
    compare_page: Callable[[VariantData, VariantData], str],
    rows: Sequence[Decision],
    source: SpeedSource | None,
) -> None:
    from effnet_inspect.report import charts
    from effnet_inspect.report.diagrams import DIAGRAMS_AVAILABLE, side_by_side_svg
    from effnet_inspect.report.explore import side_by_side_explorer

    families = [v.family for v in variants]
    figures = [
        chart(
            writer,
            "params-vs-macs",
            "Parameters against MACs on log-log axes for each variant, with the paper's Table 2 points",
            "Parameters vs MACs, both on log scales. Filled dots: measured here; open diamonds: the paper's "
            "Table 2 (its FLOPs are multiply-accumulates, i.e. MACs).",
            lambda narrow: charts.params_vs_macs(families, PAPER_TABLE2, narrow),
        ),
        chart(
            writer,
            "stage-bars",
            "Stacked bars of parameters and MACs per stage for each variant, absolute and as shares",
            "Where the parameters and the compute live, in absolute numbers and as each stage's "
            "share (segments numbered by block; S stem, T top). Parameters concentrate in the late, wide "
            "stages; MACs spread over the early, high-resolution ones.",
            lambda narrow: charts.stage_bars(
                [r for v in variants for r in v.stages], [v.name for v in variants], narrow
            ),
        ),
    ]
    official = [v.analysis.variant for v in variants if v.analysis.variant is not None and v.analysis.is_official]
    scaling_figure = scaling_table = None
    if official:
        scaling_figure = chart(
            writer,
            "compound-scaling",
            "Width, depth and resolution against phi: the compound-scaling curves and the released B0-B7 values",
            "The curves are the paper's rule: depth 1.2^phi, width 1.1^phi, resolution 224 x 1.15^phi. The released "
            "B1-B7 coefficients were rounded and picked by hand, so they sit off the curves; each Bi is drawn at "
            "phi = i. The table below gives the phi each released coefficient corresponds to.",
            lambda narrow: charts.compound_scaling(official, narrow),
        )
        scaling_table = implied_phi_table(official)
    side = side_by_side_svg([v.analysis for v in variants])
    side_explorer = (
        side_by_side_explorer(
            variants,
            side,
            "Side-by-side stage diagram of " + ", ".join(v.short for v in variants),
            "One column per variant, the same stage on the same row: depth (repeats), width (channels) and "
            "resolution grow from left to right.",
            src=writer.write("charts/side-by-side.svg", side),
        )
        if side
        else None
    )
    writer.write(
        "index.html",
        render(
            "index.html",
            page_title=index_title(variants),
            version=__version__,
            nav=nav,
            current="index",
            official=bool(official),
            variants=variants,
            pairs=pairs,
            compare_page=compare_page,
            neighbours=list(zip(variants, variants[1:])),
            span=family_span(variants),
            family_table=records_table(
                families,
                Level.FAMILY,
                "Measured per variant (batch 1, each at its own resolution)",
                id="family-table",
                page=True,
            ),
            decision_table=decision_table(rows, source),
            decision_figures=decision_figures(writer, rows, source),
            source=source,
            shared_resolution=SHARED_RESOLUTION,
            has_bench=nav.has_bench,
            paper=paper_comparison(variants),
            paper_source=SOURCE,
            paper_url=SOURCE_URL,
            facts={v.short: article_facts(v) for v in variants},
            layer_table=layer_count_table(variants),
            channels_table=channels_table(variants),
            module_table=module_counts_table(variants, "Module types per variant (summed over all sub-blocks)"),
            module_legend=module_colours(),
            figures=figures,
            scaling_figure=scaling_figure,
            scaling_table=scaling_table,
            side_explorer=side_explorer,
            diagrams_available=DIAGRAMS_AVAILABLE,
            downloads=downloads,
            include_top=variants[0].analysis.include_top,
            earlier_pages=writer.earlier_pages(),
        ),
    )
