"""Plain helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from effnet_inspect.analysis.measure import Analysis, analyze

if TYPE_CHECKING:
    from effnet_inspect.bench.results import BenchEnvironment
    from effnet_inspect.ports.verdict import Inspection

GOLDEN = Path(__file__).parent / "golden"


@functools.cache
def cached_analysis(variant: str, include_top: bool = True) -> Analysis:
    """Analyses are deterministic: one per (variant, top) per test session."""
    return analyze(variant, include_top=include_top)


def cpu_environment() -> BenchEnvironment:
    """A bench run's environment on a made-up one-thread CPU, for results built by hand."""
    import torch

    from effnet_inspect.bench.results import BenchEnvironment

    return BenchEnvironment(
        device_type="cpu",
        device_name="test cpu",
        peak_key=None,
        gpu_memory_bytes=None,
        compute_capability=None,
        driver=None,
        cuda=None,
        cudnn=None,
        torch=torch.__version__,
        python="3",
        cpu="test cpu",
        threads=1,
    )


@functools.cache
def cached_inspection(spec: str, kwargs: str | None = None) -> Inspection:
    """Verdicts on the ports of tests/ports are deterministic too: one per factory and keyword arguments."""
    from effnet_inspect.ports.factory import parse_factory
    from effnet_inspect.ports.verdict import inspect_factory

    return inspect_factory(parse_factory(spec, kwargs))


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the command line in this process: (exit status, stdout, stderr). argparse's own exits count too."""
    from effnet_inspect.cli import main  # here, not at the top: the GPU machine's tests run without graphviz

    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse exits on its own errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def cli_stdout(capsys, *argv: str) -> str:
    """Run a command that must succeed (exit 0) and return what it printed on stdout."""
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, err
    return out


def one_line_exit_2(code: int, out: str, err: str, message: str) -> None:
    """The promise for bad input of any kind: exit 2, nothing on stdout, one line on stderr naming the problem."""
    assert code == 2, err
    assert out == "", out
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err, err


class Golden:
    """Compare output with tests/golden/NAME, or rewrite it with --update-golden.

    Every golden check carries invariants that do not depend on the file (counts, totals, names that must appear):
    they run first in both modes, so a wrong output fails the test even while the files are being rewritten.
    """

    def __init__(self, update: bool):
        self.update = update

    def check(self, name: str, text: str, invariants: Callable[[str], None], folder: Path = GOLDEN) -> None:
        invariants(text)
        path = folder / name
        if self.update:
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"missing {path}: run pytest --update-golden once"
        assert text == path.read_text(encoding="utf-8"), (
            f"{name} changed; if intended, rewrite it with: python -m pytest --update-golden"
        )
