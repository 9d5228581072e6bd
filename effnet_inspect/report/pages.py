"""The HTML report, page by page: an index comparing the family, one page per variant, compare pages and a
benchmark page.

write_report(analyses, out_dir) writes (all paths relative, so the folder can be moved or opened from file://):

    index.html                 family table beside the paper's Table 2, charts, side-by-side diagram, links
    <variant>.html             stage and sub-block tables, diagrams, Keras-style summary, rounding walk-through
    <variant>/                 that variant's diagrams (SVG) and tables (CSV, JSON, Markdown, LaTeX)
    compare-<a>-<b>.html       stage-by-stage growth between two variants (first variant vs each, and neighbours)
    bench.html                 benchmark results (only with results files)
    charts/                    the Matplotlib charts (SVG)
    tables/                    family, stage and sub-block tables of all variants in the four formats

Pages read records (Analysis, rows); only files the report produces are (over)written, all of them once every
page has rendered; nothing is deleted. Pages an earlier report of other variants left are listed in the index.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from effnet_inspect import __version__
from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.bench.results import BenchRun
from effnet_inspect.errors import InputError
from effnet_inspect.files import absolute, ensure_dir, write_atomic
from effnet_inspect.ports.verdict import Inspection
from effnet_inspect.render.tables import Level
from effnet_inspect.report.data import Nav, VariantData, Writer, variant_data, write_tables
from effnet_inspect.report.decision import Decision, SpeedSource, decisions, speed_notes
from effnet_inspect.report.diagrams import module_colours
from effnet_inspect.report.html import Download, records_table, render
from effnet_inspect.report.sections import module_counts_table, rounding_section


# ----------------------------------------------------------------------------------------------- compare
def compare_pairs(variants: Sequence[VariantData]) -> list[tuple[VariantData, VariantData]]:
    """The compare pages the report links: the first variant against each other one, then each neighbour pair."""
    pairs = [(variants[0], v) for v in variants[1:]]
    pairs += [(a, b) for a, b in zip(variants[1:], variants[2:])]
    return pairs


def compare_page(a: VariantData, b: VariantData) -> str:
    return f"compare-{a.slug}-{b.slug}.html"


def render_compare(
    a: VariantData, b: VariantData, nav: Nav | None, decided: tuple[Decision, Decision], source: SpeedSource | None
) -> str:
    """The compare page; without nav it is standalone (no links to other pages of a report)."""
    from effnet_inspect.render.palette import stage_colors
    from effnet_inspect.report.compare import (
        decision_growth,
        family_growth,
        growth_lead,
        growth_shares,
        scaled,
        stage_growth,
    )
    from effnet_inspect.report.diagrams import side_by_side_svg
    from effnet_inspect.report.explore import side_by_side_explorer

    diagram = side_by_side_svg([a.analysis, b.analysis])
    explorer = (
        side_by_side_explorer(
            [a, b],
            diagram,
            f"Stage-level diagrams of {a.title} and {b.title} side by side",
            "The same stage on the same row (on a wide screen, the same column): the growth factors in the labels "
            "are relative to the first model.",
            linked=nav is not None,
            wide=side_by_side_svg([a.analysis, b.analysis], rankdir="LR") or "",
        )
        if diagram
        else None
    )
    growth = stage_growth(a.stages, b.stages)
    shares = growth_shares(growth)
    return render(
        "compare.html",
        page_title=f"{a.title} vs {b.title}",
        version=__version__,
        nav=nav,
        current="",
        a=a,
        b=b,
        standalone=nav is None,
        growth=growth,
        shares=shares,
        lead=growth_lead(shares, b.short),
        colours=stage_colors([s.stage for s in shares]),
        family=family_growth(a.family, b.family) + decision_growth(*decided, source),
        scaled=scaled(a.family, b.family),
        speed_notes=speed_notes(decided, source, charted=False)
        if source and (decided[0].speed or decided[1].speed)
        else [],
        source_older=bool(source and source.run.older),
        explorer=explorer,
    )


def compare_html(analyses: Sequence[Analysis | Inspection]) -> tuple[str, str]:
    """(default file name, HTML) of the standalone compare page of two models; another implementation (an
    Inspection) comes with its verdict."""
    if len(analyses) != 2:
        raise InputError(f"compare needs exactly two variants, got {len(analyses)}")
    a, b = variant_data(analyses)
    decided, _ = decisions([a, b], ())
    return compare_page(a, b), render_compare(a, b, None, (decided[0], decided[1]), None)


def write_compare(analyses: Sequence[Analysis | Inspection], out: str | os.PathLike | None = None) -> Path:
    """A standalone compare page of two models (`effnet-inspect compare`).

    out: a .html file, or a folder to write compare-<a>-<b>.html into (default: the current folder).
    """
    target = Path(out) if out is not None else Path(".")
    is_dir = absolute(target).is_dir()  # relative to where the command started (files.anchored)
    if target.suffix and target.suffix.lower() not in (".html", ".htm") and not is_dir:
        raise InputError(
            f"{str(target)!r} must end in .html or name a folder: compare writes one HTML page", param="out"
        )
    name, html = compare_html(analyses)
    if target.suffix.lower() not in (".html", ".htm") or is_dir:
        target = ensure_dir(target) / name
    write_atomic(target, html)
    return target


# ------------------------------------------------------------------------------------------------ report
@dataclass
class Report:
    """What write_report produced, for the CLI's message and the tests."""

    out: Path
    files: list[Path] = field(default_factory=list)


def write_report(
    analyses: Sequence[Analysis | Inspection],
    out: str | os.PathLike,
    bench: BenchRun | Sequence[BenchRun] | None = None,
    show_progress: bool | None = None,
) -> Report:
    """Write the whole report for the given analyses into out (created if needed); another implementation (an
    Inspection) shows its verdict and porting notes on its page and in the index.

    bench: one BenchRun or several (effnet_inspect.bench.schema.load_results), one section each on bench.html;
    the decision view takes its speeds from the first that measured the variants.
    """
    from effnet_inspect.progress import progress
    from effnet_inspect.report.index import write_index

    if not analyses:
        raise InputError("no variants to report on")
    variants = variant_data(analyses)
    writer = Writer(Path(out))
    runs = [bench] if isinstance(bench, BenchRun) else list(bench or ())
    nav = Nav(tuple(variants), bool(runs))
    pairs = compare_pairs(variants)
    rows, source = decisions(variants, runs)
    decided = dict(zip(variants, rows))
    downloads = write_tables(
        writer,
        "tables",
        {
            Level.FAMILY: [v.family for v in variants],
            Level.STAGE: [r for v in variants for r in v.stages],
            Level.SUBBLOCK: [r for v in variants for r in v.sub_blocks],
        },
    )
    for v in progress(variants, desc="report", label=lambda v: v.name, enabled=show_progress):
        _write_variant_page(writer, nav, v, pairs)
    for a, b in pairs:
        writer.write(compare_page(a, b), render_compare(a, b, nav, (decided[a], decided[b]), source))
    if runs:
        from effnet_inspect.report.bench_page import bench_context

        writer.write(
            "bench.html",
            render(
                "bench.html",
                page_title="Benchmark results",
                version=__version__,
                nav=nav,
                current="bench",
                **bench_context(runs, writer),
            ),
        )
    write_index(writer, nav, variants, pairs, downloads, compare_page, rows, source)
    writer.flush()
    return Report(writer.out, writer.written)


def _write_variant_page(
    writer: Writer, nav: Nav, v: VariantData, pairs: Sequence[tuple[VariantData, VariantData]]
) -> None:
    from effnet_inspect.render.summary import summary
    from effnet_inspect.report.article import variant_article
    from effnet_inspect.report.cards import SUB_BLOCK_MEANING, SUB_BLOCK_NAMES
    from effnet_inspect.report.diagrams import DIAGRAMS_AVAILABLE
    from effnet_inspect.report.explore import variant_explorer
    from effnet_inspect.report.memory_section import memory_section

    folder = v.slug
    downloads = write_tables(writer, folder, {Level.STAGE: v.stages, Level.SUBBLOCK: v.sub_blocks})
    summary_text = summary(v.analysis)
    downloads.append(Download("Keras-style summary", (("text", writer.write(f"{folder}/summary.txt", summary_text)),)))
    index = nav.variants.index(v)
    writer.write(
        v.page,
        render(
            "variant.html",
            page_title=v.title,
            version=__version__,
            nav=nav,
            current=v.slug,
            v=v,
            previous=nav.variants[index - 1] if index > 0 else None,
            next=nav.variants[index + 1] if index + 1 < len(nav.variants) else None,
            stage_table=records_table(
                v.stages,
                Level.STAGE,
                f"Stages of {v.title}",
                drop=("variant",),
                id="stage-table",
                row_id=lambda r: f"row-stage-{r['stage']}",
                page=True,
            ),
            subblock_table=records_table(
                v.sub_blocks,
                Level.SUBBLOCK,
                f"Sub-blocks of {v.title}",
                drop=("variant", "stage"),
                id="subblock-table",
                row_id=lambda r: f"row-sub-block-{r['sub_block']}",
                page=True,
            ),
            module_table=module_counts_table([v], f"Module types in {v.title}"),
            module_legend=module_colours(),
            explorer=variant_explorer(writer, v),
            diagrams_available=DIAGRAMS_AVAILABLE,
            article=variant_article(v),
            sub_block_names=SUB_BLOCK_NAMES,
            sub_block_meaning=SUB_BLOCK_MEANING,
            rounding=rounding_section(v),
            summary=summary_text,
            downloads=downloads,
            compare_page=compare_page,
            compares=[(a, b) for a, b in pairs if v in (a, b)],
            memory=memory_section(writer, v),
        ),
    )
