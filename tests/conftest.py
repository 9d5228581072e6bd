"""Shared fixtures: analyses are deterministic, so one per (variant, top) is built per test session."""
from __future__ import annotations

import functools

import pytest

from effnet_inspect.analysis.measure import Analysis, analyze
from effnet_inspect.arch.specs import OFFICIAL_NAMES


@functools.lru_cache(maxsize=None)
def cached_analysis(variant: str, include_top: bool = True) -> Analysis:
    return analyze(variant, include_top=include_top)


@pytest.fixture(params=OFFICIAL_NAMES)
def official(request) -> str:
    return request.param
