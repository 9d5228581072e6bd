"""Issue 18 in the report and the deck: the memory section of a variant page, the decision view's training batches,
the memory slide; every number in their sentences comes from the memory records."""

from __future__ import annotations

import pytest
from helpers import cached_analysis

from effnet_inspect.analysis.capacity import parse_capacity
from effnet_inspect.analysis.memory_rows import MemoryLevel, MemoryOptions, memory_row, part_rows
from effnet_inspect.render.numbers import mebibytes, share
from effnet_inspect.report.data import Writer, variant_data
from effnet_inspect.report.decision import decisions
from effnet_inspect.report.memory_section import DECISION_CARDS, memory_chart, memory_section


@pytest.mark.parametrize("variant", ["b0", "b7"])
def test_variant_section_says_what_the_records_say(tmp_path, variant):
    (v,) = variant_data([cached_analysis(variant)])
    section = memory_section(Writer(tmp_path), v)
    assert section is not None
    cards = tuple((label, parse_capacity(card)) for label, card in DECISION_CARDS)
    row = memory_row(v.analysis, MemoryOptions(fit=cards))
    stages = part_rows(v.analysis, MemoryOptions(), MemoryLevel.STAGE)
    most = max(stages, key=lambda s: s.activations_per_image)
    text = " ".join(section.sentences)
    assert f"keeps {mebibytes(row.activations_per_image)} MiB per image" in text
    assert f"Stage {most.stage} ({most.resolution}" in text
    assert f"keeps {share(most.activations_per_image, row.activations_per_image)} of those activations" in text
    for label, batch in row.largest_batch.items():
        assert f"{label} card, {batch} images" in text
    assert [r.cells[0] for r in section.table.rows] == [s.stage for s in stages]


def test_memory_chart_is_deterministic():
    stages = part_rows(cached_analysis("b0"), MemoryOptions(), MemoryLevel.STAGE)
    assert memory_chart(stages) == memory_chart(stages) and "<svg" in memory_chart(stages, narrow=True)


def test_decision_view_has_the_training_batches_of_the_memory_command():
    variants = variant_data([cached_analysis("b0"), cached_analysis("b3")])
    rows, _ = decisions(variants, [])
    cards = tuple((label, parse_capacity(card)) for label, card in DECISION_CARDS)
    for d, v in zip(rows, variants):
        assert d.training_batch == memory_row(v.analysis, MemoryOptions(fit=cards)).largest_batch
    assert rows[0].training_batch["16 GB"] > rows[1].training_batch["16 GB"] > 0


def test_memory_slide_notes_come_from_the_records():
    from effnet_inspect.slides.memory import memory

    analyses = [cached_analysis("b0"), cached_analysis("b2")]
    ((name, make),) = memory(analyses)
    slide = make()
    last = memory_row(analyses[-1], MemoryOptions())
    assert name == "memory" and slide.figure is not None
    assert f"{last.activations_per_image / last.weights:.1f} as much" in slide.notes[0]
    assert "B0" in slide.notes[-1] and "B2" in slide.notes[-1]
