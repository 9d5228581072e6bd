"""The parts of the base network: where MBConv comes from, each shape of sub-block the network really has (the
article's Sub-block 1, 2 and 3, and where the real network differs from them), each module, and the two paths
around the main chain. Counts and quantifiers are claims (render/claims.py) about this model's sub-blocks; a deck
of several models also says which shapes the other models have and this one lacks."""

from __future__ import annotations

from collections.abc import Sequence

from effnet_inspect.analysis.group import SubBlockGroup
from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.arch.kinds import MODULE_TYPES, ModuleType
from effnet_inspect.arch.specs import DROP_CONNECT_RATE
from effnet_inspect.drawing import focus, render_svg
from effnet_inspect.drawing.marks import key_marks
from effnet_inspect.drawing.style import MODULE_MEANING, SLIDE
from effnet_inspect.render.claims import Claim, Noun, Quantifier, Verb, listing
from effnet_inspect.render.facts import SKIP, Shape, family_shapes, module_claim, shapes, sub_block_claim, variant_claim
from effnet_inspect.render.numbers import compact, keras_shape, plain
from effnet_inspect.slides.frame import Slide
from effnet_inspect.slides.plan import Plan, family_of
from effnet_inspect.slides.tables import Table, table_svg

KIND_WORDS = {1: "the first sub-block of block 1", 2: "the first sub-block of a later block", 3: "the repeats"}
ORIGINS = (
    (
        "inverted residual with a linear bottleneck:\n1\u00d71 expansion, depthwise conv,\n"
        "linear 1\u00d71 projection, input added back",
        "MobileNetV2\n(Sandler et al., 2018)",
        "Expansion,\nModule 1/2, Module 4/5",
    ),
    ("squeeze-and-excitation:\npooled channels re-weight the channels", "SENet\n(Hu et al., 2018)", "Module 3"),
    ("swish activation, x \u00b7 sigmoid(x)", "Ramachandran et al., 2017", "the Activation layers"),
    (
        "stochastic depth (\u201cdrop connect\u201d):\nthe residual branch dropped in training,\nmore often deeper in",
        "Huang et al., 2016",
        "Module 5's Dropout",
    ),
    ("the B0 base, searched for\naccuracy and FLOPs", "MnasNet's search\n(Tan et al., 2019)", "stem, blocks, head"),
)


def origins() -> Plan:
    def make() -> Slide:
        return Slide(
            "origins",
            "Where MBConv comes from",
            "the paper builds B0 from known parts: a mobile inverted bottleneck with squeeze-and-excitation",
            table_svg(Table(["idea", "from", "here"], [list(r) for r in ORIGINS], left=3)),
        )

    return [("origins", make)]


def kind_noun(kind: int) -> Noun:
    return Noun(f"Sub-block {kind}", f"Sub-block {kind}s")


SHAPED = Verb("has", "have", "this shape")


def shape_slides(a: Analysis, analyses: Sequence[Analysis]) -> Plan:
    """One slide per shape of sub-block the model has: the article's kind first, then its other shapes."""
    # The article draws each kind one way: the shape most of its sub-blocks have (the first of equals) comes
    # first, the real network's other shapes of that kind after it.
    found = sorted(shapes(a), key=lambda s: (s.kind, -len(s.names)))
    main = {s.kind: s for s in reversed(found)}
    plan: Plan = []
    for shape in found:
        first = main[shape.kind]
        suffix = "" if shape is first else "-" + "-".join(_slug(shape, first))
        name = f"sub-block-{shape.kind}{suffix}"

        def make(shape: Shape = shape, first: Shape = first, name: str = name) -> Slide:
            block = next(b for b in a.grouping.sub_blocks if b.name == shape.names[0])
            count = sub_block_claim(a, shape.key, SHAPED, among=f"kind:{shape.kind}", noun=kind_noun(shape.kind))
            # Name them where the claim does not and the list is short enough to read.
            named = count.quantifier in (Quantifier.ONLY, Quantifier.ALL_BUT) or not 1 < len(shape.names) <= 8
            notes = [count.sentence if named else f"{count.sentence[:-1]}: {listing(shape.names)}."]
            claims: list[Claim] = [count]
            others = [s for s in found if s.kind == shape.kind and s is not shape]
            if shape is first and others:
                notes.append(
                    f"The article draws Sub-block {shape.kind} this way; the real network also has "
                    + "; ".join(f"{s.chain} ({listing(s.names)})" for s in others)
                    + "."
                )
            elif shape is not first:
                why = _why(shape, first)
                notes.append(
                    f"The article draws Sub-block {shape.kind} as {first.chain}: this one is {shape.versus(first)}"
                    + (f" ({why})." if why else ".")
                )
            if shape is first:
                for kind, modules in family_shapes(family_of(analyses)):
                    if kind != shape.kind or any(s.modules == modules for s in others + [shape]):
                        continue
                    other = Shape(kind, modules, ())
                    said = variant_claim(
                        analyses, f"any({other.key})", Verb("has", "have", f"at least one {other.versus(shape)}")
                    )
                    notes.append(f"In the family: {said.text}: {other.chain}.")
                    claims.append(said)
            title = (
                f"Sub-block {shape.kind}: {KIND_WORDS.get(shape.kind, 'other')}"
                if shape is first
                else f"Sub-block {shape.kind}, {shape.versus(first)}"
            )
            return Slide(
                name,
                title,
                f"{block.name} of {a.short_name}: {shape.chain}",
                lambda: render_svg(focus.sub_block_dot(a, block, SLIDE, title=False)),
                tuple(notes),
                tuple(claims),
                notes_below=True,
            )

        plan.append((name, make))
    return plan


def _why(shape: Shape, first: Shape) -> str:
    """What in the rules makes a shape differ from its kind's usual one."""
    missing = [t for t in first.modules if t not in shape.modules]
    if ModuleType.MODULE2 in missing:
        return "its block keeps the resolution: stride 1, no padding"
    if ModuleType.EXPANSION in missing:
        return "block 1's expand ratio is 1: nothing to widen"
    return ""


def _slug(shape: Shape, first: Shape) -> list[str]:
    extra = [t.short.lower() for t in shape.modules if t not in first.modules]
    missing = [f"no-{t.short.lower()}" for t in first.modules if t not in shape.modules]
    return extra + missing


def drop_rates(a: Analysis) -> dict[str, float]:
    """Sub-block -> its drop-connect (stochastic depth) rate, from the spec (none for a model we did not build)."""
    return {b.name: b.drop_rate for b in a.spec.sub_blocks} if a.spec is not None else {}


def modules(a: Analysis) -> Plan:
    plan: Plan = []
    for t in MODULE_TYPES:
        block = next((b for b in a.grouping.sub_blocks if t in b.module_types), None)
        if block is None:
            continue
        name = t.label.lower().replace(" ", "-")

        def make(block: SubBlockGroup = block, t: ModuleType = t, name: str = name) -> Slide:
            index = block.module_types.index(t)
            layers = a.layers(block.modules[index].layers)
            claim = module_claim(a, t)
            notes = [
                f"{len(layers)} layers, {compact(sum(layer.params for layer in layers))} parameters, "
                f"{compact(sum(layer.macs for layer in layers))} MACs here.",
                f"In: {keras_shape(layers[0].in_shape)}. Out: {keras_shape(layers[-1].shape)}.",
            ]
            claims = [claim]
            if t is ModuleType.MODULE5:
                notes += _rate_notes(a, block.name)
            members = set(block.modules[index].layers)
            return Slide(
                name,
                f"{t.label}: {MODULE_MEANING[t]}",
                f"in {block.name} of {a.short_name}; {claim.text}",
                lambda: render_svg(focus.module_layers_dot(a, block, index, SLIDE, title=False, key=False)),
                tuple(notes),
                tuple(claims),
                key=tuple(key_marks(a, members, stubs=True, collapsed=False)),
            )

        plan.append((name, make))
    return plan


def _rate_notes(a: Analysis, here: str) -> list[str]:
    rates = drop_rates(a)
    if not rates:
        return []
    names = list(rates)
    return [
        f"Drop connect (stochastic depth): in training the branch is dropped with rate {plain(rates[here])} "
        f"here; the rate is {plain(DROP_CONNECT_RATE)} \u00d7 i / {len(names)} for the i-th sub-block, "
        f"from {plain(rates[names[0]])} at {names[0]} to {plain(rates[names[-1]])} at {names[-1]}.",
        "Keras leaves the Dropout out where the rate is 0.",
    ]


def paths(a: Analysis) -> Plan:
    block = next((b for b in a.grouping.sub_blocks if b.kind == 3 and b.has_skip), None)
    if block is None:
        return []

    def make() -> Slide:
        skips = sub_block_claim(a, "skip", SKIP)
        se = module_claim(a, ModuleType.MODULE3)
        return Slide(
            "skip-and-se",
            "Two paths around the main chain: squeeze-and-excitation and skip",
            f"{block.name} of {a.short_name}, layer by layer; {skips.text}; {se.text}",
            lambda: render_svg(focus.sub_block_layers_dot(a, block, SLIDE, title=False)),
            claims=(skips, se),
        )

    return [("skip-and-se", make)]
