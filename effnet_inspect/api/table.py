"""effnet_inspect.table(): the records of `effnet-inspect table` as an object that renders itself."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from effnet_inspect.analysis.measure import Analysis
from effnet_inspect.analysis.rows import Level, rows_for, table_rows
from effnet_inspect.api.checks import checked
from effnet_inspect.api.rendered import Rendered
from effnet_inspect.api.sources import Kwargs, Model, Sources, choice, our_variants, side_by_side
from effnet_inspect.errors import InputError
from effnet_inspect.ports.verdict import Conformance, Inspection
from effnet_inspect.render.tables import Format, render

FORMAT_BY_SUFFIX = {
    ".txt": Format.TEXT,
    ".md": Format.MD,
    ".csv": Format.CSV,
    ".json": Format.JSON,
    ".tex": Format.LATEX,
}


@dataclass(frozen=True, repr=False)
class Table(Rendered):
    """Rows of one level (family, stage or sub-block) with every output format of `effnet-inspect table`.

    `rows` are the plain records (FamilyRow, StageRow, SubBlockRow); `str(table)` is the text table, and a notebook
    shows it as HTML.

    >>> t = ei.table("b0", level="stage")
    >>> [r.stage for r in t.rows][:3], t.rows[0].params
    (['stem', 'block1', 'block2'], 928)
    >>> print(t.to_csv().splitlines()[0][:40])
    variant,stage,layers,params,params_keras
    """

    rows: tuple[Any, ...]
    level: Level
    verdict: Conformance | None = None  # another implementation's, when the table has one

    FORMATS = Format
    BY_SUFFIX = FORMAT_BY_SUFFIX

    def render(self, format: Format | str = Format.TEXT) -> str:
        """The table in one of: text, md, csv, json, latex (exactly what the command line prints); under a text or
        Markdown table, another implementation's verdict (JSON and CSV family rows carry it in their fields)."""
        fmt = choice(Format, format, "format")
        text = render(self.rows, self.level, fmt)
        c = self.verdict
        if c is None or fmt not in (Format.TEXT, Format.MD):
            return text
        return text + "\n".join(["", f"Verdict for {c.model}: {c.verdict}", *(f"  - {d}" for d in c.differences), ""])

    def to_latex(self) -> str:
        return self.render(Format.LATEX)

    def to_pandas(self) -> Any:
        """A pandas DataFrame with the JSON's keys as columns, in order; a family row's module_counts become columns
        of their own in its place (expansion, module1 ... module5). pandas is an optional extra.

        >>> ei.table("b0").to_pandas().loc[0, ["variant", "params", "module2"]].tolist()
        ['b0', 5288548, 4]
        """
        try:
            import pandas
        except ImportError as exc:
            raise ImportError(
                "Table.to_pandas() needs pandas, an optional extra: pip install 'effnet-inspect[pandas]'", name="pandas"
            ) from exc
        flat = [_columns(r) for r in self.rows]
        # convert_dtypes: nullable integers, so that the stem's missing repeats do not turn the column into floats
        return pandas.DataFrame(flat, columns=list(flat[0])).convert_dtypes()

    def _repr_html_(self) -> str:
        from effnet_inspect.api.display import records_html

        names = list(dict.fromkeys(r.variant for r in self.rows))
        return records_html(self.rows, self.level, f"{self.level.value.capitalize()} table: {', '.join(names)}")


def _columns(row: Any) -> dict[str, Any]:
    """A record as the JSON has it, with module_counts spread into columns where it stands."""
    out: dict[str, Any] = {}
    for key, value in asdict(row).items():
        out.update(value if key == "module_counts" else {key: value})
    return out


@checked
def table(
    variants: Sources = None,
    level: Level | str = Level.FAMILY,
    *,
    include_top: bool = True,
    resolution: int | None = None,
    fvcore: bool = False,
    model: Model | None = None,
    kwargs: Kwargs = None,
    name: str | None = None,
) -> Table:
    """Parameters, MACs, channels and resolutions per variant, stage or sub-block (`effnet-inspect table`).

    variants: 'b0'-'b7', custom ones ('phi=2.5', 'w=1.3,d=1.5,r=320'), Variant or Analysis objects; one or a list
    (default B0-B7). level: family, stage or subblock. fvcore adds fvcore's FLOP count (family level, optional
    extra). model: another implementation, an nn.Module or 'MODULE:CALLABLE' with `kwargs`, alone or after the
    given variants; its rows count Keras-equivalent layers (its own nodes beside them), its family row also carries
    the conformance verdict (matched_variant, differences), and the text table ends with the verdict; name:
    what to call it.

    >>> t = ei.table(["b0", "b7"])
    >>> [(r.variant, r.params, r.layers) for r in t.rows]
    [('b0', 5288548, 240), ('b7', 66347960, 816)]
    >>> print(ei.table("b0", include_top=False).to_markdown().splitlines()[2][:47])
    | b0 | 1 | 1 | 224 | 0.2 | 237 | 16 | 4,007,548
    """
    level = choice(Level, level, "level")
    if model is not None:
        if fvcore:
            raise InputError("counts our own builds only; leave it out for another implementation", param="fvcore")
        *ours, found = side_by_side(variants, model, kwargs, include_top, resolution, name)
        assert isinstance(found, Inspection)
        rows = [r for a in ours if isinstance(a, Analysis) for r in rows_for(a, level)] + found.rows(level)
        return Table(tuple(rows), level, found.conformance)
    if name is not None:
        raise InputError("names another implementation; it applies to a model only", param="name")
    sources = our_variants(variants, kwargs, include_top, resolution)
    if fvcore and any(isinstance(s, Analysis) and s.spec is None for s in sources):
        raise InputError("counts our own builds only; leave it out for another implementation", param="fvcore")
    return Table(tuple(table_rows(sources, level, include_top, resolution, fvcore)), level)
