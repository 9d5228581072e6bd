"""Exact totals against the published figures (shared/reference/efficientnet.md): layers, parameters, MACs."""

from __future__ import annotations

import pytest
from helpers import cached_analysis

from effnet_inspect.analysis.measure import analyze, totals
from effnet_inspect.analysis.rows import family_row, stage_rows, sub_block_rows
from effnet_inspect.arch.specs import VARIANTS, scale

# Keras' layer count without the classifier top (the seed article: B0 237, B7 813).
KERAS_LAYERS_NO_TOP = {"b0": 237, "b7": 813}
TORCHVISION_PARAMS = {"b0": 5_288_548, "b7": 66_347_960}
KERAS_TOTAL_PARAMS = {"b0": 5_330_571, "b7": 66_658_687}
# torchvision's GFLOPS metadata (multiply-accumulates of conv and linear layers, the paper's convention).
TORCHVISION_GMACS = {"b0": 0.39, "b7": 37.75}
# torchvision's weight metadata for every variant (torchvision/models/efficientnet.py: "num_params" and "_ops",
# GMACs at torchvision's evaluation crop, which is the variant's own resolution except B2's 288).
TORCHVISION_META = {
    "b0": (5_288_548, 224, 0.386),
    "b1": (7_794_184, 240, 0.687),
    "b2": (9_109_994, 288, 1.088),
    "b3": (12_233_232, 300, 1.827),
    "b4": (19_341_616, 380, 4.394),
    "b5": (30_389_784, 456, 10.266),
    "b6": (43_040_704, 528, 19.068),
    "b7": (66_347_960, 600, 37.746),
}
# Paper Table 2, rounded as printed.
PAPER_PARAMS_M = {"b0": 5.3, "b1": 7.8, "b2": 9.2, "b3": 12, "b4": 19, "b5": 30, "b6": 43, "b7": 66}
PAPER_GFLOPS = {"b0": 0.39, "b1": 0.70, "b2": 1.0, "b3": 1.8, "b4": 4.2, "b5": 9.9, "b6": 19, "b7": 37}


@pytest.mark.parametrize("variant", sorted(KERAS_LAYERS_NO_TOP))
def test_keras_layer_counts(variant):
    assert len(cached_analysis(variant, False).graph) == KERAS_LAYERS_NO_TOP[variant]
    assert len(cached_analysis(variant, True).graph) == KERAS_LAYERS_NO_TOP[variant] + 3


def expected_layers(variant: str, include_top: bool) -> int:
    """Keras' layer count derived independently from the spec, layer type by layer type."""
    count = 7 + 3 + (3 if include_top else 0)  # input .. stem_activation; top_conv/bn/activation; classifier
    for b in scale(VARIANTS[variant]).sub_blocks:
        count += 3 + 5 + 2  # depthwise conv/bn/activation, squeeze-and-excitation, projection conv/bn
        count += 3 * (b.expand_ratio != 1) + (b.stride == 2)
        count += (b.drop_rate > 0) + 1 if b.has_skip else 0
    return count


def test_layer_counts_follow_the_rules(official):
    for top in (False, True):
        assert len(cached_analysis(official, top).graph) == expected_layers(official, top)


@pytest.mark.parametrize("variant", sorted(TORCHVISION_PARAMS))
def test_exact_parameters(variant):
    row = family_row(cached_analysis(variant))
    assert row.params == TORCHVISION_PARAMS[variant]
    assert row.params_keras == KERAS_TOTAL_PARAMS[variant]


def test_keras_params_add_bn_statistics_and_normalization(official):
    a = cached_analysis(official)
    bn_channels = sum(layer.shape[1] for layer in a.layers() if layer.kind.name == "BATCH_NORM")
    t = totals(a.layers())
    assert t.params_keras - t.params == 2 * bn_channels + 7


def test_build_matches_traced_parameters(official):
    from effnet_inspect.model.build import build

    model = build(official, device="meta")
    assert sum(p.numel() for p in model.parameters()) == family_row(cached_analysis(official)).params


@pytest.mark.parametrize("variant", sorted(TORCHVISION_GMACS))
def test_macs_match_torchvision(variant):
    assert round(family_row(cached_analysis(variant)).macs / 1e9, 2) == TORCHVISION_GMACS[variant]


def test_every_variant_matches_torchvision_metadata(official):
    """B1-B6 are derived from the rules like B0 and B7; torchvision's published figures check them all."""
    params, crop, gmacs = TORCHVISION_META[official]
    row = family_row(analyze(official, resolution=crop))
    assert row.params == params
    assert round(row.macs / 1e9, 3) == gmacs


def test_paper_table_within_its_rounding(official):
    """The paper prints two significant figures (B3's 12.23M as "12M"); B4 and B5 sit 4-5 % above their printed
    FLOPs in every implementation (torchvision lists 4.39 and 10.27), hence the tolerances."""
    row = family_row(cached_analysis(official))
    assert row.params / 1e6 == pytest.approx(PAPER_PARAMS_M[official], rel=0.025)
    assert row.macs / 1e9 == pytest.approx(PAPER_GFLOPS[official], rel=0.05)
    assert row.flops == 2 * row.macs


SUMMED = ("layers", "params", "params_keras", "macs", "flops", "elementwise")


@pytest.mark.parametrize("include_top", [True, False])
def test_rows_add_up_like_torchinfo_columns(official, include_top):
    """Stage rows add up to the family row, and each stage's sub-block rows to its stage row (every column)."""
    a = cached_analysis(official, include_top)
    family, stages, subs = family_row(a), stage_rows(a), sub_block_rows(a)
    for key in SUMMED:
        assert sum(getattr(s, key) for s in stages) == getattr(family, key), key
        for stage in stages:
            inside = [getattr(r, key) for r in subs if r.stage == stage.stage]
            if inside:  # stem and top have no sub-blocks
                assert sum(inside) == getattr(stage, key), (stage.stage, key)
    assert sum(s.repeats or 0 for s in stages) == family.sub_blocks == len(subs)
