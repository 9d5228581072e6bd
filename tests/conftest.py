"""Shared fixtures, including the golden-file harness (tests/helpers.Golden) and its one update switch: pytest --update-golden."""
from __future__ import annotations

import pytest

from effnet_inspect.arch.specs import OFFICIAL_NAMES

from helpers import Golden


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from the current output (after its invariants pass)")


@pytest.fixture(params=OFFICIAL_NAMES)
def official(request) -> str:
    return request.param


@pytest.fixture
def golden(request) -> Golden:
    return Golden(request.config.getoption("--update-golden"))
