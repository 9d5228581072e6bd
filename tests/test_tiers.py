"""The test tiers: `scripts/test.sh --fast` leaves out exactly the tiers pyproject.toml declares, and a mark nobody
declared fails (--strict-markers) instead of silently landing in the fast tier."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_fast_leaves_out_every_declared_tier(pytestconfig):
    pyproject = (ROOT / "pyproject.toml").read_text()
    declared = set(re.findall(r'^    "(\w+): ', pyproject.split("markers = [", 1)[1].split("]", 1)[0], re.M))
    expression = re.findall(r'-m "([^"]+)"', (ROOT / "scripts" / "test.sh").read_text())
    assert expression == [" and ".join(f"not {m}" for m in ("slow", "browser", "e2e"))]
    assert declared == {"slow", "browser", "e2e"}
    assert "--strict-markers" in pytestconfig.getini("addopts")
