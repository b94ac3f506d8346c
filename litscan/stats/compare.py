"""Comparisons of two shares with paired bootstrap intervals: selections, A − B differences,
before/after, activity index, co-authorship and trends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import polars as pl

from litscan.config import DEFAULT_MIN_WORKS
from litscan.errors import InputDataError, UsageError
from litscan.stats.frames import _base, _check_counting, _keys, _need, _norm_by
from litscan.stats.replicates import (
    DEFAULT_RESAMPLES,
    _interval,
    _linear_sums,
    _prob_positive,
    _ratio,
)
from litscan.stats.shares import _finish

__all__ = [
    "Selection",
    "activity_index",
    "coauthorship",
    "share_difference",
    "selection_works",
    "before_after",
    "trend",
]

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
            per_work.select(
                "work_id", pl.lit(num_key).alias("key"), (pl.col("m") * pl.col("x")).alias("value")
            ),
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
    :mod:`litscan.stats.robustness` standardises. An empty selection is an empty frame, not an error.
    """
    where = "selection_works"
    needed: list[str] = []
    if sel.where is not None:
        needed = list(dict.fromkeys(sel.where.meta.root_names()))
    if "country_code" in needed:
        raise UsageError(f"{where}: 'where' may not use country_code; use Selection.country")
    cols = [c for c in columns if c not in ("work_id", "m", "whole", "fractional")]
    groups = list(dict.fromkeys([*needed, *cols]))
    schema = {
        "work_id": pl.Utf8,
        **{c: works.schema.get(c, pl.Utf8) for c in cols},
        "m": pl.Float64,
        "whole": pl.Float64,
        "fractional": pl.Float64,
    }
    try:
        base = _base(
            work_countries,
            works=works,
            work_labels=work_labels,
            groups=groups,
            subset=sel.subset,
            truncated=truncated,
            where=where,
        )
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
        ra, na, ta = _selection_rows(
            a, work_countries, works, work_labels, cnt, 0, 1, truncated, where
        )
        rb, nb, tb = _selection_rows(
            b, work_countries, works, work_labels, cnt, 2, 3, truncated, where
        )
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
                "share_a": stats[0],
                "lo_a": lo[0],
                "hi_a": hi[0],
                "share_b": stats[1],
                "lo_b": lo[1],
                "hi_b": hi[1],
                "diff": stats[2],
                "lo": lo[2],
                "hi": hi[2],
                "ratio": stats[3],
                "ratio_lo": lo[3],
                "ratio_hi": hi[3],
                "p_gt0": p_gt0,
                "n_works_a": na,
                "n_total_a": ta,
                "n_works_b": nb,
                "n_total_b": tb,
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
    ref = (
        [c for c in _norm_by(reference)]
        if reference is not None
        else [c for c in cols if c != "label"]
    )
    ref = [c for c in ref if c != "country_code"]
    if set(ref) == set(cols):
        raise UsageError(
            f"{where}: the reference {ref} equals the groups {cols}",
            hint="group by label (or another column) that the reference omits",
        )
    g_base = _base(
        work_countries,
        works=works,
        work_labels=work_labels,
        groups=cols,
        subset=subset,
        truncated="flag",
        where=where,
    )
    r_base = _base(
        work_countries,
        works=works,
        work_labels=work_labels,
        groups=ref,
        subset=subset,
        truncated="flag",
        where=where,
    )
    g_base = g_base.filter(pl.col("country_code").is_not_null())
    r_base = r_base.filter(pl.col("country_code").is_not_null())
    g_base, ckeys = _keys(g_base, [*cols, "country_code"], "c")
    g_base, gkeys = _keys(g_base, cols, "g")
    r_base, rkeys = _keys(r_base, [*ref, "country_code"], "rc")
    r_base, rgkeys = _keys(r_base, ref, "rg")
    n1, n2, n3, n4 = ckeys.height, gkeys.height, rkeys.height, rgkeys.height
    cell = (
        ckeys.join(gkeys, on=cols, how="left", nulls_equal=True)
        if cols
        else ckeys.with_columns(pl.lit(0, dtype=pl.Int64).alias("g"))
    )
    cell = cell.join(rkeys, on=[*ref, "country_code"], how="left", nulls_equal=True)
    cell = (
        cell.join(rgkeys, on=ref, how="left", nulls_equal=True)
        if ref
        else cell.with_columns(pl.lit(0, dtype=pl.Int64).alias("rg"))
    )
    stats = g_base.group_by("c").agg(pl.col("work_id").n_unique().alias("n_works"))
    gstats = g_base.group_by("g").agg(pl.col("work_id").n_unique().alias("n_total"))
    frames = []
    for cnt in countings:
        rows = pl.concat(
            [
                g_base.select(
                    "work_id", pl.col("c").alias("key"), (pl.col("m") * pl.col(cnt)).alias("value")
                ),
                g_base.group_by("work_id", "g")
                .agg(pl.col("m").first())
                .select("work_id", (pl.col("g") + n1).alias("key"), pl.col("m").alias("value")),
                r_base.select(
                    "work_id",
                    (pl.col("rc") + n1 + n2).alias("key"),
                    (pl.col("m") * pl.col(cnt)).alias("value"),
                ),
                r_base.group_by("work_id", "rg")
                .agg(pl.col("m").first())
                .select(
                    "work_id",
                    (pl.col("rg") + n1 + n2 + n3).alias("key"),
                    pl.col("m").alias("value"),
                ),
            ]
        )
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
        frames.append(
            cell.with_columns(
                pl.Series("activity_index", val),
                pl.Series("lo", lo),
                pl.Series("hi", hi),
                pl.Series("share", share),
                pl.Series("share_ref", share_ref),
                pl.lit(cnt).alias("counting"),
            )
        )
    out = pl.concat(frames).join(stats, on="c", how="left").join(gstats, on="g", how="left")
    out = out.drop("c", "g", "rc", "rg")
    return _finish(
        out,
        [*cols, "country_code"],
        method="activity_index",
        n_resamples=n_resamples,
        seed=seed,
        min_works=min_works,
        sort=["counting", *cols, "country_code"],
    )


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
    base = _base(
        work_countries,
        works=works,
        work_labels=work_labels,
        groups=cols,
        subset=subset,
        truncated="flag",
        where=where,
    )
    base = base.filter(pl.col("country_code").is_not_null())
    cc = pl.col("country_code")
    per_work = (
        base.group_by("work_id", *cols)
        .agg(
            pl.col("m").first(),
            (cc == a).any().alias("has_a"),
            (cc == b).any().alias("has_b"),
            pl.col("fractional").filter(cc == a).sum().alias("frac_a"),
        )
        .with_columns((pl.col("has_a") & pl.col("has_b")).alias("has_ab"))
    )
    per_work, gkeys = _keys(per_work, cols, "g")
    n_g = gkeys.height
    parts = []
    for i, name in enumerate(["total", "has_a", "has_b", "has_ab"]):
        val = pl.col("m") if name == "total" else pl.col("m") * pl.col(name).cast(pl.Float64)
        parts.append(
            per_work.select("work_id", (pl.col("g") + i * n_g).alias("key"), val.alias("value"))
        )
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
    for name, p, r in zip(["share_ab", "share_ab_of_a", "share_ab_of_b"], point, reps, strict=True):
        lo, hi = _interval(p, r, level)
        out = out.with_columns(
            pl.Series(name, p), pl.Series(f"{name}_lo", lo), pl.Series(f"{name}_hi", hi)
        )
    out = (
        out.join(counts, on="g", how="left")
        .drop("g")
        .with_columns(
            pl.lit(a).alias("a"),
            pl.lit(b).alias("b"),
            pl.col("n_ab").alias("n_works"),
            pl.lit("whole").alias("counting"),
        )
    )
    out = _finish(
        out,
        cols,
        method="coauthorship",
        n_resamples=n_resamples,
        seed=seed,
        min_works=min_works,
        sort=cols or None,
    )
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
    base = _base(
        work_countries,
        works=works,
        work_labels=work_labels,
        groups=[*cols, "year"],
        subset=subset,
        truncated="flag",
        where=where,
    )
    base = base.filter(pl.col("year").is_not_null())
    if countries is not None:
        keep = pl.col("country_code").is_in(list(countries))
    else:
        keep = pl.lit(True)
    base, gkeys = _keys(base, [*cols, "year"], "g")
    cells = (
        base.filter(pl.col("country_code").is_not_null() & keep)
        .select(*cols, "country_code")
        .unique()
    )
    grid = (
        cells.join(gkeys, on=cols, how="inner", nulls_equal=True)
        if cols
        else cells.join(gkeys, how="cross")
    )
    grid = grid.sort([*cols, "country_code", "year"]).with_row_index("c")
    grid = grid.with_columns(pl.col("c").cast(pl.Int64))
    n_c, n_g = grid.height, gkeys.height
    base_c = base.join(
        grid.select("c", *cols, "country_code", "year"),
        on=[*cols, "country_code", "year"],
        how="inner",
        nulls_equal=True,
    )
    frames = []
    series_keys = [*cols, "country_code"]
    for cnt in countings:
        rows = pl.concat(
            [
                base_c.select(
                    "work_id", pl.col("c").alias("key"), (pl.col("m") * pl.col(cnt)).alias("value")
                ),
                base.filter(pl.col("country_code").is_not_null())
                .group_by("work_id", "g")
                .agg(pl.col("m").first())
                .select("work_id", (pl.col("g") + n_c).alias("key"), pl.col("m").alias("value")),
            ]
        )
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
            n_works = int(
                base.filter(
                    (pl.col("country_code") == row["country_code"])
                    & pl.all_horizontal([pl.col(c) == row[c] for c in cols] or [pl.lit(True)])
                )
                .get_column("work_id")
                .n_unique()
            )
            row.update(
                slope=slope,
                lo=float(lo[0]),
                hi=float(hi[0]),
                first_year=int(years[ok].min()) if ok.any() else None,
                last_year=int(years[ok].max()) if ok.any() else None,
                n_years=int(ok.sum()),
                share_first=float(y[ok][0]) if ok.any() else None,
                share_last=float(y[ok][-1]) if ok.any() else None,
                n_works=n_works,
                counting=cnt,
            )
            frames.append(row)
    out = pl.DataFrame(frames).with_columns(pl.col("n_works").alias("n_total"))
    return _finish(
        out,
        series_keys,
        method="trend_slope",
        n_resamples=n_resamples,
        seed=seed,
        min_works=min_works,
    )
