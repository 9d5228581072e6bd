"""Where two structures differ, in plain sentences ("block6 has 5 sub-blocks; B3 has 6").

Every sentence is made from one fact rendered for both sides, and only when the two renderings differ, so no
sentence can read "stem uses swish; B0 uses swish". A fact repeated over sub-blocks is said once for all of them
("block1a-3d (7 sub-blocks) have no squeeze-and-excitation; B0's have it"); values that vary over many sub-blocks
are given as a range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from effnet_inspect.analysis.rows import expand_ratio
from effnet_inspect.arch.kinds import SubBlockType
from effnet_inspect.ports.structure import Structure, SubBlockShape, activation_text

MANY = 3  # more groups of differing values than this are summarised in one sentence


@dataclass(frozen=True)
class Difference:
    """One architectural difference. stages: the stages it concerns ('model' for the whole model), whose
    per-stage numbers it explains; ours / theirs: the two renderings of the fact, which always differ."""

    stages: tuple[str, ...]
    text: str
    ours: str
    theirs: str
    count: int = 1  # how many stage or sub-block facts it stands for (ranks the closest variant)

    @property
    def stage(self) -> str:
        return self.stages[0]


@dataclass(frozen=True)
class _Fact:
    where: str  # block2a, block2, stem
    stage: str
    ours: str
    theirs: str


# A sentence from (subject, plural, ours, theirs, label).
Sentence = Callable[[str, bool, str, str, str], str]


def _v(plural: bool, singular: str, many: str) -> str:
    return many if plural else singular


def _kernels(b: SubBlockShape) -> str:
    sizes = [f"{k}x{k}" for k in b.kernel_sizes]
    return sizes[0] if len(sizes) == 1 else "mixed " + "/".join(sizes)


def _sub_block_facts(b: SubBlockShape, r: SubBlockShape, rename: Rename) -> list[tuple[str, str, str, Sentence]]:
    """(key, ours, theirs, sentence) for every property of a pair of sub-blocks; activations that differ only by
    the model-wide substitution (rename) are already said for the whole model."""
    facts = [fact for fact in _presence_facts(b, r)]
    facts += [
        (
            "kernel",
            _kernels(b),
            _kernels(r),
            lambda s, p, o, t, l: f"{s} {_v(p, 'uses', 'use')} {o} kernels; {l}'s {_v(p, 'uses', 'use')} {t}",
        ),
        (
            "skip",
            "yes" if b.has_skip else "no",
            "yes" if r.has_skip else "no",
            lambda s, p, o, t, l: (
                f"{s} {_v(p, 'has', 'have')} a skip connection; {l}'s {_v(p, 'has', 'have')} none"
                if o == "yes"
                else f"{s} {_v(p, 'has', 'have')} no skip connection; {l}'s {_v(p, 'has one', 'have one')}"
            ),
        ),
    ]
    if b.type is r.type:  # else the type says it: a fused conv has other layers than expansion + depthwise
        facts += [
            (
                "expansion",
                _ratio(b),
                _ratio(r),
                lambda s, p, o, t, l: f"{s} {_v(p, 'expands', 'expand')} by {o}; {l}'s by {t}",
            ),
            (
                "norms",
                str(b.norms),
                str(r.norms),
                lambda s, p, o, t, l: f"{s} {_v(p, 'has', 'have')} {o} normalisation layers; {l}'s {t}",
            ),
            (
                "activations",
                *_activations(b.activations, r.activations, rename),
                lambda s, p, o, t, l: f"{s} {_v(p, 'uses', 'use')} {o}; {l}'s {_v(p, 'uses', 'use')} {t}",
            ),
        ]
    if b.se_channels is not None and r.se_channels is not None:
        facts.append(
            (
                "se activations",
                *_activations(b.se_activations, r.se_activations, rename),
                lambda s, p, o, t, l: f"{s} {_v(p, 'uses', 'use')} {o} in squeeze-and-excitation; {l}'s {t}",
            )
        )
        if b.in_channels == r.in_channels:  # else the channels already differ upstream
            facts.append(
                (
                    "se channels",
                    str(b.se_channels),
                    str(r.se_channels),
                    lambda s, p, o, t, l: (
                        f"the squeeze-and-excitation of {s} {_v(p, 'has', 'have')} {o} channels; {l}'s {t}"
                    ),
                )
            )
    return facts


def _presence_facts(b: SubBlockShape, r: SubBlockShape) -> list[tuple[str, str, str, Sentence]]:
    """What a sub-block is built from: its type, fixed or computed weights, squeeze-and-excitation."""
    fused_note = "(a full convolution in place of expansion + depthwise, EfficientNetV2 style)"
    return [
        (
            "type",
            b.type.value,
            r.type.value,
            lambda s, p, o, t, l: (
                f"{s} {_v(p, 'is', 'are')} {o} {fused_note}; B0-B7 have none"
                if o == SubBlockType.FUSED.value
                else f"{s} {_v(p, 'is', 'are')} {o}; {l}'s {_v(p, 'is', 'are')} {t}"
            ),
        ),
        (
            "dynamic",
            "CondConv" if b.dynamic_convs else "fixed",
            "CondConv" if r.dynamic_convs else "fixed",
            lambda s, p, o, t, l: (
                f"{s} {_v(p, 'computes its', 'compute their')} convolution weights from the input "
                f"(CondConv: a per-example mix of expert kernels); B0-B7 have none"
                if o == "CondConv"
                else f"{s} {_v(p, 'uses', 'use')} fixed convolution weights; {l}'s use CondConv"
            ),
        ),
        (
            "se",
            "none" if b.se_channels is None else "present",
            "none" if r.se_channels is None else "present",
            lambda s, p, o, t, l: (
                f"{s} {_v(p, 'has', 'have')} no squeeze-and-excitation; {l}'s {_v(p, 'has one', 'have it')}"
                if o == "none"
                else f"{s} {_v(p, 'has', 'have')} squeeze-and-excitation; {l}'s {_v(p, 'has', 'have')} none"
            ),
        ),
    ]


Rename = dict[str, str]


def _activations(mine: tuple[str, ...], theirs: tuple[str, ...], rename: Rename) -> tuple[str, str]:
    """Both sides in words, or twice the same words when they differ only by the renaming."""
    if tuple(rename.get(a, a) for a in mine) == theirs:
        return "", ""
    return activation_text(mine, theirs)


def _all_activations(s: Structure) -> tuple[str, ...]:
    acts = [
        *s.stem_activations,
        *(a for b in s.sub_blocks for a in (*b.activations, *b.se_activations)),
        *s.top_activations,
    ]
    return tuple(dict.fromkeys(acts))


def _feature_activations(s: Structure) -> tuple[str, ...]:
    """On the feature maps: stem, expansion, depthwise or fused convolution, head (not inside the SE)."""
    return tuple(
        dict.fromkeys([*s.stem_activations, *(a for b in s.sub_blocks for a in b.activations), *s.top_activations])
    )


def _renaming(ours: Structure, ref: Structure) -> Rename:
    """One activation used in place of another on the feature maps (ReLU for swish): {'relu': 'swish'}."""
    mine, theirs = _feature_activations(ours), _feature_activations(ref)
    extra, missing = [a for a in mine if a not in theirs], [a for a in theirs if a not in mine]
    return {extra[0]: missing[0]} if len(extra) == len(missing) == 1 else {}


def _ratio(b: SubBlockShape) -> str:
    return f"{expand_ratio(b.expanded, b.in_channels):g}"


BLOCK_FACTS: tuple[tuple[str, Callable[[tuple[SubBlockShape, ...]], str], Sentence], ...] = (
    (
        "sub-blocks",
        lambda s: str(len(s)),
        lambda s, p, o, t, l: (
            f"{s} {_v(p, 'has', 'have')} {o} sub-blocks; {l}{_v(p, '', chr(39) + 's')} {_v(p, 'has', 'have')} {t}"
        ),
    ),
    (
        "channels",
        lambda s: str(s[-1].out_channels),
        lambda s, p, o, t, l: (
            f"{s} {_v(p, 'has', 'have')} {o} output channels; {l}{_v(p, '', chr(39) + 's')} {_v(p, 'has', 'have')} {t}"
        ),
    ),
    (
        "stride",
        lambda s: str(s[0].stride),
        lambda s, p, o, t, l: (
            f"{s} {_v(p, 'has', 'have')} stride {o}; {l}{_v(p, '', chr(39) + 's')} {_v(p, 'has', 'have')} {t}"
        ),
    ),
)


def structural_differences(ours: Structure, ref: Structure, label: str) -> list[Difference]:
    """Whole model, stem, blocks, sub-blocks, top; label is the reference's name ('B3')."""
    out = []
    single = lambda stage, o, t, text: out.append(Difference((stage,), text(o, t), o, t)) if o != t else None  # noqa: E731
    if _norms(ours) != _norms(ref):  # explains every stage's parameters (none at all, or other norms)
        everywhere = ("model", "stem", *(f"block{i}" for i in range(1, len(ours.blocks) + 1)), "top")
        out.append(
            Difference(
                everywhere,
                f"the model normalises with {_norms(ours)}; {label} with {_norms(ref)}",
                _norms(ours),
                _norms(ref),
            )
        )
    single(
        "model", str(len(ours.blocks)), str(len(ref.blocks)), lambda o, t: f"the model has {o} blocks; {label} has {t}"
    )
    single(
        "stem", str(ours.stem_channels), str(ref.stem_channels), lambda o, t: f"stem has {o} channels; {label} has {t}"
    )
    single(
        "stem",
        f"{ours.stem_kernel}x{ours.stem_kernel} stride {ours.stem_stride}",
        f"{ref.stem_kernel}x{ref.stem_kernel} stride {ref.stem_stride}",
        lambda o, t: f"stem convolution is {o}; {label}'s is {t}",
    )
    rename = _renaming(ours, ref)
    single(
        "model",
        ", ".join(_all_activations(ours)),
        ", ".join(_all_activations(ref)),
        lambda o, t: f"the model's activations are {o}; {label}'s are {t}",
    )
    single(
        "stem",
        *_activations(ours.stem_activations, ref.stem_activations, rename),
        lambda o, t: f"stem uses {o}; {label} uses {t}",
    )
    pairs = list(zip(ours.blocks, ref.blocks))
    for _key, value, sentence in BLOCK_FACTS:
        facts = [_Fact(f"block{i}", f"block{i}", value(m), value(t)) for i, (m, t) in enumerate(pairs, start=1)]
        out += _said(
            [f for f in facts if f.ours != f.theirs], sentence, label, [f"block{i}" for i in range(1, len(pairs) + 1)]
        )
    sub_pairs = [(b, r, f"block{i}") for i, (m, t) in enumerate(pairs, start=1) for b, r in zip(m, t)]
    facts_by_key: dict[str, list[_Fact]] = {}
    sentences: dict[str, Sentence] = {}

    def note(b: SubBlockShape, stage: str, key: str, o: str, t: str, sentence: Sentence) -> None:
        sentences[key] = sentence
        if o != t:
            facts_by_key.setdefault(key, []).append(_Fact(b.name, stage, o, t))

    # What every reference sub-block has (squeeze-and-excitation, MBConv, fixed weights) is checked in every
    # sub-block of ours, also in those without a counterpart; the rest is compared pair by pair.
    standard = ref.sub_blocks[0]
    uniform = {
        key
        for key, _, t, _ in _presence_facts(standard, standard)
        if all(t2 == t for r in ref.sub_blocks for k, _, t2, _ in _presence_facts(r, r) if k == key)
    }
    for i, block in enumerate(ours.blocks, start=1):
        for b in block:
            for key, o, t, sentence in _presence_facts(b, standard):
                if key in uniform:
                    note(b, f"block{i}", key, o, t, sentence)
    for b, r, stage in sub_pairs:
        for key, o, t, sentence in _sub_block_facts(b, r, rename):
            if key not in uniform and not (key == "norms" and not ours.norms):  # 'nothing' is said once
                note(b, stage, key, o, t, sentence)
    names = [b.name for block in ours.blocks for b in block]
    for key, facts in facts_by_key.items():
        out += _said(facts, sentences[key], label, names, by_stage=_stage_names(ours))
    if ours.head_channels is None or ref.head_channels is None:
        single(
            "top",
            str(ours.head_channels or "none"),
            str(ref.head_channels or "none"),
            lambda o, t: (
                f"the model has no head convolution; {label}'s has {t} channels"
                if o == "none"
                else f"head has {o} channels; {label} has no head convolution"
            ),
        )
    else:
        single(
            "top",
            str(ours.head_channels),
            str(ref.head_channels),
            lambda o, t: f"head has {o} channels; {label} has {t}",
        )
        single(
            "top",
            *_activations(ours.top_activations, ref.top_activations, rename),
            lambda o, t: f"top uses {o}; {label} uses {t}",
        )
    order = {"model": 0, "stem": 1, "top": 10**6}
    return sorted(out, key=lambda d: order.get(d.stage, 2 + int(d.stage[5:] or 0)))


def _norms(s: Structure) -> str:
    return " and ".join(s.norms) or "nothing (no normalisation layers)"


def _stage_names(s: Structure) -> dict[str, tuple[str, ...]]:
    return {f"block{i}": tuple(b.name for b in block) for i, block in enumerate(s.blocks, start=1)}


def _said(
    facts: list[_Fact],
    sentence: Sentence,
    label: str,
    names: list[str],
    by_stage: dict[str, tuple[str, ...]] | None = None,
) -> list[Difference]:
    """Facts with the same pair of values in one sentence each; more groups than MANY in one sentence in all."""
    groups: dict[tuple[str, str], list[_Fact]] = {}
    for f in facts:
        groups.setdefault((f.ours, f.theirs), []).append(f)
    if len(groups) > MANY:
        o, t = _spread([f.ours for f in facts], by_stage is None), _spread([f.theirs for f in facts], by_stage is None)
        if o != t:
            groups = {(o, t): facts}
    out = []
    for (o, t), members in groups.items():
        subject = _subject([f.where for f in members], names, by_stage)
        plural = len(members) > 1
        out.append(
            Difference(
                tuple(dict.fromkeys(f.stage for f in members)),
                sentence(subject, plural, o, t, label),
                o,
                t,
                len(members),
            )
        )
    return out


def _spread(values: list[str], as_list: bool) -> str:
    """Many values in a few words: every one in order (per block), else the range of numbers, else the set."""
    if as_list:
        return ", ".join(values)
    try:
        numbers = sorted({float(v) for v in values})
    except ValueError:
        return " / ".join(dict.fromkeys(values))
    return f"{numbers[0]:g}" if len(numbers) == 1 else f"{numbers[0]:g} to {numbers[-1]:g}"


def _subject(where: list[str], names: list[str], by_stage: dict[str, tuple[str, ...]] | None) -> str:
    """'block4b', 'block2a-block3c (5 sub-blocks)', 'block1-3' (whole blocks), 'all 16 sub-blocks'."""
    if len(where) == len(names) > 1 and by_stage is not None:
        return f"all {len(names)} sub-blocks"
    position = {n: i for i, n in enumerate(names)}
    runs: list[list[str]] = []
    for w in sorted(where, key=position.__getitem__):
        if runs and position[w] == position[runs[-1][-1]] + 1:
            runs[-1].append(w)
        else:
            runs.append([w])
    texts = [_run_text(r, by_stage) for r in runs]
    count = f" ({len(where)} sub-blocks)" if by_stage is not None and len(where) > 1 else ""
    return ", ".join(texts) + count


def _run_text(run: list[str], by_stage: dict[str, tuple[str, ...]] | None) -> str:
    if len(run) == 1:
        return run[0]
    if by_stage is not None:  # whole blocks read as blocks: 'block1-3'
        stages = [s for s, members in by_stage.items() if set(members) <= set(run)]
        if stages and sum(len(by_stage[s]) for s in stages) == len(run):
            return stages[0] if len(stages) == 1 else f"{stages[0]}\u2013{stages[-1][5:]}"
    return f"{run[0]}\u2013{run[-1][5:]}"
