"""Strata vote on a claim's verdict: agreement, leave-one-out and the decisive-strata rule of
:mod:`litscan.stats.decisive`, packed into a :class:`~litscan.claims.results.Robustness` (pure).

:func:`rule_robustness` serves record claims (strata = venues) and :func:`counts_robustness`
count claims (strata = years; ``docs/aggregation.md``, "Count claims over years").
"""

from __future__ import annotations

from dataclasses import replace

from litscan.claims import effects
from litscan.claims.results import Estimate, Robustness
from litscan.claims.specs import Claim, Preset
from litscan.stats import decisive
from litscan.stats import heterogeneity as het
from litscan.stats import robustness as rb
from litscan.stats.verdicts import NOT_TESTABLE

__all__ = ["rule_robustness", "counts_robustness"]


def rule_robustness(
    preset: Preset,
    claim: Claim,
    units: list[rb.VenueEstimate],
    specs: list[rb.Spec],
    top: float | None,
    verdict: str,
    min_effect: float,
    unit: str,
    reasons: dict[str, str],
    counting: str,
) -> tuple[Robustness, str, str]:
    """Agreement, leave-one-out and the decisive-strata rule (:mod:`litscan.stats.decisive`)."""
    st = preset.strata
    testable = [sp for sp in specs if sp.verdict != NOT_TESTABLE]
    agree = [sp for sp in testable if sp.verdict == verdict]
    agreement = len(agree) / len(testable) if testable else None
    if agreement is None:
        reasons["agreement"] = "no specification is testable"
    loo = []
    for sp in specs:
        if sp.counting != counting or sp.top != top:
            continue
        if (sp.left_out_venue is None) == (sp.left_out_year is None):
            continue  # the full specification, or two left out at once
        left = sp.left_out_venue if sp.left_out_venue is not None else sp.left_out_year
        loo.append({
            "left_out": left, "kind": "venue" if sp.left_out_venue is not None else "year",
            "verdict": sp.verdict, "diff": sp.diff, "lo": sp.lo, "hi": sp.hi,
            "flips": sp.verdict not in (verdict, NOT_TESTABLE),
        })  # fmt: skip
    rule = decisive.apply_rule(
        units, unit=unit, op=claim.op, verdict=verdict, min_effect=min_effect,
        min_works=preset.min_works, constant=claim.b.is_constant,
        i2_threshold=st.i2_threshold, agreement=agreement, agreement_threshold=st.agreement,
        n_agree=len(agree), n_specs=len(testable),
    )  # fmt: skip
    strata = None
    if units:
        strata = tuple(
            {"stratum": u.stratum, "diff": u.diff, "lo": u.lo, "hi": u.hi, "n_a": u.n_a,
             "n_b": u.n_b, "eligible": u.eligible, "weight": u.weight,
             "verdict": decisive.stratum_verdict(u, claim.op, min_effect),
             "decisive": u.stratum in rule.decisive,
             "degenerate": rule.degenerate.get(u.stratum) or None}
            for u in units
        )  # fmt: skip
    re = rule.random_effects
    if re is None and "i2" not in reasons:
        reasons.update(i2=rule.re_reason, random_effects=rule.re_reason)
    notes = (rule.fallback,) if rule.fallback else ()
    rob = Robustness(
        strata=strata,
        i2=rule.i2,
        random_effects=None if re is None else
        {"diff": re["diff"], "lo": re["lo"], "hi": re["hi"], "tau2": re["tau2"], "k": re["k"],
         "i2": re["i2"]},
        leave_one_out=tuple(loo),
        agreement=agreement,
        fragile=any(d["flips"] for d in loo),
        reasons=reasons,
        specifications=tuple(sp.as_dict() for sp in specs),
        venues_above=rule.above,
        venues_below=rule.below,
        i2_threshold=st.i2_threshold,
        agreement_threshold=st.agreement,
        n_agree=len(agree),
        n_specifications=len(testable),
        notes=notes,
        unit=unit,
        exceptions=rule.exceptions,
        sub_gate=rule.sub_gate,
        fallback=rule.fallback,
        opposing_weight=rule.opposing_weight,
    )  # fmt: skip
    return rob, rule.verdict, rule.reason


def counts_robustness(
    preset: Preset, claim: Claim, primary: Estimate, years: list[tuple[int, Estimate]]
) -> tuple[Robustness | None, str, str]:
    """(robustness over years, final verdict, reason) of a count claim: years are its strata
    (per-year estimates, I² and random effects, leave-one-year-out; :mod:`litscan.stats.decisive`)."""
    me, _ = effects.min_effect(preset, claim)
    verdict = primary.verdict
    pop = preset.population.years
    why = ""
    if verdict == NOT_TESTABLE:
        return None, verdict, ""
    if not claim.b.is_constant and (claim.a.years or pop) != (claim.b.years or pop):
        why = "the sides cover different years, so years are the contrast, not strata"
    elif len(years) < 2:
        why = "the claim covers one year, so there are no strata over years"
    crude = {"diff": primary.diff, "lo": primary.lo, "hi": primary.hi,
             "share_a": primary.share_a, "share_b": primary.share_b,
             "n_a": primary.n_total_a, "n_b": primary.n_total_b}  # fmt: skip
    if why:
        rob = Robustness.absent(why)
        reasons = {k: v for k, v in rob.reasons.items() if k != "crude"}
        return replace(rob, crude=crude, reasons=reasons, unit="year"), verdict, ""
    rows = [het.YearCounts(y, e.n_a, e.n_total_a, e.n_b, e.n_total_b) for y, e in years]
    units, specs = het.count_years(rows, op=claim.op, constant=claim.b.value,
                                   min_works=preset.min_works, min_effect=me)  # fmt: skip
    reasons = {"standardised": "aggregate counts: shares pooled over years (no venue strata)"}
    rob, final, reason = rule_robustness(preset, claim, units, specs, None, verdict, me, "year",
                                          reasons, "whole")  # fmt: skip
    return replace(rob, crude=crude), final, reason
