"""Issue 18's GPU oracle: the memory analysis' predicted peak against torch.cuda.max_memory_allocated.

For B0, B3 and B7, training (Adam, a whole step after a warm-up step) and inference, fp32 and bf16 autocast:
- the predicted peak at batch 1 and at the largest batch that fits the card's own memory (its total memory as
  PyTorch reports it, less analysis/capacity.py's CUDA_CONTEXT), against the measured peak (target: within 5 %);
- `--fit` with the card's own memory: that batch runs, and the next one runs out of memory.
It also records the memory the CUDA context really takes (total minus free before any tensor), to check
CUDA_CONTEXT. Writes <out-dir>/memory-gpu.json (rewritten after every case, so a run cut short keeps what it
measured) and memory-gpu.md (the table); copy both to reports/memory/ and commit them.

    python benchmarks/gpu_memory.py --out-dir "$OUT" --budget-s 300       # on the GPU machine
    python benchmarks/gpu_memory.py --smoke --out-dir gpu-memory         # the plumbing on a CPU, in seconds
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from effnet_inspect.analysis.capacity import CUDA_CONTEXT, usable  # noqa: E402
from effnet_inspect.analysis.measure import analyze  # noqa: E402
from effnet_inspect.analysis.memory import Device, DType, layer_memory  # noqa: E402
from effnet_inspect.analysis.peak import Optimizer, inference_moments, largest_batch, peak, training_moments  # noqa: E402
from effnet_inspect.model.build import build  # noqa: E402

VARIANTS = ("b0", "b3", "b7")
TARGET = 0.05


def measure(variant: str, resolution: int, batch: int, dtype: DType, training: bool, smoke: bool) -> int | str:
    """The measured peak in bytes, 'out of memory', or 'not measured' (smoke run on a CPU)."""
    if smoke:
        return "not measured"
    import torch

    from effnet_inspect.bench.memory_check import step_peak

    torch.cuda.empty_cache()
    try:
        return step_peak(build(variant), resolution, batch, dtype, training)
    except torch.cuda.OutOfMemoryError:
        return "out of memory"
    finally:
        torch.cuda.empty_cache()


def cases(smoke: bool, capacity: int):
    """(variant, mode, dtype, batch, predicted peak, largest batch) in order of interest."""
    for name in ["w=0.25,d=0.25,r=32"] if smoke else VARIANTS:
        a = analyze(name)
        for training in (True, False):
            for dtype in (DType.FP32, DType.BF16):
                rows = layer_memory(a, dtype, Device.CUDA)
                moments = training_moments(rows, Optimizer.ADAM) if training else inference_moments(rows)
                fit = largest_batch(moments, usable(capacity))
                for batch in (1, fit, fit + 1):
                    predicted = peak(moments, batch).total.at(batch)
                    yield name, a.resolution, training, dtype, batch, predicted, fit


def row_text(r: dict) -> str:
    measured = r["measured"]
    if isinstance(measured, int):
        off = f"{100 * (r['predicted'] - measured) / measured:+.1f} %"
        shown = f"{measured / 2**20:,.0f}"
    else:
        off, shown = "", measured
    role = "fit" if r["batch"] == r["largest_batch"] else "fit + 1" if r["batch"] == r["largest_batch"] + 1 else "1"
    return (
        f"| {r['variant']} | {r['mode']} | {r['dtype']} | {r['batch']} ({role}) | {r['predicted'] / 2**20:,.0f} "
        f"| {shown} | {off} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--budget-s", type=float, default=300.0)
    parser.add_argument("--smoke", action="store_true", help="a tiny variant, nothing measured: the plumbing on a CPU")
    args = parser.parse_args(argv)
    start = time.monotonic()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if args.smoke:
        total, free, device = 16 * 2**30, 16 * 2**30 - CUDA_CONTEXT, "cpu (smoke)"
    else:
        import torch

        torch.cuda.init()
        torch.zeros(1, device="cuda")  # create the context before reading what is free
        free, total = torch.cuda.mem_get_info()
        device = torch.cuda.get_device_name()
    report = {
        "device": device,
        "total_memory": total,
        "context_measured": total - free,
        "context_assumed": CUDA_CONTEXT,
        "target": TARGET,
        "rows": [],
    }
    lines = [
        f"Memory analysis against torch.cuda.max_memory_allocated on {device} ({total / 2**30:.2f} GiB; the CUDA "
        f"context took {(total - free) / 2**20:,.0f} MiB, the analysis assumes {CUDA_CONTEXT / 2**20:,.0f} MiB).",
        "",
        "| Variant | Mode | Precision | Batch | Predicted (MiB) | Measured (MiB) | Off |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, resolution, training, dtype, batch, predicted, fit in cases(args.smoke, total):
        if time.monotonic() - start > args.budget_s:
            lines.append(f"| {name} | stopped: the {args.budget_s:.0f} s budget is used up | | | | | |")
            break
        measured = measure(name, resolution, batch, dtype, training, args.smoke)
        row = {
            "variant": name,
            "mode": "training" if training else "inference",
            "dtype": dtype.value,
            "batch": batch,
            "largest_batch": fit,
            "predicted": predicted,
            "measured": measured,
        }
        report["rows"].append(row)
        lines.append(row_text(row))
        print(lines[-1], flush=True)
        (args.out_dir / "memory-gpu.json").write_text(json.dumps(report, indent=1) + "\n")
    (args.out_dir / "memory-gpu.md").write_text("\n".join(lines) + "\n")
    print(f"[{time.monotonic() - start:6.1f} s] memory checks done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
