"""The interactive diagrams (report/explore.py, templates/explore.js) in headless Chromium, as people use them:
the wheel and a swipe scroll the page, Ctrl + wheel, pinch, buttons and keys zoom, a mouse drag or two fingers move
the drawing; hover shows a card and leaving hides it, a drag never pins one, a tap shows it with its link; semantic
zoom from the side-by-side figure to a variant's stage and from a stage to its sub-blocks and layers, with a
breadcrumb back; a link to a sub-block lands on its drawing; one Tab stop per level and arrow keys between boxes;
search, also across pages. One page per test, all from the session's small report (B0, B1)."""

from __future__ import annotations

import re

import pytest
from browser import Opened
from helpers import cached_analysis
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
NEXT_FRAME = "() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))"
# The page has stopped scrolling: six frames and 400 ms without a move (on a busy machine frames come slowly).
SETTLED = """() => new Promise(done => { let last = scrollY, since = performance.now(), still = 0;
    const look = () => { if (scrollY !== last) { last = scrollY; since = performance.now(); still = 0; } else still++;
        if (still > 5 && performance.now() - since > 400) done(); else requestAnimationFrame(look); };
    requestAnimationFrame(look); })"""

pytestmark = pytest.mark.browser


@pytest.fixture
def b0(browser_report, chromium):
    o = Opened(chromium, browser_report / "b0.html")
    yield o
    assert o.errors == []
    o.close()


@pytest.fixture
def phone(browser_report, chromium):
    """B0's page on a touch screen (touch events, no mouse hover), 390 x 844."""
    o = Opened(chromium, browser_report / "b0.html", width=390, height=844, touch=True)
    yield o
    assert o.errors == []
    o.close()


def view_state(page, level: str) -> tuple[float, float, float]:
    """(scale, x, y) of a view's drawing, read from its CSS transform once the next frame has drawn it."""
    page.evaluate(NEXT_FRAME)
    transform = page.locator(f'#explore .view[data-level="{level}"] .canvas:not([hidden])').evaluate(
        "e => e.style.transform"
    )
    x, y, k = map(
        float, re.fullmatch(r"translate\(([-\d.e]+)px, ?([-\d.e]+)px\) scale\(([-\d.e]+)\)", transform).groups()
    )
    return k, x, y


def key(page, name: str):
    """The box of that name in the drawing on show (a level may be drawn twice: down and across)."""
    return page.locator(f'#explore .canvas:not([hidden]) [data-key="{name}"]')


def centre(locator) -> tuple[float, float]:
    """The middle of an element, scrolled into the window first (the mouse only reaches what is in sight)."""
    locator.scroll_into_view_if_needed()
    locator.page.evaluate(SETTLED)  # the box is read once the page stands still
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def gesture(page, start: list[tuple[float, float]], end: list[tuple[float, float]], steps: int = 8) -> None:
    """Fingers moved from start to end as real touch events, through the browser's input pipeline (so that a swipe
    scrolls the page as on a phone)."""
    session = page.context.new_cdp_session(page)

    def touch(kind: str, points: list[tuple[float, float]]) -> None:
        points_ = [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]
        session.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points_})

    touch("touchStart", start)
    for s in range(1, steps + 1):
        touch(
            "touchMove",
            [(a[0] + (b[0] - a[0]) * s / steps, a[1] + (b[1] - a[1]) * s / steps) for a, b in zip(start, end)],
        )
    touch("touchEnd", [])
    session.detach()
    page.evaluate(SETTLED)  # a swipe flings the page on for a moment


# ------------------------------------------------------------------------------------ wheel and drag (4)
def test_the_wheel_scrolls_the_page_and_ctrl_wheel_zooms(b0):
    page = b0.page
    viewport = page.locator('#explore .view[data-level="stage"] .viewport')
    viewport.scroll_into_view_if_needed()
    before, y0 = view_state(page, "stage"), page.evaluate("window.scrollY")
    page.mouse.move(*centre(viewport))
    page.mouse.wheel(0, 300)
    page.wait_for_function(f"window.scrollY > {y0}")
    assert view_state(page, "stage") == before  # the drawing did not move
    hint = page.locator('#explore .view[data-level="stage"] .hint')
    assert hint.is_visible() and re.search(r"(Ctrl|\u2318) \+ scroll zooms", hint.inner_text())
    page.mouse.move(*centre(viewport))
    y1 = page.evaluate("window.scrollY")
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    assert view_state(page, "stage")[0] > before[0] * 1.2 and page.evaluate("window.scrollY") == y1


def test_drag_buttons_and_keys_change_the_view(b0):
    page = b0.page
    viewport = page.locator('#explore .view[data-level="stage"] .viewport')
    k1, x1, y1 = view_state(page, "stage")
    cx, cy = centre(viewport)
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx - 120, cy - 80, steps=6)
    page.mouse.up()
    k2, x2, y2 = view_state(page, "stage")
    assert k2 == k1 and x2 == pytest.approx(x1 - 120, abs=2) and y2 == pytest.approx(y1 - 80, abs=2)
    page.locator('#explore button[data-zoom="out"]').click()
    assert view_state(page, "stage")[0] < k2
    page.locator('#explore button[data-zoom="fit"]').click()
    kf, _, _ = view_state(page, "stage")
    drawing = page.locator('#explore .view[data-level="stage"] .canvas:not([hidden]) svg').bounding_box()
    frame = viewport.bounding_box()
    assert frame["x"] - 1 <= drawing["x"] and drawing["x"] + drawing["width"] <= frame["x"] + frame["width"] + 1
    assert frame["y"] - 1 <= drawing["y"] and drawing["y"] + drawing["height"] <= frame["y"] + frame["height"] + 1
    viewport.focus()
    page.keyboard.press("+")
    assert view_state(page, "stage")[0] > kf
    k, x, y = view_state(page, "stage")
    page.keyboard.press("ArrowLeft")  # on the drawing itself (not a box): the drawing moves
    assert view_state(page, "stage") == (k, pytest.approx(x + 60, abs=0.01), y)
    page.keyboard.press("0")
    assert view_state(page, "stage")[0] == pytest.approx(kf)


def test_one_finger_scrolls_the_page(phone):
    page = phone.page
    viewport = page.locator('#explore .view[data-level="stage"] .viewport')
    viewport.scroll_into_view_if_needed()
    box = viewport.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.7
    before, y0 = view_state(page, "stage"), page.evaluate("window.scrollY")
    gesture(page, [(x, y)], [(x, y - 200)])  # a swipe up over the drawing
    page.wait_for_function(f"window.scrollY > {y0 + 100}")
    assert view_state(page, "stage") == before


def test_two_fingers_move_and_pinch_zooms(phone):
    """On a page at rest (a separate test from the swipe: fingers that land while a fling still scrolls belong to
    the scroll, and on a busy machine a fling can outlast any fixed wait)."""
    page = phone.page
    viewport = page.locator('#explore .view[data-level="stage"] .viewport')
    viewport.scroll_into_view_if_needed()
    page.evaluate(SETTLED)
    before = view_state(page, "stage")
    box = viewport.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    y1 = page.evaluate("window.scrollY")
    gesture(page, [(x - 40, y), (x + 40, y)], [(x - 100, y + 30), (x - 20, y + 30)])  # two fingers move
    k, tx, ty = view_state(page, "stage")
    assert k == pytest.approx(before[0]) and tx == pytest.approx(before[1] - 60, abs=3)
    assert ty == pytest.approx(before[2] + 30, abs=3) and page.evaluate("window.scrollY") == y1
    gesture(page, [(x - 40, y), (x + 40, y)], [(x - 80, y), (x + 80, y)])  # fingers twice as far apart
    assert view_state(page, "stage")[0] == pytest.approx(k * 2, rel=0.03)


# ------------------------------------------------------------------------------------------ cards (3)
def test_hover_shows_a_card_and_leaving_hides_it(b0):
    page = b0.page
    page.mouse.move(*centre(key(page, "cell_0_block2")))
    card = page.locator("#explore .card")
    assert card.is_visible()
    text = card.inner_text()
    assert "block2" in text and "16,714" in text and "54.9 M" in text  # B0's block2: params, MACs
    assert re.search(r"of params, 14\.\d % of MACs", text)
    page.mouse.move(5, 5)
    assert not card.is_visible()


def test_a_drag_never_pins_a_card(b0):
    page = b0.page
    cx, cy = centre(key(page, "cell_0_block3"))
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 150, cy + 40, steps=8)
    page.mouse.up()
    assert not page.locator("#explore .card").is_visible()
    assert page.url.endswith("b0.html")  # the drag did not open block3
    page.locator('#explore button[data-zoom="fit"]').click()
    page.mouse.move(5, 5)
    assert not page.locator("#explore .card").is_visible()


def test_a_tap_shows_the_card_and_its_link_opens_the_box(phone):
    page = phone.page
    block = key(page, "cell_0_block2")
    block.scroll_into_view_if_needed()
    block.tap()
    card = page.locator("#explore .card")
    assert card.is_visible() and "block2" in card.inner_text()
    assert page.url.endswith("b0.html")  # a tap does not navigate
    card.locator("a.card-open").tap()
    assert page.url.endswith("#stage-block2")
    assert page.locator('#explore button[data-show="module"]').get_attribute("aria-pressed") == "true"


def test_layer_cards_show_what_netron_shows(browser_report, chromium):
    """Kernel, stride, padding, activation, drop-connect rate and inputs, from the analysis records."""
    o = Opened(chromium, browser_report / "b0.html", fragment="#sub-block-block2b")
    try:
        page = o.page
        card = page.locator("#explore .card")  # expect() waits for the card the hover fills in
        page.mouse.move(*centre(key(page, "block2b_dwconv")))
        expect(card).to_contain_text("3\u00d73, stride 1")
        expect(card).to_contain_text("same: 1 px on each side")
        expect(card).to_contain_text("block2b_expand_activation")  # its input
        page.mouse.move(*centre(key(page, "block2b_drop")))
        expect(card).to_contain_text(re.compile(r"Drop-connect rate\s*0\.025"))  # 0.2 x 2/16
        page.mouse.move(*centre(key(page, "block2b_add")))
        expect(card).to_contain_text("block2b_drop, block2a_project_bn")
        assert o.errors == []
    finally:
        o.close()


# ------------------------------------------------------------------------------- semantic zoom, links (5)
def test_side_by_side_stage_opens_on_its_variant_page(browser_report, chromium):
    o = Opened(chromium, browser_report / "index.html")
    try:
        page = o.page
        cell = page.locator('#side-by-side-figure [data-key="cell_1_block3"]')
        page.locator("#side-by-side-figure button[data-zoom=fit]").click()
        page.mouse.move(*centre(cell))
        assert "B1 block3" in page.locator("#side-by-side-figure .card").inner_text()
        cell.click()
        page.wait_for_url(re.compile(r"b1\.html#stage-block3$"))
        page.wait_for_load_state("load")
        assert page.locator('#explore button[data-show="module"]').get_attribute("aria-pressed") == "true"
        assert page.locator("#explore .crumbs li").all_inner_texts() == ["B1", "block3"]
        frame = page.locator('#explore .view[data-level="module"] .viewport').bounding_box()
        stage = page.locator('#explore .view[data-level="module"] [data-key="cluster_block3"]').bounding_box()
        assert frame["y"] <= stage["y"] + stage["height"] / 2 <= frame["y"] + frame["height"]
        assert o.errors == []
    finally:
        o.close()


def test_a_link_to_a_sub_block_lands_on_its_drawing(browser_report, chromium):
    o = Opened(chromium, browser_report / "b0.html", fragment="#sub-block-block2a")
    try:
        page = o.page
        page.evaluate(NEXT_FRAME)
        assert page.locator('#explore button[data-show="layer"]').get_attribute("aria-pressed") == "true"
        window = page.evaluate("[innerWidth, innerHeight]")
        frame = page.locator('#explore .view[data-level="layer"] .viewport').bounding_box()
        box = page.evaluate(
            "document.getElementById('sub-block-block2a').getBoundingClientRect().toJSON()"
        )  # the element the link names is the drawing's block2a
        assert page.evaluate("document.getElementById('sub-block-block2a').closest('.explorer').id") == "explore"
        assert 0 <= frame["y"] < window[1] / 2  # the explorer fills the window
        middle = box["y"] + min(box["height"], frame["height"]) / 2
        assert frame["y"] <= middle <= frame["y"] + frame["height"] and 0 <= middle <= window[1]
        assert page.evaluate("[...document.querySelectorAll('[id=\"sub-block-block2a\"]')].length") == 1
        assert o.errors == []
    finally:
        o.close()


def test_a_sub_block_drills_into_its_layers_and_the_breadcrumb_leads_back(b0):
    page = b0.page
    key(page, "cell_0_block2").scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    key(page, "cell_0_block2").click()
    assert page.url.endswith("#stage-block2")
    assert page.evaluate("window.scrollY") == scrolled  # opened in place, not a jump down the page
    assert page.locator("#explore .crumbs li").all_inner_texts() == ["B0", "block2"]
    key(page, "block2a_expansion").click()
    assert page.url.endswith("#sub-block-block2a")
    assert page.locator('#explore button[data-show="layer"]').get_attribute("aria-pressed") == "true"
    assert page.locator("#explore .crumbs li").all_inner_texts() == ["B0", "block2", "block2a"]
    assert key(page, "block2a_dwconv").is_visible()
    page.locator("#explore .crumbs a", has_text="block2").click()
    assert page.locator('#explore button[data-show="module"]').get_attribute("aria-pressed") == "true"
    page.go_back()
    assert page.locator('#explore button[data-show="layer"]').get_attribute("aria-pressed") == "true"
    page.locator("#explore .crumbs a", has_text="B0").click()
    assert page.locator('#explore button[data-show="stage"]').get_attribute("aria-pressed") == "true"


# ----------------------------------------------------------------------------------------- search (7, 9)
def test_search_highlights_a_layer_touching_only_the_boxes_it_marks(b0):
    page = b0.page
    search = page.locator("#explore input[type=search]")
    search.fill("block1a_dwconv")
    hits = page.locator("#explore .hits")
    assert "0 matches here" in hits.inner_text() and "1 in Layers" in hits.inner_text()
    search.press("Enter")
    layer = key(page, "block1a_dwconv")
    assert page.locator('#explore button[data-show="layer"]').get_attribute("aria-pressed") == "true"
    assert "hit" in layer.get_attribute("class") and layer.is_visible()
    assert page.locator("#explore [data-key].hit").count() == 1
    assert "DepthwiseConv2D" in page.locator("#explore .card").inner_text()
    page.evaluate("""() => { window.changed = new Set();
        const svg = document.querySelector('#explore .view[data-level="layer"] svg');
        new MutationObserver(ms => ms.forEach(m => window.changed.add(m.target)))
            .observe(svg, {attributes: true, subtree: true}); }""")
    search.fill("depthwiseconv2d")  # by type: every depthwise conv of B0's 16 sub-blocks
    assert page.locator('#explore .view[data-level="layer"] [data-key].hit').count() == 16
    # no per-box restyling: the keystroke touched the 15 new hits (block1a_dwconv stays one), nothing else
    assert page.evaluate("window.changed.size") == 15


def test_search_on_the_index_names_the_pages_that_have_a_layer(browser_report, chromium):
    o = Opened(chromium, browser_report / "index.html")
    try:
        page = o.page
        search = page.locator("#side-by-side-figure input[type=search]")
        search.fill("block1a_dwconv")
        hits = page.locator("#side-by-side-figure .hits")
        assert "0 matches here" in hits.inner_text()
        links = hits.locator("a")
        assert links.all_inner_texts() == ["B0 (1)", "B1 (1)"]
        assert links.first.get_attribute("href") == "b0.html#sub-block-block1a"
        search.fill("block2c_")  # B1 has a third sub-block in block2, B0 has two
        layers = [n for n in cached_analysis("b1").graph if n.startswith("block2c_")]
        assert hits.locator("a").all_inner_texts() == [f"B1 ({len(layers)})"]
        assert placeholder_fits(page.locator("#side-by-side-figure input[type=search]"))
    finally:
        o.close()


def placeholder_fits(field) -> bool:
    """The placeholder, measured in the field's own font, fits the field's text box."""
    return field.evaluate("""e => {
        const s = getComputedStyle(e), c = document.createElement('canvas').getContext('2d');
        c.font = s.font; const room = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
        return c.measureText(e.placeholder).width <= room; }""")


# --------------------------------------------------------------------------------------- keyboard (6)
def tab_stops(page, figure: str) -> int:
    """How many elements of the drawing on show the Tab key stops at."""
    return page.evaluate(
        f"() => [...document.querySelectorAll('{figure} .view:not([hidden]):not(.offstage) .canvas:not([hidden]) *')]"
        ".filter(e => e.tabIndex >= 0).length"
    )


def test_keyboard_walks_the_layer_level_one_tab_stop_and_arrow_keys(b0):
    page = b0.page
    page.locator('#explore button[data-show="layer"]').click()
    assert tab_stops(page, "#explore") == 1
    page.locator('#explore button[data-zoom="fit"]').focus()
    page.keyboard.press("Tab")
    first = page.evaluate("() => document.activeElement.closest('[data-key]')?.dataset.key")
    assert first and page.evaluate("() => !!document.activeElement.closest('.view[data-level=\"layer\"]')")
    seen = {first}
    for _ in range(6):
        page.keyboard.press("ArrowDown")
        seen.add(page.evaluate("() => document.activeElement.closest('[data-key]')?.dataset.key"))
    assert len(seen) >= 5 and tab_stops(page, "#explore") == 1  # the stop moved with the focus
    card = page.locator("#explore .card")
    focused_key = page.evaluate("() => document.activeElement.closest('[data-key]').dataset.key")
    assert card.is_visible() and card.locator("strong").inner_text() == focused_key.removeprefix("cluster_")
    focused = page.locator("#explore :focus").bounding_box()
    frame = page.locator('#explore .view[data-level="layer"] .viewport').bounding_box()
    assert frame["y"] <= focused["y"] + focused["height"] / 2 <= frame["y"] + frame["height"]  # panned into sight
    on = page.evaluate("() => document.activeElement.closest('[data-key]').getAttribute('class')")
    assert "cluster" in on  # the arrow keys go among frames (stages, sub-blocks) ...
    page.keyboard.press("Enter")  # ... Enter goes into one, and the arrow keys then go among its layers
    layer = page.evaluate("() => document.activeElement.closest('[data-key]')")
    inner = page.evaluate("() => document.activeElement.closest('[data-key]').getAttribute('class')")
    assert layer is not None and "node" in inner
    page.keyboard.press("ArrowRight")
    assert "node" in page.evaluate("() => document.activeElement.closest('[data-key]').getAttribute('class')")
    assert tab_stops(page, "#explore") == 1
    page.keyboard.press("Tab")  # one stop: the next Tab leaves the figure
    assert not page.evaluate("() => !!document.activeElement.closest('#explore .view')")


def test_keyboard_opens_a_stage(b0):
    page = b0.page
    page.locator('#explore button[data-zoom="fit"]').focus()
    page.keyboard.press("Tab")
    for _ in range(4):  # down the stage column to block1
        if page.evaluate("() => document.activeElement.closest('[data-key]')?.dataset.key") == "cell_0_block1":
            break
        page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.closest('[data-key]')?.dataset.key") == "cell_0_block1"
    assert page.locator("#explore .card").is_visible() and "block1" in page.locator("#explore .card").inner_text()
    page.keyboard.press("Enter")
    assert page.url.endswith("#stage-block1")
    assert page.locator('#explore button[data-show="module"]').get_attribute("aria-pressed") == "true"
    assert page.evaluate("() => document.activeElement.closest('[data-key]')?.dataset.key") == "cluster_block1"


def test_the_index_figure_is_one_tab_stop_with_a_way_past_it(browser_report, chromium):
    o = Opened(chromium, browser_report / "index.html")
    try:
        page = o.page
        assert tab_stops(page, "#side-by-side-figure") == 1
        skip = page.locator("#side-by-side-figure a.skip-figure")
        skip.focus()
        assert skip.is_visible()
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert not page.evaluate("() => !!document.activeElement.closest('#side-by-side-figure')")
    finally:
        o.close()
