"""The report's article section: the article's numbers and names against the real network, as tables, and the
facts as list items whose counts and quantifiers are claims (render/article.py computes both, for the slides too).
"""

from __future__ import annotations

from collections.abc import Sequence

from effnet_inspect.render.article import ArticleFacts, Point, family_points, variant_points
from effnet_inspect.render.article import article_facts as facts_of
from effnet_inspect.report.data import VariantData
from effnet_inspect.report.html import HtmlTable, table


def article_facts(v: VariantData) -> ArticleFacts:
    return facts_of(v.analysis)


def variant_article(v: VariantData) -> list[Point]:
    """The list items of a variant page's article section."""
    return variant_points(v.analysis)


def family_article(variants: Sequence[VariantData]) -> list[Point]:
    """The list items of the index's article section."""
    return family_points([v.analysis for v in variants])


def layer_count_table(variants: Sequence[VariantData]) -> HtmlTable:
    rows = []
    for v in variants:
        f = article_facts(v)
        rows.append(
            (
                v.short,
                f.layers_without_top if f.classifier else "",
                f.layers if f.classifier else f.layers,
                f.classifier,
                f.head_channels or "",
                f.module2,
                ", ".join(f.keeping),
            )
        )
    return table(
        "Layer counts with and without the classifier, the head conv and where Module 2 is missing",
        (
            "Variant",
            "Layers without the top (article)",
            "Layers with the top (tables)",
            "Classifier layers",
            "Head conv channels",
            "Module 2",
            "Blocks without downsampling",
        ),
        rows,
        (False, True, True, True, True, True, False),
        id="article-table",
    )


def channels_table(variants: Sequence[VariantData]) -> HtmlTable:
    """Output channels of every stage, one column per variant; the top row is the 1x1 head conv."""
    names = list(dict.fromkeys(r.stage for v in variants for r in v.stages))
    by = {(v.short, r.stage): r for v in variants for r in v.stages}
    heads = {v.short: article_facts(v).head_channels for v in variants}
    rows = []
    for name in names:
        label = "top (1\u00d71 head conv)" if name == names[-1] else name
        cells = [
            heads[v.short] if name == names[-1] else getattr(by.get((v.short, name)), "out_channels", None)
            for v in variants
        ]
        rows.append((label, *("" if c is None else c for c in cells)))
    return table(
        "Output channels per stage and variant (the article's table; the top row is the head conv, "
        "before pooling and the classifier)",
        ("Stage", *(v.short for v in variants)),
        rows,
        (False, *([True] * len(variants))),
        id="channels-table",
    )
