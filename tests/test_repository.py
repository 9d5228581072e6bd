"""What holds for the repository as a whole: no file names a path of one machine, and every dependency pyproject.toml
declares is imported by the code it is declared for."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later

ROOT = Path(__file__).resolve().parents[1]
# An absolute path into a home, a scratch or a mount directory: it exists on one machine only.
MACHINE_PATH = re.compile(r"(?<![\w.:/~-])/(?:work|home|root|tmp|Users|mnt|srv|media|var/folders|private/var)/")
# Where such a path is not a machine's: .gitignore patterns are rooted at the repository, and these tests give the
# program a path it must refuse, not read.
NOT_A_MACHINE = {
    ".gitignore": "/tmp/",
    "tests/test_core_cli.py": "/tmp/effnet-inspect-never",
    "tests/test_harden_model.py": "/tmp/b0.pth",
    "tests/test_repository.py": "/tmp/",
}


def tracked_text_files() -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    files = []
    for name in listed.decode().split("\0"):
        path = ROOT / name
        if name and path.is_file() and b"\0" not in path.read_bytes()[:8192]:
            files.append(path)
    return files


def test_no_file_names_a_path_of_one_machine():
    found = []
    for path in tracked_text_files():
        name = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            allowed = NOT_A_MACHINE.get(name)
            if MACHINE_PATH.search(line) and not (allowed and allowed in line):
                found.append(f"{name}:{number}: {line.strip()[:100]}")
    assert found == []


@pytest.mark.parametrize(
    ("line", "machine"),
    [
        # written in pieces, so that this file does not name them itself
        ("see " + "/work" + "/shared/reference.md", True),
        ("python x.py --out " + "/tmp" + "/out", True),
        ("C=" + "/home" + "/me/x", True),
        ("https://example.org/home/page", False),
        ("reports/tmp/x and ./work/y", False),
    ],
)
def test_the_machine_path_pattern(line, machine):
    assert bool(MACHINE_PATH.search(line)) is machine


# Distribution name -> the module it is imported as, where they differ.
MODULE_OF = {"pillow": "PIL", "pytest-xdist": "xdist"}
# Tools run as commands (or loaded by another tool), never imported.
TOOLS = {"mypy", "ruff", "pytest-xdist", "ipykernel"}


def _imported(module: str, folders: list[str]) -> bool:
    pattern = re.compile(rf"^\s*(?:import|from)\s+{re.escape(module)}\b", re.M)
    return any(
        pattern.search(path.read_text(encoding="utf-8")) for folder in folders for path in (ROOT / folder).rglob("*.py")
    )


def _declared() -> list[tuple[str, list[str]]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    groups = [(project["dependencies"], ["effnet_inspect"])]
    groups += [(names, ["effnet_inspect"]) for extra, names in extras.items() if extra != "test"]
    groups.append((extras["test"], ["effnet_inspect", "tests", "benchmarks"]))  # the benchmarks compare with torchinfo
    found = []
    for names, folders in groups:
        for requirement in names:
            name = re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()
            if name not in TOOLS:
                found.append((MODULE_OF.get(name, name.replace("-", "_")), folders))
    return found


@pytest.mark.parametrize(("module", "folders"), _declared(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_declared_dependency_is_imported(module, folders):
    assert _imported(module, folders), f"{module} is declared in pyproject.toml but imported nowhere in {folders}"
