"""The well-known article and the real network, reconciled: the facts behind its numbers and names, computed from
each model's traced graph, and the sentences that say them (every count and quantifier a claim, see claims.py).

- Layer counts: the article counts a model without the classifier top (it quotes B0 237, B7 813); the tables
  count it with the top (240, 816): global pooling, dropout and the dense layer.
- The article's Sub-block 1/2/3 are the tables' kind 1/2/3.
- Module 2 (padding + stride-2 depthwise conv) starts each block that halves the resolution; blocks that keep it
  start with Module 1.
- The head: a 1x1 conv widening the last block's output (1280 channels in B0 ... 2560 in B7) before pooling and
  the classifier.
- Keras adds the Dropout of a residual branch only where the drop-connect rate is above 0.

The slides, the report's article sections and the README read their sentences from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from effnet_inspect.analysis.measure import Analysis, totals
from effnet_inspect.arch.kinds import LayerKind, ModuleType
from effnet_inspect.arch.published import ARTICLE_LAYERS_WITHOUT_TOP
from effnet_inspect.render.claims import Claim, Noun, Verb, listing
from effnet_inspect.render.facts import HALVES, block_claim, module_claim, sub_block_claim, variant_claim


@dataclass(frozen=True)
class ArticleFacts:
    layers: int  # as the tables count them (with the top when the model has it)
    classifier: int  # layers of the classifier top: pooling, dropout, dense (0 without the top)
    head_channels: int | None  # output channels of the 1x1 head conv
    head_in: int | None  # the last block's output channels, what the head widens
    module2: int
    downsampling: tuple[str, ...]  # blocks whose first sub-block has stride 2 (those with Module 2)
    keeping: tuple[str, ...]  # blocks of stride 1
    skips: int  # sub-blocks with a skip connection (Module 5)
    skips_without_dropout: tuple[str, ...]  # Module 5 without its Dropout: Keras' zero drop-connect rate

    @property
    def layers_without_top(self) -> int:
        return self.layers - self.classifier


def article_facts(a: Analysis) -> ArticleFacts:
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
        layers=totals(a.layers()).layers,
        classifier=classifier,
        head_channels=head.shape[1] if head else None,
        head_in=head.in_shape[1] if head and head.in_shape else None,
        module2=sum(ModuleType.MODULE2 in b.module_types for b in a.grouping.sub_blocks),
        downsampling=with_pad,
        keeping=tuple(s.name for s in blocks if s.name not in with_pad),
        skips=len(skips),
        skips_without_dropout=bare,
    )


@dataclass(frozen=True)
class Point:
    """One fact as a list item: a bold lead and the rest, with the claims their counts come from."""

    head: str
    body: str
    claims: tuple[Claim, ...] = ()

    @property
    def text(self) -> str:
        return f"{self.head} {self.body}"


WITH_SKIP = Noun("sub-block with a skip", "sub-blocks with a skip")
KEEPS_DROPOUT = Verb("keeps", "keep", "the Dropout of Module 5")
CLASSIFIER = "global average pooling, dropout and the dense layer"


def layer_point(a: Analysis) -> Point:
    f = article_facts(a)
    if not f.classifier:
        return Point(f"{f.layers} layers:", "the classifier top is left out, as the article counts.")
    quoted = ARTICLE_LAYERS_WITHOUT_TOP.get(a.name) if a.is_official else None
    source = f" (the article quotes {quoted})" if quoted is not None else ""
    return Point(
        f"{f.layers_without_top} layers without the top{source}, {f.layers} with it:",
        f"the article counts {a.title} without its classifier top; the tables count the top's {f.classifier} "
        f"layers too: {CLASSIFIER}.",
    )


def module2_point(a: Analysis, where: str = "") -> Point:
    """Module 2 starts the blocks that halve the resolution; the others start with Module 1."""
    f = article_facts(a)
    m2, halving = module_claim(a, ModuleType.MODULE2), block_claim(a, "stride:2", HALVES)
    body = halving.sentence
    if f.downsampling:
        body += f" Their first sub-block starts with Module 2 ({listing(f.downsampling)})."
    if f.keeping:
        body += f" Blocks that keep the resolution start with Module 1: {listing(f.keeping)}."
    head = f"{where}, {m2.text}." if where else m2.sentence
    return Point(head, body, (m2, halving))


def head_point(a: Analysis) -> Point | None:
    f = article_facts(a)
    if f.head_channels is None:
        return None
    tail = f", then {CLASSIFIER}" if f.classifier else ""
    return Point("The head", f"is a 1\u00d71 convolution from {f.head_in} to {f.head_channels} channels{tail}.")


def dropout_point(a: Analysis) -> Point | None:
    if not any(b.has_skip for b in a.grouping.sub_blocks):
        return None
    kept = sub_block_claim(a, "skip&!no-drop", KEEPS_DROPOUT, among="skip", noun=WITH_SKIP)
    return Point(
        "Dropout:",
        f"{kept.sentence} Keras leaves it out where the drop-connect rate is 0, which it is at the first "
        "sub-block; from there the rate grows over the network.",
        (kept,),
    )


def variant_points(a: Analysis) -> list[Point]:
    """The article section of one variant's page."""
    points = [layer_point(a), module2_point(a), head_point(a), dropout_point(a)]
    return [p for p in points if p is not None]


NO_EXPANSION_3 = Verb("has", "have", "a Sub-block 3 without an Expansion, in block 1")
BARE_SKIP = Verb("has", "have", "a Module 5 without its Dropout")
FIRST_SKIP = Verb("has", "have", "a skip connection in its first sub-block")


def family_points(analyses: Sequence[Analysis]) -> list[Point]:
    """The article section of the index: the family's facts, each said once for all the variants."""
    base = analyses[0]
    f0 = article_facts(base)
    counts = {a.name: article_facts(a).layers_without_top for a in analyses}
    quoted = [n for n in ARTICLE_LAYERS_WITHOUT_TOP if n in counts and f0.classifier]
    head = (
        " and ".join(str(ARTICLE_LAYERS_WITHOUT_TOP[n]) for n in quoted)
        + " layers, or "
        + " and ".join(str(counts[n] + f0.classifier) for n in quoted)
        + "."
        if quoted
        else layer_point(base).head
    )
    layers = Point(
        head,
        f"The article counts a model without its classifier top; the tables count it with the top, which adds "
        f"{f0.classifier} layers: {CLASSIFIER} ({base.short_name}: {f0.layers_without_top} without, "
        f"{f0.layers} with).",
    )
    repeats = variant_claim(analyses, "any(kind:3&!module:expansion)", NO_EXPANSION_3)
    kinds = Point(
        "Sub-block 1, 2 and 3",
        "are the article's names for the three shapes of sub-block (the CSV and JSON tables call the number kind): "
        "Sub-block 1 is the first sub-block of block 1, Sub-block 2 the first of each later block, Sub-block 3 "
        f"each repeat after it. {repeats.sentence}",
        (repeats,),
    )
    same = variant_claim(
        analyses, f"count(module:module2)={f0.module2}", Verb("has", "have", f"Module 2 in {f0.module2} sub-blocks")
    )
    module2 = module2_point(base, f"In {base.short_name}")
    module2 = Point(module2.head, f"{module2.body} {same.sentence}", (*module2.claims, same))
    first_skip = variant_claim(analyses, "any(kind:1&skip)", FIRST_SKIP)
    bare = variant_claim(analyses, "any(no-drop)", BARE_SKIP)
    dropout = Point(
        "Dropout inside Module 5.",
        "Keras adds the Dropout of a residual branch where the drop-connect rate is above zero; the rate is 0 at "
        f"the very first sub-block and grows from there. {first_skip.sentence} {bare.sentence} A custom model "
        "whose first sub-block keeps its channels (w=0.1,d=0.3, say) gets an Add without a Dropout there.",
        (first_skip, bare),
    )
    points = [layers, kinds, module2, head_point(base), dropout]
    return [p for p in points if p is not None]


def padding_point(analyses: Sequence[Analysis]) -> Point | None:
    """Keras pads a stride-2 convolution itself: the stem of the first model sees one pixel more, and an odd size
    (the first model that has one) halves as TensorFlow's 'same' padding would, rounding up."""
    pads = [(a, layer) for a in analyses for layer in a.layers() if layer.kind is LayerKind.PAD and layer.in_shape]
    if not pads:
        return None
    a, stem = pads[0]
    odd = next(((o, layer) for o, layer in pads if layer.in_shape and layer.in_shape[-1] % 2), None)
    text = (
        f"Keras pads stride-2 convolutions asymmetrically (ZeroPadding2D, then a 'valid' convolution), so "
        f"{a.short_name}'s {stem.name.split('_')[0]} sees {stem.shape[-1]}x{stem.shape[-1]}; output sizes equal "
        "TensorFlow's 'same' padding"
    )
    if odd is not None:
        size = odd[1].in_shape[-1] if odd[1].in_shape else 0
        text += f", also for odd sizes ({odd[0].short_name}'s {size} -> {-(-size // 2)})"
    return Point("Padding.", text + ".")


def readme_markdown(analyses: Sequence[Analysis]) -> str:
    """The README's list of where the real network differs from the article (between its markers)."""
    points = [*family_points(analyses), padding_point(analyses)]
    return "".join(f"- **{p.head}** {p.body}\n" for p in points if p is not None)
