"""Figures of verdicts and their robustness: every claim's A − B, venue forest plots and
specification curves.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go
import polars as pl

from litscan.errors import InputDataError
from litscan.report.figures.style import OKABE_ITO, _frame, _layout, _require, _rgba, describe
from litscan.report.names import verdict_style
from litscan.stats.verdicts import NOT_TESTABLE, VERDICTS

__all__ = [
    "plot_claims",
    "VERDICT_STYLES",
    "plot_venue_forest",
    "plot_spec_curve",
]

# --------------------------------------------------------------------------------------------
# 7. verdicts: every claim's A − B with its interval
# --------------------------------------------------------------------------------------------

#: Verdict styles: colour *and* marker symbol, so the verdict reads without colour vision; the
#: same mapping as the report's badges (:func:`litscan.report.names.verdict_style`).
VERDICT_STYLES: dict[str, tuple[str, str]] = {
    v: verdict_style(v) for v in VERDICTS if v != NOT_TESTABLE
}


def plot_claims(
    frame: pl.DataFrame,
    *,
    title: str | None = None,
    source: str | None = None,
    counting: str | None = None,
    years: Any = None,
    extra: str | None = None,
) -> go.Figure:
    """Forest plot of claims: each claim's difference A − B (percentage points) with its 95 %
    interval, marked by verdict (supported / contradicted / inconclusive: colour and symbol).

    ``frame``: ``id, diff, lo, hi, verdict`` (shares as fractions) and optionally ``text`` (shown
    under the id), ``op`` (``>`` or ``<``: the claimed side is shaded), ``counting``. Rows with a
    null ``diff`` (not testable) are listed with their verdict at 0.
    """
    where = "plot_claims"
    df = _frame(frame, where)
    _require(df, ["id", "diff", "lo", "hi", "verdict"], where, "the claims' primary estimates")
    if counting is None and "counting" in df.columns:
        vals = df.get_column("counting").drop_nulls().unique().to_list()
        counting = vals[0] if len(vals) == 1 else None
    rows = list(df.iter_rows(named=True))
    labels = []
    for r in rows:
        text = r.get("text") or r["id"]
        short = text if len(text) <= 70 else text[:67] + "…"
        labels.append(f"<b>{short}</b><br><span style='font-size:11px;color:#777777'>{r['id']}</span>")
    fig = go.Figure()
    fig.add_vline(x=0, line=dict(color="#333333", width=1.2))

    def _num(v: Any) -> bool:
        return v is not None and not (isinstance(v, float) and math.isnan(v))

    untestable = [i for i, r in enumerate(rows) if not _num(r["diff"])]
    for verdict in list(VERDICT_STYLES) + sorted(
        {r["verdict"] for r in rows} - set(VERDICT_STYLES)
    ):
        idx = [i for i, r in enumerate(rows) if r["verdict"] == verdict and i not in untestable]
        if not idx:
            continue
        color, symbol = verdict_style(verdict)
        xs = [100 * rows[i]["diff"] for i in idx]
        lo = [100 * (rows[i]["diff"] - rows[i]["lo"]) if _num(rows[i]["lo"]) else None for i in idx]
        hi = [100 * (rows[i]["hi"] - rows[i]["diff"]) if _num(rows[i]["hi"]) else None for i in idx]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[labels[i] for i in idx],
                mode="markers",
                name=verdict,
                marker=dict(size=14, color=color, symbol=symbol, line=dict(color=color, width=2.5)),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=hi,
                    arrayminus=lo,
                    color=color,
                    thickness=2.5,
                    width=6,
                ),
                hovertemplate="%{y}<br>A − B = %{x:+.2f} points<extra>" + verdict + "</extra>",
            )
        )
    ends = [0.0]
    for r in rows:
        for k in ("diff", "lo", "hi"):
            if _num(r[k]):
                ends.append(100 * r[k])
    span = max(ends) - min(ends) or 1.0
    right = max(ends) + (0.45 if untestable else 0.06) * span
    fig.update_xaxes(range=[min(ends) - 0.06 * span, right])
    if untestable:
        # keep the rows on the axis, with the verdict written instead of a misleading point
        fig.add_trace(
            go.Scatter(
                x=[0] * len(untestable),
                y=[labels[i] for i in untestable],
                mode="text",
                text=[f"  {rows[i]['verdict']}" for i in untestable],
                textposition="middle right",
                textfont=dict(size=13, color="#777777"),
                showlegend=False,
                hoverinfo="skip",
            )
        )
    if title is None:
        title = "Claims: difference between the compared shares, with 95 % intervals"
    sub = describe(
        counting=counting,
        years=years,
        source=source,
        extra="A − B in percentage points; supported when the interval lies on the claimed "
        "side of 0" + (f" · {extra}" if extra else ""),
    )
    _layout(fig, title, sub)
    fig.update_xaxes(
        title_text="A − B (percentage points)",
        zeroline=False,
        showgrid=True,
        gridcolor="#EEEEEE",
    )
    fig.update_yaxes(autorange="reversed", ticks="", showline=False, automargin=True)
    fig.update_layout(
        legend=dict(orientation="h", x=0, xanchor="left", y=-0.15, yanchor="top"),
        margin=dict(l=40, b=100),
    )
    return fig


# --------------------------------------------------------------------------------------------
# robustness: per-venue forest plot and specification curve
# --------------------------------------------------------------------------------------------


def _isnum(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def _isnum(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def _n_text(n_a: Any, n_b: Any) -> str:
    a = f"{int(n_a):,}" if _isnum(n_a) else "?"
    b = f"{int(n_b):,}" if _isnum(n_b) else "?"
    return f"n = {a} | {b}"


#: the summary rows of a forest plot: (label, colour, symbol, role)
_SUMMARY = {
    "crude": ("crude, pooled over venues", OKABE_ITO["sky_blue"], "circle-open",
              "every work pooled: not what the verdict rests on"),
    "standardised": ("standardised (the verdict's estimate)", OKABE_ITO["blue"], "diamond",
                     "venue × year strata, side A's weights"),
}  # fmt: skip


def plot_venue_forest(
    strata: pl.DataFrame,
    *,
    standardised: dict | None = None,
    crude: dict | None = None,
    random_effects: dict | None = None,
    i2: float | None = None,
    title: str | None = None,
    source: str | None = None,
    counting: str | None = None,
    verdict: str | None = None,
    sides: str | None = None,
) -> go.Figure:
    """Forest plot of one claim by venue: each venue's A − B (points) with its 95 % interval and
    its n (works on side A | side B), sorted by estimate; venues below the heterogeneity size gate
    (``eligible`` false) drawn apart, hollow, under their own heading; then the crude (pooled,
    hollow circle), the standardised (filled diamond: the verdict's estimate) and the
    DerSimonian–Laird random-effects mean (shaded diamond), each with its n.

    ``strata``: ``stratum, diff, lo, hi`` (fractions) and optionally ``n_a, n_b, eligible`` —
    the ``robustness.strata`` of a claim. The dicts hold ``diff, lo, hi`` (``random_effects``
    also ``k``). Every row is labelled on the axis; there is no legend to collide with anything.
    """
    where = "plot_venue_forest"
    df = _frame(strata, where)
    _require(df, ["stratum", "diff", "lo", "hi"], where, "a claim's robustness.strata")
    rows = [r for r in df.iter_rows(named=True) if _isnum(r["diff"])]
    if not rows:
        raise InputDataError(f"{where}: no venue with an estimate to draw")
    ok = sorted((r for r in rows if r.get("eligible", True)), key=lambda r: r["diff"])
    small = sorted((r for r in rows if not r.get("eligible", True)), key=lambda r: r["diff"])
    tot_a = sum(r.get("n_a") or 0 for r in rows)
    tot_b = sum(r.get("n_b") or 0 for r in rows)
    # layout from the top: summary rows, a gap, gated venues, a gap, small venues
    entries: list[tuple[str, str, dict | None]] = []  # (kind, label, row)
    for key, d in (("standardised", standardised), ("crude", crude)):
        if d and _isnum(d.get("diff")):
            entries.append((key, f"<b>{_SUMMARY[key][0]}</b> · {_n_text(tot_a, tot_b)}", d))
    if random_effects and _isnum(random_effects.get("diff")):
        k = random_effects.get("k") or len(ok)
        lab = f"<b>random effects over {k} venues</b>" + (
            f" (I² = {100 * i2:.0f} %)" if _isnum(i2) else "")
        ra = sum(r.get("n_a") or 0 for r in ok)
        rb_ = sum(r.get("n_b") or 0 for r in ok)
        entries.append(("random", f"{lab} · {_n_text(ra, rb_)}", random_effects))
    entries.append(("gap", "", None))
    entries.append(("head", "<i>venues entering the heterogeneity check</i>", None))
    entries += [("venue", f"{r['stratum']} · {_n_text(r.get('n_a'), r.get('n_b'))}", r)
                for r in ok]  # fmt: skip
    if small:
        entries.append(("gap", "", None))
        entries.append(("head", "<i>too few works for the heterogeneity check (drawn apart, "
                        "not used for I²)</i>", None))  # fmt: skip
        entries += [("small", f"{r['stratum']} · {_n_text(r.get('n_a'), r.get('n_b'))}", r)
                    for r in small]  # fmt: skip
    n = len(entries)
    ypos = list(range(n, 0, -1))
    fig = go.Figure()
    fig.add_vline(x=0, line=dict(color="#333333", width=1.2))

    def bars(rs: list[dict]) -> dict:
        return dict(type="data", symmetric=False,
                    array=[100 * (r["hi"] - r["diff"]) if _isnum(r.get("hi")) else 0 for r in rs],
                    arrayminus=[100 * (r["diff"] - r["lo"]) if _isnum(r.get("lo")) else 0
                                for r in rs])  # fmt: skip

    for kind, color, symbol, size in (("venue", "#444444", "square", 10),
                                      ("small", "#999999", "square-open", 9)):  # fmt: skip
        idx = [i for i, e in enumerate(entries) if e[0] == kind]
        if not idx:
            continue
        rs = [entries[i][2] for i in idx]
        fig.add_trace(go.Scatter(
            x=[100 * r["diff"] for r in rs], y=[ypos[i] for i in idx], mode="markers",
            name="venue" if kind == "venue" else "venue below the size gate",
            marker=dict(size=size, color=color, symbol=symbol, line=dict(color=color, width=1.5)),
            error_x=dict(color=color, thickness=1.5, **bars(rs)),
            text=[entries[i][1] for i in idx],
            hovertemplate="%{text}<br>A − B %{x:+.1f} points<extra></extra>",
        ))  # fmt: skip
    for i, (kind, _label, d) in enumerate(entries):
        if kind in _SUMMARY:
            name, color, symbol, role = _SUMMARY[kind]
            fig.add_trace(go.Scatter(
                x=[100 * d["diff"]], y=[ypos[i]], mode="markers", name=name,
                marker=dict(size=15, color="white" if symbol.endswith("open") else color,
                            symbol=symbol.removesuffix("-open"), line=dict(color=color, width=2.5)),
                error_x=dict(color=color, thickness=2.5, **bars([d])),
                hovertemplate=f"{name}: %{{x:+.1f}} points ({role})<extra></extra>",
            ))  # fmt: skip
        elif kind == "random":
            y = ypos[i]
            xs = [100 * d["lo"], 100 * d["diff"], 100 * d["hi"], 100 * d["diff"], 100 * d["lo"]]
            fig.add_trace(go.Scatter(
                x=xs, y=[y, y + 0.3, y, y - 0.3, y], fill="toself", mode="lines",
                name="random effects (DerSimonian–Laird)", line=dict(color=OKABE_ITO["vermillion"]),
                fillcolor=_rgba(OKABE_ITO["vermillion"], 0.45), hoverinfo="skip",
            ))  # fmt: skip
    # a rule between the summary rows and the venues
    gap = next(ypos[i] for i, e in enumerate(entries) if e[0] == "gap")
    fig.add_hline(y=gap, line=dict(color="#BBBBBB", width=1, dash="dot"))
    fig.update_yaxes(tickvals=ypos, ticktext=[e[1] for e in entries], showline=False, ticks="",
                     automargin=True, range=[0.3, n + 0.7])  # fmt: skip
    extra = "A − B in percentage points, 95 % intervals · n = works on side A | side B"
    if verdict:
        extra += f" · verdict: {verdict}"
    if sides:
        extra += f"<br>{sides}"
    _layout(fig, title or "A − B by venue", describe(counting=counting, source=source,
                                                     extra=extra), legend=False)  # fmt: skip
    fig.update_xaxes(title_text="A − B (percentage points)", showgrid=True, gridcolor="#EEEEEE")
    fig.update_layout(height=max(380, 200 + 30 * n))
    return fig


def _spec_choices(r: dict) -> list[tuple[str, str]]:
    """(choice, option) of one specification: counting, threshold, venue and year left out."""
    out = [("counting", f"{r.get('counting') or '?'} counting")]
    if _isnum(r.get("top")):
        out.append(("threshold", f"top {100 * r['top']:g} %"))
    v = r.get("left_out_venue")
    out.append(("venue", "all venues" if v is None else f"without {v}"))
    y = r.get("left_out_year")
    out.append(("year", "all years" if y is None else f"without {y}"))
    return out


def plot_spec_curve(
    specs: pl.DataFrame,
    *,
    primary_verdict: str | None = None,
    title: str | None = None,
    source: str | None = None,
    sides: str | None = None,
) -> go.Figure:
    """Specification curve (Simonsohn, Simmons & Nelson 2020): every specification's A − B with
    its 95 % interval, sorted by the estimate and coloured by its verdict (upper panel), and the
    choices that make each specification (lower panel: one row per option — counting, threshold,
    venue left out, year left out — with a mark under every specification that uses it).

    ``specs``: ``diff, lo, hi, verdict`` and optionally ``counting, top, left_out_venue,
    left_out_year`` — :meth:`litscan.workflows.run.RunResult.robustness_frame` rows of one claim.
    Specifications that are not testable are left out (their number is in the subtitle).
    """
    from plotly.subplots import make_subplots

    where = "plot_spec_curve"
    df = _frame(specs, where)
    _require(df, ["diff", "lo", "hi", "verdict"], where, "RunResult.robustness_frame()")
    n_all = df.height
    df = df.filter(pl.col("diff").is_not_null() & pl.col("lo").is_not_null()
                   & pl.col("diff").is_not_nan())  # fmt: skip
    df = df.filter(~pl.col("verdict").str.starts_with("not testable"))
    if df.height == 0:
        raise InputDataError(f"{where}: no testable specification to draw")
    df = df.sort("diff").with_row_index("rank", offset=1)
    rows = list(df.iter_rows(named=True))
    choices = [_spec_choices(r) for r in rows]
    order = {"counting": 0, "threshold": 1, "venue": 2, "year": 3}
    options: list[tuple[str, str]] = sorted(
        {c for cs in choices for c in cs},
        key=lambda c: (order[c[0]], not c[1].startswith("all"), c[1]),
    )
    n_opt = len(options)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        row_heights=[0.55, 0.45])  # fmt: skip
    fig.add_hline(y=0, line=dict(color="#333333", width=1.2), row=1, col=1)
    seen = []
    for r in rows:
        if r["verdict"] not in seen:
            seen.append(r["verdict"])
    for verdict in seen:
        part = [r for r in rows if r["verdict"] == verdict]
        color, symbol = verdict_style(verdict)
        fig.add_trace(go.Scatter(
            x=[r["rank"] for r in part], y=[100 * r["diff"] for r in part], mode="markers",
            name=verdict, marker=dict(size=6, color=color, symbol=symbol),
            error_y=dict(type="data", symmetric=False, color=_rgba(color, 0.45), thickness=1.2,
                         width=0, array=[100 * (r["hi"] - r["diff"]) for r in part],
                         arrayminus=[100 * (r["diff"] - r["lo"]) for r in part]),
            text=[", ".join(o for _, o in _spec_choices(r)) for r in part],
            hovertemplate="%{text}<br>A − B = %{y:+.1f} points<extra>" + verdict + "</extra>",
        ), row=1, col=1)  # fmt: skip
    ylab = {o: n_opt - i for i, o in enumerate(options)}
    xs, ys, cs = [], [], []
    for r, cs_ in zip(rows, choices, strict=True):
        color = verdict_style(r["verdict"])[0]
        for c in cs_:
            xs.append(r["rank"])
            ys.append(ylab[c])
            cs.append(color)
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="markers", showlegend=False, hoverinfo="skip",
        marker=dict(size=5, color=cs, symbol="line-ns", line=dict(color=cs, width=2)),
    ), row=2, col=1)  # fmt: skip
    extra = f"{df.height} testable of {n_all} specifications, sorted by A − B"
    if primary_verdict:
        agree = df.filter(pl.col("verdict") == primary_verdict).height
        extra += f"; {agree} give the primary verdict ({primary_verdict})"
    extra += " · lower panel: the choices of each specification"
    if sides:
        extra += f"<br>{sides}"
    _layout(fig, title or "Specification curve", describe(source=source, extra=extra))
    fig.update_yaxes(title_text="A − B (points)", showgrid=True, gridcolor="#EEEEEE", row=1, col=1)
    fig.update_yaxes(tickvals=[ylab[o] for o in options], ticktext=[o for _, o in options],
                     range=[0.4, n_opt + 0.6], showgrid=True, gridcolor="#F2F2F2",
                     tickfont=dict(size=11), row=2, col=1)  # fmt: skip
    fig.update_xaxes(showgrid=False, row=1, col=1)
    fig.update_xaxes(title_text="specification (sorted by A − B)", showgrid=False, row=2, col=1)
    fig.update_layout(height=max(560, 420 + 16 * n_opt),
                      legend=dict(orientation="v", x=1.01, xanchor="left", y=1.0, yanchor="top",
                                  font=dict(size=12), title=dict(text="verdict")),
                      margin=dict(r=190))  # fmt: skip
    return fig
