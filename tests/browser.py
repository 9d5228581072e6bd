"""Headless Chromium for the report's browser tests: Debian's /usr/bin/chromium driven by Playwright (no browser is
downloaded). conftest.py starts one browser per test session and writes one small report for all browser tests.

Without Chromium (or Playwright) the browser tests are skipped, except under CI (env CI set), where that is a
failure: scripts/setup.sh --test installs both.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("EFFNET_CHROMIUM", "/usr/bin/chromium"))
BENCH_EXAMPLE = Path(__file__).parent / "data" / "bench_cpu_example.json"


def require_browser() -> None:
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


class Opened:
    """A page loaded from disk, with everything the browser complained about or tried to fetch."""

    def __init__(
        self,
        browser,
        path: Path,
        width: int = 1280,
        height: int = 900,
        javascript: bool = True,
        fragment: str = "",
        touch: bool = False,
    ):
        """touch: a phone's touch screen (touch events, taps, no hover) instead of a mouse."""
        self.path = path
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.context = browser.new_context(
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
            has_touch=touch,
            is_mobile=touch,
        )
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed to load {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri() + fragment, wait_until="load")

    def rows(self, table_id: str) -> int:
        return self.page.locator(f"#{table_id} tbody tr").count()

    def close(self) -> None:
        self.context.close()
