"""The sentences of the verdict, one named function per fact: each says the fact of the model first, then the
reference's ("block6 has 5 sub-blocks; B3 has 6"), and is only ever called with two values that differ.

Sub-block and block sentences take (subject, ours, theirs, label); a sentence about the whole model, the stem or
the top takes (ours, theirs, label).
"""

from __future__ import annotations

from collections.abc import Callable

from effnet_inspect.arch.kinds import SubBlockType
from effnet_inspect.ports.subjects import Subject

Sentence = Callable[[Subject, str, str, str], str]
ModelSentence = Callable[[str, str, str], str]

FUSED_NOTE = "(a full convolution in place of expansion + depthwise, EfficientNetV2 style)"
CONDCONV_NOTE = "(CondConv: a per-example mix of expert kernels)"
GATES = {  # a gating side branch in words, by its form (analysis.branches.BranchForm's values)
    "squeeze-and-excitation": "squeeze-and-excitation",
    "global context": "a global-context module",
    "unrecognised side branch": "a side branch of unrecognised form",
}


def _reference(subject: Subject, label: str) -> str:
    """'B0' beside one block, "B0's" beside several: 'block6 has 5 sub-blocks; B3 has 6', "block1-2 have ...; B3's
    have ..."."""
    return f"{label}'s" if subject.plural else label


# -------------------------------------------------------------------------------------------------- sub-blocks
def block_type(s: Subject, ours: str, theirs: str, label: str) -> str:
    if ours == SubBlockType.FUSED.value:
        return f"{s} {s.verb('is', 'are')} {ours} {FUSED_NOTE}; B0-B7 have none"
    return f"{s} {s.verb('is', 'are')} {ours}; {label}'s {s.verb('is', 'are')} {theirs}"


def convolution_weights(s: Subject, ours: str, theirs: str, label: str) -> str:
    if ours == "CondConv":
        return (
            f"{s} {s.verb('computes its', 'compute their')} convolution weights from the input {CONDCONV_NOTE}; "
            "B0-B7 have none"
        )
    return f"{s} {s.verb('uses', 'use')} fixed convolution weights; {label}'s use CondConv"


def gate(s: Subject, ours: str, theirs: str, label: str) -> str:
    """The gating side branch (GATES' words, or 'none')."""
    if ours == "none":
        return f"{s} {s.verb('has', 'have')} no {theirs}; {label}'s {s.verb('has one', 'have it')}"
    instead = f" in place of {theirs}" if theirs != "none" else ""
    return f"{s} {s.verb('has', 'have')} {ours}{instead}; {label}'s {s.verb('has', 'have')} {theirs}"


def kernels(s: Subject, ours: str, theirs: str, label: str) -> str:
    return f"{s} {s.verb('uses', 'use')} {ours} kernels; {label}'s {s.verb('uses', 'use')} {theirs}"


def skip_connection(s: Subject, ours: str, theirs: str, label: str) -> str:
    if ours == "yes":
        return f"{s} {s.verb('has', 'have')} a skip connection; {label}'s {s.verb('has', 'have')} none"
    return f"{s} {s.verb('has', 'have')} no skip connection; {label}'s {s.verb('has one', 'have one')}"


def expansion(s: Subject, ours: str, theirs: str, label: str) -> str:
    return f"{s} {s.verb('expands', 'expand')} by {ours}; {label}'s by {theirs}"


def normalisation_layers(s: Subject, ours: str, theirs: str, label: str) -> str:
    return f"{s} {s.verb('has', 'have')} {ours} normalisation layers; {label}'s {theirs}"


def feature_activations(s: Subject, ours: str, theirs: str, label: str) -> str:
    return f"{s} {s.verb('uses', 'use')} {ours}; {label}'s {s.verb('uses', 'use')} {theirs}"


def excitation_activations(s: Subject, ours: str, theirs: str, label: str) -> str:
    return f"{s} {s.verb('uses', 'use')} {ours} in squeeze-and-excitation; {label}'s {theirs}"


def excitation_channels(s: Subject, ours: str, theirs: str, label: str) -> str:
    """theirs: what the reference's rule (Keras: a quarter of the sub-block's input channels) gives here."""
    return (
        f"the squeeze-and-excitation {s.verb('', 'branches ')}of {s} {s.verb('has', 'have')} {ours} channels; "
        f"{label}'s rule (a quarter of the input channels) gives {theirs}"
    )


# ------------------------------------------------------------------------------------------------------ blocks
def sub_block_count(s: Subject, ours: str, theirs: str, label: str) -> str:
    has = s.verb("has", "have")
    return f"{s} {has} {ours} sub-blocks; {_reference(s, label)} {has} {theirs}"


def output_channels(s: Subject, ours: str, theirs: str, label: str) -> str:
    has = s.verb("has", "have")
    return f"{s} {has} {ours} output channels; {_reference(s, label)} {has} {theirs}"


def stride(s: Subject, ours: str, theirs: str, label: str) -> str:
    has = s.verb("has", "have")
    return f"{s} {has} stride {ours}; {_reference(s, label)} {has} {theirs}"


# ----------------------------------------------------------------------------------- the model, stem and top
def normalisation(ours: str, theirs: str, label: str) -> str:
    return f"the model normalises with {ours}; {label} with {theirs}"


def block_count(ours: str, theirs: str, label: str) -> str:
    return f"the model has {ours} blocks; {label} has {theirs}"


def model_activations(ours: str, theirs: str, label: str) -> str:
    return f"the model's activations are {ours}; {label}'s are {theirs}"


def stem_channels(ours: str, theirs: str, label: str) -> str:
    return f"stem has {ours} channels; {label} has {theirs}"


def stem_convolution(ours: str, theirs: str, label: str) -> str:
    return f"stem convolution is {ours}; {label}'s is {theirs}"


def stem_activations(ours: str, theirs: str, label: str) -> str:
    return f"stem uses {ours}; {label} uses {theirs}"


def head_presence(ours: str, theirs: str, label: str) -> str:
    """One side has no head convolution (a feature extractor); ours / theirs: channels or 'none'."""
    if ours == "none":
        return f"the model has no head convolution; {label}'s has {theirs} channels"
    return f"head has {ours} channels; {label} has no head convolution"


def head_layout(ours: str, theirs: str, label: str) -> str:
    return f"the top is {ours}; {label}'s is {theirs}"


def head_channels(ours: str, theirs: str, label: str) -> str:
    return f"head has {ours} channels; {label} has {theirs}"


def top_activations(ours: str, theirs: str, label: str) -> str:
    return f"top uses {ours}; {label} uses {theirs}"
