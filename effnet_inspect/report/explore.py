"""The report's interactive figures (explorers): the drawings of one model at three levels, or several models side by
side, with a card for every box and the routes of the semantic zoom. templates/explore.js brings them to life.

Routes are URL fragments that are also element ids on the variant page (the stage and sub-block table rows), so a
link works with or without JavaScript: "stage-block2" opens block2's modules (the stem and top, which have none,
open their layers), "sub-block-block2a" opens block2a's layers.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from effnet_inspect.drawing import keys
from effnet_inspect.report.cards import Card, layer_level, module_level, stage_level
from effnet_inspect.report.data import VariantData, Writer
from effnet_inspect.report.svg import interactive

LEVEL_LABELS = {"stage": "Stages", "module": "Modules", "layer": "Layers"}
HOW = (
    "Drag (or use the arrow keys) to move, scroll, pinch or press + and \u2212 to zoom, 0 or Fit to see it all; "
    "hover or tap a box for its figures."
)


@dataclass(frozen=True)
class View:
    level: str  # stage, module or layer
    label: str  # the level button: Stages, Modules, Layers
    alt: str  # what the drawing shows, for screen readers and as its heading without JavaScript
    caption: str
    svg: str  # inline markup, see svg.interactive
    src: str = ""  # the same drawing as a file next to the page
    wide: str = ""  # the same level drawn left to right, for screens wider than tall (shown by the script)


@dataclass(frozen=True)
class Explorer:
    id: str
    title: str
    caption: str
    views: tuple[View, ...]
    data: str  # JSON for the page script: cards per level and routes


def _json(cards: Mapping[str, Mapping[str, Card]], routes: Mapping[str, dict]) -> str:
    """Cards as [part, title, [[label, value], ...]] with parts and labels numbered: B7's 900 cards repeat a dozen
    labels, so the page carries each once (the script calls the parts "kinds")."""
    everything = [c for by_key in cards.values() for c in by_key.values()]
    parts = sorted({c.part for c in everything})
    labels = sorted({label for c in everything for label, _ in c.rows})
    part_of, label_of = {k: i for i, k in enumerate(parts)}, {k: i for i, k in enumerate(labels)}
    data = {
        "kinds": parts,
        "labels": labels,
        "routes": routes,
        "cards": {
            level: {
                k: [part_of[c.part], c.title, [[label_of[label], value] for label, value in c.rows]]
                for k, c in by_key.items()
            }
            for level, by_key in cards.items()
        },
    }
    # "</" would end the <script> element the JSON sits in.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _route(level: str, focus: str | None, crumbs: list[tuple[str, str]]) -> dict:
    return {"level": level, "focus": focus, "crumbs": [list(c) for c in crumbs]}


def variant_routes(v: VariantData) -> dict[str, dict]:
    home = (v.short, "")
    routes = {"": _route("stage", None, [home])}
    for stage in v.analysis.grouping.stages:
        crumb = (stage.name, f"stage-{stage.name}")
        if stage.sub_blocks:
            routes[crumb[1]] = _route("module", keys.frame(stage.name), [home, crumb])
        else:
            routes[crumb[1]] = _route("layer", keys.frame(stage.name), [home, crumb])
        for block in stage.sub_blocks:
            routes[f"sub-block-{block.name}"] = _route(
                "layer", keys.frame(block.name), [home, crumb, (block.name, f"sub-block-{block.name}")]
            )
    return routes


def variant_links(v: VariantData) -> dict[str, dict[str, str]]:
    """Which boxes open what: stages at stage level; at module level the stem and top open their layers, and a row
    of sub-blocks (its frame, its label and its module boxes) opens its first sub-block's layers."""
    from effnet_inspect.drawing.module import collapse

    module: dict[str, str] = {}
    for stage in v.analysis.grouping.stages:
        if not stage.sub_blocks:
            module[keys.end_box(stage.name)] = f"#stage-{stage.name}"
        for row in collapse(v.analysis, stage.sub_blocks):
            first = row.first.name
            boxes = [
                keys.frame(first),
                keys.row_label(first),
                *(keys.module_box(first, m.type) for m in row.first.modules),
            ]
            module.update({box: f"#sub-block-{first}" for box in boxes})
    stage_cells = {keys.stage_cell(0, r.stage): f"#stage-{r.stage}" for r in v.stages}
    return {"stage": stage_cells, "module": module, "layer": {}}


def variant_explorer(writer: Writer, v: VariantData) -> Explorer | None:
    """Stage, module and layer level of one model, their SVG files written next to the page; None without dot."""
    from effnet_inspect.report.diagrams import variant_diagrams, wide_stage_svg

    drawings = variant_diagrams(v.analysis)
    if not drawings:
        return None
    a = v.analysis
    cards = {
        "stage": stage_level(a, v.stages),
        "module": module_level(a, v.stages, v.sub_blocks),
        "layer": layer_level(a, v.stages, v.sub_blocks),
    }
    links = variant_links(v)
    # The layer level is too big for a slide (and half the report's weight): it lives in the page only, without
    # browser tooltips (its boxes already read name, type and shape).
    command = f" As a file: effnet-inspect diagram {shlex.quote(v.name)} --level layer." if a.spec else ""
    views = tuple(
        View(
            level,
            LEVEL_LABELS[level],
            alt,
            caption + (command if level == "layer" else ""),
            interactive(svg, cards[level], links[level], titles=level != "layer"),
            "" if level == "layer" else writer.write(f"{v.slug}/diagram-{level}.svg", svg),
        )
        for level, alt, caption, svg, _ in drawings
    )
    wide = wide_stage_svg(a)
    if wide:
        views = tuple(
            replace(view, wide=interactive(wide, cards["stage"], links["stage"])) if view.level == "stage" else view
            for view in views
        )
    caption = (
        f"{v.title} at three levels of detail. Click a stage to open its sub-blocks and modules, a sub-block "
        f"to open its layers; the path above the drawing leads back. {HOW}"
    )
    return Explorer("explore", f"Explore {v.title}", caption, views, _json(cards, variant_routes(v)))


def side_by_side_explorer(
    variants: Sequence[VariantData],
    svg: str,
    alt: str,
    caption: str,
    src: str = "",
    linked: bool = True,
    id: str = "side-by-side-figure",
) -> Explorer:
    """Several models at stage level, one column each; with linked, a stage opens on its variant's page."""
    cards: dict[str, Card] = {}
    links: dict[str, str] = {}
    for column, v in enumerate(variants):
        cards.update(stage_level(v.analysis, v.stages, column, v.short))
        if linked:
            links.update({keys.stage_cell(column, r.stage): f"{v.page}#stage-{r.stage}" for r in v.stages})
    view = View("stage", LEVEL_LABELS["stage"], alt, caption, interactive(svg, cards, links), src)
    how = "Click a stage to open it on its variant's page. " if linked else ""
    routes = {"": _route("stage", None, [(", ".join(v.short for v in variants), "")])}
    return Explorer(id, alt, how + HOW, (view,), _json({"stage": cards}, routes))
