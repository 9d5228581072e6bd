"""How our MACs relate to fvcore's count (real forward passes, so only small inputs)."""

from __future__ import annotations

import pytest

from effnet_inspect.analysis.measure import analyze
from effnet_inspect.analysis.rows import table_rows
from effnet_inspect.arch.kinds import LayerKind
from effnet_inspect.render.tables import Level


@pytest.mark.parametrize("variant,resolution", [("b0", 224), ("w=0.5,d=0.5,r=96", 96), ("b3", 64)])
def test_fvcore_counts_our_macs_plus_two_ops_per_batch_norm_element(variant, resolution):
    """fvcore counts a multiply-add as one flop (our MACs), adds scale+shift per batch-norm element at inference,
    and ignores activations, the SE multiply, adds and mean() pooling."""
    [row] = table_rows([variant], Level.FAMILY, resolution=resolution, fvcore=True)
    a = analyze(variant, resolution=resolution)
    bn = sum(layer.elementwise for layer in a.layers() if layer.kind is LayerKind.BATCH_NORM)
    assert row.fvcore_flops == row.macs + 2 * bn


def test_without_the_fvcore_extra_one_line_names_it(monkeypatch, capsys):
    import sys

    from effnet_inspect.cli import main

    monkeypatch.setitem(sys.modules, "fvcore.nn", None)  # import fails as if the extra were not installed
    assert main(["table", "b0", "--fvcore"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--fvcore needs fvcore" in err and "effnet-inspect[fvcore]" in err
