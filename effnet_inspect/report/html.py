"""HTML building blocks of the report: the Jinja2 environment and tables as plain cell records.

Templates live in templates/ beside this module.
Tables reuse the column definitions of effnet_inspect.render.tables, so a page shows the same headers and number
formats as `effnet-inspect table`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from effnet_inspect.render.numbers import cell, factor, plain, si, thousands
from effnet_inspect.render.palette import MODULE_COLORS
from effnet_inspect.render.tables import COLUMNS, Column, Level, flat_row


@dataclass(frozen=True)
class Figure:
    """An image on a page: a file next to it (src, relative), with an optional narrow version for phones."""

    alt: str
    caption: str
    src: str = ""
    narrow: str = ""  # the same chart laid out for a narrow screen (panels stacked)


@dataclass(frozen=True)
class Download:
    label: str
    links: tuple[tuple[str, str], ...]  # (format name, relative path)


@dataclass(frozen=True)
class Chips:
    """A cell drawn as coloured labels, e.g. a sub-block's module types in the diagrams' colours."""

    items: tuple[tuple[str, str], ...]  # (label, CSS colour)

    def __str__(self) -> str:
        return " ".join(label for label, _ in self.items)


@dataclass(frozen=True)
class Row:
    cells: tuple[str | Chips, ...]
    css: str = ""  # class of the <tr>, e.g. "highlight"
    id: str = ""  # a link target: the explorer's routes are row ids ("stage-block2")


@dataclass(frozen=True)
class HtmlTable:
    """A table ready for the `table` macro: the first column is the row header (<th scope="row">)."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    numeric: tuple[bool, ...]  # right-aligned columns
    titles: tuple[str, ...] = field(default=())  # optional tooltip per header
    id: str = ""

    def __post_init__(self) -> None:
        if len(self.numeric) != len(self.headers) or any(len(r.cells) != len(self.headers) for r in self.rows):
            raise ValueError(f"table {self.caption!r}: every row needs {len(self.headers)} cells")


def table(
    caption: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any] | Row],
    numeric: Sequence[bool],
    id: str = "",
    titles: Sequence[str] = (),
) -> HtmlTable:
    built = tuple(
        r if isinstance(r, Row) else Row(tuple("" if c is None else c if isinstance(c, Chips) else str(c) for c in r))
        for r in rows
    )
    return HtmlTable(caption, tuple(headers), built, tuple(numeric), tuple(titles), id)


def _giga(value: Any) -> str:
    return "" if value is None else f"{value / 1e9:,.3f}"


# The report's own column styles, where a page reads better than the text table: whole-model MACs in G (the
# paper's unit) and the article's name for a sub-block's kind.
PAGE_COLUMNS: dict[str, Column] = {
    "macs@family": Column("macs", "MACs (G)", _giga),
    "flops@family": Column("flops", "FLOPs (G)", _giga),
    "kind@subblock": Column("kind", "Type (article)", lambda k: f"Sub-block {k}"),
}


def records_table(
    records: Sequence[Any],
    level: Level,
    caption: str,
    drop: Sequence[str] = (),
    id: str = "",
    row_id: Callable[[Mapping[str, Any]], str] | None = None,
    page: bool = False,
) -> HtmlTable:
    """Family / stage / sub-block records with the columns of `effnet-inspect table` (minus `drop`); with page,
    the report's PAGE_COLUMNS instead where it has them.

    A sub-block's module list is drawn as chips in the palette's module colours; row_id names each row.
    """
    flat = [flat_row(r) for r in records]
    own = PAGE_COLUMNS if page else {}
    columns = [
        own.get(f"{c.key}@{level.value}", c)
        for c in COLUMNS[level]
        if c.key not in drop and (not c.optional or any(r.get(c.key) is not None for r in flat))
    ]
    body = [
        Row(
            tuple(module_chips(r["modules"]) if c.key == "modules" else c.fmt(r.get(c.key)) for c in columns),
            id=row_id(r) if row_id else "",
        )
        for r in flat
    ]
    numeric = [
        c.key not in ("variant", "stage", "sub_block", "modules", "kind")
        and all(_is_number(r.get(c.key)) for r in flat)
        for c in columns
    ]
    return table(caption, [c.header for c in columns], body, numeric, id=id)


def module_chips(modules: Sequence[str]) -> Chips:
    from effnet_inspect.arch.kinds import ModuleType

    types = [ModuleType(m) for m in modules]
    return Chips(tuple((t.label, MODULE_COLORS[t]) for t in types))


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


@functools.lru_cache(maxsize=1)
def environment() -> Any:  # a jinja2.Environment, imported when first needed
    """The Jinja2 environment (autoescaping on for every template)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("effnet_inspect.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        thousands=thousands,
        si=si,
        number=plain,
        fmt=cell,
        factor=factor,
        amount=lambda n, unit: si(n, unit).removesuffix(f" {unit}"),
    )  # where a label names the unit
    return env


@functools.lru_cache(maxsize=1)
def script() -> str:
    """The explorer's JavaScript, inlined into every page (a page must open from disk without fetching anything)."""
    from importlib.resources import files

    return files("effnet_inspect.report").joinpath("templates/explore.js").read_text(encoding="utf-8")


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(script=script(), **context)
