"""The lecture deck and the page presets, checked on the files written: 16:9 PDF pages with embedded fonts, 1920x1080
PNGs, SVG text of at least 20 px on a 1920-pixel slide (24 px for the body), the slides a course needs, identical
bytes on a rerun; and the slide-size figures: rankdir, the to-scale family, the split module level, the poster."""

from __future__ import annotations

import math
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import cached_analysis, one_line_exit_2, run_cli
from PIL import Image
from pypdf import PdfReader

from effnet_inspect.cli import main
from effnet_inspect.drawing import Selection, figure_dot

pytestmark = [
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed"),
    pytest.mark.slow,  # a whole deck, and figures rendered on pages
]

VARIANTS = ("b0", "b2")
EXPECTED = [
    "title",
    "family",
    "scaling-rules",
    "rounding",
    "layer-counts",
    "anatomy",
    "stem",
    "blocks",
    "head",
    "origins",
    "sub-block-1",
    "sub-block-2",
    "sub-block-2-m1-no-m2",
    "sub-block-3",
    "expansion",
    "module-1",
    "module-2",
    "module-3",
    "module-4",
    "module-5",
    "skip-and-se",
    "depth",
    "width",
    "resolution",
    "parameters",
    "macs",
    "compute-by-stage",
    "compute-by-module",
    "accuracy",
    "memory",
    "family-differences",
]
APPENDIX = "by-module-"  # then B0 by module, as many slides as it takes (the split's own test counts them)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def deck(tmp_path_factory) -> Path:
    from effnet_inspect.slides import write_slides

    out = tmp_path_factory.mktemp("deck")
    write_slides([cached_analysis(v) for v in VARIANTS], out, show_progress=False)
    return out


def slide_files(folder: Path, suffix: str) -> list[Path]:
    return sorted(folder.glob(f"[0-9][0-9]-*.{suffix}"))


# ------------------------------------------------------------------------------------------------ reading SVG
def _scale(transform: str) -> float:
    """The uniform scale of an SVG transform list (translations and rotations keep sizes)."""
    factor = 1.0
    for name, args in re.findall(r"(\w+)\(([^)]*)\)", transform):
        values = [float(v) for v in re.split(r"[\s,]+", args.strip()) if v]
        if name == "scale":
            factor *= values[0]
        elif name == "matrix":
            a, b, c, d = values[:4]
            factor *= math.sqrt(abs(a * d - b * c))
    return factor


def _font_size(element: ET.Element) -> float | None:
    if element.get("font-size"):
        return float(element.get("font-size", "0"))
    found = re.search(r"font-size:\s*([\d.]+)", element.get("style", ""))
    return float(found.group(1)) if found else None


def text_sizes(svg_text: str) -> list[tuple[str, float]]:
    """(text, size in pixels when the drawing is shown 1920 pixels wide) of every non-empty text element."""
    root = ET.fromstring(svg_text)
    width = float(root.get("viewBox", "").split()[2])
    found: list[tuple[str, float]] = []

    def walk(element: ET.Element, scale: float) -> None:
        scale *= _scale(element.get("transform", ""))
        if element.tag == f"{SVG}text" and "".join(element.itertext()).strip():
            size = _font_size(element)
            assert size is not None, ET.tostring(element)[:200]
            found.append(("".join(element.itertext()).strip(), size * scale * 1920 / width))
        for child in element:
            walk(child, scale)

    walk(root, 1.0)
    return found


# ------------------------------------------------------------------------------------------------ the deck
def test_deck_has_the_slides_of_a_course_in_order(deck):
    names = [p.stem for p in slide_files(deck, "svg")]
    assert names[: len(EXPECTED)] == [f"{i:02d}-{name}" for i, name in enumerate(EXPECTED, start=1)]
    appendix = names[len(EXPECTED) :]
    assert appendix and [n.split("-", 1)[1] for n in appendix] == [
        f"{APPENDIX}{i}" for i in range(1, len(appendix) + 1)
    ]
    assert [p.stem for p in slide_files(deck, "png")] == names
    assert (deck / "slides.pdf").exists()


def test_every_pdf_page_is_16_9_with_embedded_fonts_and_real_text(deck):
    reader = PdfReader(deck / "slides.pdf")
    total = len(slide_files(deck, "svg"))
    assert len(reader.pages) == total
    for number, page in enumerate(reader.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (width, height) == (1440, 810) and width / height == pytest.approx(16 / 9)
        fonts = page["/Resources"]["/Font"]
        assert fonts, f"page {number} has no fonts: its text was drawn as paths"
        for font in (f.get_object() for f in fonts.values()):
            described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = described["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), (number, font)
        assert f"{number} / {total}" in page.extract_text()  # text is text: the footer reads back


def test_pdf_pages_carry_the_slide_titles(deck):
    reader = PdfReader(deck / "slides.pdf")
    text = [page.extract_text() for page in reader.pages]
    assert "Compound scaling, drawn to scale" in text[1]
    assert "Sub-block 2" in text[EXPECTED.index("sub-block-2")]


def test_every_png_is_1920_by_1080(deck):
    for path in slide_files(deck, "png"):
        with Image.open(path) as image:
            assert image.size == (1920, 1080), path.name


def test_body_text_is_24_px_and_nothing_is_below_20_px(deck):
    """Title, subtitle and notes at 24 px or more, the footer and the figures at 20 px or more, on a 1920-pixel
    slide; text is text (no glyphs drawn as paths)."""
    for path in slide_files(deck, "svg"):
        svg = path.read_text(encoding="utf-8")
        sizes = text_sizes(svg)
        assert len(sizes) > 3, f"{path.name}: no text elements (drawn as paths?)"
        text, smallest = min(sizes, key=lambda s: s[1])
        assert smallest >= 20 - 1e-6, f"{path.name}: {text!r} is {smallest:.1f} px"
        page = ET.fromstring(svg)
        own = [e for e in page if e.tag == f"{SVG}text" and not e.get("font-size", "").startswith("15")]
        assert all(float(e.get("font-size", "0")) * 4 / 3 >= 24 - 1e-6 for e in own), path.name
        assert "<path" not in svg.split("<defs>")[1].split("</defs>")[0] if "<defs>" in svg else True


def test_figures_fill_their_box_where_their_text_is_under_24_px():
    """Text under 24 px only where the figure already fills the room it has (scaled up as far as it fits)."""
    from effnet_inspect.drawing.page import MAX_SCALE, fit, parse, smallest_text
    from effnet_inspect.slides.deck import plan
    from effnet_inspect.slides.frame import figure_box

    for name, make in plan([cached_analysis("b1")], appendix=False):
        slide = make()
        drawn = slide.drawn()
        if drawn is None:
            continue
        figure = parse(drawn)
        _, _, width, height = figure_box(slide)
        scale = fit(figure, figure_box(slide))[1]
        if smallest_text(figure, scale) * 4 / 3 < 24 - 1e-6:
            filled = max(figure.width * scale / width, figure.height * scale / height)
            assert filled > 0.99 and scale < MAX_SCALE, (name, filled, scale)


def test_numbers_on_the_slides_are_the_given_variants(deck):
    family = deck / "02-family.svg"
    texts = {t for t, _ in text_sizes(family.read_text(encoding="utf-8"))}
    assert {"B0", "B2"} <= texts and "B7" not in texts
    macs = {t for t, _ in text_sizes(next(deck.glob("*-macs.svg")).read_text(encoding="utf-8"))}
    from effnet_inspect.analysis.measure import totals
    from effnet_inspect.render.numbers import compact

    for v in VARIANTS:  # the totals row is computed, not typed
        assert compact(totals(cached_analysis(v).layers()).macs) in macs


def test_the_pdf_id_is_the_digest_of_its_pages():
    """join_pdfs sets pypdf's private PdfWriter._ID (there is no public way); this fails when a pypdf release stops
    writing it, and the version bound in pyproject.toml keeps untested releases out."""
    import hashlib
    import io

    from pypdf import PdfWriter

    from effnet_inspect.slides import join_pdfs

    pages = []
    for width in (100, 200):
        page = PdfWriter()
        page.add_blank_page(width, 100)
        buf = io.BytesIO()
        page.write(buf)
        pages.append(buf.getvalue())
    joined = join_pdfs(pages, "t")
    digest = hashlib.md5(b"".join(pages)).digest()
    reader = PdfReader(io.BytesIO(joined))
    assert [bytes(x.original_bytes) for x in reader.trailer["/ID"]] == [digest, digest]
    assert len(reader.pages) == 2 and join_pdfs(pages, "t") == joined


def test_a_rerun_gives_identical_bytes(deck, tmp_path):
    from effnet_inspect.slides import SlideFormat, write_slides

    formats = (SlideFormat.SVG, SlideFormat.PDF)  # the PNGs come from the same page SVGs
    write_slides([cached_analysis(v) for v in VARIANTS], tmp_path, formats, show_progress=False)
    first = {p.name: p.read_bytes() for p in deck.iterdir() if p.suffix != ".png"}
    assert first.keys() == {p.name for p in tmp_path.iterdir()}
    changed = [name for name, data in first.items() if (tmp_path / name).read_bytes() != data]
    assert not changed


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["slides", "b0", "--format", "pdf,gif"], "--format 'gif' is not a slide format"),
        (["slides", "b9"], "unknown variant 'b9'"),
    ],
)
def test_slides_cli_bad_input_is_one_line(capsys, argv, fragment):
    one_line_exit_2(*run_cli(capsys, *argv), fragment)


def test_slides_cli_out_is_a_file(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    one_line_exit_2(*run_cli(capsys, "slides", "b0", "--out", str(blocker)), "is a file, not a directory")


# ------------------------------------------------------------------------------------------------ presets
def test_diagram_slide_preset_keeps_text_at_20_px(tmp_path):
    target = tmp_path / "block.svg"
    assert main(["diagram", "b7", "--block", "6", "--size", "slide", "--out", str(target)]) == 0
    svg = target.read_text(encoding="utf-8")
    assert 'viewBox="0 0 1440 810"' in svg
    assert min(size for _, size in text_sizes(svg)) >= 20 - 1e-6
    png = tmp_path / "side.png"
    assert main(["diagram", "--side-by-side", "--size", "slide", "--out", str(png)]) == 0
    with Image.open(png) as image:
        assert image.size == (1920, 1080)
    sharp = tmp_path / "sharp.png"
    assert main(["diagram", "b0", "--sub-block", "2", "--size", "slide", "--dpi", "192", "--out", str(sharp)]) == 0
    with Image.open(sharp) as image:
        assert image.size == (3840, 2160)


def test_side_by_side_slide_figure_is_readable_for_the_whole_family(tmp_path):
    svg = tmp_path / "family.svg"
    assert main(["diagram", "--side-by-side", "--size", "slide", "--out", str(svg)]) == 0
    sizes = text_sizes(svg.read_text(encoding="utf-8"))
    assert min(s for _, s in sizes) >= 20 - 1e-6
    assert {f"B{i}" for i in range(8)} <= {t for t, _ in sizes}


def test_page_preset_is_a4_portrait(tmp_path):
    pdf = tmp_path / "b0.pdf"
    assert main(["diagram", "b0", "--module", "m5", "--size", "page", "--out", str(pdf)]) == 0
    page = PdfReader(pdf).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["diagram", "b0", "--level", "module", "--size", "slide"], "does not fit a 1920\u00d71080 slide legibly"),
        (["diagram", "b0", "--split"], "--split cuts the module level for a page"),
        (["diagram", "b0", "--level", "stage", "--size", "slide", "--split"], "--split cuts the module level"),
        (["diagram", "b0", "--level", "module", "--size", "slide", "--split", "--out", "x.svg"], "must be a directory"),
        (["diagram", "b0", "--module", "m9"], "--module 'm9' is not a module"),
        (["diagram", "b0", "--sub-block", "block9a"], "--sub-block 'block9a' is not a sub-block of b0"),
        (["diagram", "b0", "--block", "8"], "--block 8 is not a block of b0; valid: 1-7"),
        (["diagram", "b0", "--block", "1", "--module", "m5"], "Module 5 is not in block1"),
        (["diagram", "b0", "--block", "2", "--level", "layer"], "drop --level"),
        (["diagram", "b0", "--dpi", "200"], "--dpi applies to png output"),
        (["diagram", "b0", "--size", "slide", "--format", "dot"], "--size applies to svg, png and pdf"),
    ],
)
def test_diagram_preset_and_selection_errors_are_one_line(capsys, argv, fragment):
    one_line_exit_2(*run_cli(capsys, *argv), fragment)


def test_sub_block_kinds_pick_the_articles_sub_blocks():
    a = cached_analysis("b0")
    for kind, name in ((1, "block1a"), (2, "block2a"), (3, "block2b")):
        dot, stem = figure_dot(a, selection=Selection(sub_block=str(kind)))
        assert stem == f"b0-{name}"
        assert f"label_{name}" in dot
    dot, stem = figure_dot(a, selection=Selection(module="M3"))
    assert stem == "b0-block1a-module3"
    for layer in ("block1a_se_squeeze", "block1a_se_reduce", "block1a_se_expand"):
        assert f"\t{layer} [" in dot
    assert 'label=" 1×1×8"' in dot  # tensor shapes on the edges: the squeezed width of block1a


# ------------------------------------------------------------------------------------------------ slide figures
def test_rankdir_is_honoured_at_slide_size(tmp_path):
    """LR draws a different figure from TB at slide size, and both stay legible (a part too wide drawn left to right
    is refused in one line, like any figure whose text would be too small)."""
    for argv in (["b0", "b1", "b7", "--side-by-side"], ["b0"], ["b0", "--sub-block", "1"]):
        drawn = {}
        for rankdir in ("TB", "LR"):
            out = tmp_path / f"{rankdir}.svg"
            assert main(["diagram", *argv, "--size", "slide", "--rankdir", rankdir, "--out", str(out)]) == 0, argv
            drawn[rankdir] = out.read_text(encoding="utf-8")
            assert min(s for _, s in text_sizes(drawn[rankdir])) >= 20 - 1e-6, (argv, rankdir)
        assert drawn["TB"] != drawn["LR"], argv


def test_to_scale_figure_draws_depth_width_and_resolution_as_sizes():
    """One bar per sub-block, a bar as long as its output channels, the input square's side as the resolution."""
    from effnet_inspect.drawing.family import scale_dot

    family = [cached_analysis(v) for v in ("b0", "b7")]
    dot = scale_dot(family)
    bars = re.findall(r'fixedsize="true" width="(\d+)" height="(\d+)" bgcolor="(#[0-9a-f]+)"', dot)
    squares = [b for b in bars if b[2] == "#c9d3e0"]
    key = 20  # the key's swatches: text-sized squares (the bars are thinner)
    stacks = [b for b in bars if b[2] != "#c9d3e0" and (int(b[0]), int(b[1])) != (key, key)]
    assert len(stacks) == sum(len(a.grouping.sub_blocks) for a in family)
    (b0_side, _, _), (b7_side, _, _) = squares
    assert int(b7_side) / int(b0_side) == pytest.approx(600 / 224, rel=0.03)
    b0_widest = max(int(w) for w, _, _ in stacks[:16])
    b7_widest = max(int(w) for w, _, _ in stacks[16:])
    assert b7_widest / b0_widest == pytest.approx(640 / 320, rel=0.03)  # block7: 320 channels in B0, 640 in B7


def test_split_cuts_the_module_level_at_stages_into_legible_slides(tmp_path):
    from effnet_inspect.drawing import figure_dots

    a = cached_analysis("b0")
    pieces = figure_dots(a, "module", size="slide", split=True)
    assert [stem for _, stem in pieces] == [f"b0-module-part{i}" for i in range(1, len(pieces) + 1)]
    assert 1 < len(pieces) <= len(a.grouping.stages)
    clusters = [re.findall(r"subgraph cluster_(block\d)\b", dot) for dot, _ in pieces]
    assert [b for c in clusters for b in c] == [s.name for s in a.grouping.blocks]  # every block once, in order
    out = tmp_path / "parts"
    assert main(["diagram", "b0", "--level", "module", "--size", "slide", "--split", "--out", f"{out}/"]) == 0
    files = sorted(out.glob("b0-module-part*.svg"))
    assert len(files) == len(pieces)
    for path in files:
        assert min(s for _, s in text_sizes(path.read_text(encoding="utf-8"))) >= 20 - 1e-6, path.name


def test_poster_side_by_side_fills_its_page(tmp_path):
    png = tmp_path / "poster.png"
    assert main(["diagram", "--side-by-side", "--size", "poster", "--dpi", "12", "--out", str(png)]) == 0
    with Image.open(png) as image:
        ink = Image.eval(image.convert("L"), lambda p: 255 - p).getbbox()
        assert ink is not None
        width, height = image.size
        assert (ink[2] - ink[0]) / width > 0.9 and (ink[3] - ink[1]) / height > 0.9, (ink, image.size)


def test_chart_hatches_are_drawn_not_tiled():
    """A hatch pattern fill is tiled by PDF viewers, with seams between the tiles at 1920 px and 300 dpi alike;
    the bars' hatches are lines and dots clipped to the bar (only the legend's small swatches use patterns)."""
    from effnet_inspect.slides.charts import macs_by_module

    svg = macs_by_module([cached_analysis("b0")])
    filled = re.findall(r'style="fill: url\(#h\w+\)', svg)
    assert len(filled) <= 9  # the legend's swatches at most
    clips = set(re.findall(r'clip-path="url\(#(p\w+)\)"', svg))
    assert len(clips) >= 7  # the hatches of each hatched bar (Expansion ... top) clipped to that bar


def test_every_segment_is_labelled_or_named_under_the_chart():
    from effnet_inspect.slides.charts import macs_by_module

    svg = macs_by_module([cached_analysis("b0"), cached_analysis("b1")])
    texts = " ".join(t for t, _ in text_sizes(svg))
    assert "too narrow to label" in texts and "Module 3" in texts.split("too narrow to label")[1]
