"""Turn DOT text into SVG, PNG or PDF with Graphviz' `dot` program (a subprocess; nothing else is needed)."""
from __future__ import annotations

import enum
import os
import re
import shutil
import subprocess

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


def dot_program() -> str:
    path = shutil.which("dot")
    if path is None:
        raise InputError(DOT_MISSING)
    return path


def render(dot_source: str, fmt: DiagramFormat | str = DiagramFormat.SVG) -> bytes:
    """The drawing as bytes in the given format; DOT needs no Graphviz and returns the source itself."""
    fmt = DiagramFormat(fmt)
    if fmt is DiagramFormat.DOT:
        return dot_source.encode("utf-8")
    device = {DiagramFormat.SVG: "svg", DiagramFormat.PNG: "png:cairo", DiagramFormat.PDF: "pdf:cairo"}[fmt]
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0"}  # newer cairo versions date the PDF from this
    try:
        done = subprocess.run([dot_program(), f"-T{device}"], input=dot_source.encode("utf-8"),
                              capture_output=True, env=env, check=False)
    except OSError as exc:
        raise InputError(f"cannot run Graphviz 'dot': {exc.strerror or exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"Graphviz 'dot' failed: {message[-1] if message else f'exit status {done.returncode}'}")
    return _fixed_date(done.stdout) if fmt is DiagramFormat.PDF else done.stdout


def _fixed_date(pdf: bytes) -> bytes:
    """Older cairo stamps the PDF with the current time: pin it (same length, so the xref table stays valid)."""
    return re.sub(rb"(/CreationDate \(D:)\d{14}", rb"\g<1>19700101000000", pdf)


def render_svg(dot_source: str) -> str:
    """SVG text for embedding in HTML (byte-identical for the same DOT source and Graphviz version)."""
    return render(dot_source, DiagramFormat.SVG).decode("utf-8")
