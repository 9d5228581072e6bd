"""Shared fixtures, including the golden-file harness (tests/helpers.Golden) and its one update switch:
pytest --update-golden."""

from __future__ import annotations

import pytest
from helpers import Golden, cached_analysis

from effnet_inspect.arch.specs import OFFICIAL_NAMES


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/ from the current output (after its invariants pass)",
    )


@pytest.fixture(params=OFFICIAL_NAMES)
def official(request) -> str:
    return request.param


@pytest.fixture
def golden(request) -> Golden:
    return Golden(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for every browser test (tests/browser.py)."""
    from browser import CHROMIUM, require_browser

    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def browser_report(tmp_path_factory):
    """A small report (B0, B1, a benchmark page) and a standalone compare page, for the browser tests."""
    from browser import BENCH_EXAMPLE

    from effnet_inspect.bench.schema import load_results
    from effnet_inspect.report import write_compare, write_report

    out = tmp_path_factory.mktemp("report")
    write_report(
        [cached_analysis("b0"), cached_analysis("b1")], out, bench=load_results(BENCH_EXAMPLE), show_progress=False
    )
    write_compare([cached_analysis("b0"), cached_analysis("b4")], out / "standalone" / "b0-b4.html")
    return out


@pytest.fixture(scope="session")
def h200_report(tmp_path_factory):
    """B0 and B1 with the committed H200 benchmark: the decision view with measured speeds."""
    from pathlib import Path

    from effnet_inspect.bench.schema import load_results
    from effnet_inspect.report import write_report

    out = tmp_path_factory.mktemp("h200-report")
    bench = Path(__file__).resolve().parents[1] / "reports" / "bench" / "nvidia-h200.json"
    write_report([cached_analysis("b0"), cached_analysis("b1")], out, bench=load_results(bench), show_progress=False)
    return out
