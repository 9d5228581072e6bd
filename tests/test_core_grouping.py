"""Structural grouping: stem, blocks, sub-blocks and the five module types, for every variant."""

from __future__ import annotations

from helpers import cached_analysis

from effnet_inspect.analysis.rows import module_counts, stage_rows, sub_block_rows
from effnet_inspect.arch.kinds import MODULE_TYPES, LayerKind, ModuleType
from effnet_inspect.arch.specs import VARIANTS, scale


def test_b0_module_counts_match_the_article():
    a = cached_analysis("b0", False)
    assert module_counts(a.grouping) == {
        "expansion": 15,
        "module1": 12,
        "module2": 4,
        "module3": 16,
        "module4": 7,
        "module5": 9,
    }
    stem, top = a.grouping.stages[0], a.grouping.stages[-1]
    assert (len(stem.layers), len(top.layers)) == (7, 3)
    sizes = {t: 0 for t in MODULE_TYPES}
    for block in a.grouping.sub_blocks:
        for m in block.modules:
            sizes[m.type] += len(m.layers)
    assert sizes == {
        ModuleType.EXPANSION: 45,
        ModuleType.MODULE1: 36,
        ModuleType.MODULE2: 16,
        ModuleType.MODULE3: 64,
        ModuleType.MODULE4: 21,
        ModuleType.MODULE5: 45,
    }
    assert 7 + 3 + sum(sizes.values()) == 237


def test_every_layer_in_exactly_one_group(official):
    a = cached_analysis(official)
    grouped = [n for s in a.grouping.stages for n in s.layers]
    assert sorted(grouped) == sorted(a.graph.nodes) and len(set(grouped)) == len(grouped)
    for stage in a.grouping.blocks:
        assert [n for b in stage.sub_blocks for n in b.layers] == list(stage.layers)


def test_groups_agree_with_the_spec_and_keras_names(official):
    """Grouping never reads names, so Keras' names are an independent check of it."""
    a = cached_analysis(official)
    spec = scale(VARIANTS[official])
    assert [s.name for s in a.grouping.stages] == ["stem", *(f"block{i}" for i in range(1, 8)), "top"]
    assert [len(s.sub_blocks) for s in a.grouping.blocks] == [s.repeats for s in spec.stages]
    for block, expected in zip(a.grouping.sub_blocks, spec.sub_blocks):
        assert block.name == expected.name
        assert all(n.startswith(block.name + "_") for n in block.layers)
        assert block.has_skip == expected.has_skip and block.stride == expected.stride
        assert block.kernel_size == expected.kernel_size
        assert block.kind == (1 if expected.global_index == 0 else 2 if expected.index == 0 else 3)


def test_module_types_follow_the_layers_present(official):
    a = cached_analysis(official)
    for block in a.grouping.sub_blocks:
        kinds = {m.type: [a.graph.nodes[n]["layer"].kind for n in m.layers] for m in block.modules}
        first = ModuleType.MODULE2 if block.stride == 2 else ModuleType.MODULE1
        assert first in kinds
        assert (kinds[first][0] is LayerKind.PAD) == (first is ModuleType.MODULE2)
        assert kinds[ModuleType.MODULE3] == [LayerKind.GLOBAL_POOL, LayerKind.RESHAPE, LayerKind.CONV, LayerKind.CONV]
        last = ModuleType.MODULE5 if block.has_skip else ModuleType.MODULE4
        assert kinds[last][:3] == [LayerKind.MULTIPLY, LayerKind.CONV, LayerKind.BATCH_NORM]
        assert (kinds[last][-1] is LayerKind.ADD) == block.has_skip


def test_block1_of_b1_has_residual_sub_blocks_without_expansion():
    rows = [r for r in sub_block_rows(cached_analysis("b1")) if r.stage == "block1"]
    assert [r.modules for r in rows] == [["module1", "module3", "module4"], ["module1", "module3", "module5"]]
    assert [r.kind for r in rows] == [1, 3]


def test_stage_rows_describe_b0():
    rows = {r.stage: r for r in stage_rows(cached_analysis("b0"))}
    assert (rows["stem"].in_resolution, rows["stem"].out_resolution, rows["stem"].out_channels) == (224, 112, 32)
    b6 = rows["block6"]
    assert (b6.repeats, b6.kernel_size, b6.stride, b6.expand_ratio) == (4, 5, 2, 6)
    assert (b6.in_channels, b6.out_channels, b6.in_resolution, b6.out_resolution) == (112, 192, 14, 7)
    assert sum(r.params for r in rows.values()) == 5_288_548
