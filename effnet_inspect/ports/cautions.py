"""What the grouping only partly understood, said in the verdict so that a reader knows which sentences rest on a
guess: a side branch of unrecognised form, ops of unknown kind inside the blocks, more convolutions in a sub-block
than an MBConv has."""

from __future__ import annotations

from effnet_inspect.analysis.group import Doubt, Grouping
from effnet_inspect.ports.subjects import Subject, sub_blocks_subject


def _subject(where: tuple[str, ...], grouping: Grouping) -> Subject:
    names = [b.name for b in grouping.sub_blocks]
    by_stage = {s.name: tuple(b.name for b in s.sub_blocks) for s in grouping.blocks}
    inside = [w for w in where if w in names]
    parts = [str(sub_blocks_subject(inside, names, by_stage))] if inside else []
    parts += [w for w in ("stem", "top") if w in where]
    return Subject(" and ".join(parts), len(where) > 1)


def _sentence(doubt: Doubt, grouping: Grouping) -> str:
    subject = _subject(doubt.where, grouping)
    detail = f" ({', '.join(doubt.detail)})" if doubt.detail else ""
    return f"{subject} {subject.verb('has', 'have')} {doubt.kind.value}{detail}"


def cautions(grouping: Grouping) -> list[str]:
    """One sentence per kind of doubt: 'block4b has a side branch of unrecognised form'."""
    return [_sentence(d, grouping) for d in grouping.doubts]
