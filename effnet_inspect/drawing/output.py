"""Turn DOT text into SVG, PNG or PDF through the graphviz package, which runs Graphviz' `dot` program."""

from __future__ import annotations

import enum
import re

import graphviz

from effnet_inspect.errors import InputError

DOT_MISSING = "Graphviz 'dot' not found; install it with: apt-get install graphviz (or scripts/setup.sh)"


class DiagramFormat(enum.Enum):
    SVG = "svg"
    PNG = "png"
    PDF = "pdf"
    DOT = "dot"

    @property
    def is_text(self) -> bool:
        return self in (DiagramFormat.SVG, DiagramFormat.DOT)


def render(dot_source: str, fmt: DiagramFormat | str = DiagramFormat.SVG, dpi: int | None = None) -> bytes:
    """The drawing as bytes in the given format; DOT needs no Graphviz and returns the source itself.
    dpi: pixels per inch of a PNG (Graphviz' default is 96)."""
    fmt = DiagramFormat(fmt)
    if fmt is DiagramFormat.DOT:
        return dot_source.encode("utf-8")
    if dpi is not None and fmt is DiagramFormat.PNG:  # a root-graph attribute: the last statement wins
        dot_source = dot_source.rstrip().removesuffix("}") + f"\tdpi={dpi}\n}}\n"
    renderer = None if fmt is DiagramFormat.SVG else "cairo"  # cairo: antialiased PNG, text kept as text in PDF
    try:
        # quiet: dot's warnings are not the user's to act on; its errors come back with the exception
        drawn = graphviz.pipe("dot", fmt.value, dot_source.encode("utf-8"), renderer=renderer, quiet=True)
    except graphviz.ExecutableNotFound:
        raise InputError(DOT_MISSING) from None
    except graphviz.CalledProcessError as exc:
        lines = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"Graphviz 'dot' failed: {lines[-1] if lines else f'exit status {exc.returncode}'}") from None
    except OSError as exc:
        raise InputError(f"cannot run Graphviz 'dot': {exc.strerror or exc}") from None
    return fixed_dates(drawn) if fmt is DiagramFormat.PDF else drawn


def fixed_dates(pdf: bytes) -> bytes:
    """Pin the dates cairo stamps the PDF with (same length, so the xref table stays valid).

    cairo 1.16 uses the current time; newer cairo reads SOURCE_DATE_EPOCH, which graphviz.pipe cannot pass to its
    subprocess (it has no env parameter), so the date is rewritten for every cairo version alike.
    """
    return re.sub(rb"(/(?:Creation|Mod)Date \(D:)\d{14}", rb"\g<1>19700101000000", pdf)


def render_svg(dot_source: str) -> str:
    """SVG text for embedding in HTML (byte-identical for the same DOT source and Graphviz version)."""
    return render(dot_source, DiagramFormat.SVG).decode("utf-8")
