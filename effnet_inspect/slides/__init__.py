"""The lecture deck: `write_slides(analyses, out_dir)` writes slides.pdf (16:9 pages) and every slide as
NN-name.svg and NN-name.png (1920 x 1080), in lecture order (see deck.py for the slides, frame.py for the page).

Same analyses, same bytes: figures come from Graphviz and Matplotlib with fixed ids, pages from CairoSVG with a
pinned date, and the PDF is joined by pypdf with a fixed document id.
"""

from __future__ import annotations

import enum
import hashlib
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from effnet_inspect.errors import InputError

if TYPE_CHECKING:
    from effnet_inspect.analysis.measure import Analysis

__all__ = ["SlideFormat", "write_slides", "slide_names"]


class SlideFormat(enum.Enum):
    PDF = "pdf"  # one slides.pdf, a page per slide
    PNG = "png"
    SVG = "svg"


def parse_formats(text: str) -> tuple[SlideFormat, ...]:
    """'pdf,png' -> (PDF, PNG), in the order given, duplicates dropped."""
    found: list[SlideFormat] = []
    for part in (p.strip().lower() for p in text.split(",")):
        try:
            value = SlideFormat(part)
        except ValueError:
            raise InputError(
                f"{part!r} is not a slide format; valid: pdf, png, svg (comma-separated)", param="formats"
            ) from None
        if value not in found:
            found.append(value)
    if not found:
        raise InputError("is empty; valid: pdf, png, svg (comma-separated)", param="formats")
    return tuple(found)


def slide_names(analyses: Sequence[Analysis]) -> list[str]:
    from effnet_inspect.slides.deck import plan

    return [name for name, _ in plan(analyses)]


def join_pdfs(pages: Sequence[bytes], title: str) -> bytes:
    """One PDF of the given one-page PDFs; its id is a digest of the pages, so it is the same for the same deck."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in pages:
        writer.append(PdfReader(io.BytesIO(page)))
    writer.add_metadata({"/Title": title, "/Producer": "effnet-inspect (pypdf, cairo)"})
    digest = hashlib.md5(b"".join(pages)).digest()
    from pypdf.generic import ArrayObject, ByteStringObject

    # pypdf has no public way to set the trailer's /ID (its own generate_file_identifiers draws random bytes), so
    # this sets the attribute its writer reads; pyproject bounds pypdf's version and tests/test_slides.py
    # (test_the_pdf_id_is_the_digest_of_its_pages) fails should a release stop honouring it.
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def write_slides(
    analyses: Sequence[Analysis],
    out_dir: str | Path,
    formats: Sequence[SlideFormat] = tuple(SlideFormat),
    show_progress: bool | None = None,
) -> list[Path]:
    """Write the deck into out_dir; returns the files written."""
    from effnet_inspect.drawing.output import DiagramFormat
    from effnet_inspect.drawing.page import export
    from effnet_inspect.files import ensure_dir, write_atomic
    from effnet_inspect.progress import progress
    from effnet_inspect.slides.deck import plan
    from effnet_inspect.slides.frame import compose

    if not analyses:
        raise InputError("no model to show: give at least one variant")
    out = ensure_dir(out_dir)
    steps = list(plan(analyses))
    footer = f"effnet-inspect  \u00b7  EfficientNet {', '.join(a.short_name for a in analyses)}"
    written: list[Path] = []
    pdfs: list[bytes] = []
    for number, (name, make) in enumerate(
        progress(steps, desc="slides", label=lambda s: s[0], unit="slide", enabled=show_progress), start=1
    ):
        page = compose(make(), number, len(steps), footer)
        if SlideFormat.SVG in formats:
            written.append(write_atomic(out / f"{name}.svg", page))
        if SlideFormat.PNG in formats:
            written.append(write_atomic(out / f"{name}.png", export(page, DiagramFormat.PNG)))
        if SlideFormat.PDF in formats:
            pdfs.append(export(page, DiagramFormat.PDF))
    if pdfs:
        written.append(write_atomic(out / "slides.pdf", join_pdfs(pdfs, footer)))
    return written
