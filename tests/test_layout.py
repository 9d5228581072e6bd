"""The folder tree is the data flow: every import goes to an earlier step, and modules stay short."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
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
SHARED = {"errors", "files", "progress"}  # plain modules every step may use
MAX_LINES = 320
# issue 21 / 19 work splits these; remove each entry when it does
BEING_SPLIT = {"analysis/group.py", "ports/differences.py", "slides/deck.py"}


def step_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "effnet_inspect" and parts[1] in STEPS else None


def imports(path: Path) -> list[tuple[int, str]]:
    """Every effnet_inspect module imported anywhere in the file (function-local imports too), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: use absolute imports"
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
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


@pytest.mark.parametrize("name", sorted(SHARED))
def test_shared_modules_import_no_step(name):
    """errors, files and progress sit below every step: they import only each other."""
    for line, target in imports(PACKAGE / f"{name}.py"):
        assert target.split(".")[1] in SHARED, f"{name}.py:{line} imports {target}"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> nx.DiGraph:
    """Module -> the modules it imports, at module level or inside functions; `from a.b import c` counts as an
    import of a.b.c when c is a module, else of a.b."""
    names = {module_name(p) for p in MODULES}
    graph = nx.DiGraph()
    for path in MODULES:
        source = module_name(path)
        graph.add_node(source)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [f"{node.module}.{a.name}" for a in node.names]
                graph.add_edges_from((source, t if t in names else node.module) for t in targets)
            elif isinstance(node, ast.Import):
                graph.add_edges_from((source, a.name) for a in node.names)
    graph.remove_nodes_from([n for n in list(graph) if n not in names])
    graph.remove_edges_from(nx.selfloop_edges(graph))
    return graph


def test_no_import_cycles():
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert cycles == []


def test_the_cycle_check_sees_function_local_imports():
    graph = import_graph()
    assert graph.has_edge("effnet_inspect.cli.report", "effnet_inspect.bench.schema")  # imported inside run()
    assert graph.has_edge("effnet_inspect.report.explore", "effnet_inspect.drawing.keys")  # from a package import


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_short(path):
    limit = 10_000 if path.relative_to(PACKAGE).as_posix() in BEING_SPLIT else MAX_LINES
    assert len(path.read_text(encoding="utf-8").splitlines()) <= limit


def test_being_split_lists_only_long_modules():
    """Each allowance goes as soon as its module is split."""
    for name in BEING_SPLIT:
        assert len((PACKAGE / name).read_text(encoding="utf-8").splitlines()) > MAX_LINES, name


def test_no_prefix_stands_in_for_a_folder():
    stems = [p.stem for p in PACKAGE.iterdir() if p.suffix == ".py"]
    assert sorted(stems) == sorted(["__init__", "__main__", *SHARED])
