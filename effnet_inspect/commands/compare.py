"""effnet-inspect compare (placeholder: being built)."""
from __future__ import annotations

import argparse

from ..errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="(not yet available)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    raise InputError("'compare' is not available yet")
