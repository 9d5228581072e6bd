"""What the report's pages are made of: one record per analysed model, the navigation, and the file writer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.rows import FamilyRow, StageRow, SubBlockRow, family_row, stage_rows, sub_block_rows
from effnet_inspect.errors import InputError
from effnet_inspect.files import ensure_dir, write_atomic
from effnet_inspect.ports.verdict import Conformance, Inspection
from effnet_inspect.render.tables import Format, Level
from effnet_inspect.render.tables import render as render_table
from effnet_inspect.report.html import Download

TABLE_LABEL = {Level.FAMILY: "Family table", Level.STAGE: "Stage table", Level.SUBBLOCK: "Sub-block table"}
TABLE_SUFFIX = {Format.CSV: "csv", Format.JSON: "json", Format.MD: "md", Format.LATEX: "tex"}


@dataclass(eq=False)  # identity: pages compare variants by object, not by every record
class VariantData:
    """Everything the pages need about one analysed model (records only, no torch)."""

    analysis: Analysis
    slug: str
    family: FamilyRow
    stages: list[StageRow]
    sub_blocks: list[SubBlockRow]
    verdict: Conformance | None = None  # another implementation's: differences and porting notes

    @property
    def name(self) -> str:
        return self.analysis.name

    @property
    def page(self) -> str:
        return f"{self.slug}.html"

    @property
    def short(self) -> str:
        return self.analysis.short_name

    @property
    def title(self) -> str:
        return self.analysis.title


def slug(name: str) -> str:
    """A file-name-safe, lower-case form of a variant name: 'phi=2.5' -> 'phi-2.5'."""
    return re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-.") or "model"


def variant_data(models: Sequence[Analysis | Inspection]) -> list[VariantData]:
    """Our variants' records; another implementation's (an Inspection) with Keras-equivalent layers and its verdict."""
    data: list[VariantData] = []
    seen: dict[str, str] = {}
    for model in models:
        a = model.analysis if isinstance(model, Inspection) else model
        s = slug(a.name)
        if s in seen:
            raise InputError(
                f"variants {seen[s]!r} and {a.name!r} would share the report page {s}.html; give each variant once"
            )
        seen[s] = a.name
        if isinstance(model, Inspection):
            data.append(
                VariantData(
                    a, s, model.family_row(), model.rows(Level.STAGE), model.rows(Level.SUBBLOCK), model.conformance
                )
            )
        else:
            data.append(VariantData(a, s, family_row(a), stage_rows(a), sub_block_rows(a)))
    return data


@dataclass(frozen=True)
class Nav:
    """The navigation bar shared by the pages of one report."""

    variants: tuple[VariantData, ...]
    has_bench: bool


class Writer:
    """Collects the report's files, then writes them all (each atomically): a failure while rendering leaves the
    folder as it was, never a report without its index. The folder itself is made (or refused) at once."""

    def __init__(self, out: Path):
        self.out = ensure_dir(out)
        self.pending: dict[str, str | bytes] = {}
        self.written: list[Path] = []

    def write(self, relative: str, data: str | bytes) -> str:
        self.pending[relative] = data
        return relative

    def earlier_pages(self) -> list[str]:
        """HTML pages in the folder that this report does not write (left by a report of other variants)."""
        return sorted(
            p.name
            for p in Path(self.out).glob("*.html")
            if p.name not in self.pending and p.name != "index.html" and p.is_file()
        )

    def flush(self) -> None:
        for relative, data in self.pending.items():
            write_atomic(Path(self.out) / relative, data)
            self.written.append(Path(relative))
        self.pending.clear()


# ----------------------------------------------------------------------------------------------- tables
def write_tables(writer: Writer, folder: str, rows_by_level: dict[Level, list]) -> list[Download]:
    downloads = []
    for level, rows in rows_by_level.items():
        links = tuple(
            (
                fmt.value.upper() if fmt is not Format.LATEX else "LaTeX",
                writer.write(f"{folder}/{level.value}.{suffix}", render_table(rows, level, fmt)),
            )
            for fmt, suffix in TABLE_SUFFIX.items()
        )
        downloads.append(Download(TABLE_LABEL[level], links))
    return downloads
