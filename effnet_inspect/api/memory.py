"""effnet_inspect.memory(): will it fit? Training and inference memory per model, stage, sub-block or layer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from torch import nn

from effnet_inspect.analysis.capacity import parse_capacity
from effnet_inspect.analysis.group import Grouping, StageGroup, StagesNotFound
from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.memory import Device, DType, layer_memory
from effnet_inspect.analysis.memory_rows import (
    AUTO,
    MemoryLevel,
    MemoryOptions,
    MemoryRow,
    PartRow,
    memory_row,
    part_rows,
)
from effnet_inspect.analysis.peak import Mode, Optimizer
from effnet_inspect.api.rendered import Rendered
from effnet_inspect.api.sources import Kwargs, Model, Sources, analyses, choice, inspection, source_list
from effnet_inspect.arch.specs import BASE_RESOLUTION
from effnet_inspect.errors import InputError
from effnet_inspect.render.memory import MemoryFormat, caption, memory_cells, render_memory, spread

FORMAT_BY_SUFFIX = {
    ".txt": MemoryFormat.TEXT,
    ".md": MemoryFormat.MD,
    ".csv": MemoryFormat.CSV,
    ".json": MemoryFormat.JSON,
}


@dataclass(frozen=True, repr=False)
class Memory(Rendered):
    """The memory records of `effnet-inspect memory`, in every output format; a notebook shows the table.

    >>> m = ei.memory("b0")
    >>> m.rows[0].activations_per_image  # bytes autograd keeps per image for backward, fp32
    88785424
    >>> print(m.to_text().splitlines()[0])
    Training, fp32, optimizer adam, batch 1; sizes in MiB; activations: kept for the backward pass
    """

    rows: tuple[MemoryRow | PartRow, ...]
    level: MemoryLevel
    options: MemoryOptions

    FORMATS = MemoryFormat
    BY_SUFFIX = FORMAT_BY_SUFFIX

    def render(self, format: MemoryFormat | str = MemoryFormat.TEXT) -> str:
        """text, md, csv or json: exactly what the command line prints."""
        return render_memory(self.rows, choice(MemoryFormat, format, "format"), self.options)

    def to_pandas(self) -> Any:
        """A pandas DataFrame with the CSV's columns (bytes; one largest_batch_<card> column per card).

        >>> frame = ei.memory("b0", fit="16GiB").to_pandas()
        >>> frame.loc[0, "variant"], int(frame.loc[0, "largest_batch_16GiB"])
        ('b0', 184)
        """
        try:
            import pandas
        except ImportError as exc:
            raise ImportError(
                "Memory.to_pandas() needs pandas, an optional extra: pip install 'effnet-inspect[pandas]'",
                name="pandas",
            ) from exc
        flat = [spread(r) for r in self.rows]
        return pandas.DataFrame(flat, columns=list(flat[0])).convert_dtypes()

    def _repr_html_(self) -> str:
        from effnet_inspect.api.display import render
        from effnet_inspect.report.html import table

        headers, body, numeric = memory_cells(self.rows)
        return render("table.html", t=table(caption(self.rows, self.options), headers, body, numeric))


Found = list[tuple[Analysis, str | None]]  # each model, with why its stages cannot be found (None: they can)


def _ungrouped(model: Model, kwargs: Kwargs, resolution: int | None, name: str | None) -> Analysis:
    """Another implementation whose stages cannot be found: its whole graph as one part, for totals only."""
    import copy

    from effnet_inspect.analysis.trace import trace
    from effnet_inspect.ports.factory import load, parse_factory, user_code

    size = resolution or BASE_RESOLUTION
    if isinstance(model, nn.Module):
        graph = trace(copy.deepcopy(model).eval() if model.training else model, size)
        label = name or type(model).__name__
    else:
        factory = parse_factory(model, kwargs if isinstance(kwargs, str) else None, name)
        with user_code(factory):  # its import, build and forward pass, fenced as everywhere
            graph, label = trace(load(factory), size), factory.name
    return Analysis(label, size, True, graph, Grouping((StageGroup("", tuple(graph.nodes)),)))


def memory_sources(
    variants: Sources, model: Model | None, kwargs: Kwargs, name: str | None, resolution: int | None
) -> Found:
    """Our variants (default B0-B7, none beside a model), then the model."""
    if model is None:
        return [(a, None) for a in analyses(variants, None, kwargs, True, resolution, name)]
    found: Found = (
        [(a, None) for a in analyses(variants, None, None, True, resolution)] if source_list(variants) else []
    )
    try:
        return found + [(inspection(model, kwargs, resolution, name).analysis, None)]
    except StagesNotFound as exc:
        return found + [(_ungrouped(model, kwargs, resolution, name), exc.message)]


def _check_parts(found: Found, level: MemoryLevel, options: MemoryOptions) -> None:
    """Stages, sub-blocks and checkpoints need the stages; a model without them gets one line naming why."""
    for a, reason in found:
        if reason is None:
            continue
        if level in (MemoryLevel.STAGE, MemoryLevel.SUBBLOCK):
            raise InputError(
                f"{level.value} needs the stages of {a.name}, which cannot be found ({reason}); use family or layer",
                param="level",
            )
        if options.checkpoint:
            raise InputError(f"needs the stages of {a.name}, which cannot be found ({reason})", param="checkpoint")


def memory(
    variants: Sources = None,
    *,
    model: Model | None = None,
    kwargs: Kwargs = None,
    name: str | None = None,
    resolution: int | None = None,
    batch_size: int = 1,
    dtype: DType | str = DType.FP32,
    mode: Mode | str = Mode.TRAINING,
    optimizer: Optimizer | str = Optimizer.ADAM,
    checkpoint: str | Sequence[str] | None = None,
    fit: str | int | Sequence[str | int] | None = None,
    level: MemoryLevel | str = MemoryLevel.FAMILY,
    device: Device | str = Device.CUDA,
) -> Memory:
    """Training or inference memory of variants (default B0-B7) or another implementation (`effnet-inspect memory`).

    Training: what autograd keeps for backward per layer, sub-block and stage (each storage once), weights,
    gradients, optimizer state, and the peak of a whole step; inference: the peak of live activations. batch_size
    scales it; dtype fp32, or bf16 / fp16 autocast; fit: card memory ('16GiB', '80GB', 'a100-80', or several) for
    the largest batch; checkpoint: stages to checkpoint ('block2', ...), or 'auto' for the cheapest set that fits
    batch_size in the one card of fit. level: family, stage, subblock or layer. device: cuda (default) or cpu, where
    dropout masks and autocast's float32 ops differ. A model whose stages cannot be found (a ResNet) gets family
    and layer totals.

    >>> m = ei.memory("b7", fit=["v100-16", "a100-80"])
    >>> m.rows[0].largest_batch, m.rows[0].top_stage
    ({'v100-16': 4, 'a100-80': 21}, 'block2')
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(f"must be a whole number of images, 1 or more, not {batch_size!r}", param="batch_size")
    level = choice(MemoryLevel, level, "level")
    cards = [] if fit is None else [fit] if isinstance(fit, (str, int)) else list(fit)
    stages = [] if checkpoint is None else [checkpoint] if isinstance(checkpoint, str) else list(checkpoint)
    options = MemoryOptions(
        mode=choice(Mode, mode, "mode"),
        dtype=choice(DType, dtype, "dtype"),
        optimizer=choice(Optimizer, optimizer, "optimizer"),
        batch_size=batch_size,
        checkpoint=tuple(s.lower() if s.lower() == AUTO else s for s in stages),
        fit=tuple((str(c), parse_capacity(c)) for c in cards),
        device=choice(Device, device, "device"),
    )
    found = memory_sources(variants, model, kwargs, name, resolution)
    _check_parts(found, level, options)
    rows: list[MemoryRow | PartRow] = []
    for a, _ in found:
        records = layer_memory(a, options.dtype, options.device)
        rows += (
            [memory_row(a, options, records)] if level is MemoryLevel.FAMILY else part_rows(a, options, level, records)
        )
    return Memory(tuple(rows), level, options)
