"""The figures of one run's report, built from the run's own objects (no second computation).

:func:`build_figures` returns ``(name, caption, figure)`` for every figure a preset asks for;
``figure`` is None when it cannot be drawn (one point, no data), and the caption says why. Every
figure that illustrates a claim shows the estimate its verdict rests on (the standardised,
venue × year weighted A − B, or shares within a fixed venue panel), names the claim in words
(never its id) and states population, counting, interval and whether the venue mix moves.
The gallery (:mod:`litscan.report.gallery`) draws its claim figures with the same functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import polars as pl

from litscan.report.names import label_name, side_text

if TYPE_CHECKING:
    from litscan.claims.results import ClaimResult, Evaluation

__all__ = [
    "build_figures",
    "before_after_frame",
    "before_after_figure",
    "share_trend_figure",
    "MIN_POINTS",
]

#: a trend with fewer distinct years than this is not drawn (the report says why)
MIN_POINTS = 2


def _years_text(years: Any) -> str:
    return f"{years[0]}–{years[1]}" if years else ""


def before_after_frame(run: Evaluation) -> pl.DataFrame:
    """One row per country compared with itself across two periods: the claim's primary estimate
    (standardised within venues when the preset has strata), with its claim id and verdict."""
    rows = []
    for r in run.results:
        e, c = r.primary, r.claim
        if e is None or c.b.is_constant or c.a.country != c.b.country or c.a.years == c.b.years:
            continue
        rows.append(
            {
                "country_code": c.a.country,
                "share_a": e.share_a, "lo_a": e.lo_a, "hi_a": e.hi_a,
                "share_b": e.share_b, "lo_b": e.lo_b, "hi_b": e.hi_b,
                "diff": e.diff, "lo": e.lo, "hi": e.hi,
                "counting": e.counting, "claim": c.id, "text": c.text, "verdict": r.verdict,
                "after": _years_text(c.a.years), "before": _years_text(c.b.years),
                "standardised": bool(r.robustness and r.robustness.standardised),
                "evidence": c.evidence,
            }
        )  # fmt: skip
    if not rows:
        return pl.DataFrame()
    df = pl.DataFrame(rows)
    # one comparison per country: the first record-level one of the preset
    return df.sort(pl.col("evidence") != "records", maintain_order=True).unique(
        subset=["country_code"], keep="first", maintain_order=True
    )


def before_after_figure(run: Evaluation, df: pl.DataFrame, *, source: str = "", title=None):
    """The before/after figure of a preset's per-country claims (see :func:`before_after_frame`)."""
    from litscan.report.figures.cited import plot_before_after

    std = bool(df["standardised"].all())
    how = (
        "change standardised within venue (fixed weights): the estimate the verdicts rest on"
        if std
        else "A − B as the verdicts compute it"
    )
    verdicts = ", ".join(f"{r['country_code']} {r['verdict']}" for r in df.iter_rows(named=True))
    p = run.preset
    venues = ", ".join(p.population.venues) if p.population.venues else "all venues"
    return plot_before_after(
        df,
        before_label=df["before"][0],
        after_label=df["after"][0],
        what="top-venue papers" if p.population.venues else "papers",
        source=source,
        title=title or "Shares before and after, each venue compared with itself",
        extra=f"population: {venues} · {how} · the venue mix moves between periods; "
        f"standardising removes it · preset {p.name}, verdicts: {verdicts}",
        change_label="after − before, standardised (points)" if std else None,
    )


def share_trend_figure(run: Evaluation, *, source: str = "", title=None, what=None):
    """Country shares by year of a run's ``shares_by_year`` table, over its fixed venue panel
    when it has one (so no line moves only because coverage did); None without data."""
    from litscan.report.figures.shares import plot_share_trend

    p, t = run.preset, run.tables
    if "shares_by_year" not in t:
        return None, "no shares-by-year table"
    sy = t["shares_by_year"]
    countries = [c for c in p.countries if c in set(sy.get_column("country_code").to_list())]
    years = sorted(set(sy.get_column("year").drop_nulls().to_list()))
    if not countries:
        return None, "none of the preset's countries has works"
    if len(years) < MIN_POINTS:
        return None, f"only {len(years)} year with data: a trend needs at least {MIN_POINTS}"
    panel = t.get("venue_panel")
    if panel is not None and panel.height:
        p0, p1 = panel["first_year"][0], panel["last_year"][0]
        extra = (
            f"fixed venue panel: {', '.join(panel['source'])} ({p0}–{p1}, the venues with works "
            "in every year), so the venue mix does not move · share of the panel's works with a "
            "country"
        )
    else:
        extra = (
            "all venues of the population: the venue mix moves by year (see Coverage) · share "
            "of the works with a country"
        )
    fig = plot_share_trend(
        sy,
        countries=countries,
        counting="fractional",
        source=source,
        what=what or ("top-venue papers" if p.population.venues or "venue" in source else "papers"),
        title=title,
        extra=f"preset {p.name} · {extra}",
    )
    return fig, extra


def _count_countries(run: Evaluation, lab: Any) -> list[str]:
    """The countries whose counts make the denominator of a counts share (the sum of country
    counts is the denominator, so a reader must know which countries it sums)."""
    ev = run.evidence.get("counts")
    spec = getattr(lab, "spec", None)
    if ev is None or ev.counts is None or spec is None:
        return []
    c = ev.counts.filter((pl.col("label") == spec) & pl.col("country_code").is_not_null())
    return sorted(set(c.get_column("country_code").to_list()))


def _claims_figure(run: Evaluation):
    from litscan.report.figures.robustness import plot_claims

    if not run.results:
        return None
    return plot_claims(
        run.to_frame(),
        title=f"{run.preset.title}: every claim, A − B",
        source="; ".join(ev.name for ev in run.evidence.values()),
        extra="the estimate each verdict rests on (standardised within venue × year where the "
        "claim has strata)",
    )


def _per_year_figure(r: ClaimResult, source: str, labels: Any, top: float):
    from litscan.report.figures.shares import plot_per_year

    return plot_per_year(
        years=[y for y, _ in r.per_year],
        estimates=[e for _, e in r.per_year],
        title=f"{r.claim.text}: by year",
        name_a=side_text(r.claim.a, labels, top),
        name_b=None if r.claim.b.is_constant else side_text(r.claim.b, labels, top),
        constant=r.claim.b.value if r.claim.b.is_constant else None,
        source=source,
        extra="each year estimated on its own"
        + ("" if r.claim.evidence == "counts" else "; the venue mix differs by year (see Coverage)"),
    )


def build_figures(run: Evaluation) -> list[tuple[str, str, Any]]:
    """(name, caption, plotly figure) for the report; a figure that cannot be drawn is listed
    with ``None`` and a caption saying why."""
    from litscan.errors import LitscanError
    from litscan.report.figures.cited import plot_highly_cited
    from litscan.report.figures.coverage import plot_coverage
    from litscan.report.figures.robustness import plot_spec_curve, plot_venue_forest
    from litscan.report.figures.shares import plot_share_trend

    p = run.preset
    out: list[tuple[str, str, Any]] = []
    want = set(p.figures)
    labels = dict(p.labels)
    if p.population.ai_scope is not None:
        labels["ai_scope"] = p.population.ai_scope

    def add(name: str, caption: str, make: Callable[[], Any]) -> None:
        try:
            fig = make()
        except LitscanError as exc:
            out.append((name, f"{caption} — not drawn: {exc.args[0] if exc.args else exc}", None))
            return
        if isinstance(fig, tuple):  # (None, why)
            fig, why = fig
            if fig is None:
                out.append((name, f"{caption} — not drawn: {why}", None))
                return
        if fig is not None:
            out.append((name, caption, fig))

    if "comparison" in want:
        add("claims", "Every claim's difference A − B with its 95 % interval",
            lambda: _claims_figure(run))  # fmt: skip
    rec_src = run.evidence["records"].name if "records" in run.evidence else ""
    cnt_src = run.evidence["counts"].name if "counts" in run.evidence else ""
    t = run.tables
    if "shares_over_time" in want and "shares_by_year" in t:
        panel = t.get("venue_panel")
        cap = (
            "Country shares by year over a fixed venue panel (the venues with works in every "
            "year), so that no line moves only because coverage did"
            if panel is not None and panel.height
            else "Country shares by year (all venues: the venue mix moves by year, see Coverage)"
        )
        add("shares_by_year", cap, lambda: share_trend_figure(run, source=rec_src))
    if "shares_over_time" in want and "counts_shares_by_year" in t:
        cs = t["counts_shares_by_year"]
        for label in sorted(set(cs.get_column("label_name").to_list())):
            sub = cs.filter(pl.col("label_name") == label)
            present = sorted(set(sub.get_column("country_code").drop_nulls().to_list()))
            countries = [c for c in p.countries if c in present]
            summed = _count_countries(run, labels.get(label)) or present
            denom = "+".join(summed) if len(summed) <= 8 else f"{len(summed)} countries'"
            shown = label_name(label, labels)
            n_years = sub.get_column("year").n_unique()

            def make(sub=sub, countries=countries, shown=shown, denom=denom, n_years=n_years):
                if n_years < MIN_POINTS:
                    return None, f"only {n_years} year with data: a trend needs {MIN_POINTS}"
                return plot_share_trend(
                    sub,
                    countries=countries,
                    counting="whole",
                    source=cnt_src,
                    what=f"{denom} works",
                    title=f"{shown}: country shares of the {denom} works by year",
                    interval_label="no sampling interval (aggregate counts)",
                    extra=f"denominator: the sum of the {denom} country counts, not all works",
                )

            if countries:
                add(f"counts_{label}",
                    f"Output shares by year, {shown} (aggregate counts, whole counting; share of "
                    f"the {denom} sum of country counts)", make)  # fmt: skip
    if "highly_cited" in want and "highly_cited_shares" in t:
        hc = t["highly_cited_shares"]
        countries = [c for c in p.countries if c in set(hc.get_column("country_code").to_list())]
        names = {str(v): label_name(v, labels) for v in hc.get_column("label").unique()}
        if countries:
            add(
                "highly_cited",
                f"Country shares of the top {p.highly_cited.top * 100:g} % most cited papers, "
                "overall and per label, whole vs fractional counting (crude: pooled over venues)",
                lambda: plot_highly_cited(
                    hc, countries=countries, facet="label", facet_names=names,
                    threshold=p.highly_cited.top, source=rec_src,
                    title=f"Who writes the top {p.highly_cited.top * 100:g} % most cited papers "
                    "(crude, pooled over venues)",
                ),
            )  # fmt: skip
    if "before_after" in want:
        df = before_after_frame(run)
        if df.height:
            add("before_after",
                "Shares in the later vs the earlier period, each claim's own estimate "
                "(standardised within venue)",
                lambda: before_after_figure(run, df, source=rec_src))  # fmt: skip
    if "coverage" in t and t["coverage"].height and "source" in t["coverage"].columns:
        panel = t.get("venue_panel")
        add(
            "coverage",
            "Coverage: works per venue × year (a share moves when this mix moves)",
            lambda: plot_coverage(
                t["coverage"],
                panel=[] if panel is None else panel.get_column("source").to_list(),
                source=rec_src,
            ),
        )
    for r in run.results:
        rb = r.robustness
        if rb is None or r.primary is None:
            continue
        top = p.highly_cited.top
        what = f"A = {side_text(r.claim.a, labels, top)}; B = {side_text(r.claim.b, labels, top)}"
        if rb.strata:
            add(
                f"{r.claim.id}_venues",
                f"{r.claim.text}: A − B by venue, with the crude, standardised and "
                "random-effects estimates",
                lambda r=r, rb=rb, what=what: plot_venue_forest(
                    pl.DataFrame(list(rb.strata)), standardised=rb.standardised, crude=rb.crude,
                    random_effects=rb.random_effects, i2=rb.i2, title=f"{r.claim.text}: by venue",
                    source=rec_src, counting=r.primary.counting, verdict=r.verdict, sides=what,
                ),
            )  # fmt: skip
        if rb.specifications:
            add(
                f"{r.claim.id}_specs",
                f"{r.claim.text}: specification curve ({rb.summary()})",
                lambda r=r, rb=rb, what=what: plot_spec_curve(
                    pl.DataFrame(list(rb.specifications), infer_schema_length=None),
                    primary_verdict=r.primary.verdict,
                    title=f"{r.claim.text}: every specification",
                    source=rec_src, sides=what,
                ),
            )  # fmt: skip
    for r in run.results:
        if r.per_year:
            src = cnt_src if r.claim.evidence == "counts" else rec_src
            if len(r.per_year) < MIN_POINTS:
                out.append((f"{r.claim.id}_by_year", f"{r.claim.text}: by year — not drawn: "
                            f"only {len(r.per_year)} year", None))  # fmt: skip
                continue
            add(f"{r.claim.id}_by_year", f"{r.claim.text}: by year",
                lambda r=r, src=src: _per_year_figure(r, src, labels, p.highly_cited.top))  # fmt: skip
    return out
