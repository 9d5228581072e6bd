"""CLI: summary golden file, table formats and the JSON contract, and every bad-input path."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import one_line_exit_2, run_cli

ROOT = Path(__file__).resolve().parents[1]
CHILD_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}  # the package and tests.ports from any folder


def test_summary_b0_matches_golden(capsys, golden):
    code, out, _ = run_cli(capsys, "summary", "b0", "--no-top")
    assert code == 0

    def invariants(text: str) -> None:
        rows = [
            line for line in text.splitlines() if line.startswith(" ") and "(" in line and "Layer (type)" not in line
        ]
        assert len(rows) == 237
        assert "Total params: 4,049,571" in text and "Trainable params: 4,007,548" in text

    golden.check("summary_b0_notop.txt", out, invariants)


def test_summary_with_top_lists_240_layers(capsys):
    code, out, _ = run_cli(capsys, "summary", "B0")
    assert code == 0 and "predictions (Dense)" in out and "Total params: 5,330,571" in out and "Layers: 240" in out


def test_family_json_contract(capsys):
    code, out, _ = run_cli(capsys, "table", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and [r["variant"] for r in rows] == [f"b{i}" for i in range(8)]
    keys = {
        "variant",
        "width_coefficient",
        "depth_coefficient",
        "resolution",
        "dropout_rate",
        "layers",
        "sub_blocks",
        "params",
        "params_keras",
        "macs",
        "flops",
        "module_counts",
    }
    for r in rows:
        assert keys <= set(r)
        assert set(r["module_counts"]) == {"module1", "module2", "module3", "module4", "module5", "expansion"}
        assert all(isinstance(r[k], int) for k in ("layers", "sub_blocks", "params", "params_keras", "macs", "flops"))
    assert rows[0]["params"] == 5_288_548 and rows[7]["params_keras"] == 66_658_687


def test_stage_and_subblock_json_contract(capsys):
    _, out, _ = run_cli(capsys, "table", "b0", "--level", "stage", "--format", "json")
    stages = json.loads(out)
    assert [s["stage"] for s in stages] == ["stem", *(f"block{i}" for i in range(1, 8)), "top"]
    for key in (
        "variant",
        "stage",
        "layers",
        "params",
        "params_keras",
        "macs",
        "repeats",
        "in_channels",
        "out_channels",
        "in_resolution",
        "out_resolution",
        "kernel_size",
        "stride",
        "expand_ratio",
    ):
        assert key in stages[1]
    _, out, _ = run_cli(capsys, "table", "efficientnet-b0", "--level", "subblock", "--format", "json")
    blocks = json.loads(out)
    assert len(blocks) == 16 and blocks[1]["sub_block"] == "block2a"
    assert blocks[1]["modules"] == ["expansion", "module2", "module3", "module4"]
    assert {"kind", "has_skip", "stride", "in_channels", "out_channels", "macs", "params", "layers"} <= set(blocks[1])


def test_other_formats(capsys):
    _, out, _ = run_cli(capsys, "table", "b0", "b7", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["params"] for r in rows] == ["5288548", "66347960"] and rows[0]["module1"] == "12"
    _, out, _ = run_cli(capsys, "table", "b0", "--format", "md", "--level", "stage")
    assert out.count("\n") == 11 and out.startswith("| Variant | Stage |")
    _, out, _ = run_cli(capsys, "table", "b0", "--format", "latex")
    assert out.startswith("\\begin{tabular}") and "5{,}288{,}548" in out
    _, out, _ = run_cli(capsys, "table", "b0")
    assert "5,288,548" in out and "385.8" in out


def test_resolution_and_no_top(capsys):
    _, out, _ = run_cli(capsys, "table", "b0", "--resolution", "448", "--no-top", "--format", "json")
    row = json.loads(out)[0]
    assert row["resolution"] == 448 and row["layers"] == 237 and row["params"] == 4_007_548


def test_custom_variants(capsys):
    code, out, _ = run_cli(capsys, "table", "phi=1", "w=1.1,d=1.2,r=260", "--format", "json")
    a, b = json.loads(out)
    assert code == 0 and a["variant"] == "phi=1" and b["params"] == 9_109_994  # B2's coefficients


def test_out_file_is_written(tmp_path, capsys):
    target = tmp_path / "sub" / "family.csv"
    code, out, err = run_cli(capsys, "table", "b0", "--format", "csv", "--out", str(target))
    assert code == 0 and out == "" and target.read_text().startswith("variant,")
    assert [p.name for p in target.parent.iterdir()] == ["family.csv"]  # no temporary files left


BAD_INPUTS = [
    (["table", "b9"], "unknown variant 'b9'"),
    (["table", "phi=x"], "malformed custom variant"),
    (["table", "w=0"], "width must be between"),
    (["table", "b0", "--resolution", "16"], "resolution must be between 32"),
    (["table", "b0", "--resolution", "abc"], "resolution must be a whole number"),
    (["table", "--format", "xml"], "choose from text, md, csv, json, latex"),
    (["table", "--level", "layer"], "choose from family, stage, subblock"),
    (["summary", "b10"], "valid: b0-b7"),
    (["table", "b0", "--out", "/proc/forbidden/x.csv"], "cannot"),
    (["table", "--levle", "stage"], "unrecognized arguments: --levle"),
    (["table", "--lev", "stage"], "unrecognized arguments: --lev"),  # no guessing from prefixes
    (["table", "w=1_0"], "'1_0' is not a number"),
    (["table", "b0", "--out", ""], "--out is empty"),
    (["table", "b0", "--out", "some/dir/"], "names a directory; give a file name"),
    (["compare", "b0", "b1", "--out", "page.txt"], "must end in .html or name a folder"),
    (["inspect", "--model", "builtins:exit"], "SystemExit"),
    (["report", "b0", "--bench", "/bin/sh", "--out", "never"], "not a results file"),
    (["bench", "w=0.25,d=0.25,r=32", "--device", "cpu", "--out", "/proc/bench.json"], "cannot"),
]


@pytest.mark.parametrize("argv,message", BAD_INPUTS)
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    one_line_exit_2(*run_cli(capsys, *argv), message)
    assert list(tmp_path.iterdir()) == []  # nothing created, not even the report folder it refused


@pytest.mark.e2e
@pytest.mark.parametrize("case", [0, 9, 8], ids=["input-error", "argparse-error", "filesystem-error"])
def test_bad_input_in_a_fresh_process_is_one_line_exit_2(tmp_path, case):
    """The same promise from `python -m effnet_inspect`: no traceback on the way out of the interpreter either."""
    argv, message = BAD_INPUTS[case]
    proc = subprocess.run(
        [sys.executable, "-m", "effnet_inspect", *argv], capture_output=True, text=True, cwd=tmp_path, env=CHILD_ENV
    )
    one_line_exit_2(proc.returncode, proc.stdout, proc.stderr, message)


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    """A write that fails at the last step leaves the old file whole and no temporary file behind."""
    import effnet_inspect.files as eio
    from effnet_inspect.errors import InputError

    target = tmp_path / "family.json"
    target.write_text("old")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(eio.os, "replace", fail)
    with pytest.raises(InputError, match="No space left"):
        eio.write_atomic(target, "new")
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]


@pytest.mark.e2e
def test_console_script_and_module_entry_points():
    out = subprocess.run([sys.executable, "-m", "effnet_inspect", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "summary" in out.stdout and "table" in out.stdout


def test_out_writes_through_links_keeps_permissions_and_special_files(tmp_path, capsys):
    real, link = tmp_path / "real.csv", tmp_path / "link.csv"
    real.write_text("old")
    real.chmod(0o600)
    link.symlink_to(real.name)
    assert run_cli(capsys, "table", "b0", "--out", str(link))[0] == 0
    assert link.is_symlink() and real.read_text().startswith("variant,")  # format from the extension
    assert real.stat().st_mode & 0o777 == 0o600
    assert run_cli(capsys, "table", "b0", "--out", "/dev/null")[0] == 0
    assert Path("/dev/null").is_char_device()
    code, out, _ = run_cli(capsys, "summary", "b0", "--out", "-")
    assert code == 0 and out.startswith('Model: "efficientnetb0"')


def test_out_extension_decides_the_format_unless_it_contradicts_format(tmp_path, capsys):
    assert run_cli(capsys, "table", "b0", "--out", str(tmp_path / "t.json"))[0] == 0
    assert json.loads((tmp_path / "t.json").read_text())[0]["variant"] == "b0"
    code, _, err = run_cli(capsys, "table", "b0", "--out", str(tmp_path / "u.json"), "--format", "csv")
    assert code == 2 and "looks like json but --format is csv" in err and not (tmp_path / "u.json").exists()
