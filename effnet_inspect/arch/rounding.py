"""The arithmetic behind a variant's channels and repeats, step by step, for the report's teaching section.

The final numbers always come from effnet_inspect.arch.specs (round_filters, round_repeats, scale); this module only
exposes the intermediate values those functions pass through, so a reader can follow e.g. B3's block 4:
80 channels x 1.2 = 96.0 -> nearest multiple of 8 = 96 -> no bump -> 96; 3 repeats x 1.4 = 4.2 -> ceil -> 5.
"""

from __future__ import annotations

from dataclasses import dataclass

from effnet_inspect.arch.specs import (
    BASE_BLOCKS,
    CHANNEL_DIVISOR,
    HEAD_CHANNELS,
    STEM_CHANNELS,
    Variant,
    nearest_multiple,
    round_filters,
    round_repeats,
    scale,
)


@dataclass(frozen=True)
class ChannelStep:
    """round_filters(base, width) unrolled."""

    base: int
    width: float
    scaled: float  # base x width
    nearest: int  # nearest multiple of the divisor (at least one divisor)
    bumped: bool  # nearest lost more than 10 % of scaled, so one divisor was added
    result: int  # = specs.round_filters(base, width)

    @property
    def threshold(self) -> float:
        """Rounding may lose at most 10 %: anything below this is bumped up."""
        return 0.9 * self.scaled


@dataclass(frozen=True)
class RepeatStep:
    """round_repeats(base, depth) unrolled."""

    base: int
    depth: float
    scaled: float  # base x depth
    result: int  # = specs.round_repeats(base, depth) = ceil(scaled)


@dataclass(frozen=True)
class StageRounding:
    stage: str  # stem, block1 ... block7, top
    channels: ChannelStep  # the stage's output channels
    repeats: RepeatStep | None  # None for stem and top


def channel_step(base: int, width: float, divisor: int = CHANNEL_DIVISOR) -> ChannelStep:
    scaled = base * width
    nearest = nearest_multiple(scaled, divisor)
    result = round_filters(base, width, divisor)
    return ChannelStep(base, width, scaled, nearest, result != nearest, result)


def repeat_step(base: int, depth: float) -> RepeatStep:
    return RepeatStep(base, depth, base * depth, round_repeats(base, depth))


def rounding(variant: Variant) -> list[StageRounding]:
    """Stem, the seven blocks and the top conv of one variant, with the numbers that produced them."""
    spec = scale(variant)
    w, d = variant.width, variant.depth
    rows = [StageRounding("stem", channel_step(STEM_CHANNELS, w), None)]
    for base, stage in zip(BASE_BLOCKS, spec.stages):
        rows.append(StageRounding(stage.name, channel_step(base.out_channels, w), repeat_step(base.repeats, d)))
    rows.append(StageRounding("top", channel_step(HEAD_CHANNELS, w), None))
    return rows
