"""Preset + evidence tables -> numbers, intervals and verdicts (pure; no I/O, no network).

Verdict rule (stated in every report)
-------------------------------------
A claim compares two shares, ``A op B`` (``op`` is ``>`` or ``<``), or a share with a constant.
litscan computes the difference ``A − B`` with a 95 % interval:

* **records** (work-level data): paired Poisson bootstrap over works
  (:func:`litscan.stats.compare.share_difference`; the same resamples for both sides);
* **counts** (aggregate country counts, whole counting only): no resampling is possible; the
  interval is a binomial normal-approximation interval on the counts (counting noise only, *not*
  a sampling interval), and the report says so.

``A > B`` is **supported** when the interval's lower end is above 0, **contradicted** when its
upper end is below 0, **inconclusive** otherwise (mirrored for ``<``); **negligible** when the
interval lies inside ±``min_effect`` (:mod:`litscan.claims.effects`), inconclusive when only the
point does. Strata (venues; years of a count claim) then vote (:mod:`litscan.stats.decisive`):
``venue-dependent`` / ``year-dependent``, a named exception, or ``inconclusive`` on low
agreement. A claim is **not testable on this data** when a side has fewer than ``min_works`` works (numerator or denominator), when a label
or year range is not in the data, or when the claim needs data that is not available offline; the
result then says what would make it testable (e.g. the exact ``litscan`` command).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import polars as pl

from litscan.claims import effects, label_specs, strata_verdict
from litscan.claims.counts import _evaluate_counts
from litscan.claims.population import (
    CITATION_COVERAGE,
    _claim_sums,
    _coverage_ok,
    _estimate,
    _few_works,
    _interval_text,
    _label_available,
    _label_rows,
    _uses_top,
    _venue_contrast,
    not_testable,
    records_population,
    side_filter,
    strata_key,
)
from litscan.claims.report_tables import _counts_tables, _records_tables
from litscan.claims.results import ClaimResult, Estimate, Evaluation, Evidence, Robustness
from litscan.claims.specs import Claim, Preset
from litscan.errors import InputDataError, UsageError
from litscan.labels import label_error
from litscan.stats import decisive
from litscan.stats import heterogeneity as het
from litscan.stats import robustness as rb
from litscan.stats.verdicts import (
    decide,
    min_effect_reason,
)

__all__ = [
    "evaluate",
    "evaluate_claim",
]

#: resamples of the alternative specifications (the primary uses the preset's ``resamples``)
SPEC_RESAMPLES = 400


def _robustness(
    preset: Preset,
    claim: Claim,
    sums_by_top: dict,
    top: float | None,
    by: list[str],
    prim: rb.Comparison,
    verdict: str,
    min_effect: float = 0.0,
    label_grid: Sequence[rb.Spec] = (),
) -> tuple[Robustness, str, str]:
    """(robustness, final verdict, reason) for a testable primary estimate."""
    S = sums_by_top[top]
    reasons: dict[str, str] = {}
    crude = {"diff": prim.crude_diff, "lo": prim.crude_lo, "hi": prim.crude_hi,
             "share_a": prim.crude_a, "share_b": prim.crude_b, "n_a": prim.crude_n_a,
             "n_b": prim.crude_n_b}  # fmt: skip
    standardised = {
        "diff": prim.diff, "lo": prim.lo, "hi": prim.hi, "share_a": prim.share_a,
        "share_b": prim.share_b, "n_a": prim.n_a, "n_b": prim.n_b, "by": list(by),
        "weights": [{"stratum": k, "weight": w} for k, w in prim.weights],
    }  # fmt: skip
    ven: list[rb.VenueEstimate] = []
    venue_contrast = _venue_contrast(preset, claim)
    if "source" not in S.strata.columns:
        reasons.update(dict.fromkeys(("strata", "i2", "random_effects"), "the works have no venue"))
    elif venue_contrast:
        why = "the claim compares venues, so there is no per-venue estimate"
        reasons.update(dict.fromkeys(("strata", "i2", "random_effects"), why))
    else:
        ven = rb.per_venue(S, preset.counting.primary, by=by, min_works=preset.min_works,
                           floor=min(preset.min_works, decisive.DECISIVE_FLOOR))  # fmt: skip
        if not ven:
            reasons["strata"] = "no venue has works on both sides"
    # specification grid (+ equal weight per venue)
    n_reps = min(preset.resamples, SPEC_RESAMPLES) if preset.resamples else None
    venues, years, skip_v, skip_y = rb.leave_out_units(S, preset.min_works)
    grid = dict(op=claim.op, by=by, min_works=preset.min_works, n_reps=n_reps,
                min_effect=min_effect)  # fmt: skip
    specs = rb.specification_grid(
        sums_by_top, preset.counting.report, venues=venues, years=years, **grid
    )
    if ven:
        specs += het.equal_venue_specs(sums_by_top, preset.counting.report, **grid)
    specs += label_grid  # label models as specifications (litscan.claims.label_specs)
    grid_notes = []
    if skip_v or skip_y:
        grid_notes.append(
            f"not left out one at a time (more than {rb.MAX_SMALL_VENUES} units; these have "
            f"fewer than {preset.min_works} works on each side): {skip_v} venue(s), "
            f"{skip_y} year(s)"
        )
    rob, final, reason = strata_verdict.rule_robustness(
        preset, claim, ven, specs, top, verdict, min_effect, "venue", reasons,
        preset.counting.primary,
    )  # fmt: skip
    rob = replace(rob, crude=crude, standardised=standardised, notes=(*rob.notes, *grid_notes))
    return rob, final, reason


def _pooling_refused(claim: Claim, by: list[str], S: rb.StrataSums) -> str:
    """The reason a before/after comparison may not pool venues, or ''."""
    if claim.b.is_constant or "source" in by or "source" not in S.strata.columns:
        return ""
    if (claim.a.years or ()) == (claim.b.years or ()) or claim.a.venues != claim.b.venues:
        return ""
    src = S.strata.get_column("source").to_list()
    in_a = {v for v, n in zip(src, S.n[0], strict=True) if n > 0}
    in_b = {v for v, n in zip(src, S.n[1], strict=True) if n > 0}
    if in_a == in_b:
        return ""
    only = sorted(in_a ^ in_b, key=str)
    return (
        "pooling venues whose years do not overlap in a before/after comparison is refused "
        f"(works on one side only: {', '.join(map(str, only))}); stratify by venue "
        '([strata] by = ["source"])'
    )


def _evaluate_records(preset: Preset, claim: Claim, ev: Evidence, base: dict) -> ClaimResult:
    desc_a = claim.a.describe(preset.labels, preset.highly_cited.top)
    desc_b = claim.b.describe(preset.labels, preset.highly_cited.top)
    common = dict(claim=claim, description_a=desc_a, description_b=desc_b, evidence=ev.name)
    for side in (claim.a, claim.b):
        if side.label:
            why = _label_available(ev, preset.labels[side.label])
            if why:
                return not_testable(preset, claim, ev.name, why, (ev.caveat,))
    works = base["works"]
    if works.height == 0:
        reason = f"no works of the population {preset.population.years} in {ev.name}"
        return not_testable(preset, claim, ev.name, reason, (ev.caveat,))
    by, notes = strata_key(preset, claim, works)
    top = preset.highly_cited.top if _uses_top(claim) else None
    tops: list[float | None] = [top]
    if top is not None:
        tops += [t for t in preset.highly_cited.sensitivity if t != top]
    sums_by_top: dict = {}
    for t in tops:
        try:
            sums_by_top[t] = _claim_sums(preset, claim, base, t)
        except (InputDataError, UsageError) as exc:
            if t == top:
                return not_testable(preset, claim, ev.name, str(exc), (ev.caveat,))
    S = sums_by_top[top]
    if S.n_strata == 0:  # no work on either side: nothing to compare (robustness needs strata)
        reason = f"no works of either side in {ev.name}"
        return not_testable(preset, claim, ev.name, reason, (ev.caveat,))
    constant = claim.b.is_constant
    refused = _pooling_refused(claim, by, S)
    if refused:
        return not_testable(preset, claim, ev.name, refused, (ev.caveat,))
    primary_counting = preset.counting.primary
    prim = rb.compare(S, primary_counting, by=by)
    interval = _interval_text(preset, by, preset.resamples)
    excluded: list[str] = []
    if prim.only_a:
        excluded.append(
            f"strata with works on side A only, left out: {', '.join(prim.only_a[:12])}"
            + (f" and {len(prim.only_a) - 12} more" if len(prim.only_a) > 12 else "")
        )
    if prim.only_b:
        excluded.append(
            f"strata with works on side B only, left out: {', '.join(prim.only_b[:12])}"
            + (f" and {len(prim.only_b) - 12} more" if len(prim.only_b) > 12 else "")
        )
    if top is not None:
        _, low = _coverage_ok(base)
        if base["coverage"].height and "cited_by_count" in works.columns:
            per_venue, _ = rb.citation_coverage(base["coverage"], CITATION_COVERAGE)
            shown = per_venue.head(30).iter_rows(named=True)
            excluded.append(
                "citation coverage per venue (works with a citation count): "
                + ", ".join(f"{r['source']} {r['citation_coverage'] * 100:.0f} %" for r in shown)
                + (f" and {per_venue.height - 30} more" if per_venue.height > 30 else "")
            )
        if low:
            excluded.append(
                f"venue-years below {CITATION_COVERAGE * 100:.0f} % citation coverage, left out "
                "of the top-x sets: " + ", ".join(f"{s} {y}" for s, y in low)
            )
    caveats = [
        ev.caveat,
        f"{primary_counting} counting decides; sensitivity shows the other counting"
        + (" and thresholds" if top else ""),
        "the verdict follows the standardised difference (strata: "
        + (" × ".join(by) if by else "none")
        + "); the crude pooled difference is shown beside it",
    ]
    if top is not None:
        caveats.append(
            f"highly cited = top {top * 100:g} % by citations within "
            f"{' × '.join(preset.highly_cited.within)} among the population's works "
            "with known citations (Leiden fractional ties)"
        )
    if not prim.testable(preset.min_works, constant) or not math.isfinite(prim.diff):
        reason = (
            _few_works(preset, prim, constant)
            if prim.n_strata
            else "no stratum has works on both sides"
        )
        rob = Robustness.absent(reason)
        if math.isfinite(prim.crude_diff):
            rob = replace(
                rob,
                crude={"diff": prim.crude_diff, "lo": prim.crude_lo, "hi": prim.crude_hi},
                reasons={k: v for k, v in rob.reasons.items() if k != "crude"},
                excluded=tuple(excluded),
                notes=tuple(notes),
            )
        return not_testable(preset, claim, ev.name, reason, tuple(caveats), rob)
    me, _ = effects.min_effect(preset, claim)
    verdict = decide(claim.op, prim.lo, prim.hi, me, prim.diff)
    primary = _estimate(prim, top, verdict, interval)
    n_spec = min(preset.resamples, SPEC_RESAMPLES) if preset.resamples else None
    ls = label_specs.claim_label_specs(preset, claim, ev.source, base,
                                       lambda b, t: _claim_sums(preset, claim, b, t), tops, top,
                                       by, prim, verdict, me, n_spec)  # fmt: skip
    rob, final, reason = _robustness(
        preset, claim, sums_by_top, top, by, prim, verdict, me, ls.grid
    )
    reason = reason or min_effect_reason(verdict, prim.diff, prim.lo, prim.hi, me)
    reason, rob = label_specs.annotate(reason, rob, ls, verdict)
    rob = replace(rob, excluded=tuple(excluded), notes=(*notes, *rob.notes))
    n_reps = min(preset.resamples, SPEC_RESAMPLES) if preset.resamples else None
    sens_text = _interval_text(preset, by, n_reps or 0)
    sens: list[Estimate] = []
    for cnt in preset.counting.report:
        for t in tops:
            if cnt == primary_counting and t == top:
                continue
            if t not in sums_by_top:
                continue
            c = rb.compare(sums_by_top[t], cnt, by=by, n_reps=n_reps)
            sens.append(
                _estimate(
                    c, t, rb.spec_verdict(c, claim.op, preset.min_works, constant, me), sens_text
                )
            )
    per_year: list[tuple[int, Estimate]] = []
    yr = S.column("year")
    if claim.per_year and yr is not None:
        within = [b for b in by if b != "year"]
        for y in sorted({int(v) for v in yr.tolist() if v is not None}):
            c = rb.compare(S, primary_counting, by=within, keep=yr == y, n_reps=n_reps)
            if c.n_a:
                v = rb.spec_verdict(c, claim.op, preset.min_works, constant, me)
                per_year.append((y, _estimate(c, top, v, sens_text)))
    return ClaimResult(
        **common,
        verdict=final,
        primary=primary,
        sensitivity=tuple(sens),
        per_year=tuple(per_year),
        reason=reason,
        caveats=tuple(caveats),
        to_test="",
        robustness=rob,
        label_error=_label_error(preset, claim, base, top, primary, by, prim),
        label_specs=ls.entries,
    )


def _label_error(
    preset: Preset,
    claim: Claim,
    base: dict,
    top: float | None,
    primary: Estimate,
    by: Sequence[str] | None = None,
    prim: rb.Comparison | None = None,
) -> dict | None:
    """The claim's label-error row (:mod:`litscan.labels.label_error`), None without an audited label."""
    try:
        return label_error.records_claim_row(
            claim,
            {name: lab.spec for name, lab in preset.labels.items()},
            base["works"],
            base["wc"],
            base["labels"],
            side_where=side_filter,
            counting=primary.counting,
            subset=base["top_sets"].get(top) if top is not None else None,
            lo=primary.lo,
            hi=primary.hi,
            verdict=primary.verdict,
            estimate=primary.diff,
            min_effect=effects.min_effect(preset, claim)[0],
            by=by,
            comparison=prim,
        )
    except (InputDataError, UsageError) as exc:
        return {"error": str(exc)}


# --------------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------------


def _records_base(preset: Preset, ev: Evidence) -> dict:
    works, wc = records_population(preset, ev)
    works = rb.unknown_venues(works)  # works without a venue: their own stratum
    parts = []
    for lab in preset.labels.values():
        rows = _label_rows(ev, lab)
        if rows is not None:
            parts.append(
                rows.join(works.select(pl.col("id").alias("work_id")), on="work_id", how="semi")
            )
    labels = (
        pl.concat(parts).select(
            "work_id", "label", pl.lit(None, dtype=pl.Float64).alias("score"), "flag"
        )
        if parts
        else None
    )
    return {
        "works": works,
        "wc": wc,
        "labels": labels,
        "top_sets": dict(ev.top_sets),
        "coverage": rb.coverage(works),
    }


def evaluate_claim(
    preset: Preset,
    claim: Claim,
    evidence: Mapping[str, Evidence],
    *,
    offline: bool = False,
    _cache: dict | None = None,
) -> ClaimResult:
    """Evaluate one claim of ``preset`` on ``evidence`` (keys ``records`` / ``counts``)."""
    me, basis = effects.min_effect(preset, claim)
    res = _evaluate_claim(preset, claim, evidence, offline=offline, _cache=_cache)
    return replace(res, min_effect=me, min_effect_basis=basis)


def _evaluate_claim(
    preset: Preset,
    claim: Claim,
    evidence: Mapping[str, Evidence],
    *,
    offline: bool,
    _cache: dict | None,
) -> ClaimResult:
    ev = evidence.get(claim.evidence)
    if claim.live_only and offline:
        reason = (
            "this claim is about a corpus the embedded data does not contain; it needs live "
            "OpenAlex data"
        )
        return not_testable(preset, claim, ev.name if ev else "none", reason)
    if ev is None:
        return not_testable(preset, claim, "none", f"no {claim.evidence} evidence was loaded")
    if claim.evidence == "counts":
        return _evaluate_counts(preset, claim, ev)
    cache = _cache if _cache is not None else {}
    if "records" not in cache:
        cache["records"] = _records_base(preset, ev)
    return _evaluate_records(preset, claim, ev, cache["records"])


def evaluate(
    preset: Preset,
    evidence: Mapping[str, Evidence],
    *,
    offline: bool = False,
    notes: Sequence[str] = (),
) -> Evaluation:
    """Evaluate every claim of ``preset``; returns an :class:`~litscan.claims.results.Evaluation` (pure)."""
    cache: dict = {}
    results = tuple(
        evaluate_claim(preset, c, evidence, offline=offline, _cache=cache) for c in preset.claims
    )
    from litscan.claims.coverage import annotate  # what each claim rests on (venues, years)

    results = annotate(preset, results, cache.get("records"), side_filter, strata_key)
    tables: dict[str, pl.DataFrame] = {}
    if "records" in cache:
        tables.update(_records_tables(preset, cache["records"]))
    if "counts" in evidence and evidence["counts"].counts is not None:
        tables.update(_counts_tables(preset, evidence["counts"]))
    return Evaluation(
        preset=preset, results=results, evidence=dict(evidence), tables=tables, notes=tuple(notes)
    )
