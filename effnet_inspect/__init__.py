"""effnet-inspect: build, trace, group, measure and draw the EfficientNet family.

The package is laid out as its data flow, each step importing only from the steps before it:
arch (pure specs) -> model (nn.Modules) -> analysis (trace, group, measure) -> render (formatting, tables) ->
ports (other implementations) / drawing / bench -> report -> cli.

The public API is imported lazily, so that `import effnet_inspect.arch.specs` needs no torch:
    build(variant, include_top=True, device=None) -> nn.Module
    analyze(variant, include_top=True, resolution=None) -> Analysis
    family_row(a), stage_rows(a), sub_block_rows(a) -> records;  table_rows(variants, level) -> records
    trace(module, input_size) -> networkx.DiGraph;  group(graph) -> Grouping
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "build": "model.build", "analyze": "analysis.measure", "analyze_model": "analysis.measure",
    "family_row": "analysis.measure", "stage_rows": "analysis.measure", "sub_block_rows": "analysis.measure",
    "table_rows": "analysis.measure", "Level": "analysis.measure", "trace": "analysis.trace",
    "group": "analysis.group", "parse_variant": "arch.specs", "scale": "arch.specs", "VARIANTS": "arch.specs",
    "InputError": "errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"effnet_inspect.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
