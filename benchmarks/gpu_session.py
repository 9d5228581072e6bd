"""The GPU session in one prepared run (about 8 minutes on an H200): the GPU tests, the matrix with
the per-stage split by CUDA-graph replay and the measured ceilings, our build beside torchvision and timm (eager and
compiled, with the ratios), where the fused pass pads its stride-2 convolutions, and a kernel profile of the
element-wise gap. Everything it writes lands in --out-dir (at most 8 files, for the device tool):

  gpu-tests.txt         python -m pytest tests/test_bench_gpu.py -q
  <device>.json         benchmarks/gpu_matrix.py (copy to reports/bench/ and commit)
  <device>-peers.json   ours (fused, and plain: model.fused = False), torchvision and timm (their own packages when
                        installed, else the ports in tests/ports), B0 at 256 and B7 at 32, bf16, channels-last,
                        eager with the stage split, then torch.compile of B0 while time is left
  <device>-padding.json our fused B0 with the stride-2 padding in a padded buffer (CUDA's default) and inside the
                        convolution (the CPU's, model/build.py pads_in_kernel): best of alternating rounds
  <device>-kernels.json torch.profiler over 3 passes of B0 at 256: kernels per pass, ms by kind, top kernels
  session.txt           the summary: ours / torchvision / timm, eager and compiled, with ours/port ratios, the
                        padding comparison and the stage-ratio range
  memory-gpu.json/.md   benchmarks/gpu_memory.py (issue 18): predicted vs measured peak memory, --fit's batch and
                        the next one (copy both to reports/memory/ and commit them)

`--parts memory` runs the memory checks alone (about 4 minutes; issue 18's GPU session):
    PYTHONUNBUFFERED=1 python3 benchmarks/gpu_session.py --out-dir "$OUT" --parts memory --budget-s 300

It needs nothing beyond the device image (torch, torchvision, timm, networkx, tqdm, pytest: no graphviz). On the
device machine, from the repository root ($OUT comes back), with the run tool's timeout_s=600:
    PYTHONUNBUFFERED=1 python3 benchmarks/gpu_session.py --out-dir "$OUT" --budget-s 450
(450 s of measuring, then the padding comparison and the kernel profile: under 9 minutes, inside the 10-minute
command limit and, with the machine's start, the 15 minutes of device time.)
Check the script here in a minute (tiny models on the CPU, no tests, no compile):
    python benchmarks/gpu_session.py --smoke --device cpu --out-dir gpu-session
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gpu_matrix  # noqa: E402
import gpu_memory  # noqa: E402

PARTS = ("memory", "tests", "matrix", "peers", "kernels")

KINDS = (
    ("batch norm", r"batch_norm|bn_fw|bn_"),
    ("convolution", r"conv|nhwc|implicit|winograd|dgrad|wgrad"),
    ("matmul", r"gemm|nvjet|cutlass|sm90_xmma|cublas"),
    ("swish", r"silu"),
    ("sigmoid", r"sigmoid"),
    ("fill", r"Fill"),
    ("copy / cast", r"copy|convert|_to_"),
    ("reduction", r"reduce|Mean|mean"),
    ("generic element-wise", r"elementwise"),
)


def kind_of(kernel: str) -> str:
    return next((kind for kind, pattern in KINDS if re.search(pattern, kernel)), "other")


def peers(smoke: bool, device):
    """(label, Implementation) for ours fused and plain, torchvision and timm, per variant."""
    import dataclasses

    from effnet_inspect.arch.specs import parse_variant
    from effnet_inspect.bench.models import from_factory, ours
    from effnet_inspect.errors import InputError
    from effnet_inspect.ports.factory import parse_factory

    names = ["w=0.25,d=0.25,r=64"] if smoke else ["b0", "b7"]
    found = []
    for name in names:
        v = parse_variant(name)
        mine = ours(v)

        def plain(device, build=mine.build):
            model = build(device)
            model.fused = False
            return model

        found += [
            mine,
            dataclasses.replace(mine, name=f"{v.name}-plain", source=f"{mine.source} fused=False", build=plain),
        ]
        number = "b0" if smoke else name
        for label, spec, kwargs, port in (
            (
                "torchvision",
                f"torchvision.models:efficientnet_{number}",
                None,
                f"tests.ports.torchvision_style:efficientnet_{number}",
            ),
            ("timm", "timm:create_model", json.dumps({"model_name": f"efficientnet_{number}"}), None),
        ):
            for candidate in ((spec, kwargs), (port, None)) if port else ((spec, kwargs),):
                if candidate[0] is None:
                    continue
                try:
                    found.append(from_factory(parse_factory(*candidate, f"{label} {v.name}"), 64 if smoke else None))
                    print(f"{found[-1].name}: {found[-1].verdict}", flush=True)
                    break
                except InputError as exc:
                    print(f"{label} {v.name}: {exc}", flush=True)
    return found


def run_peers(out: Path, device, deadline: float, smoke: bool):
    from effnet_inspect.bench.device import environment, measure_ceilings
    from effnet_inspect.bench.results import Precision
    from effnet_inspect.bench.run import run_bench
    from effnet_inspect.bench.timing import BenchConfig, Measurer, release_memory

    settings = gpu_matrix.SETTINGS if device.type == "cuda" else gpu_matrix.cpu_settings()
    impls = peers(smoke, device)
    batch = {"b0": 256, "b7": 32}
    eager = [
        BenchConfig(i, i.resolution, 2 if smoke else batch[i.name.split()[-1].split("-")[0]], Precision.BF16, True)
        for i in impls
    ]
    compiled = (
        []
        if smoke
        else [
            BenchConfig(c.implementation, c.resolution, c.batch_size, c.precision, True, True)
            for c in eager
            if c.resolution == 224 and not c.implementation.name.endswith("plain")
        ]
    )
    ceilings = measure_ceilings(device, [Precision.BF16], **gpu_matrix.smoke_ceilings(smoke))
    measurer = Measurer(device, settings)
    try:
        run = run_bench(
            eager,
            measurer,
            environment(device),
            settings,
            out=out,
            deadline=deadline,
            release=lambda: release_memory(device),
            show_progress=False,
            ceilings=ceilings,
        )
        run = run_bench(
            compiled,
            measurer,
            run.environment,
            settings,
            out=out,
            deadline=deadline - gpu_matrix.COMPILE_RESERVE_S / 2,
            release=lambda: release_memory(device),
            show_progress=False,
            resume=run,
        )
    finally:
        measurer.close()
    return run


def kernel_profile(out: Path, device, smoke: bool) -> dict:
    """Kernels of ours (fused, plain) and torchvision's B0, bf16 channels-last: where the element-wise time goes."""
    import torch

    from effnet_inspect.bench.device import autocast
    from effnet_inspect.bench.results import Precision

    activity = torch.profiler.ProfilerActivity.CUDA if device.type == "cuda" else torch.profiler.ProfilerActivity.CPU
    report = {}
    for impl in [i for i in peers(smoke, device) if "b7" not in i.name]:
        model = impl.build(device).to(memory_format=torch.channels_last)
        batch, size = (2, 64) if smoke else (256, 224)
        x = torch.randn(batch, 3, size, size, device=device).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode(), autocast(Precision.BF16, device):
            for _ in range(3):
                model(x)
            if device.type == "cuda":
                torch.cuda.synchronize()
            with torch.profiler.profile(activities=[activity]) as prof:
                for _ in range(3):
                    model(x)
                if device.type == "cuda":
                    torch.cuda.synchronize()
        kernels = [
            (
                e.key,
                e.count,
                (getattr(e, "self_device_time_total", 0) if device.type == "cuda" else e.self_cpu_time_total)
                / 1000
                / 3,
            )
            for e in prof.key_averages()
            if (e.device_type.name == "CUDA") == (device.type == "cuda")
        ]
        by_kind = defaultdict(float)
        for name, _, ms in kernels:
            by_kind[kind_of(name)] += ms
        report[impl.name] = {
            "kernels_per_pass": sum(c for _, c, _ in kernels) / 3,
            "ms_per_pass": round(sum(ms for *_, ms in kernels), 3),
            "ms_by_kind": {k: round(v, 3) for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])},
            "top": [[n[:100], round(ms, 3)] for n, _, ms in sorted(kernels, key=lambda k: -k[2])[:12]],
        }
        del model, x
    out.write_text(json.dumps(report, indent=1) + "\n")
    return report


def padding_comparison(out: Path, device, smoke: bool, rounds: int = 15) -> list[str]:
    """Our fused B0 with the stride-2 padding in a padded buffer and inside the convolution, alternating rounds,
    best pass each (CUDA events on the GPU): which pads_in_kernel should say on this device."""
    import torch

    from effnet_inspect.bench.device import autocast
    from effnet_inspect.bench.results import Precision
    from effnet_inspect.model import build as build_module

    model = build_module.build("w=0.25,d=0.25,r=64" if smoke else "b0").to(device)
    chosen = build_module.pads_in_kernel
    cases = [(1, Precision.FP32, False), (256, Precision.BF16, True)] if not smoke else [(2, Precision.FP32, False)]
    rows = []
    try:
        for batch, precision, channels_last in cases:
            layout = torch.channels_last if channels_last else torch.contiguous_format
            model.to(memory_format=layout)
            x = torch.randn(batch, 3, 64 if smoke else 224, 64 if smoke else 224, device=device)
            x = x.contiguous(memory_format=layout)
            best = {"buffer": float("inf"), "in kernel": float("inf")}
            with torch.inference_mode(), autocast(precision, device):
                for r in range(rounds):
                    for way in list(best)[r % 2 :] + list(best)[: r % 2]:
                        build_module.pads_in_kernel = lambda x, inside=(way == "in kernel"): inside
                        model(x)  # one warm pass per switch: cuDNN picks its algorithm per shape
                        start = time.perf_counter()
                        if device.type == "cuda":
                            begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                            begin.record()
                            model(x)
                            end.record()
                            end.synchronize()
                            ms = begin.elapsed_time(end)
                        else:
                            model(x)
                            ms = (time.perf_counter() - start) * 1000
                        best[way] = min(best[way], ms)
            rows.append({"batch": batch, "precision": precision.value, "channels_last": channels_last, "best_ms": best})
    finally:
        build_module.pads_in_kernel = chosen
    out.write_text(json.dumps(rows, indent=1) + "\n")
    return [
        f"padding, B0 batch {r['batch']} {r['precision']}{' channels-last' if r['channels_last'] else ''}: buffer "
        f"{r['best_ms']['buffer']:.3f} ms, in the kernel {r['best_ms']['in kernel']:.3f} ms"
        for r in rows
    ]


def port_ratios(peer_run) -> list[str]:
    """ours / port = port time / our time, per variant and mode (eager, compiled): >= 0.97 is the target."""
    lines = []
    ok = [r for r in peer_run.results if r.throughput]
    for r in ok:
        if r.model.endswith("plain") or " " in r.model:
            continue
        for port in ok:
            if port.model.endswith(f" {r.model}") and port.compiled == r.compiled:
                lines.append(
                    f"ours / {port.model} {'compiled' if r.compiled else 'eager'}: {r.throughput / port.throughput:.3f}"
                )
    return lines


def summary(matrix, peer_run) -> str:
    lines = []
    if matrix is not None:
        ratios = [r.stages.ratio for r in matrix.results if r.stages is not None]
        if ratios:
            lines.append(
                f"matrix: stage sum / whole over {len(ratios)} configurations: {min(ratios):.3f} to "
                f"{max(ratios):.3f}; {sum(abs(x - 1) > 0.05 for x in ratios)} outside 5 %"
            )
    if peer_run is not None:
        for r in peer_run.results:
            mode = "compiled" if r.compiled else "eager"
            lines.append(
                f"{r.model:>20} {mode:>8} batch {r.measured_batch_size or r.batch_size:>3}: "
                + (f"{r.throughput:,.0f} img/s" if r.throughput else f"{r.status.value} {r.error}")
                + (f", stage sum / whole {r.stages.ratio:.3f}" if r.stages else "")
            )
        lines += port_ratios(peer_run)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--budget-s", type=float, default=450.0, help="measuring time (default 450 s)")
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--smoke", action="store_true", help="tiny models, no tests, no compile (a CPU check)")
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"what to run, comma-separated, in this order: {', '.join(PARTS)} (default: all; issue 18: memory)",
    )
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    if not parts <= set(PARTS):
        parser.error(f"--parts: {', '.join(sorted(parts - set(PARTS)))} is none of {', '.join(PARTS)}")
    start = time.monotonic()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if "memory" in parts:  # first: the shortest, and the only part issue 18 needs
        gpu_memory.main(
            ["--out-dir", str(args.out_dir), "--budget-s", str(0.9 * args.budget_s if parts == {"memory"} else 240)]
            + (["--smoke"] if args.smoke else [])
        )
    if parts == {"memory"}:
        return 0

    if not args.smoke and "tests" in parts:
        command = [sys.executable, "-m", "pytest", "tests/test_bench_gpu.py", "-q", "-p", "no:cacheprovider"]
        try:
            tests = subprocess.run(command, capture_output=True, text=True, timeout=180)
            text = tests.stdout + tests.stderr
        except subprocess.TimeoutExpired as exc:  # the rest of the session still runs
            text = f"{exc.stdout or ''}{exc.stderr or ''}\nstopped after 180 s\n"
        (args.out_dir / "gpu-tests.txt").write_text(text)
        print(text.strip().splitlines()[-1] if text.strip() else "no test output", flush=True)
    matrix_budget = 0.45 * (args.budget_s - (time.monotonic() - start))
    gpu_matrix.main(
        ["--out-dir", str(args.out_dir), "--budget-s", str(matrix_budget), "--device", args.device]
        + (["--smoke"] if args.smoke else [])
    )

    import torch

    from effnet_inspect.bench.device import environment
    from effnet_inspect.bench.schema import load_results

    device = torch.device(args.device)
    slug = gpu_matrix.device_slug(environment(device).device_name)
    matrix = load_results(args.out_dir / f"{slug}.json")
    peer_run = run_peers(args.out_dir / f"{slug}-peers.json", device, start + args.budget_s - 40, args.smoke)
    print(f"[{time.monotonic() - start:6.1f} s] peers done", flush=True)
    padding = padding_comparison(args.out_dir / f"{slug}-padding.json", device, args.smoke)
    print(f"[{time.monotonic() - start:6.1f} s] padding done", flush=True)
    kernel_profile(args.out_dir / f"{slug}-kernels.json", device, args.smoke)
    text = summary(matrix, peer_run) + "".join(line + "\n" for line in padding)
    (args.out_dir / "session.txt").write_text(text)
    print(text + f"[{time.monotonic() - start:6.1f} s] done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
