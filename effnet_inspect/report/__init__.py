"""The HTML report: an index comparing the family, one page per variant, compare pages and benchmark results.

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
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from effnet_inspect import __version__
from effnet_inspect.errors import InputError
from effnet_inspect.files import ensure_dir, write_atomic
from effnet_inspect.analysis.measure import Analysis, FamilyRow, StageRow, SubBlockRow, family_row, stage_rows, sub_block_rows
from effnet_inspect.arch.published import PAPER_TABLE2, SOURCE, SOURCE_URL
from effnet_inspect.report.diagrams import module_colours
from effnet_inspect.report.html import Download, Figure, HtmlTable, Row, records_table, render, table
from effnet_inspect.arch.specs import OFFICIAL_NAMES
from effnet_inspect.render.tables import Format, Level

TABLE_LABEL = {Level.FAMILY: "Family table", Level.STAGE: "Stage table", Level.SUBBLOCK: "Sub-block table"}
TABLE_SUFFIX = {Format.CSV: "csv", Format.JSON: "json", Format.MD: "md", Format.LATEX: "tex"}


@dataclass(eq=False)  # identity: pages compare variants by object, not by every record
class VariantData:
    """Everything the pages need about one analysed model (records only, no torch)."""

    analysis: Analysis
    slug: str
    family: FamilyRow
    stages: list[StageRow]
    sub_blocks: list[SubBlockRow]

    @property
    def name(self) -> str:
        return self.analysis.name

    @property
    def page(self) -> str:
        return f"{self.slug}.html"

    @property
    def short(self) -> str:
        return self.analysis.short_name

    @property
    def title(self) -> str:
        return self.analysis.title


def slug(name: str) -> str:
    """A file-name-safe, lower-case form of a variant name: 'phi=2.5' -> 'phi-2.5'."""
    return re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-.") or "model"


def variant_data(analyses: Sequence[Analysis]) -> list[VariantData]:
    data, seen = [], {}
    for a in analyses:
        s = slug(a.name)
        if s in seen:
            raise InputError(f"variants {seen[s]!r} and {a.name!r} would share the report page {s}.html; "
                             "give each variant once")
        seen[s] = a.name
        data.append(VariantData(a, s, family_row(a), stage_rows(a), sub_block_rows(a)))
    return data


@dataclass(frozen=True)
class Nav:
    """The navigation bar shared by the pages of one report."""

    variants: tuple[VariantData, ...]
    has_bench: bool


class Writer:
    """Writes files under the output folder atomically and remembers what it wrote."""

    def __init__(self, out: Path):
        self.out = ensure_dir(out)
        self.written: list[Path] = []

    def write(self, relative: str, data: str | bytes) -> str:
        write_atomic(self.out / relative, data)
        self.written.append(Path(relative))
        return relative


# ----------------------------------------------------------------------------------------------- tables
def write_tables(writer: Writer, folder: str, rows_by_level: dict[Level, list]) -> list[Download]:
    from effnet_inspect.render.tables import render as render_table

    downloads = []
    for level, rows in rows_by_level.items():
        links = tuple((fmt.value.upper() if fmt is not Format.LATEX else "LaTeX",
                       writer.write(f"{folder}/{level.value}.{suffix}", render_table(rows, level, fmt)))
                      for fmt, suffix in TABLE_SUFFIX.items())
        downloads.append(Download(TABLE_LABEL[level], links))
    return downloads


def _percent_off(measured: float, published: float) -> float:
    return 100.0 * (measured - published) / published


def paper_table(variants: Sequence[VariantData]) -> HtmlTable | None:
    """Measured totals beside the paper's Table 2 (released variants only)."""
    rows = []
    for v in variants:
        variant = v.analysis.variant
        paper = PAPER_TABLE2.get(v.name) if v.analysis.is_official else None
        # The paper measured the whole classifier at the variant's own resolution: compare like with like only.
        if paper is None or not v.analysis.include_top or v.analysis.resolution != variant.resolution:
            continue
        f = v.family
        rows.append((v.short, f"{f.params / 1e6:.2f}M", f"{paper.params / 1e6:g}M",
                     f"{_percent_off(f.params, paper.params):+.1f} %", f"{f.macs / 1e9:.3f}B",
                     f"{paper.flops / 1e9:g}B", f"{_percent_off(f.macs, paper.flops):+.1f} %", f"{paper.top1:.1f}"))
    if not rows:
        return None
    return table(f"Measured here vs published ({SOURCE})",
                 ("Variant", "Params (measured)", "Params (paper)", "Difference", "MACs (measured)",
                  "FLOPs (paper) = MACs", "Difference", "Top-1 % (paper)"),
                 rows, (False, *([True] * 7)), id="paper-table")


def module_counts_table(variants: Sequence[VariantData], caption: str) -> HtmlTable:
    from effnet_inspect.arch.kinds import MODULE_TYPES

    headers = ("Variant", *(t.label for t in MODULE_TYPES), "Sub-blocks")
    rows = [(v.short,
             *(v.family.module_counts.get(t.value, 0) for t in MODULE_TYPES), v.family.sub_blocks)
            for v in variants]
    return table(caption, headers, rows, (False, *([True] * (len(headers) - 1))), id="module-counts")


# ---------------------------------------------------------------------------------------------- rounding
@dataclass(frozen=True)
class RoundingSection:
    table: HtmlTable
    bumped: tuple[str, ...]  # one sentence per channel count that needed the +8 correction
    resolution_chain: str


def rounding_section(v: VariantData) -> RoundingSection | None:
    """The teaching section: each stage's channels and repeats from B0's, through every rounding step."""
    from effnet_inspect.arch.rounding import rounding

    variant = v.analysis.variant
    if variant is None:
        return None
    rows, bumped = [], []
    for r in rounding(variant):
        c, rep = r.channels, r.repeats
        label = {"stem": "stem conv", "top": "top conv"}.get(r.stage, r.stage)
        rows.append(Row((label, f"{c.base}", _decimal(c.scaled), f"{c.nearest}", _decimal(c.threshold),
                         "+8" if c.bumped else "", f"{c.result}",
                         "" if rep is None else f"{rep.base}", "" if rep is None else _decimal(rep.scaled),
                         "" if rep is None else f"{rep.result}"), css="highlight" if c.bumped else ""))
        if c.bumped:
            bumped.append(f"{r.stage}: {c.base} \u00d7 {c.width:g} = {_decimal(c.scaled)}, the nearest multiple of 8 "
                          f"is {c.nearest}, below 90 % of {_decimal(c.scaled)} ({_decimal(c.threshold)}), so 8 is "
                          f"added: {c.result}")
    w, d = f"{variant.width:g}", f"{variant.depth:g}"
    headers = ("Stage", "B0 channels c", f"c \u00d7 {w}", "Nearest multiple of 8", "90 % of c \u00d7 w",
               "Correction", "Channels", "B0 repeats r", f"r \u00d7 {d}", "Repeats (ceil)")
    t = table(f"Channels (output of each stage) and repeats of {v.title}, from B0's", headers, rows,
              (False, *([True] * 9)), id="rounding-table")
    return RoundingSection(t, tuple(bumped), resolution_chain(v.stages))


def _decimal(value: float) -> str:
    """At most two decimals, no float noise: 19.2, 17.28, 1382.4, 4.2 (not 4.199999999)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def resolution_chain(stages: Sequence[StageRow]) -> str:
    """'224 (input) -> 112 (stem) -> 112 (block1) -> 56 (block2) ...': where the feature maps shrink."""
    if not stages or stages[0].in_resolution is None:
        return ""
    steps = [f"{stages[0].in_resolution} (input)"]
    steps += [f"{s.out_resolution} ({s.stage})" for s in stages if s.out_resolution is not None
              and s.out_resolution != s.in_resolution]
    return " \u2192 ".join(steps)


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

    bench: a BenchRun from effnet_inspect.bench_results.load_results, shown on bench.html.
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


def family_span(variants: Sequence[VariantData]):
    """First vs last variant in whole-model figures, for the index's opening sentence (None for one variant)."""
    from effnet_inspect.report.compare import family_growth

    if len(variants) < 2:
        return None
    first, last = variants[0], variants[-1]
    return first, last, {g.label: g.growth for g in family_growth(first.family, last.family)}


def index_title(variants: Sequence[VariantData]) -> str:
    names = [v.short for v in variants]
    if names == [n.upper() for n in OFFICIAL_NAMES]:
        return "EfficientNet B0\u2013B7 at a glance"
    return ("EfficientNet " if all(v.analysis.variant is not None for v in variants) else "") + \
        ", ".join(names) + " at a glance"


def implied_phi_table(official) -> HtmlTable:
    from effnet_inspect.report.charts import implied_phi
    from effnet_inspect.arch.specs import ALPHA, BASE_RESOLUTION, BETA, GAMMA

    rows = [(v.name.upper(), f"{v.width:g}", f"{implied_phi(v.width, BETA):.2f}", f"{v.depth:g}",
             f"{implied_phi(v.depth, ALPHA):.2f}", v.resolution,
             f"{implied_phi(v.resolution / BASE_RESOLUTION, GAMMA):.2f}") for v in official]
    return table("Released coefficients and the phi each corresponds to: phi = log(coefficient) / log(base)",
                 ("Variant", "Width", "phi from width (base 1.1)", "Depth", "phi from depth (base 1.2)",
                  "Resolution", "phi from resolution (base 1.15 from 224)"),
                 rows, (False, *([True] * 6)), id="phi-table")


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
