"""Labels never become paths: a --name or a model's name in a default file name is one file name in the current
folder (or the --out folder); only --out chooses a folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from helpers import run_cli
from hypothesis import given
from hypothesis import strategies as st

from effnet_inspect.files import MAX_NAME_BYTES, in_folder, safe_name

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # --model imports tests.ports
    sys.path.insert(0, str(ROOT))
TINY_MODEL = "tests.ports.hostile:tiny"


@pytest.mark.parametrize(
    "name,part,expected",
    [
        ("../../escape", ["--sub-block", "2"], "escape-block2a.svg"),
        ("/some/abs/pwn", ["--block", "2"], "some_abs_pwn-block2.svg"),
        ("sub/dir", ["--module", "M3"], "sub_dir-block1a-module3.svg"),
        ("..", [], "model-stage.svg"),
    ],
)
def test_a_label_in_a_default_file_name_stays_one_name_here(tmp_path, capsys, monkeypatch, name, part, expected):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    code, _, err = run_cli(capsys, "diagram", "--model", TINY_MODEL, "--name", name, *part)
    assert code == 0, err
    assert os.listdir(work) == [expected] and os.listdir(tmp_path) == ["a"] and os.listdir(tmp_path / "a") == ["b"]
    assert not Path("/some").exists()


@given(st.text(max_size=300))
def test_safe_name_is_always_one_file_name(label):
    name = safe_name(label)
    assert name and "/" not in name and "\0" not in name and not name.startswith(".")
    assert name not in (".", "..") and len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert in_folder(Path("out"), f"{label}.svg").parent == Path("out")
    assert len(in_folder(None, f"{label}-stage.svg").parts) == 1
