"""The outside oracles for the memory analysis: what autograd really keeps, and what a step really allocates.

- saved_bytes: one real training-mode forward pass under `torch.autograd.graph.saved_tensors_hooks`, which sees
  every tensor an operation saves for backward; each storage is counted once (a tensor saved twice, or two views
  of one storage, are one piece of memory), parameters and buffers apart (they are the weights), and charged to
  the stage whose module was running when it was first saved.
- step_peak (CUDA): torch.cuda.max_memory_allocated over one training step (forward, backward, optimizer step) or
  one inference pass, after a warm-up step so that the optimizer state exists, as in steady training.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.memory import DType
from effnet_inspect.arch.kinds import LayerKind

AUTOCAST = {DType.BF16: torch.bfloat16, DType.FP16: torch.float16}


def module_stages(a: Analysis) -> dict[str, list[str]]:
    """Module path -> the stage of each of its calls: the stages its layers fall in, in execution order (a module
    called twice, as efficientnet_pytorch's one `_swish` for the stem and the head, has two)."""
    found: dict[str, list[str]] = {}
    where = {n: s.name for s in a.grouping.stages for n in s.layers}
    for name in a.graph.nodes:
        layer = a.graph.nodes[name]["layer"]
        if layer.kind is LayerKind.INPUT:  # the image, no module's call
            continue
        path, stage = layer.path, where.get(name, "")
        runs = found.setdefault(path, [])
        if not runs or runs[-1] != stage:
            runs.append(stage)
    return found


@dataclass(frozen=True)
class SavedBytes:
    total: int
    by_stage: dict[str, int]
    storages: int


def autocast_for(dtype: DType, device: torch.device) -> contextlib.AbstractContextManager:
    """Autocast to bf16 / fp16 on the device, or nothing for fp32."""
    if dtype in AUTOCAST:
        return torch.autocast(device.type, dtype=AUTOCAST[dtype])
    return contextlib.nullcontext()


def _storage(t: torch.Tensor) -> int:
    """The identity of the memory a tensor views (its StorageImpl: also unique on the meta device, where every
    data pointer is 0)."""
    return t.untyped_storage()._cdata


def saved_bytes(
    model: nn.Module, a: Analysis, dtype: DType = DType.FP32, batch: int = 1, device: str = "cpu"
) -> SavedBytes:
    """What autograd keeps for one training-mode forward pass of model at a's resolution, on the CPU (fp32 and
    autocast) or on the meta device (fp32: the same autograd graph, no arithmetic, no memory)."""
    if device == "meta" and dtype is not DType.FP32:
        raise ValueError("autocast does not apply to meta tensors: check bf16 / fp16 on the CPU")
    model = model.to(device).train()
    weights = {_storage(t) for t in (*model.parameters(), *model.buffers())}
    stages = module_stages(a)
    running = [stages.get("", [""])[0]]  # the stage of each module running, outermost first
    calls: dict[str, int] = {}
    handles = []
    for path, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(_enter(running, path, stages, calls)))
        handles.append(module.register_forward_hook(_leave(running)))
    seen: dict[int, tuple[str, int]] = {}
    kept: list[torch.Tensor] = []  # alive until counted, so that no storage address is reused meanwhile

    def pack(t: torch.Tensor) -> torch.Tensor:
        key = _storage(t)
        if key not in weights and key not in seen:
            seen[key] = (running[-1], t.untyped_storage().nbytes())
            kept.append(t)
        return t

    x = torch.randn(batch, 3, a.resolution, a.resolution, device=device)
    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), autocast_for(dtype, x.device):
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    by_stage: dict[str, int] = {}
    for stage, size in seen.values():
        by_stage[stage] = by_stage.get(stage, 0) + size
    return SavedBytes(sum(by_stage.values()), by_stage, len(seen))


def _enter(running: list[str], path: str, stages: dict[str, list[str]], calls: dict[str, int]) -> Callable[..., None]:
    def hook(module: nn.Module, args: Any) -> None:
        runs = stages.get(path)
        if runs is None:  # a container: its children say
            running.append(running[-1])
            return
        call = calls.get(path, 0)
        calls[path] = call + 1
        running.append(runs[min(call, len(runs) - 1)])

    return hook


def _leave(running: list[str]) -> Callable[..., None]:
    def hook(module: nn.Module, args: Any, output: Any) -> None:
        running.pop()

    return hook


def optimizer_for(name: str, params: Any) -> torch.optim.Optimizer | None:
    """The optimizer of the memory analysis' --optimizer, with PyTorch's defaults (foreach on CUDA)."""
    if name == "none":
        return None
    if name in ("sgd", "momentum"):
        return torch.optim.SGD(params, lr=1e-3, momentum=0.9 if name == "momentum" else 0.0)
    return (torch.optim.Adam if name == "adam" else torch.optim.AdamW)(params, lr=1e-3)


def step_peak(
    model: nn.Module, resolution: int, batch: int, dtype: DType, training: bool, optimizer: str = "adam"
) -> int:
    """torch.cuda.max_memory_allocated over one training step (forward, backward, optimizer step, after a warm-up
    step so that the optimizer state exists) or one inference pass, of model on the current CUDA device, counting
    the input batch. Raises torch.cuda.OutOfMemoryError when it does not fit."""
    device = torch.device("cuda")
    model = model.to(device).train(training)
    x = torch.randn(batch, 3, resolution, resolution, device=device)
    if not training:
        with torch.inference_mode(), autocast_for(dtype, device):
            model(x)  # warm-up: cuDNN picks its algorithms
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            model(x)
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated()
    labels = torch.randint(0, 1000, (batch,), device=device)
    opt = optimizer_for(optimizer, model.parameters())

    def step() -> None:
        if opt is not None:
            opt.zero_grad(set_to_none=True)
        else:
            model.zero_grad(set_to_none=True)
        with autocast_for(dtype, device):
            loss = torch.nn.functional.cross_entropy(model(x).float(), labels)
        loss.backward()
        if opt is not None:
            opt.step()

    step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    step()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated()
