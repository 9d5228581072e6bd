"""Issue 18: the memory analysis against autograd itself (saved_tensors_hooks on a real forward pass), and the
step replay's own promises (largest batch, checkpointing, inference)."""

from __future__ import annotations

import pytest
from helpers import cached_analysis

from effnet_inspect.analysis.capacity import parse_capacity, usable
from effnet_inspect.analysis.measure import analyze, analyze_model
from effnet_inspect.analysis.memory import ZERO, Device, DType, kept_by, kept_total, layer_memory
from effnet_inspect.analysis.memory_rows import MemoryLevel, MemoryOptions, memory_row, part_rows
from effnet_inspect.analysis.peak import (
    Optimizer,
    inference_moments,
    largest_batch,
    peak,
    recomputed_macs,
    training_moments,
)
from effnet_inspect.bench.memory_check import saved_bytes
from effnet_inspect.model.build import build
from tests.ports import tf_port_style, timm_mobilenetv3, timm_style, torchvision_style

TINY = "w=0.25,d=0.25,r=64"  # 2x2 at the end: training batch norm needs more than one value


def assert_matches_autograd(model, a, dtype: DType, tolerance: float) -> None:
    """Total and every stage within tolerance of what autograd records; nothing recorded outside the stages."""
    predicted = {s: b.at(1) for s, b in kept_by(layer_memory(a, dtype, Device.CPU), "stage").items()}
    recorded = saved_bytes(model, a, dtype)
    assert set(recorded.by_stage) <= set(predicted)
    assert abs(sum(predicted.values()) - recorded.total) <= tolerance * recorded.total
    for stage, size in predicted.items():
        assert abs(size - recorded.by_stage.get(stage, 0)) <= tolerance * max(1, recorded.by_stage.get(stage, 0)), stage


@pytest.mark.parametrize("dtype", [DType.FP32, DType.BF16])
def test_tiny_variant_keeps_what_autograd_keeps(dtype):
    assert_matches_autograd(build(TINY), analyze(TINY), dtype, 0.0)


@pytest.mark.slow
@pytest.mark.parametrize("dtype,tolerance", [(DType.FP32, 0.01), (DType.BF16, 0.02)])
def test_b0_keeps_what_autograd_keeps(dtype, tolerance):
    assert_matches_autograd(build("b0"), cached_analysis("b0"), dtype, tolerance)


@pytest.mark.slow
@pytest.mark.parametrize(
    "factory,dtype,tolerance",
    [
        (torchvision_style.efficientnet_b0, DType.FP32, 0.01),
        (torchvision_style.efficientnet_b0, DType.BF16, 0.02),
        (tf_port_style.make, DType.FP32, 0.01),  # pads inside its Conv2d subclass: the padded copy is what is kept
    ],
)
def test_ports_keep_what_autograd_keeps(factory, dtype, tolerance):
    model = factory()  # at 160 px: the same layers and rules as at 224, a third less work
    assert_matches_autograd(model, analyze_model(model.eval(), 160, "port"), dtype, tolerance)


@pytest.mark.parametrize(
    "factory",
    [
        timm_style.mixnet_s,  # mixed kernels: split, convolutions, concatenation
        timm_style.gc_efficientnetv2_rw_t,  # global context: matmul of a softmax (keeps its output)
        timm_style.efficientnet_cc_b0_4e,  # CondConv: routing weights mixed into the experts by a matrix product
        timm_mobilenetv3.mobilenetv3_large_100,  # hard-swish, ReLU, hard-sigmoid gates
        timm_style.efficientnet_b0_gn,  # group norm
    ],
)
def test_the_zoos_other_forms_keep_what_autograd_keeps(factory):
    model = factory().eval()  # at 128 px: every stage still more than 1x1
    assert_matches_autograd(model, analyze_model(model, 128, "port"), DType.FP32, 0.01)


def test_records_add_up_per_layer_sub_block_stage_and_model():
    a = cached_analysis("b0")
    rows = layer_memory(a)
    total = kept_total(rows)
    assert sum(kept_by(rows, "stage").values(), ZERO) == total
    options = MemoryOptions(batch_size=3)
    stages = part_rows(a, options, MemoryLevel.STAGE, rows)
    layers = part_rows(a, options, MemoryLevel.LAYER, rows)
    assert sum(r.activations for r in stages) == sum(r.activations for r in layers) == total.at(3)
    assert sum(r.params for r in layers) == 5_288_548
    row = memory_row(a, options, rows)
    assert row.activations == total.at(3) and row.gradients == 4 * row.params
    assert row.optimizer_state == 2 * row.gradients  # Adam: two moments per parameter


def test_activations_sit_early_and_parameters_late():
    """The issue's why: high-resolution stages hold the activations, the late ones the parameters."""
    for variant in ("b0", "b7"):
        stages = part_rows(cached_analysis(variant), MemoryOptions(), MemoryLevel.STAGE)
        most_activations = max(stages, key=lambda r: r.activations)
        most_weights = max(stages, key=lambda r: r.weights)
        assert most_activations.resolution > most_weights.resolution


@pytest.mark.parametrize("variant", ["b0", "b4"])
@pytest.mark.parametrize("optimizer", list(Optimizer))
def test_largest_batch_fits_and_the_next_does_not(variant, optimizer):
    rows = layer_memory(cached_analysis(variant))
    moments = training_moments(rows, optimizer)
    capacity = usable(parse_capacity("16GiB"))
    batch = largest_batch(moments, capacity)
    assert batch > 0
    assert peak(moments, batch).total.at(batch) <= capacity < peak(moments, batch + 1).total.at(batch + 1)


def test_optimizer_state_orders_the_peaks():
    rows = layer_memory(cached_analysis("b0"))
    peaks = [peak(training_moments(rows, o), 8).total.at(8) for o in Optimizer]
    assert peaks == sorted(peaks) and peaks[0] < peaks[-1]


def test_checkpointing_a_stage_trades_memory_for_its_macs():
    a = cached_analysis("b0")
    rows = layer_memory(a)
    plain = peak(training_moments(rows, Optimizer.SGD), 32).total.at(32)
    checkpointed = peak(training_moments(rows, Optimizer.SGD, frozenset({"block2"})), 32).total.at(32)
    assert checkpointed < plain
    assert recomputed_macs(rows, ["block2"]) == next(
        s.macs for s in part_rows(a, MemoryOptions(), MemoryLevel.STAGE) if s.stage == "block2"
    )


def test_auto_checkpoint_makes_the_batch_fit_at_the_fewest_macs():
    a = cached_analysis("b0")
    card = parse_capacity("16GiB")
    plain = memory_row(a, MemoryOptions(fit=(("16GiB", card),)))
    batch = 2 * plain.largest_batch["16GiB"]
    row = memory_row(a, MemoryOptions(batch_size=batch, fit=(("16GiB", card),), checkpoint=("auto",)))
    assert row.checkpoint and row.peak <= usable(card) < row.peak_without_checkpoint
    assert row.largest_batch["16GiB"] >= batch
    # no single stage that recomputes fewer MACs makes it fit
    for stage in ("stem", "block1", "block2", "block3", "block4", "block5", "block6", "block7", "top"):
        single = memory_row(a, MemoryOptions(batch_size=batch, checkpoint=(stage,)))
        if single.recomputed_macs < row.recomputed_macs:
            assert single.peak > usable(card)


def test_inference_holds_far_less_than_training():
    rows = layer_memory(cached_analysis("b3"))
    training = peak(training_moments(rows, Optimizer.NONE), 1).total
    inference = peak(inference_moments(rows), 1).total
    assert inference.per_image < training.per_image / 5


def test_autocast_halves_activations_and_keeps_weight_copies():
    a = cached_analysis("b0")
    fp32, bf16 = (kept_total(layer_memory(a, d)) for d in (DType.FP32, DType.BF16))
    assert bf16.per_image * 2 == pytest.approx(fp32.per_image, rel=0.001)
    assert bf16.fixed > fp32.fixed  # the bf16 copies of the convolution weights


def test_a_new_kind_is_one_registry_entry_max_pooling_keeps_input_and_indices():
    """MaxPooling2D (ResNet's stem) is one entry: its input and int64 indices, what autograd keeps, in no stage."""
    from torch import nn

    from effnet_inspect.analysis.group import Grouping, StageGroup
    from effnet_inspect.analysis.measure import Analysis
    from effnet_inspect.analysis.trace import trace

    model = nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(inplace=True), nn.MaxPool2d(2), nn.Conv2d(8, 4, 1)
    )
    graph = trace(model, 16)
    a = Analysis("pooled", 16, False, graph, Grouping((StageGroup("", tuple(graph.nodes)),)))
    assert a.unknown == {}
    pool = next(r for r in layer_memory(a, DType.FP32, Device.CPU) if r.name == "3")
    assert [k for k, _ in pool.kept] == ["3:indices"] and pool.kept[0][1].per_image == 8 * 7 * 7 * 8
    assert_matches_autograd(model, a, DType.FP32, 0.0)
