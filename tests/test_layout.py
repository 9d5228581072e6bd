"""The folder tree is the data flow: every import goes to an earlier step, and modules stay short."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "effnet_inspect"
# Steps in data-flow order; a step imports only from earlier ones (or from itself).
STEPS = {"arch": 0, "model": 1, "analysis": 2, "render": 3, "ports": 4, "drawing": 4, "bench": 5, "report": 6,
         "cli": 7}
SHARED = {"errors", "files", "progress"}  # plain modules every step may use
MAX_LINES = 320


def step_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "effnet_inspect" and parts[1] in STEPS else None


def imports(path: Path) -> list[tuple[int, str]]:
    """Every effnet_inspect module imported anywhere in the file (function-local imports too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: use absolute imports"
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found if name.split(".")[0] == "effnet_inspect"]


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_go_to_earlier_steps(path):
    own = step_of("effnet_inspect." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
    if own is None:  # __init__, __main__ and the shared modules
        assert path.stem in {"__init__", "__main__", *SHARED}, f"{path}: a module outside the steps"
        return
    for line, name in imports(path):
        target = step_of(name)
        if target is None:
            assert name == "effnet_inspect" or name.split(".")[1] in SHARED, (path, name)
            continue
        assert target == own or STEPS[target] < STEPS[own], f"{path}:{line} imports {name} ({target} after {own})"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_short(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_no_prefix_stands_in_for_a_folder():
    stems = [p.stem for p in PACKAGE.iterdir() if p.suffix == ".py"]
    assert sorted(stems) == sorted(["__init__", "__main__", *SHARED])
