"""Models beyond plain B0-B7 (tests/ports/): channel-pruned, re-normalised, fused, CondConv, mixed-kernel, frozen,
feature-extractor and scripted EfficientNets. Each gets a true verdict, or one line and exit status 2; every
difference sentence is made of two sides that differ; porting notes stay apart from the differences."""

from __future__ import annotations

import functools
import itertools
import json

import pytest
import torch
from helpers import cached_analysis

from effnet_inspect.analysis.rows import Level, stage_rows
from effnet_inspect.arch.kinds import LayerKind, ModuleType, SubBlockType
from effnet_inspect.arch.specs import OFFICIAL_NAMES
from effnet_inspect.cli import main
from effnet_inspect.ports.differences import Difference, structural_differences
from effnet_inspect.ports.factory import parse_factory
from effnet_inspect.ports.structure import structure
from effnet_inspect.ports.verdict import Inspection, closest_variant, inspect_factory, inspect_model

TIMM, TV, TV2, WRAPPED = (
    "tests.ports.timm_style",
    "tests.ports.torchvision_style",
    "tests.ports.torchvision_extra",
    "tests.ports.wrapped",
)

# Every port: the closest variant and whether it matches it exactly; None: refused with one line (exit 2).
PORTS = {
    f"{TIMM}:efficientnet_b0": ("b0", True),
    f"{TIMM}:efficientnet_b0_gn": ("b0", False),
    f"{TIMM}:efficientnet_b0_ln": ("b0", False),
    f"{TIMM}:efficientnet_b0_no_norm": ("b0", False),
    f"{TIMM}:efficientnet_b0_frozen": ("b0", True),
    f"{TIMM}:efficientnet_cc_b0_4e": ("b0", False),
    f"{TIMM}:mixnet_b0": ("b0", False),
    f"{TIMM}:efficientnet_es": ("b0", False),
    f"{TIMM}:efficientnet_b3_pruned": ("b3", False),
    f"{TV2}:efficientnet_v2_s": ("b0", False),
    f"{TV2}:efficientnet_b0_frozen_bn": ("b0", True),
    f"{WRAPPED}:features_b0": ("b0", False),
    f"{WRAPPED}:scripted_b0": None,
    f"{WRAPPED}:traced_b0": None,
}


@functools.cache
def inspected(spec: str) -> Inspection:
    return inspect_factory(parse_factory(spec))


def structural(spec: str) -> list[Difference]:
    found = inspected(spec)
    return closest_variant(structure(found.analysis), found.analysis.include_top)[1]


@pytest.mark.parametrize("spec", sorted(PORTS))
def test_every_port_gets_a_verdict_or_one_line_and_status_2(spec, capsys):
    code = main(["inspect", "--model", spec, "--format", "json"])  # an exception here fails the test (exit 1)
    out, err = capsys.readouterr()
    if PORTS[spec] is None:
        assert code == 2 and out == "" and err.count("\n") == 1 and "pass the eager nn.Module" in err
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
    (difference,) = found.conformance.differences
    assert difference.startswith("block2–7 (24 sub-blocks) expand by ") and difference.endswith("; B3's by 6")


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
    assert (
        "block1–3 (10 sub-blocks) are fused MBConv (a full convolution in place of expansion + depthwise, "
        "EfficientNetV2 style); B0-B7 have none" in found.conformance.differences
    )
    assert found.conformance.module_counts["fused"] == 10
    rows = found.rows(Level.STAGE)
    assert [r.block_type for r in rows] == [None] + ["fused MBConv"] * 3 + ["MBConv"] * 3 + [None]
    assert rows[-1].out_resolution == 7  # the top's feature maps, not the pooled 1x1


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
    # the routing layers (a 4-way Linear per sub-block) are the only extra MACs: 112 + 3 x 192 inputs
    assert stages["block6"].macs - stages["block6"].reference_macs == 4 * (112 + 3 * 192)


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
    assert tv.differences == [] and len(tv.notes) == 2
    assert tv.notes[0].startswith("strided convolutions use symmetric padding; B0 uses TF 'same' padding")
    assert tv.notes[1].startswith("batch norm uses eps 1e-05, momentum 0.1; B0 uses eps 0.001, momentum 0.01")
    tf = inspect_factory(parse_factory("tests.ports.tf_port_style:make")).conformance  # TF 'same', Keras' BN
    assert tf.notes == ["activations are computed by custom code (MemoryEfficientSwish); B0 uses the library's"]


def test_a_model_in_train_mode_is_inspected_in_eval_mode_and_left_alone():
    from tests.ports.torchvision_style import efficientnet_b0

    with torch.device("meta"):
        model = efficientnet_b0().train()
    found = inspect_model(model, "b0 in training")
    assert model.training and found.conformance.matched_variant == "b0"
    assert found.conformance.notes[0].startswith("the model was handed over in train() mode")


# ------------------------------------------------------------------------------------------- side by side
def test_layers_mean_keras_layers_for_every_model(capsys):
    assert main(["table", "b0", "--model", f"{TV}:efficientnet_b0", "--format", "json"]) == 0
    ours, theirs = json.loads(capsys.readouterr().out)
    assert ours["layers"] == theirs["layers"] == 240 and theirs["nodes"] == 250 and "nodes" not in ours
    assert main(["table", "b0", "--model", f"{TV}:efficientnet_b0", "--level", "stage", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    for a, b in zip(rows[:9], rows[9:]):
        assert (a["stage"], a["layers"], a["out_resolution"]) == (b["stage"], b["layers"], b["out_resolution"])


def test_table_text_shows_the_verdict_under_variants_and_model(capsys):
    assert main(["table", "b3", "--model", "tests.ports.altered:make"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[2].startswith("b3 ") and lines[3].startswith("altered:make ") and "Nodes" in lines[0]
    assert "Verdict for altered:make: does not match any of B0-B7; closest is B3 (3 differences)" in out
    assert "  - block6 has 5 sub-blocks; B3 has 6" in out


def test_compare_a_variant_with_a_model(tmp_path, capsys):
    assert main(["compare", "b3", "--model", f"{TIMM}:efficientnet_b3_pruned", "--out", str(tmp_path)]) == 0
    (page,) = tmp_path.glob("compare-b3-*.html")
    html = page.read_text()
    assert 'id="stage-growth"' in html and "closest is B3 (1 difference)" in html
    assert "Notes for porting weights" in html and "symmetric padding" in html
    assert main(["compare", "b3"]) == 2
    assert "compare needs two models, got 1" in capsys.readouterr().err


def test_report_shows_the_verdict_on_the_models_page_and_in_the_index(tmp_path, capsys):
    assert main(["report", "b0", "--model", f"{TIMM}:efficientnet_b0_gn", "--out", str(tmp_path)]) == 0
    page = (tmp_path / "timm-style-efficientnet-b0-gn.html").read_text()
    index = (tmp_path / "index.html").read_text()
    sentence = "the model normalises with group norm (8 channels per group); B0 with batch norm"
    for html in (page, index):
        assert "closest is B0 (1 difference)" in html and sentence in html
    assert "<dt>Nodes</dt>" in page and (tmp_path / "b0.html").is_file()
