"""The inside of one sub-block: which of its layers form the expansion, the depthwise or fused convolution, the
gating side branch (Module 3) and the projection, found from the flow of data alone (flow.py).

A sub-block is built around its depthwise convolution(s) (MBConv; several of mixed kernels in MixNet) or around one
full convolution followed by an activation (fused MBConv, as in EfficientNetV2). A convolution split over channel
groups counts once: MixNet's two 1x1 convolutions of the two halves of a tensor are one expansion, or one
projection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from effnet_inspect.analysis.branches import BranchForm
from effnet_inspect.analysis.flow import Flow
from effnet_inspect.arch.kinds import LayerKind, ModuleType, SubBlockType
from effnet_inspect.errors import InputError

NOT_AN_EFFICIENTNET = "the model does not look like an EfficientNet"


class StagesNotFound(InputError):
    """The graph does not follow the MBConv pattern: what needs stages refuses the model, totals still apply."""


@dataclass(frozen=True)
class ModuleGroup:
    type: ModuleType
    layers: tuple[str, ...]


def core_convs(g: Flow, segment: list[str]) -> list[str]:
    """Full (not depthwise) convolutions followed by an activation, before the first depthwise one; the parts of a
    split convolution, which share their activation, count once."""
    cores: dict[str, str] = {}  # by where their output is activated
    for n in segment:
        if g.kind(n) is LayerKind.DEPTHWISE and n not in g.side:
            break
        if g.is_main_conv(n):
            end, activated = g.chain_end(n)
            if activated:
                cores.setdefault(end, n)
    return list(cores.values())


def split_cores(g: Flow, segment: list[str]) -> list[list[str]]:
    """A sub-block has one expansion (MBConv) or one full convolution (fused): a segment with more activated
    convolutions before its depthwise one holds fused sub-blocks without projection or skip in front."""
    cores = core_convs(g, segment)
    cuts = [segment.index(g.chain_end(c)[0]) + 1 for c in cores[:-1]]
    bounds = [0, *cuts, len(segment)]
    return [segment[a:b] for a, b in zip(bounds, bounds[1:]) if a < b]


def _gate(g: Flow, rest: list[str]) -> tuple[int, BranchForm] | None:
    """Where a gating branch (squeeze-and-excitation, global context) rejoins, as a position in rest, and its form."""
    members = set(rest)
    for branch in g.branches:
        if branch.form is not BranchForm.ROUTING and branch.join in members and branch.nodes & members:
            return rest.index(branch.join), branch.form
    return None


def anatomy(g: Flow, segment: list[str], in_channels: int) -> dict[str, Any]:
    """The SubBlockGroup fields of one segment: its modules, skip, stride, kernels, widths and side branches."""
    members = set(segment)
    depthwise = [n for n in segment if g.kind(n) is LayerKind.DEPTHWISE and n not in g.side]
    cores = core_convs(g, segment)
    if depthwise:
        start = g.start(depthwise[0])
        core_start = segment.index(start if start in members else depthwise[0])
        core_end = _depthwise_end(g, segment, depthwise[-1])
        anchor, kernels = depthwise, tuple(_kernel(g, d) for d in depthwise)
    elif cores:
        core_start, core_end = 0, g.chain_end(cores[-1])[0]
        anchor, kernels = cores[-1:], (_kernel(g, cores[-1]),)
    else:
        raise StagesNotFound(
            f"sub-block at {segment[0]} has neither a depthwise nor a full convolution followed by "
            f"an activation: {NOT_AN_EFFICIENTNET}"
        )
    if core_end not in members:
        raise StagesNotFound(f"sub-blocks overlap at {segment[0]}: the layer order does not follow the MBConv pattern")
    rest = segment[segment.index(core_end) + 1 :]
    gate = _gate(g, rest)
    has_skip = any(n in g.residual_adds for n in segment)
    stride = max(g.layer[n].stride or 1 for n in anchor)
    modules = []
    if depthwise:
        if core_start:
            modules.append(ModuleGroup(ModuleType.EXPANSION, tuple(segment[:core_start])))
        modules.append(
            ModuleGroup(
                ModuleType.MODULE2 if stride > 1 else ModuleType.MODULE1,
                tuple(segment[core_start : segment.index(core_end) + 1]),
            )
        )
    else:
        modules.append(ModuleGroup(ModuleType.FUSED, tuple(segment[: segment.index(core_end) + 1])))
    if gate is not None:
        modules.append(ModuleGroup(ModuleType.MODULE3, tuple(rest[: gate[0]])))
        rest = rest[gate[0] :]
    if rest:
        modules.append(ModuleGroup(ModuleType.MODULE5 if has_skip else ModuleType.MODULE4, tuple(rest)))
    dynamic = sum(1 for n in segment if g.is_main_conv(n) and any(p in g.side for p in g.graph.predecessors(n)))
    return dict(
        modules=tuple(modules),
        has_skip=has_skip,
        stride=stride,
        kernel_size=max(kernels),
        expanded_channels=g.layer[core_end].shape[1],
        type=SubBlockType.MBCONV if depthwise else SubBlockType.FUSED,
        kernel_sizes=kernels,
        in_channels=in_channels,
        out_channels=g.layer[segment[-1]].shape[1],
        dynamic_convs=dynamic,
        gate=gate[1] if gate else None,
    )


def _kernel(g: Flow, conv: str) -> int:
    size = g.layer[conv].kernel_size
    return size[0] if size else 1


def _depthwise_end(g: Flow, segment: list[str], last: str) -> str:
    """The last activation after the depthwise convolution(s), before anything else (several depthwise
    convolutions of mixed kernels are merged, e.g. concatenated, before their normalisation)."""
    joins = {b.join for b in g.branches}
    end = last
    for n in segment[segment.index(last) + 1 :]:
        if n in g.side or g.kind(n).is_conv or n in joins or n in g.residual_adds:
            break
        if g.kind(n) is LayerKind.ACTIVATION:
            end = n
    return end if end != last else g.chain_end(last)[0]
