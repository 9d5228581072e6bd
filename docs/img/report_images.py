"""Regenerate the README's report screenshots from the committed reports/: python docs/img/report_images.py

Needs the test extra (Playwright) and Debian's chromium (scripts/setup.sh --test); no browser is downloaded.
Each PNG is reduced to a 256-colour palette so that it stays under 300 KB.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).parent
REPORTS = HERE.parents[1] / "reports"
CHROMIUM = os.environ.get("EFFNET_CHROMIUM", "/usr/bin/chromium")
LIMIT = 300 * 1024


def save(png: bytes, name: str) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, method=Image.MEDIANCUT, dither=Image.NONE)
    image.save(HERE / name, optimize=True)
    size = (HERE / name).stat().st_size
    print(f"{name}: {image.width}x{image.height}, {size // 1024} KiB" + ("  (OVER 300 KB)" if size > LIMIT else ""))


def explorer(page: Page) -> None:
    """Scroll so that the explorer's heading is at the top of the window (under the sticky bar)."""
    page.evaluate("document.querySelector('#explore-title').scrollIntoView()")


def centre(page: Page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def main() -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page.goto((REPORTS / "b0.html").as_uri())
        explorer(page)
        page.mouse.move(*centre(page, '#explore .canvas:not([hidden]) [data-key="cell_0_block6"]'))
        save(page.screenshot(), "report-explorer-card.png")
        page.locator('#explore .canvas:not([hidden]) [data-key="cell_0_block2"]').click()
        page.locator('#explore [data-key="block2a_module3"]').hover()
        explorer(page)
        save(page.screenshot(), "report-explorer-modules.png")
        page.goto((REPORTS / "index.html").as_uri() + "#choose")
        save(page.screenshot(), "report-decision.png")
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.goto((REPORTS / "b7.html").as_uri() + "#stage-block6")
        save(phone.screenshot(), "report-phone.png")
        browser.close()


if __name__ == "__main__":
    main()
