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
from litscan.claims.presets import Claim, LabelDef, Preset, Side
from litscan.claims.results import ClaimResult, Estimate, Evaluation, Evidence, Robustness
from litscan.errors import InputDataError, UsageError
from litscan.labels import label_error
from litscan.stats import decisive
from litscan.stats import heterogeneity as het
from litscan.stats import robustness as rb
from litscan.stats.compare import Selection, selection_works
from litscan.stats.counts import shares_from_counts
from litscan.stats.shares import country_shares, highly_cited
from litscan.stats.verdicts import (
    CONTRADICTED,
    COUNTS_INTERVAL,
    INCONCLUSIVE,
    NOT_TESTABLE,
    SUPPORTED,
    VENUE_DEPENDENT,
    VERDICT_RULE,
    decide,
    min_effect_reason,
)
from litscan.tables.filters import and_filters

#: venue-years with a smaller share of works with known citations are left out of top-x sets
CITATION_COVERAGE = 0.5
#: resamples of the alternative specifications (the primary uses the preset's ``resamples``)
SPEC_RESAMPLES = 400

__all__ = [
    "SUPPORTED",
    "CONTRADICTED",
    "INCONCLUSIVE",
    "VENUE_DEPENDENT",
    "NOT_TESTABLE",
    "VERDICT_RULE",
    "Evidence",
    "Estimate",
    "ClaimResult",
    "Evaluation",
    "decide",
    "not_testable",
    "evaluate",
    "evaluate_claim",
    "side_filter",
    "openalex_filter",
    "records_population",
    "strata_key",
]

# --------------------------------------------------------------------------------------------
# OpenAlex filters (live mode and "what would make it testable")
# --------------------------------------------------------------------------------------------

_LIVE_LABEL_FILTER = {
    "concept": "concepts.id:{v}",
    "subfield": "primary_topic.subfield.id:{v}",
    "field": "primary_topic.field.id:{v}",
    "topic": "primary_topic.id:{v}",
}


def label_filter(label: LabelDef) -> str | None:
    """The OpenAlex filter selecting a label, or None for labels OpenAlex does not have."""
    tpl = _LIVE_LABEL_FILTER.get(label.kind)
    return tpl.format(v=label.value) if tpl else None


def openalex_filter(preset: Preset, side: Side | None = None, *, year: int | None = None) -> str:
    """The OpenAlex ``filter=`` for the preset population (and a side's label and years)."""
    parts: list[str] = []
    if preset.live.filter:
        parts.append(preset.live.filter)
    years = preset.population.years
    if side is not None and side.years:
        years = side.years
    if year is not None:
        parts.append(f"publication_year:{year}")
    else:
        parts.append(f"publication_year:{years[0]}-{years[1]}")
    if preset.population.types:
        parts.append("type:" + "|".join(preset.population.types))
    scope = preset.population.ai_scope
    if scope is not None and label_filter(scope):
        parts.append(label_filter(scope))
    if side is not None and side.label:
        lf = label_filter(preset.labels[side.label])
        if lf:
            parts.append(lf)
    return and_filters(*parts)


def live_command(preset: Preset, claim: Claim) -> str:
    side = claim.a
    f = openalex_filter(preset, side)
    return (
        f'`litscan counts --filter "{f}" --group-by authorships.countries` (output level, '
        f'whole counting), or set source = "live" in {preset.path} and run '
        f"`OPENALEX_API_KEY=… litscan run {preset.path}`"
    )


# --------------------------------------------------------------------------------------------
# records path
# --------------------------------------------------------------------------------------------


def _label_rows(evidence: Evidence, label: LabelDef) -> pl.DataFrame | None:
    """work_labels rows (work_id, label=<name>, flag) for one preset label, or None if absent."""
    w = evidence.works
    if label.kind == "venue_field" and w is not None and "venue_field" in w.columns:
        ids = w.filter(pl.col("venue_field") == label.value).select(pl.col("id").alias("work_id"))
    elif label.kind == "venue" and w is not None and "source" in w.columns:
        ids = w.filter(pl.col("source") == label.value).select(pl.col("id").alias("work_id"))
    elif evidence.work_labels is not None and label.kind in evidence.label_kinds:
        ids = evidence.work_labels.filter((pl.col("label") == label.spec) & pl.col("flag")).select(
            "work_id"
        )
    else:
        return None
    return ids.unique().with_columns(pl.lit(label.name).alias("label"), pl.lit(True).alias("flag"))


def _label_available(evidence: Evidence, label: LabelDef) -> str | None:
    """None if the records can answer ``label``, else the reason."""
    if label.kind == "venue" and evidence.source == "tables":
        # a tables folder names each work's venue/journal in works.source
        if "source" in evidence.works.columns:
            return None
        return f"label {label.name} ({label.spec}) needs a works.source column"
    if label.kind in ("venue_field", "venue"):
        if (
            evidence.works is None
            or "venue_field" not in evidence.works.columns
            or evidence.works.get_column("venue_field").null_count() == evidence.works.height
        ):
            return f"label {label.name} ({label.spec}) needs the top-venue papers"
        return None
    if label.kind not in evidence.label_kinds:
        why = evidence.unavailable.get(label.kind)
        return why or (f"label {label.name} ({label.spec}) is not available in {evidence.name}")
    return None


def records_population(preset: Preset, evidence: Evidence) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The works and work_countries of the preset population (years, venues, AI scope)."""
    w = evidence.works
    y0, y1 = preset.population.years
    w = w.filter(pl.col("year").is_between(y0, y1))
    if preset.population.venues and "source" in w.columns:
        w = w.filter(pl.col("source").is_in(list(preset.population.venues)))
    scope = preset.population.ai_scope
    if scope is not None:
        rows = _label_rows(evidence, scope)
        if rows is not None:
            w = w.join(rows.select(pl.col("work_id").alias("id")), on="id", how="semi")
    wc = evidence.work_countries.join(
        w.select(pl.col("id").alias("work_id")), on="work_id", how="semi"
    )
    return w, wc


def side_filter(side: Side) -> pl.Expr | None:
    """Polars expression over works columns (+ ``label``) selecting a side's works."""
    conds: list[pl.Expr] = []
    if side.years:
        conds.append(pl.col("year").is_between(side.years[0], side.years[1]))
    if side.venues:
        conds.append(pl.col("source").is_in(list(side.venues)))
    if side.label:
        conds.append(pl.col("label") == side.label)
    if not conds:
        return None
    expr = conds[0]
    for c in conds[1:]:
        expr = expr & c
    return expr


def _nan() -> float:
    return float("nan")


def _uses_top(claim: Claim) -> bool:
    return claim.a.top or claim.b.top


def not_testable(
    preset: Preset,
    claim: Claim,
    evidence: str,
    reason: str,
    caveats: tuple[str, ...] = (),
    robustness: Robustness | None = None,
    to_test: str | None = None,
) -> ClaimResult:
    """A claim the data cannot answer: the reason, and what would test it (default: the live
    command)."""
    return ClaimResult(
        claim=claim,
        description_a=claim.a.describe(preset.labels, preset.highly_cited.top),
        description_b=claim.b.describe(preset.labels, preset.highly_cited.top),
        verdict=NOT_TESTABLE,
        primary=None,
        evidence=evidence,
        reason=reason,
        caveats=caveats,
        to_test=live_command(preset, claim) if to_test is None else to_test,
        robustness=robustness or Robustness.absent(reason),
    )


def _venue_contrast(preset: Preset, claim: Claim) -> bool:
    """Side A selects venues (a venue label B does not share, or other venues than B): venues
    are then the contrast of the claim, not strata."""
    a, b = claim.a, claim.b
    if b.is_constant:
        return False
    venue_label = (
        bool(a.label)
        and a.label != b.label
        and preset.labels[a.label].kind in ("venue", "venue_field")
    )
    return venue_label or tuple(a.venues) != tuple(b.venues)


def strata_key(preset: Preset, claim: Claim, works: pl.DataFrame) -> tuple[list[str], list[str]]:
    """(the stratum key that standardises ``claim``, notes on what was dropped and why).

    The preset's ``[strata] by`` minus the columns the works lack and minus what the claim itself
    contrasts: ``year`` when the sides cover different years (before/after), ``source`` when side
    A selects venues (a venue label B does not share, or other venues than B)."""
    notes: list[str] = []
    by = [k for k in preset.strata.by if k in works.columns]
    for k in preset.strata.by:
        if k not in works.columns:
            notes.append(f"the works have no {k!r} column, so {k} is not a stratum")
    a, b = claim.a, claim.b
    if b.is_constant:
        return by, notes
    pop = preset.population.years
    if "year" in by and (a.years or pop) != (b.years or pop):
        by.remove("year")
        notes.append(
            "the sides cover different years, so years are the contrast, not strata: each venue "
            "is compared across the two periods with the same weights, and only venues with works "
            "in both periods enter"
        )
    if "source" in by and _venue_contrast(preset, claim):
        by.remove("source")
        notes.append("side A selects venues, so venues are the contrast, not strata")
    return by, notes


def _coverage_ok(base: dict) -> tuple[pl.DataFrame, list[tuple]]:
    """The works whose venue-year has at least 50 % citation coverage (for top-x sets)."""
    if "works_top" not in base:
        works = base["works"]
        low: list[tuple] = []
        if "source" in works.columns and "cited_by_count" in works.columns:
            _, low = rb.citation_coverage(base["coverage"], CITATION_COVERAGE)
        if low:
            bad = pl.DataFrame(low, schema={"source": pl.Utf8, "year": works.schema["year"]},
                               orient="row")  # fmt: skip
            works = works.join(bad, on=["source", "year"], how="anti", nulls_equal=True)
        base["works_top"], base["low_citation"] = works, low
    return base["works_top"], base["low_citation"]


def _resampler(preset: Preset, base: dict) -> rb.Resampler:
    key = ("resampler", preset.resamples, preset.seed)
    if key not in base:
        base[key] = rb.Resampler(base["works"].get_column("id"), preset.resamples, preset.seed)
    return base[key]


def _claim_sums(preset: Preset, claim: Claim, base: dict, top: float | None) -> rb.StrataSums:
    works, wc, labels = base["works"], base["wc"], base["labels"]
    subset = None
    if top is not None:
        if top not in base["top_sets"]:
            ranked, _ = _coverage_ok(base)
            base["top_sets"][top] = highly_cited(ranked, top=top, within=preset.highly_cited.within)
        subset = base["top_sets"][top]
    keys = [k for k in rb.STRATA_KEYS if k in works.columns]

    def rows(side: Side) -> pl.DataFrame:
        sel = Selection(side.country, side_filter(side), subset if side.top else None)
        return selection_works(wc, sel, works=works, work_labels=labels, columns=keys)

    a = rows(claim.a)
    b = None if claim.b.is_constant else rows(claim.b)
    return rb.strata_sums(
        a, b, keys=keys, resampler=_resampler(preset, base), constant=claim.b.value
    )


def _estimate(c: rb.Comparison, top: float | None, verdict: str, interval: str) -> Estimate:
    return Estimate(
        c.counting, top, c.share_a, c.lo_a, c.hi_a, c.share_b, c.lo_b, c.hi_b, c.diff, c.lo,
        c.hi, c.k_a, c.n_a, c.k_b, c.n_b, verdict, interval, verdict == NOT_TESTABLE,
    )  # fmt: skip


def _pts(x: float) -> str:
    return f"{x * 100:+.1f}"


def _few_works(preset: Preset, c: rb.Comparison, constant: bool) -> str:
    side_b = "" if constant else f", B: {c.n_b} works"
    return (
        f"too few works: a side has fewer than {preset.min_works} works in the strata both sides "
        f"share (A: {c.n_a} works{side_b}; pooled A: {c.crude_n_a}"
        + ("" if constant else f", B: {c.crude_n_b}")
        + ")"
    )


def _interval_text(preset: Preset, by: Sequence[str], n: int) -> str:
    strata = " × ".join(by) if by else "no strata (pooled)"
    return (
        f"stratified paired Poisson bootstrap ({strata}; weights = side A's distribution over "
        f"the shared strata), {n} resamples, 95 % percentile interval"
    )


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
                _estimate(c, t, rb.spec_verdict(c, claim.op, preset.min_works, constant, me),
                          sens_text)
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


def _records_tables(preset: Preset, base: dict) -> dict[str, pl.DataFrame]:
    """Descriptive tables for the report and figures (shares by year, highly-cited shares)."""
    works, wc, labels = base["works"], base["wc"], base["labels"]
    out: dict[str, pl.DataFrame] = {}
    if works.height == 0:
        return out
    countries = list(preset.countries)
    n_res = min(preset.resamples, 200)
    out["examples"] = _examples(works, wc, labels)
    cov = base["coverage"]
    if cov.height:
        out["coverage"] = cov
    panel_works = works
    if "source" in works.columns and cov.height:
        venues, (p0, p1) = rb.venue_panel(cov)
        if venues:
            panel_works = works.filter(
                pl.col("source").is_in(venues) & pl.col("year").is_between(p0, p1)
            )
            out["venue_panel"] = pl.DataFrame(
                {
                    "source": venues,
                    "first_year": [p0] * len(venues),
                    "last_year": [p1] * len(venues),
                }
            )
    try:
        by_year = country_shares(
            wc,
            works=panel_works,
            by=("year", "country"),
            counting="both",
            n_resamples=n_res,
            seed=preset.seed,
            min_works=preset.min_works,
        )
        out["shares_by_year"] = by_year.filter(pl.col("country_code").is_in(countries))
    except (InputDataError, UsageError):
        pass
    try:
        top = base["top_sets"].get(preset.highly_cited.top)
        if top is None:
            top = highly_cited(
                works, top=preset.highly_cited.top, within=preset.highly_cited.within
            )
        overall = country_shares(
            wc,
            works=works,
            subset=top,
            counting="both",
            n_resamples=n_res,
            seed=preset.seed,
            min_works=preset.min_works,
        ).with_columns(pl.lit("all").alias("label"))
        frames = [overall]
        if labels is not None and labels.height:
            frames.append(
                country_shares(
                    wc,
                    works=works,
                    work_labels=labels,
                    by=("label", "country"),
                    subset=top,
                    counting="both",
                    n_resamples=n_res,
                    seed=preset.seed,
                    min_works=preset.min_works,
                )
            )
        hc = pl.concat([f.select(overall.columns) for f in frames], how="vertical_relaxed")
        out["highly_cited_shares"] = hc.filter(pl.col("country_code").is_in(countries))
    except (InputDataError, UsageError):
        pass
    return out


def _examples(
    works: pl.DataFrame, wc: pl.DataFrame, labels: pl.DataFrame | None, n: int = 5
) -> pl.DataFrame:
    """The ``n`` most cited works per label (and overall), to let readers check the labels."""
    cols = ["id", "title", "source", "year", "cited_by_count"]
    cols = [c for c in cols if c in works.columns]
    countries = (
        wc.filter(pl.col("country_code").is_not_null())
        .group_by("work_id")
        .agg(pl.col("country_code").sort().str.join(" ").alias("countries"))
    )
    w = works.select(cols).join(countries, left_on="id", right_on="work_id", how="left")
    frames = [
        w.sort("cited_by_count", descending=True, nulls_last=True)
        .head(n)
        .with_columns(pl.lit("all").alias("label"))
    ]
    if labels is not None:
        for lab in sorted(set(labels.get_column("label").to_list())):
            ids = labels.filter(pl.col("label") == lab).select(pl.col("work_id").alias("id"))
            frames.append(
                w.join(ids, on="id", how="semi")
                .sort("cited_by_count", descending=True, nulls_last=True)
                .head(n)
                .with_columns(pl.lit(lab).alias("label"))
            )
    return pl.concat(frames, how="vertical_relaxed")


def _counts_tables(preset: Preset, ev: Evidence) -> dict[str, pl.DataFrame]:
    c = ev.counts.filter(pl.col("country_code").is_not_null())
    y0, y1 = preset.population.years
    c = c.filter(pl.col("year").is_between(y0, y1))
    specs = {lab.spec: name for name, lab in preset.labels.items()}
    if preset.population.ai_scope is not None:
        specs.setdefault(preset.population.ai_scope.spec, preset.population.ai_scope.name)
    c = c.filter(pl.col("label").is_in(list(specs)))
    if c.height == 0:
        return {}
    sh = shares_from_counts(c, by=("label", "year", "country"), min_works=preset.min_works)
    sh = sh.filter(pl.col("country_code").is_in(list(preset.countries))).with_columns(
        pl.col("label").replace(specs).alias("label_name")
    )
    return {"counts_shares_by_year": sh}
