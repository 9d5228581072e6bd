"""THE palette: one colour per stage (stem, block1 ... block7, top) and one per module type (Expansion, Module 1-5),
used by the report's charts, its HTML chips and legends, and every diagram; the lecture slides reuse it.

Chosen to be read by everyone, on screen and on paper:
- stages use Paul Tol's "light" qualitative scheme (9 colours, made as fills under black text): stem pale grey,
  the blocks in Tol's rainbow order, top olive. Neighbouring stages also differ in lightness (CIELAB L* >= 9), so
  stacked bars stay apart when printed in greyscale;
- module types use the Okabe-Ito colours mixed 30 % with white, light enough for black labels;
- every colour gives black text a contrast ratio of at least 7:1 (WCAG AAA), and within each scheme any two
  colours stay apart under simulated protanopia, deuteranopia and tritanopia (tests/test_palette.py measures it).
Colour never carries meaning alone: diagram boxes, chips and legend entries are labelled; chart segments are
labelled or have a legend in stage order.
Plain hex strings only (no Matplotlib here), so any layer may import it.
"""

from __future__ import annotations

from collections.abc import Sequence

from effnet_inspect.arch.kinds import ModuleType

STEM_COLOR = "#dddddd"  # Tol light: pale grey
TOP_COLOR = "#aaaa00"  # Tol light: olive
BLOCK_COLORS = ("#77aadd", "#99ddff", "#44bb99", "#bbcc33", "#eedd88", "#ee8866", "#ffaabb")  # Tol light, block1-7
# The stage rows of the stage-level figures and charts: stem, the seven blocks, top.
STAGE_COLORS = (STEM_COLOR, *BLOCK_COLORS, TOP_COLOR)

MODULE_COLORS: dict[ModuleType, str] = {  # Okabe-Ito, 30 % towards white
    ModuleType.EXPANSION: "#89cbf0",  # sky blue
    ModuleType.MODULE1: "#4cbb9d",  # bluish green
    ModuleType.MODULE2: "#eebc4c",  # orange
    ModuleType.MODULE3: "#dba1c1",  # reddish purple
    ModuleType.MODULE4: "#f4ec7b",  # yellow
    ModuleType.MODULE5: "#e28e4c",  # vermillion
    ModuleType.FUSED: "#d0d0d0",  # light grey: EfficientNetV2's fused conv, in no B0-B7 sub-block
}


def stage_color(index: int, count: int) -> str:
    """The colour of the index-th of count stages: stem and top their own, the blocks in order (a custom model with
    more than seven blocks cycles through the block colours)."""
    if index == 0:
        return STEM_COLOR
    if index == count - 1:
        return TOP_COLOR
    return BLOCK_COLORS[(index - 1) % len(BLOCK_COLORS)]


def stage_colors(stages: Sequence[str]) -> dict[str, str]:
    """Stage name -> colour, for stages given in network order (stem first, top last)."""
    return {name: stage_color(i, len(stages)) for i, name in enumerate(stages)}
