"""Claims: every count or quantifier a slide, a report page or the README prints is made by render/claims.py from
the items it is about, and checked here against the sub-block table on its own (this file reads the predicate keys
with its own small evaluator, over SubBlockRow records, never the grouping the claims were made from).

- the claim functions, as a property: whatever the items, a claim's words say what its lists say, and a claim its
  data does not support is refused;
- the claims rendered for B0-B7 and for custom variants (phi=-1, w=1.3,d=1.5,r=320, and w=0.1,d=0.3, whose first
  sub-block has a skip) are true of each model's sub-block table;
- a deck of every B0-B7 variant, of the family, and of the custom variants carries no count or quantifier that is
  not such a claim, and no claim that its sub-block table contradicts (the plan is made without drawing).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from helpers import cached_analysis
from hypothesis import given
from hypothesis import strategies as st

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.rows import SubBlockRow, sub_block_rows
from effnet_inspect.arch.specs import OFFICIAL_NAMES
from effnet_inspect.render.article import family_points, variant_points
from effnet_inspect.render.claims import (
    SUB_BLOCKS,
    VARIANTS,
    Claim,
    ClaimError,
    Quantifier,
    Verb,
    all_but,
    every,
    listing,
    n_of_m,
    no,
    only,
    quantify,
)

CUSTOM = ("phi=-1", "w=1.3,d=1.5,r=320", "w=0.1,d=0.3")
MODELS = (*OFFICIAL_NAMES, *CUSTOM)
HAS = Verb("has", "have", "it")


# ------------------------------------------------------------------------------------------------ words
def check_words(c: Claim) -> None:
    """The claim's text says what its lists say, for its quantifier."""
    held, over, left = c.holds, c.over, c.exceptions
    assert set(held) <= set(over) and len(over) == len(set(over))
    if c.quantifier is Quantifier.N_OF_M:
        assert c.text.startswith(f"{len(held)} of {len(over)} ")
    elif c.quantifier is Quantifier.EVERY:
        assert held == over and c.text.startswith("every ")
        assert len(over) == 1 or f"({len(over)} of {len(over)})" in c.text
    elif c.quantifier is Quantifier.ONLY:
        assert 0 < len(held) < len(over) and c.text.startswith("only ")
        assert all(n in c.text for n in held) or "\u2013" in c.text  # named, or as a range B1-B7
    elif c.quantifier is Quantifier.ALL_BUT:
        assert held and left and re.match(r"(all|every) .* but ", c.text)
        assert f"({len(held)} of {len(over)})" in c.text
        assert listing(left, "\u2013" in c.text) in c.text
    else:
        assert not held and c.text.startswith("no ")


names = st.lists(st.sampled_from([f"block{i}{c}" for i in range(1, 8) for c in "abcd"]), min_size=1, unique=True)


@given(names, st.data())
def test_each_kind_of_claim_says_what_its_lists_say_or_refuses(over, data):
    held = data.draw(st.lists(st.sampled_from(over), unique=True))
    for kind, allowed in (
        (n_of_m, True),
        (every, set(held) == set(over)),
        (only, 0 < len(held) < len(over)),
        (all_but, 0 < len(held) < len(over)),
        (no, not held),
        (quantify, True),
    ):
        if not allowed:
            with pytest.raises(ClaimError):
                kind(held, over, SUB_BLOCKS, HAS)
            continue
        check_words(kind(held, over, SUB_BLOCKS, HAS))


@given(st.lists(st.integers(0, 9), min_size=1, unique=True))
def test_listing_names_every_item_or_a_range_of_them(numbers):
    items = [f"B{n}" for n in sorted(numbers)]
    text = listing(items, ranges=True)
    for run in re.findall(r"B(\d)\u2013B(\d)", text):
        assert all(f"B{n}" in items for n in range(int(run[0]), int(run[1]) + 1))
    named = set(re.findall(r"B\d", text))
    covered = named | {f"B{n}" for a, b in re.findall(r"B(\d)\u2013B(\d)", text) for n in range(int(a), int(b) + 1)}
    assert covered == set(items)


def test_claims_refuse_items_that_are_not_counted():
    with pytest.raises(ClaimError):
        n_of_m(["block9a"], ["block1a"], SUB_BLOCKS, HAS)
    with pytest.raises(ClaimError):
        n_of_m([], [], VARIANTS, HAS)


# ------------------------------------------------------------------------------------------------ the oracle
def _atom(row: SubBlockRow, atom: str) -> bool:
    """One predicate, read from the sub-block table alone."""
    name, _, value = atom.partition(":")
    if name == "all":
        return True
    if name == "module":
        return value in row.modules
    if name == "skip":
        return row.has_skip
    if name == "stride":
        return row.stride == int(value)
    if name == "kind":
        return row.kind == int(value)
    if name == "block":
        return row.stage == f"block{value}"
    if name == "no-drop":  # a Module 5 of 4 layers: Multiply, projection, BN, Add, no Dropout
        return row.has_skip and row.layers == sum(LAYERS[m] for m in row.modules) - 1
    raise AssertionError(f"the test does not know {atom!r}")


# Layers per module as Keras builds them (Module 5 with its Dropout): the table's layer count tells the rest.
LAYERS = {"expansion": 3, "module1": 3, "module2": 4, "module3": 4, "module4": 3, "module5": 5}


def holds(row: SubBlockRow, key: str) -> bool:
    return all(not _atom(row, p[1:]) if p.startswith("!") else _atom(row, p) for p in key.split("&"))


def variant_holds(rows: Sequence[SubBlockRow], key: str) -> bool:
    if key.startswith("any("):
        return any(holds(r, key[4:-1]) for r in rows)
    found = re.fullmatch(r"count\((.+)\)=(\d+)", key)
    assert found, key
    return sum(holds(r, found.group(1)) for r in rows) == int(found.group(2))


def check_against_table(c: Claim, models: Sequence[Analysis]) -> None:
    """The claim's items are exactly those the sub-block table gives for its predicate."""
    check_words(c)
    if c.among == "variants":
        by_name = {m.short_name: sub_block_rows(m) for m in models}
        assert set(c.over) == set(by_name), c.text
        assert set(c.holds) == {n for n, rows in by_name.items() if variant_holds(rows, c.about)}, c.text
        return
    rows = sub_block_rows(models[0])  # sub-blocks and blocks: the claims are about the deck's first model
    if c.among == "blocks":
        firsts = {r.stage: r for r in reversed(rows)}  # the first sub-block of each block
        assert set(c.over) == set(firsts), c.text
        assert set(c.holds) == {s for s, r in firsts.items() if holds(r, c.about.removeprefix("first:"))}, c.text
        return
    assert set(c.over) == {r.sub_block for r in rows if holds(r, c.among)}, c.text
    assert set(c.holds) == {r.sub_block for r in rows if holds(r, c.among) and holds(r, c.about)}, c.text


# ------------------------------------------------------------------------------------------------ models
@pytest.mark.slow  # analyses of several models, decks planned
@pytest.mark.parametrize("name", MODELS)
def test_claims_about_a_model_are_true_of_its_sub_block_table(name):
    a = cached_analysis(name)
    claims = [c for p in variant_points(a) for c in p.claims]
    claims += [c for _, make in plan_of([a]) for c in make().claims]
    assert claims
    for c in claims:
        check_against_table(c, [a])


@pytest.mark.slow  # analyses of several models, decks planned
def test_claims_about_the_family_are_true_of_each_sub_block_table():
    family = [cached_analysis(n) for n in OFFICIAL_NAMES]
    claims = [c for p in family_points(family) for c in p.claims]
    assert any(c.among == "variants" for c in claims)
    for c in claims:
        check_against_table(c, family)


# ------------------------------------------------------------------------------------------------ decks
QUANTIFIER = re.compile(r"\b\d+ of \d+\b|\bevery\b|\bonly\b|\ball\b[^.;]*\bbut\b|\bno \w+ (?:has|have)\b", re.I)


def plan_of(analyses: list[Analysis]):
    from effnet_inspect.slides.deck import plan

    return plan(analyses, appendix=False)  # the appendix only adds figures, and cutting them means drawing them


def check_deck(analyses: list[Analysis]) -> int:
    """Every slide's counts and quantifiers are its claims, and every claim is true; returns the claims checked."""
    checked = 0
    for name, make in plan_of(analyses):
        slide = make()
        text = slide.text
        for c in slide.claims:
            check_against_table(c, analyses)
            assert c.text.lower() in text.lower(), (name, c.text)
            text = re.sub(re.escape(c.text), "", text, count=1, flags=re.I)
            checked += 1
        stray = QUANTIFIER.search(text)
        assert stray is None, f"{name}: {stray.group(0)!r} is not a claim: {text!r}"
    return checked


@pytest.mark.slow  # analyses of several models, decks planned
@pytest.mark.parametrize("name", MODELS)
def test_a_deck_of_one_model_says_nothing_its_table_contradicts(name):
    assert check_deck([cached_analysis(name)]) >= 8


@pytest.mark.slow  # analyses of several models, decks planned
def test_the_family_deck_says_what_differs_across_the_family():
    family = [cached_analysis(n) for n in OFFICIAL_NAMES]
    assert check_deck(family) >= 10
    from effnet_inspect.slides.deck import plan

    slides = {name.split("-", 1)[1]: make() for name, make in plan(family, appendix=False)}
    differences = slides["family-differences"]
    assert any(c.quantifier is Quantifier.ALL_BUT and c.exceptions == ("B0",) for c in differences.claims)
    assert "all variants but B0" in slides["sub-block-3"].text  # block1b: B1-B7 have it, B0 does not
    # The two shapes of Sub-block 2 differ by where they sit: stride-2 stage starts, and the stride-1 ones.
    import html

    text = html.unescape(differences.drawn() or "")
    for where in ("first of block2\u2013block4 and block6", "first of block5 and block7", "later in block1"):
        assert where in text, where


def test_where_a_shape_sits_is_read_from_the_stages():
    """The family-differences slide's 'where' line, from the grouping: B0 has no later sub-block in block1 or
    block7; B1 has both, so the pair's Sub-block 3 with an Expansion reaches block7."""
    from effnet_inspect.arch.kinds import ModuleType as M
    from effnet_inspect.slides.growth import where

    b0, b1 = cached_analysis("b0"), cached_analysis("b1")
    main = (M.EXPANSION, M.MODULE1, M.MODULE3, M.MODULE5)
    assert where([b0], 3, main) == "later in block2\u2013block6"
    assert where([b0, b1], 3, main) == "later in block2\u2013block7"
    assert where([b0], 3, main[1:]) == ""
    assert where([b1], 3, main[1:]) == "later in block1"
    assert where([b0], 1, (M.MODULE1, M.MODULE3, M.MODULE4)) == "first of block1"


@pytest.mark.slow  # analyses of several models, decks planned
def test_per_variant_decks_show_that_variants_shapes():
    """B0 has no Sub-block 3 without an Expansion; B1 and B7 do, and their decks give it a slide of its own."""
    from effnet_inspect.slides.deck import plan

    def names(v: str) -> list[str]:
        return [n.split("-", 1)[1] for n, _ in plan([cached_analysis(v)], appendix=False)]

    assert "sub-block-3-no-exp" not in names("b0")
    for v in ("b1", "b7"):
        assert "sub-block-3-no-exp" in names(v)
    b7 = {n.split("-", 1)[1]: m() for n, m in plan([cached_analysis("b7")], appendix=False)}
    assert "block1b, block1c and block1d" in b7["sub-block-3-no-exp"].text


@pytest.mark.slow  # analyses of several models, decks planned
def test_readme_article_list_is_the_codes():
    """The README's list of where the real network differs from the article is written by the code, for B0-B7."""
    from pathlib import Path

    from effnet_inspect.render.article import readme_markdown

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = text.index("<!-- article-claims:start -->\n") + len("<!-- article-claims:start -->\n")
    end = text.index("<!-- article-claims:end -->")
    family = [cached_analysis(n) for n in OFFICIAL_NAMES]
    assert text[start:end] == readme_markdown(family)
