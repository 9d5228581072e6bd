"""effnet-inspect bench: measured forward-pass throughput, latency, memory and per-stage time.

Defaults follow the device: on a GPU b0-b7, batches 1,8,32,128, fp32 and bf16, 10 warm-up and 3 rounds of up to
50 timed passes (at most 1 s a round); on the CPU a run of seconds (b0, batch 1, fp32, 2 warm-up, 3 x 10
passes). tf32, fp16 and --cuda-graphs mean nothing on the CPU and are refused with a one-line error rather than
silently measured as something else.
"""
from __future__ import annotations

import argparse
import sys

from effnet_inspect.bench.results import Device, Precision
from effnet_inspect.cli.common import add_resolution, enum_arg, out_file

GPU_VARIANTS = ("b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7")
CPU_VARIANTS = ("b0",)
GPU_BATCHES = (1, 8, 32, 128)
CPU_BATCHES = (1,)
GPU_PRECISIONS = (Precision.FP32, Precision.BF16)
CPU_PRECISIONS = (Precision.FP32,)
MAX_BATCH = 65536


def batch_sizes_arg(text: str) -> tuple[int, ...]:
    sizes = []
    for part in text.split(","):
        try:
            size = int(part.strip())
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_BATCH:
            raise argparse.ArgumentTypeError(
                f"bad batch size {part.strip()!r} in {text!r}; give whole numbers 1-{MAX_BATCH}, e.g. 1,8,32")
        sizes.append(size)
    return tuple(dict.fromkeys(sizes))


def precisions_arg(text: str) -> tuple[Precision, ...]:
    one = enum_arg(Precision)
    return tuple(dict.fromkeys(one(part.strip()) for part in text.split(",")))


def count_arg(minimum: int):
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {text!r}")
        return value
    convert.__name__ = "count"
    return convert


def seconds_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < 1e6:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure forward-pass throughput, latency and per-stage time (GPU or CPU)",
                       description=__doc__.split("\n\n", 1)[1].replace("\n", " "))
    p.add_argument("variants", nargs="*", metavar="VARIANT",
                   help="b0-b7 or a custom variant ('phi=2.5', 'w=1.3,d=1.5,r=320'); default: b0-b7 on a GPU, "
                        "b0 on the CPU")
    p.add_argument("--device", type=enum_arg(Device), default=Device.AUTO, metavar="DEVICE",
                   help="auto | cuda | cpu (default: auto, CUDA when available)")
    p.add_argument("--batch-sizes", type=batch_sizes_arg, metavar="N,N,...",
                   help="batch sizes (default: 1,8,32,128 on a GPU, 1 on the CPU)")
    p.add_argument("--dtype", type=precisions_arg, metavar="DTYPE,...",
                   help="fp32 (TF32 off) | tf32 | fp16 | bf16 (autocast); default: fp32,bf16 on a GPU, fp32 on the "
                        "CPU, where tf32 and fp16 are refused")
    p.add_argument("--channels-last", action="store_true", help="channels-last memory format for weights and input")
    p.add_argument("--compile", action="store_true",
                   help="torch.compile (inductor, static shapes); no per-stage split then")
    p.add_argument("--cuda-graphs", action="store_true",
                   help="replay a captured CUDA graph (with --compile: mode reduce-overhead); GPU only")
    p.add_argument("--warmup", type=count_arg(0), metavar="N", help="warm-up passes (default: 10 GPU, 2 CPU)")
    p.add_argument("--iters", type=count_arg(1), metavar="N",
                   help="timed passes per repeat (default: 50 GPU, 10 CPU)")
    p.add_argument("--repeats", type=count_arg(1), metavar="N", help="rounds of timed passes (default: 3)")
    p.add_argument("--budget", type=seconds_arg, metavar="SECONDS",
                   help="time cap per round: slow configurations get fewer passes, at least 3 (default: 1 on a "
                        "GPU, none on the CPU)")
    add_resolution(p)
    p.add_argument("--out", type=out_file, metavar="FILE.json",
                   help="write the results here, rewritten after every configuration (atomically)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import dataclasses

    from effnet_inspect.bench.runner import (BenchConfig, Measurer, check_config, default_settings, environment, release_memory,
                         resolve_device, run_bench)
    from effnet_inspect.bench.tables import render_run
    from effnet_inspect.files import check_writable
    from effnet_inspect.arch.specs import parse_variant

    device = resolve_device(args.device)
    gpu = device.type == "cuda"
    if args.out is not None:  # fail before measuring, not after the first configuration
        check_writable(args.out)
    variants = [parse_variant(v) for v in args.variants or (GPU_VARIANTS if gpu else CPU_VARIANTS)]
    configs = [BenchConfig(v, args.resolution or v.resolution, batch, precision, args.channels_last, args.compile,
                           args.cuda_graphs)
               for v in variants
               for precision in args.dtype or (GPU_PRECISIONS if gpu else CPU_PRECISIONS)
               for batch in args.batch_sizes or (GPU_BATCHES if gpu else CPU_BATCHES)]
    for config in configs:
        check_config(config, device)
    settings = default_settings(device)
    overrides = {k: getattr(args, a) for k, a in (("warmup", "warmup"), ("iters", "iters"), ("repeats", "repeats"),
                                                  ("budget_s", "budget")) if getattr(args, a) is not None}
    settings = dataclasses.replace(settings, **overrides)
    measurer = Measurer(device, settings)
    try:
        result = run_bench(configs, measurer, environment(device), settings, out=args.out,
                           release=lambda: release_memory(device))
    finally:
        measurer.close()
    sys.stdout.write(render_run(result))
    if args.out is not None:
        print(f"wrote {args.out}", file=sys.stderr)
    failed = sum(r.error is not None for r in result.results)
    if failed:
        print(f"{failed} of {len(result.results)} configurations did not run; see the Note column", file=sys.stderr)
    return 0
