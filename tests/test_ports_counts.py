"""Every count the verdict states, held to the port's own rows, for every port in tests/ports; and every port's
MAC total held to torch.utils.flop_counter on real tensors."""

from __future__ import annotations

import importlib
import re

import networkx as nx
import pytest
import torch
from helpers import cached_analysis, cached_inspection
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.rows import stage_rows, sub_block_rows
from effnet_inspect.analysis.trace import trace
from effnet_inspect.ports.differences import Difference
from effnet_inspect.ports.structure import structure
from effnet_inspect.ports.verdict import closest_variant
from tests.ports import PORTS

JUDGED = sorted(spec for spec, expected in PORTS.items() if expected is not None)
SUBJECT = re.compile(r"block(\d+)([a-z]*)(?:\u2013(\d+)([a-z]*))?")
COUNT = re.compile(r"\((\d+) sub-blocks\)|all (\d+) sub-blocks")


def _kernels(sizes: tuple[int, ...]) -> str:
    texts = [f"{k}x{k}" for k in sizes]
    return texts[0] if len(texts) == 1 else "mixed " + "/".join(texts)


def facts_of(a: Analysis) -> dict[str, dict[str, str]]:
    """By fact and sub-block name, the value the model's own rows (and grouping) give."""
    groups = {b.name: b for b in a.grouping.sub_blocks}
    values: dict[str, dict[str, str]] = {k: {} for k in ("kernels", "expansion", "skip", "gate", "type", "weights")}
    for row in sub_block_rows(a):
        b = groups[row.sub_block]
        values["kernels"][row.sub_block] = _kernels(b.kernel_sizes)
        values["expansion"][row.sub_block] = f"{row.expand_ratio:g}"
        values["skip"][row.sub_block] = "yes" if row.has_skip else "no"
        values["gate"][row.sub_block] = "present" if "module3" in row.modules else "none"
        values["type"][row.sub_block] = b.type.value
        values["weights"][row.sub_block] = "CondConv" if b.dynamic_convs else "fixed"
    return values


def holds(value: str, stated: str) -> bool:
    """The value is the stated one, within a stated range ('2.3 to 4'), or one of a stated list ('a, b or c')."""
    if " to " in stated:
        low, high = (float(v) for v in stated.split(" to "))
        return low <= float(value) <= high
    return value == stated or value in re.split(r", | or ", stated)


def named(text: str, names: list[str]) -> list[str]:
    """The sub-blocks (or blocks) a sentence's subject names, spelt out: 'block3, block5a–6b', 'all 16 sub-blocks'."""
    subject = text.split("; ")[0]
    if (counted := COUNT.search(subject)) and counted.group(2):
        return names

    def of(number: str, letter: str) -> list[str]:
        pattern = f"block{number}{letter}" if letter or names[0][-1].isdigit() else f"block{number}[a-z]+"
        return [n for n in names if re.fullmatch(pattern, n)]

    found: list[str] = []
    for first, letter, last, last_letter in SUBJECT.findall(subject):
        start, end = of(first, letter)[0], of(last or first, last_letter if last else letter)[-1]
        found += names[names.index(start) : names.index(end) + 1]
    return found


@pytest.mark.slow
@pytest.mark.parametrize("spec", JUDGED)
def test_every_counted_sentence_matches_the_ports_own_rows(spec):
    """Each sentence about sub-blocks or blocks names exactly the members it stands for, counts them right, and
    each member's own row has the value it states; every sub-block that differs from its counterpart is said."""
    a = cached_inspection(spec).analysis
    variant, differences = closest_variant(structure(a), a.include_top)
    sub_blocks, blocks = [b.name for b in a.grouping.sub_blocks], [s.name for s in a.grouping.blocks]
    values, stages = facts_of(a), {r.stage: r for r in stage_rows(a)}
    block_values = {"sub-blocks": "repeats", "channels": "out_channels", "stride": "stride"}
    for d in (d for d in differences if d.members):
        names = sub_blocks if d.members[0] in sub_blocks else blocks
        assert named(d.text, names) == list(d.members), d.text
        count = COUNT.search(d.text.split("; ")[0])
        if len(d.members) > 1 and names is sub_blocks:
            assert count is not None and int(count.group(1) or count.group(2)) == len(d.members), d.text
        for member in d.members:
            if d.key in block_values:
                assert holds(str(getattr(stages[member], block_values[d.key])), d.ours), d.text
            elif d.key in values:
                own = values[d.key][member]
                assert holds(own, d.ours) or (d.key == "gate" and own == "present" != d.ours), d.text
    _every_difference_is_said(a, cached_analysis(variant, a.include_top), differences)


def _every_difference_is_said(a: Analysis, ref: Analysis, differences: list[Difference]) -> None:
    """The counterpart of a sub-block: the reference's at the same place, or the last of that block, or (for a
    block the reference lacks) its last sub-block, for what every reference sub-block has."""
    ours, theirs = facts_of(a), facts_of(ref)
    said = {key: {m for d in differences if d.key == key for m in d.members} for key in ours}
    ref_blocks = [[b.name for b in s.sub_blocks] for s in ref.grouping.blocks]
    for b in a.grouping.sub_blocks:
        if b.stage <= len(ref_blocks):
            counterpart, keys = ref_blocks[b.stage - 1][min(b.index, len(ref_blocks[b.stage - 1]) - 1)], list(ours)
        else:
            counterpart, keys = ref_blocks[-1][-1], ["gate", "type", "weights"]
        for key in keys:
            if key == "expansion" and ours["type"][b.name] != theirs["type"][counterpart]:
                continue  # the type says it
            if ours[key][b.name] != theirs[key][counterpart]:
                assert b.name in said[key], (key, b.name)


# -------------------------------------------------------------------------------------- against flop_counter
def _build(spec: str) -> torch.nn.Module:
    module, attribute = spec.split(":")
    factory = importlib.import_module(module)
    for part in attribute.split("."):
        factory = getattr(factory, part)
    torch.manual_seed(0)
    return factory().eval()


@pytest.mark.slow
@pytest.mark.parametrize("spec", JUDGED)
def test_every_ports_macs_equal_flop_counter_on_real_tensors(spec):
    """FlopCounterMode counts 2 per multiply-accumulate of convolutions and matrix products (mm, bmm, addmm, the
    matmuls of attention and of CondConv's expert mixing); the registry's MACs must account for all of them."""
    model = _build(spec)
    graph: nx.DiGraph = trace(model, 64)
    macs = sum(graph.nodes[n]["layer"].macs for n in graph)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.randn(1, 3, 64, 64))
    assert 2 * macs == counter.get_total_flops() > 0


class _Products(nn.Module):
    """Every way of writing a matrix product the registry knows, on a feature map (N, C, H, W)."""

    def __init__(self, equation: str) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.weight = nn.Parameter(torch.randn(8, 8))
        self.equation = equation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)  # (1, 8, 6, 6)
        rows = y.flatten(2)  # (1, 8, 36)
        gram = rows @ rows.transpose(1, 2)  # (1, 8, 8)
        mixed = torch.bmm(gram, torch.matmul(gram, rows))  # (1, 8, 36)
        folded = torch.addmm(self.weight, mixed[0, :, :8], gram[0])  # (8, 8)
        return torch.einsum(self.equation, rows, gram) + folded[0, 0]


@pytest.mark.parametrize(
    "equation", ["bct,bcd->bdt", "bct,bdc", "...ct,...cd->...dt", "...t,...dc->...dt", "bct,bce->be"]
)
def test_matrix_products_and_einsum_are_counted_as_flop_counter_counts_them(equation):
    model = _Products(equation).eval()
    graph = trace(model, 8)
    layers = [graph.nodes[n]["layer"] for n in graph]
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.randn(1, 3, 8, 8))
    assert graph.graph["unknown"] == {} and 2 * sum(layer.macs for layer in layers) == counter.get_total_flops()


def test_an_einsum_of_three_operands_is_reported_not_charged_in_silence():
    class Three(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.einsum("bchw,bchw,bchw->bc", x, x, x)

    assert trace(Three(), 4).graph["unknown"] == {"einsum": 1}
