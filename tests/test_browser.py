"""Open every page of a generated report in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright;
no browser is downloaded) from file:// and check that it works: no console errors, no network, every image and
inline SVG drawn with a size, every internal link and anchor resolves, the tables hold the expected rows.

Without Chromium (or Playwright) the tests are skipped, except under CI (env CI set), where that is a failure:
scripts/setup.sh --test installs both.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from helpers import cached_analysis

CHROMIUM = Path(os.environ.get("EFFNET_CHROMIUM", "/usr/bin/chromium"))
BENCH_EXAMPLE = Path(__file__).parent / "data" / "bench_cpu_example.json"


def _require_browser():
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} not found (apt-get install chromium, or scripts/setup.sh --test)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright Python package is not installed (pip install -e '.[test]')"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {problem}")
        pytest.skip(problem)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    from effnet_inspect.bench.results import load_results
    from effnet_inspect.report import write_compare, write_report

    out = tmp_path_factory.mktemp("report")
    write_report([cached_analysis("b0"), cached_analysis("b1")], out, bench=load_results(BENCH_EXAMPLE),
                 show_progress=False)
    write_compare([cached_analysis("b0"), cached_analysis("b4")], out / "standalone" / "b0-b4.html")
    return out


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


class Opened:
    """A page loaded from disk, with everything the browser complained about or tried to fetch."""

    def __init__(self, browser, path: Path):
        self.path = path
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed to load {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri(), wait_until="load")

    def rows(self, table_id: str) -> int:
        return self.page.locator(f"#{table_id} tbody tr").count()


PAGES = ("index.html", "b0.html", "b1.html", "compare-b0-b1.html", "bench.html", "standalone/b0-b4.html")


@pytest.fixture(scope="module")
def pages(report, browser) -> dict[str, Opened]:
    opened = {name: Opened(browser, report / name) for name in PAGES}
    yield opened
    for o in opened.values():
        o.page.close()


def test_every_page_of_the_report_is_checked(report):
    """The list above must cover every page the report wrote (a new page type needs its checks)."""
    written = {str(p.relative_to(report)) for p in report.rglob("*.html")}
    assert written == set(PAGES)


@pytest.mark.parametrize("name", PAGES)
def test_no_console_errors_and_no_network(pages, name):
    o = pages[name]
    assert o.errors == []
    remote = [u for u in o.requests if urlsplit(u).scheme not in ("file", "data", "about")]
    assert remote == []


@pytest.mark.parametrize("name", PAGES)
def test_every_image_and_svg_is_drawn(pages, name):
    page = pages[name].page
    images = page.evaluate("""() => Array.from(document.images).map(i => ({
        src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0 && i.naturalHeight > 0,
        alt: i.getAttribute('alt') || ''}))""")
    svgs = page.evaluate("""() => Array.from(document.querySelectorAll('svg'))
        .filter(s => !s.parentElement.closest('svg'))
        .map(s => { const b = s.getBBox(); return b.width > 0 && b.height > 0; })""")
    assert images or svgs, "a page of the report without a single figure"
    assert [i["src"] for i in images if not i["ok"]] == []
    assert all(i["alt"].strip() for i in images), "every image needs alt text"
    assert all(svgs)


@pytest.mark.parametrize("name", PAGES)
def test_every_internal_link_resolves(pages, name):
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
    for o, sub_blocks in ((b0, 16), (b1, 23)):
        assert o.rows("stage-table") == 9  # stem, block1..block7, top
        assert o.rows("subblock-table") == sub_blocks
        assert o.rows("rounding-table") == 9
        assert o.rows("module-counts") == 1
    assert pages["compare-b0-b1.html"].rows("stage-growth") == 9
    from effnet_inspect.bench.results import load_results

    assert pages["bench.html"].rows("bench-results") == len(load_results(BENCH_EXAMPLE).results)
    assert pages["bench.html"].rows("bench-stages") == 9


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


def test_print_layout_hides_navigation(report, browser):
    o = Opened(browser, report / "b0.html")
    try:
        o.page.emulate_media(media="print")
        assert not o.page.locator("header.site").is_visible()
        assert o.page.locator("#stage-table").is_visible()
    finally:
        o.page.close()


def test_the_checks_catch_a_broken_page(tmp_path, browser):
    """The listeners above really see missing images and script errors (so a clean report means something)."""
    broken = tmp_path / "broken.html"
    broken.write_text('<!DOCTYPE html><html><body><img src="missing.svg" alt="x">'
                      '<script>undefinedFunction()</script></body></html>')
    o = Opened(browser, broken)
    try:
        assert any("missing.svg" in e for e in o.errors) and any("undefinedFunction" in e for e in o.errors)
        assert o.page.evaluate("() => document.images[0].naturalWidth") == 0
    finally:
        o.page.close()
