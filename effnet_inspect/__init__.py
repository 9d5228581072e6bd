"""effnet-inspect: build, trace, group, measure and draw the EfficientNet family.

The calls that mirror the command line each return an object that shows itself in Jupyter (HTML or SVG), prints
as text, and converts to every output format of its command:

    table(variants=None, level="family"|"stage"|"subblock", ...) -> Table   .rows .to_pandas() .to_csv() .to_json()
                                                                            .to_markdown() .to_latex() .save(path)
    diagram(variants, level="stage"|"module"|"layer", side_by_side=False, ...) -> Diagram   .dot .svg .save(path)
    summary(variant, include_top=True) -> Summary                            Keras' model.summary(): .text
    inspect(model_or_factory, kwargs=None) -> Verdict                        another implementation against B0-B7
    memory(variants=None, batch_size=1, dtype=, mode=, fit=, checkpoint=, level=) -> Memory   will it fit?

Variants are 'b0'-'b7', custom ones ('phi=2.5', 'w=1.3,d=1.5,r=320'), Variant or Analysis objects; each call also
takes model= (an nn.Module, or 'MODULE:CALLABLE' as the command line's --model) for another implementation.

Underneath, the records and graphs they are made of:

    build(variant, include_top=True, device=None) -> nn.Module (Keras layer names as module paths)
    analyze(variant, include_top=True, resolution=None) -> Analysis (graph, grouping; a card in Jupyter)
    analyze_model(module, resolution, name) -> Analysis;  trace(module, input_size) -> networkx.DiGraph
    group(graph) -> Grouping;  family_row(a), stage_rows(a), sub_block_rows(a), table_rows(variants, level)
    layer_memory(analysis, dtype) -> what each layer keeps for backward and occupies (memory's records)
    parse_variant(text) -> Variant;  scale(variant) -> ModelSpec;  VARIANTS: the released B0-B7 by name

Examples in the docstrings assume `import effnet_inspect as ei`:

>>> import effnet_inspect as ei
>>> ei.table("b0").rows[0].params
5288548

The package is laid out as its data flow, each step importing only from the steps before it:
arch (pure specs) -> model (nn.Modules) -> analysis (registry, trace, group, measure, rows) -> render (formatting,
tables) -> ports (other implementations) / drawing -> bench -> report (HTML) / slides (the lecture deck) -> api (the
calls above) -> cli.
Everything is imported lazily, so that `import effnet_inspect.arch.specs` needs no torch.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "table": "api.table",
    "Table": "api.table",
    "diagram": "api.diagram",
    "Diagram": "api.diagram",
    "summary": "api.summary",
    "Summary": "api.summary",
    "inspect": "api.inspect",
    "Verdict": "api.inspect",
    "memory": "api.memory",
    "Memory": "api.memory",
    "build": "model.build",
    "analyze": "api",  # analysis.measure's, with the Jupyter card registered
    "analyze_model": "api",
    "Analysis": "api",
    "family_row": "analysis.rows",
    "stage_rows": "analysis.rows",
    "sub_block_rows": "analysis.rows",
    "table_rows": "analysis.rows",
    "Level": "analysis.rows",
    "layer_memory": "analysis.memory",
    "trace": "analysis.trace",
    "group": "analysis.group",
    "parse_variant": "arch.specs",
    "scale": "arch.specs",
    "VARIANTS": "arch.specs",
    "InputError": "errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"effnet_inspect.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
