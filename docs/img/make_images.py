"""Regenerate the README's diagram pictures: python docs/img/make_images.py (needs Graphviz and Pillow).

Each PNG is rendered by `dot`, then scaled and reduced to a 256-colour palette so that it stays under 300 KB.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from effnet_inspect.analysis.measure import analyze
from effnet_inspect.arch.specs import OFFICIAL_NAMES
from effnet_inspect.drawing import DiagramFormat, diagram_dot, render

HERE = Path(__file__).parent
LIMIT = 300 * 1024


def save(dot: str, name: str, width: int | None = None, crop: tuple[int, int, int, int] | None = None) -> None:
    image = Image.open(io.BytesIO(render(dot, DiagramFormat.PNG))).convert("RGB")
    if crop:
        image = image.crop(crop)
    if width and image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    image = image.quantize(colors=256, method=Image.MEDIANCUT, dither=Image.NONE)
    image.save(HERE / name, optimize=True)
    size = (HERE / name).stat().st_size
    print(f"{name}: {image.width}x{image.height}, {size // 1024} KiB" + ("  (OVER 300 KB)" if size > LIMIT else ""))


def main() -> None:
    family = [analyze(n) for n in OFFICIAL_NAMES]
    b0 = family[0]
    save(diagram_dot(family, "stage", side_by_side=True), "b0-b7-side-by-side.png", width=1600)
    save(
        diagram_dot([family[0], family[4], family[7]], "stage", side_by_side=True, rankdir="LR"),
        "b0-b4-b7-side-by-side-lr.png",
        width=1800,
    )
    save(diagram_dot(b0, "stage"), "b0-stage.png")
    save(diagram_dot(b0, "module"), "b0-module.png", crop=(0, 0, 1264, 1500))
    # The layer level is too big to show whole at a readable size: its start, and the end of block 2 (the
    # squeeze-and-excitation bypass and a skip connection). The crop boxes follow today's layout.
    layers = diagram_dot(analyze("b0", include_top=False), "layer")
    save(layers, "b0-layer-start.png", crop=(0, 0, 2000, 900))
    save(layers, "b0-layer-se-skip.png", crop=(1900, 380, 3823, 1000))


if __name__ == "__main__":
    main()
