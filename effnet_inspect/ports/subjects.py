"""Who a difference is about, in few words: 'block4b', 'block2a–3b (5 sub-blocks)', 'block1–3' (whole blocks),
'all 16 sub-blocks'; and many differing values in few words ('2.3 to 4'). The count in brackets is always the
number of sub-blocks named, so a reader can trust it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    text: str
    plural: bool

    def __str__(self) -> str:
        return self.text

    def verb(self, singular: str, plural: str) -> str:
        return plural if self.plural else singular


def sub_blocks_subject(where: list[str], names: list[str], by_stage: dict[str, tuple[str, ...]]) -> Subject:
    """Sub-blocks in model order: runs of consecutive ones, whole blocks by their block name, and the count."""
    if len(where) == len(names) > 1:
        return Subject(f"all {len(names)} sub-blocks", True)
    text = ", ".join(_run_text(run, by_stage) for run in _runs(where, names))
    return Subject(text + (f" ({len(where)} sub-blocks)" if len(where) > 1 else ""), len(where) > 1)


def blocks_subject(where: list[str], names: list[str]) -> Subject:
    """Blocks in model order: 'block6', 'block1–3, block5'."""
    return Subject(", ".join(_run_text(run, None) for run in _runs(where, names)), len(where) > 1)


def _runs(where: list[str], names: list[str]) -> list[list[str]]:
    position = {n: i for i, n in enumerate(names)}
    runs: list[list[str]] = []
    for w in sorted(where, key=position.__getitem__):
        if runs and position[w] == position[runs[-1][-1]] + 1:
            runs[-1].append(w)
        else:
            runs.append([w])
    return runs


def _run_text(run: list[str], by_stage: dict[str, tuple[str, ...]] | None) -> str:
    if len(run) == 1:
        return run[0]
    if by_stage is not None:  # whole blocks read as blocks: 'block1-3'
        stages = [s for s, members in by_stage.items() if set(members) <= set(run)]
        if stages and sum(len(by_stage[s]) for s in stages) == len(run):
            return stages[0] if len(stages) == 1 else f"{stages[0]}\u2013{stages[-1][5:]}"
    return f"{run[0]}\u2013{run[-1][5:]}"


def spread(values: list[str], as_list: bool) -> str:
    """Many values in a few words: every one in order (per block), else the range of numbers, else the set."""
    if as_list:
        return ", ".join(values)
    try:
        numbers = sorted({float(v) for v in values})
    except ValueError:
        *first, last = dict.fromkeys(values)
        return f"{', '.join(first)} or {last}" if first else last
    return f"{numbers[0]:g}" if len(numbers) == 1 else f"{numbers[0]:g} to {numbers[-1]:g}"
