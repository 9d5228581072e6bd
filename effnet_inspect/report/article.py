"""The well-known article and the real network, reconciled: the facts behind its numbers and names, computed from
each model's traced graph (nothing here is typed in from the article).

- Layer counts: the article counts a model without the classifier top (B0 237, B7 813); the tables here count it
  with the top (240, 816): global pooling, dropout and the dense layer.
- The article's Sub-block 1/2/3 are the tables' kind 1/2/3 (report/cards.py names them).
- Module 2 (padding + stride-2 depthwise conv) appears once per downsampling block; blocks that keep the
  resolution start with Module 1.
- The head: a 1x1 conv widening block 7's output (1280 channels in B0 ... 2560 in B7) before pooling and the
  classifier; a stage table's top row reads "320 -> 1000" because it spans both.
- Keras adds the Dropout of a residual branch only where the drop-connect rate is above 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from effnet_inspect.arch.kinds import LayerKind, ModuleType
from effnet_inspect.report.data import VariantData
from effnet_inspect.report.html import HtmlTable, table


@dataclass(frozen=True)
class ArticleFacts:
    layers: int  # as the tables count them (with the top when the model has it)
    classifier: int  # layers of the classifier top: pooling, dropout, dense (0 without the top)
    head_channels: int | None  # output channels of the 1x1 head conv
    head_in: int | None  # block 7's (the last block's) output channels, what the head widens
    module2: int
    downsampling: tuple[str, ...]  # blocks whose first sub-block has stride 2 (those with Module 2)
    keeping: tuple[str, ...]  # blocks of stride 1
    skips: int  # sub-blocks with a skip connection (Module 5)
    skips_without_dropout: tuple[str, ...]  # Module 5 without its Dropout: Keras' zero drop-connect rate

    @property
    def layers_without_top(self) -> int:
        return self.layers - self.classifier


def article_facts(v: VariantData) -> ArticleFacts:
    a = v.analysis
    top = a.grouping.stages[-1]
    kinds = [a.graph.nodes[n]["layer"].kind for n in top.layers]
    classifier = len(kinds) - kinds.index(LayerKind.GLOBAL_POOL) if LayerKind.GLOBAL_POOL in kinds else 0
    head = next((a.graph.nodes[n]["layer"] for n in top.layers if a.graph.nodes[n]["layer"].kind.is_conv), None)
    blocks = a.grouping.blocks
    with_pad = tuple(s.name for s in blocks if s.sub_blocks and ModuleType.MODULE2 in s.sub_blocks[0].module_types)
    skips = [b for b in a.grouping.sub_blocks if b.has_skip]
    bare = tuple(
        b.name for b in skips if not any(a.graph.nodes[n]["layer"].kind is LayerKind.DROPOUT for n in b.layers)
    )
    return ArticleFacts(
        layers=v.family.layers,
        classifier=classifier,
        head_channels=head.shape[1] if head else None,
        head_in=head.in_shape[1] if head and head.in_shape else None,
        module2=v.family.module_counts.get(ModuleType.MODULE2.value, 0),
        downsampling=with_pad,
        keeping=tuple(s.name for s in blocks if s.name not in with_pad),
        skips=len(skips),
        skips_without_dropout=bare,
    )


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
