"""Issue 18's CPU oracle: what the memory analysis predicts autograd keeps for backward against what
`torch.autograd.graph.saved_tensors_hooks` records on a real training-mode forward pass (unique storages,
parameters and buffers apart), in total and per stage, for B0-B7 and the ports in tests/ports, at batch 1.

    .venv/bin/python benchmarks/memory_oracle.py                      # B0-B7 and the ports, fp32 and bf16, CPU
    .venv/bin/python benchmarks/memory_oracle.py b7 --dtype fp32 --device meta   # B7 at 600 px without the RAM

A real forward pass of B7 at 600 px keeps 3.6 GiB and takes a while on a small CPU; on the meta device the same
autograd graph is built without data (fp32 only: autocast does not apply to meta tensors). Targets: every total and
every stage within 1 % in fp32, 2 % in bf16. Prints one table; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from effnet_inspect.analysis.measure import Analysis, analyze  # noqa: E402
from effnet_inspect.analysis.memory import Device, DType, kept_by, layer_memory  # noqa: E402
from effnet_inspect.arch.specs import OFFICIAL_NAMES  # noqa: E402
from effnet_inspect.bench.memory_check import saved_bytes  # noqa: E402
from effnet_inspect.model.build import build  # noqa: E402

PORTS = (
    "tests.ports.torchvision_style:efficientnet_b0",
    "tests.ports.torchvision_style:efficientnet_b3",
    "tests.ports.timm_style:efficientnet_b0",
    "tests.ports.timm_style:efficientnet_b0_gn",
    "tests.ports.timm_style:efficientnet_b0_ln",
    "tests.ports.timm_style:efficientnet_b0_frozen",
    "tests.ports.timm_style:mixnet_b0",
    "tests.ports.timm_style:efficientnet_es",
    "tests.ports.timm_style:efficientnet_cc_b0_4e",
    "tests.ports.timm_style:mixnet_s",
    "tests.ports.timm_style:efficientnetv2_rw_t",
    "tests.ports.timm_style:gc_efficientnetv2_rw_t",
    "tests.ports.timm_style:efficientnet_b3_pruned",
    "tests.ports.timm_mobilenetv3:mobilenetv3_large_100",
    "tests.ports.torchvision_extra:efficientnet_v2_s",
    "tests.ports.tf_port_style:make",
    "tests.ports.resnet50:resnet50",
)
TOLERANCE = {DType.FP32: 0.01, DType.BF16: 0.02, DType.FP16: 0.02}


def port(spec: str):
    """The model (on the CPU) and its analysis; a model whose stages cannot be found is one part."""
    from effnet_inspect.api.memory import memory_sources

    module, name = spec.split(":")
    model = getattr(importlib.import_module(module), name)()
    (a, _), *_ = memory_sources(None, spec, None, None, None)
    return model, a


def check(label: str, model, a: Analysis, dtype: DType, device: str) -> tuple[str, bool]:
    start = time.monotonic()
    predicted = kept_by(layer_memory(a, dtype, Device.CPU), "stage")
    recorded = saved_bytes(model, a, dtype, device=device)
    seconds = time.monotonic() - start
    total = sum(b.at(1) for b in predicted.values())
    off = (total - recorded.total) / recorded.total
    stages = [
        (s, (b.at(1) - recorded.by_stage.get(s, 0)) / recorded.by_stage[s] if recorded.by_stage.get(s) else 1.0)
        for s, b in predicted.items()
    ]
    stray = set(recorded.by_stage) - set(predicted)  # recorded in a stage the analysis has nothing in
    worst = max(stages, key=lambda s: abs(s[1]), default=("", 0.0))
    ok = abs(off) <= TOLERANCE[dtype] and abs(worst[1]) <= TOLERANCE[dtype] and not stray
    line = (
        f"| {label} | {a.resolution} | {dtype.value} | {total:,} | {recorded.total:,} | {total - recorded.total:+,} "
        f"| {100 * off:+.4f} % | {worst[0] or '(one part)'} {100 * worst[1]:+.4f} % | {device} {seconds:.0f} s "
        f"| {'yes' if ok else 'NO'} |"
    )
    return line, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", help="b0-b7 and/or ports as MODULE:CALLABLE (default: all)")
    parser.add_argument("--dtype", default="fp32,bf16", help="fp32, bf16, fp16, comma-separated")
    parser.add_argument("--device", choices=["cpu", "meta"], default="cpu")
    args = parser.parse_args(argv)
    names = args.models or [*OFFICIAL_NAMES, *PORTS]
    print(
        "| Model | Res | Precision | Predicted (bytes) | Recorded (bytes) | Difference | Relative | Worst stage "
        "| Run | Within |"
    )
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- | --- |")
    failed = 0
    for name in names:
        for dtype in (DType(d) for d in args.dtype.split(",")):
            if args.device == "meta" and dtype is not DType.FP32:
                continue
            model, a = port(name) if ":" in name else (build(name), analyze(name))
            line, ok = check(name, model, a, dtype, args.device)
            print(line, flush=True)
            failed += not ok
            del model
            gc.collect()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
