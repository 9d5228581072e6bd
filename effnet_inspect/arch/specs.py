"""EfficientNet architecture as plain data: the B0 base table, the B0-B7 coefficients and compound scaling.

Nothing here imports torch: what B5's block 6 looks like is a pure function of the rules in the paper and the
Keras applications code (round_filters, round_repeats, the drop-connect schedule).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from effnet_inspect.errors import InputError

# Compound scaling bases from the paper (alpha for depth, beta for width, gamma for resolution).
ALPHA, BETA, GAMMA = 1.2, 1.1, 1.15
BASE_RESOLUTION = 224
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
NUM_CLASSES = 1000
DROP_CONNECT_RATE = 0.2
CHANNEL_DIVISOR = 8

# Sanity limits for custom variants: beyond them the model is meaningless or too big to inspect.
WIDTH_RANGE = (0.1, 8.0)
DEPTH_RANGE = (0.1, 6.5)  # ceil(4 * 6.5) = 26 sub-blocks: Keras names them a..z
RESOLUTION_RANGE = (32, 2048)  # five stride-2 stages need at least 32 pixels
PHI_RANGE = (-8.0, 10.0)


@dataclass(frozen=True)
class BaseBlock:
    """One row of the paper's Table 1 / Keras DEFAULT_BLOCKS_ARGS (the unscaled B0 stage)."""

    kernel_size: int
    repeats: int
    in_channels: int
    out_channels: int
    expand_ratio: int
    stride: int
    se_ratio: float = 0.25


BASE_BLOCKS: tuple[BaseBlock, ...] = (
    BaseBlock(3, 1, 32, 16, 1, 1),
    BaseBlock(3, 2, 16, 24, 6, 2),
    BaseBlock(5, 2, 24, 40, 6, 2),
    BaseBlock(3, 3, 40, 80, 6, 2),
    BaseBlock(5, 3, 80, 112, 6, 1),
    BaseBlock(5, 4, 112, 192, 6, 2),
    BaseBlock(3, 1, 192, 320, 6, 1),
)


@dataclass(frozen=True)
class Variant:
    """Scaling coefficients of one EfficientNet (released or custom)."""

    name: str
    width: float
    depth: float
    resolution: int
    dropout: float

    @property
    def is_official(self) -> bool:
        return self.name in VARIANTS


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("b0", 1.0, 1.0, 224, 0.2),
        Variant("b1", 1.0, 1.1, 240, 0.2),
        Variant("b2", 1.1, 1.2, 260, 0.3),
        Variant("b3", 1.2, 1.4, 300, 0.3),
        Variant("b4", 1.4, 1.8, 380, 0.4),
        Variant("b5", 1.6, 2.2, 456, 0.4),
        Variant("b6", 1.8, 2.6, 528, 0.5),
        Variant("b7", 2.0, 3.1, 600, 0.5),
    )
}
OFFICIAL_NAMES = tuple(VARIANTS)


def nearest_multiple(scaled: float, divisor: int = CHANNEL_DIVISOR) -> int:
    """The multiple of divisor nearest to scaled (halves round up), at least one divisor."""
    return max(divisor, int(scaled + divisor / 2) // divisor * divisor)


def round_filters(channels: int, width: float, divisor: int = CHANNEL_DIVISOR) -> int:
    """Scale a channel count by width and round to a multiple of divisor, as Keras' round_filters does.

    Rounds to the nearest multiple (at least one divisor), then adds one divisor if rounding lost more than 10 %.
    """
    scaled = channels * width
    rounded = nearest_multiple(scaled, divisor)
    if rounded < 0.9 * scaled:
        rounded += divisor
    return int(rounded)


def round_repeats(repeats: int, depth: float) -> int:
    """Scale a stage's repeat count by depth, rounding up (Keras: ceil)."""
    return int(math.ceil(depth * repeats))


@dataclass(frozen=True)
class SubBlockSpec:
    """One MBConv sub-block after scaling (Keras names it block{stage}{letter}, e.g. block2a)."""

    stage: int  # 1..7
    index: int  # 0-based position inside the stage
    global_index: int  # 0-based position in the whole network (drives the drop-connect rate)
    in_channels: int
    out_channels: int
    expand_ratio: int
    kernel_size: int
    stride: int
    se_channels: int
    drop_rate: float

    @property
    def name(self) -> str:
        return f"block{self.stage}{chr(ord('a') + self.index)}"

    @property
    def expanded_channels(self) -> int:
        return self.in_channels * self.expand_ratio

    @property
    def has_skip(self) -> bool:
        return self.stride == 1 and self.in_channels == self.out_channels


@dataclass(frozen=True)
class StageSpec:
    """One of the seven stages (blocks) after scaling, with the rounding that produced it."""

    number: int  # 1..7
    base: BaseBlock
    in_channels: int
    out_channels: int
    repeats: int
    sub_blocks: tuple[SubBlockSpec, ...]

    @property
    def name(self) -> str:
        return f"block{self.number}"


@dataclass(frozen=True)
class ModelSpec:
    """A whole scaled network: what build() turns into modules."""

    variant: Variant
    stem_channels: int
    stages: tuple[StageSpec, ...]
    head_channels: int
    num_classes: int = NUM_CLASSES

    @property
    def sub_blocks(self) -> tuple[SubBlockSpec, ...]:
        return tuple(b for s in self.stages for b in s.sub_blocks)


def scale(variant: Variant) -> ModelSpec:
    """Apply width and depth scaling once to the B0 base table (torchvision's config-row approach).

    >>> [stage.repeats for stage in ei.scale(ei.VARIANTS["b3"]).stages]
    [2, 3, 3, 5, 5, 6, 2]
    """
    w, d = variant.width, variant.depth
    rows = [
        (b, round_filters(b.in_channels, w), round_filters(b.out_channels, w), round_repeats(b.repeats, d))
        for b in BASE_BLOCKS
    ]
    total = sum(r for *_, r in rows)
    stages, position = [], 0
    for number, (base, cin, cout, repeats) in enumerate(rows, start=1):
        subs = []
        for i in range(repeats):
            block_in = cin if i == 0 else cout
            subs.append(
                SubBlockSpec(
                    stage=number,
                    index=i,
                    global_index=position,
                    in_channels=block_in,
                    out_channels=cout,
                    expand_ratio=base.expand_ratio,
                    kernel_size=base.kernel_size,
                    stride=base.stride if i == 0 else 1,
                    se_channels=max(1, int(block_in * base.se_ratio)),
                    drop_rate=DROP_CONNECT_RATE * position / total,
                )
            )
            position += 1
        stages.append(StageSpec(number, base, cin, cout, repeats, tuple(subs)))
    return ModelSpec(variant, round_filters(STEM_CHANNELS, w), tuple(stages), round_filters(HEAD_CHANNELS, w))


# ---------------------------------------------------------------------------------------------- parsing
CUSTOM_SYNTAX = "'phi=2.5' or 'w=1.3,d=1.5,r=320' (optionally ',dropout=0.3')"
_KEYS = {
    "w": "width",
    "width": "width",
    "d": "depth",
    "depth": "depth",
    "r": "resolution",
    "resolution": "resolution",
    "phi": "phi",
    "dropout": "dropout",
}


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?|[+-]?(nan|inf|infinity)", re.ASCII | re.IGNORECASE)


def valid_choices() -> str:
    return f"b0-b7 (also 'B3', 'efficientnet-b3') or a custom variant {CUSTOM_SYNTAX}"


def parse_variant(text: str) -> Variant:
    """Turn 'b3', 'B3', 'efficientnet-b3', 'phi=2.5' or 'w=1.3,d=1.5,r=320' into a Variant.

    >>> ei.parse_variant("EfficientNet-B3")
    Variant(name='b3', width=1.2, depth=1.4, resolution=300, dropout=0.3)
    >>> ei.parse_variant("phi=2.5").resolution
    318
    """
    key = text.strip().lower()
    key = re.sub(r"^efficientnet[-_]?", "", key)
    if key in VARIANTS:
        return VARIANTS[key]
    if "=" not in key:
        raise InputError(f"unknown variant {text!r}; valid: {valid_choices()}")
    values: dict[str, float] = {}
    for part in key.split(","):
        key_text, sep, value = part.partition("=")
        name = _KEYS.get(key_text.strip())
        if not sep or name is None or name in values:
            raise InputError(f"malformed custom variant {text!r}; expected {CUSTOM_SYNTAX}")
        if not _NUMBER.fullmatch(value.strip()):  # float() would also take '1_0' and non-ASCII digits
            raise InputError(f"malformed custom variant {text!r}: {value.strip()!r} is not a number")
        values[name] = float(value)
    return custom_variant(**values)


def _check(label: str, value: float, bounds: tuple[float, float]) -> None:
    low, high = bounds
    if not (math.isfinite(value) and low <= value <= high):
        raise InputError(f"{label} must be between {low:g} and {high:g}, got {value:g}")


def resolution_from(value: object) -> int:
    """--resolution and the API's resolution=: whole pixels within RESOLUTION_RANGE, given as a number or as ASCII
    digits (int() and float() would also take '2_24' and other scripts' digits)."""
    if isinstance(value, str):
        if not re.fullmatch(r"[0-9]+(\.0*)?", value.strip(), re.ASCII):
            raise InputError(f"resolution must be a whole number of pixels, got {value!r}")
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"resolution must be a whole number of pixels, not {type(value).__name__}")
    try:
        return check_resolution(float(value))
    except OverflowError:
        raise InputError(f"resolution must be between {RESOLUTION_RANGE[0]} and {RESOLUTION_RANGE[1]}") from None


def check_resolution(resolution: float) -> int:
    _check("resolution", resolution, RESOLUTION_RANGE)
    if resolution != int(resolution):
        raise InputError(f"resolution must be a whole number of pixels, got {resolution:g}")
    return int(resolution)


def custom_variant(
    phi: float | None = None,
    width: float | None = None,
    depth: float | None = None,
    resolution: float | None = None,
    dropout: float | None = None,
) -> Variant:
    """A compound-scaled variant from phi, or from explicit width / depth / resolution (missing ones are B0's)."""
    if dropout is not None:
        _check("dropout", dropout, (0.0, 0.99))
    if phi is not None:
        if any(v is not None for v in (width, depth, resolution)):
            raise InputError(f"give either phi or w/d/r, not both; expected {CUSTOM_SYNTAX}")
        _check("phi", phi, PHI_RANGE)
        width, depth = BETA**phi, ALPHA**phi
        resolution = round(BASE_RESOLUTION * GAMMA**phi)
        name = f"phi={phi:g}"
    else:
        width = 1.0 if width is None else width
        depth = 1.0 if depth is None else depth
        resolution = BASE_RESOLUTION if resolution is None else resolution
        name = f"w={width:g},d={depth:g},r={resolution:g}"
    _check("width", width, WIDTH_RANGE)
    _check("depth", depth, DEPTH_RANGE)
    resolution = check_resolution(resolution)
    return Variant(name, width, depth, resolution, 0.2 if dropout is None else dropout)
