"""effnet-inspect: build, trace, group, measure and draw the EfficientNet family.

The public API is imported lazily so that `import effnet_inspect.specs` needs no torch:
    build(variant, include_top=True, device=None) -> nn.Module
    analyze(variant, include_top=True, resolution=None) -> Analysis
    trace(module, input_size) -> networkx.DiGraph
    group(graph) -> Grouping
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "build": "build", "analyze": "measure", "analyze_model": "measure", "trace": "trace", "group": "group",
    "family_row": "measure", "stage_rows": "measure", "sub_block_rows": "measure",
    "parse_variant": "specs", "scale": "specs", "VARIANTS": "specs", "InputError": "errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
