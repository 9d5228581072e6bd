"""A Keras model.summary()-style listing: Layer (type), Output Shape, Param #, Connected to.

Shapes are shown channels-last with a None batch, as Keras prints them, so the listing can be laid beside
Keras' own line by line. Param # is Keras' count (BN moving statistics included).
"""
from __future__ import annotations

from effnet_inspect.analysis.measure import Analysis, totals

HEADERS = ("Layer (type)", "Output Shape", "Param #", "Connected to")


def keras_shape(shape: tuple[int, ...]) -> str:
    dims = ("None", *map(str, shape[2:]), str(shape[1])) if len(shape) == 4 else ("None", *map(str, shape[1:]))
    return "(" + ", ".join(dims) + ")"


def model_name(a: Analysis) -> str:
    return f"efficientnet{a.name}" if a.is_official else a.name  # Keras' model name


def summary(a: Analysis) -> str:
    graph = a.graph
    rows = []
    for layer in a.layers():
        sources = ", ".join(f"{p}[0][0]" for p in graph.predecessors(layer.name)) or "-"
        rows.append((f"{layer.name} ({layer.kind.keras_name})", keras_shape(layer.shape),
                     f"{layer.params_keras:,}", sources))
    widths = [max(len(r[i]) for r in (HEADERS, *rows)) for i in range(4)]

    def line(cells: tuple[str, ...]) -> str:
        name, shape, params, sources = cells
        return (f" {name.ljust(widths[0])}  {shape.ljust(widths[1])}  {params.rjust(widths[2])}  "
                f"{sources}").rstrip()

    rule_width = sum(widths) + 7
    t = totals(a.layers())
    out = [f'Model: "{model_name(a)}"', "_" * rule_width, line(HEADERS), "=" * rule_width]
    out += [line(r) for r in rows]
    out += ["=" * rule_width,
            f"Total params: {t.params_keras:,}",
            f"Trainable params: {t.params:,}",
            f"Non-trainable params: {t.params_keras - t.params:,}",
            f"Layers: {t.layers:,}",
            "_" * rule_width]
    return "\n".join(out) + "\n"
