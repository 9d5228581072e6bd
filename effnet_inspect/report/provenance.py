"""Where a benchmark run's speeds come from, said beside every speed a page quotes: the device, the day, the commit
and version of the code that measured, how it timed, and whether the run predates the code that wrote this page.

Reads BenchRun records only (effnet_inspect.bench.results).
"""

from __future__ import annotations

from dataclasses import dataclass

from effnet_inspect import __version__
from effnet_inspect.bench.results import BenchRun, Timer

TIMERS = {Timer.CUDA_EVENTS: "CUDA events", Timer.PERF_COUNTER: "the wall clock (perf_counter)"}


@dataclass(frozen=True)
class Provenance:
    device: str
    date: str  # "2026-11-29", or "on an unrecorded day"
    code: str  # "commit fcebea1", "effnet-inspect 0.1.0 at commit c0b8234"
    timing: str  # how each figure was timed
    older: str | None  # why the run predates the code that wrote this page; None when it does not

    @property
    def when(self) -> str:
        """'NVIDIA H200, 2026-11-29, commit fcebea1'."""
        return f"{self.device}, {self.date}, {self.code}"


def provenance(run: BenchRun) -> Provenance:
    env, settings = run.environment, run.settings
    code = " at ".join(
        part
        for part in (
            f"effnet-inspect {env.effnet_inspect}" if env.effnet_inspect else "",
            f"commit {env.commit}" if env.commit else "",
        )
        if part
    )
    budget = f", each round cut short after {settings.budget_s:g} s" if settings.budget_s else ""
    timing = (
        f"timed with {TIMERS[settings.timer]}: {settings.warmup} warm-up passes, then {settings.repeats} rounds of "
        f"up to {settings.iters} passes{budget}; latency is the median pass, images/s the batch over the mean pass"
    )
    return Provenance(
        env.device_name, env.date or "on an unrecorded day", code or "unrecorded code", timing, older(run)
    )


def older(run: BenchRun) -> str | None:
    """Why the run's figures may not be what this code would measure, or None."""
    if run.note:  # the file says itself that no single run of the current version wrote it
        return run.note
    version = run.environment.effnet_inspect
    if version is None:
        return "The results file was written before runs recorded the code that measured them."
    if version != __version__:
        return f"Measured by effnet-inspect {version}; this page was written by {__version__}."
    return None
