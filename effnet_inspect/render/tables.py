"""Render lists of records (family / stage / sub-block rows) as text, Markdown, CSV, JSON or LaTeX.

JSON and CSV carry plain numbers; text, Markdown and LaTeX are formatted for reading (thousands separators,
MACs in millions).
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from effnet_inspect.analysis.rows import Level
from effnet_inspect.arch.kinds import MODULE_TYPES, ModuleType
from effnet_inspect.render.numbers import millions, thousands


class Format(enum.Enum):
    TEXT = "text"
    MD = "md"
    CSV = "csv"
    JSON = "json"
    LATEX = "latex"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    fmt: Callable[[Any], str] = str
    optional: bool = False  # left out of text tables when no row has a value


def _plain(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return " ".join(map(str, v))
    return str(v)


# "Layers" are Keras-equivalent layers for every model (our builds have exactly those); another implementation's
# own traced operations are its "Nodes".
NODES = Column("nodes", "Nodes", _plain, optional=True)

COLUMNS: dict[Level, tuple[Column, ...]] = {
    Level.FAMILY: (
        Column("variant", "Variant", _plain),
        Column("width_coefficient", "Width", _plain),
        Column("depth_coefficient", "Depth", _plain),
        Column("resolution", "Res", _plain),
        Column("dropout_rate", "Dropout", _plain),
        Column("layers", "Layers", _plain),
        NODES,
        Column("sub_blocks", "Sub-blocks", _plain),
        Column("params", "Params", thousands),
        Column("params_keras", "Keras params", thousands),
        Column("macs", "MACs (M)", millions),
        Column("flops", "FLOPs (M)", millions),
        *(Column(t.value, t.short, _plain) for t in MODULE_TYPES),
        Column(ModuleType.FUSED.value, ModuleType.FUSED.short, _plain, optional=True),
        Column("fvcore_flops", "fvcore (M)", millions, optional=True),
    ),
    Level.STAGE: (
        Column("variant", "Variant", _plain),
        Column("stage", "Stage", _plain),
        Column("repeats", "Repeats", _plain),
        Column("kernel_size", "Kernel", _plain),
        Column("stride", "Stride", _plain),
        Column("expand_ratio", "Expand", _plain),
        Column("in_channels", "Ch in", _plain),
        Column("out_channels", "Ch out", _plain),
        Column("in_resolution", "Res in", _plain),
        Column("out_resolution", "Res out", _plain),
        Column("layers", "Layers", _plain),
        NODES,
        Column("params", "Params", thousands),
        Column("params_keras", "Keras params", thousands),
        Column("macs", "MACs (M)", millions),
    ),
    Level.SUBBLOCK: (
        Column("variant", "Variant", _plain),
        Column("stage", "Stage", _plain),
        Column("sub_block", "Sub-block", _plain),
        Column("kind", "Kind", _plain),
        Column("modules", "Modules", _plain),
        Column("kernel_size", "Kernel", _plain),
        Column("stride", "Stride", _plain),
        Column("expand_ratio", "Expand", _plain),
        Column("in_channels", "Ch in", _plain),
        Column("out_channels", "Ch out", _plain),
        Column("has_skip", "Skip", _plain),
        Column("layers", "Layers", _plain),
        NODES,
        Column("params", "Params", thousands),
        Column("macs", "MACs (M)", millions),
    ),
}


def flat_row(row: Any) -> dict[str, Any]:
    """A record as a flat dict: module counts become columns of their own."""
    data = asdict(row)
    data.update(data.pop("module_counts", {}) or {})
    return data


def render(rows: Sequence[Any], level: Level, fmt: Format) -> str:
    return render_columns(rows, COLUMNS[level], fmt)


def render_columns(
    rows: Sequence[Any], columns: Sequence[Column], fmt: Format, flat_of: Callable[[Any], dict[str, Any]] = flat_row
) -> str:
    """Records in one of the formats: JSON and CSV as the records are (flat_of flattens a CSV row), text, Markdown
    and LaTeX with the given columns (optional ones only where some row has a value)."""
    if fmt is Format.JSON:
        return json.dumps([asdict(r) for r in rows], indent=2) + "\n"
    flat = [flat_of(r) for r in rows]
    if fmt is Format.CSV:
        out = io.StringIO()
        keys = list(dict.fromkeys(k for r in flat for k in r))  # rows of other models may add columns
        writer = csv.DictWriter(out, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        for r in flat:
            # " | " keeps list items apart even when they are sentences (conformance differences).
            writer.writerow({k: " | ".join(map(str, v)) if isinstance(v, list) else v for k, v in r.items()})
        return out.getvalue()
    columns = [c for c in columns if not c.optional or any(r.get(c.key) is not None for r in flat)]
    header = [c.header for c in columns]
    body = [[c.fmt(r.get(c.key)) for c in columns] for r in flat]
    return {Format.TEXT: text_table, Format.MD: _markdown, Format.LATEX: _latex}[fmt](header, body)


def is_numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()


def column_widths(rows: Sequence[Sequence[str]]) -> list[int]:
    return [max(len(x) for x in col) for col in zip(*rows)]


def aligned_lines(rows: Sequence[Sequence[str]], right: Sequence[bool], indent: str = "") -> list[str]:
    """Rows padded into columns two spaces apart, right-aligned where `right` says."""
    widths = column_widths(rows)
    return [
        (indent + "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right))).rstrip()
        for cells in rows
    ]


def text_table(header: Sequence[str], body: Sequence[Sequence[str]], right: Sequence[bool] | None = None) -> str:
    """The one plain-text table: a header, a dashed rule, the rows; numeric columns right-aligned unless told."""
    if right is None:
        right = [bool(body) and all(is_numeric(r[i]) or not r[i] for r in body) for i in range(len(header))]
    rule = ["-" * w for w in column_widths([header, *body])]
    return "\n".join(aligned_lines([header, rule, *body], right)) + "\n"


def _markdown(header: list[str], body: list[list[str]]) -> str:
    numeric = [bool(body) and all(is_numeric(r[i]) or not r[i] for r in body) for i in range(len(header))]
    rule = ["---:" if n else "---" for n in numeric]
    return "\n".join("| " + " | ".join(r) + " |" for r in [header, rule, *body]) + "\n"


_LATEX_ESCAPES = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in text)


def _latex(header: list[str], body: list[list[str]]) -> str:
    numeric = [bool(body) and all(is_numeric(r[i]) or not r[i] for r in body) for i in range(len(header))]
    spec = "".join("r" if n else "l" for n in numeric)
    lines = [
        f"\\begin{{tabular}}{{{spec}}}",
        "\\hline",
        " & ".join(latex_escape(h) for h in header) + r" \\",
        "\\hline",
    ]
    lines += [" & ".join(latex_escape(c).replace(",", "{,}") for c in r) + r" \\" for r in body]
    lines += ["\\hline", "\\end{tabular}"]
    return "\n".join(lines) + "\n"
