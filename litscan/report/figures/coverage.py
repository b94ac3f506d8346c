"""Figures of data coverage (venue × year works)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from litscan.errors import InputDataError
from litscan.report.figures.style import _frame, _layout, _require, describe

__all__ = [
    "plot_coverage",
]


def plot_coverage(
    coverage: pl.DataFrame,
    *,
    panel: Sequence[str] = (),
    title: str | None = None,
    source: str | None = None,
    max_venues: int = 40,
) -> go.Figure:
    """Works per venue × year (heatmap; empty cells = no works), the venues of a fixed panel
    marked with ``▸``; at most ``max_venues`` venues (those with the most works).

    ``coverage``: ``source, year, works`` — :func:`litscan.stats.robustness.coverage`.
    """
    where = "plot_coverage"
    df = _frame(coverage, where)
    _require(df, ["source", "year", "works"], where, "litscan.stats.robustness.coverage(works)")
    df = df.filter(pl.col("source").is_not_null() & pl.col("year").is_not_null())
    if df.height == 0:
        raise InputDataError(f"{where}: no venue-year with works")
    years = sorted({int(y) for y in df.get_column("year").to_list()})
    totals = (
        df.group_by("source")
        .agg(pl.col("works").sum())
        .sort(["works", "source"], descending=[True, False])
    )
    n_venues = totals.height
    venues = sorted((str(v) for v in totals.head(max_venues).get_column("source")), reverse=True)
    cells = {(str(r[0]), int(r[1])): r[2] for r in df.select("source", "year", "works").iter_rows()}
    z = [[cells.get((v, y)) for y in years] for v in venues]
    marks = set(panel)
    fig = go.Figure(
        go.Heatmap(
            z=z, x=years, y=[f"▸ {v}" if v in marks else v for v in venues],
            colorscale="Blues", hoverongaps=False, colorbar=dict(title="works"),
            text=[["" if c is None else f"{c:,}" for c in row] for row in z],
            texttemplate="%{text}", textfont=dict(size=10),
            hovertemplate="%{y} %{x}: %{z} works<extra></extra>",
        )
    )  # fmt: skip
    extra = "works per venue and year"
    if n_venues > len(venues):
        extra += f"; the {len(venues)} venues with most works of {n_venues}"
    if marks:
        extra += "; ▸ = fixed venue panel of the share-over-time figure"
    _layout(fig, title or "Coverage: works per venue × year", describe(source=source, extra=extra),
            legend=False)  # fmt: skip
    fig.update_xaxes(dtick=1, showgrid=False)
    fig.update_layout(height=max(340, 140 + 24 * len(venues)))
    return fig
