"""Number formatting shared by the text tables, the conformance report and the HTML pages.

Diagram labels (5.29M, 0.39 G) and chart ticks have their own short forms in diagram_style and charts.
"""
from __future__ import annotations


def thousands(value: int | float | None, missing: str = "") -> str:
    """5,288,548"""
    return missing if value is None else f"{value:,.0f}"


def millions(value: int | float | None, digits: int = 1, missing: str = "") -> str:
    """385.8 (for a column headed 'MACs (M)')"""
    return missing if value is None else f"{value / 1e6:,.{digits}f}"


def fixed(value: int | float | None, digits: int, missing: str = "") -> str:
    """1,234.568 with a fixed number of decimals"""
    return missing if value is None else f"{value:,.{digits}f}"
