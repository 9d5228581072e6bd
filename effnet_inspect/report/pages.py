"""The HTML report, page by page: an index comparing the family, one page per variant, compare pages and a
benchmark page.

write_report(analyses, out_dir) writes (all paths relative, so the folder can be moved or opened from file://):

    index.html                 family table beside the paper's Table 2, charts, side-by-side diagram, links
    <variant>.html             stage and sub-block tables, diagrams, Keras-style summary, rounding walk-through
    <variant>/                 that variant's diagrams (SVG) and tables (CSV, JSON, Markdown, LaTeX)
    compare-<a>-<b>.html       stage-by-stage growth between two variants (first variant vs each, and neighbours)
    bench.html                 benchmark results (only with a results file)
    charts/                    the Matplotlib charts (SVG)
    tables/                    family, stage and sub-block tables of all variants in the four formats

Pages read records (Analysis, rows); only files the report produces are (over)written, nothing is deleted.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from effnet_inspect import __version__
from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.arch.published import PAPER_TABLE2, SOURCE, SOURCE_URL
from effnet_inspect.errors import InputError
from effnet_inspect.files import ensure_dir, write_atomic
from effnet_inspect.render.tables import Level
from effnet_inspect.report.data import Nav, VariantData, Writer, variant_data, write_tables
from effnet_inspect.report.diagrams import module_colours
from effnet_inspect.report.html import Download, Figure, records_table, render
from effnet_inspect.report.sections import (family_span, implied_phi_table, index_title, module_counts_table,
                                            paper_table, rounding_section)


# ----------------------------------------------------------------------------------------------- compare
def compare_pairs(variants: Sequence[VariantData]) -> list[tuple[VariantData, VariantData]]:
    """The compare pages the report links: the first variant against each other one, then each neighbour pair."""
    pairs = [(variants[0], v) for v in variants[1:]]
    pairs += [(a, b) for a, b in zip(variants[1:], variants[2:])]
    return pairs


def compare_page(a: VariantData, b: VariantData) -> str:
    return f"compare-{a.slug}-{b.slug}.html"


def render_compare(a: VariantData, b: VariantData, nav: Nav | None) -> str:
    """The compare page; without nav it is standalone (no links to other pages of a report)."""
    from effnet_inspect.report.compare import family_growth, stage_growth
    from effnet_inspect.report.diagrams import inline, side_by_side_svg

    diagram = side_by_side_svg([a.analysis, b.analysis])
    figure = Figure(f"Stage-level diagrams of {a.title} and {b.title} side by side",
                    "The same stage on the same row: the growth factors in the labels are relative to the "
                    "left column.", inline_svg=inline(diagram)) if diagram else None
    return render("compare.html", page_title=f"{a.title} vs {b.title}", version=__version__, nav=nav,
                  current="", a=a, b=b, standalone=nav is None, growth=stage_growth(a.stages, b.stages),
                  family=family_growth(a.family, b.family), figure=figure)


def write_compare(analyses: Sequence[Analysis], out: str | os.PathLike | None = None) -> Path:
    """A standalone compare page of two models (`effnet-inspect compare`).

    out: a .html file, or a folder to write compare-<a>-<b>.html into (default: the current folder).
    """
    if len(analyses) != 2:
        raise InputError(f"compare needs exactly two variants, got {len(analyses)}")
    a, b = variant_data(analyses)
    target = Path(out) if out is not None else Path(".")
    if target.suffix and target.suffix.lower() not in (".html", ".htm") and not target.is_dir():
        raise InputError(f"{str(target)!r} must end in .html or name a folder: compare writes one HTML page",
                         param="out")
    if target.suffix.lower() not in (".html", ".htm"):
        target = ensure_dir(target) / compare_page(a, b)
    write_atomic(target, render_compare(a, b, nav=None))
    return target


# ------------------------------------------------------------------------------------------------ report
@dataclass
class Report:
    """What write_report produced, for the CLI's message and the tests."""

    out: Path
    files: list[Path] = field(default_factory=list)


def write_report(analyses: Sequence[Analysis], out: str | os.PathLike, bench=None,
                 show_progress: bool | None = None) -> Report:
    """Write the whole report for the given analyses into out (created if needed).

    bench: a BenchRun from effnet_inspect.bench.results.load_results, shown on bench.html.
    """
    from effnet_inspect.progress import progress

    if not analyses:
        raise InputError("no variants to report on")
    variants = variant_data(analyses)
    writer = Writer(Path(out))
    nav = Nav(tuple(variants), bench is not None)
    pairs = compare_pairs(variants)
    downloads = write_tables(writer, "tables", {
        Level.FAMILY: [v.family for v in variants], Level.STAGE: [r for v in variants for r in v.stages],
        Level.SUBBLOCK: [r for v in variants for r in v.sub_blocks]})
    for v in progress(variants, desc="report", label=lambda v: v.name, enabled=show_progress):
        _write_variant_page(writer, nav, v, pairs)
    for a, b in pairs:
        writer.write(compare_page(a, b), render_compare(a, b, nav))
    if bench is not None:
        from effnet_inspect.report.bench_page import bench_context

        writer.write("bench.html", render("bench.html", page_title="Benchmark results", version=__version__,
                                          nav=nav, current="bench", **bench_context(bench, writer)))
    _write_index(writer, nav, variants, pairs, downloads)
    return Report(writer.out, writer.written)


def _write_index(writer: Writer, nav: Nav, variants: Sequence[VariantData], pairs, downloads) -> None:
    from effnet_inspect.report import charts
    from effnet_inspect.report.diagrams import DIAGRAMS_AVAILABLE, side_by_side_svg

    families = [v.family for v in variants]
    figures = [
        Figure("Parameters against MACs on log-log axes for each variant, with the paper's Table 2 points",
               "Parameters vs MACs, both on log scales. Filled dots: measured here; open diamonds: the paper's "
               "Table 2 (its FLOPs are multiply-accumulates, i.e. MACs).",
               src=writer.write("charts/params-vs-macs.svg", charts.params_vs_macs(families, PAPER_TABLE2))),
        Figure("Stacked bars of parameters and MACs per stage for each variant, absolute and as shares",
               "Where the parameters and the compute live. Top: absolute numbers; bottom: each stage's share. "
               "Parameters concentrate in the late, wide stages; MACs spread over the early, high-resolution ones.",
               src=writer.write("charts/stage-bars.svg",
                                charts.stage_bars([r for v in variants for r in v.stages], [v.name for v in variants]))),
    ]
    official = [v.analysis.variant for v in variants if v.analysis.is_official]
    scaling_figure = scaling_table = None
    if official:
        scaling_figure = Figure(
            "Width, depth and resolution against phi: the compound-scaling curves and the released B0-B7 values",
            "The curves are the paper's rule: depth 1.2^phi, width 1.1^phi, resolution 224 x 1.15^phi. The released "
            "B1-B7 coefficients were rounded and picked by hand, so they sit off the curves; each Bi is drawn at "
            "phi = i. The table below gives the phi each released coefficient corresponds to.",
            src=writer.write("charts/compound-scaling.svg", charts.compound_scaling(official)))
        scaling_table = implied_phi_table(official)
    side = side_by_side_svg([v.analysis for v in variants])
    side_figure = Figure(
        "Side-by-side stage diagram of " + ", ".join(v.short for v in variants),
        "One column per variant, the same stage on the same row: depth (repeats), width (channels) and "
        "resolution grow from left to right.", src=writer.write("charts/side-by-side.svg", side)) if side else None
    family_caption = ("Measured per variant (batch 1, each at its own resolution; MACs and FLOPs in millions)")
    writer.write("index.html", render(
        "index.html", page_title=index_title(variants),
        version=__version__, nav=nav, current="index", official=bool(official), variants=variants, pairs=pairs,
        compare_page=compare_page, neighbours=list(zip(variants, variants[1:])),
        span=family_span(variants),
        family_table=records_table(families, Level.FAMILY, family_caption, id="family-table"),
        paper_table=paper_table(variants), paper_source=SOURCE, paper_url=SOURCE_URL,
        module_table=module_counts_table(variants, "Module types per variant (summed over all sub-blocks)"),
        module_legend=module_colours(), figures=figures, scaling_figure=scaling_figure, scaling_table=scaling_table,
        side_figure=side_figure, diagrams_available=DIAGRAMS_AVAILABLE, downloads=downloads,
        include_top=variants[0].analysis.include_top))


def _write_variant_page(writer: Writer, nav: Nav, v: VariantData, pairs) -> None:
    from effnet_inspect.report.diagrams import variant_diagrams
    from effnet_inspect.render.summary import summary

    folder = v.slug
    downloads = write_tables(writer, folder, {Level.STAGE: v.stages, Level.SUBBLOCK: v.sub_blocks})
    summary_text = summary(v.analysis)
    downloads.append(Download("Keras-style summary", (("text", writer.write(f"{folder}/summary.txt",
                                                                              summary_text)),)))
    figures = [Figure(alt, caption, src=writer.write(f"{folder}/diagram-{level}.svg", svg), scroll=scroll,
                      level=level) for level, alt, caption, svg, scroll in variant_diagrams(v.analysis)]
    stage_figure = next((f for f in figures if f.level == "stage"), None)
    index = nav.variants.index(v)
    writer.write(v.page, render(
        "variant.html", page_title=v.title, version=__version__, nav=nav, current=v.slug, v=v,
        previous=nav.variants[index - 1] if index > 0 else None,
        next=nav.variants[index + 1] if index + 1 < len(nav.variants) else None,
        # Keras params are in the stage CSV; leaving them out here keeps the table beside its drawing.
        stage_table=records_table(v.stages, Level.STAGE, f"Stages of {v.title}",
                                  drop=("variant", "params_keras"), id="stage-table"),
        subblock_table=records_table(v.sub_blocks, Level.SUBBLOCK, f"Sub-blocks of {v.title}",
                                     drop=("variant", "stage"), id="subblock-table"),
        module_table=module_counts_table([v], f"Module types in {v.title}"), module_legend=module_colours(),
        stage_figure=stage_figure, figures=[f for f in figures if f is not stage_figure],
        rounding=rounding_section(v), summary=summary_text, downloads=downloads,
        compare_page=compare_page, compares=[(a, b) for a, b in pairs if v in (a, b)]))
