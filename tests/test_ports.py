"""Models beyond plain B0-B7 (tests/ports/): channel-pruned, re-normalised, fused, CondConv, mixed-kernel, frozen,
feature-extractor and scripted EfficientNets. Each gets a true verdict, or one line and exit status 2; every
difference sentence is made of two sides that differ; porting notes stay apart from the differences."""

from __future__ import annotations

import itertools
import json

import pytest
import torch
from helpers import cached_analysis, cached_inspection, cli_stdout, one_line_exit_2, run_cli

from effnet_inspect.analysis.rows import Level, stage_rows
from effnet_inspect.arch.kinds import LayerKind, ModuleType, SubBlockType
from effnet_inspect.arch.specs import OFFICIAL_NAMES
from effnet_inspect.cli import main
from effnet_inspect.ports.differences import Difference, structural_differences
from effnet_inspect.ports.factory import parse_factory
from effnet_inspect.ports.structure import structure
from effnet_inspect.ports.verdict import Inspection, closest_variant, inspect_factory, inspect_model
from tests.ports import PORTS, TIMM, TV, TV2, WRAPPED


def inspected(spec: str) -> Inspection:
    return cached_inspection(spec)


def structural(spec: str) -> list[Difference]:
    found = inspected(spec)
    return closest_variant(structure(found.analysis), found.analysis.include_top)[1]


@pytest.mark.parametrize(
    "spec",
    [pytest.param(s, marks=pytest.mark.slow) if s.endswith(("scripted_b0", "traced_b0")) else s for s in sorted(PORTS)],
)  # TorchScript compiles for seconds
def test_every_port_gets_a_verdict_or_one_line_and_status_2(spec, capsys):
    code, out, err = run_cli(capsys, "inspect", "--model", spec, "--format", "json")  # an exception fails the test
    if PORTS[spec] is None:
        one_line_exit_2(code, out, err, "pass the eager nn.Module")
        return
    variant, matches = PORTS[spec]
    data = json.loads(out)
    assert code == 0 and err == ""
    assert data["closest_variant"] == variant and (data["matched_variant"] == variant) is matches
    assert bool(data["differences"]) is not matches


@pytest.mark.parametrize("spec", sorted(s for s in PORTS if PORTS[s] is not None))
def test_every_sentence_has_two_different_sides(spec):
    for d in structural(spec):
        _two_sides(d)


def _two_sides(d: Difference) -> None:
    """The fact differs ("stem uses swish; B0 uses swish" cannot be written: both sides would be 'swish'), and the
    sentence says ours first, then the reference's."""
    assert d.ours != d.theirs and d.count >= 1
    mine, theirs = d.text.split("; ")
    assert mine != theirs and (d.ours in mine or d.ours in ("none", "CondConv", "yes", "no"))


def test_every_sentence_between_variants_has_two_different_sides():
    for a, b in itertools.permutations(OFFICIAL_NAMES[:4], 2):
        found = structural_differences(structure(cached_analysis(a)), structure(cached_analysis(b)), b.upper())
        assert found, (a, b)  # B0-B7 all differ from one another
        for d in found:
            _two_sides(d)


def test_channel_pruned_b3_keeps_b3s_stages():
    """Per-sub-block expansion widths do not start stages: 7 blocks with B3's repeats, strides, kernels, skips."""
    found, ours = inspected(f"{TIMM}:efficientnet_b3_pruned"), cached_analysis("b3")
    mine, theirs = stage_rows(found.analysis), stage_rows(ours)
    assert [(r.stage, r.repeats, r.stride, r.kernel_size, r.out_channels) for r in mine] == [
        (r.stage, r.repeats, r.stride, r.kernel_size, r.out_channels) for r in theirs
    ]
    assert [b.has_skip for b in found.analysis.grouping.sub_blocks] == [b.has_skip for b in ours.grouping.sub_blocks]
    expansion, excitation = found.conformance.differences
    assert expansion.startswith("block2–7 (24 sub-blocks) expand by ") and expansion.endswith("; B3's by 6")
    # the one SE width pruning changed, though its stage's input width is B3's
    assert (
        excitation
        == "the squeeze-and-excitation of block5d has 33 channels; B3's rule (a quarter of the input channels) gives 34"
    )


def test_group_norm_is_named_and_nothing_else_differs():
    c = inspected(f"{TIMM}:efficientnet_b0_gn").conformance
    assert c.differences == ["the model normalises with group norm (8 channels per group); B0 with batch norm"]
    assert (c.params, c.macs) == (c.reference_params, c.reference_macs)  # GroupNorm has BatchNorm's gamma and beta
    kinds = {layer.kind for layer in inspected(f"{TIMM}:efficientnet_b0_gn").analysis.layers()}
    assert LayerKind.GROUP_NORM in kinds and LayerKind.BATCH_NORM not in kinds and LayerKind.OTHER not in kinds


@pytest.mark.parametrize(
    "port, named",
    [("efficientnet_b0_ln", "layer norm"), ("efficientnet_b0_no_norm", "nothing (no normalisation layers)")],
)
def test_other_normalisations_are_named_once(port, named):
    c = inspected(f"{TIMM}:{port}").conformance
    assert c.differences == [f"the model normalises with {named}; B0 with batch norm"]  # stages' parameters follow


@pytest.mark.parametrize("spec", [f"{TIMM}:efficientnet_b0_frozen", f"{TV2}:efficientnet_b0_frozen_bn"])
def test_frozen_batch_norm_is_batch_norm_with_a_note(spec):
    """Written out as x * scale + shift (timm) or as a module with buffers (torchvision.ops): B0, with a note."""
    found = inspected(spec)
    c = found.conformance
    assert c.matched_variant == "b0" and c.params == 5_288_548
    assert any(n.startswith("batch norm is frozen") for n in c.notes)
    kinds = [layer.kind for layer in found.analysis.layers()]
    # 49 batch norms; the only products and sums left are the 16 excitations and the 9 skips
    assert (kinds.count(LayerKind.BATCH_NORM), kinds.count(LayerKind.MULTIPLY), kinds.count(LayerKind.ADD)) == (
        49,
        16,
        9,
    )


def test_fused_stages_are_blocks_not_stem():
    found = inspected(f"{TV2}:efficientnet_v2_s")
    stem, *blocks, top = found.analysis.grouping.stages
    assert len(stem.layers) == 4 and len(blocks) == 6  # input, conv, BN, SiLU
    types = [{b.type for b in s.sub_blocks} for s in blocks]
    assert types == [{SubBlockType.FUSED}] * 3 + [{SubBlockType.MBCONV}] * 3
    assert [len(s.sub_blocks) for s in blocks] == [2, 4, 4, 6, 9, 15]
    assert not any(b.has_se for s in blocks[:3] for b in s.sub_blocks)
    first = blocks[0].sub_blocks[0]  # expand ratio 1: one 3x3 conv with a skip, no projection
    assert first.module_types == (ModuleType.FUSED, ModuleType.MODULE5)
    assert blocks[1].sub_blocks[0].module_types == (ModuleType.FUSED, ModuleType.MODULE4)
    differences = found.conformance.differences
    assert (
        "block1–3 (10 sub-blocks) are fused MBConv (a full convolution in place of expansion + depthwise, "
        "EfficientNetV2 style); B0-B7 have none" in differences
    )
    # every sub-block with 3x3 kernels where B4's counterpart has 5x5, those beyond B4's repeats too: all of
    # blocks 3, 5 and 6 (4 + 9 + 15); blocks 1, 2 and 4 have 3x3 like B4's
    assert "block3, block5–6 (28 sub-blocks) use 3x3 kernels; B4's use 5x5" in differences
    assert "block4 (6 sub-blocks) expand by 4; B4's by 6" in differences
    assert found.conformance.module_counts["fused"] == 10
    rows = found.rows(Level.STAGE)
    assert [r.block_type for r in rows] == [None] + ["fused MBConv"] * 3 + ["MBConv"] * 3 + [None]
    assert rows[-1].out_resolution == 12  # the top's feature maps at B4's 380 pixels, not the pooled 1x1


def test_edge_tpu_fused_stage_without_skip():
    found = inspected(f"{TIMM}:efficientnet_es")
    blocks = found.analysis.grouping.blocks
    assert [len(s.sub_blocks) for s in blocks] == [1, 2, 4, 5, 4, 2]
    assert [b.type for s in blocks[:3] for b in s.sub_blocks] == [SubBlockType.FUSED] * 7
    assert not blocks[0].sub_blocks[0].has_skip  # 32 -> 24 channels, and 'noskip' anyway


def test_condconv_is_analysed_and_named():
    found = inspected(f"{TIMM}:efficientnet_cc_b0_4e")
    c = found.conformance
    assert c.differences == [
        "block5–7 (8 sub-blocks) compute their convolution weights from the input (CondConv: "
        "a per-example mix of expert kernels); B0-B7 have none"
    ]
    dynamic = [b.dynamic_convs for b in found.analysis.grouping.sub_blocks]
    assert dynamic == [0] * 8 + [3] * 8  # expansion, depthwise and projection of every CondConv sub-block
    # 4 experts per kernel: three more copies of B0's expansion, depthwise and projection weights, plus a 4-way
    # routing Linear per sub-block (block6: 112 -> 672 -> 192 channels, then 3 x 192 -> 1152 -> 192, 5x5 kernels)
    stages = {s.stage: s for s in c.stages}
    convs = (112 * 672 + 672 * 25 + 672 * 192) + 3 * (192 * 1152 + 1152 * 25 + 1152 * 192)
    assert stages["block6"].params - stages["block6"].reference_params == 3 * convs + (112 + 3 * 192) * 4 + 4 * 4
    # the extra MACs: the routing (a 4-way Linear per sub-block: 112 + 3 x 192 inputs) and the mixing of the
    # experts (routing (1, 4) @ experts (4, kernel size) per convolution: 4 x every kernel's size)
    assert stages["block6"].macs - stages["block6"].reference_macs == 4 * (112 + 3 * 192) + 4 * convs


def test_mixed_kernels_are_named():
    found = inspected(f"{TIMM}:mixnet_b0")
    assert found.conformance.differences == ["block2 (2 sub-blocks) use mixed 3x3/5x5/7x7 kernels; B0's use 3x3"]
    assert [b.kernel_sizes for b in found.analysis.grouping.blocks[1].sub_blocks] == [(3, 5, 7)] * 2


def test_a_feature_extractor_has_no_head():
    c = inspected(f"{WRAPPED}:features_b0").conformance
    assert c.differences == ["the model has no head convolution; B0's has 1280 channels"]


# -------------------------------------------------------------------------------------------------- notes
def test_porting_notes_are_kept_apart_from_differences():
    tv = inspected(f"{TV}:efficientnet_b0").conformance
    assert tv.differences == [] and len(tv.notes) == 3
    assert tv.notes[0].startswith("the model was handed over in train() mode")  # as the factory built it
    assert tv.notes[1].startswith("strided convolutions use symmetric padding; B0 uses TF 'same' padding")
    assert tv.notes[2].startswith("batch norm uses eps 1e-05, momentum 0.1; B0 uses eps 0.001, momentum 0.01")
    # TF 'same', Keras' BN, Keras' rates (its drop_connect_rate schedule, applied in forward())
    tf = inspect_factory(parse_factory("tests.ports.tf_port_style:make")).conformance
    assert tf.notes[1:] == ["activations are computed by custom code (MemoryEfficientSwish); B0 uses the library's"]


def test_a_model_in_train_mode_is_inspected_in_eval_mode_and_left_alone():
    from tests.ports.torchvision_style import efficientnet_b0

    with torch.device("meta"):
        model = efficientnet_b0().train()
    found = inspect_model(model, "b0 in training")
    assert model.training and found.conformance.matched_variant == "b0"
    assert found.conformance.notes[0].startswith("the model was handed over in train() mode")


# ------------------------------------------------------------------------------------------- side by side
def test_layers_mean_keras_layers_for_every_model(capsys):
    ours, theirs = json.loads(cli_stdout(capsys, "table", "b0", "--model", f"{TV}:efficientnet_b0", "--format", "json"))
    assert ours["layers"] == theirs["layers"] == 240 and theirs["nodes"] == 250 and "nodes" not in ours
    argv = ["table", "b0", "--model", f"{TV}:efficientnet_b0", "--level", "stage", "--format", "json"]
    rows = json.loads(cli_stdout(capsys, *argv))
    for a, b in zip(rows[:9], rows[9:]):
        assert (a["stage"], a["layers"], a["out_resolution"]) == (b["stage"], b["layers"], b["out_resolution"])


def test_table_text_shows_the_verdict_under_variants_and_model(capsys):
    out = cli_stdout(capsys, "table", "b3", "--model", "tests.ports.altered:make")
    lines = out.splitlines()
    assert lines[2].startswith("b3 ") and lines[3].startswith("altered:make ") and "Nodes" in lines[0]
    assert "Verdict for altered:make: does not match any of B0-B7; closest is B3 (3 differences)" in out
    assert "  - block6 has 5 sub-blocks; B3 has 6" in out


@pytest.mark.slow
def test_compare_a_variant_with_a_model(tmp_path, capsys):
    assert main(["compare", "b3", "--model", f"{TIMM}:efficientnet_b3_pruned", "--out", str(tmp_path)]) == 0
    (page,) = tmp_path.glob("compare-b3-*.html")
    html = page.read_text()
    assert 'id="stage-growth"' in html and "closest is B3 (2 differences)" in html
    # a port has no compound-scaling coefficients: no coefficient rows, no prose about them
    assert "Width coefficient" not in html and "width coefficient" not in html
    assert "Notes for porting weights" in html and "symmetric padding" in html
    capsys.readouterr()
    one_line_exit_2(*run_cli(capsys, "compare", "b3"), "compare needs two models, got 1")


@pytest.mark.slow
def test_report_shows_the_verdict_on_the_models_page_and_in_the_index(tmp_path, capsys):
    assert main(["report", "b0", "--model", f"{TIMM}:efficientnet_b0_gn", "--out", str(tmp_path)]) == 0
    page = (tmp_path / "timm-style-efficientnet-b0-gn.html").read_text()
    index = (tmp_path / "index.html").read_text()
    sentence = "the model normalises with group norm (8 channels per group); B0 with batch norm"
    for html in (page, index):
        assert "closest is B0 (1 difference)" in html and sentence in html
    assert "<dt>Nodes</dt>" in page and (tmp_path / "b0.html").is_file()
