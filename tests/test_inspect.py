"""Inspecting other implementations: loading by factory, tracing real-world code, structural grouping,
Keras-equivalent layers and the conformance verdict. The implementations are in tests/ports/ (no torchvision /
timm needed); they are written from each project's conventions and the published rules, not from our builder.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from helpers import cached_analysis

from effnet_inspect.analysis.fuse import fuse_swish
from effnet_inspect.analysis.measure import analyze
from effnet_inspect.analysis.rows import module_counts, stage_rows
from effnet_inspect.analysis.trace import Tracer, _layer_graph, trace
from effnet_inspect.arch.kinds import LayerKind
from effnet_inspect.cli import main
from effnet_inspect.errors import InputError
from effnet_inspect.ports.factory import load, parse_factory
from effnet_inspect.ports.keras import keras_equivalent
from effnet_inspect.ports.verdict import Inspection, inspect_factory

ROOT = Path(__file__).resolve().parents[1]
TV = "tests.ports.torchvision_style"
TF = "tests.ports.tf_port_style"


@functools.cache
def inspected(spec: str, kwargs: str | None = None, resolution: int | None = None) -> Inspection:
    return inspect_factory(parse_factory(spec, kwargs), resolution)


def tf_kwargs(variant: str, **extra) -> str:
    return json.dumps({"model_name": f"efficientnet-{variant}", **extra})


# Faithful ports: (factory, kwargs, the variant they implement, our builder's include_top, tracer expected)
FAITHFUL = {
    "torchvision b0": (f"{TV}:efficientnet_b0", None, "b0", True, Tracer.FX),
    "torchvision b3": (f"{TV}:efficientnet_b3", None, "b3", True, Tracer.FX),
    "torchvision b0 no top": (f"{TV}:efficientnet_b0", '{"include_top": false}', "b0", False, Tracer.FX),
    "tf port b0 (Linear SE)": (f"{TF}:make", None, "b0", True, Tracer.FX),
    "tf port b3 (functional conv, Linear SE)": (
        f"{TF}:EfficientNet.from_name",
        tf_kwargs("b3", conv="functional"),
        "b3",
        True,
        Tracer.RECORDED,
    ),
    "tf port b0 no top (functional conv, conv SE)": (
        f"{TF}:EfficientNet.from_name",
        tf_kwargs("b0", conv="functional", se="conv", include_top=False),
        "b0",
        False,
        Tracer.RECORDED,
    ),
}


@pytest.fixture(params=sorted(FAITHFUL), ids=str)
def faithful(request):
    spec, kwargs, variant, include_top, tracer = FAITHFUL[request.param]
    return inspected(spec, kwargs), cached_analysis(variant, include_top), variant, tracer


# ------------------------------------------------------------------------------------------- faithful ports
def test_faithful_port_matches_its_variant(faithful):
    found, ours, variant, _ = faithful
    assert found.conformance.matched_variant == variant
    assert found.conformance.differences == []
    assert found.analysis.resolution == ours.resolution  # default: the matched variant's own


def test_faithful_port_has_our_parameters_macs_and_modules_in_every_stage(faithful):
    found, ours, _, _ = faithful
    mine, theirs = stage_rows(found.analysis), stage_rows(ours)
    assert [r.stage for r in mine] == [r.stage for r in theirs]
    for a, b in zip(mine, theirs):
        assert (
            a.stage,
            a.params,
            a.macs,
            a.repeats,
            a.in_channels,
            a.out_channels,
            a.kernel_size,
            a.stride,
            a.expand_ratio,
            a.in_resolution,
        ) == (
            b.stage,
            b.params,
            b.macs,
            b.repeats,
            b.in_channels,
            b.out_channels,
            b.kernel_size,
            b.stride,
            b.expand_ratio,
            b.in_resolution,
        )
        assert a.out_resolution == b.out_resolution  # also the top's: pooling to (N, C, 1, 1) is no 1-pixel map
    assert module_counts(found.analysis.grouping) == module_counts(ours.grouping)
    assert [b.module_types for b in found.analysis.grouping.sub_blocks] == [
        b.module_types for b in ours.grouping.sub_blocks
    ]


def test_faithful_port_traced_the_expected_way(faithful):
    found, _, _, tracer = faithful
    assert found.conformance.tracer == tracer.value


def test_published_parameter_totals():
    assert inspected(f"{TV}:efficientnet_b0").conformance.params == 5_288_548
    assert inspected(f"{TV}:efficientnet_b3").conformance.params == 12_233_232


def test_keras_equivalent_of_a_b0_port_without_top_is_237(faithful):
    found, ours, _, _ = faithful
    keras = found.conformance.keras
    assert keras.layers == len(ours.graph)  # B0 237 without top, 240 with; B3 387 with top
    assert keras.nodes == len(found.analysis.graph)
    # Every node is a Keras layer or an extra; every Keras layer is a node or missing.
    assert keras.matched + sum(d.count for d in keras.missing) == keras.layers
    if not ours.include_top and ours.name == "b0":
        assert keras.layers == 237


def test_torchvision_b0_explained_in_keras_terms():
    keras = inspected(f"{TV}:efficientnet_b0", '{"include_top": false}').conformance.keras
    extra = {(d.keras_class, d.count) for d in keras.extra}
    missing = {(d.keras_class, d.count) for d in keras.missing}
    assert extra == {("Activation", 32)}  # the SiLU and Sigmoid after fc1 / fc2 of 16 SE branches
    assert missing == {("Rescaling", 1), ("Normalization", 1), ("ZeroPadding2D", 5), ("Reshape", 16)}
    assert keras.nodes == 237 - 1 - 1 - 5 - 16 + 32


def test_our_builder_is_its_own_keras_equivalent():
    for variant in ("b0", "b7"):
        for top in (True, False):
            a = cached_analysis(variant, top)
            keras = keras_equivalent(a.grouping, {n: a.graph.nodes[n]["layer"] for n in a.graph.nodes})
            assert (keras.layers, keras.extra, keras.missing) == (len(a.graph), (), ())


def test_stochastic_depth_counts_as_dropout_and_swish_is_one_activation():
    tv = inspected(f"{TV}:efficientnet_b0").analysis
    assert sum(layer.kind is LayerKind.DROPOUT for layer in tv.layers()) == 9 + 1  # 9 skip branches + the classifier's
    tf = inspected(f"{TF}:make").analysis
    assert sum(layer.kind is LayerKind.MULTIPLY for layer in tf.layers()) == 16  # only the SE excitations
    swish = [layer for layer in tf.layers() if layer.type == "silu"]
    assert len(swish) == 1 + 15 + 16 + 16 + 1  # stem, expansions, depthwise, SE reduce, head: x * sigmoid(x)


def test_functional_convolutions_keep_their_macs_and_parameters():
    # Conv2dSameFunctional holds its own weight and calls F.conv2d: it is traced into, not an opaque leaf.
    a = inspected(*FAITHFUL["tf port b0 no top (functional conv, conv SE)"][:2]).analysis
    convs = [layer for layer in a.layers() if layer.type == "conv2d"]
    assert len(convs) == 1 + 15 + 16 * 4 + 1  # stem, expansions, (depthwise, SE reduce, SE expand, project), head
    assert all(layer.macs > 0 and layer.params > 0 for layer in convs)
    assert sum(layer.kind is LayerKind.DEPTHWISE for layer in convs) == 16
    assert sum(layer.macs for layer in a.layers()) == sum(layer.macs for layer in cached_analysis("b0", False).layers())


def test_recorded_trace_equals_symbolic_trace_on_our_builder():
    from effnet_inspect.analysis.record import record
    from effnet_inspect.model.build import build

    model = build("b0", device="meta")
    example = torch.empty((1, 3, 224, 224), device="meta")
    recorded = _layer_graph(model, fuse_swish(record(model, example)), example, Tracer.RECORDED)
    symbolic = trace(model, 224)
    assert list(recorded.nodes) == list(symbolic.nodes)
    assert [recorded.nodes[n]["layer"] for n in recorded] == [symbolic.nodes[n]["layer"] for n in symbolic]
    assert list(recorded.edges) == list(symbolic.edges)


def test_explicit_resolution_is_used_for_both_sides():
    c = inspected(f"{TV}:efficientnet_b3", None, 256).conformance
    assert (c.resolution, c.matched_variant, c.differences) == (256, "b3", [])
    assert c.macs == c.reference_macs == sum(layer.macs for layer in analyze("b3", True, 256).layers())


# ---------------------------------------------------------------------------------------------- the altered
def test_other_activations_are_a_difference():
    """Same shapes, parameters and MACs as B0, but ReLU instead of swish: not B0."""
    c = inspected("tests.ports.altered:relu_b0").conformance
    assert c.matched_variant is None and c.closest_variant == "b0"
    assert c.params == c.reference_params and c.macs == c.reference_macs
    # said once for the whole model, not once per stem, sub-block and top
    assert c.differences == ["the model's activations are relu, sigmoid; B0's are swish, sigmoid"]


def test_altered_b3_differences():
    c = inspected("tests.ports.altered:make").conformance
    assert c.matched_variant is None and c.closest_variant == "b3"
    assert c.differences == [
        "stem has 48 channels; B3 has 40",
        "block4b has no squeeze-and-excitation; B3's has one",
        "block6 has 5 sub-blocks; B3 has 6",
    ]
    stages = {s.stage: s for s in c.stages}
    assert stages["block2"].params == stages["block2"].reference_params  # untouched stages stay equal
    assert stages["block6"].params < stages["block6"].reference_params
    assert c.module_counts["module3"] == 26 - 1 - 1


def test_classifier_size_is_a_note_not_a_difference():
    c = inspected(f"{TV}:efficientnet_b0", '{"num_classes": 10}').conformance
    assert (c.matched_variant, c.differences) == ("b0", [])  # a fine-tuned B0 is still B0 ...
    assert c.notes[-1] == "classifier has 10 classes; B0 has 1000"  # after the padding and batch-norm notes
    assert c.params == 5_288_548 - 990 * 1281  # ... with a smaller classifier


# ------------------------------------------------------------------------------------------------- loading
def test_factory_is_built_on_meta_and_dotted_paths_resolve():
    model = load(parse_factory(f"{TF}:EfficientNet.from_name", tf_kwargs("b1")))
    assert {p.device.type for p in model.parameters()} == {"meta"}
    assert not model.training


def test_factory_that_cannot_build_on_meta_is_built_on_cpu():
    c = inspected("tests.ports.odd:cpu_only").conformance
    assert c.matched_variant == "b0"


# ------------------------------------------------------------------------------------------------------ CLI
def test_cli_inspect_json_from_the_repository_root():
    result = subprocess.run(
        [sys.executable, "-m", "effnet_inspect", "inspect", "--model", "tests.ports.altered:make", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": ""},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["matched_variant"] is None and data["closest_variant"] == "b3"
    assert "block6 has 5 sub-blocks; B3 has 6" in data["differences"]
    # B3 with top has 387; block6 loses a sub-block (expansion 3 + module1 3 + module3 4 + module5 5 layers)
    # and block4b its squeeze-and-excitation (module3 4 + the Multiply that applies it)
    assert data["keras_equivalent"]["layers"] == 387 - 15 - 5


def test_cli_inspect_text(capsys):
    assert main(["inspect", "--model", f"{TV}:efficientnet_b0"]) == 0
    out = capsys.readouterr().out
    assert "matches B0: no architectural differences" in out
    assert "Keras-equivalent layers: 240" in out


def test_cli_table_family_json_gains_the_verdict(capsys):
    assert main(["table", "--model", f"{TV}:efficientnet_b0", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["matched_variant"] == "b0" and row["differences"] == []
    assert row["params"] == 5_288_548 and row["module_counts"]["module5"] == 9


def test_cli_table_stage_and_summary_with_model(capsys):
    assert main(["table", "--model", "tests.ports.altered:make", "--level", "stage", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["repeats"] for r in rows if r["stage"] == "block6"] == [5]
    assert main(["summary", "--model", f"{TV}:efficientnet_b0", "--kwargs", '{"include_top": false}']) == 0
    assert "Nodes: 246" in capsys.readouterr().out  # 237 - 23 Keras layers it lacks + 32 SE activations


BAD = {
    "not MODULE:CALLABLE": ["inspect", "--model", "efficientnet_b0"],
    "module not importable": ["inspect", "--model", "no_such_package.models:make"],
    "attribute missing": ["inspect", "--model", f"{TV}:efficientnet_b9"],
    "nested attribute missing": ["inspect", "--model", f"{TF}:EfficientNet.from_nickname"],
    "not callable": ["inspect", "--model", f"{TF}:PARAMS"],
    "callable fails": ["inspect", "--model", "tests.ports.odd:raises"],
    "bad keyword": ["inspect", "--model", f"{TV}:efficientnet_b0", "--kwargs", '{"colour": 1}'],
    "not a module": ["inspect", "--model", "tests.ports.odd:not_a_module"],
    "bad JSON": ["inspect", "--model", f"{TV}:efficientnet_b0", "--kwargs", "{num_classes: 10}"],
    "JSON not an object": ["inspect", "--model", f"{TV}:efficientnet_b0", "--kwargs", "[10]"],
    "tracing fails": ["inspect", "--model", "tests.ports.odd:data_dependent"],
    "not an EfficientNet": [
        "inspect",
        "--model",
        "torch.nn:Conv2d",
        "--kwargs",
        '{"in_channels": 3, "out_channels": 8, "kernel_size": 3}',
    ],
    "no model": ["inspect"],
    "variants and model": ["diagram", "b0", "--model", f"{TV}:efficientnet_b0"],  # table and compare take both
    "no-top with model": ["table", "--model", f"{TV}:efficientnet_b0", "--no-top"],
    "kwargs without model": ["table", "b0", "--kwargs", "{}"],
    "fvcore with model": ["table", "--model", f"{TV}:efficientnet_b0", "--fvcore"],
    "summary without anything": ["summary"],
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_and_exit_2(case, capsys):
    try:
        code = main(BAD[case])
    except SystemExit as exc:  # argparse's own errors (a missing --model)
        code = exc.code
    assert code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"effnet-inspect {BAD[case][0]}: error: ") and captured.err.count("\n") == 1


def test_tracing_failure_names_the_op_and_the_module():
    with pytest.raises(InputError, match=r"Tensor\.__bool__ in module 'gate' failed \(Python control flow"):
        inspect_factory(parse_factory("tests.ports.odd:data_dependent"))
