"""Shared fixtures, including the golden-file harness (tests/helpers.Golden) and its one update switch:
pytest --update-golden."""

from __future__ import annotations

import os

# One CPU thread per test process, set before torch is imported (here, and inherited by the subprocesses tests
# start). pytest -n 2 already runs a process per core: torch's default of a thread per core on top of that puts
# several spinning OpenMP threads on each core, and a shared machine turns that into minutes (a benchmark test took
# 66 s with two threads beside other work and 4.6 s with one). OMP_NUM_THREADS set by the caller wins.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest  # noqa: E402
from helpers import Golden, cached_analysis  # noqa: E402
from hypothesis import settings  # noqa: E402

from effnet_inspect.arch.specs import OFFICIAL_NAMES  # noqa: E402

# CI (.ci/run: --hypothesis-profile=ci --hypothesis-seed=N): new examples every run, as locally, but a failure
# prints the blob that replays it and the run's seed is printed, so any CI failure can be rerun exactly. This
# replaces Hypothesis' own "ci" profile, which would draw the same fixed examples on every run (derandomize).
settings.register_profile("ci", print_blob=True, database=None, deadline=None)


# Fixtures that build a whole report or deck once per process: every test that uses one runs in one xdist worker
# (scripts/test.sh: --dist loadgroup), so the build is not repeated in each.
SHARED_BUILDS = ("browser_report", "h200_report", "deck", "b0_b1", "old_report")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups into the test ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = [name for name in SHARED_BUILDS if name in getattr(item, "fixturenames", ())]
        if used:
            item.add_marker(pytest.mark.xdist_group(used[0]))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/ from the current output (after its invariants pass)",
    )


@pytest.fixture(autouse=True)
def quiet_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """bench warns when the load average is above the cores: in-process tests see a quiet machine (one that
    tests the warning sets the load itself), so what they print does not depend on who else is running."""
    from effnet_inspect.bench import host

    monkeypatch.setattr(host, "load_now", lambda: None)


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
