"""HTML report of a ``litscan run``: definitions, numbers, intervals, verdicts, figures.

Every string that comes from data or from a preset goes through :func:`html.escape` (``_e``) before
it is put into the page; figures are plotly ``<div>``s whose data travel as JSON inside a script
block, where plotly's own serialisation escapes ``<`` and ``/``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from litscan.claims.results import set_html_renderer
from litscan.labels import label_error
from litscan.report import claim_text as ct
from litscan.report.claim_figures import build_figures
from litscan.report.fmt import esc as _e
from litscan.report.fmt import interval_text as _interval_txt
from litscan.report.fmt import pct as _pct
from litscan.report.fmt import pts as _pts
from litscan.report.names import (
    label_name,
    readable,
    side_text,
    verdict_color,
    verdict_definition,
    verdict_words,
)
from litscan.report.strata_html import label_specs_table, strata_table
from litscan.stats.verdicts import NOT_TESTABLE, VENUE_DEPENDENT, VERDICT_RULE

if TYPE_CHECKING:  # types only: report renders results, it never imports their module at run time
    from litscan.claims.results import ClaimResult, Estimate, Evaluation

__all__ = [
    "render_html",
    "claim_html",
    "robustness_html",
    "coverage_html",
    "build_figures",
    "index_html",
]

_CSS = """
body{font-family:Arial,Helvetica,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{font-weight:bold;padding:.1em .45em;border-radius:3px;color:#fff;white-space:nowrap}
.claim{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin:1em 0}
.proxy{border-style:dashed;background:#fafafa}.muted{color:#666;font-size:.9em}
code{background:#f4f4f4;padding:0 .2em}
"""





def _ink(color: str) -> str:
    """Black or white text, whichever reads on ``color``."""
    r, g, b = (int(color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#fff"


def _badge(verdict: str, proxy: bool = False) -> str:
    """A verdict's badge, in the colour its marks have in every figure (:mod:`.names`)."""
    color = verdict_color(verdict)
    label = f"proxy: {verdict}" if proxy else verdict
    return (
        f'<span class="verdict" style="background:{color};color:{_ink(color)}" '
        f'title="{_e(verdict_definition(verdict))}">{_e(label)}</span>'
    )


def verdicts_html(extra: Sequence[str] = (), flags: Sequence[str] | None = None) -> str:
    """Every verdict word litscan prints (:data:`~litscan.stats.verdicts.VERDICTS` and any in
    ``extra``), each with its badge and definition; with ``flags`` (a list, maybe empty) also
    every flag a verdict can carry (``narrow``) and any in ``flags``."""
    words = list(verdict_words())
    for w in extra:
        base = str(w).removeprefix("proxy: ")
        if base not in words:
            words.append(base)
    items = "".join(f"<li>{_badge(w)} {_e(verdict_definition(w))}.</li>" for w in words)
    items += ct.flag_definitions_html(flags) if flags is not None else ""
    return f"<ul class='verdicts'>{items}</ul>"


def bridge_sentence(r: ClaimResult) -> str:
    """A sentence when rows inside a claim (counting / threshold variants, single years,
    left-out venues or years) give a different verdict than the claim's headline, saying where
    those rows come from and why both hold; empty when every row agrees."""

    def differs(vs) -> set[str]:
        return {v for v in vs if v != r.verdict and not str(v).startswith("not testable")}

    primary = differs([r.primary.verdict] if r.primary is not None else [])
    sens = differs(e.verdict for e in r.sensitivity)
    years = differs(e.verdict for _, e in r.per_year)
    loo = differs(str(d.get("verdict")) for d in (r.robustness.leave_one_out or ())) if (
        r.robustness is not None) else set()  # fmt: skip
    other = sorted(primary | sens | years | loo)
    if not other:
        return ""
    where = []
    if primary:
        where.append("the primary row is the interval rule alone; the headline also weighs the "
                     "robustness checks (venues, heterogeneity, agreement)")  # fmt: skip
    if sens:
        where.append("a sensitivity row is one alternative counting or highly-cited threshold")
    if years:
        where.append("a by-year row is one year on its own, with fewer works than the period")
    if loo:
        where.append("a leave-one-out row drops one venue or one year")
    if r.verdict == VENUE_DEPENDENT:
        where.append("the claim is venue-dependent because the venues themselves disagree (see "
                     "the per-venue figure), so no pooled row settles it")  # fmt: skip
    return (
        f"<p class='bridge'><b>Why rows say {_e(', '.join(other))} under a "
        f"{_e(r.verdict)} claim</b>: {_e('; '.join(where))}.</p>"
    )


def label_error_text(row: Mapping[str, Any]) -> str:
    """The label-error sentence of one claim, naming only the audit(s) of the label(s) it uses."""
    if row.get("error"):
        return str(row["error"])
    used = set((row.get("precision") or {}).keys())
    src = str(row.get("source") or "")
    parts = [x.strip() for x in re.split(r";\s*(?=\S+\s\()", src) if x.strip()]
    keep = [x for x in parts if any(f"({lab};" in x or f"({lab})" in x for lab in used)]
    text = label_error.describe({**row, "source": "; ".join(keep or parts)})
    return text.removeprefix("Label error ")


def _estimate_row(e: Estimate, head: str) -> str:
    return (
        f"<tr><td>{_e(head)}</td><td>{_e(e.counting)}"
        + (f'<br><span class="muted">{_e(e.basis)}</span>' if e.basis else "")
        + "</td>"
        f"<td>{_e('–' if e.top is None else f'top {e.top * 100:g} %')}</td>"
        f'<td class="num">{_pct(e.share_a)} [{_pct(e.lo_a)}, {_pct(e.hi_a)}]</td>'
        f'<td class="num">{_pct(e.share_b)} [{_pct(e.lo_b)}, {_pct(e.hi_b)}]</td>'
        f'<td class="num">{_pts(e.diff)} [{_pts(e.lo)}, {_pts(e.hi)}]</td>'
        f'<td class="num">{e.n_a:,} / {e.n_total_a:,}</td>'
        f'<td class="num">{e.n_b:,} / {e.n_total_b:,}</td>'
        f"<td>{_badge(e.verdict)}</td></tr>"
    )


_EST_HEAD = (
    "<tr><th>row</th><th>counting</th><th>highly cited</th><th>share A [95 % interval]</th>"
    "<th>share B [95 % interval]</th><th>A − B [95 % interval]</th><th>A: works selected "
    "/ works in A's denominator</th><th>B: works selected / works in B's denominator</th>"
    "<th>verdict of this row</th></tr>"
)


def _no_abs(text: str, preset: Any) -> str:
    """``text`` with the preset's absolute path replaced by one a reader can follow."""
    path = getattr(preset, "path", None)
    if not text or path is None or not str(path).startswith("/"):
        return text
    parts = str(path).split("/")
    short = "/".join(parts[parts.index("litscan"):]) if "litscan" in parts else parts[-1]
    return text.replace(str(path), short)


def claim_html(r: ClaimResult, preset: Any = None) -> str:
    """One claim as an HTML block (also the ``_repr_html_`` of :class:`ClaimResult`); with its
    ``preset``, A and B are described with the labels' display names."""
    c = r.claim
    cls = "claim proxy" if r.is_proxy else "claim"
    out = [f'<div class="{cls}" id="claim-{_e(c.id)}">']
    out.append(f"<h3>{_badge(r.verdict, r.is_proxy)}{ct.flags_html(r.flags)} {_e(c.text)}</h3>")
    if r.is_proxy:
        out.append(
            f'<p class="muted">Proxy for claim <code>{_e(c.proxy_for)}</code>: this '
            "verdict is about the proxy measure below, not about the claim itself.</p>"
        )
    if preset is not None:
        a = side_text(c.a, preset.labels, preset.highly_cited.top)
        b = side_text(c.b, preset.labels, preset.highly_cited.top)
    else:
        a, b = r.description_a, r.description_b
    out.append(
        f"<p><b>A</b> = {_e(readable(a))}<br><b>B</b> = {_e(readable(b))}<br>"
        f"<b>Test</b>: A {_e(c.op)} B &nbsp; <b>Evidence</b>: {_e(r.evidence)} &nbsp; "
        f"<b>Verdict</b>: {_e(r.verdict)} = {_e(verdict_definition(r.verdict))}"
        f"{ct.flag_clause(r.flags)}</p>{ct.rests_on_html(r.coverage)}"
    )
    if r.verdict_text != r.verdict or r.min_effect is not None:
        out.append(f"<p>{_exceptions(r)}{_min_effect(r)}</p>")
    if c.note:
        out.append(f'<p class="muted">{_e(c.note)}</p>')
    reason = ct.without_narrowing(r.reason, r.coverage)  # the sentence above says what it rests on
    if reason:
        why = "Why not testable" if r.verdict == NOT_TESTABLE else f"Why {r.verdict}"
        out.append(f"<p><b>{_e(why)}</b>: {_e(_no_abs(reason, preset))}</p>")
    if r.to_test:
        out.append(
            f"<p><b>What would make it testable</b>: {_e(_no_abs(r.to_test, preset))}</p>"
        )
    if r.primary is not None:
        rows = [_estimate_row(r.primary, "primary")]
        rows += [_estimate_row(e, "sensitivity") for e in r.sensitivity]
        out.append(f"<table>{_EST_HEAD}{''.join(rows)}</table>")
        out.append(f'<p class="muted">Interval: {_e(r.primary.interval)}.</p>')
        out.append(bridge_sentence(r))
    if r.robustness is not None and r.primary is not None:
        out.append(robustness_html(r))
    if r.per_year:
        rows = "".join(
            f"<tr><td>{y}</td><td class='num'>{_pct(e.share_a)}</td><td class='num'>"
            f"{_pct(e.share_b)}</td><td class='num'>{_pts(e.diff)} [{_pts(e.lo)}, "
            f"{_pts(e.hi)}]</td><td class='num'>{e.n_total_a:,}</td><td>{_badge(e.verdict)}"
            "</td></tr>"
            for y, e in r.per_year
        )
        out.append(
            "<details><summary>By year</summary><table><tr><th>year</th><th>A</th>"
            "<th>B</th><th>A − B [95 %]</th><th>works in A's denominator</th><th>verdict of this "
            "year</th></tr>"
            f"{rows}</table></details>"
        )
    if r.label_error:
        text = label_error_text(r.label_error)
        out.append(f"<p class='label-error'><b>Label error</b>: {_e(text)}</p>")
    if r.caveats:
        out.append(
            "<p class='muted'><b>Rests on / does not cover</b>: "
            + "; ".join(_e(x) for x in r.caveats)
            + "</p>"
        )
    out.append("</div>")
    return "\n".join(out)



def robustness_html(r: ClaimResult) -> str:
    """The robustness block of one claim: crude vs standardised, venues, I², random effects,
    leave-one-out verdicts, agreement, and what was left out."""
    rb = r.robustness
    reasons = rb.reasons
    out = ["<details open><summary><b>Robustness</b>: " + _e(rb.summary()) + "</summary>"]
    std = rb.standardised or {}
    by = " × ".join(std.get("by") or []) or "none (pooled)"
    out.append(
        "<table><tr><th>estimate</th><th>A − B [95 %]</th><th>note</th></tr>"
        f"<tr><td>standardised (the verdict's estimate)</td><td class='num'>{_interval_txt(rb.standardised)}"
        f"</td><td>strata: {_e(by)}; weights: side A's distribution over "
        f"{len(std.get('weights') or [])} shared strata</td></tr>"
        f"<tr><td>crude, pooled over venues</td><td class='num'>{_interval_txt(rb.crude)}</td><td>"
        "every work pooled; shown for comparison, does not vote when the sides differ in "
        "composition</td></tr>"
    )
    if rb.random_effects is not None:
        out.append(
            f"<tr><td>random effects over venues</td><td class='num'>"
            f"{_interval_txt(rb.random_effects)}</td><td>DerSimonian–Laird, "
            f"{rb.random_effects.get('k')} venues, I² = {_pct(rb.i2, 0)} (threshold "
            f"{_pct(rb.i2_threshold, 0)})</td></tr>"
        )
    else:
        out.append(
            "<tr><td>random effects over venues</td><td>–</td><td>"
            f"{_e(reasons.get('random_effects', ''))}</td></tr>"
        )
    out.append("</table>")
    if rb.venues_above or rb.venues_below:
        out.append(
            "<p>Venues with decisive intervals — for the claim: "
            f"{_e(', '.join(rb.venues_above) or 'none')}; against it: "
            f"{_e(', '.join(rb.venues_below) or 'none')} (A − B in points).</p>"
        )
    out.append(strata_table(rb.strata or (), rb.unit))
    out.append(label_specs_table(r.label_specs))
    if rb.leave_one_out:
        rows = "".join(
            f"<tr><td>{_e(d['kind'])} {_e(d['left_out'])}</td><td class='num'>"
            f"{_interval_txt(d)}</td><td>{_badge(d['verdict'])}"
            f"{' <b>flips</b>' if d.get('flips') else ''}</td></tr>"
            for d in rb.leave_one_out
        )
        out.append(
            "<details><summary>Leave one out</summary><table><tr><th>left out</th>"
            f"<th>A − B [95 %]</th><th>verdict</th></tr>{rows}</table></details>"
        )
    if rb.agreement is not None:
        out.append(
            f"<p class='muted'>Agreement: {rb.n_agree} of {rb.n_specifications} testable "
            f"specifications ({_pct(rb.agreement, 0)}; needed {_pct(rb.agreement_threshold, 0)}) "
            "give the primary verdict (counting × thresholds × {all works, each venue left out, "
            "each year left out}).</p>"
        )
    for x in (*rb.excluded, *rb.notes):
        out.append(f"<p class='muted'>{_e(x)}</p>")
    out.append("</details>")
    return "\n".join(out)


#: column -> header a reader understands (tables of the report)
_HEADERS = {
    "label": "label",
    "country_code": "country",
    "counting": "counting",
    "share": "share (fraction)",
    "lo": "95 % interval, low",
    "hi": "95 % interval, high",
    "n_works": "highly-cited works with the country (whole count)",
    "n_total": "highly-cited works with any country (denominator)",
    "low_n": "fewer works than the minimum?",
    "cited_by_count": "citations",
    "countries": "author countries",
}


def _table_html(
    df: pl.DataFrame, cols: Sequence[str], max_rows: int = 60, labels: Any = None
) -> str:
    cols = [c for c in cols if c in df.columns]
    head = "".join(f"<th>{_e(_HEADERS.get(c, c))}</th>" for c in cols)
    body = []
    for row in df.head(max_rows).select(cols).iter_rows():
        cells = []
        for col, v in zip(cols, row, strict=True):
            if col == "label" and isinstance(v, str):
                v = "all works" if v in ("all", "overall", "") else label_name(v, labels)
            if isinstance(v, float):
                cells.append(f'<td class="num">{v:.4f}</td>' if not math.isnan(v) else "<td>–</td>")
            else:
                cells.append(f"<td>{_e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f'<p class="muted">{df.height - max_rows} more rows in the CSV files.</p>'
        if df.height > max_rows
        else ""
    )
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{more}"


# --------------------------------------------------------------------------------------------
# the page
# --------------------------------------------------------------------------------------------


def _summary_table(run: Evaluation) -> str:
    rows = []
    for r in run.results:
        e = r.primary
        num = f"{_pts(e.diff)} [{_pts(e.lo)}, {_pts(e.hi)}]" if e else "–"
        rows.append(
            f"<tr><td><a href='#claim-{_e(r.claim.id)}'>{_e(r.claim.id)}</a></td>"
            f"<td>{_e(r.claim.text)}</td><td class='num'>{num}</td>"
            f"<td>{_badge(r.verdict, r.is_proxy)}{ct.flags_html(r.flags)}{_exceptions(r)}</td>"
            f"<td>{_e(r.robustness.summary() if r.robustness else '–')}</td>"
            f"<td>{_e(_survives(r.label_error))}</td>"
            f"<td>{_e(r.evidence)}</td></tr>"
        )
    return (
        "<table><tr><th>claim</th><th>statement</th><th>A − B, points [95 % interval] (the "
        "estimate the verdict rests on)</th><th>verdict</th><th>robustness</th><th>label "
        "error: corrected per stratum, and does it agree with the verdict?</th><th>evidence</th></tr>"
        f"{''.join(rows)}</table>"
    )


def _exceptions(r: ClaimResult) -> str:
    """The exceptions a verdict names ("; IROS against"), or nothing."""
    extra = r.verdict_text[len(r.verdict) :].lstrip("; ") if r.verdict_text != r.verdict else ""
    return f'<br><span class="muted">exception: {_e(extra)}</span> ' if extra else ""


def _min_effect(r: ClaimResult) -> str:
    if r.min_effect is None:
        return ""
    return (
        f"<b>Smallest difference worth a verdict</b>: ±{r.min_effect * 100:g} points "
        f"({_e(r.min_effect_basis)}); an interval inside it is <i>negligible</i>."
    )


def _survives(row: Mapping[str, Any] | None) -> str:
    cell = label_error.survives_cell(row)
    return "no audited label on either side" if cell == "-" else cell


def coverage_html(cov: pl.DataFrame, max_venues: int = 40) -> str:
    """The venue × year coverage matrix (works; citation coverage below 50 % marked *)."""
    years = sorted({int(y) for y in cov.get_column("year").drop_nulls().to_list()})
    totals = (
        cov.group_by("source")
        .agg(pl.col("works").sum())
        .sort(["works", "source"], descending=[True, False], nulls_last=True)
    )
    venues = sorted(str(v) for v in totals.head(max_venues).get_column("source").to_list())
    more = (
        f"<p class='muted'>The {len(venues)} venues with most works of {totals.height}; all in "
        "figures/coverage.csv.</p>"
        if totals.height > len(venues)
        else ""
    )
    cells = {(str(r["source"]), r["year"]): r for r in cov.iter_rows(named=True)}
    marked = False
    head = "".join(f"<th>{y}</th>" for y in years)
    body = []
    for v in venues:
        tds = []
        for y in years:
            c = cells.get((v, y))
            if c is None:
                tds.append("<td></td>")
            else:
                mark = "*" if (c.get("citation_coverage") or 0) < 0.5 else ""
                marked = marked or bool(mark)
                tds.append(f"<td class='num'>{c['works']:,}{mark}</td>")
        body.append(f"<tr><th>{_e(v)}</th>{''.join(tds)}</tr>")
    note = (
        "<p class='muted'>* fewer than 50 % of the works have a citation count: left out of "
        "top-x sets.</p>"
        if marked
        else ""
    )
    return f"<table><tr><th>venue</th>{head}</tr>{''.join(body)}</table>{note}{more}"


def render_html(
    run: Evaluation,
    *,
    figures: Sequence[tuple[str, str, Any]] | None = None,
    plotly_src: str | None = None,
    embed_figures: bool = True,
    manifest: Mapping[str, Any] | None = None,
) -> str:
    """The full report page. plotly.js is inlined once (the page opens alone, offline) unless
    ``plotly_src`` names a shared copy (a relative URL: the ``--shared-js`` layout of ``run
    --all``); ``embed_figures=False`` leaves the figures out (Jupyter repr)."""
    p = run.preset
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>litscan: {_e(p.title)}</title><style>{_CSS}</style>",
    ]
    if embed_figures and figures and plotly_src:
        parts.append(f"<script src='{_e(plotly_src)}'></script>")
    parts.append("</head><body>")
    parts.append(f"<h1>{_e(p.title)}</h1><p><b>Claim</b>: {_e(p.claim)}</p>")
    if p.description:
        parts.append(f"<p>{_e(p.description)}</p>")
    for note in run.notes:
        parts.append(f"<p class='muted'><b>Note</b>: {_e(readable(note, p.labels))}</p>")
    parts.append("<h2>Verdicts</h2>" + _summary_table(run))
    parts.append("<h2>Definitions</h2><ul>")
    y0, y1 = p.population.years
    parts.append(
        f"<li>Population: works published {y0}–{y1}"
        + (f", venues {_e(', '.join(p.population.venues))}" if p.population.venues else "")
        + (
            f", AI scope: {_e(label_name(p.population.ai_scope.spec))}"
            if p.population.ai_scope
            else ""
        )
        + "; works without any author country are left out of every "
        "share's denominator.</li>"
    )
    for name, lab in p.labels.items():
        parts.append(
            f"<li>Label <b>{_e(label_name(name, p.labels))}</b> <span class='muted'>(preset "
            f"key <code>{_e(name)}</code> = <code>{_e(lab.spec)}</code>)</span></li>"
        )
    parts.append(
        "<li>Share of country C = (Σ over selected works of C's counting weight) / (number of "
        "selected works with at least one country). <b>Whole</b> counting: weight 1 if any "
        "author is in C. <b>Fractional</b>: a work's weight of 1 split equally among its authors "
        "with a country, each author's part equally among that author's countries. Primary "
        f"counting: {_e(p.counting.primary)}.</li>"
    )
    parts.append(
        f"<li>Highly cited: the top {p.highly_cited.top * 100:g} % of the population's works "
        f"by citations within {_e(' × '.join(p.highly_cited.within))} (ties at the threshold "
        "weighted fractionally); sensitivity thresholds "
        f"{_e(', '.join(f'{t * 100:g} %' for t in p.highly_cited.sensitivity))}.</li>"
    )
    parts.append(
        f"<li>Verdict rule: {_e(VERDICT_RULE)} Minimum works per side: "
        f"{p.min_works}. Bootstrap: {p.resamples} resamples (sensitivity rows: fewer), "
        f"seed {p.seed}.</li></ul>"
    )
    shown = [r.verdict for r in run.results] + [
        e.verdict for r in run.results for e in (*r.sensitivity, *(x for _, x in r.per_year))
    ]
    flags = [f for r in run.results for f in r.flags]
    parts.append("<h3 id='verdict-words'>What each verdict means</h3>" + verdicts_html(shown, flags))
    parts.append("<h2>Evidence</h2><ul>")
    for ev in run.evidence.values():
        parts.append(f"<li><b>{_e(ev.name)}</b> — {_e(ev.caveat)}</li>")
    parts.append("</ul>")
    parts.append("<h2>Claims</h2>")
    parts += [claim_html(r, p) for r in run.results]
    if embed_figures and figures:
        parts.append("<h2>Figures</h2>")
        first = plotly_src is None
        for name, caption, fig in figures:
            parts.append(f"<h3>{_e(readable(caption, p.labels))}</h3>")
            if fig is None:
                parts.append("<p class='muted not-drawn'>Not drawn: the reason is in the heading.</p>")
                continue
            parts.append(
                fig.to_html(
                    full_html=False,
                    include_plotlyjs=bool(first),
                    div_id=f"fig-{name}",
                    config={"displaylogo": False},
                )
            )
            first = False
    if "highly_cited_shares" in run.tables:
        parts.append("<h2>Tables</h2><h3>Highly-cited shares</h3>")
        parts.append(
            _table_html(
                run.tables["highly_cited_shares"],
                [
                    "label",
                    "country_code",
                    "counting",
                    "share",
                    "lo",
                    "hi",
                    "n_works",
                    "n_total",
                    "low_n",
                ],
                labels=p.labels,
            )
        )
    if "coverage" in run.tables and run.tables["coverage"].height:
        parts.append(
            "<h2>Coverage</h2><p class='muted'>Works per venue × year in the population (record "
            "level); a share moves when this mix moves, which is why verdicts are standardised "
            "over venue × year strata.</p>"
        )
        parts.append(coverage_html(run.tables["coverage"]))
    if "examples" in run.tables:
        parts.append(
            "<h2>Most cited works per label</h2><p class='muted'>To check what the "
            "labels select (citations as in the data).</p>"
        )
        parts.append(
            _table_html(
                run.tables["examples"],
                ["label", "title", "source", "year", "cited_by_count", "countries"],
            )
        )
    if manifest:
        parts.append("<h2>Provenance</h2><table>")
        for k, v in manifest.items():
            if isinstance(v, Mapping):
                v = "; ".join(f"{a}: {b}" for a, b in v.items())
            elif isinstance(v, list | tuple):
                v = ", ".join(str(x) for x in v) or "–"
            parts.append(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def index_html(entries: Sequence[tuple[str, str, str, Mapping[str, str]]]) -> str:
    """Index page of ``litscan run --all``: (name, claim, relative report path, verdicts)."""
    rows = []
    shown = [v for *_, verdicts in entries for v in verdicts.values()]
    for name, claim, href, verdicts in entries:
        vs = " ".join(f"{_e(cid)}: {_badge(v)}" for cid, v in verdicts.items())
        rows.append(
            f"<tr><td><a href='{_e(href)}'>{_e(name)}</a></td><td>{_e(claim)}</td>"
            f"<td>{vs}</td></tr>"
        )
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>litscan "
        f"reports</title><style>{_CSS}</style></head><body><h1>litscan: claims about the "
        "geography of AI research</h1><table><tr><th>preset</th><th>claim</th><th>verdicts"
        f"</th></tr>{''.join(rows)}</table><h2>What each verdict means</h2>"
        f"{verdicts_html(shown)}<p class='muted'>{_e(VERDICT_RULE)}</p></body></html>"
    )


set_html_renderer("claim", claim_html)
set_html_renderer("evaluation", lambda run: render_html(run, embed_figures=False))
