"""Sentences that count or quantify, made from the items they are about: one function per kind of claim.

Every "N of M", "every", "only", "all but" and "no" on a slide, a report page or in the README is built here from
two lists of names: the items the claim holds for and the items it is counted over. Nothing else decides the
number or the quantifier, so a sentence cannot say "6 of 16" when the table has 4, and a claim that does not fit
its data (an "every" with an exception) is refused with ClaimError instead of printed.

A Claim keeps what it was made from, and two keys naming its predicate in the small language of facts.py
("module:module2", "kind:2&!module:expansion"): tests read the keys and check every claim against the sub-block
table on their own.

    >>> has_m2 = Verb("has", "have", "Module 2")
    >>> str(n_of_m(("block2a", "block3a"), ("block1a", "block2a", "block3a"), SUB_BLOCKS, has_m2))
    '2 of 3 sub-blocks have Module 2'
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass


class Quantifier(enum.Enum):
    N_OF_M = "N of M"
    EVERY = "every"
    ONLY = "only"
    ALL_BUT = "all but"
    NONE = "no"


class ClaimError(ValueError):
    """A claim asked for what its data does not say (an "every" with an exception): a bug, never user input."""


@dataclass(frozen=True)
class Noun:
    one: str  # sub-block
    many: str  # sub-blocks
    ranges: bool = False  # name runs such as B1, B2, B3 as a range (B1-B3)


@dataclass(frozen=True)
class Verb:
    """A predicate conjugated both ways: Verb("has", "have", "Module 2") -> 'has Module 2' / 'have Module 2'."""

    one: str
    many: str
    rest: str = ""

    def agree(self, count: int) -> str:
        return f"{self.one if count == 1 else self.many}{' ' + self.rest if self.rest else ''}"


SUB_BLOCKS = Noun("sub-block", "sub-blocks")
BLOCKS = Noun("block", "blocks")
VARIANTS = Noun("variant", "variants", ranges=True)


@dataclass(frozen=True)
class Claim:
    quantifier: Quantifier
    holds: tuple[str, ...]  # the items the predicate holds for, in the order given
    over: tuple[str, ...]  # every item it is counted over
    text: str  # lower case, no full stop: a clause to build a sentence with
    about: str = ""  # the predicate's key (facts.py), for the tests
    among: str = "all"  # the key of the items counted over

    def __str__(self) -> str:
        return self.text

    @property
    def sentence(self) -> str:
        """The claim as a sentence: capitalised, with a full stop."""
        return self.text[:1].upper() + self.text[1:] + "."

    @property
    def exceptions(self) -> tuple[str, ...]:
        return tuple(n for n in self.over if n not in self.holds)


_RUN = re.compile(r"^(.*?)(\d+)$")


def listing(names: Sequence[str], ranges: bool = False) -> str:
    """'block5a and block7a', 'a, b and c'; with ranges, a run of three or more names counting up by one ('B1' ...
    'B7') becomes a range: 'B1–B7'."""
    parts: list[list[str]] = []
    for name in names:
        found, last = _RUN.match(name), _RUN.match(parts[-1][-1]) if parts else None
        if (
            ranges
            and found
            and last
            and found.group(1) == last.group(1)
            and int(found.group(2)) == int(last.group(2)) + 1
        ):
            parts[-1].append(name)
        else:
            parts.append([name])
    shown = [f"{p[0]}\u2013{p[-1]}" if len(p) >= 3 else ", ".join(p) for p in parts]
    flat = ", ".join(shown).rsplit(", ", 1)
    return " and ".join(flat)


def _check(holds: Sequence[str], over: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    held, everything = tuple(holds), tuple(over)
    if len(set(everything)) != len(everything) or len(set(held)) != len(held):
        raise ClaimError(f"items named twice: {held} of {everything}")
    if not set(held) <= set(everything):
        raise ClaimError(f"{sorted(set(held) - set(everything))} are not among the items counted")
    if not everything:
        raise ClaimError("a claim about nothing")
    return tuple(n for n in everything if n in held), everything


def n_of_m(
    holds: Sequence[str], over: Sequence[str], noun: Noun, verb: Verb, about: str = "", among: str = "all"
) -> Claim:
    """'4 of 16 sub-blocks have Module 2'."""
    held, everything = _check(holds, over)
    text = f"{len(held)} of {len(everything)} {noun.many} {verb.agree(len(held))}"
    return Claim(Quantifier.N_OF_M, held, everything, text, about, among)


def every(
    holds: Sequence[str],
    over: Sequence[str],
    noun: Noun,
    verb: Verb,
    about: str = "",
    among: str = "all",
    counted: bool = True,
) -> Claim:
    """'every sub-block has Module 3 (16 of 16)'; ClaimError if one does not."""
    held, everything = _check(holds, over)
    if held != everything:
        raise ClaimError(f"not every {noun.one}: not {listing([n for n in everything if n not in held])}")
    count = f" ({len(held)} of {len(everything)})" if counted and len(everything) > 1 else ""
    return Claim(Quantifier.EVERY, held, everything, f"every {noun.one} {verb.agree(1)}{count}", about, among)


def only(
    holds: Sequence[str], over: Sequence[str], noun: Noun, verb: Verb, about: str = "", among: str = "all"
) -> Claim:
    """'only block5a and block7a have Module 1 in place of Module 2' (of the sub-blocks counted); ClaimError
    unless some, but not all, do."""
    held, everything = _check(holds, over)
    if not held or held == everything:
        raise ClaimError(f"'only' needs some but not all {noun.many}: {len(held)} of {len(everything)}")
    text = f"only {listing(held, noun.ranges)} {verb.agree(len(held))}"
    return Claim(Quantifier.ONLY, held, everything, text, about, among)


def all_but(
    holds: Sequence[str], over: Sequence[str], noun: Noun, verb: Verb, about: str = "", among: str = "all"
) -> Claim:
    """'all sub-blocks but block1a have an Expansion (15 of 16)'; ClaimError unless some, but not all, are
    exceptions."""
    held, everything = _check(holds, over)
    left = [n for n in everything if n not in held]
    if not held or not left:
        raise ClaimError(f"'all but' needs some but not all exceptions: {len(left)} of {len(everything)}")
    lead = f"all {noun.many}" if len(held) > 1 else f"every {noun.one}"
    text = f"{lead} but {listing(left, noun.ranges)} {verb.agree(len(held))} ({len(held)} of {len(everything)})"
    return Claim(Quantifier.ALL_BUT, held, everything, text, about, among)


def no(holds: Sequence[str], over: Sequence[str], noun: Noun, verb: Verb, about: str = "", among: str = "all") -> Claim:
    """'no sub-block has a skip'; ClaimError if one does."""
    held, everything = _check(holds, over)
    if held:
        raise ClaimError(f"{listing(held)} {verb.agree(len(held))}")
    return Claim(Quantifier.NONE, held, everything, f"no {noun.one} {verb.agree(1)}", about, among)


def quantify(
    holds: Sequence[str],
    over: Sequence[str],
    noun: Noun,
    verb: Verb,
    about: str = "",
    among: str = "all",
    names: int = 2,
) -> Claim:
    """The plainest true claim: every, no, only (up to `names` items named), all but (up to `names` exceptions),
    else N of M."""
    held, everything = _check(holds, over)
    if held == everything:
        return every(held, everything, noun, verb, about, among)
    if not held:
        return no(held, everything, noun, verb, about, among)
    if len(held) <= names and len(held) <= len(everything) - len(held):
        return only(held, everything, noun, verb, about, among)
    if len(everything) - len(held) <= names:
        return all_but(held, everything, noun, verb, about, among)
    return n_of_m(held, everything, noun, verb, about, among)
