"""One slide: a title, an optional subtitle, a figure and/or notes, a footer; composed as a 16:9 page SVG.

The page is 1440 x 810 pt (1920 x 1080 px at 96 dpi). Body text is 18 pt, 24 px on the 1920-pixel slide (the
notes; the subtitle 19 pt, the title 30 pt), nothing is smaller than 15 pt, 20 px (the footer). A figure is scaled
to fill its box (never past MAX_SCALE) and refused when its smallest text would come out below 20 px; drawn in
the slide type sizes (drawing.style.SLIDE), figures that fill the slide keep their text at 24 px or near it.
Notes are wrapped by measuring the text in DejaVu Sans, the font the page is set in.

A figure may be given as a function that draws it: the text of a whole deck (its claims, for the tests) is then
made without drawing anything.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from effnet_inspect.drawing.page import FONT, PageSize, fit, page_svg, parse, smallest_text
from effnet_inspect.drawing.style import EDGE_KEY
from effnet_inspect.render.claims import Claim

WIDTH, HEIGHT = PageSize.SLIDE.spec.width, PageSize.SLIDE.spec.height
MIN_TEXT = PageSize.SLIDE.spec.min_text  # points: 20 px on a 1920-pixel slide
BODY_TEXT = 18.0  # 24 px
LEFT = 48.0
TITLE_PT, SUBTITLE_PT, NOTE_PT, FOOTER_PT = 30.0, 19.0, BODY_TEXT, MIN_TEXT
ALONE_PT = 24.0  # notes on a slide without a figure: 32 px
TEXT, MUTED, ACCENT = "#222222", "#555555", "#1f4e9e"
BODY_TOP, BODY_BOTTOM = 128.0, HEIGHT - 44.0
NOTES_WIDTH = 460.0  # the notes column beside a figure


@dataclass(frozen=True)
class Slide:
    name: str  # the file-name part: 02-family.svg
    title: str
    subtitle: str = ""
    figure: str | Callable[[], str] | None = None  # SVG text (Graphviz or Matplotlib), or what draws it
    notes: tuple[str, ...] = ()  # paragraphs, each a bullet
    claims: tuple[Claim, ...] = ()  # every count or quantifier in the title, subtitle and notes comes from these
    notes_width: float = NOTES_WIDTH
    notes_below: bool = False  # the notes across the foot of the slide, under a wide figure
    key: tuple[str, ...] = ()  # the figure's edge styles and marks (drawing.style.EDGE_KEY), keyed under the notes
    words: tuple[str, ...] = ()  # sentences the figure shows (a table's cells made from claims)

    @property
    def text(self) -> str:
        """The words on the slide, one paragraph a line: title, subtitle, notes and what the figure says in words."""
        return "\n".join([self.title, self.subtitle, *self.notes, *self.words])

    def drawn(self) -> str | None:
        return self.figure() if callable(self.figure) else self.figure


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


def _notes(
    notes: tuple[str, ...], x: float, y: float, width: float, key: tuple[str, ...] = (), size: float = NOTE_PT
) -> list[str]:
    out = []
    for mark in key:  # the figure's key first: a coloured sample of the line or mark, then what it means
        color, sample, meaning = EDGE_KEY[mark]
        for i, line in enumerate(wrap(meaning, NOTE_PT, width - 64)):
            if i == 0:
                out.append(_text(x, y, sample, NOTE_PT, color, bold=True))
            out.append(_text(x + 64, y, line, NOTE_PT))
            y += NOTE_PT * 1.35
    if key:
        y += NOTE_PT * 0.6
    for note in notes:
        for i, line in enumerate(wrap(note, size, width - 24)):
            if i == 0:
                out.append(_text(x, y, "\u2022", size, ACCENT, bold=True))
            out.append(_text(x + 24, y, line, size))
            y += size * 1.35
        y += size * 0.6
    if y > BODY_BOTTOM + size:
        raise IllegibleSlide(f"the notes run {y - BODY_BOTTOM:.0f} pt past the bottom of the slide")
    return out


def notes_height(notes: tuple[str, ...], width: float) -> float:
    """How tall the notes come out, set `width` wide."""
    lines = sum(len(wrap(note, NOTE_PT, width - 24)) for note in notes)
    return lines * NOTE_PT * 1.35 + len(notes) * NOTE_PT * 0.6


def figure_box(slide: Slide) -> tuple[float, float, float, float]:
    """Where the figure goes: the body, less the notes column (or band, with notes_below) when there are notes."""
    right = WIDTH - LEFT
    if slide.notes and slide.notes_below:
        below = notes_height(slide.notes, right - LEFT)
        return (LEFT - 16, BODY_TOP, right - LEFT + 32, BODY_BOTTOM - BODY_TOP - 8 - below)
    box_right = right - slide.notes_width - 20 if slide.notes or slide.key else right
    return (LEFT - 16, BODY_TOP, box_right - LEFT + 32, BODY_BOTTOM - BODY_TOP - 8)


def compose(slide: Slide, number: int, total: int, footer: str) -> str:
    """The slide as a page SVG (IllegibleSlide if its figure's text would come out below 20 px)."""
    parts = [_text(LEFT, 68, slide.title, TITLE_PT, bold=True)]
    if slide.subtitle:
        parts.append(_text(LEFT, 104, slide.subtitle, SUBTITLE_PT, MUTED))
    parts.append(
        f'<line x1="{LEFT}" y1="{BODY_TOP - 10}" x2="{WIDTH - LEFT}" y2="{BODY_TOP - 10}" '
        f'stroke="#cccccc" stroke-width="1"/>'
    )
    right = WIDTH - LEFT
    drawn = slide.drawn()
    if drawn is not None:
        figure = parse(drawn)
        markup, scale = fit(figure, figure_box(slide))
        if smallest_text(figure, scale) < MIN_TEXT - 1e-6:
            raise IllegibleSlide(f"slide {slide.name}: text would be {smallest_text(figure, scale) * 4 / 3:.1f} px")
        parts.append(markup)
        if slide.notes and slide.notes_below:
            top = BODY_BOTTOM - notes_height(slide.notes, right - LEFT) + NOTE_PT
            parts += _notes(slide.notes, LEFT, top, right - LEFT)
        elif slide.notes or slide.key:
            parts += _notes(slide.notes, right - slide.notes_width, BODY_TOP + 40, slide.notes_width, slide.key)
    elif slide.notes:  # words alone: set larger, they have the slide to themselves
        parts += _notes(slide.notes, LEFT + 20, BODY_TOP + 60, right - LEFT - 40, size=ALONE_PT)
    parts.append(_text(LEFT, HEIGHT - 18, footer, FOOTER_PT, MUTED))
    parts.append(_text(right, HEIGHT - 18, f"{number} / {total}", FOOTER_PT, MUTED, anchor="end"))
    return page_svg(PageSize.SLIDE, "\n".join(parts))
