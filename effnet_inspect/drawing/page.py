"""Pages of a fixed size: a figure (SVG from Graphviz or Matplotlib) fitted onto a 16:9 slide, an A4 page or an A0
poster, then written as SVG, PNG or PDF with the text kept as text.

Everything is measured in points (1/72 inch): the page's viewBox is its size in points, so a slide is 1440 x 810 pt,
which is 1920 x 1080 px at 96 dpi. A figure is scaled to fit the page's content box (never more than MAX_SCALE up)
and refused when its smallest text would come out below what the page can be read at: 18 px on a 1920-pixel slide,
6 pt on paper, 10 pt on a poster. PNG and PDF come from the page SVG through CairoSVG (cairo embeds the fonts in
the PDF); cairo's creation date is pinned so the same page gives the same bytes.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from effnet_inspect.drawing.output import DiagramFormat, fixed_dates
from effnet_inspect.errors import InputError

MAX_SCALE = 2.0  # a small figure grows to fill the page, but not into a billboard
FONT = "DejaVu Sans"


@dataclass(frozen=True)
class PageSpec:
    width: float  # points
    height: float
    margin: float
    min_text: float  # smallest readable text, points on the page
    dpi: int  # PNG pixels per inch by default
    what: str  # how to say it in a message


class PageSize(enum.Enum):
    """Presets: a 16:9 slide, a portrait page that prints on A4 and Letter alike, and an A0 portrait poster."""

    SLIDE = "slide"
    PAGE = "page"
    POSTER = "poster"

    @property
    def spec(self) -> PageSpec:
        return _SPECS[self]


# The page: A4 wide (the narrower of the two) and Letter high (the shorter), margins included, so it prints on both.
_SPECS = {
    PageSize.SLIDE: PageSpec(1440.0, 810.0, 30.0, 13.5, 96, "a 1920\u00d71080 slide"),
    PageSize.PAGE: PageSpec(595.28, 841.89, 54.0, 6.0, 150, "an A4/Letter page"),
    PageSize.POSTER: PageSpec(2383.94, 3370.39, 72.0, 10.0, 72, "an A0 poster"),
}


@dataclass(frozen=True)
class ParsedSvg:
    """An SVG drawing taken apart: its viewBox, its content, and its smallest font size (user units)."""

    x: float
    y: float
    width: float
    height: float
    body: str
    min_font: float


_ROOT = re.compile(r"<svg\b[^>]*>", re.S)
_VIEWBOX = re.compile(r'viewBox="([-\d.eE ]+)"')
# Graphviz writes font-size="11.00", Matplotlib style="font-size: 11px"; a transform scale() on Graphviz' top group.
_FONT_SIZE = re.compile(r'font-size(?:="|:\s*)([\d.]+)')
_SCALE = re.compile(r'<g id="graph0" class="graph" transform="scale\(([\d.]+)')


def parse(svg: str) -> ParsedSvg:
    root = _ROOT.search(svg)
    box = _VIEWBOX.search(root.group(0)) if root else None
    if root is None or box is None:
        raise ValueError("not an SVG drawing with a viewBox")
    x, y, width, height = (float(v) for v in box.group(1).split())
    body = svg[root.end() : svg.rindex("</svg>")]
    inner = _SCALE.search(body)
    sizes = [float(s) for s in _FONT_SIZE.findall(body)]
    min_font = min(sizes, default=float("inf")) * (float(inner.group(1)) if inner else 1.0)
    return ParsedSvg(x, y, width, height, body, min_font)


def fit(figure: ParsedSvg, box: tuple[float, float, float, float], max_scale: float = MAX_SCALE) -> tuple[str, float]:
    """The figure scaled into box = (x, y, width, height), centred: (SVG markup, scale)."""
    bx, by, bw, bh = box
    scale = min(bw / figure.width, bh / figure.height, max_scale)
    tx = bx + (bw - figure.width * scale) / 2
    ty = by + (bh - figure.height * scale) / 2
    return (
        f'<g transform="translate({tx:.2f} {ty:.2f}) scale({scale:.5f}) translate({-figure.x:.2f} '
        f'{-figure.y:.2f})">{figure.body}</g>'
    ), scale


def smallest_text(figure: ParsedSvg, scale: float) -> float:
    return figure.min_font * scale


def page_svg(size: PageSize, content: str) -> str:
    """A page of the given size around content (SVG markup in page points), white background."""
    s = size.spec
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{s.width:g}pt" height="{s.height:g}pt" viewBox="0 0 {s.width:g} {s.height:g}">\n'
        f'<rect x="0" y="0" width="{s.width:g}" height="{s.height:g}" fill="white"/>\n{content}\n</svg>\n'
    )


def too_small(size: PageSize, smallest: float, what: str) -> InputError:
    shown = f"{smallest * 4 / 3:.1f} px" if size is PageSize.SLIDE else f"{smallest:.1f} pt"
    need = f"{size.spec.min_text * 4 / 3:g} px" if size is PageSize.SLIDE else f"{size.spec.min_text:g} pt"
    return InputError(
        f"{what} does not fit {size.spec.what} legibly: its smallest text would be {shown} (at "
        f"least {need} needed); draw a smaller part (a block, sub-block or module) or a larger size"
    )


def fit_page(svg: str, size: PageSize, what: str = "the figure") -> str:
    """The figure alone on a page of the given size, or InputError when its text would be too small to read."""
    s = size.spec
    figure = parse(svg)
    markup, scale = fit(figure, (s.margin, s.margin, s.width - 2 * s.margin, s.height - 2 * s.margin))
    if smallest_text(figure, scale) < s.min_text - 1e-6:
        raise too_small(size, smallest_text(figure, scale), what)
    return page_svg(size, markup)


def export(page: str, fmt: DiagramFormat, dpi: int | None = None) -> bytes:
    """A page SVG as SVG, PNG (at dpi, default 96: a slide is then 1920 x 1080) or PDF bytes."""
    import cairosvg

    if fmt is DiagramFormat.SVG:
        return page.encode("utf-8")
    if fmt is DiagramFormat.PNG:
        return cairosvg.svg2png(bytestring=page.encode("utf-8"), dpi=dpi or 96)
    if fmt is DiagramFormat.PDF:
        return fixed_dates(cairosvg.svg2pdf(bytestring=page.encode("utf-8")))
    raise ValueError(f"a page has no {fmt.value} form")
