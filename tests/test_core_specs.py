"""Specs: rounding rules, the variant table, custom variants and their validation (no torch needed)."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from effnet_inspect.arch.specs import (
    BASE_BLOCKS,
    VARIANTS,
    custom_variant,
    parse_variant,
    round_filters,
    round_repeats,
    scale,
)
from effnet_inspect.errors import InputError


@pytest.mark.parametrize(
    "channels,width,expected",
    [
        (32, 1.0, 32),
        (32, 1.1, 32),
        (32, 1.2, 40),
        (32, 2.0, 64),
        (1280, 2.0, 2560),
        (1280, 1.1, 1408),
        (16, 1.4, 24),  # 22.4 rounds to 24
        (24, 1.1, 24),  # 26.4 rounds down to 24, which keeps more than 90 %
        (40, 1.1, 48),  # 44.0 rounds half up to 48
        (16, 0.1, 8),  # never below the divisor
    ],
)
def test_round_filters(channels, width, expected):
    assert round_filters(channels, width) == expected


def test_round_filters_bumps_when_rounding_loses_more_than_ten_percent():
    # 100 * 0.43 = 43 -> nearest multiple of 8 is 40, which loses 7 %: kept. 12 * 0.93 = 11.16 -> 8 loses 28 %: bumped.
    assert round_filters(100, 0.43) == 40
    assert round_filters(12, 0.93) == 16


@pytest.mark.parametrize("repeats,depth,expected", [(1, 1.0, 1), (1, 1.1, 2), (4, 3.1, 13), (3, 1.8, 6), (2, 2.2, 5)])
def test_round_repeats_is_ceil(repeats, depth, expected):
    assert round_repeats(repeats, depth) == expected


def test_b0_spec_is_the_base_table():
    spec = scale(VARIANTS["b0"])
    assert spec.stem_channels == 32 and spec.head_channels == 1280
    for stage, base in zip(spec.stages, BASE_BLOCKS):
        assert (stage.in_channels, stage.out_channels, stage.repeats) == (
            base.in_channels,
            base.out_channels,
            base.repeats,
        )


def test_b7_stem_and_head_scale_with_width():
    spec = scale(VARIANTS["b7"])
    assert (spec.stem_channels, spec.head_channels) == (64, 2560)
    assert [s.repeats for s in spec.stages] == [4, 7, 7, 10, 10, 13, 4]


def test_drop_connect_rate_grows_linearly():
    blocks = scale(VARIANTS["b0"]).sub_blocks
    assert [round(b.drop_rate, 6) for b in blocks[:3]] == [0.0, round(0.2 / 16, 6), round(0.4 / 16, 6)]


def test_se_width_uses_block_input_channels():
    block2a = scale(VARIANTS["b0"]).stages[1].sub_blocks[0]
    assert block2a.se_channels == max(1, int(16 * 0.25)) == 4


@pytest.mark.parametrize("text", ["b3", "B3", "efficientnet-b3", "EfficientNet-B3", " efficientnet_b3 "])
def test_variant_names(text):
    assert parse_variant(text) == VARIANTS["b3"]


def test_phi_variant_uses_compound_bases():
    v = parse_variant("phi=2")
    assert math.isclose(v.width, 1.1**2) and math.isclose(v.depth, 1.2**2)
    assert v.resolution == round(224 * 1.15**2)


def test_explicit_variant():
    v = parse_variant("w=1.3,d=1.5,r=320")
    assert (v.width, v.depth, v.resolution) == (1.3, 1.5, 320)
    assert parse_variant("width=1.3,depth=1.5,resolution=320,dropout=0.3").dropout == 0.3


@pytest.mark.parametrize(
    "text",
    [
        "b8",
        "resnet50",
        "phi=abc",
        "w=1.3,w=1.4",
        "x=1",
        "w=0",
        "w=-1",
        "d=nan",
        "r=10",
        "r=100000",
        "w=1e9",
        "phi=50",
        "r=224.5",
        "phi=1,w=1.2",
        "w=inf",
        "",
    ],
)
def test_invalid_variants_raise_one_line(text):
    with pytest.raises(InputError) as err:
        parse_variant(text)
    assert "\n" not in str(err.value)


def test_invalid_custom_values():
    for kwargs in ({"width": 0}, {"depth": -1}, {"width": float("nan")}, {"resolution": 1e6}, {"dropout": 1.5}):
        with pytest.raises(InputError):
            custom_variant(**kwargs)


def test_specs_need_no_torch():
    code = "import sys, effnet_inspect.arch.specs as s; s.scale(s.VARIANTS['b5']); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
