"""Coverage you can see: works per venue × year of any input, as a table and a heatmap.

::

    import litscan
    cov = litscan.coverage()                 # the embedded top-venue papers
    cov = litscan.coverage("tables/")        # a tables folder (fetch/ingest --out)
    litscan.coverage_figure(cov)             # plotly heatmap (works per venue × year)

``litscan coverage [INPUT] [--out FILE.csv|FILE.html]`` is the CLI wrapper. Every preset's venues
and years are checked against the same coverage before a run
(:func:`litscan.claims.coverage.check_population`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from litscan.claims.coverage import data_coverage
from litscan.errors import InputDataError, UsageError
from litscan.fileio import atomic_write_text

__all__ = ["coverage", "coverage_figure", "write_coverage", "source_coverage", "coverage_summary"]


def source_coverage(source: Any = None) -> pl.DataFrame:
    """:func:`~litscan.claims.coverage.data_coverage` of ``source``: None (or ``@venues``) = the
    embedded top-venue papers (every paper, with or without author countries); else anything
    :func:`litscan.claims.inputs.load_input` reads (a tables folder, works JSONL, ``@fixture``)."""
    from litscan.claims.inputs import load_input

    if source is None or source == "@venues":
        return _embedded_coverage()
    t = load_input(source)
    if t.get("works") is None:
        raise InputDataError(
            f"{source}: no works table, so no venue × year coverage",
            hint="give a tables folder or works file (aggregate counts have no venues)",
        )
    return data_coverage(t["works"], t.get("work_countries"))


@cache
def _embedded_coverage() -> pl.DataFrame:
    from litscan.tables.datasets import load_venue_papers

    t = load_venue_papers()
    return data_coverage(t.works, t.work_countries)


def coverage(source: Any = None) -> pl.DataFrame:
    """Works per venue × year of ``source`` (default: the embedded top-venue papers):
    ``source, year, works, works_with_countries`` (works with at least one author country, the
    ones a country share can use). Works without a venue or year are rows with a null
    ``source`` / ``year``, not dropped."""
    return source_coverage(source)


def coverage_figure(cov: pl.DataFrame, *, countries: bool = False, title: str | None = None):
    """A heatmap of ``cov`` (:func:`coverage`): works per venue × year, or with
    ``countries=True`` the works with an author country."""
    from litscan.report.figures.coverage import plot_coverage

    col = "works_with_countries" if countries else "works"
    if col not in cov.columns:
        raise UsageError(f"coverage_figure: expected a {col!r} column (litscan.coverage())")
    frame = cov.select("source", "year", pl.col(col).alias("works"))
    if countries:
        title = title or "Coverage: works with an author country per venue × year"
    return plot_coverage(frame, title=title)


def write_coverage(cov: pl.DataFrame, out: str | Path) -> Path:
    """Write ``cov`` as CSV (``.csv``) or as an HTML page with two heatmaps (``.html``: all
    works, works with an author country); atomically."""
    out = Path(out)
    if out.suffix.lower() == ".csv":
        return atomic_write_text(out, cov.write_csv())
    if out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(
            f"{out}: expected a .csv or .html file, got {out.suffix or 'no suffix'!r}",
            hint="e.g. --out coverage.html (heatmaps) or --out coverage.csv",
        )
    figs = [coverage_figure(cov), coverage_figure(cov, countries=True)]
    body = "\n".join(
        f.to_html(full_html=False, include_plotlyjs=i == 0) for i, f in enumerate(figs)
    )
    page = f"<!doctype html><meta charset='utf-8'><title>litscan coverage</title>\n{body}\n"
    return atomic_write_text(out, page)


def coverage_summary(cov: pl.DataFrame) -> str:
    """One line about a :func:`coverage` table: venues, year span, works, works with an author
    country and works without a venue."""
    venues = cov.get_column("source").drop_nulls().n_unique()
    years = cov.get_column("year").drop_nulls()
    span = f"{years.min()}–{years.max()}" if years.len() else "none"
    total = int(cov.get_column("works").sum())
    with_c = int(cov.get_column("works_with_countries").fill_null(0).sum())
    no_venue = int(cov.filter(pl.col("source").is_null()).get_column("works").sum())
    return (
        f"{venues} venues, years {span}, {total:,} works ({with_c:,} with an author country, "
        f"{no_venue:,} without a venue)"
    )
