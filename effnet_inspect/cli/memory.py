"""effnet-inspect memory: will it fit? Training and inference memory, the largest batch per card, checkpointing."""

from __future__ import annotations

import argparse
import re

from effnet_inspect.cli.common import add_model_args, add_resolution, add_variants, emit, enum_arg, format_for, out_file


def batch_size(text: str) -> int:
    if not re.fullmatch(r"[0-9]+", text.strip(), re.ASCII) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--batch-size must be a whole number of images, 1 or more, got {text!r}")
    return int(text)


def listed(text: str) -> list[str]:
    """'block2,block3' or 'v100-16, a100-80': the items, none empty."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"{text!r} has an empty item; separate items with single commas")
    return items


def register(sub: argparse._SubParsersAction) -> None:
    from effnet_inspect.analysis.capacity import CARDS, CUDA_CONTEXT, MIB
    from effnet_inspect.analysis.memory import DType
    from effnet_inspect.analysis.memory_rows import MemoryLevel
    from effnet_inspect.analysis.peak import Mode, Optimizer
    from effnet_inspect.render.memory import MemoryFormat

    p = sub.add_parser(
        "memory",
        help="will it fit? training / inference memory per stage, the largest batch per card, checkpointing",
        description="What a training step or an inference pass keeps in memory, per model, stage, sub-block or "
        "layer: the activations autograd keeps for backward (each storage once), weights, gradients, optimizer "
        "state and the peak of the step, from the traced graph (no forward pass).",
    )
    add_variants(p)
    p.add_argument("--batch-size", type=batch_size, default=1, metavar="N", help="images per step (default: 1)")
    p.add_argument(
        "--dtype",
        type=enum_arg(DType),
        default=DType.FP32,
        metavar="DTYPE",
        help="fp32 | bf16 | fp16 (autocast; default: fp32)",
    )
    p.add_argument(
        "--mode",
        type=enum_arg(Mode),
        default=Mode.TRAINING,
        metavar="MODE",
        help="training | inference (default: training)",
    )
    p.add_argument(
        "--optimizer",
        type=enum_arg(Optimizer),
        default=Optimizer.ADAM,
        metavar="NAME",
        help="none | sgd | momentum | adam | adamw: its state between steps (default: adam)",
    )
    p.add_argument(
        "--checkpoint",
        type=listed,
        default=[],
        metavar="STAGE,...|auto",
        help="checkpoint these stages (torch.utils.checkpoint): memory saved against MACs recomputed; 'auto': the "
        "stages that fit --batch-size in the --fit card at the fewest recomputed MACs",
    )
    p.add_argument(
        "--fit",
        type=listed,
        default=[],
        metavar="SIZE,...",
        help=f"card memory: '16GiB', '80GB', or {', '.join(CARDS)}: the largest batch that fits, one column per "
        f"card ({CUDA_CONTEXT // MIB} MiB of each go to the CUDA context)",
    )
    p.add_argument(
        "--level",
        type=enum_arg(MemoryLevel),
        default=MemoryLevel.FAMILY,
        metavar="LEVEL",
        help="family | stage | subblock | layer (default: family)",
    )
    p.add_argument(
        "--format",
        type=enum_arg(MemoryFormat),
        metavar="FORMAT",
        help="text | md | csv | json (default: from the --out extension, else text)",
    )
    add_resolution(p)
    p.add_argument("--out", type=out_file, metavar="PATH", help="write to a file instead of stdout")
    add_model_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from effnet_inspect.api.memory import FORMAT_BY_SUFFIX, memory
    from effnet_inspect.render.memory import MemoryFormat

    fmt = format_for(args.out, args.format, FORMAT_BY_SUFFIX, MemoryFormat.TEXT)  # before any work
    found = memory(
        args.variants,
        model=args.model,
        kwargs=args.kwargs,
        name=args.name,
        resolution=args.resolution,
        batch_size=args.batch_size,
        dtype=args.dtype,
        mode=args.mode,
        optimizer=args.optimizer,
        checkpoint=args.checkpoint,
        fit=args.fit,
        level=args.level,
    )
    emit(found.render(fmt), args.out)
    return 0
