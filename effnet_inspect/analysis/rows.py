"""The records tables are made of: one row per model (FamilyRow), per stage (StageRow) or per sub-block
(SubBlockRow), built from an Analysis and its grouping, and the Level that says which.

MACs are the paper's convention (convolutions and dense layers, batch 1, the variant's own resolution);
FLOPs = 2 x MACs. Element-wise work is kept apart in `elementwise`.
"""

from __future__ import annotations

import dataclasses
import enum
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from effnet_inspect.analysis.group import Grouping, StageGroup, SubBlockGroup
from effnet_inspect.analysis.measure import Analysis, analyses, totals
from effnet_inspect.analysis.trace import Layer
from effnet_inspect.arch.kinds import MODULE_TYPES, LayerKind, ModuleType
from effnet_inspect.arch.specs import ModelSpec, Variant


def _channels_and_resolution(layers: Sequence[Layer]) -> tuple[int | None, int | None, int | None, int | None]:
    first, last = layers[0], layers[-1]
    in_shape = first.in_shape or first.shape
    pooled = {layer.shape for layer in layers if layer.kind is LayerKind.GLOBAL_POOL}  # (N, C, 1, 1) is no 1-pixel map
    shapes = [
        s
        for layer in layers
        for s in (layer.in_shape, layer.shape)
        if s is not None and len(s) == 4 and s not in pooled
    ]
    return (
        in_shape[1] if len(in_shape) > 1 else None,
        last.shape[1] if len(last.shape) > 1 else None,
        shapes[0][2] if shapes else None,
        shapes[-1][2] if shapes else None,
    )


# ------------------------------------------------------------------------------------------------ records
@dataclass(frozen=True)
class FamilyRow:
    variant: str
    width_coefficient: float | None
    depth_coefficient: float | None
    resolution: int
    dropout_rate: float | None
    layers: int
    sub_blocks: int
    params: int
    params_keras: int
    macs: int
    flops: int
    elementwise: int
    module_counts: dict[str, int] = field(default_factory=dict)
    fvcore_flops: int | None = None  # fvcore's count, only when asked for (it needs a real forward pass)


@dataclass(frozen=True)
class StageRow:
    variant: str
    stage: str
    layers: int
    params: int
    params_keras: int
    macs: int
    flops: int
    elementwise: int
    repeats: int | None
    in_channels: int | None
    out_channels: int | None
    in_resolution: int | None
    out_resolution: int | None
    kernel_size: int | None
    stride: int | None
    expand_ratio: float | None
    block_type: str | None = None  # 'MBConv' or 'fused MBConv' (EfficientNetV2) for blocks; None for stem and top


@dataclass(frozen=True)
class SubBlockRow:
    variant: str
    stage: str
    sub_block: str
    kind: int
    modules: list[str]
    layers: int
    params: int
    params_keras: int
    macs: int
    flops: int
    elementwise: int
    in_channels: int | None
    out_channels: int | None
    in_resolution: int | None
    out_resolution: int | None
    kernel_size: int
    stride: int
    expand_ratio: float
    has_skip: bool


def module_counts(grouping: Grouping) -> dict[str, int]:
    counts = Counter(t for b in grouping.sub_blocks for t in b.module_types)
    return {t.value: counts[t] for t in ModuleType if t in MODULE_TYPES or counts[t]}  # fused: where there are


def expand_ratio(expanded: int, channels: int | None) -> float:
    """expanded / channels: an int when whole (6), else rounded to 4 places."""
    ratio = expanded / channels if channels else 0.0
    return int(ratio) if float(ratio).is_integer() else round(ratio, 4)


def family_row(a: Analysis) -> FamilyRow:
    """The totals of one model: coefficients, layers, sub-blocks, parameters, MACs, module counts.

    >>> row = ei.family_row(ei.analyze("b0"))
    >>> row.params, row.macs, row.module_counts["module2"]
    (5288548, 385814752, 4)
    """
    t = totals(a.layers())
    v = a.variant
    return FamilyRow(
        variant=a.name,
        width_coefficient=v.width if v else None,
        depth_coefficient=v.depth if v else None,
        resolution=a.resolution,
        dropout_rate=v.dropout if v else None,
        layers=t.layers,
        sub_blocks=len(a.grouping.sub_blocks),
        params=t.params,
        params_keras=t.params_keras,
        macs=t.macs,
        flops=t.flops,
        elementwise=t.elementwise,
        module_counts=module_counts(a.grouping),
    )


def _stage_row(a: Analysis, stage: StageGroup) -> StageRow:
    layers = a.layers(stage.layers)
    t = totals(layers)
    cin, cout, rin, rout = _channels_and_resolution(layers) if layers else (None,) * 4
    kernel: int | None = None
    stride: int | None = None
    expand: float | None = None
    if stage.sub_blocks:
        first = stage.sub_blocks[0]
        kernel, stride = first.kernel_size, first.stride
        expand = expand_ratio(first.expanded_channels, _channels_and_resolution(a.layers(first.layers))[0])
    else:  # stem and top: describe their (first) convolution
        conv = next((layer for layer in layers if layer.kind.is_conv), None)
        if conv is not None and conv.kernel_size is not None:
            kernel, stride = conv.kernel_size[0], conv.stride
    return StageRow(
        a.name,
        stage.name,
        t.layers,
        t.params,
        t.params_keras,
        t.macs,
        t.flops,
        t.elementwise,
        len(stage.sub_blocks) or None,
        cin,
        cout,
        rin,
        rout,
        kernel,
        stride,
        expand,
        stage.sub_blocks[0].type.value if stage.sub_blocks else None,
    )


def stage_rows(a: Analysis) -> list[StageRow]:
    """One record per stage (stem, block1-block7, top): repeats, kernel, stride, channels, resolution, totals.

    >>> r = ei.stage_rows(ei.analyze("b0"))[6]
    >>> r.stage, r.repeats, r.in_channels, r.out_channels, r.kernel_size
    ('block6', 4, 112, 192, 5)
    """
    return [_stage_row(a, s) for s in a.grouping.stages]


def _sub_block_row(a: Analysis, stage: StageGroup, block: SubBlockGroup) -> SubBlockRow:
    layers = a.layers(block.layers)
    t = totals(layers)
    cin, cout, rin, rout = _channels_and_resolution(layers)
    return SubBlockRow(
        a.name,
        stage.name,
        block.name,
        block.kind,
        [m.value for m in block.module_types],
        t.layers,
        t.params,
        t.params_keras,
        t.macs,
        t.flops,
        t.elementwise,
        cin,
        cout,
        rin,
        rout,
        block.kernel_size,
        block.stride,
        expand_ratio(block.expanded_channels, cin),
        block.has_skip,
    )


def sub_block_rows(a: Analysis) -> list[SubBlockRow]:
    """One record per sub-block (block1a, block2a, ...): kind, module types, channels, totals.

    >>> r = ei.sub_block_rows(ei.analyze("b0"))[1]
    >>> r.sub_block, r.kind, r.modules
    ('block2a', 2, ['expansion', 'module2', 'module3', 'module4'])
    """
    return [_sub_block_row(a, s, b) for s in a.grouping.blocks for b in s.sub_blocks]


# ------------------------------------------------------------------------------------------------ levels
class Level(enum.Enum):
    """Which records a table holds: one row per model, per stage or per sub-block.

    >>> [level.value for level in ei.Level]
    ['family', 'stage', 'subblock']
    """

    FAMILY = "family"
    STAGE = "stage"
    SUBBLOCK = "subblock"


def rows_for(a: Analysis, level: Level) -> list[Any]:
    return [family_row(a)] if level is Level.FAMILY else stage_rows(a) if level is Level.STAGE else sub_block_rows(a)


def table_rows(
    variants: Sequence[str | Variant | ModelSpec | Analysis],
    level: Level = Level.FAMILY,
    include_top: bool = True,
    resolution: int | None = None,
    fvcore: bool = False,
) -> list[Any]:
    """Rows of the given level for each variant; with fvcore, family rows also carry fvcore's FLOP count.

    >>> [(r.variant, r.stage, r.params) for r in ei.table_rows(["b0", "b1"], ei.Level.STAGE)][:2]
    [('b0', 'stem', 928), ('b0', 'block1', 1448)]
    """
    found = analyses(variants, include_top, resolution)
    rows = [r for a in found for r in rows_for(a, level)]
    if fvcore and level is Level.FAMILY:
        from effnet_inspect.analysis.fvcore_count import fvcore_flops
        from effnet_inspect.progress import progress

        def with_fvcore(row: Any, a: Analysis) -> Any:
            if a.spec is None:  # only our own builds have one; the API refuses fvcore for other models
                raise RuntimeError(f"{a.name} has no spec for fvcore to build")
            return dataclasses.replace(row, fvcore_flops=fvcore_flops(a.spec, include_top, a.resolution))

        rows = [
            with_fvcore(r, a) for r, a in progress(list(zip(rows, found)), desc="fvcore", label=lambda ra: ra[1].name)
        ]
    return rows
