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


def summary_rows(a: Analysis) -> list[tuple[str, str, str, str]]:
    """One row of cells per layer, as Keras prints them: ('stem_conv (Conv2D)', '(None, 112, 112, 32)', '864',
    'stem_conv_pad[0][0]')."""
    graph = a.graph
    return [
        (
            f"{layer.name} ({layer.kind.keras_name})",
            keras_summary_shape(layer.shape),
            f"{layer.params_keras:,}",
            ", ".join(f"{p}[0][0]" for p in graph.predecessors(layer.name)) or "-",
        )
        for layer in a.layers()
    ]


def summary_totals(a: Analysis) -> list[tuple[str, str]]:
    """The lines under the table: Total params (Keras' count), Trainable, Non-trainable, Layers (our builds' nodes
    are Keras layers; another implementation's listing counts its own nodes: Nodes)."""
    t = totals(a.layers())
    return [
        ("Total params", f"{t.params_keras:,}"),
        ("Trainable params", f"{t.params:,}"),
        ("Non-trainable params", f"{t.params_keras - t.params:,}"),
        ("Layers" if a.spec is not None else "Nodes", f"{t.layers:,}"),
    ]


def summary(a: Analysis) -> str:
    rows = [HEADERS, *summary_rows(a)]
    header, *lines = aligned_lines(rows, (False, False, True, False), indent=" ")
    width = 1 + sum(column_widths(rows)) + 2 * 3
    out = [
        f'Model: "{model_name(a)}"',
        "_" * width,
        header,
        "=" * width,
        *lines,
        "=" * width,
        *(f"{label}: {value}" for label, value in summary_totals(a)),
        "_" * width,
    ]
    return "\n".join(out) + "\n"
