"""Record one real forward pass on meta tensors as an fx.Graph: the fallback when FX symbolic tracing fails.

FX runs forward() on proxies, so Python that needs real values fails: `b, c, _, _ = x.size()`,
`max(pad, 0)` on a shape, `if pad > 0`. Ports of the TensorFlow original are full of it (TF-'same' padding
computed from the input size). Here forward() runs for real on meta tensors (shapes, no data), so all of that
just works, and a TorchFunctionMode sees every torch call made outside leaf modules (F.conv2d included, also
inside custom autograd Functions), while hooks see each leaf module call. The result is the graph FX would
have produced, specialised to this input size, so the tracer's shape propagation and layer records are shared.

What cannot work without data (Python control flow on tensor values) fails with the op and the module named.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import fx, nn
from torch.overrides import TorchFunctionMode

from effnet_inspect.analysis.registry import is_leaf
from effnet_inspect.errors import InputError

# Calls that read tensor values: on meta tensors they fail, and they mean data-dependent control flow.
_VALUE_READS = {"__bool__", "item", "__int__", "__float__", "__index__", "tolist", "__len__"}


class _Recorder(TorchFunctionMode):
    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.graph = fx.Graph()
        self.node_of: dict[int, fx.Node] = {}  # id(tensor) -> the node that produced it
        self.alive: list[torch.Tensor] = []  # keeps recorded tensors alive so that their ids stay unique
        self.attr_name = {
            id(t): name
            for name, t in (
                *model.named_parameters(remove_duplicate=False),
                *model.named_buffers(remove_duplicate=False),
            )
        }
        self.attr_node: dict[str, fx.Node] = {}
        self.paths: list[str] = []  # the modules being run, outermost first
        self.in_leaf = 0
        self.failed: str | None = None  # the op that raised, and where

    # ------------------------------------------------------------------------------------ module calls
    def attach(self) -> list[Any]:
        handles = []
        for path, module in self.model.named_modules():
            leaf = is_leaf(module)
            handles.append(module.register_forward_pre_hook(self._enter(path, leaf), with_kwargs=True))
            handles.append(module.register_forward_hook(self._leave(path, leaf), with_kwargs=True))
        return handles

    def _enter(self, path: str, leaf: bool) -> Callable[[nn.Module, tuple, dict], None]:
        def hook(module: nn.Module, args: tuple, kwargs: dict) -> None:
            self.paths.append(path)
            self.in_leaf += leaf

        return hook

    def _leave(self, path: str, leaf: bool) -> Callable[[nn.Module, tuple, dict, Any], None]:
        def hook(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> None:
            self.in_leaf -= leaf
            if leaf and not self.in_leaf:
                self._add("call_module", path, args, kwargs, output, self.paths)
            self.paths.pop()

        return hook

    # ---------------------------------------------------------------------------------- function calls
    def __torch_function__(
        self, func: Callable, types: tuple, args: tuple = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        kwargs = kwargs or {}
        try:
            out = func(*args, **kwargs)
        except Exception:
            if self.failed is None:
                self.failed = _call_name(func)
            raise
        if not self.in_leaf:
            op, target = ("call_method", func.__name__) if _is_tensor_method(func) else ("call_function", func)
            self._add(op, target, args, kwargs, out, self.paths)
        return out

    # ----------------------------------------------------------------------------------------- graph
    def _add(self, op: str, target: Any, args: tuple, kwargs: dict, out: Any, paths: list[str]) -> None:
        tensors = [t for t in (*args, *kwargs.values()) if isinstance(t, torch.Tensor)]
        if not any(id(t) in self.node_of for t in tensors):
            return  # creation ops and arithmetic on parameters are constants, not layers
        outputs = out if isinstance(out, (tuple, list)) else (out,)
        if not any(isinstance(o, torch.Tensor) for o in outputs):
            return  # sizes, booleans: Python values, not layers
        node = self.graph.create_node(op, target, self._arg(args), self._arg(kwargs))
        node.meta["nn_module_stack"] = {p: (p, None) for p in paths if p}
        if isinstance(out, torch.Tensor):
            self._produced(out, node)
        else:
            for i, o in enumerate(outputs):
                if isinstance(o, torch.Tensor):
                    self._produced(o, self.graph.call_function(_getitem, (node, i)))

    def _produced(self, tensor: torch.Tensor, node: fx.Node) -> None:
        self.node_of[id(tensor)] = node
        self.alive.append(tensor)

    def _arg(self, value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            if id(value) in self.node_of:
                return self.node_of[id(value)]
            name = self.attr_name.get(id(value))
            if name is None:
                return value  # a constant made inside forward()
            if name not in self.attr_node:
                self.attr_node[name] = self.graph.get_attr(name)
            return self.attr_node[name]
        if isinstance(value, (tuple, list)):
            return type(value)(self._arg(v) for v in value)
        if isinstance(value, dict):
            return {k: self._arg(v) for k, v in value.items()}
        return value


def _getitem(values: Any, index: int) -> Any:
    return values[index]


def _is_tensor_method(func: Any) -> bool:
    return getattr(func, "__qualname__", "").split(".")[0] in ("TensorBase", "Tensor")


def _call_name(func: Any) -> str:
    name = getattr(func, "__name__", str(func))
    return f"Tensor.{name}" if _is_tensor_method(func) else name


def record(model: nn.Module, example: torch.Tensor) -> fx.Graph:
    """The fx.Graph of one forward pass of model (already on the meta device) on the example input."""
    recorder = _Recorder(model)
    placeholder = recorder.graph.placeholder("x")
    recorder._produced(example, placeholder)
    handles = recorder.attach()
    try:
        with torch.no_grad(), recorder:
            out = model(example)
    except Exception as exc:
        raise InputError(_failure(model, recorder, exc)) from exc
    finally:
        for handle in handles:
            handle.remove()
    recorder.graph.output(recorder._arg(out))
    return recorder.graph


def _failure(model: nn.Module, recorder: _Recorder, exc: Exception) -> str:
    where = (
        f"in module '{recorder.paths[-1]}'"
        if recorder.paths and recorder.paths[-1]
        else f"in {type(model).__name__}.forward()"
    )
    op = recorder.failed
    hint = ""
    if op and op.split(".")[-1] in _VALUE_READS:
        hint = " (Python control flow on tensor values cannot be traced without data)"
    detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
    at = f"{op} {where}" if op else where
    return f"cannot trace {type(model).__name__}: {at} failed{hint}: {detail}"
