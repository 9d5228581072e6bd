"""Speed and memory of the core analysis, against the usual alternative.

Measures, each in a fresh process:
  1. `effnet-inspect table --format json` for B0-B7 from a cold process: wall time and peak RSS (target < 4 s, < 1 GB);
  2. the in-process analysis of B0-B7 after import (target < 1 s);
  3. torchinfo `summary` plus fvcore `FlopCountAnalysis.by_module` per variant on real tensors, checking that the
     parameter counts are identical and the MACs agree (fvcore = our MACs + 2 per batch-norm element).
Run: python benchmarks/bench_core.py [--repeat N] [--skip-alternative]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

IN_PROCESS = """
import json, time
t0 = time.perf_counter()
from effnet_inspect.analysis.measure import analyze
from effnet_inspect.analysis.rows import family_row
from effnet_inspect.arch.specs import OFFICIAL_NAMES
t1 = time.perf_counter()
rows = [family_row(analyze(v)) for v in OFFICIAL_NAMES]
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "analysis_s": t2 - t1,
                  "rows": [[r.variant, r.params, r.macs] for r in rows]}))
"""

ALTERNATIVE = """
import json, sys, time, warnings, logging
import torch
from torchinfo import summary
from fvcore.nn import FlopCountAnalysis
from effnet_inspect.model.build import build
from effnet_inspect.arch.specs import VARIANTS
warnings.simplefilter("ignore"); logging.getLogger("fvcore").setLevel(logging.ERROR)
name = sys.argv[1]
v = VARIANTS[name]
t0 = time.perf_counter()
model = build(name)
x = torch.zeros(1, 3, v.resolution, v.resolution)
stats = summary(model, input_data=x, verbose=0)
with torch.no_grad():
    fv = FlopCountAnalysis(model, x).unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    by_module = fv.by_module()
t1 = time.perf_counter()
print(json.dumps({"variant": name, "seconds": t1 - t0, "params": stats.trainable_params,
                  "torchinfo_mult_adds": stats.total_mult_adds, "fvcore_total": by_module[""]}))
"""


def run_child(args: list[str]) -> tuple[float, int, str]:
    """Run a child process; return wall seconds, its peak RSS in bytes, and stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed: {args}")
    return elapsed, usage.ru_maxrss * 1024, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-alternative", action="store_true")
    parser.add_argument("--out", help="also write the figures as JSON here")
    args = parser.parse_args()
    py = sys.executable
    results: dict = {"cpu_count": os.cpu_count()}

    cold = [run_child([py, "-m", "effnet_inspect", "table", "--format", "json"]) for _ in range(args.repeat)]
    ours = {r["variant"]: r for r in json.loads(cold[0][2])}
    results["cold_table_json_s"] = statistics.median(c[0] for c in cold)
    results["cold_table_peak_rss_mb"] = max(c[1] for c in cold) / 2**20
    inproc = [json.loads(run_child([py, "-c", IN_PROCESS])[2]) for _ in range(args.repeat)]
    results["import_s"] = statistics.median(r["import_s"] for r in inproc)
    results["in_process_analysis_s"] = statistics.median(r["analysis_s"] for r in inproc)
    print(
        f"cold `table --format json` B0-B7: {results['cold_table_json_s']:.2f} s (median of {args.repeat}), "
        f"peak RSS {results['cold_table_peak_rss_mb']:.0f} MB"
    )
    print(
        f"in-process analysis of B0-B7 after import: {results['in_process_analysis_s']:.3f} s "
        f"(import {results['import_s']:.2f} s)"
    )

    if not args.skip_alternative:
        from torch import nn

        from effnet_inspect.analysis.measure import analyze
        from effnet_inspect.arch.kinds import LayerKind
        from effnet_inspect.model.build import build

        alt_total = alt_compute = 0.0
        rows = []
        for name in ours:
            seconds, rss, out = run_child([py, "-c", ALTERNATIVE, name])
            alt = json.loads(out)
            bn = sum(layer.elementwise for layer in analyze(name).layers() if layer.kind is LayerKind.BATCH_NORM)
            model = build(name, device="meta")
            # torchinfo adds one op per batch-norm weight and per bias to the convolution/linear MACs
            extra = sum(p.numel() for m in model.modules() if isinstance(m, nn.BatchNorm2d) for p in m.parameters())
            extra += sum(
                m.bias.numel() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear)) and m.bias is not None
            )
            rows.append(
                {
                    **alt,
                    "wall_s": seconds,
                    "peak_rss_mb": rss / 2**20,
                    "params_equal": alt["params"] == ours[name]["params"],
                    "fvcore_minus_ours": alt["fvcore_total"] - ours[name]["macs"] - 2 * bn,
                    "torchinfo_mult_adds_minus_ours": alt["torchinfo_mult_adds"] - ours[name]["macs"],
                    "torchinfo_extra_is_bn_weights_plus_biases": alt["torchinfo_mult_adds"] - ours[name]["macs"]
                    == extra,
                }
            )
            alt_total += seconds
            alt_compute += alt["seconds"]
            print(
                f"  {name}: torchinfo+fvcore {seconds:6.2f} s, params equal: {rows[-1]['params_equal']}, "
                f"fvcore - (ours + 2*BN elements) = {rows[-1]['fvcore_minus_ours']}, "
                f"torchinfo mult-adds - our MACs = {rows[-1]['torchinfo_mult_adds_minus_ours']:,} "
                f"(= BN weights + biases: {rows[-1]['torchinfo_extra_is_bn_weights_plus_biases']})"
            )
        results["alternative"] = rows
        results["alternative_total_s"] = alt_total
        results["alternative_in_process_s"] = alt_compute
        results["speedup_vs_cold_table"] = alt_total / results["cold_table_json_s"]
        results["speedup_in_process"] = alt_compute / results["in_process_analysis_s"]
        print(f"torchinfo + fvcore for B0-B7: {alt_total:.1f} s in cold processes, {alt_compute:.1f} s after import")
        print(
            f"effnet-inspect is {results['speedup_vs_cold_table']:.1f}x faster cold (one process against eight) "
            f"and {results['speedup_in_process']:.1f}x faster after import"
        )
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
