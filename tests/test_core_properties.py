"""Property tests over custom compound-scaled variants: partitions, sums and shape chains always hold."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from effnet_inspect.analysis.measure import analyze
from effnet_inspect.analysis.rows import family_row, stage_rows, sub_block_rows
from effnet_inspect.arch.specs import custom_variant, scale

variants = st.builds(
    custom_variant,
    width=st.floats(0.25, 2.5, allow_nan=False),
    depth=st.floats(0.3, 3.0, allow_nan=False),
    resolution=st.integers(32, 320),
)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _layer_count(spec, include_top: bool) -> int:
    count = 7 + 3 + (3 if include_top else 0)
    for b in spec.sub_blocks:
        count += 10 + 3 * (b.expand_ratio != 1) + (b.stride == 2) + ((b.drop_rate > 0) + 1 if b.has_skip else 0)
    return count


@SETTINGS
@given(variant=variants, include_top=st.booleans())
def test_partition_and_sums(variant, include_top):
    a = analyze(variant, include_top=include_top)
    spec = scale(variant)
    layers = a.layers()
    assert len(layers) == _layer_count(spec, include_top)
    grouped = [n for s in a.grouping.stages for n in s.layers]
    assert sorted(grouped) == sorted(a.graph.nodes)
    assert [len(s.sub_blocks) for s in a.grouping.blocks] == [s.repeats for s in spec.stages]
    family = family_row(a)
    stages = stage_rows(a)
    assert sum(r.params for r in stages) == family.params == sum(layer.params for layer in layers)
    assert sum(r.macs for r in stages) == family.macs
    assert sum(r.layers for r in sub_block_rows(a)) + stages[0].layers + stages[-1].layers == family.layers
    assert sum(family.module_counts[k] for k in ("module1", "module2")) == family.sub_blocks


@SETTINGS
@given(variant=variants)
def test_shapes_chain(variant):
    a = analyze(variant, include_top=True)
    for src, dst in a.graph.edges:
        source, target = a.graph.nodes[src]["layer"], a.graph.nodes[dst]["layer"]
        if a.graph.in_degree(dst) == 1:
            assert target.in_shape == source.shape, (src, dst)
    rows = stage_rows(a)
    for before, after in zip(rows, rows[1:]):
        assert before.out_channels == after.in_channels
        assert before.out_resolution == after.in_resolution
    assert rows[0].in_resolution == variant.resolution
    assert a.layers()[-1].shape == (1, 1000)
