"""The golden harness itself: --update-golden never writes, and never passes, an output that breaks its invariants."""

from __future__ import annotations

import pytest
from helpers import Golden


def test_update_mode_still_fails_on_a_wrong_output(tmp_path):

    def invariants(text: str) -> None:
        assert "Total params: 5,288,548" in text

    with pytest.raises(AssertionError):
        Golden(update=True).check("summary.txt", "Total params: 1", invariants, tmp_path)
    assert not (tmp_path / "summary.txt").exists()
    Golden(update=True).check("summary.txt", "Total params: 5,288,548", invariants, tmp_path)
    Golden(update=False).check("summary.txt", "Total params: 5,288,548", invariants, tmp_path)
    with pytest.raises(AssertionError):
        Golden(update=False).check("summary.txt", "Total params: 5,288,548 ", invariants, tmp_path)
