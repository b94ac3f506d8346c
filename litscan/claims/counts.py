"""Count claims (aggregate OpenAlex counts, whole counting): shares from group_by counts with a
binomial counting-noise interval, per-year strata and the claim's verdict.
"""

from __future__ import annotations

import math

import polars as pl

from litscan.claims import effects, strata_verdict
from litscan.claims.formulate import live_command
from litscan.claims.population import _nan, not_testable
from litscan.claims.results import ClaimResult, Estimate, Evidence
from litscan.claims.specs import Claim, Preset, Side
from litscan.stats.counts import shares_from_counts
from litscan.stats.verdicts import (
    COUNTS_INTERVAL,
    NOT_TESTABLE,
    decide,
    min_effect_reason,
)

# --------------------------------------------------------------------------------------------
# counts path
# --------------------------------------------------------------------------------------------


def _counts_share(
    counts: pl.DataFrame,
    side: Side,
    preset: Preset,
    year: int | None = None,
    totals: pl.DataFrame | None = None,
) -> tuple[float, float, int, int]:
    """(share, se, country works, denominator) of a side in an aggregate count table; with
    ``totals`` (works per label and year) the denominator is the number of works."""
    c = counts
    spec = None
    if side.label:
        spec = preset.labels[side.label].spec
    elif preset.population.ai_scope is not None:
        spec = preset.population.ai_scope.spec
    if spec is not None:
        c = c.filter(pl.col("label") == spec)
    y0, y1 = side.years or preset.population.years
    if year is not None:
        y0 = y1 = year
    c = c.filter(pl.col("year").is_between(y0, y1) & pl.col("country_code").is_not_null())
    if c.height == 0:
        return _nan(), _nan(), 0, 0
    t = None
    if totals is not None:
        t = totals.filter(pl.col("year").is_between(y0, y1))
        t = t.filter(pl.col("label") == spec) if spec is not None else t
        t = t.select("works")
    sh = shares_from_counts(c, by=("country",), totals=t, min_works=preset.min_works)
    total = int(sh.get_column("n_total")[0])
    row = sh.filter(pl.col("country_code") == side.country)
    k = int(row.get_column("n_works")[0]) if row.height else 0
    p = k / total if total else _nan()
    se = math.sqrt(p * (1 - p) / total) if total else _nan()
    return p, se, k, total


def _counts_estimate(
    preset: Preset,
    claim: Claim,
    counts: pl.DataFrame,
    year: int | None = None,
    totals: pl.DataFrame | None = None,
) -> Estimate:
    pa, sa, ka, ta = _counts_share(counts, claim.a, preset, year, totals)
    if claim.b.is_constant:
        pb, sb, kb, tb = claim.b.value, 0.0, 0, 0
    else:
        pb, sb, kb, tb = _counts_share(counts, claim.b, preset, year, totals)
    z = 1.959963984540054
    d = pa - pb
    se = math.sqrt(sa**2 + sb**2)
    lo, hi = d - z * se, d + z * se
    low = (
        ta < preset.min_works
        or ka < preset.min_works
        or (not claim.b.is_constant and (tb < preset.min_works or kb < preset.min_works))
    )
    me, _ = effects.min_effect(preset, claim)
    verdict = NOT_TESTABLE if low else decide(claim.op, lo, hi, me, d)
    return Estimate(
        "whole",
        None,
        pa,
        pa - z * sa,
        pa + z * sa,
        pb,
        pb - z * sb,
        pb + z * sb,
        d,
        lo,
        hi,
        ka,
        ta,
        kb,
        tb,
        verdict,
        COUNTS_INTERVAL,
        low,
    )


def _evaluate_counts(preset: Preset, claim: Claim, ev: Evidence) -> ClaimResult:
    desc_a = claim.a.describe(preset.labels, preset.highly_cited.top)
    desc_b = claim.b.describe(preset.labels, preset.highly_cited.top)
    common = dict(claim=claim, description_a=desc_a, description_b=desc_b, evidence=ev.name)
    counts = ev.counts
    have = set(counts.get_column("label").unique().to_list()) if counts is not None else set()
    if ev.totals is not None:  # a label queried with no work of a known country has a total only
        have |= set(ev.totals.get_column("label").unique().to_list())
    needed = [preset.labels[s.label] for s in (claim.a, claim.b) if s.label]
    if not needed and preset.population.ai_scope is not None:
        needed = [preset.population.ai_scope]
    for lab in needed:
        if lab.spec not in have:
            reason = f"label {lab.name} ({lab.spec}) is not in {ev.name}"
            return not_testable(preset, claim, ev.name, reason, (ev.caveat,))
    primary = _counts_estimate(preset, claim, counts, totals=ev.totals)
    y0, y1 = claim.a.years or preset.population.years
    years = [(y, _counts_estimate(preset, claim, counts, y, totals=ev.totals))
             for y in range(y0, y1 + 1)]  # fmt: skip
    years = [(y, e) for y, e in years if e.n_total_a]
    per_year = tuple(years) if claim.per_year else ()
    rob, final, reason = strata_verdict.counts_robustness(preset, claim, primary, years)
    if primary.verdict == NOT_TESTABLE:
        reason = (
            f"too few works: fewer than {preset.min_works} on a side (A: {primary.n_a} "
            f"of {primary.n_total_a}; B: {primary.n_b} of {primary.n_total_b}) or the "
            "years are not in the table"
        )
    me, _ = effects.min_effect(preset, claim)
    reason = reason or min_effect_reason(primary.verdict, primary.diff, primary.lo, primary.hi, me)
    caveats = (
        ev.caveat,
        "whole counting only (aggregate counts cannot be fractionalised)",
        "share denominator = works with at least one known country (a work with several "
        "countries counts once for each)"
        if ev.totals is not None
        else "share denominator = sum of the country counts in the table (a work with several "
        "countries counts once per country)",
        COUNTS_INTERVAL,
    )
    return ClaimResult(
        **common,
        verdict=final,
        primary=primary,
        per_year=per_year,
        reason=reason,
        caveats=caveats,
        to_test=live_command(preset, claim) if final == NOT_TESTABLE else "",
        robustness=rob,
    )
