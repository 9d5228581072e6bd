"""`effnet-inspect memory` and ei.memory(): formats, other implementations, bad input, the README table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import one_line_exit_2, run_cli

import effnet_inspect as ei

RESNET = "tests.ports.resnet50:resnet50"
TV_B0 = "tests.ports.torchvision_style:efficientnet_b0"
README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize(
    "argv,message",
    [
        (["b0", "--fit", "0"], "--fit '0' is no memory size or card"),
        (["b0", "--fit", "12XB"], "--fit '12XB' is no memory size or card"),
        (["b0", "--fit", "100MB"], "leaves nothing for tensors"),
        (["b0", "--fit", "16GB,,"], "has an empty item"),
        (["b0", "--batch-size", "0"], "--batch-size must be a whole number of images, 1 or more"),
        (["b0", "--batch-size", "two"], "--batch-size must be a whole number"),
        (["b0", "--checkpoint", "block9"], "--checkpoint names 'block9', which b0 does not have; its stages: stem"),
        (["b0", "--checkpoint", "auto"], "--checkpoint auto needs exactly one card"),
        (["b0", "--mode", "inference", "--checkpoint", "block2"], "--checkpoint applies to training only"),
        (["b0", "--dtype", "fp8"], "invalid choice 'fp8'"),
        (["b0", "--optimizer", "lion"], "invalid choice 'lion'"),
        (["b0", "--out", "m.xlsx"], ".xlsx is not a format this command writes"),
        (["--model", RESNET, "--level", "stage"], "--level stage needs the stages of resnet50:resnet50"),
        (["--model", RESNET, "--checkpoint", "block2"], "--checkpoint needs the stages of resnet50:resnet50"),
        (["b9"], "unknown variant 'b9'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    one_line_exit_2(*run_cli(capsys, "memory", *argv), message)


def test_auto_that_cannot_fit_says_so(capsys):
    code, out, err = run_cli(capsys, "memory", "b7", "--batch-size", "500", "--fit", "t4", "--checkpoint", "auto")
    one_line_exit_2(code, out, err, "no choice of stages fits batch 500 of b7")


def test_text_is_what_the_api_renders_and_json_carries_bytes(capsys):
    code, out, _ = run_cli(capsys, "memory", "b0", "b1", "--fit", "16GiB,a100-80")
    assert code == 0
    m = ei.memory(["b0", "b1"], fit=["16GiB", "a100-80"])
    assert out == m.to_text()
    assert "Batch on 16GiB" in out and "Batch on a100-80" in out
    code, out, _ = run_cli(capsys, "memory", "b0", "--format", "json", "--level", "stage")
    stages = json.loads(out)
    assert [s["stage"] for s in stages][:3] == ["stem", "block1", "block2"]
    assert sum(s["activations"] for s in stages) == m.rows[0].activations


def test_file_output_by_extension(tmp_path, capsys):
    code, _, err = run_cli(capsys, "memory", "b0", "--level", "layer", "--out", str(tmp_path / "b0.csv"))
    assert code == 0 and "wrote" in err
    lines = (tmp_path / "b0.csv").read_text().splitlines()
    assert lines[0].startswith("variant,stage,sub_block,layer,kind") and len(lines) == 1 + 240


def test_a_model_without_stages_gets_totals(capsys):
    """ResNet-50: more parameters than B4, less memory per image: the comparison people ask about."""
    m = ei.memory(["b4"], model=RESNET)
    b4, resnet = m.rows
    assert resnet.params == 25_557_032 and resnet.top_stage == ""
    assert resnet.params > b4.params and resnet.activations_per_image < b4.activations_per_image / 3
    code, out, _ = run_cli(capsys, "memory", "--model", RESNET, "--level", "layer", "--format", "csv")
    assert code == 0 and "MaxPooling2D" in out


def test_a_port_is_analysed_as_ours(capsys):
    ours, port = ei.memory("b0").rows[0], ei.memory(model=TV_B0).rows[0]
    assert port.params == ours.params and port.top_stage == ours.top_stage == "block2"
    # no ZeroPadding2D copies, no input scaling: a little less kept, from the same stages
    assert 0.98 < port.activations_per_image / ours.activations_per_image < 1.0


def test_notebook_display_and_dataframe():
    m = ei.memory("b0", fit="v100-16", level="family")
    html = m._repr_html_()
    assert "Batch on v100-16" in html and "Training, fp32" in html
    frame = m.to_pandas()
    assert frame.loc[0, "largest_batch_v100-16"] == m.rows[0].largest_batch["v100-16"]


README_CARDS = ("v100-16", "rtx4090", "a100-40", "a100-80")


def _marked(text: str, marker: str) -> str:
    start = text.index(f"<!-- {marker}:start -->\n") + len(f"<!-- {marker}:start -->\n")
    return text[start : text.index(f"<!-- {marker}:end -->")]


def test_readme_memory_tables_are_current():
    """The README's "Will it fit?" tables are the commands' Markdown output, byte for byte, and the card sizes it
    names are the code's."""
    from effnet_inspect.analysis.capacity import CARDS, CUDA_CONTEXT, MIB

    text = README.read_text()
    for marker, dtype in (("memory-fp32", "fp32"), ("memory-bf16", "bf16")):
        assert _marked(text, marker) == ei.memory(dtype=dtype, fit=list(README_CARDS)).to_markdown()
    assert _marked(text, "memory-resnet") == ei.memory("b4", model=RESNET, fit="v100-16").to_markdown()
    assert f"less {CUDA_CONTEXT // MIB} MiB for the CUDA context" in text
    for card in README_CARDS:
        assert f"`{card}`\n  {CARDS[card]} GiB" in text or f"`{card}` {CARDS[card]} GiB" in text
