"""The verdict vocabulary of litscan and the interval rule that assigns it (pure, no imports).

=====================  ==========================================================================
verdict                when
=====================  ==========================================================================
``supported``          the 95 % interval of A − B lies above 0 (below 0 for ``A < B``)
``contradicted``       the interval lies on the other side of 0
``inconclusive``       the interval contains 0, or robustness checks do not agree (reason given)
``venue-dependent``    venues with decisive intervals disagree in sign, or heterogeneity is high
``not testable ...``   a side has too few works, or data the claim needs is absent
=====================  ==========================================================================
"""

from __future__ import annotations

import math

__all__ = [
    "SUPPORTED",
    "CONTRADICTED",
    "INCONCLUSIVE",
    "VENUE_DEPENDENT",
    "NOT_TESTABLE",
    "VERDICTS",
    "VERDICT_RULE",
    "COUNTS_INTERVAL",
    "decide",
]

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
INCONCLUSIVE = "inconclusive"
VENUE_DEPENDENT = "venue-dependent"
NOT_TESTABLE = "not testable on this data"
VERDICTS = (SUPPORTED, CONTRADICTED, INCONCLUSIVE, VENUE_DEPENDENT, NOT_TESTABLE)

VERDICT_RULE = (
    "For a claim A > B litscan computes the difference A − B with a 95 % interval: supported if "
    "the interval lies above 0, contradicted if it lies below 0, inconclusive otherwise (mirrored "
    "for A < B). Work-level data: paired Poisson bootstrap over works (the same resamples for both "
    "sides). Aggregate counts: binomial normal-approximation interval on the counts (counting "
    "noise only, not a sampling interval; whole counting only). Not testable on this data: fewer "
    "than the minimum number of works on a side, or data the claim needs is absent."
)
COUNTS_INTERVAL = "binomial normal-approximation interval on counts (no sampling interval)"


def decide(op: str, lo: float | None, hi: float | None) -> str:
    """Interval rule: ``A > B`` supported if lo > 0, contradicted if hi < 0, else inconclusive."""
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return NOT_TESTABLE
    if op == "<":
        lo, hi = -hi, -lo
    if lo > 0:
        return SUPPORTED
    if hi < 0:
        return CONTRADICTED
    return INCONCLUSIVE
