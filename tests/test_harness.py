"""The test harness itself: under `--dist loadgroup` (scripts/test.sh) a test's xdist group must reach its id, or
each worker builds every shared report (conftest.SHARED_BUILDS) again and the suite takes much longer."""

from __future__ import annotations

import pytest


@pytest.mark.xdist_group("harness")
def test_xdist_groups_reach_the_test_ids(request):
    if not getattr(request.config.option, "loadgroup", False):  # what pytest-xdist's workers are told
        pytest.skip("runs under pytest-xdist --dist loadgroup (scripts/test.sh)")
    assert request.node.nodeid.endswith("@harness"), (
        f"{request.node.nodeid}: pytest-xdist did not add the group; see the pytest pin in pyproject.toml"
    )
