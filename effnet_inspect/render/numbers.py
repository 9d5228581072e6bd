"""The one formatter for numbers, units, factors and shapes, used by tables, summaries, diagrams, charts, the report
and the benchmark tables, so one quantity reads the same everywhere.

Every function takes None for "no value" and returns `missing` (default '') for it.
"""

from __future__ import annotations

from collections.abc import Sequence

Number = int | float | None


def thousands(value: Number, missing: str = "") -> str:
    """5,288,548"""
    return missing if value is None else f"{value:,.0f}"


def millions(value: Number, digits: int = 1, missing: str = "") -> str:
    """385.8 (for a column headed 'MACs (M)')"""
    return missing if value is None else f"{value / 1e6:,.{digits}f}"


def fixed(value: Number, digits: int, missing: str = "") -> str:
    """1,234.568 with a fixed number of decimals"""
    return missing if value is None else f"{value:,.{digits}f}"


def mebibytes(value: Number, missing: str = "") -> str:
    """A size in MiB with one decimal: 84.8, 3,675.3 (for a column headed '... (MiB)')"""
    return missing if value is None else f"{value / 2**20:,.1f}"


def in_millions(value: Number, digits: int = 2) -> str:
    """5.29 M"""
    return "" if value is None else f"{millions(value, digits)} M"


def plain(value: Number) -> str:
    """A coefficient as written: 1.1, 16, 0.2 (floats without trailing zeros)."""
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def decimal(value: float) -> str:
    """At most two decimals, no float noise: 19.2, 17.28, 1382.4, 4.2 (not 4.199999999)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def cell(value: Number, unit: str = "") -> str:
    """A number in a table cell: whole numbers with separators (5,288,548), fractions as written (1.1);
    unit 'millions' gives 385.9."""
    if value is None:
        return ""
    if unit == "millions":
        return millions(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:g}"
    return thousands(value)


def compact(n: Number, digits: int = 3) -> str:
    """928, 16.7K, 5.29M, 1.23G: three significant digits with a unit ('-' for no value)."""
    if n is None:
        return "-"
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= scale * (1 - 0.5 * 10**-digits):  # 999,999 is 1M, not 1000K
            value = n / scale
            decimals = max(0, digits - len(str(int(abs(value)))))
            text = f"{value:.{decimals}f}"
            return (text.rstrip("0").rstrip(".") if "." in text else text) + unit
    return str(n)


def si(n: Number, unit: str = "", digits: int = 3) -> str:
    """The report's one style for a count in prose and cards: three significant digits, an SI prefix, a space, the
    unit: '5.29 M params', '16.7 K params', '54.9 M MACs'. MACs and FLOPs from 0.1 G up read in G, the paper's
    unit (its 'B'), so whole models compare at a glance: '0.386 G MACs', '37.7 G MACs'."""
    if n is None:
        return ""
    if unit in ("MACs", "FLOPs") and abs(n) >= 1e8:
        value = n / 1e9
        text = f"{value:.{max(0, digits - len(str(int(abs(value))))) if abs(value) >= 1 else digits}f} G"
    else:
        text = compact(n, digits)
        text = f"{text[:-1]} {text[-1]}" if text[-1] in "KMG" else text
    return f"{text} {unit}".rstrip()


def giga(n: int) -> str:
    """Whole-network MACs in the paper's unit: 0.39 G, 37.7 G."""
    value = n / 1e9
    return f"{value:.2f} G" if value < 10 else f"{value:.1f} G"


def axis_millions(x: float, _pos: object = None) -> str:
    """Chart tick: 5M."""
    return f"{x / 1e6:g}M"


def axis_billions(x: float, _pos: object = None) -> str:
    """Chart tick: 0.5G (billions with the SI prefix the report writes everywhere, the paper's 'B')."""
    return f"{x / 1e9:g}G"


def factor(value: float | None) -> str:
    """A growth factor with three significant figures: ×2.00, ×14.4, ×211."""
    if value is None:
        return ""
    digits = 2 if value < 10 else 1 if value < 100 else 0
    return f"\u00d7{value:.{digits}f}"


def growth(value: Number, base: Number) -> str:
    """'x3.1' relative to a first column, for diagram labels; '' when there is nothing to compare."""
    if not value or not base:
        return ""
    ratio = value / base
    return f"x{ratio:.1f}" if ratio < 100 else f"x{ratio:.0f}"


def percent_off(value: float, reference: float) -> str:
    """How far value is from reference: +4.6 %."""
    return f"{100.0 * (value - reference) / reference:+.1f} %"


def share(part: Number, whole: Number) -> str:
    """part as a percentage of whole: 14.2 %, 0.31 %, < 0.01 %, 0 %."""
    if part is None or not whole:
        return ""
    percent = 100.0 * part / whole
    if percent == 0 or percent >= 1:
        return f"{percent:.1f} %" if percent else "0 %"
    return f"{percent:.2g} %" if percent >= 0.01 else "< 0.01 %"


def keras_shape(shape: Sequence[int] | None) -> str:
    """A (N, C, H, W) shape in Keras' channels-last order without the batch: 112×112×32."""
    if not shape:
        return "?"
    dims = tuple(shape[1:])
    if len(dims) == 3:
        dims = (dims[1], dims[2], dims[0])
    return "\u00d7".join(map(str, dims)) if dims else "scalar"


def keras_summary_shape(shape: Sequence[int]) -> str:
    """The same shape as Keras' model.summary() prints it: (None, 112, 112, 32)."""
    dims = ("None", *map(str, shape[2:]), str(shape[1])) if len(shape) == 4 else ("None", *map(str, shape[1:]))
    return "(" + ", ".join(dims) + ")"


def square(resolution: int | None) -> str:
    """224²"""
    return "?" if resolution is None else f"{resolution}\u00b2"


def arrow(a: object, b: object) -> str:
    """'16 → 24', or '24' when nothing changes."""
    return f"{a} \u2192 {b}" if a != b else str(a)


def ratio_text(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
