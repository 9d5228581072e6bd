"""The GPU benchmark matrix, in one run that fits a few minutes of GPU time.

Writes <out-dir>/<device-name>.json (e.g. reports/bench/nvidia-h200.json) in the format of
effnet_inspect/bench/results.py, rewritten after every configuration, so a run cut short keeps what it measured.
The device's ceilings (a large copy, a large matmul per precision) are measured first, for the roofline.
Configurations run in order of interest, in phases; when the time budget is used up the rest are recorded as
skipped (compiled ones stop earlier, because one compilation can take a minute or two):

  1. anchors (bf16, channels-last, eager): B0 at batch 256 (NVIDIA's A100 figure is at batch 256), B4 at 64,
     B7 at 32; B0 batch 1 replayed from a CUDA graph (launch overhead without the Python/dispatcher cost);
  2. torch.compile (inductor) of B0 at 256 (timm's 14,326 images/s is bf16 + compile);
  3. eager bf16: B0-B7 x channels-last {on, off} x batch {1, 16, large}, where "large" keeps the pixels per
     batch near B0 at 256 (B0 256, B3 128, B5 64, B7 32);
  4. torch.compile of the B4 and B7 anchors;
  5. eager fp32 (TF32 off): the same grid as 3;
  6. torch.compile of the other variants (bf16, channels-last, large batch), while time is left.
Timing per configuration: 3 warm-up passes after the first call (cudnn.benchmark on), 3 rounds of up to 30
passes capped at 0.3 s per round (at least 3 passes), CUDA events; then the per-stage split (one CUDA graph per
stage against one for the whole pass; not for compiled models).

On the device machine (the repository root is the working directory; $OUT comes back):
    python benchmarks/gpu_matrix.py --out-dir "$OUT" --budget-s 450
then copy $OUT/<device>.json into reports/bench/ and commit it. Preview the plan anywhere:
    python benchmarks/gpu_matrix.py --dry-run
Check the script's logic on a CPU in seconds (tiny models, eager, fp32/bf16):
    python benchmarks/gpu_matrix.py --smoke --device cpu --out-dir bench-smoke
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from effnet_inspect.arch.specs import OFFICIAL_NAMES, Variant, parse_variant  # noqa: E402
from effnet_inspect.bench.results import BenchSettings, Device, Precision, Timer  # noqa: E402
from effnet_inspect.errors import InputError  # noqa: E402

ANCHORS = (("b0", 256), ("b4", 64), ("b7", 32))
SETTINGS = BenchSettings(warmup=3, iters=30, repeats=3, budget_s=0.3, timer=Timer.CUDA_EVENTS, cudnn_benchmark=True)
COMPILE_RESERVE_S = 150  # no compilation starts with less than this left: B7's can take about two minutes


def cpu_settings() -> BenchSettings:
    return dataclasses.replace(SETTINGS, timer=Timer.PERF_COUNTER, cudnn_benchmark=False)


def smoke_ceilings(smoke: bool) -> dict:
    """Small ceilings measurements for a smoke run (seconds on a CPU), the defaults otherwise."""
    return {"copy_bytes": 2**24, "matmul_size": 256} if smoke else {}


def large_batch(variant: Variant, resolution: int) -> int:
    """About as many pixels per batch as B0 at 256, as a power of two (B0 256, B3 128, B5 64, B7 32)."""
    target = 256 * (224 / resolution) ** 2
    return max(1, 2 ** round(math.log2(target)))


def plan(variants: list[Variant], resolution_of, smoke: bool) -> list[tuple[str, list]]:
    """The phases: (name, configurations), most wanted first."""
    from effnet_inspect.bench.models import ours
    from effnet_inspect.bench.timing import BenchConfig

    def cfg(v: Variant, batch: int, precision=Precision.BF16, cl=True, compiled=False, graphs=False):
        return BenchConfig(ours(v), resolution_of(v), batch, precision, cl, compiled, graphs)

    by_name = {v.name: v for v in variants}
    anchors = [(by_name[n], b) for n, b in ANCHORS if n in by_name] or [(variants[0], 2)]
    if smoke:  # tiny batches and no CUDA-only or compiled work: checks the plumbing, not the speed
        anchors = [(v, 2) for v, _ in anchors]
        return [
            ("anchors", [cfg(v, b) for v, b in anchors]),
            (
                "eager matrix",
                [
                    cfg(v, b, p, cl)
                    for v in variants
                    for p in (Precision.BF16, Precision.FP32)
                    for cl in (True, False)
                    for b in (1, 2)
                ],
            ),
        ]
    first_compiled = [anchors[0]]  # B0: the headline figure (timm: 14,326 images/s with bf16 + compile)
    large = {v: large_batch(v, resolution_of(v)) for v in variants}

    def eager(precision: Precision) -> list:
        return [cfg(v, b, precision, cl) for v in variants for cl in (True, False) for b in sorted({1, 16, large[v]})]

    phases = [
        ("anchors", [cfg(v, b) for v, b in anchors] + [cfg(anchors[0][0], 1, graphs=True)]),
        ("compiled B0", [cfg(v, b, compiled=True) for v, b in first_compiled]),
        ("eager bf16", eager(Precision.BF16)),
        ("compiled anchors", [cfg(v, b, compiled=True) for v, b in anchors]),
        ("eager fp32", eager(Precision.FP32)),
        ("compiled rest", [cfg(v, large[v], compiled=True) for v in variants]),
    ]
    seen: set = set()  # a configuration runs once, in the first phase that lists it
    return [(name, [c for c in configs if not (c in seen or seen.add(c))]) for name, configs in phases]


def device_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "device"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, default=Path("reports/bench"))
    parser.add_argument("--budget-s", type=float, default=450.0, help="stop starting configurations after this")
    parser.add_argument("--device", choices=[d.value for d in Device], default="cuda")
    parser.add_argument("--variants", default=",".join(OFFICIAL_NAMES))
    parser.add_argument("--smoke", action="store_true", help="tiny models (w=d=0.25 at 64 px), for a CPU check")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and exit")
    args = parser.parse_args(argv)
    start = time.monotonic()

    if args.smoke:
        variants = [parse_variant("w=0.25,d=0.25,r=64")]
        resolution_of = lambda v: 64  # noqa: E731
    else:
        try:
            variants = [parse_variant(n) for n in args.variants.split(",")]
        except InputError as exc:
            parser.error(str(exc))
        resolution_of = lambda v: v.resolution  # noqa: E731
    phases = plan(variants, resolution_of, args.smoke)
    if args.dry_run:
        for name, configs in phases:
            print(f"{name}: {len(configs)} configurations")
            for c in configs:
                flags = [
                    f for f, on in (("CL", c.channels_last), ("compile", c.compiled), ("graphs", c.cuda_graphs)) if on
                ]
                print(
                    f"  {c.implementation.name}@{c.resolution} batch {c.batch_size} {c.precision.value} "
                    f"{' '.join(flags)}"
                )
        return 0

    from effnet_inspect.bench.device import check_options, environment, measure_ceilings, resolve_device
    from effnet_inspect.bench.run import run_bench
    from effnet_inspect.bench.tables import render_run
    from effnet_inspect.bench.timing import Measurer, release_memory

    try:
        device = resolve_device(Device(args.device))
        for _, configs in phases:
            for c in configs:
                check_options(c.precision, c.cuda_graphs, device)
    except InputError as exc:
        print(f"gpu_matrix: error: {exc}", file=sys.stderr)
        return 2
    settings = SETTINGS if device.type == "cuda" else cpu_settings()
    env = environment(device)
    out = args.out_dir / f"{device_slug(env.device_name)}.json"
    print(f"{env.device_name}: writing {out}", flush=True)
    precisions = [c.precision for _, configs in phases for c in configs]
    ceilings = measure_ceilings(device, precisions, **smoke_ceilings(args.smoke))
    print(f"ceilings: copy {ceilings.copy_gb_s:g} GB/s, matmul {ceilings.matmul_tflops} TFLOP/s", flush=True)
    measurer = Measurer(device, settings)
    run = None
    deadline = start + args.budget_s
    try:
        for name, configs in phases:
            reserve = COMPILE_RESERVE_S if any(c.compiled for c in configs) else 0
            print(f"[{time.monotonic() - start:6.1f} s] {name}: {len(configs)} configurations", flush=True)
            run = run_bench(
                configs,
                measurer,
                env,
                settings,
                out=out,
                deadline=deadline - reserve,
                release=lambda: release_memory(device),
                show_progress=False,
                resume=run,
                ceilings=ceilings,
            )
    finally:
        measurer.close()
    print(render_run(run))
    ratios = [r.stages.ratio for r in run.results if r.stages is not None]
    if ratios:
        print(f"stage sum / whole over {len(ratios)} configurations: {min(ratios):.3f} to {max(ratios):.3f}")
    print(f"[{time.monotonic() - start:6.1f} s] wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
