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

__all__ = [
    "plot_claims",
    "VERDICT_STYLES",
    "plot_venue_forest",
    "plot_spec_curve",
]

# --------------------------------------------------------------------------------------------
# 7. verdicts: every claim's A − B with its interval
# --------------------------------------------------------------------------------------------

#: Verdict styles: colour (Okabe-Ito, not a country colour pair) *and* marker symbol, so the
#: verdict reads without colour vision.
VERDICT_STYLES: dict[str, tuple[str, str]] = {
    "supported": (OKABE_ITO["bluish_green"], "circle"),
    "contradicted": (OKABE_ITO["reddish_purple"], "x"),
    "inconclusive": ("#777777", "diamond-open"),
    "venue-dependent": (OKABE_ITO["orange"], "square"),
}


def plot_claims(
    frame: pl.DataFrame,
    *,
    title: str | None = None,
    source: str | None = None,
    counting: str | None = None,
    years: Any = None,
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
        text = r.get("text")
        lab = f"<b>{r['id']}</b>"
        if text:
            short = text if len(text) <= 60 else text[:57] + "…"
            lab += f"<br><span style='font-size:12px;color:#555555'>{short}</span>"
        labels.append(lab)
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
        color, symbol = VERDICT_STYLES.get(verdict, ("#AAAAAA", "circle-open"))
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
        "side of 0",
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
) -> go.Figure:
    """Forest plot of one claim by venue: each venue's A − B (points) with its 95 % interval
    (hollow when the venue has too few works to enter I²), then the crude (pooled) and the
    standardised estimate and the DerSimonian–Laird random-effects mean as a diamond.

    ``strata``: ``stratum, diff, lo, hi`` (fractions) and optionally ``n_a, n_b, eligible`` —
    the ``robustness.strata`` of a claim (:mod:`litscan.claims.evaluate`). The dicts hold ``diff, lo, hi``.
    """
    where = "plot_venue_forest"
    df = _frame(strata, where)
    _require(df, ["stratum", "diff", "lo", "hi"], where, "a claim's robustness.strata")
    rows = list(df.iter_rows(named=True))
    labels = [str(r["stratum"]) for r in rows]
    summary = [(n, d) for n, d in (("crude (pooled)", crude), ("standardised", standardised))
               if d and _isnum(d.get("diff"))]  # fmt: skip
    n = len(rows) + len(summary) + (1 if random_effects else 0)
    ypos = list(range(n, 0, -1))
    fig = go.Figure()
    fig.add_vline(x=0, line=dict(color="#333333", width=1.2))
    eligible = [bool(r.get("eligible", True)) for r in rows]
    for ok in (True, False):
        idx = [i for i, e in enumerate(eligible) if e is ok]
        if not idx:
            continue
        fig.add_trace(
            go.Scatter(
                x=[100 * rows[i]["diff"] for i in idx],
                y=[ypos[i] for i in idx],
                mode="markers",
                name="venue" if ok else "venue (too few works for I²)",
                marker=dict(size=11, color="#444444", symbol="square" if ok else "square-open"),
                error_x=dict(type="data", symmetric=False, color="#444444",
                             array=[100 * (rows[i]["hi"] - rows[i]["diff"]) for i in idx],
                             arrayminus=[100 * (rows[i]["diff"] - rows[i]["lo"]) for i in idx]),
                text=[f"A works {rows[i].get('n_a', '')}, B works {rows[i].get('n_b', '')}"
                      for i in idx],
                hovertemplate="%{x:+.1f} points<br>%{text}<extra></extra>",
            )
        )  # fmt: skip
    k = len(rows)
    colors = {"crude (pooled)": OKABE_ITO["sky_blue"], "standardised": OKABE_ITO["blue"]}
    for j, (name, d) in enumerate(summary):
        y = ypos[k + j]
        labels.append(f"<b>{name}</b>")
        fig.add_trace(
            go.Scatter(
                x=[100 * d["diff"]], y=[y], mode="markers", name=name,
                marker=dict(size=14, color=colors[name], symbol="circle"),
                error_x=dict(type="data", symmetric=False, color=colors[name], thickness=2.5,
                             array=[100 * (d["hi"] - d["diff"])] if _isnum(d.get("hi")) else None,
                             arrayminus=[100 * (d["diff"] - d["lo"])] if _isnum(d.get("lo"))
                             else None),
            )
        )  # fmt: skip
    if random_effects:
        y = ypos[-1]
        re = random_effects
        lab = "random effects" + (f" (I² = {100 * i2:.0f} %)" if _isnum(i2) else "")
        labels.append(f"<b>{lab}</b>")
        xs = [100 * re["lo"], 100 * re["diff"], 100 * re["hi"], 100 * re["diff"], 100 * re["lo"]]
        fig.add_trace(
            go.Scatter(
                x=xs, y=[y, y + 0.3, y, y - 0.3, y], fill="toself", mode="lines",
                name="random effects (DerSimonian–Laird)",
                line=dict(color=OKABE_ITO["vermillion"]),
                fillcolor=_rgba(OKABE_ITO["vermillion"], 0.5),
            )
        )  # fmt: skip
    fig.update_yaxes(tickvals=ypos, ticktext=labels, showline=False, ticks="", automargin=True)
    sub = describe(counting=counting, source=source,
                   extra="A − B in percentage points, 95 % intervals; weights = side A's "
                   "venue-year mix")  # fmt: skip
    _layout(fig, title or "A − B by venue", sub)
    fig.update_xaxes(title_text="A − B (percentage points)", showgrid=True, gridcolor="#EEEEEE")
    fig.update_layout(height=max(360, 60 + 34 * n + 120),
                      legend=dict(orientation="h", x=0, y=-0.12, yanchor="top"))  # fmt: skip
    return fig


def plot_spec_curve(
    specs: pl.DataFrame,
    *,
    primary_verdict: str | None = None,
    title: str | None = None,
    source: str | None = None,
) -> go.Figure:
    """Specification curve (Simonsohn, Simmons & Nelson 2020): every specification's A − B with
    its 95 % interval, sorted by the estimate and coloured by its verdict.

    ``specs``: ``diff, lo, hi, verdict`` and optionally ``counting, top, left_out_venue,
    left_out_year`` — :meth:`litscan.workflows.run.RunResult.robustness_frame` rows of one claim.
    Specifications that are not testable are left out (their number is in the subtitle).
    """
    where = "plot_spec_curve"
    df = _frame(specs, where)
    _require(df, ["diff", "lo", "hi", "verdict"], where, "RunResult.robustness_frame()")
    n_all = df.height
    df = df.filter(pl.col("diff").is_not_null() & pl.col("lo").is_not_null()
                   & pl.col("diff").is_not_nan())  # fmt: skip
    df = df.filter(pl.col("verdict") != "not testable on this data")
    if df.height == 0:
        raise InputDataError(f"{where}: no testable specification to draw")
    df = df.sort("diff").with_row_index("rank", offset=1)

    def label(r: dict) -> str:
        parts = [str(r.get("counting") or "")]
        if _isnum(r.get("top")):
            parts.append(f"top {100 * r['top']:g} %")
        if r.get("left_out_venue") is not None:
            parts.append(f"without {r['left_out_venue']}")
        if r.get("left_out_year") is not None:
            parts.append(f"without {r['left_out_year']}")
        return ", ".join(p for p in parts if p)

    fig = go.Figure()
    fig.add_hline(y=0, line=dict(color="#333333", width=1.2))
    for verdict in list(VERDICT_STYLES) + sorted(
        set(df.get_column("verdict").to_list()) - set(VERDICT_STYLES)
    ):
        part = df.filter(pl.col("verdict") == verdict)
        if part.height == 0:
            continue
        color, symbol = VERDICT_STYLES.get(verdict, ("#AAAAAA", "circle-open"))
        rows = list(part.iter_rows(named=True))
        fig.add_trace(
            go.Scatter(
                x=[r["rank"] for r in rows], y=[100 * r["diff"] for r in rows], mode="markers",
                name=verdict, marker=dict(size=6, color=color, symbol=symbol),
                error_y=dict(type="data", symmetric=False, color=_rgba(color, 0.45),
                             thickness=1.2, width=0,
                             array=[100 * (r["hi"] - r["diff"]) for r in rows],
                             arrayminus=[100 * (r["diff"] - r["lo"]) for r in rows]),
                text=[label(r) for r in rows],
                hovertemplate="%{text}<br>A − B = %{y:+.1f} points<extra>" + verdict
                + "</extra>",
            )
        )  # fmt: skip
    extra = f"{df.height} testable of {n_all} specifications, sorted by A − B"
    if primary_verdict:
        agree = df.filter(pl.col("verdict") == primary_verdict).height
        extra += f"; {agree} give the primary verdict ({primary_verdict})"
    _layout(fig, title or "Specification curve", describe(source=source, extra=extra))
    fig.update_xaxes(title_text="specification (sorted by A − B)", showgrid=False)
    fig.update_yaxes(title_text="A − B (percentage points)", showgrid=True, gridcolor="#EEEEEE")
    return fig
