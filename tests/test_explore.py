"""The interactive diagrams (report/explore.py, templates/explore.js) in headless Chromium: pan and zoom by wheel,
drag, pinch, buttons and keys; cards on hover; semantic zoom from the side-by-side figure to a variant's stage and
from a stage to its sub-blocks and layers, with a breadcrumb back; search. One page per test, all from the
session's small report (B0, B1)."""

from __future__ import annotations

import re

import pytest
from browser import Opened

pytestmark = pytest.mark.browser


@pytest.fixture
def b0(browser_report, chromium):
    o = Opened(chromium, browser_report / "b0.html")
    yield o
    assert o.errors == []
    o.close()


def view_state(page, level: str) -> tuple[float, float, float]:
    """(scale, x, y) of a view's drawing, read from its CSS transform."""
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
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_wheel_drag_buttons_and_keys_change_the_view(b0):
    page = b0.page
    viewport = page.locator('#explore .view[data-level="stage"] .viewport')
    k0, x0, y0 = view_state(page, "stage")
    page.mouse.move(*centre(viewport))
    page.mouse.wheel(0, -400)
    k1, x1, y1 = view_state(page, "stage")
    assert k1 > k0 * 1.2  # zoomed in about the pointer, which moved the drawing too
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
    kf, xf, yf = view_state(page, "stage")
    drawing = page.locator('#explore .view[data-level="stage"] .canvas:not([hidden]) svg').bounding_box()
    frame = viewport.bounding_box()
    assert frame["x"] - 1 <= drawing["x"] and drawing["x"] + drawing["width"] <= frame["x"] + frame["width"] + 1
    assert frame["y"] - 1 <= drawing["y"] and drawing["y"] + drawing["height"] <= frame["y"] + frame["height"] + 1
    viewport.focus()
    page.keyboard.press("+")
    assert view_state(page, "stage")[0] > kf
    k, x, y = view_state(page, "stage")
    page.keyboard.press("ArrowLeft")
    assert view_state(page, "stage") == (k, pytest.approx(x + 60, abs=0.01), y)  # the drawing moved right, same scale
    page.keyboard.press("0")
    assert view_state(page, "stage")[0] == pytest.approx(kf)


def test_pinch_zooms(b0):
    page = b0.page
    k0 = view_state(page, "stage")[0]
    page.locator('#explore .view[data-level="stage"] .viewport').evaluate("""vp => {
        const r = vp.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
        const fire = (type, id, dx) => vp.dispatchEvent(new PointerEvent(type, {pointerId: id, pointerType: 'touch',
            clientX: x + dx, clientY: y, bubbles: true, isPrimary: id === 1}));
        fire('pointerdown', 1, -40); fire('pointerdown', 2, 40);
        fire('pointermove', 2, 80); fire('pointermove', 2, 120);
        fire('pointerup', 2, 120); fire('pointerup', 1, -40);
    }""")
    assert view_state(page, "stage")[0] == pytest.approx(k0 * 160 / 80, rel=0.02)  # fingers twice as far apart


def test_hovering_a_stage_shows_its_card(b0):
    page = b0.page
    page.mouse.move(*centre(key(page, "cell_0_block2")))
    card = page.locator("#explore .card")
    assert card.is_visible()
    text = card.inner_text()
    assert "block2" in text and "16,714" in text and "54.9 M" in text  # B0's block2: params, MACs
    assert re.search(r"of params, 14\.\d % of MACs", text)
    page.mouse.move(5, 5)
    assert not card.is_visible()


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


def test_a_sub_block_drills_into_its_layers_and_the_breadcrumb_leads_back(b0):
    page = b0.page
    key(page, "cell_0_block2").scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    key(page, "cell_0_block2").click()
    assert page.url.endswith("#stage-block2")
    assert page.evaluate("window.scrollY") == scrolled  # opened in place, not a jump to the table row
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


def test_search_highlights_a_layer(b0):
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
    search.fill("depthwiseconv2d")  # by type: every depthwise conv of B0's 16 sub-blocks
    assert page.locator('#explore .view[data-level="layer"] [data-key].hit').count() == 16


def test_keyboard_reaches_a_stage_and_opens_it(b0):
    page = b0.page
    page.locator('#explore .view[data-level="stage"] .viewport').focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.closest('[data-key]')?.dataset.key")
    assert focused == "cell_0_stem"
    assert page.locator("#explore .card").is_visible() and "stem" in page.locator("#explore .card").inner_text()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.url.endswith("#stage-block1")
    assert page.locator('#explore button[data-show="module"]').get_attribute("aria-pressed") == "true"
