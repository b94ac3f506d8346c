"""Label error corrected per stratum, then standardised (issue 24; docs/aggregation.md).

The pooled correction of :func:`litscan.labels.label_error.label_error` uses one background
share for a whole side (for CV task labels that pool includes NeurIPS/ICML papers) and maps the
claim's interval through one affine map (dividing the unlabelled side by the precision too).
Here each stratum ``s`` of the claim's standardisation key (venue × year for most claims) is
corrected with **its own background**:

    a*_s = (a_s − (1 − π) · u_s) / π

where ``a_s`` is the labelled side's share among the flagged works of the stratum, ``u_s`` its
share among the stratum's unflagged works of the same universe (same country, same venue-year,
so the same venue field; for task labels in a claim without venue strata the background is
limited to the CV venues, where the labels are defined) and ``π`` the label's audited strict
precision. An unlabelled side is not corrected. The corrected strata are standardised with the
headline's weights ``w_s`` (side A's distribution over the strata both sides share):

    d* = Σ_s w_s (a*_s − b*_s).

Shares are not clipped per stratum, so ``d*`` is linear in the strata shares: its bootstrap
replicates are the headline's side replicates put through the same map, with the backgrounds
held at their point values (a background pools every unflagged work of its stratum, many more
than the flagged ones). A stratum with no unflagged work of the universe has no background and
is left uncorrected (listed in ``uncorrected``).

Recall: with country-independent recall, misses do not change a country's share, so recall
cancels. No shipped audit measures recall by country (the sheets sample too few positives per
country), so that equal-recall assumption is stated in every row (:data:`RECALL_ASSUMPTION`);
``scripts/recall_by_country.py`` is a diagnostic of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from litscan.errors import UsageError

__all__ = [
    "RECALL_ASSUMPTION",
    "stratum_shares",
    "standardised_correction",
    "strata_claim_row",
    "corrected_text",
]

RECALL_ASSUMPTION = (
    "recall is assumed equal across countries (no shipped audit measures recall by country; "
    "docs/aggregation.md reports a diagnostic that doubts it for surveillance), so missed "
    "papers have the country mix of the flagged true ones and recall cancels"
)


def stratum_shares(
    work_countries: pl.DataFrame,
    universe: pl.DataFrame,
    flagged: pl.DataFrame | None,
    *,
    keys: Sequence[str],
    country: str,
    counting: str,
    background: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Per stratum: ``m`` (Σ weights of the side's works: the flagged ones when ``flagged`` is
    given), ``share`` (their country share), ``m_bg`` and ``background`` (the same over the
    unflagged works of ``background``, default ``universe``).

    ``universe`` / ``background``: ``work_id``, the ``keys`` columns and optionally ``weight``
    (a highly-cited weight; default 1). A work counts with the largest ``counting`` value of
    ``country`` on it (0 if absent); works without any country are left out, as in
    :mod:`litscan.stats`."""
    if counting not in work_countries.columns:
        raise UsageError(
            f"work_countries has no {counting!r} column; found {work_countries.columns}"
        )
    keys = list(keys)

    def per_work(frame: pl.DataFrame) -> pl.DataFrame:
        m = pl.col("weight") if "weight" in frame.columns else pl.lit(1.0)
        u = frame.select("work_id", *keys, m.cast(pl.Float64).alias("m"))
        x = (
            work_countries.filter(pl.col("country_code").is_not_null())
            .join(u.select("work_id"), on="work_id", how="semi")
            .group_by("work_id")
            .agg((pl.col(counting) * (pl.col("country_code") == country)).max().alias("x"))
        )
        return u.join(x, on="work_id", how="inner").filter(pl.col("m") > 0)

    def agg(frame: pl.DataFrame, m: str, share: str) -> pl.DataFrame:
        by = keys or [pl.lit(0).alias("_all")]
        return frame.group_by(by).agg(
            pl.col("m").sum().alias(m), ((pl.col("m") * pl.col("x")).sum() / pl.col("m").sum())
            .alias(share)
        )  # fmt: skip

    works = per_work(universe)
    if flagged is None:
        return agg(works, "m", "share").with_columns(
            pl.lit(None, dtype=pl.Float64).alias("m_bg"),
            pl.lit(None, dtype=pl.Float64).alias("background"),
        )
    ids = flagged.get_column("work_id").implode()
    side = agg(works.filter(pl.col("work_id").is_in(ids)), "m", "share")
    bg_works = works if background is None else per_work(background)
    bg = agg(bg_works.filter(~pl.col("work_id").is_in(ids)), "m_bg", "background")
    on = keys or ["_all"]
    return side.join(bg, on=on, how="left", nulls_equal=True)


def _corrected(share: np.ndarray, bg: np.ndarray, p: float | None) -> np.ndarray:
    if p is None:
        return share
    if not 0.0 < p <= 1.0:
        raise UsageError(f"precision must be in (0, 1], got {p!r}")
    # a stratum without background (every work flagged) stays as observed
    return np.where(np.isnan(bg), share, (share - (1.0 - p) * np.nan_to_num(bg)) / p)


def standardised_correction(
    a: pl.DataFrame,
    b: pl.DataFrame | float,
    *,
    keys: Sequence[str],
    pa: float | None,
    pb: float | None,
    reps_a: np.ndarray | None = None,
    reps_b: np.ndarray | None = None,
    level: float = 0.95,
) -> dict:
    """The per-stratum correction of one claim at precisions ``pa`` / ``pb`` (None: that side
    rests on no audited label), standardised with side A's weights over the shared strata.

    ``a`` / ``b``: :func:`stratum_shares` frames (``b`` a float for a constant side);
    ``reps_a`` / ``reps_b``: the headline's replicates of the standardised side shares.
    Returns ``diff`` (observed standardised A − B), ``corrected``, ``lo`` / ``hi`` (percentile
    interval of the corrected replicates; NaN without replicates), ``background_a`` /
    ``background_b`` (standardised backgrounds), ``strata`` (per stratum: weight, shares,
    backgrounds, corrected shares) and ``uncorrected`` (strata without a background)."""
    on = list(keys) or ["_all"]
    if isinstance(b, pl.DataFrame):
        j = a.join(b, on=on, how="inner", suffix="_b", nulls_equal=True).filter(
            (pl.col("m") > 0) & (pl.col("m_b") > 0)
        )
    else:
        j = a.filter(pl.col("m") > 0).with_columns(
            pl.lit(float(b)).alias("share_b"), pl.lit(None, dtype=pl.Float64).alias("background_b")
        )
    j = j.sort(on, nulls_last=True)
    nan = float("nan")
    if j.height == 0:
        return {"diff": nan, "corrected": nan, "lo": nan, "hi": nan, "strata": [],
                "uncorrected": [], "background_a": None, "background_b": None}  # fmt: skip
    w = j["m"].to_numpy() / j["m"].sum()
    sa = j["share"].to_numpy()
    sb = j["share_b"].to_numpy()
    ua = j["background"].fill_null(nan).to_numpy()
    ub = j["background_b"].fill_null(nan).to_numpy()
    ca, cb = _corrected(sa, ua, pa), _corrected(sb, ub, pb)
    diff = float(w @ (sa - sb))
    corrected = float(w @ (ca - cb))
    lo = hi = nan
    if reps_a is not None and reps_b is not None:
        # linear in the side shares: d* = A/pa − (Σ w·shift_a) − (B/pb − Σ w·shift_b)
        def mapped(reps: np.ndarray, share: np.ndarray, corr: np.ndarray, p: float | None):
            if p is None:
                return reps
            return reps / p - float(w @ (share / p - corr))

        rd = mapped(reps_a, sa, ca, pa) - mapped(reps_b, sb, cb, pb)
        ok = rd[np.isfinite(rd)]
        if ok.size:
            alpha = (1.0 - level) / 2.0
            q_lo, q_hi = np.quantile(ok, [alpha, 1.0 - alpha])
            lo, hi = float(min(q_lo, corrected)), float(max(q_hi, corrected))
    labels = [
        " ".join("–" if v is None else str(v) for v in row) for row in j.select(on).iter_rows()
    ]
    strata = [
        {"stratum": s, "weight": float(wi), "share_a": float(x), "background_a": _num(u),
         "corrected_a": float(c), "share_b": float(y), "background_b": _num(v),
         "corrected_b": float(d)}
        for s, wi, x, u, c, y, v, d in zip(labels, w, sa, ua, ca, sb, ub, cb, strict=True)
    ]  # fmt: skip
    unc = [s for s, u in zip(labels, ua, strict=True) if pa is not None and math.isnan(u)]
    unc += [s for s, v in zip(labels, ub, strict=True) if pb is not None and math.isnan(v)]
    return {
        "diff": diff, "corrected": corrected, "lo": lo, "hi": hi,
        "background_a": _num(float(np.nansum(w * ua))) if pa is not None else None,
        "background_b": _num(float(np.nansum(w * ub))) if pb is not None else None,
        "strata": strata, "uncorrected": sorted(set(unc)),
    }  # fmt: skip


def _num(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) else float(x)


def precision_ends(q) -> list[float | None]:
    """The precision interval's ends and point of a :class:`LabelQuality` (``[None]`` for none)."""
    return [None] if q is None else [q.precision_lo, q.precision, q.precision_hi]


def side_frames(
    works: pl.DataFrame,
    keys: Sequence[str],
    where: pl.Expr | None,
    subset: pl.DataFrame | None,
    background_where: pl.Expr | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """(universe, background universe) of one side: ``work_id`` + ``keys`` (+ ``weight`` for a
    highly-cited ``subset`` frame of ``work_id, top_weight``), the side's selection ``where``
    without its label; the background further limited by ``background_where`` (None: same)."""

    def frame(expr: pl.Expr | None) -> pl.DataFrame:
        w = works if expr is None else works.filter(expr)
        u = w.select(pl.col("id").alias("work_id"), *keys)
        if subset is not None:
            u = u.join(
                subset.select("work_id", pl.col("top_weight").alias("weight")), on="work_id"
            ).filter(pl.col("weight") > 0)
        return u

    universe = frame(where)
    if background_where is None:
        return universe, None
    both = background_where if where is None else where & background_where
    return universe, frame(both)


def row_numbers(results: Mapping[tuple, dict]) -> dict:
    """min/max of the corrected estimates and interval ends over precision combinations."""
    vals = list(results.values())
    return {
        "estimate_corrected_min": min(r["corrected"] for r in vals),
        "estimate_corrected_max": max(r["corrected"] for r in vals),
        "lo_corrected_min": min(r["lo"] for r in vals),
        "hi_corrected_max": max(r["hi"] for r in vals),
    }


#: task labels defined within CV papers only: their background is limited to the CV venues
#: when the claim has no venue strata
CV_LABELS = ("classifier:surveillance", "classifier:face_recognition")


def strata_claim_row(
    claim,
    quality: Mapping,
    label_specs: Mapping[str, str],
    works: pl.DataFrame,
    work_countries: pl.DataFrame,
    work_labels: pl.DataFrame | None,
    *,
    side_where,
    counting: str,
    subset: pl.DataFrame | None,
    by: Sequence[str],
    comparison,
    verdict: str | None,
    min_effect: float = 0.0,
) -> dict:
    """The label-error row of a records claim, corrected per stratum (module docstring).

    ``quality``: preset label name -> :class:`~litscan.labels.label_error.LabelQuality` of the
    audited labels; ``label_specs``: name -> spec; ``side_where(side)``: a side's works filter
    (called with the label removed); ``comparison``: the headline's Comparison (weights and
    replicates); ``verdict``: the headline's verdict."""
    from dataclasses import replace

    from litscan.stats.verdicts import NOT_TESTABLE, decide

    keys = [k for k in by if k in works.columns]

    def frame(s):
        if s.is_constant:
            return float(s.value)
        q = quality.get(s.label) if s.label else None
        bg_where = None
        if (q is not None and label_specs.get(s.label) in CV_LABELS and "source" not in keys
                and "venue_field" in works.columns):  # fmt: skip
            bg_where = pl.col("venue_field") == "CV"
        universe, bg = side_frames(works, keys, side_where(replace(s, label=None)),
                                   subset if s.top else None, bg_where)  # fmt: skip
        flagged = None
        if s.label is not None:
            if work_labels is None:
                raise UsageError(f"side labelled {s.label!r} but no work_labels were given")
            flagged = work_labels.filter((pl.col("label") == s.label) & pl.col("flag"))
        return stratum_shares(work_countries, universe, flagged, keys=keys,
                              country=s.country or "", counting=counting, background=bg)  # fmt: skip

    fa, fb = frame(claim.a), frame(claim.b)
    qa = quality.get(claim.a.label) if claim.a.label else None
    qb = quality.get(claim.b.label) if claim.b.label else None
    same = qa is not None and qb is not None and qa.label == qb.label
    if same:
        combos = [(p, p) for p in precision_ends(qa)]
    else:
        combos = [(x, y) for x in precision_ends(qa) for y in precision_ends(qb)]
    point = (qa.precision if qa else None, qb.precision if qb else None)
    if point not in combos:
        combos.append(point)
    results = {
        c: standardised_correction(fa, fb, keys=keys, pa=c[0], pb=c[1],
                                   reps_a=comparison.reps_a, reps_b=comparison.reps_b)
        for c in combos
    }  # fmt: skip
    head = results[point]
    for r in results.values():
        r["verdict"] = decide(claim.op, r["lo"], r["hi"], min_effect, r["corrected"])
    per_end = sorted({r["verdict"] for r in results.values()})
    row = {
        "method": "per stratum",
        "by": keys,
        "labels": sorted({q.label for q in (qa, qb) if q is not None}),
        "precision": {
            q.label: [q.precision, q.precision_lo, q.precision_hi] for q in (qa, qb) if q
        },  # fmt: skip
        "recall": {q.label: [q.recall, q.recall_lo, q.recall_hi] for q in (qa, qb) if q},
        "share_a": comparison.share_a,
        "share_b": comparison.share_b,
        "background_a": head["background_a"],
        "background_b": head["background_b"],
        "estimate": head["diff"],
        "estimate_corrected": head["corrected"],
        **row_numbers(results),
        "lo_corrected": head["lo"],
        "hi_corrected": head["hi"],
        "diff_observed": head["diff"],
        "diff_corrected": head["corrected"],
        "diff_corrected_min": min(r["corrected"] for r in results.values()),
        "diff_corrected_max": max(r["corrected"] for r in results.values()),
        "direction": _direction(head["diff"], head["corrected"]),
        "verdict_corrected": head["verdict"],
        "verdicts_over_precision_interval": per_end,
        "strata": head["strata"],
        "uncorrected": head["uncorrected"],
        "assumption": (
            "false positives have the country mix of the unflagged papers of the same stratum"
            + ("" if "source" in keys else " (CV venues only for CV task labels)")
        ),
        "recall_assumption": RECALL_ASSUMPTION,
    }
    if verdict is not None:
        agrees = None if verdict == NOT_TESTABLE else per_end == [verdict]
        row.update(verdict=verdict, agrees=agrees, survives=agrees)
    row["corrected_text"] = corrected_text(row)
    return row


def _direction(observed: float, corrected: float) -> str:
    if math.isclose(observed, corrected, abs_tol=1e-12):
        return "unchanged"
    return "larger" if corrected > observed else "smaller"


def _pts(x: float | None) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x * 100:+.1f}"


def corrected_text(row: Mapping) -> str:
    """``corrected: supported, +12.0 [+3.0, +23.3]; agrees`` (or ``disagrees`` with the
    headline's verdict, naming the verdicts over the precision interval when they differ)."""
    text = (
        f"corrected: {row['verdict_corrected']}, {_pts(row['estimate_corrected'])} "
        f"[{_pts(row['lo_corrected'])}, {_pts(row['hi_corrected'])}]"
    )
    agrees = row.get("agrees")
    if agrees is None:
        return text
    ends = row.get("verdicts_over_precision_interval") or []
    if agrees:
        return f"{text}; agrees with the headline ({row['verdict']})"
    extra = f" (over the precision interval: {', '.join(ends)})" if len(ends) > 1 else ""
    return f"{text}; disagrees with the headline ({row['verdict']}){extra}"
