"""Input checks and the long frame every aggregation starts from: columns present, counting
valid, groups joined.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import polars as pl

from litscan.errors import InputDataError, UsageError

__all__ = [
    "COUNTINGS",
]

Counting = Literal["whole", "fractional"]
COUNTINGS: tuple[str, ...] = ("whole", "fractional")
COUNTRY_ALIASES = ("country", "country_code")


# --------------------------------------------------------------------------------------------
# validation and the long frame
# --------------------------------------------------------------------------------------------


def _check_counting(counting: str, where: str) -> list[str]:
    if counting == "both":
        return list(COUNTINGS)
    if counting not in COUNTINGS:
        raise UsageError(
            f"{where}: unknown counting {counting!r}; expected 'whole', 'fractional' or 'both'",
            hint="fractional is the Leiden Ranking default",
        )
    return [counting]


def _need(frame: pl.DataFrame | None, cols: Iterable[str], table: str, where: str) -> None:
    if frame is None:
        raise UsageError(f"{where}: needs the {table} table", hint=f"pass {table}=...")
    if isinstance(frame, pl.LazyFrame):  # the tables folder's frames are lazy
        raise UsageError(
            f"{where}: the {table} table is a polars LazyFrame; this function takes DataFrames",
            hint=f"pass {table}.collect() (litscan.shares and litscan.run_preset take lazy tables)",
        )
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{where}: {table} table lacks column(s) {missing}; it has {frame.columns}",
            hint="see docs/tables.md for the table contract",
        )


def _norm_by(by: str | Sequence[str]) -> list[str]:
    items = [by] if isinstance(by, str) else list(by)
    out: list[str] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if not part:
                continue
            name = "country_code" if part in COUNTRY_ALIASES else part
            if name not in out:
                out.append(name)
    return out


def _group_frame(
    universe: pl.DataFrame,
    groups: list[str],
    works: pl.DataFrame | None,
    work_labels: pl.DataFrame | None,
    where: str,
) -> pl.DataFrame:
    """work_id plus the (non-country) group columns: one row per work × label when grouped by
    label; columns come from ``works`` (any of its columns) or from ``work_labels``."""
    frame = universe.select("work_id").unique()
    work_cols = [g for g in groups if g != "label"]
    if work_cols:
        _need(works, ["id", *work_cols], "works", where)
    if works is not None:
        # a given works table is the population: works absent from it are not counted
        # (a filtered works table narrows the counts instead of adding a null group)
        frame = frame.join(
            works.select(pl.col("id").alias("work_id"), *work_cols).unique("work_id"),
            on="work_id",
            how="inner",
        )
    if "label" in groups:
        _need(work_labels, ["work_id", "label", "flag"], "work_labels", where)
        if work_labels is not None:
            labels = work_labels.filter(pl.col("flag")).select("work_id", "label").unique()
            frame = frame.join(labels, on="work_id", how="inner")
    return frame


def _apply_subset(frame: pl.DataFrame, subset: pl.DataFrame | None, where: str) -> pl.DataFrame:
    """Restrict to the works of ``subset`` and set the work multiplier ``m``.

    ``subset`` has ``work_id`` and optionally ``top_weight`` or ``weight`` (default 1) and any
    group column (e.g. ``label`` when the highly-cited set was ranked within label)."""
    if subset is None:
        return frame.with_columns(pl.lit(1.0).alias("m"))
    _need(subset, ["work_id"], "subset", where)
    wcol = next((c for c in ("top_weight", "weight") if c in subset.columns), None)
    keys = ["work_id"] + [c for c in frame.columns if c in subset.columns and c != "work_id"]
    keys = [k for k in keys if k not in ("top_weight", "weight", "m")]
    sub = subset.select(
        *keys, (pl.col(wcol).cast(pl.Float64) if wcol else pl.lit(1.0)).alias("m")
    ).filter(pl.col("m") > 0)
    sub = sub.group_by(keys).agg(pl.col("m").max())
    return frame.join(sub, on=keys, how="inner")


def _base(
    work_countries: pl.DataFrame,
    *,
    works: pl.DataFrame | None,
    work_labels: pl.DataFrame | None,
    groups: list[str],
    subset: pl.DataFrame | None,
    truncated: str,
    where: str,
) -> pl.DataFrame:
    """Long frame: work_id, groups..., m, country_code, whole, fractional, truncated."""
    _need(
        work_countries, ["work_id", "country_code", "whole", "fractional"], "work_countries", where
    )
    if truncated not in ("flag", "exclude"):
        raise UsageError(f"{where}: truncated must be 'flag' or 'exclude', got {truncated!r}")
    wc = work_countries.select("work_id", "country_code", "whole", "fractional")
    g = _group_frame(wc, groups, works, work_labels, where)
    g = _apply_subset(g, subset, where)
    if works is not None and "is_authors_truncated" in works.columns:
        tr = works.select(
            pl.col("id").alias("work_id"),
            pl.col("is_authors_truncated").fill_null(False).alias("truncated"),
        )
        g = g.join(tr, on="work_id", how="left").with_columns(pl.col("truncated").fill_null(False))
        if truncated == "exclude":
            g = g.filter(~pl.col("truncated"))
    else:
        g = g.with_columns(pl.lit(False).alias("truncated"))
    for col in groups:
        if col != "label" and col in g.columns and g.get_column(col).null_count() == g.height:
            raise InputDataError(
                f"{where}: group column {col!r} is null for every work",
                hint="the works table has no values there; pick another --by column",
            )
    if g.height == 0:
        raise InputDataError(
            f"{where}: the selection is empty (no work has the requested groups/labels/subset)",
            hint="check the work_labels flags, the subset and the works table ids",
        )
    return g.join(wc, on="work_id", how="inner")


def _keys(frame: pl.DataFrame, cols: list[str], name: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Attach an integer key per distinct combination of ``cols``; return (frame, key table)."""
    if not cols:
        table = pl.DataFrame({name: [0]}, schema={name: pl.Int64})
        return frame.with_columns(pl.lit(0, dtype=pl.Int64).alias(name)), table
    table = frame.select(cols).unique().sort(cols, nulls_last=True).with_row_index(name)
    table = table.with_columns(pl.col(name).cast(pl.Int64))
    return frame.join(table, on=cols, how="left", nulls_equal=True), table
