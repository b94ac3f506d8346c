"""The verdict vocabulary of litscan and the interval rule that assigns it (pure, no imports).

=====================  ==========================================================================
verdict                when
=====================  ==========================================================================
``supported``          the 95 % interval of A − B lies above 0 (below 0 for ``A < B``) and the
                       point estimate is at least ``min_effect`` away from 0
``contradicted``       the same on the other side of 0
``negligible``         the whole interval lies inside ±``min_effect`` (the smallest difference
                       worth a verdict): an equivalence result, the difference does not matter
``inconclusive``       the interval contains 0, or the point lies inside ±``min_effect`` while the
                       interval reaches beyond it, or robustness checks do not agree (reason given)
``venue-dependent``    venues with decisive intervals disagree in sign (unless the opposing ones
                       are a small named exception), or heterogeneity is high
``year-dependent``     the same over the years of a count claim
``not testable ...``   a side has too few works, or data the claim needs is absent
=====================  ==========================================================================
"""

from __future__ import annotations

import math

__all__ = [
    "SUPPORTED",
    "CONTRADICTED",
    "NEGLIGIBLE",
    "INCONCLUSIVE",
    "VENUE_DEPENDENT",
    "YEAR_DEPENDENT",
    "NOT_TESTABLE",
    "VERDICTS",
    "VERDICT_RULE",
    "COUNTS_INTERVAL",
    "MIN_EFFECT",
    "decide",
    "min_effect_reason",
]

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
NEGLIGIBLE = "negligible"
INCONCLUSIVE = "inconclusive"
VENUE_DEPENDENT = "venue-dependent"
YEAR_DEPENDENT = "year-dependent"
NOT_TESTABLE = "not testable on this data"
VERDICTS = (
    SUPPORTED, CONTRADICTED, NEGLIGIBLE, INCONCLUSIVE, VENUE_DEPENDENT, YEAR_DEPENDENT,
    NOT_TESTABLE,
)  # fmt: skip

#: default smallest difference worth a verdict (share points as fractions: 0.01 = 1 point) per
#: comparison kind; rationale in docs/aggregation.md ("Differences that matter")
MIN_EFFECT = {
    "countries": 0.01,  # two countries' shares of the same works (CN vs US)
    "selections": 0.01,  # one country, two selections (a label vs all works, top vs all)
    "periods": 0.005,  # one country, the same venues, two periods (before/after)
    "constant": 0.01,  # a share against a fixed value ("half of ...")
}

VERDICT_RULE = (
    "For a claim A > B litscan computes the difference A − B with a 95 % interval: supported if "
    "the interval lies above 0, contradicted if it lies below 0, inconclusive otherwise (mirrored "
    "for A < B). Each claim has a smallest difference worth a verdict (min_effect, 1 point by "
    "default, half a point for before/after changes): an interval entirely inside ±min_effect is "
    "negligible, and a point estimate inside ±min_effect whose interval reaches beyond it stays "
    "inconclusive. Work-level data: paired Poisson bootstrap over works (the same resamples for "
    "both sides). Aggregate counts: binomial normal-approximation interval on the counts "
    "(counting noise only, not a sampling interval; whole counting only). Not testable on this "
    "data: fewer than the minimum number of works on a side, or data the claim needs is absent."
)
COUNTS_INTERVAL = "binomial normal-approximation interval on counts (no sampling interval)"


def _bad(x: float | None) -> bool:
    return x is None or math.isnan(x)


def decide(
    op: str,
    lo: float | None,
    hi: float | None,
    min_effect: float = 0.0,
    point: float | None = None,
) -> str:
    """Interval rule: ``A > B`` supported if lo > 0, contradicted if hi < 0, else inconclusive;
    with ``min_effect`` m > 0, negligible if −m < lo and hi < m, and inconclusive if the
    ``point`` lies inside (−m, m) while the interval reaches beyond it."""
    if _bad(lo) or _bad(hi):
        return NOT_TESTABLE
    if op == "<":
        lo, hi = -hi, -lo
        point = None if point is None else -point
    if min_effect > 0:
        if -min_effect < lo and hi < min_effect:
            return NEGLIGIBLE
        if point is not None and not math.isnan(point) and abs(point) < min_effect:
            return INCONCLUSIVE
    if lo > 0:
        return SUPPORTED
    if hi < 0:
        return CONTRADICTED
    return INCONCLUSIVE


def min_effect_reason(verdict: str, diff: float, lo: float, hi: float, min_effect: float) -> str:
    """Why :func:`decide` said ``negligible`` or (point inside ±m) ``inconclusive``, else ''."""
    if min_effect <= 0 or any(_bad(x) for x in (diff, lo, hi)):
        return ""
    m = f"±{min_effect * 100:.1f}"
    est = f"A − B {diff * 100:+.2f} [{lo * 100:+.2f}, {hi * 100:+.2f}] points"
    if verdict == NEGLIGIBLE:
        return (
            f"{est} lies entirely inside {m} points, the smallest difference worth a verdict "
            "(min_effect): the difference is too small to matter"
        )
    if verdict == INCONCLUSIVE and abs(diff) < min_effect and (lo > 0 or hi < 0):
        return (
            f"{est}: the interval excludes 0 but the point lies inside {m} points (min_effect) "
            "and the interval reaches beyond it, so whether the difference matters is undetermined"
        )
    return ""
