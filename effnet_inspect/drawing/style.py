"""Look shared by every diagram level: fonts, colours, layout helpers, the legend and recurring labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.rows import StageRow
from effnet_inspect.analysis.trace import Layer
from effnet_inspect.arch.kinds import MODULE_TYPES, ModuleType, SubBlockType
from effnet_inspect.drawing import keys
from effnet_inspect.drawing.dot import Digraph, RankDir, html, html_escape, number, same_rank
from effnet_inspect.render.numbers import arrow, ratio_text

# Colours come from the project's one palette (colour-blind safe, readable under black text).
from effnet_inspect.render.palette import MODULE_COLORS, STEM_COLOR, TOP_COLOR

# DejaVu Sans is what the set-up installs (so PNG text widths are known); browsers fall back to a sans font.
FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
TEXT = "#222222"
MUTED = "#666666"
EDGE = "#555555"
SKIP_EDGE = "#c0392b"
ACCENT = "#1f4e9e"  # growth factors relative to the first column

# The frame around a stage (block) in the layer and module levels.
STAGE_FRAME = dict(labeljust="l", style="rounded,filled", fillcolor="#f7f7f7", color="#bbbbbb", fontsize="12")

MODULE_MEANING: dict[ModuleType, str] = {
    ModuleType.EXPANSION: "1x1 conv widening the input",
    ModuleType.MODULE1: "depthwise conv, stride 1",
    ModuleType.MODULE2: "padding + depthwise conv, stride 2",
    ModuleType.MODULE3: "squeeze-and-excitation",
    ModuleType.MODULE4: "excite + 1x1 projection",
    ModuleType.MODULE5: "projection + dropout + skip add",
    ModuleType.FUSED: "full conv replacing expansion + depthwise",
}


@dataclass(frozen=True)
class Look:
    """Type sizes (points) of one kind of figure. DEFAULT is the on-screen look; SLIDE keeps every text at 18 pt or
    more, so a figure no wider than a 1920-pixel slide (1440 pt) keeps it at 18 px or more when fitted."""

    text: int = 11  # node labels
    small: int = 9  # footers and secondary lines
    heading: int = 12  # cluster captions, box titles
    title: int = 18
    subtitle: int = 11
    stroke: float = 0.8  # node outlines; edges a little heavier

    @property
    def scale(self) -> float:
        """How much bigger than DEFAULT: arrow heads, margins and gaps follow the text."""
        return self.text / DEFAULT.text


DEFAULT = Look()
SLIDE = Look(text=20, small=18, heading=22, title=30, subtitle=20, stroke=1.4)


def new_graph(name: str, rankdir: RankDir, nodesep: float, ranksep: float, title: str, look: Look = DEFAULT) -> Digraph:
    """A diagram with the shared look and a title (an HTML label, see title_label; '' for none) above it."""
    k = look.scale
    margin = "0.08,0.04" if look is DEFAULT else f"{number(0.12 * k)},{number(0.06 * k)}"
    graph_attr = dict(
        rankdir=rankdir.dot,
        newrank="true",
        fontname=FONT,
        fontcolor=TEXT,
        bgcolor="white",
        pad="0.3",
        nodesep=number(nodesep),
        ranksep=number(ranksep),
        outputorder="edgesfirst",
    )
    if title:
        graph_attr.update(labelloc="t", label=title)
    return Digraph(
        name=name,
        graph_attr=graph_attr,
        node_attr=dict(
            fontname=FONT,
            fontsize=str(look.text),
            fontcolor=TEXT,
            shape="box",
            style="rounded,filled",
            color="#444444",
            penwidth=number(look.stroke),
            margin=margin,
        ),
        edge_attr=dict(
            color=EDGE,
            arrowsize=number(0.6 * min(k, 1.5)),
            penwidth=number(look.stroke + 0.1),
            fontname=FONT,
            fontsize=str(look.small),
        ),
    )


def stack_lines(graph: Digraph, lines: Sequence[Sequence[str]], rankdir: RankDir) -> None:
    """Lay lines of nodes out like lines of text: each line one rank, the lines aligned at their starts.

    A plain chain would be a strip hundreds of nodes long, or drift into a staircase with every line starting
    under the end of the previous one. The spine, heavy invisible edges through the first node of every line, keeps
    the lines aligned; edges between lines must be added with line_edge so that they do not pull on the ranks.
    """
    for line in lines:
        if len(line) > 1:
            same_rank(graph, line)
    for upper, lower in zip(lines, lines[1:]):
        graph.edge(upper[0], lower[0], style="invis", weight="20")


def line_edge(graph: Digraph, tail: str, head: str, same_line: bool, rankdir: RankDir, **attrs: str) -> None:
    """An edge of a stack_lines figure: free across lines, reading along the line inside one."""
    if not same_line:
        graph.edge(tail, head, constraint="false", **attrs)
    elif rankdir is RankDir.LR:
        # Under rankdir=LR Graphviz stacks a rank=same line bottom to top in the order of its edges; written
        # reversed (dir=back keeps the arrow pointing downstream) the line reads top to bottom.
        graph.edge(head, tail, dir="back", **attrs)
    else:
        graph.edge(tail, head, **attrs)


# ------------------------------------------------------------------------------------------------ legend
def legend_rows(entries: Sequence[tuple[str, str, str]]) -> str:
    """HTML rows of (colour, name, meaning) swatches."""
    cells = []
    for color, name, meaning in entries:
        cells.append(
            f'<tr><td bgcolor="{color}" width="18" border="1"> </td>'
            f'<td align="left"><b>{html_escape(name)}</b></td>'
            f'<td align="left"><font color="{MUTED}">{html_escape(meaning)}</font></td></tr>'
        )
    return "".join(cells)


def module_legend_entries() -> list[tuple[str, str, str]]:
    return [
        (STEM_COLOR, "Stem", "input, rescaling, stem conv"),
        *((MODULE_COLORS[t], t.label, MODULE_MEANING[t]) for t in MODULE_TYPES),
        (TOP_COLOR, "Top", "head conv (and classifier)"),
    ]


def add_legend(graph: Digraph, extra_rows: str = "") -> None:
    """The colour key, as one plain HTML table node (the caller places it).

    It sits in a borderless cluster of its own: Graphviz orders a rank's clusters and loose nodes separately, and
    a loose node ignores the invisible edges that stack_lines orders the lines with.
    """
    body = legend_rows(module_legend_entries())
    with graph.subgraph(name=keys.frame(keys.LEGEND), graph_attr=dict(peripheries="0", label="")) as legend:
        legend.node(
            keys.LEGEND,
            shape="plain",
            style="",
            fontsize="10",
            label=html(
                '<table border="1" color="#999999" cellborder="0" cellspacing="2" cellpadding="3" bgcolor="white">'
                f'<tr><td colspan="3" align="left"><b>Module types</b></td></tr>{body}{extra_rows}</table>'
            ),
        )


# ------------------------------------------------------------------------------------------------ records
def layer_type(layer: Layer) -> str:
    """The Keras class name, with kernel and stride for convolutions: 'DepthwiseConv2D 5x5 /2'."""
    text = layer.kind.keras_name
    if layer.kind.is_conv and layer.kernel_size:
        text += f" {layer.kernel_size[0]}\u00d7{layer.kernel_size[1]}"
        if layer.stride and layer.stride > 1:
            text += f" /{layer.stride}"
    return text


def layer_unit(a: Analysis) -> str:
    """What a count of graph nodes is called: our builds' nodes are Keras layers; another implementation's are
    its own traced operations (its Keras-equivalent layers are in the verdict and the tables)."""
    return "layers" if a.spec is not None else "nodes"


def block_kind(row: StageRow) -> str:
    """'MBConv' or 'Fused-MBConv' (EfficientNetV2), from a stage row's block type."""
    return "Fused-MBConv" if getattr(row, "block_type", None) == SubBlockType.FUSED.value else "MBConv"


def block_caption(row: StageRow) -> str:
    """A block's cluster label: 'block2 · MBConv6 3x3, stride 2 · 16 -> 24 channels · x2'."""
    return (
        f"{row.stage}  \u00b7  {block_kind(row)}{ratio_text(row.expand_ratio)} "
        f"{row.kernel_size}\u00d7{row.kernel_size}, "
        f"stride {row.stride}  \u00b7  {arrow(row.in_channels, row.out_channels)} channels  \u00b7  "
        f"\u00d7{row.repeats}"
    )


def title_label(title: str, subtitle: str, look: Look = DEFAULT) -> str:
    return html(
        f'<font point-size="{look.title}"><b>{html_escape(title)}</b></font><br/>'
        f'<font point-size="{look.subtitle}" color="{MUTED}">{html_escape(subtitle)}</font>'
    )
