"""effnet-inspect bench: measured forward-pass throughput, latency, memory and per-stage time with a roofline.

Defaults follow the device: on a GPU b0-b7, batches 1,8,32,128, fp32 and bf16, 10 warm-up and 3 rounds of up to
50 timed passes (at most 1 s a round); on the CPU a run of seconds (b0, batch 1, fp32, 2 warm-up, 3 x 10
passes, at most 2 s a round), with a warning first when the configurations asked for will take minutes. tf32, fp16
and --cuda-graphs mean nothing on the CPU and are refused with a one-line error rather than silently measured as
something else. --model adds another implementation (random weights, built on the device; repeat it for several),
split into stages as `inspect` groups it. The results table is printed before anything that can fail (a full
disk, Ctrl-C), and a run in which no configuration ran exits with status 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from effnet_inspect.bench.results import BenchRun, Device, Precision
from effnet_inspect.cli.common import add_resolution, check_suffix, enum_arg, out_file, variants_or_all
from effnet_inspect.errors import InputError

GPU_VARIANTS = ("b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7")
CPU_VARIANTS = ("b0",)
GPU_BATCHES = (1, 8, 32, 128)
CPU_BATCHES = (1,)
GPU_PRECISIONS = (Precision.FP32, Precision.BF16)
CPU_PRECISIONS = (Precision.FP32,)
MAX_BATCH = 65536

if TYPE_CHECKING:  # the runner imports torch: only when a benchmark really runs
    from effnet_inspect.bench.timing import BenchConfig, Measure


def _whole(text: str) -> int | None:
    """ASCII digits only: int() also takes '1_0' and other scripts' digits, which variants refuse too."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def batch_sizes_arg(text: str) -> tuple[int, ...]:
    sizes = []
    for part in text.split(","):
        size = _whole(part) or 0
        if not 1 <= size <= MAX_BATCH:
            raise argparse.ArgumentTypeError(
                f"bad batch size {part.strip()!r} in {text!r}; give whole numbers 1-{MAX_BATCH}, e.g. 1,8,32"
            )
        sizes.append(size)
    return tuple(dict.fromkeys(sizes))


def precisions_arg(text: str) -> tuple[Precision, ...]:
    one = enum_arg(Precision)
    return tuple(dict.fromkeys(Precision(one(part.strip())) for part in text.split(",")))


def count_arg(minimum: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        value = _whole(text)
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {text!r}")
        return value

    convert.__name__ = "count"
    return convert


def seconds_arg(text: str) -> float:
    value = float(text) if re.fullmatch(r"[0-9]+(\.[0-9]*)?|\.[0-9]+", text.strip(), re.ASCII) else 0.0
    if not 0 < value < 1e6:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


class ModelArg(argparse.Action):
    """--model starts an entry; --kwargs and --name fill in the entry of the --model before them."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        value: Any,
        option_string: str | None = None,
    ) -> None:
        models = getattr(namespace, "models", None) or []
        if option_string == "--model":
            models.append({"model": value})
        elif not models:
            raise argparse.ArgumentError(self, "must follow the --model it is for")
        elif self.dest in models[-1]:
            raise argparse.ArgumentError(self, f"given twice for --model {models[-1]['model']}")
        else:
            models[-1][self.dest] = value
        namespace.models = models


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="measure forward-pass throughput, latency and per-stage time (GPU or CPU)",
        description=__doc__.split("\n\n", 1)[1].replace("\n", " "),
    )
    p.add_argument(
        "variants",
        nargs="*",
        metavar="VARIANT",
        help="b0-b7 or a custom variant ('phi=2.5', 'w=1.3,d=1.5,r=320'); default: b0-b7 on a GPU, b0 on the CPU",
    )
    p.add_argument(
        "--model",
        action=ModelArg,
        dest="model",
        metavar="MODULE:CALLABLE",
        help="another implementation, e.g. 'tests.ports.torchvision_style:efficientnet_b0' (called on the "
        "device: random weights, nothing downloaded); give it several times to compare them",
    )
    p.add_argument(
        "--kwargs",
        action=ModelArg,
        dest="kwargs",
        metavar="JSON",
        help="keyword arguments for the --model before it, as a JSON object",
    )
    p.add_argument(
        "--name",
        action=ModelArg,
        dest="name",
        metavar="LABEL",
        help="label of the --model before it (default: MODULE:CALLABLE, or MODULE:MODEL_NAME)",
    )
    p.add_argument(
        "--device",
        type=enum_arg(Device),
        default=Device.AUTO,
        metavar="DEVICE",
        help="auto | cuda | cpu (default: auto, CUDA when available)",
    )
    p.add_argument(
        "--batch-sizes",
        type=batch_sizes_arg,
        metavar="N,N,...",
        help="batch sizes (default: 1,8,32,128 on a GPU, 1 on the CPU)",
    )
    p.add_argument(
        "--dtype",
        type=precisions_arg,
        metavar="DTYPE,...",
        help="fp32 (TF32 off) | tf32 | fp16 | bf16 (autocast); default: fp32,bf16 on a GPU, fp32 on the "
        "CPU, where tf32 and fp16 are refused",
    )
    p.add_argument("--channels-last", action="store_true", help="channels-last memory format for weights and input")
    p.add_argument(
        "--compile", action="store_true", help="torch.compile (inductor, static shapes); no per-stage split then"
    )
    p.add_argument(
        "--cuda-graphs",
        action="store_true",
        help="replay a captured CUDA graph (with --compile: mode reduce-overhead); GPU only",
    )
    p.add_argument("--warmup", type=count_arg(0), metavar="N", help="warm-up passes (default: 10 GPU, 2 CPU)")
    p.add_argument("--iters", type=count_arg(1), metavar="N", help="timed passes per repeat (default: 50 GPU, 10 CPU)")
    p.add_argument("--repeats", type=count_arg(1), metavar="N", help="rounds of timed passes (default: 3)")
    p.add_argument(
        "--budget",
        type=seconds_arg,
        metavar="SECONDS",
        help="time cap per round: slow configurations get fewer passes, at least 3 (default: 1 on a GPU, 2 on the CPU)",
    )
    add_resolution(p)
    p.add_argument(
        "--out",
        type=out_file,
        metavar="FILE.json",
        help="write the results here, rewritten after every configuration (atomically); '-': the "
        "JSON on stdout at the end, the table on stderr",
    )
    p.set_defaults(run=run, models=[])


def implementations(args: argparse.Namespace, gpu: bool) -> list:
    """Ours (the variants; by default the device's set, unless only --model is given), then each --model."""
    from effnet_inspect.bench.models import from_factory, ours
    from effnet_inspect.ports.factory import parse_factory

    variants = variants_or_all(args.variants or ((GPU_VARIANTS if gpu else CPU_VARIANTS) if not args.models else ()))
    factories = [parse_factory(e["model"], e.get("kwargs"), e.get("name")) for e in args.models]
    names = [v.name for v in variants] + [f.name for f in factories]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:  # before minutes of inspecting and measuring
        raise InputError(f"two models are named {twice!r}; label them apart with --name")
    others = [from_factory(f, args.resolution) for f in factories]
    for other in others:
        print(f"{other.name}: {other.verdict}; measured at {other.resolution} px", file=sys.stderr)
    return [ours(v) for v in variants] + others


def run(args: argparse.Namespace) -> int:
    import dataclasses

    from effnet_inspect.bench.device import (
        check_options,
        default_settings,
        environment,
        measure_ceilings,
        resolve_device,
    )
    from effnet_inspect.bench.tables import render_run
    from effnet_inspect.bench.timing import BenchConfig, Measurer, release_memory
    from effnet_inspect.files import check_writable, is_stdout

    to_stdout = is_stdout(args.out)
    if args.out is not None and not to_stdout:  # fail before measuring, not after the first configuration
        check_suffix(args.out, (".json",), "JSON")
        check_writable(args.out)
    device = resolve_device(args.device)
    gpu = device.type == "cuda"
    precisions = args.dtype or (GPU_PRECISIONS if gpu else CPU_PRECISIONS)
    for precision in precisions:
        check_options(precision, args.cuda_graphs, device)
    configs = [
        BenchConfig(
            impl,
            args.resolution or impl.resolution,
            batch,
            precision,
            args.channels_last,
            args.compile,
            args.cuda_graphs,
        )
        for impl in implementations(args, gpu)  # outermost: each model is built once
        for precision in precisions
        for batch in args.batch_sizes or (GPU_BATCHES if gpu else CPU_BATCHES)
    ]
    settings = default_settings(device)
    overrides = {
        k: getattr(args, a)
        for k, a in (("warmup", "warmup"), ("iters", "iters"), ("repeats", "repeats"), ("budget_s", "budget"))
        if getattr(args, a) is not None
    }
    settings = dataclasses.replace(settings, **overrides)
    if not gpu:
        from effnet_inspect.bench.estimate import cpu_warning

        warning = cpu_warning(configs, settings)
        if warning:
            print(f"effnet-inspect bench: warning: {warning}", file=sys.stderr)
    ceilings = measure_ceilings(device, precisions)  # the roofline's roofs, in the same run
    measurer = Measurer(device, settings)
    try:
        result, write_error, interrupted = measure_all(
            configs,
            measurer,
            BenchRun(environment(device), settings, ceilings),
            None if to_stdout else args.out,
            release=lambda: release_memory(device),
        )
    finally:
        measurer.close()
    # The results are printed before anything that can still fail: a full disk or Ctrl-C loses nothing.
    (sys.stderr if to_stdout else sys.stdout).write(render_run(result))
    if interrupted:
        raise KeyboardInterrupt
    if write_error is not None:
        raise write_error
    if to_stdout:
        from effnet_inspect.bench.results import to_json

        sys.stdout.write(to_json(result))
    elif args.out is not None:
        print(f"wrote {args.out}", file=sys.stderr)
    failed = [r for r in result.results if r.error is not None]
    if failed and len(failed) == len(result.results):
        raise InputError(f"none of the {len(failed)} configurations ran (first: {failed[0].label}: {failed[0].error})")
    if failed:
        print(
            f"{len(failed)} of {len(result.results)} configurations did not run; see the Note column", file=sys.stderr
        )
    return 0


def measure_all(
    configs: Sequence[BenchConfig], measure: Measure, run: BenchRun, out: Path | None, release: Callable[[], None]
) -> tuple[BenchRun, InputError | None, bool]:
    """Every configuration in order, the results file rewritten after each one. Returns (run, the InputError of a
    write that failed or None, whether Ctrl-C stopped it): measuring stops at either, keeping what it has."""
    import itertools

    from effnet_inspect.bench.results import save_results
    from effnet_inspect.bench.run import run_bench
    from effnet_inspect.progress import progress, stopping

    groups = [list(g) for _, g in itertools.groupby(configs, key=lambda c: c.implementation)]
    try:
        for group in progress(groups, desc="bench", label=lambda g: g[0].implementation.name):
            for config in group:
                run = run_bench(
                    [config], measure, run.environment, run.settings, release=release, show_progress=False, resume=run
                )
                if out is not None:
                    try:
                        save_results(run, out)
                    except InputError as exc:
                        return run, exc, False
    except KeyboardInterrupt:
        stopping()
        return run, None, True
    return run, None, False
