"""One slide: a title, an optional subtitle, a figure and/or notes, a footer; composed as a 16:9 page SVG.

The page is 1440 x 810 pt (1920 x 1080 px at 96 dpi). Every text on it is at least 13.5 pt, 18 px on the
1920-pixel slide: the title 30 pt, notes 17 pt, the footer 13.5 pt; a figure is scaled into its box and must keep
its own smallest text at 13.5 pt or more (slides.deck draws them in the slide type sizes to make sure).
Notes are wrapped by measuring the text in DejaVu Sans, the font the page is set in.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from effnet_inspect.drawing.page import FONT, PageSize, fit, page_svg, parse, smallest_text

WIDTH, HEIGHT = PageSize.SLIDE.spec.width, PageSize.SLIDE.spec.height
MIN_TEXT = PageSize.SLIDE.spec.min_text
LEFT = 48.0
TITLE_PT, SUBTITLE_PT, NOTE_PT, FOOTER_PT = 30.0, 19.0, 17.0, MIN_TEXT
TEXT, MUTED, ACCENT = "#222222", "#555555", "#1f4e9e"
BODY_TOP, BODY_BOTTOM = 128.0, HEIGHT - 44.0
NOTES_WIDTH = 430.0  # the notes column beside a figure


@dataclass(frozen=True)
class Slide:
    name: str  # the file-name part: 02-family.svg
    title: str
    subtitle: str = ""
    figure: str | None = None  # SVG text (Graphviz or Matplotlib)
    notes: tuple[str, ...] = ()  # paragraphs, each a bullet


class IllegibleSlide(ValueError):
    """A slide's figure came out too big to keep its text readable: a layout to fix, not a user's mistake."""


@functools.lru_cache(maxsize=4)
def _font(bold: bool, size: float) -> Any:  # a PIL FreeTypeFont
    from matplotlib import font_manager
    from PIL import ImageFont

    path = font_manager.findfont(font_manager.FontProperties(family=FONT, weight="bold" if bold else "normal"))
    return ImageFont.truetype(path, size=round(size * 10))  # measured at 10x for sub-point precision


def text_width(text: str, size: float, bold: bool = False) -> float:
    return _font(bold, size).getlength(text) / 10


def wrap(text: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def _text(
    x: float, y: float, text: str, size: float, color: str = TEXT, bold: bool = False, anchor: str = "start"
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size:g}"{weight} fill="{color}" '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )


def _notes(notes: tuple[str, ...], x: float, y: float, width: float) -> list[str]:
    out, line_height = [], NOTE_PT * 1.35
    for note in notes:
        for i, line in enumerate(wrap(note, NOTE_PT, width - 24)):
            if i == 0:
                out.append(_text(x, y, "\u2022", NOTE_PT, ACCENT, bold=True))
            out.append(_text(x + 24, y, line, NOTE_PT))
            y += line_height
        y += NOTE_PT * 0.6
    if y > BODY_BOTTOM + NOTE_PT:
        raise IllegibleSlide(f"the notes run {y - BODY_BOTTOM:.0f} pt past the bottom of the slide")
    return out


def compose(slide: Slide, number: int, total: int, footer: str) -> str:
    """The slide as a page SVG (IllegibleSlide if its figure's text would come out below 18 px)."""
    parts = [_text(LEFT, 68, slide.title, TITLE_PT, bold=True)]
    if slide.subtitle:
        parts.append(_text(LEFT, 104, slide.subtitle, SUBTITLE_PT, MUTED))
    parts.append(
        f'<line x1="{LEFT}" y1="{BODY_TOP - 10}" x2="{WIDTH - LEFT}" y2="{BODY_TOP - 10}" '
        f'stroke="#cccccc" stroke-width="1"/>'
    )
    right = WIDTH - LEFT
    if slide.figure is not None:
        box_right = right - NOTES_WIDTH - 20 if slide.notes else right
        figure = parse(slide.figure)
        markup, scale = fit(figure, (LEFT - 16, BODY_TOP, box_right - LEFT + 32, BODY_BOTTOM - BODY_TOP - 8))
        if smallest_text(figure, scale) < MIN_TEXT - 1e-6:
            raise IllegibleSlide(f"slide {slide.name}: text would be {smallest_text(figure, scale) * 4 / 3:.1f} px")
        parts.append(markup)
        if slide.notes:
            parts += _notes(slide.notes, right - NOTES_WIDTH, BODY_TOP + 40, NOTES_WIDTH)
    elif slide.notes:
        parts += _notes(slide.notes, LEFT + 20, BODY_TOP + 50, right - LEFT - 40)
    parts.append(_text(LEFT, HEIGHT - 18, footer, FOOTER_PT, MUTED))
    parts.append(_text(right, HEIGHT - 18, f"{number} / {total}", FOOTER_PT, MUTED, anchor="end"))
    return page_svg(PageSize.SLIDE, "\n".join(parts))
