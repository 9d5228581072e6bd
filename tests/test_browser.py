"""Open every page of a generated report in headless Chromium from file:// and check that it works: no console
errors, no network, every image and drawing shown with a size, every internal link and anchor resolves, the tables
hold the expected rows, nothing is wider than a phone, the page reads without JavaScript, and print gives no
near-empty pages. The explorer's interaction is tested in test_explore.py.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from browser import BENCH_EXAMPLE, Opened

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
        assert page.locator('#explore .canvas:not([hidden]) a[href="#stage-block2"]').count() == 1  # to the table row
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
    """Printed on Letter paper, every page of the index is at least a quarter full; controls are hidden."""
    o = Opened(chromium, REPORTS / "index.html")
    try:
        o.page.emulate_media(media="print")
        assert not o.page.locator("header.site").is_visible()
        assert not o.page.locator(".explorer-bar").first.is_visible()
        shares = page_fullness(o.page.pdf(format="Letter", print_background=True))
        assert len(shares) > 1 and min(shares) >= 0.25, [round(s, 2) for s in shares]
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
