"""The folder tree is the data flow: every import goes to an earlier step, and modules stay short."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "effnet_inspect"
# Steps in data-flow order; a step imports only from earlier ones (or from itself).
STEPS = {
    "arch": 0,
    "model": 1,
    "analysis": 2,
    "render": 3,
    "ports": 4,
    "drawing": 4,
    "bench": 5,
    "report": 6,
    "slides": 6,
    "api": 7,
    "cli": 8,
}
SHARED = {"errors", "files", "folders", "inputs", "progress"}  # plain modules every step may use
MAX_LINES = 420  # back to 320 once the modules the formatter lengthened are split (issue 23)
# Jupyter's rich-display hooks (Analysis._repr_html_) are called from the top of the stack: they alone may import
# their renderer from the api step, at call time.
DISPLAY_HOOK = re.compile(r"_repr_\w+_")


def step_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "effnet_inspect" and parts[1] in STEPS else None


def imports(path: Path) -> list[tuple[int, str, str | None]]:
    """Every effnet_inspect module imported anywhere in the file (function-local imports too), with the name of
    the function it is imported in (None at module level)."""
    found = []

    def visit(node: ast.AST, function: str | None) -> None:
        if isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: use absolute imports"
            found.append((node.lineno, node.module, function))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, function) for alias in node.names)
        inner = node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), None)
    return [(line, name, fn) for line, name, fn in found if name.split(".")[0] == "effnet_inspect"]


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_go_to_earlier_steps(path):
    own = step_of("effnet_inspect." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
    if own is None:  # __init__, __main__ and the shared modules
        assert path.stem in {"__init__", "__main__", *SHARED}, f"{path}: a module outside the steps"
        return
    for line, name, function in imports(path):
        target = step_of(name)
        if target is None:
            assert name == "effnet_inspect" or name.split(".")[1] in SHARED, (path, name)
            continue
        if target == "api" and function is not None and DISPLAY_HOOK.fullmatch(function):
            continue
        assert target == own or STEPS[target] < STEPS[own], f"{path}:{line} imports {name} ({target} after {own})"


def test_display_hooks_are_the_only_upward_imports():
    """The exception above is real (Analysis uses it) and narrow: an upward import elsewhere still fails."""
    source = PACKAGE / "analysis" / "measure.py"
    hooks = [(fn, name) for _, name, fn in imports(source) if step_of(name) == "api"]
    assert hooks == [("_repr_html_", "effnet_inspect.api.display")]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_short(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_no_prefix_stands_in_for_a_folder():
    stems = [p.stem for p in PACKAGE.iterdir() if p.suffix == ".py"]
    assert sorted(stems) == sorted(["__init__", "__main__", *SHARED])
