"""Trace any nn.Module into a networkx graph of layers, with shapes from meta-device propagation.

Leaf modules (modules without children, of a known kind) become one node each, so every Keras-equivalent layer of
our builder is one node; other modules are traced into, down to their torch function calls (F.conv2d included),
so convolutions written functionally keep their MACs. Shapes, parameters and MACs are computed on the meta device:
no weights, no real arithmetic. FX symbolic tracing is tried first; code it cannot follow is recorded from one
real run on meta tensors instead (record.py). Nodes of a kind the registry does not know are charged nothing and
counted in graph.graph["unknown"].
"""

from __future__ import annotations

import copy
import enum
from collections import Counter
from dataclasses import dataclass
from typing import Any

import networkx as nx
import torch
from torch import fx, nn

from effnet_inspect.analysis.activations import activation_name
from effnet_inspect.analysis.formulas import Geometry, frozen_batch_norm
from effnet_inspect.analysis.fuse import fuse_affine, fuse_swish
from effnet_inspect.analysis.registry import (
    call_geometry,
    call_kind,
    call_output_shape,
    elementwise_ops,
    is_leaf,
    macs,
    module_geometry,
    module_kind,
    module_output_shape,
    refined_kind,
)
from effnet_inspect.arch.kinds import LayerKind
from effnet_inspect.errors import InputError, printable
from effnet_inspect.model.layers import ActivatedConv2d


@dataclass(frozen=True)
class Layer:
    """One node of the traced graph. Shapes are PyTorch's (N, C, H, W) at the traced batch size."""

    name: str  # Keras-style: module path with '_' for '.', or the FX node name of a function call
    kind: LayerKind
    type: str  # the PyTorch module class or function that produced it
    path: str  # module path ('' for function calls)
    index: int  # position in execution order
    in_shape: tuple[int, ...] | None
    shape: tuple[int, ...]
    params: int  # trainable parameters
    params_keras: int  # plus Keras' non-trainable statistics (BN moving mean/variance, normalization stats)
    macs: int
    elementwise: int
    kernel_size: tuple[int, int] | None = None
    stride: int | None = None
    groups: int | None = None
    in_channels: int | None = None
    out_channels: int | None = None
    padding: tuple[int, int] | None = None  # a convolution's own zero padding (height, width); None: 'same'
    activation: str | None = None  # 'swish', 'sigmoid', ... for activations and convs with one inside (SE)


class ShapePropagationError(RuntimeError):
    """A captured graph did not run on meta tensors: internal, it sends the tracer to its recording fallback."""


class LeafTracer(fx.Tracer):
    """Stops at childless modules of a known kind, whatever library they come from (see registry.is_leaf)."""

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return is_leaf(m)


class Tracer(enum.Enum):
    """How the graph was captured (stored as graph.graph["tracer"])."""

    FX = "fx"  # torch.fx symbolic tracing
    RECORDED = "recorded"  # one real forward pass on meta tensors, recorded op by op (record.py)


def _on_meta(model: nn.Module) -> nn.Module:
    tensors = [*model.parameters(), *model.buffers()]
    if all(t.device.type == "meta" for t in tensors):
        return model
    return copy.deepcopy(model).to("meta")  # never move the caller's own weights


def _stat_count(module: nn.Module) -> int:
    """Non-trainable statistics Keras lists as parameters (everything but BN's batch counter)."""
    return sum(b.numel() for name, b in module.named_buffers() if not name.endswith("num_batches_tracked"))


def _frozen_affine(module: nn.Module, kind: LayerKind) -> int:
    """A frozen batch norm keeps its scale and shift as buffers; they are the same parameters as BatchNorm's."""
    if not kind.is_norm:
        return 0
    buffers = dict(module.named_buffers(recurse=False))
    return sum(buffers[n].numel() for n in ("weight", "bias") if n in buffers)


def _tensor_shape(value: Any) -> tuple[int, ...] | None:
    return tuple(value.shape) if isinstance(value, torch.Tensor) else None


def trace(model: nn.Module, input_size: int | tuple[int, int], batch_size: int = 1, in_channels: int = 3) -> nx.DiGraph:
    """Trace model on a (batch, in_channels, H, W) input into a DiGraph of Layer records.

    FX symbolic tracing first (fast); when it fails (shape arithmetic or control flow on traced values) or
    yields a graph that does not run, the model is run once on meta tensors and its ops are recorded instead.

    >>> graph = ei.trace(ei.build("b0", device="meta"), 224)
    >>> graph.number_of_nodes(), list(graph.nodes)[:3]
    (240, ['input_layer', 'rescaling', 'normalization'])
    """
    if isinstance(model, torch.jit.ScriptModule):  # its Python structure is compiled away: nothing to follow
        raise InputError(
            f"{type(model).__name__} is a TorchScript module (torch.jit.script / torch.jit.trace), "
            "which cannot be traced into layers; pass the eager nn.Module it was made from"
        )
    height, width = (input_size, input_size) if isinstance(input_size, int) else input_size
    model = _on_meta(model)
    example = torch.empty((batch_size, in_channels, height, width), device="meta")
    try:
        fx_graph = LeafTracer().trace(model)
    except Exception:  # FX raises many types for untraceable Python: record a real run instead
        fx_graph = None
    if fx_graph is not None:
        try:
            return _layer_graph(model, fuse_swish(fuse_affine(fx_graph)), example, Tracer.FX)
        except ShapePropagationError:
            pass  # the symbolic graph does not run (it baked in something): record a real run instead
    from effnet_inspect.analysis.record import record

    recorded = fuse_swish(fuse_affine(record(model, example)))  # InputError when the model cannot run at all
    try:
        return _layer_graph(model, recorded, example, Tracer.RECORDED)
    except ShapePropagationError as exc:  # no fallback left: the model is what cannot be traced
        raise InputError(str(exc)) from exc


def _layer_graph(model: nn.Module, fx_graph: fx.Graph, example: torch.Tensor, tracer: Tracer) -> nx.DiGraph:
    """Run the captured graph on meta tensors (shape rules where they apply) and keep one Layer per node."""
    modules = dict(model.named_modules())
    values: dict[fx.Node, Any] = {}
    graph = nx.DiGraph(tracer=tracer.value)
    layer_of: dict[fx.Node, str] = {}
    read_by: dict[fx.Node, set[fx.Node]] = {}  # constant nodes -> the get_attr nodes they are computed from
    names: set[str] = set()
    unknown: Counter[str] = Counter()
    placeholders = 0

    def value(arg: Any) -> Any:
        return fx.node.map_arg(arg, lambda n: values[n])

    for node in fx_graph.nodes:
        if node.op == "output":
            break
        try:
            if node.op == "placeholder":  # the image, then any optional forward() arguments at their defaults
                values[node] = example if placeholders == 0 else (node.args[0] if node.args else None)
                placeholders += 1
            elif node.op == "get_attr":
                values[node] = _get_attr(model, node.target)
            elif node.op == "call_module":
                module = modules[node.target]
                args, kwargs = value(node.args), value(node.kwargs)
                if isinstance(module, nn.Identity):  # no layer: the node stands for its input
                    values[node] = args[0]
                    if isinstance(node.args[0], fx.Node) and node.args[0] in layer_of:
                        layer_of[node] = layer_of[node.args[0]]
                    continue
                shape = module_output_shape(module, args) if not kwargs else None
                # Known layers get their shape from a rule: torch's meta kernels for element-wise ops are
                # Python decompositions whose first use imports torch._dynamo (about a second).
                values[node] = module(*args, **kwargs) if shape is None else torch.empty(shape, device="meta")
            elif (shape := call_output_shape(call_kind(node.op, node.target), value(node.args))) is not None:
                values[node] = torch.empty(shape, device="meta")  # as for modules above: no decomposition run
            elif node.op == "call_function":
                values[node] = node.target(*value(node.args), **value(node.kwargs))
            else:  # call_method
                self_arg, *rest = value(node.args)
                values[node] = getattr(self_arg, node.target)(*rest, **value(node.kwargs))
        except Exception as exc:
            where = f"{node.op} {_target_name(node.target)}"
            path = _module_path(node)
            where += f" in module '{path}'" if path else ""
            raise ShapePropagationError(
                f"shape propagation failed at {where}: {type(exc).__name__}: {exc}".splitlines()[0]
            ) from exc
        if (
            node.op != "get_attr"
            and isinstance(values[node], (tuple, list))
            and any(isinstance(v, torch.Tensor) for v in values[node])
        ):
            # torch.split and the like: no layer; the items taken out of it connect to what was split
            source = next((n for n in node.all_input_nodes if n in layer_of), None)
            if source is not None:
                layer_of[node] = layer_of[source]
        if node.op == "get_attr" or _tensor_shape(values[node]) is None:
            continue  # parameters fetched for functional calls, shape arithmetic: not layers
        if node.op != "placeholder" and not any(n in layer_of for n in node.all_input_nodes):
            # arithmetic on parameters and buffers alone is a constant, not a layer (as in record.py); what it
            # reads is counted with the layer that uses it
            read_by[node] = {a for n in node.all_input_nodes for a in read_by.get(n, {n} if n.op == "get_attr" else ())}
            continue
        layer = _make_layer(node, modules, values, len(graph), names, read_by)
        if layer.kind is LayerKind.OTHER:
            unknown[layer.type] += 1
        names.add(layer.name)
        graph.add_node(layer.name, layer=layer)
        layer_of[node] = layer.name
        for source in node.all_input_nodes:
            if source in layer_of:
                graph.add_edge(layer_of[source], layer.name)
    graph.graph["unknown"] = dict(sorted(unknown.items()))
    return graph


def _target_name(target: Any) -> str:
    return target if isinstance(target, str) else getattr(target, "__name__", str(target))


def _module_path(node: fx.Node) -> str:
    """The module whose forward made this call ('' at the top level), from FX's module stack."""
    stack = node.meta.get("nn_module_stack")
    return list(stack.values())[-1][0] if stack else ""


def _get_attr(model: nn.Module, target: str) -> Any:
    obj: Any = model
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    return candidate


def _trainable(value: Any) -> bool:
    return isinstance(value, nn.Parameter) and value.requires_grad


def _make_layer(
    node: fx.Node,
    modules: dict[str, nn.Module],
    values: dict[fx.Node, Any],
    index: int,
    taken: set[str],
    read_by: dict[fx.Node, set[fx.Node]],
) -> Layer:
    out_shape = tuple(values[node].shape)  # only tensor-valued nodes are layers
    inputs = [values[n] for n in node.all_input_nodes if isinstance(values.get(n), torch.Tensor)]
    if not inputs:  # an item of what torch.split returned reads the tensor that was split
        inputs = [values[m] for n in node.all_input_nodes for m in n.all_input_nodes if torch.is_tensor(values.get(m))]
    in_shape = _tensor_shape(inputs[0]) if inputs else None
    geometry: Geometry = {}
    params = stats = 0
    fused = False
    activation = None
    if node.op == "placeholder":
        kind, type_name, path, name = LayerKind.INPUT, "Input", "", "input_layer"
    elif node.op == "call_module":
        path = str(node.target)
        module = modules[path]
        kind, type_name = module_kind(module), type(module).__name__
        name = path.replace(".", "_")
        geometry = module_geometry(kind, module)
        frozen = _frozen_affine(module, kind)
        params = frozen + sum(p.numel() for p in module.parameters() if p.requires_grad)
        stats = _stat_count(module) + sum(p.numel() for p in module.parameters() if not p.requires_grad) - frozen
        fused = isinstance(module, ActivatedConv2d)
        activation = activation_name(module.activation if fused else module)
    else:
        fn = node.target
        kind = call_kind(node.op, fn)
        args, kwargs = (fx.node.map_arg(a, values.get) for a in (node.args, node.kwargs))
        geometry = call_geometry(kind, args, kwargs)
        kind = refined_kind(kind, geometry)
        type_name = _target_name(fn)
        activation = activation_name(fn) if kind is LayerKind.ACTIVATION else None
        path = _module_path(node)
        name = f"{path.replace('.', '_')}_{type_name}" if path else type_name
        attrs = {a for n in node.all_input_nodes for a in read_by.get(n, {n} if n.op == "get_attr" else ())}
        weights = [(str(n.target), values[n]) for n in sorted(attrs, key=lambda a: str(a.target))]
        params = sum(w.numel() for _, w in weights if _trainable(w))
        # F.batch_norm on a module's running statistics: Keras lists them, as for a BatchNorm2d module
        stats = sum(
            w.numel()
            for target, w in weights
            if isinstance(w, torch.Tensor) and not _trainable(w) and not target.endswith("num_batches_tracked")
        )
        if fn is frozen_batch_norm:  # folded from BatchNorm's scale, shift, mean and variance: count those
            params = stats = 2 * out_shape[1]
    # Names come from other people's module names: newlines, control characters and lone surrogates are written
    # as escapes here, once, so every table, summary, diagram and page downstream gets one printable line.
    return Layer(
        name=_unique(printable(name), taken),
        kind=kind,
        type=type_name,
        path=path,
        index=index,
        in_shape=in_shape,
        shape=out_shape,
        params=params,
        params_keras=params + stats,
        macs=macs(kind, out_shape, geometry),
        elementwise=elementwise_ops(kind, in_shape, out_shape, fused),
        activation=activation,
        **geometry,
    )
