"""--model under hostile input: the factory's side effects (sys.path, stdout), exotic exceptions, calls counted,
weight-loading arguments, names that tell models apart, suggestions for misspellings, and module names with
newlines, control characters, markup and lone surrogates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.dom.minidom
from pathlib import Path

import pytest
from helpers import one_line_exit_2, run_cli

from effnet_inspect.errors import InputError
from effnet_inspect.ports.factory import parse_factory, public_callables
from tests.ports import hostile

ROOT = Path(__file__).resolve().parents[1]
TV = "tests.ports.torchvision_style"
TF = "tests.ports.tf_port_style"
HOSTILE = "tests.ports.hostile"


# ------------------------------------------------------------------------------------------ side effects
@pytest.mark.e2e
def test_current_directory_leaves_sys_path_after_the_import(tmp_path):
    """A stray jinja2.py beside the user's factory must not be what `report` imports later (a fresh process, started
    the way the console script starts: without the current directory on sys.path)."""
    (tmp_path / "jinja2.py").write_text('"""Not the real jinja2."""\n')
    (tmp_path / "localmodels.py").write_text(f"from {HOSTILE} import tiny as make\n")
    script = shutil.which("effnet-inspect", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-P", "-m", "effnet_inspect"]
    proc = subprocess.run(
        [*command, "report", "--model", "localmodels:make", "--out", "r"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "r" / "index.html").is_file()


def test_sys_path_is_restored_in_process(capsys):
    before = list(sys.path)
    assert run_cli(capsys, "inspect", "--model", "no_such_module_here:make")[0] == 2
    assert sys.path == before


def test_what_the_factory_prints_goes_to_stderr_and_json_stays_json(capsys):
    code, out, err = run_cli(capsys, "table", "--model", f"{HOSTILE}:printing", "--format", "json")
    assert code == 0 and json.loads(out)[0]["variant"] == "hostile:printing"
    assert "loading EfficientNet ..." in err


@pytest.mark.parametrize(
    "factory,message",
    [
        ("raises_base_exception", "Fatal: giving up"),
        ("raises_generator_exit", "GeneratorExit"),
        ("fails", "RuntimeError: checkpoint not found"),
    ],
)
def test_whatever_the_factory_raises_is_one_line_and_it_runs_once(capsys, factory, message):
    hostile.CALLS.clear()
    one_line_exit_2(*run_cli(capsys, "inspect", "--model", f"{HOSTILE}:{factory}"), message)
    assert hostile.CALLS.count(factory) == (0 if factory == "raises_generator_exit" else 1)


def test_factory_that_needs_real_tensors_is_built_once_more_on_the_cpu_only_for_that(capsys):
    assert run_cli(capsys, "inspect", "--model", "tests.ports.odd:cpu_only")[0] == 0


@pytest.mark.parametrize("command", ["table", "diagram", "summary", "inspect", "report"])
def test_empty_model_is_refused_not_ignored(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    one_line_exit_2(*run_cli(capsys, command, "--model", ""), "is not of the form MODULE:CALLABLE")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "kwargs",
    [
        '{"pretrained": true}',
        '{"weights": "DEFAULT"}',
        '{"checkpoint_path": "/tmp/b0.pth"}',
        '{"pretrained_cfg": {"url": "x"}}',
    ],
)
def test_weight_loading_kwargs_are_refused_before_anything_runs(capsys, kwargs):
    hostile.CALLS.clear()
    one_line_exit_2(
        *run_cli(capsys, "inspect", "--model", f"{HOSTILE}:fails", "--kwargs", kwargs), "reads the architecture only"
    )
    assert hostile.CALLS == []


def test_weights_switched_off_are_fine():
    assert parse_factory(f"{TV}:efficientnet_b0", '{"weights": null, "pretrained": false}').kwargs


def test_deeply_nested_kwargs_are_one_line(capsys):
    deep = "[" * 60_000 + "]" * 60_000
    one_line_exit_2(
        *run_cli(capsys, "inspect", "--model", f"{TV}:efficientnet_b0", "--kwargs", '{"a": ' + deep + "}"),
        "nested more than",
    )


def test_lone_surrogate_in_the_model_spec_is_one_line(capsys):
    one_line_exit_2(*run_cli(capsys, "inspect", "--model", "a\udc80b:make"), "is not of the form")


# ------------------------------------------------------------------------------------------------- names
def test_default_names_tell_models_apart():
    assert parse_factory("timm:create_model", '{"model_name": "efficientnet_b3"}').name == "timm:efficientnet_b3"
    assert parse_factory(f"{TV}:efficientnet_b0").name == "torchvision_style:efficientnet_b0"
    assert (
        parse_factory(f"{TV}:efficientnet_b0", '{"num_classes": 10}').name
        == "torchvision_style:efficientnet_b0(num_classes=10)"
    )
    assert parse_factory(f"{TV}:efficientnet_b0", None, "mine").name == "mine"


@pytest.mark.slow
def test_two_models_of_one_factory_get_two_files_and_name_labels_them(tmp_path, capsys):
    for variant in ("b0", "b3"):
        kwargs = json.dumps({"model_name": f"efficientnet-{variant}"})
        assert (
            run_cli(
                capsys,
                "diagram",
                "--model",
                f"{TF}:EfficientNet.from_name",
                "--kwargs",
                kwargs,
                "--out",
                f"{tmp_path}/",
            )[0]
            == 0
        )
    assert sorted(os.listdir(tmp_path)) == [
        "tf_port_style_efficientnet-b0-stage.svg",
        "tf_port_style_efficientnet-b3-stage.svg",
    ]
    code, out, _ = run_cli(capsys, "inspect", "--model", f"{TV}:efficientnet_b0", "--name", "My B0", "--format", "json")
    assert code == 0 and json.loads(out)["model"] == "My B0"


@pytest.mark.parametrize(
    "argv,message",
    [
        (["table", "b0", "--name", "x"], "--name names another implementation; it applies to a model only"),
        (["inspect", "--model", f"{TV}:efficientnet_b0", "--name", " "], "--name ' ' is not a usable label"),
        (["inspect", "--model", f"{TV}:efficientnet_b0", "--name", "a\nb"], "is not a usable label"),
    ],
)
def test_bad_names_are_one_line(capsys, argv, message):
    one_line_exit_2(*run_cli(capsys, *argv), message)


# ------------------------------------------------------------------------------------------- suggestions
@pytest.mark.parametrize(
    "spec,suggested",
    [
        (f"{TV}:efficientnet_b9", "did you mean 'efficientnet_b7'"),
        (f"{TF}:EfficientNet.from_nam", "did you mean 'from_name'"),
        ("torch.nn:Conv2", "did you mean 'Conv2d'"),
        ("networkx:DiGrap", "did you mean 'DiGraph'"),  # re-exported from a submodule: not "no public callables"
    ],
)
def test_misspelled_callables_get_close_matches(capsys, spec, suggested):
    one_line_exit_2(*run_cli(capsys, "inspect", "--model", spec), suggested)


def test_suggestions_list_the_modules_callables_never_nn_module_methods(capsys):
    from tests.ports import tf_port_style

    methods = public_callables(tf_port_style.EfficientNet)
    assert "from_name" in methods and not {"cuda", "forward", "register_buffer", "to"} & set(methods)
    code, out, err = run_cli(capsys, "inspect", "--model", f"{HOSTILE}:zzzzzz")
    one_line_exit_2(code, out, err, "callables there: ")
    assert "odd_names" in err and "OrderedDict" not in err  # its own package's, not what it imports from others


# ------------------------------------------------------------------------------------------- odd names
ODD = ["c\x01lassifier", "&#0;&amp;]]>", "a\nb", "a\udc80b", "\u202eevil"]


@pytest.mark.slow
def test_odd_module_names_keep_every_output_whole(tmp_path, capsys):
    kwargs = json.dumps({"names": ODD})
    code, out, err = run_cli(capsys, "summary", "--model", f"{HOSTILE}:odd_names", "--kwargs", kwargs)
    assert code == 0, err
    plain = run_cli(capsys, "summary", "--model", f"{HOSTILE}:odd_names", "--kwargs", '{"names": []}')[1]
    assert len(out.splitlines()) == len(plain.splitlines()) and all(line.isprintable() for line in out.splitlines())
    assert "features_a\\nb_" in out  # shown escaped, on its own line
    for level in ("layer", "module"):
        svg = tmp_path / f"{level}.svg"
        assert (
            run_cli(
                capsys,
                "diagram",
                "--model",
                f"{HOSTILE}:odd_names",
                "--kwargs",
                kwargs,
                "--level",
                level,
                "--out",
                str(svg),
            )[0]
            == 0
        )
        xml.dom.minidom.parse(str(svg))  # well-formed XML
    code, _, err = run_cli(
        capsys, "report", "--model", f"{HOSTILE}:odd_names", "--kwargs", kwargs, "--out", str(tmp_path / "r")
    )
    assert code == 0 and (tmp_path / "r" / "index.html").is_file(), err


def test_model_names_are_refused_nowhere_and_escaped_in_errors():
    with pytest.raises(InputError) as info:
        parse_factory("x:y", '{"a": 1} \n junk')
    assert "\n" not in info.value.render()
