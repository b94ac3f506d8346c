"""Shares from aggregate count tables (``group_by`` counts), with a binomial counting-noise
interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from litscan.config import DEFAULT_MIN_WORKS
from litscan.errors import InputDataError, UsageError
from litscan.stats.frames import _need, _norm_by
from litscan.stats.shares import _finish

__all__ = [
    "shares_from_counts",
]

# --------------------------------------------------------------------------------------------
# aggregate count tables
# --------------------------------------------------------------------------------------------


def shares_from_counts(
    counts: pl.DataFrame,
    *,
    by: str | Sequence[str] = ("country",),
    totals: pl.DataFrame | None = None,
    counting: str = "whole",
    min_works: int = DEFAULT_MIN_WORKS,
) -> pl.DataFrame:
    """Shares from an aggregate count table (group_by path, embedded OpenAlex aggregates).

    Only whole counting is possible and there are no resampling intervals (``lo``/``hi`` null).
    The denominator is, per group, the number of works in ``totals`` (a frame with the group
    columns and ``works``) when given — then a share is the whole-counting share of works —
    otherwise the sum of the country counts (``denominator = "sum_of_country_counts"``), which
    exceeds the number of works when works have several countries, so those shares sum to 1 and
    understate each country's share of works. ``path`` is ``"counts"``.
    """
    where = "shares_from_counts"
    if counting != "whole":
        raise UsageError(
            f"{where}: aggregate count tables only allow whole counting, got {counting!r}",
            hint="fractional counting needs the work records (country_shares)",
        )
    _need(counts, ["country_code", "works"], "count", where)
    if "counting" in counts.columns:
        bad = counts.filter(pl.col("counting") != "whole")
        if bad.height:
            raise InputDataError(
                f"{where}: count table has counting {bad['counting'][0]!r}",
                hint="aggregate tables must be whole counting",
            )
    cols = _norm_by(by)
    if "country_code" not in cols:
        cols.append("country_code")
    groups = [c for c in cols if c != "country_code"]
    missing = [c for c in cols if c not in counts.columns]
    if missing:
        raise InputDataError(
            f"{where}: count table lacks by column(s) {missing}; it has {counts.columns}",
            hint="group by columns the table has",
        )
    if counts.height == 0:
        raise InputDataError(f"{where}: the count table is empty")
    agg = counts.group_by(cols).agg(pl.col("works").sum())
    if totals is not None:
        _need(totals, [*groups, "works"], "totals", where)
        den = (
            totals.group_by(groups).agg(pl.col("works").sum().alias("total"))
            if groups
            else totals.select(pl.col("works").sum().alias("total"))
        )
        how = "denominator_total_works"
    else:
        den = (
            agg.group_by(groups).agg(pl.col("works").sum().alias("total"))
            if groups
            else agg.select(pl.col("works").sum().alias("total"))
        )
        how = "sum_of_country_counts"
    out = (
        agg.join(den, on=groups, how="left", nulls_equal=True)
        if groups
        else agg.join(den, how="cross")
    )
    out = out.with_columns(
        pl.col("works").cast(pl.Float64),
        pl.col("total").cast(pl.Float64),
        (pl.col("works") / pl.col("total")).alias("share"),
        pl.lit(None, dtype=pl.Float64).alias("lo"),
        pl.lit(None, dtype=pl.Float64).alias("hi"),
        pl.col("works").cast(pl.Int64).alias("n_works"),
        pl.col("total").cast(pl.Int64).alias("n_total"),
        pl.lit("whole").alias("counting"),
        pl.lit(how).alias("denominator"),
    )
    return _finish(
        out,
        cols,
        method="share",
        n_resamples=0,
        seed=0,
        min_works=min_works,
        sort=[*groups, "works"],
        path="counts",
    )
