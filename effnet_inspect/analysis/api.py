"""The Python API behind the CLI: functions that take variants and return records."""
from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from effnet_inspect.analysis.measure import Analysis, analyze, family_row, stage_rows, sub_block_rows
from effnet_inspect.arch.specs import Variant
from effnet_inspect.render.tables import Level


def analyses(variants: Sequence[Variant | str], include_top: bool = True,
             resolution: int | None = None) -> list[Analysis]:
    return [analyze(v, include_top=include_top, resolution=resolution) for v in variants]


def rows_for(a: Analysis, level: Level) -> list[Any]:
    if level is Level.FAMILY:
        return [family_row(a)]
    return stage_rows(a) if level is Level.STAGE else sub_block_rows(a)


def table_rows(variants: Sequence[Variant | str], level: Level = Level.FAMILY, include_top: bool = True,
               resolution: int | None = None, fvcore: bool = False) -> list[Any]:
    """Rows of the given level for each variant; with fvcore, family rows also carry fvcore's FLOP count."""
    found = analyses(variants, include_top, resolution)
    rows = [r for a in found for r in rows_for(a, level)]
    if fvcore and level is Level.FAMILY:
        from effnet_inspect.analysis.fvcore_count import fvcore_flops
        from effnet_inspect.progress import progress

        rows = [dataclasses.replace(r, fvcore_flops=fvcore_flops(a.spec, include_top, a.resolution))
                for r, a in progress(list(zip(rows, found)), desc="fvcore", label=lambda ra: ra[1].name)]
    return rows
