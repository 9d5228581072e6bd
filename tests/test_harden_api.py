"""The Python API checks its arguments by the command line's rules (effnet_inspect.api.checks): what is wrong is an
InputError naming the parameter, never a TypeError or AttributeError from deep inside; save() refuses an extension
it would not write, as --out does. Then Hypothesis over the API's argument space: whatever the arguments, a call
returns or raises InputError, and creates nothing but the file save() was given."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import effnet_inspect as ei

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # model= imports tests.ports
    sys.path.insert(0, str(ROOT))
TINY = "w=0.25,d=0.25,r=32"


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: ei.table(123), "variants must be a variant ('b0'-'b7', 'phi=2.5', 'w=1.3,d=1.5,r=320'), a Variant"),
        (lambda: ei.table(b"b0"), "variants is bytes; give text, e.g. 'b0'"),
        (lambda: ei.table(ei), "variants must be a variant"),
        (lambda: ei.table([TINY, 3]), "variants must list variants as a variant"),
        (lambda: ei.table({"b0": 1}), "or a list of them, not a dict"),
        (lambda: ei.table("b0", resolution="abc"), "resolution must be a whole number of pixels, got 'abc'"),
        (lambda: ei.table("b0", resolution="2_24"), "resolution must be a whole number of pixels, got '2_24'"),
        (lambda: ei.table("b0", resolution=True), "resolution must be a whole number of pixels, not bool"),
        (lambda: ei.table("b0", resolution=10**400), "resolution must be between 32 and 2048"),
        (lambda: ei.table("b0", include_top="no"), "include_top must be True or False, not 'no'"),
        (lambda: ei.diagram("b0", side_by_side=1), "side_by_side must be True or False, not 1"),
        (lambda: ei.summary(3), "variant must be a variant"),
        (lambda: ei.inspect("m:f", kwargs=[1, 2]), "kwargs must be a dict of keyword arguments"),
        (lambda: ei.inspect("m:f", kwargs={1: 2}), "kwargs must be a dict of keyword arguments"),
        (lambda: ei.inspect("m:f", name=""), "name '' is not a usable label"),
        (lambda: ei.inspect("m:f", name=7), "name must be text, not int"),
    ],
)
def test_wrong_arguments_are_input_errors_naming_the_parameter(call, message):
    with pytest.raises(ei.InputError) as info:
        call()
    assert message in str(info.value)


def test_the_api_takes_what_the_command_line_takes():
    assert (
        ei.table(TINY, resolution="64").rows[0].resolution == 64 == ei.table(TINY, resolution=64.0).rows[0].resolution
    )
    assert [r.variant for r in ei.table(v for v in [TINY]).rows] == [TINY]  # any iterable of variants


@pytest.mark.parametrize("make", [lambda: ei.table(TINY), lambda: ei.diagram(TINY)])
def test_save_refuses_an_extension_it_would_not_write(tmp_path, make):
    found = make()
    with pytest.raises(ei.InputError, match=r"\.xlsx is not a format save\(\) writes; end the name in \.") as info:
        found.save(tmp_path / "x.xlsx")
    assert "(or give format)" in str(info.value) and os.listdir(tmp_path) == []
    found.save(tmp_path / "x.data", format="csv" if isinstance(found, ei.Table) else "dot")  # format= says what
    with pytest.raises(ei.InputError, match="path must be a file name"):
        found.save(None)
    with pytest.raises(ei.InputError, match=r"path must be a file name, not '-' \(for the text or bytes themselves"):
        found.save("-")  # the command line's stdout, not a file a Python caller can mean


# ------------------------------------------------------------------------------------------------------ fuzz
HOSTILE = [None, 123, 1.5, True, b"b0", ei, object(), "", "b9", "a\nb", [TINY, 3], {"b0": 1}, [TINY, TINY], [1, 2]]
ARGUMENTS = {
    "variants": st.sampled_from([TINY, [TINY], "W=0.25,D=0.5,R=32", *HOSTILE]),
    "level": st.sampled_from(["family", "stage", "subblock", "module", "layer", "x", 3, None]),
    "resolution": st.sampled_from([None, 64, "64", 64.0, "abc", 64.5, True, -1, 10**400, [64], "\u0664\u0664"]),
    "include_top": st.sampled_from([True, False, "no", 0, None]),
    "side_by_side": st.sampled_from([True, False, 1]),
    "model": st.sampled_from(
        [None, "tests.ports.hostile:tiny", "bad", 3, "no.such:thing", "tests.ports.hostile:fails"]
    ),
    "kwargs": st.sampled_from([None, {}, [1, 2], "{", '{"pretrained": true}', {1: 2}, "[1]"]),
    "name": st.sampled_from([None, "label", "", 5, "a\nb", "../x", "x" * 200]),
    "format": st.sampled_from(["csv", "json", "svg", "dot", "xlsx", 3, None]),
    "path": st.sampled_from(["t.csv", "t.svg", "t.xlsx", "", None, 3, "sub/t.json", "-"]),
}
CALLS = {
    "table": (ei.table, ["variants", "level", "resolution", "include_top", "model", "kwargs", "name"]),
    "diagram": (ei.diagram, ["variants", "level", "side_by_side", "include_top", "resolution", "model", "name"]),
    "summary": (ei.summary, ["variants", "include_top", "resolution", "model", "kwargs", "name"]),
    "inspect": (ei.inspect, ["model", "kwargs", "resolution", "name"]),
}
POSITIONAL = {"variants", "model"}


@st.composite
def api_calls(draw) -> tuple[str, list, dict, tuple | None]:
    name = draw(st.sampled_from(sorted(CALLS)))
    _, params = CALLS[name]
    chosen = draw(st.lists(st.sampled_from(params), unique=True, max_size=4))
    first = params[0]
    args = [draw(ARGUMENTS[first])] if first in POSITIONAL and (first in chosen or name == "inspect") else []
    kwargs = {p: draw(ARGUMENTS[p]) for p in chosen if p != first}
    save = (draw(ARGUMENTS["path"]), draw(ARGUMENTS["format"])) if draw(st.booleans()) else None
    return name, args, kwargs, save


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", 20)),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(call=api_calls())
def test_any_api_call_returns_or_raises_input_error_and_creates_nothing_else(call):
    name, args, kwargs, save = call
    path_before = list(sys.path)
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            wrote = False  # a verdict has no save(): only tables and diagrams write files
            try:
                found = CALLS[name][0](*args, **kwargs)
                if save is not None and hasattr(found, "save"):
                    found.save(save[0], format=save[1])
                    wrote = True
                outcome = "ok"
            except ei.InputError as exc:
                assert "\n" not in str(exc), exc
                outcome = "InputError"
        finally:
            os.chdir(cwd)
        event(f"{name} {outcome}")
        created = sorted(str(p.relative_to(tmp)) for p in Path(tmp).rglob("*"))
        saved = [str(Path(save[0])), *[str(p) for p in Path(str(save[0])).parents][:-1]] if save and wrote else []
        assert [c for c in created if c not in saved] == [], (call, created)
    assert sys.path == path_before
