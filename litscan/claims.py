"""Preset + evidence tables -> numbers, intervals and verdicts (pure; no I/O, no network).

Verdict rule (stated in every report)
-------------------------------------
A claim compares two shares, ``A op B`` (``op`` is ``>`` or ``<``), or a share with a constant.
litscan computes the difference ``A − B`` with a 95 % interval:

* **records** (work-level data): paired Poisson bootstrap over works
  (:func:`litscan.aggregate.share_difference`; the same resamples for both sides);
* **counts** (aggregate country counts, whole counting only): no resampling is possible; the
  interval is a binomial normal-approximation interval on the counts (counting noise only, *not*
  a sampling interval), and the report says so.

``A > B`` is **supported** when the interval's lower end is above 0, **contradicted** when its
upper end is below 0, **inconclusive** otherwise (mirrored for ``<``). A claim is **not testable on
this data** when a side has fewer than ``min_works`` works (numerator or denominator), when a label
or year range is not in the data, or when the claim needs data that is not available offline; the
result then says what would make it testable (e.g. the exact ``litscan`` command).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import polars as pl

from litscan import aggregate as ag
from litscan.errors import InputDataError, UsageError
from litscan.filters import and_filters
from litscan.presets import Claim, LabelDef, Preset, Side
from litscan.results import ClaimResult, Estimate, Evaluation, Evidence
from litscan.verdicts import (
    CONTRADICTED,
    COUNTS_INTERVAL,
    INCONCLUSIVE,
    NOT_TESTABLE,
    SUPPORTED,
    VERDICT_RULE,
    decide,
)

__all__ = [
    "SUPPORTED",
    "CONTRADICTED",
    "INCONCLUSIVE",
    "NOT_TESTABLE",
    "VERDICT_RULE",
    "Evidence",
    "Estimate",
    "ClaimResult",
    "Evaluation",
    "decide",
    "evaluate",
    "evaluate_claim",
    "side_filter",
    "openalex_filter",
    "records_population",
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


def _records_estimate(
    preset: Preset,
    claim: Claim,
    works: pl.DataFrame,
    wc: pl.DataFrame,
    labels: pl.DataFrame | None,
    counting: str,
    top: float | None,
    top_sets: dict,
    n_resamples: int,
    a: Side | None = None,
    b: Side | None = None,
) -> Estimate:
    a = a or claim.a
    b = b or claim.b
    subset = None
    if top is not None:
        if top not in top_sets:
            top_sets[top] = ag.highly_cited(works, top=top, within=preset.highly_cited.within)
        subset = top_sets[top]

    def sel(side: Side, name: str) -> ag.Selection:
        return ag.Selection(
            side.country, side_filter(side), subset if side.top else None, name=name
        )

    interval = f"paired Poisson bootstrap, {n_resamples} resamples, 95 % percentile interval"
    r = ag.share_difference(
        wc,
        sel(a, "a"),
        sel(a, "a2") if b.is_constant else sel(b, "b"),  # a constant side needs only A's share
        works=works,
        work_labels=labels,
        counting=counting,
        n_resamples=n_resamples,
        seed=preset.seed,
        min_works=preset.min_works,
    ).row(0, named=True)
    if b.is_constant:
        v = b.value
        lo_d, hi_d = r["lo_a"] - v, r["hi_a"] - v
        return Estimate(
            counting,
            top,
            r["share_a"],
            r["lo_a"],
            r["hi_a"],
            v,
            v,
            v,
            r["share_a"] - v,
            lo_d,
            hi_d,
            r["n_works_a"],
            r["n_total_a"],
            0,
            0,
            NOT_TESTABLE
            if r["n_total_a"] < preset.min_works or r["n_works_a"] < preset.min_works
            else decide(claim.op, lo_d, hi_d),
            interval,
            bool(r["n_total_a"] < preset.min_works or r["n_works_a"] < preset.min_works),
        )
    low = bool(r["low_n"])
    verdict = NOT_TESTABLE if low else decide(claim.op, r["lo"], r["hi"])
    return Estimate(
        counting,
        top,
        r["share_a"],
        r["lo_a"],
        r["hi_a"],
        r["share_b"],
        r["lo_b"],
        r["hi_b"],
        r["diff"],
        r["lo"],
        r["hi"],
        r["n_works_a"],
        r["n_total_a"],
        r["n_works_b"],
        r["n_total_b"],
        verdict,
        interval,
        low,
    )


def _empty_estimate(counting: str, top: float | None, interval: str) -> Estimate:
    n = _nan()
    return Estimate(
        counting, top, n, n, n, n, n, n, n, n, n, 0, 0, 0, 0, NOT_TESTABLE, interval, True
    )


def _safe_records(*args, **kwargs) -> tuple[Estimate | None, str]:
    try:
        return _records_estimate(*args, **kwargs), ""
    except (InputDataError, UsageError) as exc:
        return None, str(exc)


def _uses_top(claim: Claim) -> bool:
    return claim.a.top or claim.b.top


def _not_testable(
    preset: Preset, claim: Claim, evidence: str, reason: str, caveats: tuple[str, ...] = ()
) -> ClaimResult:
    """A claim the data cannot answer: the reason, and the live command that would test it."""
    return ClaimResult(
        claim=claim,
        description_a=claim.a.describe(preset.labels, preset.highly_cited.top),
        description_b=claim.b.describe(preset.labels, preset.highly_cited.top),
        verdict=NOT_TESTABLE,
        primary=None,
        evidence=evidence,
        reason=reason,
        caveats=caveats,
        to_test=live_command(preset, claim),
    )


def _evaluate_records(preset: Preset, claim: Claim, ev: Evidence, base: dict) -> ClaimResult:
    desc_a = claim.a.describe(preset.labels, preset.highly_cited.top)
    desc_b = claim.b.describe(preset.labels, preset.highly_cited.top)
    common = dict(claim=claim, description_a=desc_a, description_b=desc_b, evidence=ev.name)
    for side in (claim.a, claim.b):
        if side.label:
            why = _label_available(ev, preset.labels[side.label])
            if why:
                return _not_testable(preset, claim, ev.name, why, (ev.caveat,))
    works, wc, labels, top_sets = base["works"], base["wc"], base["labels"], base["top_sets"]
    if works.height == 0:
        reason = f"no works of the population {preset.population.years} in {ev.name}"
        return _not_testable(preset, claim, ev.name, reason, (ev.caveat,))
    top = preset.highly_cited.top if _uses_top(claim) else None
    primary, err = _safe_records(
        preset, claim, works, wc, labels, preset.counting.primary, top, top_sets, preset.resamples
    )
    if primary is None:
        return _not_testable(preset, claim, ev.name, err, (ev.caveat,))
    sens: list[Estimate] = []
    sens_resamples = min(preset.resamples, 400)
    tops: list[float | None] = [top]
    if top is not None:
        tops += [t for t in preset.highly_cited.sensitivity if t != top]
    for cnt in preset.counting.report:
        for t in tops:
            if cnt == preset.counting.primary and t == top:
                continue
            est, _ = _safe_records(
                preset, claim, works, wc, labels, cnt, t, top_sets, sens_resamples
            )
            sens.append(est or _empty_estimate(cnt, t, "failed"))
    per_year: list[tuple[int, Estimate]] = []
    if claim.per_year:
        y0, y1 = claim.a.years or preset.population.years
        present = set(works.get_column("year").unique().to_list())
        for y in range(y0, y1 + 1):
            if y not in present:
                continue
            a = replace(claim.a, years=(y, y))
            b = claim.b if claim.b.is_constant else replace(claim.b, years=(y, y))
            est, _ = _safe_records(
                preset,
                claim,
                works,
                wc,
                labels,
                preset.counting.primary,
                top,
                top_sets,
                sens_resamples,
                a=a,
                b=b,
            )
            if est is not None:
                per_year.append((y, est))
    reason = ""
    if primary.verdict == NOT_TESTABLE:
        reason = (
            f"too few works: a side has fewer than {preset.min_works} works "
            f"(A: {primary.n_a} of {primary.n_total_a}, B: {primary.n_b} of "
            f"{primary.n_total_b})"
        )
    caveats = [
        ev.caveat,
        f"{preset.counting.primary} counting decides; sensitivity shows the "
        "other counting" + (" and thresholds" if top else ""),
    ]
    if top is not None:
        caveats.append(
            f"highly cited = top {top * 100:g} % by citations within "
            f"{' × '.join(preset.highly_cited.within)} among the population's works "
            "with known citations (Leiden fractional ties)"
        )
    return ClaimResult(
        **common,
        verdict=primary.verdict,
        primary=primary,
        sensitivity=tuple(sens),
        per_year=tuple(per_year),
        reason=reason,
        caveats=tuple(caveats),
        to_test=live_command(preset, claim) if reason else "",
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
    sh = ag.shares_from_counts(c, by=("country",), totals=t, min_works=preset.min_works)
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
    verdict = NOT_TESTABLE if low else decide(claim.op, lo, hi)
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
            return _not_testable(preset, claim, ev.name, reason, (ev.caveat,))
    primary = _counts_estimate(preset, claim, counts, totals=ev.totals)
    per_year: list[tuple[int, Estimate]] = []
    if claim.per_year:
        y0, y1 = claim.a.years or preset.population.years
        for y in range(y0, y1 + 1):
            est = _counts_estimate(preset, claim, counts, y, totals=ev.totals)
            if est.n_total_a:
                per_year.append((y, est))
    reason = ""
    if primary.verdict == NOT_TESTABLE:
        reason = (
            f"too few works: fewer than {preset.min_works} on a side (A: {primary.n_a} "
            f"of {primary.n_total_a}; B: {primary.n_b} of {primary.n_total_b}) or the "
            "years are not in the table"
        )
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
        verdict=primary.verdict,
        primary=primary,
        per_year=tuple(per_year),
        reason=reason,
        caveats=caveats,
        to_test=live_command(preset, claim) if reason else "",
    )


# --------------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------------


def _records_base(preset: Preset, ev: Evidence) -> dict:
    works, wc = records_population(preset, ev)
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
    return {"works": works, "wc": wc, "labels": labels, "top_sets": dict(ev.top_sets)}


def evaluate_claim(
    preset: Preset,
    claim: Claim,
    evidence: Mapping[str, Evidence],
    *,
    offline: bool = False,
    _cache: dict | None = None,
) -> ClaimResult:
    """Evaluate one claim of ``preset`` on ``evidence`` (keys ``records`` / ``counts``)."""
    ev = evidence.get(claim.evidence)
    if claim.live_only and offline:
        reason = (
            "this claim is about a corpus the embedded data does not contain; it needs live "
            "OpenAlex data"
        )
        return _not_testable(preset, claim, ev.name if ev else "none", reason)
    if ev is None:
        return _not_testable(preset, claim, "none", f"no {claim.evidence} evidence was loaded")
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
    """Evaluate every claim of ``preset``; returns an :class:`~litscan.results.Evaluation` (pure)."""
    cache: dict = {}
    results = tuple(
        evaluate_claim(preset, c, evidence, offline=offline, _cache=cache) for c in preset.claims
    )
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
    try:
        by_year = ag.country_shares(
            wc,
            works=works,
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
            top = ag.highly_cited(
                works, top=preset.highly_cited.top, within=preset.highly_cited.within
            )
        overall = ag.country_shares(
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
                ag.country_shares(
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
    sh = ag.shares_from_counts(c, by=("label", "year", "country"), min_works=preset.min_works)
    sh = sh.filter(pl.col("country_code").is_in(list(preset.countries))).with_columns(
        pl.col("label").replace(specs).alias("label_name")
    )
    return {"counts_shares_by_year": sh}
