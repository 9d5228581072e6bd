"""The one palette (render/palette.py) measured: readable under black text, apart in greyscale where stages stack,
and distinct under simulated colour-vision deficiencies (Machado, Oliveira & Fernandes 2009, severity 1).

Colour differences are CIELAB Delta E (1976) between the simulated colours; 8 is well past "clearly different".
"""

from __future__ import annotations

import itertools
import math
import re

import pytest

from effnet_inspect.arch.kinds import MODULE_TYPES, ModuleType
from effnet_inspect.render import palette

MACHADO = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}


def linear(color: str) -> list[float]:
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def luminance(rgb: list[float]) -> float:
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


def lab(rgb: list[float]) -> tuple[float, float, float]:
    r, g, b = (min(1.0, max(0.0, c)) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def simulate(color: str, deficiency: str) -> list[float]:
    rgb = linear(color)
    return [sum(m * c for m, c in zip(row, rgb)) for row in MACHADO[deficiency]]


SCHEMES = {"stages": palette.STAGE_COLORS, "module types": tuple(palette.MODULE_COLORS[t] for t in ModuleType)}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_black_text_reads_on_every_colour(scheme):
    for color in SCHEMES[scheme]:
        assert re.fullmatch(r"#[0-9a-f]{6}", color)
        assert (luminance(linear(color)) + 0.05) / 0.05 >= 7.0, color  # WCAG AAA for normal text


@pytest.mark.parametrize("deficiency", [None, *MACHADO])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_colours_stay_apart_for_colour_blind_readers(scheme, deficiency):
    colors = SCHEMES[scheme]
    points = [lab(simulate(c, deficiency) if deficiency else linear(c)) for c in colors]
    closest = min((math.dist(p, q), a, b) for (p, a), (q, b) in itertools.combinations(zip(points, colors), 2))
    assert closest[0] >= 8.0, closest


def test_neighbouring_stages_differ_in_greyscale():
    lightness = [lab(linear(c))[0] for c in palette.STAGE_COLORS]
    assert min(abs(a - b) for a, b in zip(lightness, lightness[1:])) >= 9.0


def test_one_colour_per_stage_and_custom_models_cycle():
    names = ["stem", *(f"block{i}" for i in range(1, 8)), "top"]
    assert list(palette.stage_colors(names).values()) == list(palette.STAGE_COLORS)
    assert len(set(palette.STAGE_COLORS)) == 9 and set(palette.MODULE_COLORS) == set(
        ModuleType
    )  # B0-B7's six and the fused conv
    long = palette.stage_colors(["stem", *(f"block{i}" for i in range(1, 10)), "top"])
    assert long["block8"] == long["block1"] and long["top"] == palette.TOP_COLOR


def test_diagrams_draw_with_the_palette():
    """The drawings fill stages and module boxes with the palette's colours, not colours of their own."""
    from helpers import cached_analysis

    from effnet_inspect.drawing import diagram_dot

    a = cached_analysis("b0")
    stage = diagram_dot(a, "stage").lower()
    assert all(c in stage for c in palette.STAGE_COLORS)
    module = diagram_dot(a, "module").lower()
    b0_modules = [palette.MODULE_COLORS[t] for t in MODULE_TYPES]  # B0 has no fused conv
    assert all(c in module for c in (*b0_modules, palette.STEM_COLOR, palette.TOP_COLOR))
