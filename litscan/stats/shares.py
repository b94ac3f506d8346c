"""The numbers that decide every claim: country shares, highly-cited sets, PP(top x %), activity
index, co-authorship, trends and before/after comparisons, each with bootstrap intervals.

Pure functions over the tidy tables of ``docs/tables.md``; every definition is stated in
``docs/aggregation.md`` and every result says how it was made (columns ``counting``, ``method``,
``path``, ``n_resamples``, ``seed``, ``low_n``).

Definitions in one place
------------------------
* **Counting.** ``fractional`` (default) uses ``work_countries.fractional`` (a work's weight of 1
  split equally among its authors with a country, each author's part equally among that author's
  countries); ``whole`` gives 1 to each distinct country on the work.
* **Share** of country *c* in group *g* = Σ_w m_w·x_wc / Σ_w m_w over the works *w* of *g* that
  have at least one country (x_wc = the counting weight, m_w = 1, or the work's ``top_weight`` when
  the universe is a highly-cited set). Fractional shares sum to 1 over countries; whole shares to
  ≥ 1. Works with no country are reported in a row with ``country_code`` null (their share of all
  works of the group), or, with ``unknown="include"``, counted as a pseudo-country.
* **Bootstrap.** Poisson bootstrap over works: in resample *r* each work gets an independent
  Poisson(1) weight derived from a stable hash of (seed, r, work id), so any two calls with the same
  seed are paired work by work. Intervals are percentile intervals (default 95 %), widened to
  include the point estimate if needed. ``n_resamples=0`` switches intervals off.
* **low_n** is true when fewer than ``min_works`` distinct works are in the numerator or in the
  denominator of a statistic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl

from litscan.config import DEFAULT_MIN_WORKS
from litscan.errors import InputDataError, UsageError
from litscan.stats.frames import _base, _check_counting, _group_frame, _keys, _need, _norm_by
from litscan.stats.replicates import DEFAULT_RESAMPLES, _interval, _linear_sums, _ratio

__all__ = [
    "country_shares",
    "highly_cited",
    "pp_top",
]

# --------------------------------------------------------------------------------------------
# shares
# --------------------------------------------------------------------------------------------


def country_shares(
    work_countries: pl.DataFrame,
    *,
    works: pl.DataFrame | None = None,
    work_labels: pl.DataFrame | None = None,
    by: str | Sequence[str] = ("country",),
    counting: str = "fractional",
    subset: pl.DataFrame | None = None,
    unknown: Literal["report", "include"] = "report",
    truncated: Literal["flag", "exclude"] = "flag",
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = 0.95,
    min_works: int = DEFAULT_MIN_WORKS,
) -> pl.DataFrame:
    """Country shares by ``by`` (``country`` plus any ``works`` column, and ``label``).

    Returns one row per group × country (× counting) with the group columns, ``country_code``,
    ``works`` (weighted count), ``total`` (the denominator), ``share``, ``lo``, ``hi``,
    ``n_works`` (distinct works with the country), ``n_total`` (distinct works in the
    denominator), ``n_truncated``, ``low_n``, ``counting``, ``method`` ("share"), ``path``
    ("records"), ``n_resamples``, ``seed``. The row with a null ``country_code`` reports the
    works without any country (share of all works in the group) unless ``unknown="include"``.
    ``subset`` restricts to a set of works, e.g. :func:`highly_cited` output (its
    ``top_weight`` then weights each work).
    """
    where = "country_shares"
    countings = _check_counting(counting, where)
    if unknown not in ("report", "include"):
        raise UsageError(f"{where}: unknown must be 'report' or 'include', got {unknown!r}")
    cols = _norm_by(by)
    if "country_code" not in cols:
        cols = [*cols, "country_code"]
    groups = [c for c in cols if c != "country_code"]
    base = _base(
        work_countries,
        works=works,
        work_labels=work_labels,
        groups=groups,
        subset=subset,
        truncated=truncated,
        where=where,
    )
    base, gkeys = _keys(base, groups, "g")
    base, ckeys = _keys(base, [*groups, "country_code"], "c")
    n_g, n_c = gkeys.height, ckeys.height
    known = pl.col("country_code").is_not_null()
    den_filter = pl.lit(True) if unknown == "include" else known
    # denominators: each work once per group (known-country works only, unless include)
    den_rows = (
        base.filter(den_filter)
        .group_by("work_id", "g")
        .agg(pl.col("m").first())
        .select("work_id", (pl.col("g") + n_c).alias("key"), pl.col("m").alias("value"))
    )
    all_rows = (
        base.group_by("work_id", "g")
        .agg(pl.col("m").first())
        .select("work_id", (pl.col("g") + n_c + n_g).alias("key"), pl.col("m").alias("value"))
    )
    stats = base.group_by("c").agg(
        pl.col("work_id").n_unique().alias("n_works"),
        pl.col("work_id").filter(pl.col("truncated")).n_unique().alias("n_truncated"),
    )
    n_tot = base.filter(den_filter).group_by("g").agg(pl.col("work_id").n_unique().alias("n_total"))
    n_all = base.group_by("g").agg(pl.col("work_id").n_unique().alias("n_all"))
    out_frames = []
    for cnt in countings:
        num_rows = base.select(
            "work_id", pl.col("c").alias("key"), (pl.col("m") * pl.col(cnt)).alias("value")
        )
        rows = pl.concat([num_rows, den_rows, all_rows])
        sums = _linear_sums(rows, n_c + 2 * n_g, n_resamples, seed)
        cg = (
            ckeys.join(gkeys, on=groups, how="left", nulls_equal=True)
            if groups
            else ckeys.with_columns(pl.lit(0, dtype=pl.Int64).alias("g"))
        )
        c_idx = cg.get_column("c").to_numpy()
        g_idx = cg.get_column("g").to_numpy()
        is_unknown = cg.get_column("country_code").is_null().to_numpy()
        report_unknown = is_unknown & (unknown == "report")
        den_idx = np.where(report_unknown, n_c + n_g + g_idx, n_c + g_idx)
        num = sums.point[c_idx]
        den = sums.point[den_idx]
        share = _ratio(num, den)
        reps = None
        if sums.reps is not None:
            reps = _ratio(sums.reps[:, c_idx], sums.reps[:, den_idx])
        lo, hi = _interval(share, reps, level)
        frame = cg.with_columns(
            pl.Series("works", num),
            pl.Series("total", den),
            pl.Series("share", share),
            pl.Series("lo", lo),
            pl.Series("hi", hi),
        )
        out_frames.append(frame.with_columns(pl.lit(cnt).alias("counting")))
    out = pl.concat(out_frames)
    out = (
        out.join(stats, on="c", how="left")
        .join(n_tot, on="g", how="left")
        .join(n_all, on="g", how="left")
        .with_columns(
            pl.when(pl.col("country_code").is_null() & pl.lit(unknown == "report"))
            .then(pl.col("n_all"))
            .otherwise(pl.col("n_total"))
            .fill_null(0)
            .alias("n_total")
        )
    )
    return _finish(
        out.drop("c", "g", "n_all"),
        groups + ["country_code"],
        method="share",
        n_resamples=n_resamples,
        seed=seed,
        min_works=min_works,
        sort=["counting", *groups, "works"],
    )


def _finish(
    out: pl.DataFrame,
    keys: list[str],
    *,
    method: str,
    n_resamples: int,
    seed: int,
    min_works: int,
    sort: list[str] | None = None,
    path: str = "records",
) -> pl.DataFrame:
    out = out.with_columns(
        ((pl.col("n_works") < min_works) | (pl.col("n_total") < min_works)).alias("low_n"),
        pl.lit(method).alias("method"),
        pl.lit(path).alias("path"),
        pl.lit(n_resamples, dtype=pl.Int64).alias("n_resamples"),
        pl.lit(seed, dtype=pl.Int64).alias("seed"),
    )
    front = [c for c in keys if c in out.columns]
    rest = [c for c in out.columns if c not in front]
    out = out.select(*front, *rest)
    if sort:
        desc = [s == "works" for s in sort]
        out = out.sort(sort, descending=desc, nulls_last=True, maintain_order=True)
    return out


# --------------------------------------------------------------------------------------------
# highly cited
# --------------------------------------------------------------------------------------------


def highly_cited(
    works: pl.DataFrame,
    *,
    top: float = 0.10,
    within: str | Sequence[str] = ("year",),
    method: Literal["rank", "openalex_flag"] = "rank",
    ties: Literal["fractional", "include", "exclude"] = "fractional",
    min_citations: int = 1,
    work_labels: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The top ``top`` share of works by citations within ``within`` groups.

    ``method="rank"``: in each group of n works with known ``cited_by_count``, the top set has
    k = top·n works. A work with a above it (strictly more citations) and t works tied with it
    (itself included) gets ``top_weight`` 1 if a + t <= k, 0 if a >= k, and otherwise (its tie
    group straddles the threshold) (k − a)/t with ``ties="fractional"`` (Leiden), 1 with
    ``"include"``, 0 with ``"exclude"``. Works with fewer than ``min_citations`` citations are
    never top. ``method="openalex_flag"`` uses OpenAlex's ``is_top_1_percent`` /
    ``is_top_10_percent`` (top = 0.01 / 0.10) or ``citation_percentile >= 1 − top``.

    Returns work_id, within columns, ``citations``, ``top_weight``, ``is_top`` (top_weight > 0),
    ``n_group``, ``top``, ``method``, ``ties``. Works with unknown citations (or flags) are not
    in the output; their number is in the frame's ``n_unknown`` column.
    """
    where = "highly_cited"
    if not 0 < top < 1:
        raise UsageError(f"{where}: top must be in (0, 1), got {top!r}", hint="e.g. 0.10 for 10 %")
    if ties not in ("fractional", "include", "exclude"):
        raise UsageError(f"{where}: ties must be fractional, include or exclude, got {ties!r}")
    cols = _norm_by(within)
    if "country_code" in cols:
        raise UsageError(f"{where}: cannot rank within country", hint="within year/subfield/label")
    _need(works, ["id", "cited_by_count"], "works", where)
    g = _group_frame(
        works.select(pl.col("id").alias("work_id")), cols, works, work_labels, where
    ).join(
        works.select(
            pl.col("id").alias("work_id"),
            pl.col("cited_by_count").alias("citations"),
            *[
                c
                for c in ("is_top_1_percent", "is_top_10_percent", "citation_percentile")
                if c in works.columns
            ],
        ),
        on="work_id",
        how="left",
    )
    if method == "rank":
        known = g.filter(pl.col("citations").is_not_null())
        over = cols if cols else None
        cit = pl.col("citations")

        def win(e: pl.Expr) -> pl.Expr:
            return e.over(over) if over else e

        tie_over = [*cols, "citations"]
        known = known.with_columns(
            win(pl.len()).alias("n_group"),
            (win(cit.rank("min", descending=True)) - 1).cast(pl.Float64).alias("_above"),
            pl.len().over(tie_over).cast(pl.Float64).alias("_tied"),
        ).with_columns((pl.col("n_group") * top).round(9).alias("_k"))
        a, t, k = pl.col("_above"), pl.col("_tied"), pl.col("_k")
        straddle = {
            "fractional": ((k - a) / t),
            "include": pl.lit(1.0),
            "exclude": pl.lit(0.0),
        }[ties]
        weight = pl.when(a + t <= k).then(1.0).when(a >= k).then(0.0).otherwise(straddle)
        weight = pl.when(cit < min_citations).then(0.0).otherwise(weight)
        out = known.with_columns(weight.alias("top_weight")).drop("_above", "_tied", "_k")
    elif method == "openalex_flag":
        flag_col = {0.01: "is_top_1_percent", 0.10: "is_top_10_percent"}.get(round(top, 6))
        if flag_col and flag_col in g.columns:
            flag = pl.col(flag_col)
        elif "citation_percentile" in g.columns:
            flag = pl.col("citation_percentile") >= 1.0 - top
        else:
            raise InputDataError(
                f"{where}: method='openalex_flag' needs is_top_1_percent/is_top_10_percent or "
                f"citation_percentile in works; it has {works.columns}",
                hint="use method='rank'",
            )
        out = (
            g.with_columns(flag.alias("_flag"))
            .filter(pl.col("_flag").is_not_null())
            .with_columns(
                pl.col("_flag").cast(pl.Float64).alias("top_weight"),
                (pl.len().over(cols) if cols else pl.len()).alias("n_group"),
            )
            .drop("_flag")
        )
        ties = "openalex"
    else:
        raise UsageError(f"{where}: method must be 'rank' or 'openalex_flag', got {method!r}")
    n_unknown = g.height - out.height
    if out.height == 0:
        raise InputDataError(
            f"{where}: no work has known citations/flags ({g.height} works in the selection)",
            hint="use method='rank' with cited_by_count, or check the works table",
        )
    return out.select(
        "work_id",
        *cols,
        "citations",
        "top_weight",
        (pl.col("top_weight") > 0).alias("is_top"),
        pl.col("n_group").cast(pl.Int64),
        pl.lit(top).alias("top"),
        pl.lit(method).alias("method"),
        pl.lit(ties).alias("ties"),
        pl.lit(n_unknown, dtype=pl.Int64).alias("n_unknown"),
    ).sort(["work_id", *cols])


def pp_top(
    work_countries: pl.DataFrame,
    *,
    works: pl.DataFrame,
    top_set: pl.DataFrame | None = None,
    top: float = 0.10,
    within: str | Sequence[str] = ("year",),
    method: Literal["rank", "openalex_flag"] = "rank",
    ties: Literal["fractional", "include", "exclude"] = "fractional",
    work_labels: pl.DataFrame | None = None,
    by: str | Sequence[str] = ("country",),
    counting: str = "fractional",
    truncated: Literal["flag", "exclude"] = "flag",
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = 0.95,
    min_works: int = DEFAULT_MIN_WORKS,
) -> pl.DataFrame:
    """PP(top x %): the (weighted) proportion of a country's works that are in the top set.

    PP_c = Σ_w x_wc·t_w / Σ_w x_wc over works with known citations (t_w = ``top_weight``).
    The expected value for a country with average impact is ``top``. ``top_set`` is a
    :func:`highly_cited` frame; if omitted it is computed with the given arguments.
    Columns: groups, ``country_code``, ``pp_top``, ``lo``, ``hi``, ``works`` (Σ x_wc),
    ``top_works`` (Σ x_wc·t_w), ``n_works``, ``n_total`` (= n_works), ``expected``, ...
    """
    where = "pp_top"
    countings = _check_counting(counting, where)
    if top_set is None:
        top_set = highly_cited(
            works, top=top, within=within, method=method, ties=ties, work_labels=work_labels
        )
    cols = [c for c in _norm_by(by) if c != "country_code"]
    top = float(top_set.get_column("top")[0]) if top_set.height else top
    universe = top_set.select(
        "work_id", *[c for c in top_set.columns if c in cols], "top_weight"
    ).with_columns(pl.lit(1.0).alias("weight"))
    base = _base(
        work_countries,
        works=works,
        work_labels=work_labels,
        groups=cols,
        subset=universe.drop("top_weight"),
        truncated=truncated,
        where=where,
    ).filter(pl.col("country_code").is_not_null())
    keys_t = ["work_id", *[c for c in cols if c in top_set.columns]]
    tw = top_set.select(*keys_t, "top_weight").group_by(keys_t).agg(pl.col("top_weight").max())
    base = base.join(tw, on=keys_t, how="left", nulls_equal=True).with_columns(
        pl.col("top_weight").fill_null(0.0)
    )
    base, ckeys = _keys(base, [*cols, "country_code"], "c")
    n_c = ckeys.height
    stats = base.group_by("c").agg(
        pl.col("work_id").n_unique().alias("n_works"),
        pl.col("work_id").filter(pl.col("truncated")).n_unique().alias("n_truncated"),
    )
    frames = []
    for cnt in countings:
        rows = pl.concat(
            [
                base.select("work_id", pl.col("c").alias("key"), pl.col(cnt).alias("value")),
                base.select(
                    "work_id",
                    (pl.col("c") + n_c).alias("key"),
                    (pl.col(cnt) * pl.col("top_weight")).alias("value"),
                ),
            ]
        )
        sums = _linear_sums(rows, 2 * n_c, n_resamples, seed)
        c_idx = ckeys.get_column("c").to_numpy()
        den, num = sums.point[c_idx], sums.point[c_idx + n_c]
        pp = _ratio(num, den)
        reps = None if sums.reps is None else _ratio(sums.reps[:, c_idx + n_c], sums.reps[:, c_idx])
        lo, hi = _interval(pp, reps, level)
        frames.append(
            ckeys.with_columns(
                pl.Series("pp_top", pp),
                pl.Series("lo", lo),
                pl.Series("hi", hi),
                pl.Series("works", den),
                pl.Series("top_works", num),
                pl.lit(top).alias("expected"),
                pl.lit(cnt).alias("counting"),
            )
        )
    out = pl.concat(frames).join(stats, on="c", how="left")
    out = out.with_columns(pl.col("n_works").alias("n_total")).drop("c")
    return _finish(
        out,
        [*cols, "country_code"],
        method=f"pp_top{round(top * 100, 6):g}",
        n_resamples=n_resamples,
        seed=seed,
        min_works=min_works,
        sort=["counting", *cols, "works"],
    )
