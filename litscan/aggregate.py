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

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import polars as pl

from litscan import bootstrap
from litscan.config import DEFAULT_MIN_WORKS
from litscan.errors import InputDataError, UsageError

__all__ = [
    "COUNTINGS",
    "Selection",
    "replicate_weights",
    "country_shares",
    "highly_cited",
    "pp_top",
    "activity_index",
    "coauthorship",
    "share_difference",
    "selection_works",
    "before_after",
    "trend",
    "shares_from_counts",
]

Counting = Literal["whole", "fractional"]
COUNTINGS: tuple[str, ...] = ("whole", "fractional")
DEFAULT_RESAMPLES = 1000
COUNTRY_ALIASES = ("country", "country_code")

# --------------------------------------------------------------------------------------------
# replicate weights and linear sums (the kernel is litscan.bootstrap)
# --------------------------------------------------------------------------------------------


def replicate_weights(work_ids: pl.Series | Sequence[str], *, n_resamples: int, seed: int = 0):
    """The bootstrap weights litscan uses: array (n_works, n_resamples) of Poisson(1) counts.

    Weight (work, r) depends only on (seed, r, work id), never on the other works: two calls on
    different subsets with the same seed are paired work by work.
    """
    return bootstrap.weights(work_ids, n_resamples, seed)


@dataclass(frozen=True)
class _Sums:
    """Point values and bootstrap replicates of K linear sums over works."""

    point: np.ndarray  # (K,)
    reps: np.ndarray | None  # (R, K)
    n_resamples: int
    seed: int


def _linear_sums(rows: pl.DataFrame, n_keys: int, n_resamples: int, seed: int) -> _Sums:
    """Σ_w u_w·value over ``rows`` (work_id, key, value) for u = 1 and each bootstrap replicate."""
    from scipy import sparse

    if rows.height == 0:
        point = np.zeros(n_keys)
        reps = np.zeros((n_resamples, n_keys)) if n_resamples else None
        return _Sums(point, reps, n_resamples, seed)
    uniq, widx = bootstrap.factorize_ids(rows.get_column("work_id"))  # canonical work order
    keys = rows.get_column("key").to_numpy()
    vals = rows.get_column("value").cast(pl.Float64).to_numpy()
    mat = sparse.csr_matrix((vals, (keys, widx)), shape=(n_keys, len(uniq)))
    point = np.asarray(mat.sum(axis=1)).ravel()
    if not n_resamples:
        return _Sums(point, None, 0, seed)
    # work-major copy (keys ascending within a work): the kernel adds, for each key, the works in
    # the same order as ``mat @ u`` would, so the replicates are bit-identical to that product
    by_work = mat.tocsc()
    reps = bootstrap.csr_by_work_sums(
        bootstrap.hash_ids(uniq, seed), by_work.indptr, by_work.indices, by_work.data,
        n_keys, n_resamples,
    )
    return _Sums(point, reps, n_resamples, seed)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _interval(
    point: np.ndarray, reps: np.ndarray | None, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of replicate statistics (R, S), widened to contain the point."""
    if reps is None:
        nan = np.full(point.shape, np.nan)
        return nan, nan
    alpha = (1.0 - level) / 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanquantile(reps, [alpha, 1.0 - alpha], axis=0)
        lo = np.where(np.isnan(point), np.nan, np.fmin(lo, point))
        hi = np.where(np.isnan(point), np.nan, np.fmax(hi, point))
    return lo, hi


def _prob_positive(reps: np.ndarray | None, n: int) -> np.ndarray:
    if reps is None:
        return np.full(n, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        valid = ~np.isnan(reps)
        pos = np.where(valid, reps > 0, False).sum(axis=0)
        cnt = valid.sum(axis=0)
        return np.where(cnt > 0, pos / np.maximum(cnt, 1), np.nan)


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


def _apply_subset(
    frame: pl.DataFrame, subset: pl.DataFrame | None, where: str
) -> pl.DataFrame:
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
    _need(work_countries, ["work_id", "country_code", "whole", "fractional"], "work_countries", where)
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
    stats = (
        base.group_by("c")
        .agg(
            pl.col("work_id").n_unique().alias("n_works"),
            pl.col("work_id").filter(pl.col("truncated")).n_unique().alias("n_truncated"),
        )
    )
    n_tot = (
        base.filter(den_filter).group_by("g").agg(pl.col("work_id").n_unique().alias("n_total"))
    )
    n_all = base.group_by("g").agg(pl.col("work_id").n_unique().alias("n_all"))
    out_frames = []
    for cnt in countings:
        num_rows = base.select(
            "work_id", pl.col("c").alias("key"), (pl.col("m") * pl.col(cnt)).alias("value")
        )
        rows = pl.concat([num_rows, den_rows, all_rows])
        sums = _linear_sums(rows, n_c + 2 * n_g, n_resamples, seed)
        cg = ckeys.join(gkeys, on=groups, how="left", nulls_equal=True) if groups else ckeys.with_columns(
            pl.lit(0, dtype=pl.Int64).alias("g")
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
            *[c for c in ("is_top_1_percent", "is_top_10_percent", "citation_percentile")
              if c in works.columns],
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
        weight = (
            pl.when(a + t <= k).then(1.0).when(a >= k).then(0.0).otherwise(straddle)
        )
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
    base = base.join(tw, on=keys_t, how="left", nulls_equal=True).with_columns(pl.col("top_weight").fill_null(0.0))
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


# --------------------------------------------------------------------------------------------
# comparisons of two shares (paired), before/after, activity index, trend
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """One share to compare: ``country``'s share among the works that pass ``where``.

    ``where`` is a polars expression over the columns of ``works`` (``id`` is ``work_id``) plus
    ``label`` (one row per work × flagged label when ``label`` is used); ``subset`` restricts
    the universe (e.g. a :func:`highly_cited` frame, whose ``top_weight`` weights works).
    """

    country: str
    where: pl.Expr | None = None
    subset: pl.DataFrame | None = None
    name: str | None = None


def _selection_rows(
    sel: Selection,
    work_countries: pl.DataFrame,
    works: pl.DataFrame | None,
    work_labels: pl.DataFrame | None,
    counting: str,
    num_key: int,
    den_key: int,
    truncated: str,
    where: str,
) -> tuple[pl.DataFrame, int, int]:
    needed: list[str] = []
    if sel.where is not None:
        needed = list(dict.fromkeys(sel.where.meta.root_names()))  # an expr may name a column twice
    if "country_code" in needed:
        raise UsageError(f"{where}: 'where' may not use country_code; use Selection.country")
    base = _base(
        work_countries,
        works=works,
        work_labels=work_labels,
        groups=needed,
        subset=sel.subset,
        truncated=truncated,
        where=where,
    )
    if sel.where is not None:
        base = base.filter(sel.where)
    base = base.filter(pl.col("country_code").is_not_null())
    per_work = base.group_by("work_id").agg(
        pl.col("m").first(),
        (pl.col(counting) * (pl.col("country_code") == sel.country)).max().alias("x"),
    )
    if per_work.height == 0:
        raise InputDataError(
            f"{where}: selection {sel.name or sel.country!r} has no work with a country",
            hint="check the 'where' expression, labels and subset",
        )
    rows = pl.concat(
        [
            per_work.select("work_id", pl.lit(num_key).alias("key"), (pl.col("m") * pl.col("x"))
                            .alias("value")),
            per_work.select("work_id", pl.lit(den_key).alias("key"), pl.col("m").alias("value")),
        ]
    )
    n_works = int((per_work.get_column("x") > 0).sum())
    return rows, n_works, per_work.height


def selection_works(
    work_countries: pl.DataFrame,
    sel: Selection,
    *,
    works: pl.DataFrame,
    work_labels: pl.DataFrame | None = None,
    columns: Sequence[str] = (),
    truncated: Literal["flag", "exclude"] = "flag",
) -> pl.DataFrame:
    """One row per work of a selection that has a country: ``work_id``, ``columns`` (from
    ``works``, e.g. the stratum keys ``source``, ``year``), ``m`` (the work's multiplier: 1, or its
    ``top_weight`` in a highly-cited subset) and ``whole`` / ``fractional`` (the counting weights
    of ``sel.country`` on the work, 0 when the country is absent).

    Summed over works, ``m·whole`` / ``m`` is the whole-counting share of :func:`share_difference`
    (the same for fractional); summed within strata it gives the per-stratum shares that
    :mod:`litscan.robustness` standardises. An empty selection is an empty frame, not an error.
    """
    where = "selection_works"
    needed: list[str] = []
    if sel.where is not None:
        needed = list(dict.fromkeys(sel.where.meta.root_names()))
    if "country_code" in needed:
        raise UsageError(f"{where}: 'where' may not use country_code; use Selection.country")
    cols = [c for c in columns if c not in ("work_id", "m", "whole", "fractional")]
    groups = list(dict.fromkeys([*needed, *cols]))
    schema = {"work_id": pl.Utf8, **{c: works.schema.get(c, pl.Utf8) for c in cols},
              "m": pl.Float64, "whole": pl.Float64, "fractional": pl.Float64}
    try:
        base = _base(work_countries, works=works, work_labels=work_labels, groups=groups,
                     subset=sel.subset, truncated=truncated, where=where)
    except InputDataError as exc:
        if "selection is empty" in str(exc):
            return pl.DataFrame(schema=schema)
        raise
    if sel.where is not None:
        base = base.filter(sel.where)
    base = base.filter(pl.col("country_code").is_not_null())
    is_c = pl.col("country_code") == sel.country
    out = base.group_by("work_id").agg(
        *[pl.col(c).first() for c in cols],
        pl.col("m").first().cast(pl.Float64),
        (pl.col("whole") * is_c).max().cast(pl.Float64).alias("whole"),
        (pl.col("fractional") * is_c).max().cast(pl.Float64).alias("fractional"),
    )
    return out.select(list(schema)).cast(schema).sort("work_id")


def share_difference(
    work_countries: pl.DataFrame,
    a: Selection,
    b: Selection,
    *,
    works: pl.DataFrame | None = None,
    work_labels: pl.DataFrame | None = None,
    counting: str = "fractional",
    truncated: Literal["flag", "exclude"] = "flag",
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = 0.95,
    min_works: int = DEFAULT_MIN_WORKS,
) -> pl.DataFrame:
    """share(a) − share(b) with paired bootstrap intervals (the same resamples for both).

    One row per counting: ``a``, ``b`` (names), ``share_a``, ``lo_a``, ``hi_a``, ``share_b``,
    ``lo_b``, ``hi_b``, ``diff``, ``lo``, ``hi``, ``ratio``, ``ratio_lo``, ``ratio_hi``,
    ``p_gt0`` (fraction of resamples with diff > 0), ``n_works_a/b``, ``n_total_a/b``,
    ``low_n``, ...
    """
    where = "share_difference"
    countings = _check_counting(counting, where)
    rows_out = []
    for cnt in countings:
        ra, na, ta = _selection_rows(a, work_countries, works, work_labels, cnt, 0, 1,
                                     truncated, where)
        rb, nb, tb = _selection_rows(b, work_countries, works, work_labels, cnt, 2, 3,
                                     truncated, where)
        sums = _linear_sums(pl.concat([ra, rb]), 4, n_resamples, seed)
        p = sums.point
        sa, sb = _ratio(p[0:1], p[1:2]), _ratio(p[2:3], p[3:4])
        stats = np.concatenate([sa, sb, sa - sb, _ratio(sa, sb)])
        reps = None
        if sums.reps is not None:
            r = sums.reps
            ra_, rb_ = _ratio(r[:, 0], r[:, 1]), _ratio(r[:, 2], r[:, 3])
            reps = np.column_stack([ra_, rb_, ra_ - rb_, _ratio(ra_, rb_)])
        lo, hi = _interval(stats, reps, level)
        p_gt0 = _prob_positive(None if reps is None else reps[:, 2:3], 1)[0]
        rows_out.append(
            {
                "a": a.name or a.country,
                "b": b.name or b.country,
                "share_a": stats[0], "lo_a": lo[0], "hi_a": hi[0],
                "share_b": stats[1], "lo_b": lo[1], "hi_b": hi[1],
                "diff": stats[2], "lo": lo[2], "hi": hi[2],
                "ratio": stats[3], "ratio_lo": lo[3], "ratio_hi": hi[3],
                "p_gt0": p_gt0,
                "n_works_a": na, "n_total_a": ta, "n_works_b": nb, "n_total_b": tb,
                "low_n": min(na, ta, nb, tb) < min_works,
                "counting": cnt,
            }
        )
    out = pl.DataFrame(rows_out)
    return out.with_columns(
        pl.lit("share_difference").alias("method"),
        pl.lit("records").alias("path"),
        pl.lit(n_resamples, dtype=pl.Int64).alias("n_resamples"),
        pl.lit(seed, dtype=pl.Int64).alias("seed"),
    )


def before_after(
    work_countries: pl.DataFrame,
    *,
    works: pl.DataFrame,
    cutoff: date | str = date(2022, 10, 7),
    countries: Sequence[str] | None = None,
    where: pl.Expr | None = None,
    subset: pl.DataFrame | None = None,
    work_labels: pl.DataFrame | None = None,
    window_years: int | None = None,
    counting: str = "fractional",
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = 0.95,
    min_works: int = DEFAULT_MIN_WORKS,
) -> pl.DataFrame:
    """Each country's share after ``cutoff`` minus before (``publication_date < cutoff``), paired.

    Default cutoff: 2022-10-07, the US export controls on advanced computing to China.
    ``window_years`` keeps only works within that many years on either side. One row per
    country × counting with ``share_a`` (after), ``share_b`` (before), ``diff`` and intervals;
    works without a publication date are excluded and counted in ``n_undated``.
    """
    fn = "before_after"
    _need(works, ["id", "publication_date"], "works", fn)
    cut = date.fromisoformat(cutoff) if isinstance(cutoff, str) else cutoff
    d = pl.col("publication_date")
    n_undated = int(works.get_column("publication_date").null_count())
    after = d >= cut
    before = d < cut
    if window_years:
        lo_d = date(cut.year - window_years, cut.month, min(cut.day, 28))
        hi_d = date(cut.year + window_years, cut.month, min(cut.day, 28))
        after = after & (d < hi_d)
        before = before & (d >= lo_d)
    if where is not None:
        after, before = after & where, before & where
    if countries is None:
        countries = (
            work_countries.filter(pl.col("country_code").is_not_null())
            .group_by("country_code")
            .agg(pl.col("fractional").sum())
            .sort("fractional", descending=True)
            .head(10)
            .get_column("country_code")
            .to_list()
        )
    frames = []
    for c in countries:
        frames.append(
            share_difference(
                work_countries,
                Selection(c, after, subset, name=f"{c} after {cut}"),
                Selection(c, before, subset, name=f"{c} before {cut}"),
                works=works,
                work_labels=work_labels,
                counting=counting,
                n_resamples=n_resamples,
                seed=seed,
                level=level,
                min_works=min_works,
            ).with_columns(pl.lit(c).alias("country_code"))
        )
    out = pl.concat(frames).with_columns(
        pl.lit(cut).alias("cutoff"),
        pl.lit(n_undated, dtype=pl.Int64).alias("n_undated"),
        pl.lit("before_after").alias("method"),
    )
    return out.select("country_code", *[c for c in out.columns if c != "country_code"])


def activity_index(
    work_countries: pl.DataFrame,
    *,
    works: pl.DataFrame | None = None,
    work_labels: pl.DataFrame | None = None,
    by: str | Sequence[str] = ("country", "label"),
    reference: str | Sequence[str] | None = None,
    counting: str = "fractional",
    subset: pl.DataFrame | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = 0.95,
    min_works: int = DEFAULT_MIN_WORKS,
) -> pl.DataFrame:
    """Activity index AI = (country's share in the group) / (country's share in the reference).

    ``by`` defaults to country × label; the reference is ``by`` without ``label`` (all works of
    the universe, labelled or not) unless ``reference`` names other columns. AI > 1: the
    country is specialised in the label. Intervals come from the same resamples for both shares.
    Columns: groups, ``country_code``, ``activity_index``, ``lo``, ``hi``, ``share``,
    ``share_ref``, ``n_works``, ``n_total``, ``low_n``, ...
    """
    where = "activity_index"
    countings = _check_counting(counting, where)
    cols = [c for c in _norm_by(by) if c != "country_code"]
    ref = [c for c in _norm_by(reference)] if reference is not None else [
        c for c in cols if c != "label"
    ]
    ref = [c for c in ref if c != "country_code"]
    if set(ref) == set(cols):
        raise UsageError(f"{where}: the reference {ref} equals the groups {cols}",
                         hint="group by label (or another column) that the reference omits")
    g_base = _base(work_countries, works=works, work_labels=work_labels, groups=cols,
                   subset=subset, truncated="flag", where=where)
    r_base = _base(work_countries, works=works, work_labels=work_labels, groups=ref,
                   subset=subset, truncated="flag", where=where)
    g_base = g_base.filter(pl.col("country_code").is_not_null())
    r_base = r_base.filter(pl.col("country_code").is_not_null())
    g_base, ckeys = _keys(g_base, [*cols, "country_code"], "c")
    g_base, gkeys = _keys(g_base, cols, "g")
    r_base, rkeys = _keys(r_base, [*ref, "country_code"], "rc")
    r_base, rgkeys = _keys(r_base, ref, "rg")
    n1, n2, n3, n4 = ckeys.height, gkeys.height, rkeys.height, rgkeys.height
    cell = ckeys.join(gkeys, on=cols, how="left", nulls_equal=True) if cols else ckeys.with_columns(
        pl.lit(0, dtype=pl.Int64).alias("g"))
    cell = cell.join(rkeys, on=[*ref, "country_code"], how="left", nulls_equal=True)
    cell = cell.join(rgkeys, on=ref, how="left", nulls_equal=True) if ref else cell.with_columns(
        pl.lit(0, dtype=pl.Int64).alias("rg"))
    stats = g_base.group_by("c").agg(pl.col("work_id").n_unique().alias("n_works"))
    gstats = g_base.group_by("g").agg(pl.col("work_id").n_unique().alias("n_total"))
    frames = []
    for cnt in countings:
        rows = pl.concat([
            g_base.select("work_id", pl.col("c").alias("key"),
                          (pl.col("m") * pl.col(cnt)).alias("value")),
            g_base.group_by("work_id", "g").agg(pl.col("m").first()).select(
                "work_id", (pl.col("g") + n1).alias("key"), pl.col("m").alias("value")),
            r_base.select("work_id", (pl.col("rc") + n1 + n2).alias("key"),
                          (pl.col("m") * pl.col(cnt)).alias("value")),
            r_base.group_by("work_id", "rg").agg(pl.col("m").first()).select(
                "work_id", (pl.col("rg") + n1 + n2 + n3).alias("key"),
                pl.col("m").alias("value")),
        ])
        sums = _linear_sums(rows, n1 + n2 + n3 + n4, n_resamples, seed)
        i1 = cell.get_column("c").to_numpy()
        i2 = cell.get_column("g").to_numpy() + n1
        i3 = cell.get_column("rc").to_numpy() + n1 + n2
        i4 = cell.get_column("rg").to_numpy() + n1 + n2 + n3

        def ai(s: np.ndarray, i1=i1, i2=i2, i3=i3, i4=i4) -> tuple[np.ndarray, ...]:
            share = _ratio(s[..., i1], s[..., i2])
            share_ref = _ratio(s[..., i3], s[..., i4])
            return _ratio(share, share_ref), share, share_ref

        val, share, share_ref = ai(sums.point)
        reps = None if sums.reps is None else ai(sums.reps)[0]
        lo, hi = _interval(val, reps, level)
        frames.append(cell.with_columns(
            pl.Series("activity_index", val), pl.Series("lo", lo), pl.Series("hi", hi),
            pl.Series("share", share), pl.Series("share_ref", share_ref),
            pl.lit(cnt).alias("counting"),
        ))
    out = pl.concat(frames).join(stats, on="c", how="left").join(gstats, on="g", how="left")
    out = out.drop("c", "g", "rc", "rg")
    return _finish(out, [*cols, "country_code"], method="activity_index",
                   n_resamples=n_resamples, seed=seed, min_works=min_works,
                   sort=["counting", *cols, "country_code"])


def coauthorship(
    work_countries: pl.DataFrame,
    *,
    a: str = "CN",
    b: str = "US",
    works: pl.DataFrame | None = None,
    work_labels: pl.DataFrame | None = None,
    by: str | Sequence[str] = (),
    subset: pl.DataFrame | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = 0.95,
    min_works: int = DEFAULT_MIN_WORKS,
) -> pl.DataFrame:
    """Co-authorship between countries ``a`` and ``b`` per group (whole counting of works).

    Columns: groups, ``n_total`` (works with a country), ``n_a``, ``n_b``, ``n_ab`` (works with
    both), ``share_ab`` = n_ab/n_total, ``share_ab_of_a`` = n_ab/n_a, ``share_ab_of_b`` = n_ab/n_b,
    each with ``_lo``/``_hi``; ``a_part_ab`` = mean fractional weight of ``a`` on the joint works.
    """
    where = "coauthorship"
    if a == b:
        raise UsageError(f"{where}: a and b are the same country {a!r}")
    cols = [c for c in _norm_by(by) if c != "country_code"]
    base = _base(work_countries, works=works, work_labels=work_labels, groups=cols,
                 subset=subset, truncated="flag", where=where)
    base = base.filter(pl.col("country_code").is_not_null())
    cc = pl.col("country_code")
    per_work = base.group_by("work_id", *cols).agg(
        pl.col("m").first(),
        (cc == a).any().alias("has_a"),
        (cc == b).any().alias("has_b"),
        pl.col("fractional").filter(cc == a).sum().alias("frac_a"),
    ).with_columns((pl.col("has_a") & pl.col("has_b")).alias("has_ab"))
    per_work, gkeys = _keys(per_work, cols, "g")
    n_g = gkeys.height
    parts = []
    for i, name in enumerate(["total", "has_a", "has_b", "has_ab"]):
        val = pl.col("m") if name == "total" else pl.col("m") * pl.col(name).cast(pl.Float64)
        parts.append(per_work.select("work_id", (pl.col("g") + i * n_g).alias("key"),
                                     val.alias("value")))
    sums = _linear_sums(pl.concat(parts), 4 * n_g, n_resamples, seed)
    gi = gkeys.get_column("g").to_numpy()

    def st(s: np.ndarray) -> list[np.ndarray]:
        t, na, nb, nab = (s[..., gi + i * n_g] for i in range(4))
        return [_ratio(nab, t), _ratio(nab, na), _ratio(nab, nb)]

    point = st(sums.point)
    reps = st(sums.reps) if sums.reps is not None else [None] * 3
    counts = per_work.group_by("g").agg(
        pl.len().alias("n_total"),
        pl.col("has_a").sum().alias("n_a"),
        pl.col("has_b").sum().alias("n_b"),
        pl.col("has_ab").sum().alias("n_ab"),
        pl.col("frac_a").filter(pl.col("has_ab")).mean().alias("a_part_ab"),
    )
    out = gkeys
    for name, p, r in zip(["share_ab", "share_ab_of_a", "share_ab_of_b"], point, reps,
                          strict=True):
        lo, hi = _interval(p, r, level)
        out = out.with_columns(pl.Series(name, p), pl.Series(f"{name}_lo", lo),
                               pl.Series(f"{name}_hi", hi))
    out = out.join(counts, on="g", how="left").drop("g").with_columns(
        pl.lit(a).alias("a"), pl.lit(b).alias("b"),
        pl.col("n_ab").alias("n_works"), pl.lit("whole").alias("counting"),
    )
    out = _finish(out, cols, method="coauthorship", n_resamples=n_resamples, seed=seed,
                  min_works=min_works, sort=cols or None)
    return out


def trend(
    work_countries: pl.DataFrame,
    *,
    works: pl.DataFrame,
    countries: Sequence[str] | None = None,
    work_labels: pl.DataFrame | None = None,
    by: str | Sequence[str] = (),
    counting: str = "fractional",
    subset: pl.DataFrame | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = 0.95,
    min_works: int = DEFAULT_MIN_WORKS,
) -> pl.DataFrame:
    """Least-squares slope of each country's yearly share (share points per year).

    Yearly shares are :func:`country_shares` by year; the slope's interval is the percentile
    interval of the slopes of the same bootstrap resamples (years are paired). Columns: groups,
    ``country_code``, ``slope``, ``lo``, ``hi``, ``first_year``, ``last_year``, ``n_years``,
    ``share_first``, ``share_last``, ``n_works``, ``low_n``, ...
    """
    where = "trend"
    countings = _check_counting(counting, where)
    _need(works, ["id", "year"], "works", where)
    cols = [c for c in _norm_by(by) if c not in ("country_code", "year")]
    base = _base(work_countries, works=works, work_labels=work_labels, groups=[*cols, "year"],
                 subset=subset, truncated="flag", where=where)
    base = base.filter(pl.col("year").is_not_null())
    if countries is not None:
        keep = pl.col("country_code").is_in(list(countries))
    else:
        keep = pl.lit(True)
    base, gkeys = _keys(base, [*cols, "year"], "g")
    cells = (base.filter(pl.col("country_code").is_not_null() & keep)
             .select(*cols, "country_code").unique())
    grid = cells.join(gkeys, on=cols, how="inner", nulls_equal=True) if cols else cells.join(gkeys, how="cross")
    grid = grid.sort([*cols, "country_code", "year"]).with_row_index("c")
    grid = grid.with_columns(pl.col("c").cast(pl.Int64))
    n_c, n_g = grid.height, gkeys.height
    base_c = base.join(grid.select("c", *cols, "country_code", "year"),
                       on=[*cols, "country_code", "year"], how="inner", nulls_equal=True)
    frames = []
    series_keys = [*cols, "country_code"]
    for cnt in countings:
        rows = pl.concat([
            base_c.select("work_id", pl.col("c").alias("key"),
                          (pl.col("m") * pl.col(cnt)).alias("value")),
            base.filter(pl.col("country_code").is_not_null())
            .group_by("work_id", "g").agg(pl.col("m").first())
            .select("work_id", (pl.col("g") + n_c).alias("key"), pl.col("m").alias("value")),
        ])
        sums = _linear_sums(rows, n_c + n_g, n_resamples, seed)
        c_idx = grid.get_column("c").to_numpy()
        g_idx = grid.get_column("g").to_numpy() + n_c
        shares = _ratio(sums.point[c_idx], sums.point[g_idx])
        reps = None if sums.reps is None else _ratio(sums.reps[:, c_idx], sums.reps[:, g_idx])
        series = grid.with_columns(pl.Series("_share", shares)).with_row_index("_i")
        for key, part in series.group_by(series_keys, maintain_order=True):
            idx = part.get_column("_i").to_numpy()
            years = part.get_column("year").to_numpy().astype(np.float64)
            y = shares[idx]
            ok = ~np.isnan(y)
            x = years[ok] - years[ok].mean() if ok.any() else years[ok]
            sxx = float((x**2).sum())
            slope = float((x * y[ok]).sum() / sxx) if sxx > 0 else float("nan")
            r_slope = None
            if reps is not None and sxx > 0:
                ry = np.nan_to_num(reps[:, idx][:, ok], nan=0.0)
                r_slope = ((ry * x).sum(axis=1) / sxx)[:, None]
            lo, hi = _interval(np.array([slope]), r_slope, level)
            row = dict(zip(series_keys, key, strict=True))
            n_works = int(base.filter(
                (pl.col("country_code") == row["country_code"])
                & pl.all_horizontal([pl.col(c) == row[c] for c in cols] or [pl.lit(True)])
            ).get_column("work_id").n_unique())
            row.update(
                slope=slope, lo=float(lo[0]), hi=float(hi[0]),
                first_year=int(years[ok].min()) if ok.any() else None,
                last_year=int(years[ok].max()) if ok.any() else None,
                n_years=int(ok.sum()),
                share_first=float(y[ok][0]) if ok.any() else None,
                share_last=float(y[ok][-1]) if ok.any() else None,
                n_works=n_works, counting=cnt,
            )
            frames.append(row)
    out = pl.DataFrame(frames).with_columns(pl.col("n_works").alias("n_total"))
    return _finish(out, series_keys, method="trend_slope", n_resamples=n_resamples, seed=seed,
                   min_works=min_works)


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
            raise InputDataError(f"{where}: count table has counting {bad['counting'][0]!r}",
                                 hint="aggregate tables must be whole counting")
    cols = _norm_by(by)
    if "country_code" not in cols:
        cols.append("country_code")
    groups = [c for c in cols if c != "country_code"]
    missing = [c for c in cols if c not in counts.columns]
    if missing:
        raise InputDataError(f"{where}: count table lacks by column(s) {missing}; it has "
                             f"{counts.columns}", hint="group by columns the table has")
    if counts.height == 0:
        raise InputDataError(f"{where}: the count table is empty")
    agg = counts.group_by(cols).agg(pl.col("works").sum())
    if totals is not None:
        _need(totals, [*groups, "works"], "totals", where)
        den = totals.group_by(groups).agg(pl.col("works").sum().alias("total")) if groups else \
            totals.select(pl.col("works").sum().alias("total"))
        how = "denominator_total_works"
    else:
        den = agg.group_by(groups).agg(pl.col("works").sum().alias("total")) if groups else \
            agg.select(pl.col("works").sum().alias("total"))
        how = "sum_of_country_counts"
    out = agg.join(den, on=groups, how="left", nulls_equal=True) if groups else agg.join(den, how="cross")
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
    return _finish(out, cols, method="share", n_resamples=0, seed=0, min_works=min_works,
                   sort=[*groups, "works"], path="counts")
