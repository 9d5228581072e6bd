"""A Keras model.summary()-style listing: Layer (type), Output Shape, Param #, Connected to.

Shapes are shown channels-last with a None batch, as Keras prints them, so the listing can be laid beside
Keras' own line by line. Param # is Keras' count (BN moving statistics included).
"""
from __future__ import annotations

from effnet_inspect.analysis.measure import Analysis, totals
from effnet_inspect.render.numbers import keras_summary_shape
from effnet_inspect.render.tables import aligned_lines, column_widths

HEADERS = ("Layer (type)", "Output Shape", "Param #", "Connected to")


def model_name(a: Analysis) -> str:
    return f"efficientnet{a.name}" if a.is_official else a.name  # Keras' model name


def summary(a: Analysis) -> str:
    graph = a.graph
    rows = [HEADERS]
    for layer in a.layers():
        sources = ", ".join(f"{p}[0][0]" for p in graph.predecessors(layer.name)) or "-"
        rows.append((f"{layer.name} ({layer.kind.keras_name})", keras_summary_shape(layer.shape),
                     f"{layer.params_keras:,}", sources))
    header, *lines = aligned_lines(rows, (False, False, True, False), indent=" ")
    width = 1 + sum(column_widths(rows)) + 2 * 3
    t = totals(a.layers())
    out = [f'Model: "{model_name(a)}"', "_" * width, header, "=" * width, *lines, "=" * width,
           f"Total params: {t.params_keras:,}",
           f"Trainable params: {t.params:,}",
           f"Non-trainable params: {t.params_keras - t.params:,}",
           f"Layers: {t.layers:,}",
           "_" * width]
    return "\n".join(out) + "\n"
