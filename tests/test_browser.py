"""Open every page of a generated report in headless Chromium from file:// and check that it works: no console
errors, no network, every image and drawing shown with a size, every internal link and anchor resolves, the tables
hold the expected rows, nothing is wider than a phone and sticky first columns leave room for the values, charts
have phone versions, the index shows a figure on its first screen and never leaves one card alone in a row, every
speed says where it comes from, every text reads at 4.5:1 against what is rendered behind it, the page reads without
JavaScript, and print gives no near-empty pages. The explorer's interaction is tested in test_explore.py.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from browser import BENCH_EXAMPLE, Opened

pytestmark = pytest.mark.browser
REPORTS = Path(__file__).resolve().parents[1] / "reports"
PAGES = ("index.html", "b0.html", "b1.html", "compare-b0-b1.html", "bench.html", "standalone/b0-b4.html")


@pytest.fixture(scope="module")
def pages(browser_report, chromium) -> dict[str, Opened]:
    opened = {name: Opened(chromium, browser_report / name) for name in PAGES}
    yield opened
    for o in opened.values():
        o.close()


def test_every_page_of_the_report_is_checked(browser_report):
    """The list above must cover every page the report wrote (a new page type needs its checks)."""
    written = {str(p.relative_to(browser_report)) for p in browser_report.rglob("*.html")}
    assert written == set(PAGES)


@pytest.mark.parametrize("name", PAGES)
def test_no_console_errors_and_no_network(pages, name):
    o = pages[name]
    assert o.errors == []
    remote = [u for u in o.requests if urlsplit(u).scheme not in ("file", "data", "about")]
    assert remote == []


@pytest.mark.parametrize("name", PAGES)
def test_every_image_and_drawing_is_shown(pages, name):
    page = pages[name].page
    images = page.evaluate("""() => Array.from(document.images).map(i => ({
        src: i.currentSrc || i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0 && i.naturalHeight > 0,
        alt: i.getAttribute('alt') || ''}))""")
    # Drawings of an explorer's other levels are hidden until asked for; the one shown must have a size.
    svgs = page.evaluate("""() => Array.from(document.querySelectorAll('svg'))
        .filter(s => !s.parentElement.closest('svg') && s.getClientRects().length)
        .map(s => { const b = s.getBBox(); return b.width > 0 && b.height > 0; })""")
    assert images or svgs, "a page of the report without a single figure"
    assert [i["src"] for i in images if not i["ok"]] == []
    assert all(i["alt"].strip() for i in images), "every image needs alt text"
    assert all(svgs)


@pytest.mark.parametrize("name", PAGES)
def test_every_internal_link_resolves(pages, name):
    """Links in the page as the script leaves it (breadcrumbs included): files exist, fragments are element ids."""
    o = pages[name]
    hrefs = o.page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))")
    assert hrefs or name.startswith("standalone/")  # a standalone compare page links nowhere
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme in ("http", "https", "mailto"):
            continue
        assert not parts.scheme and not href.startswith("/"), f"{href} is not a relative link"
        target = (o.path.parent / unquote(parts.path)).resolve() if parts.path else o.path
        assert target.is_file(), f"{name}: {href} points to a missing file"
        if parts.fragment:
            assert re.search(rf'\bid="{re.escape(parts.fragment)}"', target.read_text()), f"{name}: {href}"


def test_tables_hold_the_expected_rows(pages):
    index, b0, b1 = pages["index.html"], pages["b0.html"], pages["b1.html"]
    assert index.rows("family-table") == 2 and index.rows("paper-table") == 2
    assert index.rows("module-counts") == 2 and index.rows("phi-table") == 2
    assert index.rows("decision-table") == 2 and index.rows("channels-table") == 9
    for o, sub_blocks in ((b0, 16), (b1, 23)):
        assert o.rows("stage-table") == 9  # stem, block1..block7, top
        assert o.rows("subblock-table") == sub_blocks
        assert o.rows("rounding-table") == 9
        assert o.rows("module-counts") == 1
    assert pages["compare-b0-b1.html"].rows("stage-growth") == 9
    from effnet_inspect.bench.schema import load_results

    run = load_results(BENCH_EXAMPLE)
    models = len({r.model for r in run.results})
    assert pages["bench.html"].rows("bench-results-amd-epyc") == len(run.results)
    assert pages["bench.html"].rows("bench-stages-amd-epyc") == 9 * models  # each implementation's stages
    assert pages["bench.html"].rows("bench-side-by-side-amd-epyc") == len(
        {(r.batch_size, r.precision) for r in run.results}
    )


def test_tables_have_headers_and_captions(pages):
    for name, o in pages.items():
        bad = o.page.evaluate("""() => Array.from(document.querySelectorAll('table')).filter(t =>
            !t.querySelector('caption') || t.querySelectorAll('thead th[scope=col]').length === 0
            || t.querySelectorAll('tbody th[scope=row]').length !== t.querySelectorAll('tbody tr').length).length""")
        assert bad == 0, name


def test_family_table_lists_each_variant_with_its_numbers(pages):
    cells = pages["index.html"].page.locator("#family-table tbody tr").all_inner_texts()
    assert cells[0].split("\t")[0] == "b0" and "5,288,548" in cells[0]
    assert cells[1].split("\t")[0] == "b1"


def test_layer_summary_is_collapsible(pages):
    page = pages["b0.html"].page
    summary = page.locator("details pre.summary")
    assert not summary.is_visible()
    page.locator("details summary").click()
    assert summary.is_visible() and "stem_conv (Conv2D)" in summary.inner_text()


# ------------------------------------------------------------------------------------------- phones
def _phone_pages(browser_report) -> list[Path]:
    """Every page of the test report, and the committed report's widest: the index and variant page of B7."""
    return [browser_report / name for name in PAGES] + [REPORTS / "index.html", REPORTS / "b7.html"]


def test_nothing_is_wider_than_a_phone(browser_report, chromium):
    """At 390 px no page scrolls sideways: tables and drawings scroll inside their own boxes."""
    for path in _phone_pages(browser_report):
        o = Opened(chromium, path, width=390, height=844)
        try:
            width = o.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path.name} is {width} px wide"
            assert o.errors == []
        finally:
            o.close()


def test_first_column_stays_in_view_while_a_table_scrolls(browser_report, chromium):
    o = Opened(chromium, browser_report / "b0.html", width=390, height=844)
    try:
        box = o.page.locator("#subblock-table").locator("xpath=..")
        box.evaluate("e => e.scrollLeft = 400")
        first = o.page.locator("#subblock-table tbody tr:first-child th")
        wrap = box.bounding_box()
        assert box.evaluate("e => e.scrollLeft") > 0
        assert abs(first.bounding_box()["x"] - wrap["x"]) < 2  # stuck to the left edge of its box
    finally:
        o.close()


# --------------------------------------------------------------------------------- without JavaScript
def test_pages_read_without_javascript(browser_report, chromium):
    o = Opened(chromium, browser_report / "b0.html", javascript=False)
    try:
        page = o.page
        views = page.locator("#explore .view")
        assert views.count() == 3 and all(views.nth(i).is_visible() for i in range(3))
        assert not page.locator("#explore .explorer-bar").is_visible()
        sizes = page.evaluate("""() => Array.from(document.querySelectorAll('#explore svg'))
            .filter(s => s.getClientRects().length).map(s => s.getBoundingClientRect().width)""")
        assert len(sizes) == 3 and min(sizes) > 300  # drawn at their natural size, in scrolling boxes
        assert page.locator('#explore .canvas:not([hidden]) a[href="#stage-block2"]').count() == 1
        target = page.locator("#stage-block2")  # the link lands on block2 in the module-level drawing
        assert target.get_attribute("data-key") == "cluster_block2" and target.is_visible()
    finally:
        o.close()


# ---------------------------------------------------------------------------------------------- print
def page_fullness(pdf: bytes) -> list[float]:
    """For each PDF page, the share of its height between the first and the last row with any ink."""
    import pypdfium2

    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    shares = []
    for index in range(len(document)):
        image = document[index].render(scale=0.5).to_pil().convert("L")
        width, height = image.size
        inked = [y for y in range(height) if image.crop((0, y, width, y + 1)).getextrema()[0] < 200]
        shares.append((inked[-1] - inked[0] + 1) / height if inked else 0.0)
    return shares


def test_print_has_no_near_empty_page(browser_report, chromium):
    """Printed on Letter paper, every page of the index but the last is at least a quarter full, and the last
    carries text of the page, not only the footer (where a document ends is where its text ends); controls are
    hidden."""
    from pypdf import PdfReader

    o = Opened(chromium, REPORTS / "index.html")
    try:
        o.page.emulate_media(media="print")
        assert not o.page.locator("header.site").is_visible()
        assert not o.page.locator(".explorer-bar").first.is_visible()
        pdf = o.page.pdf(format="Letter", print_background=True)
        shares = page_fullness(pdf)
        assert len(shares) > 1 and min(shares[:-1]) >= 0.25, [round(s, 2) for s in shares]
        last = PdfReader(io.BytesIO(pdf)).pages[-1].extract_text().split("Generated by")[0]
        assert len(last.split()) >= 20, last  # a paragraph at least, beside any heading
    finally:
        o.close()


def test_the_fullness_measure_sees_an_empty_page(chromium):
    page = chromium.new_page()
    try:
        page.set_content('<p>one line</p><p style="break-before: page">another line</p>')
        shares = page_fullness(page.pdf(format="Letter"))
        assert len(shares) == 2 and max(shares) < 0.1
    finally:
        page.close()


def test_the_checks_catch_a_broken_page(tmp_path, chromium):
    """The listeners above really see missing images and script errors (so a clean report means something)."""
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<!DOCTYPE html><html><body><img src="missing.svg" alt="x"><script>undefinedFunction()</script></body></html>'
    )
    o = Opened(chromium, broken)
    try:
        assert any("missing.svg" in e for e in o.errors) and any("undefinedFunction" in e for e in o.errors)
        assert o.page.evaluate("() => document.images[0].naturalWidth") == 0
    finally:
        o.close()


# ------------------------------------------------------------------------------------------- speeds (1)
def test_every_speed_has_its_provenance_right_under_it(h200_report, chromium):
    """The decision table and the compare page's speeds: the run's day, commit, device, precision and method in the
    note under the table, and that the run predates this code."""
    for name, table in (("index.html", "decision-table"), ("compare-b0-b1.html", "family-growth")):
        o = Opened(chromium, h200_report / name)
        try:
            block = o.page.locator(f"#{table}").locator("xpath=../..")
            note = block.locator("xpath=following-sibling::*[1]")
            assert "provenance" in (note.get_attribute("class") or "") and note.is_visible(), name
            under, above = note.bounding_box(), block.bounding_box()
            assert 0 <= under["y"] - (above["y"] + above["height"]) < 40, name
            text = note.inner_text()
            for must in ("NVIDIA H200", "2026-11-29", "commit fcebea1", "bf16 + channels-last, eager", "CUDA events"):
                assert must in text, (name, must)
            assert "Older than this page's code" in text and "before the fused forward" in text
        finally:
            o.close()


# ------------------------------------------------------------------------------------------- phones (2, 8)
STICKY = """() => [...document.querySelectorAll('.table-wrap')].filter(w => w.getClientRects().length).map(w => {
    w.scrollLeft = w.scrollWidth;
    const box = w.getBoundingClientRect();
    const sticky = Math.max(...[...w.querySelectorAll('tr > :first-child')].map(c => c.getBoundingClientRect().width));
    const covered = [...w.querySelectorAll('tr > :last-child')].some(c => {
        const r = c.getBoundingClientRect();
        return r.right > box.right + 1 || (w.scrollWidth > w.clientWidth + 1 && r.left < box.left + sticky - 1);
    });
    return {table: w.querySelector('table').id || w.getAttribute('aria-label'), share: sticky / box.width, covered};
}).filter(t => t.share > 0.4 || t.covered)"""


def test_sticky_first_columns_leave_the_values_in_view_on_a_phone(h200_report, browser_report, chromium):
    """At 390 px a table's sticky first column takes at most 40 % of its box, and scrolled fully right the last
    column shows beside it."""
    for path in (h200_report / "compare-b0-b1.html", h200_report / "index.html", browser_report / "bench.html"):
        o = Opened(chromium, path, width=390, height=844)
        try:
            assert o.page.evaluate(STICKY) == [], path.name
        finally:
            o.close()


def test_bench_charts_have_phone_versions_and_the_notes_are_not_cut(h200_report, chromium):
    phone = Opened(chromium, h200_report / "bench.html", width=390, height=844)
    wide = Opened(chromium, h200_report / "bench.html", width=1400, height=900)
    try:
        shown = phone.page.evaluate("() => [...document.querySelectorAll('figure.chart img')].map(i => i.currentSrc)")
        assert shown and all(src.endswith("-narrow.svg") for src in shown)
        box = wide.page.locator('[id^="bench-results-"]').locator("xpath=..")
        assert box.evaluate("w => w.scrollWidth <= w.clientWidth + 1")  # the Note column wraps inside the page
        note = wide.page.locator('[id^="bench-results-"] tbody td.wrap', has_text="time budget").first
        assert note.evaluate("c => c.scrollWidth <= c.clientWidth + 1")
    finally:
        phone.close()
        wide.close()


# ------------------------------------------------------------------------------------------- the index (9)
@pytest.mark.parametrize("width,height", [(1400, 900), (390, 844)])
def test_the_index_shows_a_figure_on_its_first_screen(browser_report, chromium, width, height):
    o = Opened(chromium, browser_report / "index.html", width=width, height=height)
    try:
        box = o.page.locator("#first-figure img").bounding_box()
        assert box["height"] > 200 and box["y"] + box["height"] <= height
    finally:
        o.close()


CARD_ROWS = """() => {
    const cards = [...document.querySelectorAll('ul.cards li')], list = document.querySelector('ul.cards');
    const rows = {};
    cards.forEach(c => { const r = c.getBoundingClientRect(); (rows[Math.round(r.top)] ||= []).push(r.width); });
    const tops = Object.keys(rows).sort((a, b) => a - b);
    return {rows: tops.map(k => rows[k]), width: list.getBoundingClientRect().width}; }"""


def test_variant_cards_never_leave_one_alone_in_a_row(chromium):
    """Cards laid out by the index's grid rules for 2 to 9 variants at phone to desktop widths: every row but a
    single one holds two cards or more, or its one card spans the row; no card narrower than 150 px."""
    from importlib.resources import files

    from effnet_inspect.report.index import card_grid_css

    style = files("effnet_inspect.report").joinpath("templates/style.css").read_text(encoding="utf-8")
    page = chromium.new_page()
    try:
        for n in range(2, 10):
            cards = "".join(
                f"<li><a><strong>EfficientNet-B{i}</strong><span>816 layers, 55 sub-blocks</span></a></li>"
                for i in range(n)
            )
            page.set_content(f"<style>{style}\n{card_grid_css(n)}</style><main><ul class='cards'>{cards}</ul></main>")
            for width in (320, 390, 560, 768, 1024, 1280, 1400):
                page.set_viewport_size({"width": width, "height": 900})
                layout = page.evaluate(CARD_ROWS)
                rows, full = layout["rows"], layout["width"]
                alone = len(rows) > 1 and len(rows[-1]) == 1 and rows[-1][0] < full - 1
                assert not alone, (n, width, rows)
                assert all(w >= 150 for row in rows for w in row) or len(rows) == n, (n, width, rows)
    finally:
        page.close()


# ------------------------------------------------------------------------------------------ contrast (10)
CONTRAST = (Path(__file__).parent / "contrast.js").read_text()


@pytest.mark.parametrize("name", PAGES)
def test_every_text_reads_at_4_5_to_1_against_what_is_behind_it(pages, name):
    """Contrast from the rendered colours: each text node's colour against the backgrounds painted behind it (the
    page's boxes, or in a drawing the filled shapes under the text)."""
    assert pages[name].page.evaluate(CONTRAST) == []


def test_every_drawing_level_reads_at_4_5_to_1(browser_report, h200_report, chromium):
    """Without JavaScript every level of B0 is drawn at once (stage, module, layer); the H200 index adds the
    speed notes."""
    for path, javascript in ((browser_report / "b0.html", False), (h200_report / "index.html", True)):
        o = Opened(chromium, path, javascript=javascript)
        try:
            assert o.page.evaluate(CONTRAST) == [], path.name
        finally:
            o.close()


def test_the_contrast_check_sees_low_contrast(chromium):
    page = chromium.new_page()
    try:
        page.set_content(
            '<p style="color:#9aa5b1">faint footer</p><svg width="200" height="50"><polygon fill="#77aadd" '
            'points="0,0 200,0 200,50 0,50"/><text x="10" y="30" fill="#666666">240 layers</text></svg>'
            '<p style="color:#222">fine</p>'
        )
        fails = page.evaluate(CONTRAST)
        assert len(fails) == 2 and fails[0].startswith("2.5") and "240 layers" in fails[1]
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------- print (10)
def test_a_variant_page_prints_no_heading_without_text_under_it(browser_report, chromium):
    o = Opened(chromium, browser_report / "b0.html")
    try:
        o.page.emulate_media(media="print")
        bare = o.page.evaluate("""() => [...document.querySelectorAll('main h2, main h3')].filter(h => {
            if (!h.getClientRects().length) return false;
            let e = h.nextElementSibling;
            while (e && !e.getClientRects().length) e = e.nextElementSibling;
            return !e || /^H[1-3]$/.test(e.tagName); }).map(h => h.textContent)""")
        assert bare == []
        shares = page_fullness(o.page.pdf(format="Letter", print_background=True))
        assert len(shares) > 1 and min(shares[:-1]) >= 0.4, [round(s, 2) for s in shares]
    finally:
        o.close()
