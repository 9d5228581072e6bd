"""The real model zoo's EfficientNet relatives (tests/ports/): global-context attention, MixNet's split
convolutions, MobileNetV3's head, timm's default rates, and what the verdict says when the grouping is unsure."""

from __future__ import annotations

import json

from helpers import cached_inspection, run_cli

from effnet_inspect.analysis.branches import BranchForm
from effnet_inspect.arch.kinds import LayerKind, ModuleType, SubBlockType
from effnet_inspect.ports.verdict import Inspection
from tests.ports import DOUBTFUL, MNV3, TIMM, TV


def inspected(spec: str, kwargs: str | None = None) -> Inspection:
    return cached_inspection(spec, kwargs)


def shape_of(found: Inspection) -> list[tuple[int, tuple[ModuleType, ...], SubBlockType, int, int]]:
    """Per sub-block: stage, module types, type, stride, output channels."""
    return [(b.stage, b.module_types, b.type, b.stride, b.out_channels) for b in found.analysis.grouping.sub_blocks]


# ------------------------------------------------------------------------------------------- global context
def test_global_context_is_a_side_branch_not_sub_blocks():
    """gc_efficientnetv2_rw_t is grouped like the same backbone without attention (6 blocks, 39 sub-blocks); its
    attention modules (1x1 conv -> softmax -> matmul -> 1x1 conv -> LayerNorm -> SiLU -> 1x1 conv) are Module 3."""
    gc, plain = inspected(f"{TIMM}:gc_efficientnetv2_rw_t"), inspected(f"{TIMM}:efficientnetv2_rw_t")
    assert [len(s.sub_blocks) for s in gc.analysis.grouping.blocks] == [2, 4, 4, 6, 9, 14]
    assert shape_of(gc) == shape_of(plain)
    gates = [b.gate for b in gc.analysis.grouping.sub_blocks]
    assert gates == [None] * 10 + [BranchForm.GLOBAL_CONTEXT] * 29
    assert {b.gate for b in plain.analysis.grouping.sub_blocks} == {None, BranchForm.SQUEEZE_EXCITATION}
    gc_only = set(gc.conformance.differences) - set(plain.conformance.differences)
    assert gc_only == {
        "the model's activations are swish, softmax, sigmoid; B4's are swish, sigmoid",
        "block4–6 (29 sub-blocks) have a global-context module in place of squeeze-and-excitation; B4's have "
        "squeeze-and-excitation",
    }
    assert gc.conformance.cautions == [] and gc.analysis.unknown == {}


def test_a_dropout_inside_a_side_branch_is_not_stochastic_depth():
    """The global-context MLP's Dropout(p=0) is not drop-connect; timm's default drop_path_rate=0 builds none."""
    notes = inspected(f"{TIMM}:gc_efficientnetv2_rw_t").conformance.notes
    assert "there is no drop-connect (stochastic depth); B4's rates are 0.0063 to 0.1938 over 25 sub-blocks" in notes


# ----------------------------------------------------------------------------------------------------- MixNet
def test_mixnet_split_pointwise_convolutions_are_one_expansion_and_one_projection():
    found = inspected(f"{TIMM}:mixnet_s")
    blocks = found.analysis.grouping.blocks
    assert [len(s.sub_blocks) for s in blocks] == [1, 2, 4, 3, 3, 3]  # timm's six stages
    block2a = blocks[1].sub_blocks[0]  # 'ir_r1_k3_a1.1_p1.1_s2_e6_c24': both 1x1 convolutions split in two
    assert block2a.module_types == (ModuleType.EXPANSION, ModuleType.MODULE2, ModuleType.MODULE4)
    assert (block2a.expanded_channels, block2a.out_channels) == (96, 24)
    layers = {n: found.analysis.graph.nodes[n]["layer"] for n in block2a.layers}
    expansion, _, projection = (m.layers for m in block2a.modules)
    for module in (expansion, projection):
        kinds = [layers[n].kind for n in module]
        assert kinds.count(LayerKind.CONV) == 2 and kinds.count(LayerKind.CONCATENATE) == 1
    assert [b.kernel_sizes for b in blocks[2].sub_blocks] == [(3, 5, 7)] + [(3, 5)] * 3
    assert found.analysis.unknown == {} and found.conformance.cautions == []


# ---------------------------------------------------------------------------------------------- MobileNetV3
def test_mobilenetv3_head_is_described_as_it_is():
    c = inspected(f"{MNV3}:mobilenetv3_large_100").conformance
    assert (
        "the top is 1x1 conv to 960 channels with batch norm and hard-swish → global pooling → 1x1 conv to 1280 "
        "channels with hard-swish → dense layer; B0's is 1x1 conv to 1280 channels with batch norm and swish → "
        "global pooling → dense layer" in c.differences
    )
    # every sub-block with squeeze-and-excitation is in the width sentence, those of block6 beyond B0's 6a too
    (widths,) = [d for d in c.differences if d.startswith("the squeeze-and-excitation branches of")]
    assert widths.startswith("the squeeze-and-excitation branches of block3, block5–6 (8 sub-blocks) have ")


# --------------------------------------------------------------------------------------------------- rates
def test_timm_default_rates_get_porting_notes():
    for spec, kwargs, label, keras in (
        (f"{TIMM}:efficientnet_b0", None, "B0", "0.025 to 0.175 over 9 sub-blocks"),
        (f"{TIMM}:create_model", '{"model_name": "efficientnet_b1"}', "B1", "0.0087 to 0.1913 over 16 sub-blocks"),
    ):
        c = inspected(spec, kwargs).conformance
        assert c.differences == [] and c.dropout_rate == 0.0
        assert f"classifier dropout rate is 0; {label}'s is 0.2" in c.notes
        assert f"there is no drop-connect (stochastic depth); {label}'s rates are {keras}" in c.notes


def test_keras_rates_given_to_timm_need_no_note():
    """drop_rate=0.2 (functional dropout, read from the model's drop_rate) and drop_path_rate=0.2 (DropPath in the
    skip branches) are Keras' B0 rates."""
    c = inspected(f"{TIMM}:efficientnet_b0", '{"drop_rate": 0.2, "drop_path_rate": 0.2}').conformance
    rates = ("classifier dropout", "the classifier has no dropout", "drop-connect", "there is no drop-connect")
    assert c.dropout_rate == 0.2 and not any(n.startswith(rates) for n in c.notes)


def test_table_shows_a_ports_own_dropout_rate(capsys):
    code, out, _ = run_cli(capsys, "table", "b0", "--model", f"{TIMM}:efficientnet_b0", "--format", "json")
    ours, theirs = json.loads(out)
    assert code == 0 and (ours["dropout_rate"], theirs["dropout_rate"]) == (0.2, 0.0)


# -------------------------------------------------------------------------------------------------- cautions
def test_a_side_branch_of_unknown_form_is_a_caution():
    c = inspected(f"{DOUBTFUL}:spatial_gate_b0").conformance
    assert c.cautions == ["block2a has a side branch of unrecognised form", "block2a has ops of unknown kind (amax x1)"]
    assert c.differences == [
        "block2a has a side branch of unrecognised form in place of squeeze-and-excitation; B0's has "
        "squeeze-and-excitation"
    ]


def test_unknown_ops_inside_blocks_are_a_caution_and_the_mac_total_says_it_is_short(capsys):
    code, out, _ = run_cli(capsys, "inspect", "--model", f"{DOUBTFUL}:clamped_b0")
    lines = out.splitlines()
    assert code == 0 and lines[2] == (
        "Caution: the grouping only partly understands this model: block3 (2 sub-blocks) have ops of unknown kind "
        "(clamp x2)"
    )
    assert "MACs: 385,814,752 (B0: 385,814,752); incomplete: ops of unknown kind are charged nothing (clamp x2)" in out


# ------------------------------------------------------------------------------------------------ the tables
def test_stages_a_port_lacks_come_before_the_top(capsys):
    code, out, _ = run_cli(capsys, "inspect", "--model", f"{TIMM}:mixnet_s")
    stages = [line.split()[0] for line in out.splitlines() if line.startswith(("stem ", "block", "top "))]
    assert code == 0 and stages == ["stem", *(f"block{i}" for i in range(1, 8)), "top"]


def test_a_model_handed_over_in_train_mode_is_noted_on_the_command_line_too(capsys):
    code, out, _ = run_cli(capsys, "inspect", "--model", f"{TV}:efficientnet_b0", "--format", "json")
    assert code == 0 and json.loads(out)["notes"][0].startswith("the model was handed over in train() mode")
