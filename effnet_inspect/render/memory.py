"""`effnet-inspect memory` as text, Markdown, CSV or JSON: the records of analysis/memory_rows.py.

JSON and CSV carry bytes; text and Markdown read in MiB, under one line that says what was asked (mode,
precision, optimizer, batch) and, when some op was charged nothing, which ones.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from effnet_inspect.analysis.memory_rows import MemoryOptions, MemoryRow, PartRow
from effnet_inspect.analysis.peak import Mode
from effnet_inspect.render.numbers import mebibytes, millions, share, thousands
from effnet_inspect.render.tables import Column, Format, is_numeric, render_columns


class MemoryFormat(enum.Enum):
    TEXT = "text"
    MD = "md"
    CSV = "csv"
    JSON = "json"


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def _share(value: float | None) -> str:
    return "" if value is None else share(value, 1.0)


def _plus(value: float | None) -> str:
    return "" if value is None else f"+{100 * value:.1f} %"


FAMILY = (
    Column("variant", "Variant", _plain),
    Column("resolution", "Res", _plain),
    Column("batch_size", "Batch", _plain),
    Column("params", "Params", thousands),
    Column("weights", "Weights (MiB)", mebibytes),
    Column("gradients", "Grads (MiB)", mebibytes, optional=True),
    Column("optimizer_state", "Opt. state (MiB)", mebibytes, optional=True),
    Column("activations_per_image", "Act./image (MiB)", mebibytes),
    Column("activations", "Act. (MiB)", mebibytes),
    Column("peak", "Peak (MiB)", mebibytes),
    Column("peak_at", "Peak during", _plain),
    Column("top", "Most act.", _plain),
)
CHECKPOINT = (
    Column("checkpointed", "Checkpointed", _plain, optional=True),
    Column("peak_without_checkpoint", "Peak w/o (MiB)", mebibytes, optional=True),
    Column("saved", "Memory", _plain, optional=True),
    Column("recompute_share", "Compute", _plus, optional=True),
)
PARTS = (
    Column("variant", "Variant", _plain),
    Column("stage", "Stage", _plain),
    Column("sub_block", "Sub-block", _plain, optional=True),
    Column("layer", "Layer", _plain, optional=True),
    Column("kind", "Kind", _plain, optional=True),
    Column("resolution", "Res", _plain),
    Column("params", "Params", thousands),
    Column("weights", "Weights (MiB)", mebibytes),
    Column("activations_per_image", "Act./image (MiB)", mebibytes),
    Column("activations", "Act. (MiB)", mebibytes),
    Column("share", "Share", _share),
    Column("macs", "MACs (M)", millions),
    Column("checkpointed", "Ckpt", lambda v: "yes" if v else "", optional=True),
)


def _fits(rows: Sequence[Any]) -> list[str]:
    return list(dict.fromkeys(label for r in rows if isinstance(r, MemoryRow) for label in r.largest_batch))


def spread(row: Any) -> dict[str, Any]:
    """A record for the text columns and CSV: per-card batches spread out, a few cells composed."""
    data = asdict(row)
    if isinstance(row, PartRow):
        data["checkpointed"] = data["checkpointed"] or None
        return data
    for label, batch in data.pop("largest_batch").items():
        data[f"largest_batch_{label}"] = batch
    for label, batch in data.pop("largest_batch_without_checkpoint").items():
        data[f"largest_batch_without_checkpoint_{label}"] = batch
    data["peak_at"] = f"{row.peak_phase} {row.peak_stage}".strip()
    data["top"] = f"{row.top_stage} {share(row.top_stage_share, 1.0)}" if row.top_stage else ""
    data["checkpointed"] = ", ".join(row.checkpoint) or None
    if row.peak_without_checkpoint:
        data["saved"] = f"{100 * (row.peak - row.peak_without_checkpoint) / row.peak_without_checkpoint:+.1f} %"
    data["unknown"] = ", ".join(f"{k} x{v}" for k, v in row.unknown.items())
    return data


def _columns(rows: Sequence[Any]) -> tuple[Column, ...]:
    if rows and isinstance(rows[0], PartRow):
        return PARTS
    fits = tuple(Column(f"largest_batch_{label}", f"Batch on {label}", _plain) for label in _fits(rows))
    return (*FAMILY, *fits, *CHECKPOINT)


def caption(rows: Sequence[Any], options: MemoryOptions) -> str:
    """What the table is: 'Training, fp32, optimizer adam, batch 1; sizes in MiB; activations: kept for ...'."""
    what = options.mode.value.capitalize() + f", {options.dtype.value}"
    if options.mode is Mode.TRAINING:
        what += f", optimizer {options.optimizer.value}"
    kind = "kept for the backward pass" if options.mode is Mode.TRAINING else "the most alive at once"
    line = f"{what}, batch {options.batch_size}; sizes in MiB; activations: {kind}"
    unknown = sorted({f"{k} x{v}" for r in rows if isinstance(r, MemoryRow) for k, v in r.unknown.items()})
    if unknown:
        line += f"; charged nothing (ops the layer registry does not know): {', '.join(unknown)}"
    return line


def render_memory(rows: Sequence[Any], fmt: MemoryFormat, options: MemoryOptions) -> str:
    """The records as text, Markdown (a caption line, then the table), CSV or JSON."""
    table = render_columns(rows, _columns(rows), Format(fmt.value), spread)
    if fmt in (MemoryFormat.TEXT, MemoryFormat.MD):
        return f"{caption(rows, options)}\n\n{table}"
    return table


def memory_cells(rows: Sequence[Any]) -> tuple[list[str], list[list[str]], list[bool]]:
    """Headers, formatted cells and which columns are numbers: the text table's, for HTML."""
    flat = [spread(r) for r in rows]
    columns = [c for c in _columns(rows) if not c.optional or any(r.get(c.key) is not None for r in flat)]
    body = [[c.fmt(r.get(c.key)) for c in columns] for r in flat]
    numeric = [all(is_numeric(row[i]) or not row[i] for row in body) for i in range(len(columns))]
    return [c.header for c in columns], body, numeric
