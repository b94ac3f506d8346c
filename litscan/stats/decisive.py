"""Which strata (venues, or years of a count claim) are decisive, and what they do to a verdict
(pure; the rule of ``docs/aggregation.md``, "Decisive strata, exceptions and heterogeneity").

A claim's primary verdict comes from its pooled (standardised) interval. Its strata then vote:

* a stratum is **decisive** when it is not degenerate (at least :data:`DECISIVE_FLOOR` works on
  each side and an interval of non-zero width: a one-paper venue's share is 0 or 1 in every
  resample) and its own verdict under the claim's interval rule (interval excluding 0, point at
  least ``min_effect`` from 0) is supported or contradicted. The ``min_works`` gate is *not* used
  here: a venue with 24 works a side and a decisive interval counts;
* decisive strata on both sides make the claim **venue-dependent** (``year-dependent``) — unless
  the verdict is supported or contradicted, the opposing decisive strata carry less than
  :data:`EXCEPTION_WEIGHT` of side A's weight, the random-effects interval gives the verdict and
  at least :data:`EXCEPTION_AGREEMENT` of the specifications do: then the verdict stands and the
  opposing strata are named as exceptions ("supported; IROS against");
* I² and the DerSimonian–Laird random effects use the strata with at least ``min_works`` works
  on each side (the ``min_works`` gate), and only when there are at least :data:`MIN_RE_STRATA`
  of them: on two, τ² and I² rest on one degree of freedom, so the rule falls back to the two
  strata's own intervals and says so;
* high I² (above the preset's threshold) with a random-effects interval that does not give the
  verdict makes the claim venue- (year-) dependent; agreement below the preset's threshold makes
  it inconclusive.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from litscan.stats.robustness import VenueEstimate, random_effects
from litscan.stats.verdicts import (
    CONTRADICTED,
    INCONCLUSIVE,
    SUPPORTED,
    VENUE_DEPENDENT,
    YEAR_DEPENDENT,
    decide,
)

__all__ = [
    "DECISIVE_FLOOR",
    "EXCEPTION_WEIGHT",
    "EXCEPTION_AGREEMENT",
    "MIN_RE_STRATA",
    "UnitRule",
    "degenerate",
    "stratum_verdict",
    "heterogeneity",
    "apply_rule",
]

#: works on each side below which a stratum's interval is degenerate and never decisive
DECISIVE_FLOOR = 10
#: opposing decisive strata below this share of side A's weight can be a named exception
EXCEPTION_WEIGHT = 0.10
#: share of specifications that must give the verdict for an exception to stand
EXCEPTION_AGREEMENT = 0.90
#: fewest strata passing the ``min_works`` gate for I² and random effects
MIN_RE_STRATA = 3


def _pts(x: float) -> str:
    return f"{x * 100:+.1f}"


def _iv(u: VenueEstimate) -> str:
    return f"{_pts(u.diff)} [{_pts(u.lo)}, {_pts(u.hi)}]"


def degenerate(u: VenueEstimate, constant: bool) -> str:
    """Why a stratum's interval cannot be decisive ('' if it can)."""
    few = u.n_a < DECISIVE_FLOOR or (not constant and u.n_b < DECISIVE_FLOOR)
    if few:
        return f"fewer than {DECISIVE_FLOOR} works on a side"
    if not (math.isfinite(u.lo) and math.isfinite(u.hi)) or u.hi - u.lo <= 1e-12:
        return "an interval of zero width"
    return ""


def stratum_verdict(u: VenueEstimate, op: str, min_effect: float) -> str:
    return decide(op, u.lo, u.hi, min_effect, u.diff)


def heterogeneity(
    units: Sequence[VenueEstimate], unit: str, min_works: int
) -> tuple[dict | None, str, str]:
    """(random effects over the strata passing the ``min_works`` gate or None, the reason it is
    None, the k = 2 fallback statement or '')."""
    elig = [u for u in units if u.eligible]
    plural = f"{unit}s"
    if len(elig) >= MIN_RE_STRATA:
        return random_effects([u.diff for u in elig], [u.var for u in elig]), "", ""
    if len(elig) == 2:
        a, b = elig
        fallback = (
            f"only two {plural} have at least {min_works} works on each side, so I² and random "
            f"effects are not computed (k = 2 leaves one degree of freedom for τ²); the rule "
            f"falls back to the two {plural}' own intervals: {a.stratum} {_iv(a)}, "
            f"{b.stratum} {_iv(b)} (A − B in points)"
        )
        return None, fallback, fallback
    why = (
        f"fewer than {MIN_RE_STRATA} {plural} have at least {min_works} works on each side "
        f"({len(elig)} of {len(units)}); I² and random effects need {MIN_RE_STRATA}"
    )
    return None, why, ""


@dataclass(frozen=True)
class UnitRule:
    """The outcome of :func:`apply_rule`: the final verdict and everything that decided it."""

    verdict: str
    reason: str
    above: tuple[str, ...] = ()  # decisive strata for the claim, "CVPR +25.2"
    below: tuple[str, ...] = ()  # decisive strata against it
    exceptions: tuple[dict, ...] = ()  # opposing decisive strata the verdict stands despite
    sub_gate: tuple[str, ...] = ()  # decisive strata below the min_works gate of I²
    opposing_weight: float | None = None
    random_effects: dict | None = None
    i2: float | None = None
    re_reason: str = ""
    fallback: str = ""
    decisive: dict = field(default_factory=dict)  # stratum -> its own verdict (decisive only)
    degenerate: dict = field(default_factory=dict)  # stratum -> why it cannot be decisive


def apply_rule(
    units: Sequence[VenueEstimate],
    *,
    unit: str,
    op: str,
    verdict: str,
    min_effect: float,
    min_works: int,
    constant: bool,
    i2_threshold: float,
    agreement: float | None,
    agreement_threshold: float,
    n_agree: int,
    n_specs: int,
) -> UnitRule:
    """The final verdict of a claim from its primary ``verdict``, its strata ``units`` (venues,
    or years: ``unit``) and the agreement of its specifications (module docstring)."""
    dependent = YEAR_DEPENDENT if unit == "year" else VENUE_DEPENDENT
    plural = f"{unit}s"
    degen = {u.stratum: degenerate(u, constant) for u in units}
    own = {u.stratum: stratum_verdict(u, op, min_effect) for u in units}
    decisive = [
        u for u in units if not degen[u.stratum] and own[u.stratum] in (SUPPORTED, CONTRADICTED)
    ]
    for_ = [u for u in decisive if own[u.stratum] == SUPPORTED]
    against = [u for u in decisive if own[u.stratum] == CONTRADICTED]
    sub_gate = tuple(u.stratum for u in decisive if not u.eligible)
    re, re_reason, fallback = heterogeneity(units, unit, min_works)
    i2 = None if re is None else re["i2"]
    re_verdict = decide(op, re["lo"], re["hi"], min_effect, re["diff"]) if re else None

    def name(u: VenueEstimate) -> str:
        text = f"{u.stratum} {_iv(u)}"
        if not u.eligible:
            works = f"{u.n_a} works" if constant else f"{u.n_a}/{u.n_b} works A/B"
            text += f" ({works}: below the {min_works}-work gate of I², decisive all the same)"
        return text

    base = dict(
        above=tuple(f"{u.stratum} {_pts(u.diff)}" for u in for_),
        below=tuple(f"{u.stratum} {_pts(u.diff)}" for u in against),
        sub_gate=sub_gate, random_effects=re, i2=i2, re_reason=re_reason, fallback=fallback,
        decisive={u.stratum: own[u.stratum] for u in decisive},
        degenerate={k: v for k, v in degen.items() if v},
    )  # fmt: skip
    re_text = (
        f"; random-effects A − B {_pts(re['diff'])} [{_pts(re['lo'])}, {_pts(re['hi'])}] "
        f"points, I² = {re['i2'] * 100:.0f} %"
        if re
        else (f"; {fallback}" if fallback else "")
    )
    if for_ and against:
        opposing = against if verdict == SUPPORTED else for_ if verdict == CONTRADICTED else []
        w = sum(u.weight for u in opposing) if opposing else None
        w = None if w is None or not math.isfinite(w) else w
        checks = []
        if opposing:
            checks = [
                (w is not None and w < EXCEPTION_WEIGHT,
                 f"they carry {_pct(w)} of side A's weight (an exception needs < "
                 f"{EXCEPTION_WEIGHT * 100:.0f} %)"),
                (re_verdict == verdict,
                 f"the random-effects interval is {re_verdict}" if re else
                 "no random-effects interval (k = 2, below)" if fallback else
                 f"no random-effects interval ({re_reason})"),
                (agreement is not None and agreement >= EXCEPTION_AGREEMENT,
                 f"{n_agree} of {n_specs} specifications give '{verdict}' (an exception needs "
                 f"{EXCEPTION_AGREEMENT * 100:.0f} %)"),
            ]  # fmt: skip
        if opposing and all(ok for ok, _ in checks):
            exc = tuple(
                {"stratum": u.stratum, "diff": u.diff, "lo": u.lo, "hi": u.hi, "weight": u.weight,
                 "n_a": u.n_a, "n_b": u.n_b}
                for u in opposing
            )  # fmt: skip
            names = ", ".join(u.stratum for u in opposing)
            reason = (
                f"{verdict}; {names} against: {', '.join(name(u) for u in opposing)} carry "
                f"{_pct(w)} of side A's weight (< {EXCEPTION_WEIGHT * 100:.0f} %), while "
                f"{len(for_ if verdict == SUPPORTED else against)} {plural} are decisive for the "
                f"verdict, the random-effects interval {_pts(re['diff'])} [{_pts(re['lo'])}, "
                f"{_pts(re['hi'])}] is {verdict} and {n_agree} of {n_specs} specifications "
                f"agree: the verdict stands with the exception named"
            )
            return UnitRule(verdict, reason, exceptions=exc, opposing_weight=w, **base)
        reason = (
            f"{plural} with decisive intervals disagree: for the claim "
            f"{', '.join(name(u) for u in for_)}; against it "
            f"{', '.join(name(u) for u in against)} (A − B in points)"
        )
        failed = [text for ok, text in checks if not ok]
        if failed:
            reason += f"; not an exception: {'; '.join(failed)}"
        return UnitRule(dependent, reason + re_text, opposing_weight=w, **base)
    if i2 is not None and i2 > i2_threshold and re_verdict != verdict:
        reason = (
            f"heterogeneity between {plural} is high (I² = {i2 * 100:.0f} % > "
            f"{i2_threshold * 100:.0f} %) and the random-effects interval "
            f"{_pts(re['diff'])} [{_pts(re['lo'])}, {_pts(re['hi'])}] is {re_verdict}, not "
            f"{verdict}" + re_text
        )
        return UnitRule(dependent, reason, **base)
    if agreement is not None and agreement < agreement_threshold:
        reason = (
            f"only {n_agree} of {n_specs} specifications ({agreement * 100:.0f} %) agree "
            f"with '{verdict}' (needed: {agreement_threshold * 100:.0f} %)"
        )
        return UnitRule(INCONCLUSIVE, reason, **base)
    return UnitRule(verdict, "", **base)


def _pct(w: float | None) -> str:
    return "an unknown share" if w is None else f"{w * 100:.1f} %"
