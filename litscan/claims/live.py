"""Evaluate a preset on live OpenAlex evidence (pure; the evidence comes from
:func:`litscan.claims.evidence.live_evidence`).

The live formulation (:func:`litscan.claims.plan.live_formulation`) routes each claim:

* **full population**: the claim is rewritten as an aggregate-count claim over the
  ``group_by`` country counts of its sides (label ``openalex:<side key>``) and evaluated by
  :mod:`litscan.claims.evaluate` (whole counting, binomial interval on the counts);
* **works**: the claim is evaluated on the fetched works (all, or a seeded sample) with the live
  labels (``openalex:<filter>`` flags computed from each work, or litscan's classifiers) and
  OpenAlex's percentile flags as the 1 % / 10 % highly-cited sets;
* both, when the preset also asks for fractional counting: the number of the preset's primary
  counting decides, the other is a sensitivity row; every number says its basis (full population
  or sample of n);
* no live formulation: not testable, with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from litscan.claims import evaluate as claims
from litscan.claims import plan
from litscan.claims.population import not_testable
from litscan.claims.results import ClaimResult, Estimate, Evaluation, Evidence
from litscan.claims.specs import Claim, LabelDef, Preset, Side
from litscan.stats.verdicts import NOT_TESTABLE

__all__ = ["evaluate_live", "derived_preset", "POPULATION_SUFFIX"]

POPULATION_SUFFIX = "~population"
POPULATION_BASIS = "full population (OpenAlex group_by counts of every matching work)"
LIVE_STRATA_NOTE = (
    "strata: offline works are compared within venue × year; live the fetched works are compared "
    "within year only (a seeded OpenAlex sample has about one work per source, so sources cannot "
    "be strata; the sample is stratified by year)"
)


def _pop_side(lf: plan.LiveFormulation, claim: Claim, which: str, side: Side) -> Side:
    if side.is_constant:
        return side
    return replace(side, label=lf.side_keys[(claim.id, which)], venues=())


def derived_preset(lf: plan.LiveFormulation) -> Preset:
    """``lf.preset`` as the claims engine evaluates it live: full-population claims become
    count claims (id + :data:`POPULATION_SUFFIX`, one label per side key); work-level claims keep
    their id with the live labels (``openalex:<filter>``) and no population venues or scope (the
    works were fetched with the population filter)."""
    p = lf.preset
    labels: dict[str, LabelDef] = {}
    for name, lab in p.labels.items():
        f = lf.labels.get(name)
        labels[name] = LabelDef(name, "openalex", f.filter) if f is not None else lab
    out: list[Claim] = []
    for c in p.claims:
        r = lf.routes[c.id]
        if r.unavailable:
            continue
        if r.population:
            for which in ("a", "b"):
                key = lf.side_keys.get((c.id, which))
                if key is not None:
                    labels[key] = LabelDef(key, "openalex", key)
            out.append(
                replace(
                    c,
                    id=c.id + POPULATION_SUFFIX,
                    evidence="counts",
                    a=_pop_side(lf, c, "a", c.a),
                    b=_pop_side(lf, c, "b", c.b),
                )
            )
        if r.sample and c.evidence == "records" and not (c.a.venues or c.b.venues):
            out.append(c)
    population = replace(p.population, venues=(), ai_scope=None)
    # live works are a year-stratified sample of OpenAlex sources, not the offline venues: they
    # are compared within year only (see LIVE_STRATA_NOTE)
    strata = replace(p.strata, by=tuple(k for k in p.strata.by if k != "source"))
    return replace(p, labels=labels, population=population, claims=tuple(out), strata=strata)


def _with_basis(e: Estimate | None, basis: str, top: float | None) -> Estimate | None:
    if e is None:
        return None
    return replace(e, basis=basis, top=e.top if e.top is not None else top)


def _flag_caveat(caveats: Sequence[str], top_flags: bool, pct: str) -> tuple[str, ...]:
    if not top_flags:
        return tuple(caveats)
    note = plan.PERCENTILE_NOTE.format(pct=pct)
    return tuple(note if c.startswith("highly cited = top") else c for c in caveats)


def _merge(
    preset: Preset,
    claim: Claim,
    pop: ClaimResult | None,
    sam: ClaimResult | None,
    sample_basis: str,
    top_flags: bool,
) -> ClaimResult:
    top = preset.highly_cited.top if (claim.a.top or claim.b.top) else None
    desc_a = claim.a.describe(preset.labels, preset.highly_cited.top)
    desc_b = claim.b.describe(preset.labels, preset.highly_cited.top)
    pct = f"{preset.highly_cited.top * 100:g}"
    p_prim = _with_basis(pop.primary, POPULATION_BASIS, top) if pop else None
    s_prim = _with_basis(sam.primary, sample_basis, top) if sam else None
    s_sens = [_with_basis(e, sample_basis, None) for e in (sam.sensitivity if sam else ())]
    p_years = (
        tuple((y, _with_basis(e, POPULATION_BASIS, top)) for y, e in pop.per_year) if pop else ()
    )
    fallback = ""
    if (
        pop is not None
        and sam is not None
        and preset.counting.primary != "whole"
        and sam.verdict == NOT_TESTABLE
        and pop.verdict != NOT_TESTABLE
    ):
        fallback = (
            f"the preset's primary {preset.counting.primary} counting is not testable on the "
            f"works ({sam.reason or 'too few works'}); whole counting on the full population "
            "decides"
        )
    if pop is not None and (sam is None or preset.counting.primary == "whole" or fallback):
        primary, base = p_prim, pop
        sens = [e for e in [s_prim, *s_sens] if e is not None and e.counting != "whole"]
        per_year = p_years
    else:
        primary, base = s_prim, sam
        sens = ([p_prim] if p_prim is not None else []) + [
            e for e in s_sens if pop is None or e.counting != "whole"
        ]
        per_year = tuple((y, _with_basis(e, sample_basis, top)) for y, e in sam.per_year)
    caveats = ([fallback] if fallback else []) + list(base.caveats)
    other = sam if base is pop else pop
    if other is not None:
        caveats += [c for c in other.caveats if c not in caveats]
    evidence = " + ".join(r.evidence for r in (pop, sam) if r is not None)
    reason = base.reason
    if pop is not None and sam is not None and base.verdict == NOT_TESTABLE:
        why = [
            f"full population: {pop.reason}" if pop.reason else "",
            f"works: {sam.reason}" if sam.reason else "",
        ]
        reason = "; ".join(w for w in why if w) or reason
    return replace(
        base,
        reason=reason,
        claim=claim,
        description_a=desc_a,
        description_b=desc_b,
        primary=primary,
        sensitivity=tuple(sens),
        per_year=per_year,
        evidence=evidence,
        caveats=_flag_caveat(caveats, top_flags and top in plan.PERCENTILE_FLAGS, pct),
    )


def _unavailable(preset: Preset, claim: Claim, reason: str) -> ClaimResult:
    return not_testable(
        preset,
        claim,
        "OpenAlex (live formulation)",
        f"no live formulation: {reason}",
        to_test=f"add the missing OpenAlex ids under [live] in {preset.path}",
    )


def evaluate_live(
    preset: Preset, evidence: Mapping[str, Evidence], *, notes: Sequence[str] = ()
) -> Evaluation:
    """Evaluate every claim of ``preset`` on live evidence (see the module doc)."""
    lf = plan.live_formulation(preset)
    d = derived_preset(lf)
    ev = claims.evaluate(d, evidence, offline=False)
    by_id = {r.claim.id: r for r in ev.results}
    rec = evidence.get("records")
    sample_basis = str(rec.provenance.get("basis", "")) if rec is not None else ""
    top_flags = rec is not None and bool(rec.top_sets)
    results = []
    for c in preset.claims:
        r = lf.routes[c.id]
        if r.unavailable:
            results.append(_unavailable(preset, c, r.unavailable))
            continue
        pop = by_id.get(c.id + POPULATION_SUFFIX)
        sam = by_id.get(c.id) if r.sample else None
        results.append(_merge(preset, c, pop, sam, sample_basis, top_flags))
    live_notes = [f"live formulation: {x}" for x in lf.differences]
    if "source" in preset.strata.by and "records" in evidence:
        live_notes.append(f"live formulation: {LIVE_STRATA_NOTE}")
    live_notes.append(plan.TAXONOMY_VERSION)
    return replace(
        ev, preset=preset, results=tuple(results), notes=tuple(notes) + tuple(live_notes)
    )
