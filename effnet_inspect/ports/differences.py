"""Where two structures differ, in plain sentences ("block6 has 5 sub-blocks; B3 has 6").

Every sentence is made from one fact rendered for both sides, and only when the two renderings differ, so no
sentence can read "stem uses swish; B0 uses swish". Every sub-block of the model is compared with its counterpart:
the reference's sub-block at the same place, or the last of the same block where the model's block is longer (Keras
repeats it), or, for blocks the reference lacks, what every sub-block of it has (squeeze-and-excitation, MBConv,
fixed weights). A fact repeated over sub-blocks is said once for all of them, with their count ("block1a-3d (7
sub-blocks) have no squeeze-and-excitation; B0's have it"); values that vary over many sub-blocks are given as a
range. Each Difference keeps the fact it states and the sub-blocks or blocks it names, so a test can hold every
sentence to the model's own rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from effnet_inspect.analysis.rows import expand_ratio
from effnet_inspect.ports import sentences as say
from effnet_inspect.ports.sentences import GATES, ModelSentence, Sentence
from effnet_inspect.ports.structure import HeadStep, Structure, SubBlockShape, activation_text
from effnet_inspect.ports.subjects import Subject, blocks_subject, spread, sub_blocks_subject

MANY = 3  # more groups of differing values than this are summarised in one sentence
Rename = dict[str, str]
SubBlockFact = tuple[str, str, str, Sentence]  # (key, ours, theirs, sentence)


@dataclass(frozen=True)
class Difference:
    """One architectural difference. stages: the stages it concerns ('model' for the whole model), whose per-stage
    numbers it explains; ours / theirs: the two renderings of the fact, which always differ; key: the fact;
    members: the sub-blocks (or blocks) it names, in model order."""

    stages: tuple[str, ...]
    text: str
    ours: str
    theirs: str
    count: int = 1  # how many stage or sub-block facts it stands for (ranks the closest variant)
    key: str = ""
    members: tuple[str, ...] = ()

    @property
    def stage(self) -> str:
        return self.stages[0]


@dataclass(frozen=True)
class _Fact:
    where: str  # block2a, block2
    stage: str
    ours: str
    theirs: str


def _kernels(b: SubBlockShape) -> str:
    sizes = [f"{k}x{k}" for k in b.kernel_sizes]
    return sizes[0] if len(sizes) == 1 else "mixed " + "/".join(sizes)


def _gate(b: SubBlockShape) -> str:
    return GATES[b.gate] if b.gate else "none"


def _ratio(b: SubBlockShape) -> str:
    return f"{expand_ratio(b.expanded, b.in_channels):g}"


def presence_facts(b: SubBlockShape, r: SubBlockShape) -> list[SubBlockFact]:
    """What a sub-block is built from: its type, fixed or computed weights, its gating side branch."""
    return [
        ("type", b.type.value, r.type.value, say.block_type),
        ("weights", "CondConv" if b.dynamic_convs else "fixed", "CondConv" if r.dynamic_convs else "fixed",
         say.convolution_weights),
        ("gate", _gate(b), _gate(r), say.gate),
    ]  # fmt: skip


def pair_facts(b: SubBlockShape, r: SubBlockShape, rename: Rename) -> list[SubBlockFact]:
    """Every other property of a sub-block and its counterpart; activations that differ only by the model-wide
    substitution (rename) are already said for the whole model."""
    facts: list[SubBlockFact] = [
        ("kernels", _kernels(b), _kernels(r), say.kernels),
        ("skip", "yes" if b.has_skip else "no", "yes" if r.has_skip else "no", say.skip_connection),
    ]
    if b.type is r.type:  # else the type says it: a fused conv has other layers than expansion + depthwise
        facts += [
            ("expansion", _ratio(b), _ratio(r), say.expansion),
            ("norms", str(b.norms), str(r.norms), say.normalisation_layers),
            ("activations", *_activations(b.activations, r.activations, rename), say.feature_activations),
        ]
    if b.gate == r.gate == "squeeze-and-excitation" and b.se_channels and r.se_channels:
        facts.append(
            ("se activations", *_activations(b.se_activations, r.se_activations, rename), say.excitation_activations)
        )
        # the reference's rule applied to this sub-block's own input (Keras: a quarter of it), so that a width
        # follows from the input channels, whatever they are, unless the model sizes it some other way
        rule = max(1, int(b.in_channels * (r.se_channels or 0) / r.in_channels)) if r.in_channels else r.se_channels
        facts.append(("se channels", str(b.se_channels), str(rule), say.excitation_channels))
    return facts


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


def _renaming(ours: Structure, ref: Structure) -> Rename:
    """One activation used in place of another on the feature maps (ReLU for swish): {'relu': 'swish'}."""

    def on_feature_maps(s: Structure) -> tuple[str, ...]:
        acts = [*s.stem_activations, *(a for b in s.sub_blocks for a in b.activations), *s.top_activations]
        return tuple(dict.fromkeys(acts))

    mine, theirs = on_feature_maps(ours), on_feature_maps(ref)
    extra, missing = [a for a in mine if a not in theirs], [a for a in theirs if a not in mine]
    return {extra[0]: missing[0]} if len(extra) == len(missing) == 1 else {}


def _sub_block_count(block: tuple[SubBlockShape, ...]) -> str:
    return str(len(block))


def _output_channels(block: tuple[SubBlockShape, ...]) -> str:
    return str(block[-1].out_channels)


def _stride(block: tuple[SubBlockShape, ...]) -> str:
    return str(block[0].stride)


BlockValue = Callable[[tuple[SubBlockShape, ...]], str]
BLOCK_FACTS: tuple[tuple[str, BlockValue, Sentence], ...] = (
    ("sub-blocks", _sub_block_count, say.sub_block_count),
    ("channels", _output_channels, say.output_channels),
    ("stride", _stride, say.stride),
)


def _norms(s: Structure) -> str:
    return " and ".join(s.norms) or "nothing (no normalisation layers)"


def _head_step(step: HeadStep, detailed: bool) -> str:
    """'1x1 conv to 960 channels with batch norm and hard-swish' (detailed), '1x1 conv' (the layout: which layers in
    which order; norms and activations differ model-wide more often than not, and are said there)."""
    if step.kind == "pool":
        return "global pooling"
    if step.kind == "dense":
        return "dense layer" + (f" with {step.activation}" if detailed and step.activation else "")
    text = f"{step.kernel}x{step.kernel} conv"
    if not detailed:
        return text
    extras = " and ".join(e for e in (step.norm, step.activation) if e)
    return f"{text} to {step.channels} channels" + (f" with {extras}" if extras else "")


def _head(s: Structure, detailed: bool) -> str:
    return " \u2192 ".join(_head_step(step, detailed) for step in s.head)


def _model_facts(ours: Structure, ref: Structure, label: str, rename: Rename) -> list[Difference]:
    """The whole model, the stem and the top: one sentence each."""
    facts: list[tuple[str, str, str, str, ModelSentence]] = [
        ("model", "blocks", str(len(ours.blocks)), str(len(ref.blocks)), say.block_count),
        ("stem", "stem channels", str(ours.stem_channels), str(ref.stem_channels), say.stem_channels),
        ("stem", "stem convolution", f"{ours.stem_kernel}x{ours.stem_kernel} stride {ours.stem_stride}",
         f"{ref.stem_kernel}x{ref.stem_kernel} stride {ref.stem_stride}", say.stem_convolution),
        ("model", "activations", ", ".join(_all_activations(ours)), ", ".join(_all_activations(ref)),
         say.model_activations),
        ("stem", "stem activations", *_activations(ours.stem_activations, ref.stem_activations, rename),
         say.stem_activations),
    ]  # fmt: skip
    if ours.head_channels is None or ref.head_channels is None:
        facts.append(
            ("top", "head", str(ours.head_channels or "none"), str(ref.head_channels or "none"), say.head_presence)
        )
    elif _head(ours, False) != _head(ref, False):  # the full description says channels and activations too
        facts.append(("top", "head", _head(ours, True), _head(ref, True), say.head_layout))
    else:
        facts.append(("top", "head", str(ours.head_channels), str(ref.head_channels), say.head_channels))
        facts.append(
            ("top", "top activations", *_activations(ours.top_activations, ref.top_activations, rename),
             say.top_activations)
        )  # fmt: skip
    return [
        Difference((stage,), sentence(o, t, label), o, t, key=key) for stage, key, o, t, sentence in facts if o != t
    ]


def structural_differences(ours: Structure, ref: Structure, label: str) -> list[Difference]:
    """Whole model, stem, blocks, sub-blocks, top; label is the reference's name ('B3')."""
    out = []
    if _norms(ours) != _norms(ref):  # explains every stage's parameters (none at all, or other norms)
        everywhere = ("model", "stem", *(f"block{i}" for i in range(1, len(ours.blocks) + 1)), "top")
        text = say.normalisation(_norms(ours), _norms(ref), label)
        out.append(Difference(everywhere, text, _norms(ours), _norms(ref), key="norm kinds"))
    rename = _renaming(ours, ref)
    out += _model_facts(ours, ref, label, rename)
    pairs = list(zip(ours.blocks, ref.blocks))
    block_names = [f"block{i}" for i in range(1, len(pairs) + 1)]
    for key, value, sentence in BLOCK_FACTS:
        facts = [_Fact(n, n, value(m), value(t)) for n, (m, t) in zip(block_names, pairs)]
        out += _said([f for f in facts if f.ours != f.theirs], key, sentence, label, block_names, None)
    facts_by_key: dict[str, list[_Fact]] = {}
    sentences: dict[str, Sentence] = {}
    for i, block in enumerate(ours.blocks, start=1):
        for j, b in enumerate(block):
            counterpart = ref.blocks[i - 1][min(j, len(ref.blocks[i - 1]) - 1)] if i <= len(ref.blocks) else None
            found = presence_facts(b, counterpart or ref.sub_blocks[-1])
            found += pair_facts(b, counterpart, rename) if counterpart else []
            for key, o, t, said_by in found:
                if o != t and not (key == "norms" and not ours.norms):  # 'no norms at all' is said once
                    sentences[key] = said_by
                    facts_by_key.setdefault(key, []).append(_Fact(b.name, f"block{i}", o, t))
    names = [b.name for b in ours.sub_blocks]
    by_stage = {f"block{i}": tuple(b.name for b in block) for i, block in enumerate(ours.blocks, start=1)}
    for key, facts in facts_by_key.items():
        out += _said(facts, key, sentences[key], label, names, by_stage)
    order = {"model": 0, "stem": 1, "top": 10**6}
    return sorted(out, key=lambda d: order.get(d.stage, 2 + int(d.stage[5:] or 0)))


def _said(
    facts: list[_Fact],
    key: str,
    sentence: Sentence,
    label: str,
    names: list[str],
    by_stage: dict[str, tuple[str, ...]] | None,
) -> list[Difference]:
    """Facts with the same pair of values in one sentence each; more groups than MANY in one sentence in all.
    by_stage: sub-blocks by block (sub-block facts), None for block facts."""
    groups: dict[tuple[str, str], list[_Fact]] = {}
    for f in facts:
        groups.setdefault((f.ours, f.theirs), []).append(f)
    if len(groups) > MANY:
        o, t = spread([f.ours for f in facts], by_stage is None), spread([f.theirs for f in facts], by_stage is None)
        if o != t:
            groups = {(o, t): facts}
    out = []
    for (o, t), members in groups.items():
        where = [f.where for f in members]
        subject: Subject = sub_blocks_subject(where, names, by_stage) if by_stage else blocks_subject(where, names)
        stages = tuple(dict.fromkeys(f.stage for f in members))
        ordered = tuple(n for n in names if n in set(where))
        out.append(Difference(stages, sentence(subject, o, t, label), o, t, len(members), key, ordered))
    return out
