"""The module level cut at stage boundaries: a figure too big for one slide becomes several, each a run of whole
stages (stem, blocks, top) drawn as in `diagram --level module`, with stubs naming the neighbouring parts and the
key of its edge styles. Pieces are as long as still fits the page legibly, found by drawing them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from effnet_inspect.analysis.group import StageGroup
from effnet_inspect.analysis.measure import Analysis, totals
from effnet_inspect.drawing import keys
from effnet_inspect.drawing.dot import RankDir
from effnet_inspect.drawing.focus import surround
from effnet_inspect.drawing.marks import SE_STYLE
from effnet_inspect.drawing.module import Drawing, module_box
from effnet_inspect.drawing.style import STEM_COLOR, TOP_COLOR, Look, new_graph, title_label
from effnet_inspect.render.numbers import compact


class TooBig(ValueError):
    """A single stage does not fit the page legibly: the caller says so in its own words."""

    def __init__(self, stage: str, dot: str):
        super().__init__(f"{stage} alone does not fit")
        self.stage, self.dot = stage, dot


def part_title(a: Analysis, stages: Sequence[StageGroup], number: int, count: int) -> tuple[str, str]:
    first, last = stages[0].name, stages[-1].name
    span = first if first == last else f"{first} \u2013 {last}"
    layers = totals(a.layers([n for s in stages for n in s.layers]))
    return (
        f"{a.title} by module, part {number} of {count}: {span}",
        f"{layers.layers} layers  \u00b7  {compact(layers.params)} params  \u00b7  identical sub-blocks drawn once",
    )


def stages_dot(
    a: Analysis,
    stages: Sequence[StageGroup],
    look: Look,
    rankdir: RankDir = RankDir.TB,
    heading: tuple[str, str] | None = None,
) -> str:
    """Consecutive stages at module level, with stubs to what lies outside them."""
    graph = new_graph(
        f"{a.name}_{stages[0].name}_{stages[-1].name}",
        rankdir,
        nodesep=0.22 * look.scale,
        ranksep=0.3 * look.scale,
        title=title_label(*heading, look) if heading else "",
        look=look,
    )
    drawing = Drawing(rankdir, look, branch_style=SE_STYLE)
    everything = a.grouping.stages
    for stage in stages:
        if stage.sub_blocks:
            drawing.stage(graph, a, stage, expand_all=False)
            continue
        color = STEM_COLOR if stage is everything[0] else TOP_COLOR
        box = keys.end_box(stage.name)
        module_box(graph, box, a, stage.name.capitalize(), stage.layers, color, look)
        drawing.node_of.update({n: box for n in stage.layers})
        drawing.lines.append([box])
    surround(graph, a, drawing, {n for s in stages for n in s.layers}, look)
    return graph.source


def split_module_level(
    a: Analysis, look: Look, fits: Callable[[str], bool], rankdir: RankDir = RankDir.TB, title: bool = True
) -> list[tuple[str, tuple[StageGroup, ...]]]:
    """(DOT source, its stages) of the fewest pieces, each of whole stages and each passing `fits` (TooBig if a
    stage alone fails): the longest run from the start that fits, then the next."""
    stages = a.grouping.stages
    runs: list[tuple[int, int]] = []
    start = 0
    while start < len(stages):
        end = start + 1
        while end < len(stages) and fits(_draw(a, stages[start : end + 1], look, rankdir, title, 9, 9)):
            end += 1
        if end == start + 1 and not fits(_draw(a, stages[start:end], look, rankdir, title, 9, 9)):
            raise TooBig(stages[start].name, _draw(a, stages[start:end], look, rankdir, title, 9, 9))
        runs.append((start, end))
        start = end
    return [
        (_draw(a, stages[i:j], look, rankdir, title, n, len(runs)), stages[i:j]) for n, (i, j) in enumerate(runs, 1)
    ]


def _draw(a: Analysis, stages: Sequence[StageGroup], look: Look, rankdir: RankDir, title: bool, n: int, of: int) -> str:
    return stages_dot(a, stages, look, rankdir, part_title(a, stages, n, of) if title else None)
