"""What a record-level claim is computed over: the population of a preset, each side's filter,
label availability, strata (venue × year), the resampler and each claim's strata sums, and the
small helpers shared by record and count evaluation (``not_testable``, estimates, interval text).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from litscan.claims.formulate import live_command
from litscan.claims.results import ClaimResult, Estimate, Evidence, Robustness
from litscan.claims.specs import Claim, LabelDef, Preset, Side
from litscan.stats import robustness as rb
from litscan.stats.compare import Selection, selection_works
from litscan.stats.shares import highly_cited
from litscan.stats.verdicts import (
    NOT_TESTABLE,
)

__all__ = [
    "not_testable",
    "side_filter",
    "records_population",
    "strata_key",
]

#: venue-years with a smaller share of works with known citations are left out of top-x sets
CITATION_COVERAGE = 0.5


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
