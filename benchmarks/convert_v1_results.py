"""Convert a version-1 results file to version 2 (the format since), keeping every measured figure as it was.

Made for the H200 run of 2026-11-29 (main at commit fcebea1, benchmarks/gpu_matrix.py --budget-s 354), which is
reports/bench/nvidia-h200.json until a GPU session measures it again:

    python benchmarks/convert_v1_results.py V1-RESULTS.json reports/bench/nvidia-h200.json \
        --commit fcebea1 --spec-sheet h200 --measured "on 2026-11-29 by benchmarks/gpu_matrix.py --budget-s 354"

What changes: `variant` becomes `model`, and `source` names the build and the commit; the stage splits keep their
times and are marked as version 1's method (StageMethod.EAGER_EVENTS: CUDA events between eagerly launched
stages, which time the host's launches whenever the GPU waits for them; see `stage_note`); each stage gets the
FLOPs, bytes and intensity counted from the traced graph (the architecture has not changed since); the roofline
verdicts use the device's spec-sheet ceilings, as that run measured none. Nothing is re-measured or estimated.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from effnet_inspect.arch.specs import parse_variant  # noqa: E402
from effnet_inspect.bench.models import model_facts, ours  # noqa: E402
from effnet_inspect.bench.results import (
    VERSION,
    Ceilings,
    Precision,
    StageMethod,
    StageTiming,  # noqa: E402
    as_data,
    parse_results,
    save_results,
)
from effnet_inspect.bench.roofline import stage_times  # noqa: E402

# NVIDIA's spec-sheet figures (dense tensor-core peaks; HBM3e bandwidth).
SPEC_SHEETS = {
    "h200": Ceilings(
        "NVIDIA H200 spec sheet (4.8 TB/s HBM3e; dense bf16/fp16 989, tf32 495, fp32 67 TFLOP/s), "
        "not measured in this run",
        copy_gb_s=4800.0,
        matmul_tflops={"bf16": 989.0, "fp16": 989.0, "tf32": 495.0, "fp32": 67.0},
    )
}
OLD_METHOD = (
    "version 1's method, CUDA events between eagerly launched stages, which time the host's launches "
    "whenever the GPU waits for them"
)


def convert_result(old: dict, commit: str, ceilings: Ceilings) -> dict:
    new = {k: v for k, v in old.items() if k not in ("variant", "stages")}
    new.update(
        model=old["variant"], source=f"effnet-inspect {old['variant']} at commit {commit}", stages=None, stage_note=None
    )
    if old["compiled"]:
        new["stage_note"] = "not split: torch.compile fuses work across the stage boundaries"
    elif old["cuda_graphs"]:
        new["stage_note"] = "not split: version 1 did not split CUDA-graph runs"
    stages = old.get("stages")
    if stages is None or old["status"] != "ok":
        return new
    facts = model_facts(ours(parse_variant(old["variant"])), old["resolution"])
    if [s["stage"] for s in stages["stages"]] != [w.stage for w in facts.work]:
        raise ValueError(f"{old['variant']}: stages {[s['stage'] for s in stages['stages']]} are not today's")
    rows = stage_times(
        facts.work,
        [s["time_ms"] for s in stages["stages"]],
        old["measured_batch_size"],
        Precision(old["precision"]),
        ceilings,
    )
    timing = StageTiming(StageMethod.EAGER_EVENTS, stages["whole_ms"], stages["sum_ms"], stages["ratio"], rows)
    new["stages"] = as_data(timing)
    if not timing.adds_up:
        new["stage_note"] = f"stage sum is {timing.ratio:.3f}x the whole: {OLD_METHOD}"
    return new


def convert(data: dict, commit: str, measured: str, ceilings: Ceilings, source: str) -> dict:
    if data.get("version") != 1:
        raise ValueError(f"{source}: version {data.get('version')!r}, expected 1")
    results = [convert_result(r, commit, ceilings) for r in data["results"]]
    note = (
        f"Measured {measured} with main at commit {commit}: the build before the fused forward, and the stage "
        f"split by {OLD_METHOD}. Converted from version 1 by benchmarks/convert_v1_results.py, not re-run: "
        f"the times are that run's; the per-stage FLOPs, bytes and intensity are counted from the traced "
        f"graph; the roofline's ceilings are the spec sheet's."
    )
    return {**data, "version": VERSION, "results": results, "note": note, "ceilings": as_data(ceilings)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--commit", required=True, help="the commit the run was measured with")
    parser.add_argument("--measured", required=True, help="when and how, for the file's note")
    parser.add_argument(
        "--spec-sheet", choices=sorted(SPEC_SHEETS), required=True, help="the device, for the roofline's ceilings"
    )
    args = parser.parse_args(argv)
    data = convert(
        json.loads(args.source.read_text()), args.commit, args.measured, SPEC_SHEETS[args.spec_sheet], str(args.source)
    )
    run = parse_results(data, str(args.source))  # the same checks as any results file
    save_results(run, args.target)
    print(f"wrote {args.target}: {len(run.results)} results")
    return 0


if __name__ == "__main__":
    sys.exit(main())
