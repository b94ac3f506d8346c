"""More specifications and strata for the robustness rule (pure; ``docs/aggregation.md``).

* :func:`equal_venue_specs`: the standardised difference with **equal weight per venue** (each
  venue's own standardised A − B, over the venues with at least ``min_works`` works on each
  side, averaged with weight 1/k), one more specification of the grid;
* :func:`count_years`: a count claim over several years as strata: per-year estimates (binomial
  normal-approximation intervals, as the headline), leave-one-year-out re-estimates of the pooled
  share difference, each with its verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from litscan.stats.robustness import Spec, StrataSums, VenueEstimate, _interval, compare
from litscan.stats.verdicts import NOT_TESTABLE, decide

__all__ = ["EQUAL_PER_VENUE", "equal_venue_specs", "YearCounts", "count_years"]

EQUAL_PER_VENUE = "equal per venue"
Z95 = 1.959963984540054


def equal_venue_specs(
    sums_by_top: Mapping[float | None, StrataSums],
    countings: Sequence[str],
    *,
    op: str,
    by: Sequence[str],
    min_works: int,
    min_effect: float = 0.0,
    n_reps: int | None = None,
    level: float = 0.95,
) -> list[Spec]:
    """One specification per counting × threshold: the mean of the per-venue standardised
    differences (venues with ``min_works`` works on each side), its interval from the mean of
    the same venues' replicates. None are returned when fewer than two venues qualify."""
    out: list[Spec] = []
    within = [b for b in by if b != "source"]
    for top, sums in sums_by_top.items():
        src = sums.column("source")
        if src is None:
            continue
        const = sums.constant is not None
        venues = sorted({v for v in src.tolist() if v is not None}, key=str)
        for cnt in countings:
            parts = []
            for v in venues:
                keep = src == v
                if sums.n[0, keep].sum() < min_works or (
                    not const and sums.n[1, keep].sum() < min_works
                ):
                    continue
                c = compare(sums, cnt, by=within, keep=keep, n_reps=n_reps, intervals=False)
                if c.testable(min_works, const) and np.isfinite(c.diff) and c.reps is not None:
                    parts.append(c)
            if len(parts) < 2:
                continue
            diff = float(np.mean([c.diff for c in parts]))
            reps = np.mean(np.stack([c.reps for c in parts]), axis=0)
            lo, hi = _interval(diff, reps, level)
            n_a = sum(c.n_a for c in parts)
            n_b = sum(c.n_b for c in parts)
            verdict = decide(op, lo, hi, min_effect, diff)
            out.append(Spec(cnt, top, None, None, diff, lo, hi, n_a, n_b, verdict,
                            EQUAL_PER_VENUE))  # fmt: skip
    return out


@dataclass(frozen=True)
class YearCounts:
    """One year of a count claim: side A has ``k_a`` works with the country of ``t_a``
    (side B likewise; ``t_b`` 0 for a constant B)."""

    year: int
    k_a: int
    t_a: int
    k_b: int
    t_b: int


def _share(k: float, t: float) -> tuple[float, float]:
    if t <= 0:
        return float("nan"), float("nan")
    p = k / t
    return p, p * (1 - p) / t


def _diff(k_a, t_a, k_b, t_b, constant: float | None) -> tuple[float, float, float, float]:
    """(A − B, lo, hi, variance) with the binomial normal approximation of each share."""
    pa, va = _share(k_a, t_a)
    if constant is not None:
        pb, vb = constant, 0.0
    else:
        pb, vb = _share(k_b, t_b)
    d = pa - pb
    var = va + vb
    se = math.sqrt(var) if math.isfinite(var) else float("nan")
    return d, d - Z95 * se, d + Z95 * se, var


def _low(k_a, t_a, k_b, t_b, constant, min_works) -> bool:
    return (
        t_a < min_works
        or k_a < min_works
        or (constant is None and (t_b < min_works or k_b < min_works))
    )


def count_years(
    years: Sequence[YearCounts],
    *,
    op: str,
    constant: float | None,
    min_works: int,
    min_effect: float = 0.0,
) -> tuple[list[VenueEstimate], list[Spec]]:
    """(per-year strata, specifications: the pooled estimate then each year left out).

    A year's weight is its share of side A's works; a stratum is eligible for I² when each
    side has ``min_works`` works in it. The pooled estimate is Σk/Σt per side over the years."""
    years = [y for y in years if y.t_a > 0]
    tot_a = sum(y.t_a for y in years)
    units: list[VenueEstimate] = []
    for y in years:
        d, lo, hi, var = _diff(y.k_a, y.t_a, y.k_b, y.t_b, constant)
        ok = not _low(y.k_a, y.t_a, y.k_b, y.t_b, constant, min_works) and var > 0
        units.append(VenueEstimate(str(y.year), d, lo, hi, var, y.t_a, y.t_b, bool(ok),
                                   y.t_a / tot_a if tot_a else float("nan")))  # fmt: skip
    specs: list[Spec] = []
    for left in [None, *[y.year for y in years]]:
        part = [y for y in years if y.year != left]
        k_a, t_a = sum(y.k_a for y in part), sum(y.t_a for y in part)
        k_b, t_b = sum(y.k_b for y in part), sum(y.t_b for y in part)
        d, lo, hi, _ = _diff(k_a, t_a, k_b, t_b, constant)
        verdict = (
            NOT_TESTABLE
            if not part or _low(k_a, t_a, k_b, t_b, constant, min_works)
            else decide(op, lo, hi, min_effect, d)
        )
        specs.append(Spec("whole", None, None, left, d, lo, hi, t_a, t_b, verdict))
    return units, specs
