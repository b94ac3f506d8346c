"""Figures of country shares: trends over years, activity-index heatmaps and co-authorship."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl

from litscan.errors import InputDataError
from litscan.report.figures.style import (
    _band,
    _country_dash,
    _frame,
    _layout,
    _opt,
    _pct,
    _pick_counting,
    _possessive,
    _require,
    _top_countries,
    country_color,
    country_name,
    describe,
)

__all__ = [
    "plot_share_trend",
    "plot_per_year",
    "plot_activity_heatmap",
    "plot_coauthorship",
]

# --------------------------------------------------------------------------------------------
# 1. country shares over time
# --------------------------------------------------------------------------------------------


def plot_share_trend(
    shares: pl.DataFrame,
    *,
    countries: Sequence[str] | None = None,
    n_countries: int = 6,
    counting: str | None = None,
    years: tuple[int, int] | None = None,
    what: str = "papers",
    title: str | None = None,
    source: str | None = None,
    interval_label: str = "95 % bootstrap interval",
    extra: str | None = None,
) -> go.Figure:
    """Each country's share of ``what`` by year, with interval bands (``lo``/``hi``); ``extra``
    is added to the subtitle (e.g. the venue panel, the denominator). Fewer than two years is
    refused (:class:`~litscan.errors.InputDataError`): a one-point "trend" says nothing.

    ``shares``: ``country_code, year, share`` (fractions) and optionally ``lo, hi, counting,
    low_n, n_total`` — :func:`litscan.stats.shares.country_shares` with ``by=("country", "year")``
    or :func:`~litscan.stats.counts.shares_from_counts`. One counting is drawn (``counting``, else
    fractional if present). ``countries`` defaults to the ``n_countries`` largest. ``years``
    keeps that inclusive range. Points resting on few works (``low_n``) are drawn hollow.
    """
    where = "plot_share_trend"
    df = _frame(shares, where)
    _require(
        df, ["country_code", "year", "share"], where, "country_shares(..., by=('country', 'year'))"
    )
    df, counting = _pick_counting(df, counting, where)
    if years is not None:
        df = df.filter(pl.col("year").is_between(years[0], years[1]))
    df = df.filter(pl.col("country_code").is_not_null() & pl.col("year").is_not_null())
    if df.height == 0:
        raise InputDataError(f"{where}: no row with a country in the selected years {years}")
    n_years = df.get_column("year").n_unique()
    if n_years < 2:
        raise InputDataError(f"{where}: only {n_years} year with data; a trend needs two or more")
    if countries is None:
        countries = _top_countries(df, "share", n_countries)
    countries = [c.upper() for c in countries]
    absent = [c for c in countries if c not in set(df.get_column("country_code").to_list())]
    if absent:
        raise InputDataError(
            f"{where}: countries {absent} are not in the frame",
            hint="check the country codes (ISO alpha-2, upper case)",
        )
    has_band = _opt(df, "lo") is not None and _opt(df, "hi") is not None
    # order the legend by the latest share, largest first
    last = (
        df.filter(pl.col("country_code").is_in(countries))
        .sort("year")
        .group_by("country_code")
        .agg(pl.col("share").last())
    )
    order = last.sort("share", descending=True).get_column("country_code").to_list()
    fig = go.Figure()
    for code in order:
        part = df.filter(pl.col("country_code") == code).sort("year")
        x = part.get_column("year").to_list()
        y = _pct(part.get_column("share").to_list())
        color = country_color(code)
        name = f"{country_name(code)} ({code})"
        if has_band:
            lo = _pct(part.get_column("lo").to_list())
            hi = _pct(part.get_column("hi").to_list())
            fig.add_trace(_band(x, lo, hi, color, 0.18, group=code, name=f"{name} interval"))
        low = _opt(part, "low_n") or [False] * part.height
        n_tot = _opt(part, "n_total") or [None] * part.height
        custom = [[n] for n in n_tot]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines+markers",
                name=name,
                legendgroup=code,
                line=dict(color=color, width=3, dash=_country_dash(code)),
                marker=dict(
                    size=8,
                    color=["white" if lw else color for lw in low],
                    line=dict(color=color, width=2),
                    symbol="circle",
                ),
                customdata=custom,
                hovertemplate=f"{name}<br>%{{x}}: %{{y:.1f}} %<br>works in year: %{{customdata[0]}}"
                "<extra></extra>",
            )
        )
    yrs = df.get_column("year").to_list()
    if title is None:
        title = f"Country share of {what} by year"
    sub = describe(
        counting=counting,
        years=yrs,
        source=source,
        interval=interval_label if has_band else "no interval (aggregate counts)",
        extra=extra,
    )
    drawn = df.filter(pl.col("country_code").is_in(countries))
    if any(_opt(drawn, "low_n") or []):
        sub += "<br>hollow points: fewer than 30 works"
    _layout(fig, title, sub)
    fig.update_xaxes(
        title_text="Publication year",
        dtick=1 if len(set(yrs)) <= 16 else 2,
        showgrid=False,
        ticks="outside",
    )
    fig.update_yaxes(
        title_text=f"Share of {what} (%)",
        rangemode="tozero",
        showgrid=True,
        gridcolor="#EEEEEE",
        ticksuffix=" %",
    )
    fig.update_layout(legend=dict(x=1.01, xanchor="left", y=1.0, yanchor="top"), margin=dict(r=230))
    return fig


# --------------------------------------------------------------------------------------------
# 2. activity index heatmap
# --------------------------------------------------------------------------------------------


def plot_activity_heatmap(
    ai: pl.DataFrame,
    *,
    label_col: str = "label",
    countries: Sequence[str] | None = None,
    n_countries: int = 12,
    labels: Sequence[str] | None = None,
    label_names: dict[str, str] | None = None,
    counting: str | None = None,
    years: Any = None,
    title: str | None = None,
    source: str | None = None,
) -> go.Figure:
    """Country × label heatmap of the activity index (AI = share in label / share overall).

    ``ai``: ``country_code, <label_col>, activity_index`` and optionally ``lo, hi, low_n,
    n_works, counting`` — :func:`litscan.stats.compare.activity_index`. Colour is log2(AI) on a
    diverging purple–orange scale centred on AI = 1; each cell prints AI, cells whose interval
    covers 1 are printed grey, cells resting on few works (``low_n``) get a ``*``.
    """
    where = "plot_activity_heatmap"
    df = _frame(ai, where)
    _require(df, ["country_code", label_col, "activity_index"], where, "activity_index(...)")
    df, counting = _pick_counting(df, counting, where)
    df = df.filter(pl.col("country_code").is_not_null())
    if countries is None:
        size = "n_works" if "n_works" in df.columns else "activity_index"
        countries = (
            df.group_by("country_code")
            .agg(pl.col(size).sum())
            .sort([size, "country_code"], descending=[True, False])
            .head(n_countries)
            .get_column("country_code")
            .to_list()
        )
    countries = [c.upper() for c in countries]
    if labels is None:
        labels = sorted(str(v) for v in df.get_column(label_col).drop_nulls().unique().to_list())
    label_names = label_names or {}
    lookup = {(r["country_code"], str(r[label_col])): r for r in df.iter_rows(named=True)}
    z, text, hover = [], [], []
    for code in countries:
        zr, tr, hr = [], [], []
        for lab in labels:
            r = lookup.get((code, lab))
            v = None if r is None else r["activity_index"]
            if v is None or (isinstance(v, float) and (math.isnan(v) or v <= 0)):
                zr.append(None)
                tr.append("")
                hr.append(f"{country_name(code)} × {label_names.get(lab, lab)}: no data")
                continue
            zr.append(math.log2(v))
            lo, hi = r.get("lo"), r.get("hi")
            covers_one = lo is not None and hi is not None and lo <= 1 <= hi
            star = "*" if r.get("low_n") else ""
            txt = f"{v:.2f}{star}"
            tr.append(
                f"<span style='color:#777777'>{txt}</span>" if covers_one else f"<b>{txt}</b>"
            )
            iv = f" [{lo:.2f}, {hi:.2f}]" if lo is not None and hi is not None else ""
            nw = f"<br>works: {r['n_works']:,}" if r.get("n_works") is not None else ""
            hr.append(f"{country_name(code)} × {label_names.get(lab, lab)}<br>AI = {v:.2f}{iv}{nw}")
        z.append(zr)
        text.append(tr)
        hover.append(hr)
    finite = [abs(v) for row in z for v in row if v is not None]
    zmax = max(1.0, min(3.0, max(finite) if finite else 1.0))
    ticks = [t for t in (-3, -2, -1, 0, 1, 2, 3) if abs(t) <= zmax + 1e-9]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[label_names.get(lab, lab) for lab in labels],
            y=[f"{country_name(c)} ({c})" for c in countries],
            text=text,
            texttemplate="%{text}",
            textfont=dict(size=14),
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            colorscale="PuOr_r",
            zmid=0,
            zmin=-zmax,
            zmax=zmax,
            xgap=2,
            ygap=2,
            colorbar=dict(
                title=dict(text="Activity<br>index", side="top"),
                tickvals=ticks,
                ticktext=[f"{2.0**t:g}" for t in ticks],
                thickness=16,
                len=0.8,
            ),
        )
    )
    if title is None:
        title = "Where countries specialise: activity index by research area"
    sub = describe(
        counting=counting,
        years=years,
        source=source,
        extra="AI = country's share in the area ÷ its share of all papers; 1 = average",
    )
    sub += "<br>bold: 95 % interval excludes 1 · grey: interval includes 1"
    if any(_opt(df, "low_n") or []):
        sub += " · *: fewer than 30 works"
    _layout(fig, title, sub, legend=False)
    fig.update_layout(margin=dict(l=190))
    fig.update_yaxes(autorange="reversed", showline=False, ticks="")
    fig.update_xaxes(side="bottom", showline=False, ticks="", title_text=None)
    return fig


# --------------------------------------------------------------------------------------------
# 5. co-authorship between two countries
# --------------------------------------------------------------------------------------------


def plot_coauthorship(
    frame: pl.DataFrame,
    *,
    x: str | None = "year",
    years: tuple[int, int] | None = None,
    what: str = "papers",
    title: str | None = None,
    source: str | None = None,
) -> go.Figure:
    """Papers co-authored by countries ``a`` and ``b``: as % of a's papers, of b's papers and of
    all papers, with interval bands; by ``x`` (e.g. ``year``) or as bars when ``x`` is absent.

    ``frame``: :func:`litscan.stats.compare.coauthorship` output (``a, b, share_ab,
    share_ab_of_a, share_ab_of_b`` and ``_lo``/``_hi`` for each; ``n_ab`` optional).
    """
    where = "plot_coauthorship"
    df = _frame(frame, where)
    metrics = ["share_ab_of_a", "share_ab_of_b", "share_ab"]
    need = ["a", "b", *metrics, *[f"{m}_{s}" for m in metrics for s in ("lo", "hi")]]
    _require(df, need, where, "coauthorship(...)")
    a, b = str(df.get_column("a")[0]), str(df.get_column("b")[0])
    names = {
        "share_ab_of_a": (f"% of {_possessive(country_name(a))} {what}", country_color(a)),
        "share_ab_of_b": (f"% of {_possessive(country_name(b))} {what}", country_color(b)),
        "share_ab": (f"% of all {what}", "#555555"),
    }
    fig = go.Figure()
    use_x = x is not None and x in df.columns and df.get_column(x).n_unique() > 1
    if use_x:
        df = df.filter(pl.col(x).is_not_null())
        if years is not None:
            df = df.filter(pl.col(x).is_between(years[0], years[1]))
        df = df.sort(x)
        xs = df.get_column(x).to_list()
        low = _opt(df, "low_n") or [False] * df.height
        for m in metrics:
            name, color = names[m]
            y = _pct(df.get_column(m).to_list())
            lo = _pct(df.get_column(f"{m}_lo").to_list())
            hi = _pct(df.get_column(f"{m}_hi").to_list())
            if lo and all(v is not None for v in lo + hi):
                fig.add_trace(_band(xs, lo, hi, color, 0.15, group=m))
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=y,
                    mode="lines+markers",
                    name=name,
                    legendgroup=m,
                    line=dict(color=color, width=3, dash="dot" if m == "share_ab" else "solid"),
                    marker=dict(
                        size=8,
                        color=["white" if lw else color for lw in low],
                        line=dict(color=color, width=2),
                    ),
                    hovertemplate=f"{name}<br>%{{x}}: %{{y:.1f}} %<extra></extra>",
                )
            )
        fig.update_xaxes(
            title_text="Publication year" if x == "year" else x,
            showgrid=False,
            dtick=1 if len(set(xs)) <= 16 else 2,
        )
        yr = xs if x == "year" else None
    else:
        r = df.row(0, named=True)
        labels = [names[m][0] for m in metrics]
        y = [100 * r[m] if r[m] is not None else None for m in metrics]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=y,
                marker=dict(color=[names[m][1] for m in metrics]),
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=[100 * (r[f"{m}_hi"] - r[m]) for m in metrics],
                    arrayminus=[100 * (r[m] - r[f"{m}_lo"]) for m in metrics],
                    color="#333333",
                    thickness=1.5,
                    width=5,
                ),
                showlegend=False,
                hovertemplate="%{x}: %{y:.1f} %<extra></extra>",
            )
        )
        yr = None
    if title is None:
        title = f"{country_name(a)}–{country_name(b)} co-authored {what}"
    counting = "whole" if "counting" not in df.columns else str(df.get_column("counting")[0])
    sub = describe(
        counting=counting,
        years=yr,
        source=source,
        interval="95 % bootstrap interval",
        extra=f"co-authored = at least one author in {a} and one in {b}",
    )
    _layout(fig, title, sub, legend=use_x)
    fig.update_yaxes(
        title_text=f"Co-authored {what} (%)",
        ticksuffix=" %",
        rangemode="tozero",
        showgrid=True,
        gridcolor="#EEEEEE",
    )
    fig.update_layout(legend=dict(x=0.99, xanchor="right", y=1.0, yanchor="top"))
    return fig


def plot_per_year(
    *,
    years: Sequence[int],
    estimates: Sequence[Any],
    title: str,
    name_a: str,
    name_b: str | None = None,
    constant: float | None = None,
    source: str | None = None,
    extra: str = "each year estimated on its own",
) -> go.Figure:
    """One claim year by year: the shares of A and B (upper panel, axis from 0) and A − B with
    its 95 % interval (lower panel, its own axis: no dual axis on one panel).

    ``estimates``: one :class:`~litscan.claims.results.Estimate` per year (``share_a, share_b,
    diff, lo, hi, counting``); ``constant``: B when it is a fixed value (drawn as a dashed line).
    """
    from plotly.subplots import make_subplots

    where = "plot_per_year"
    if len(years) != len(estimates):
        raise InputDataError(f"{where}: {len(years)} years but {len(estimates)} estimates")
    if len(set(years)) < 2:
        raise InputDataError(f"{where}: only {len(set(years))} year; a trend needs two or more")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=[0.6, 0.4])  # fmt: skip
    ys = list(years)
    fig.add_trace(go.Scatter(
        x=ys, y=[100 * e.share_a for e in estimates], mode="lines+markers", name=f"A: {name_a}",
        line=dict(color="#D55E00", width=3),
        error_y=dict(type="data", symmetric=False, color="#D55E00", thickness=1,
                     array=[100 * (e.hi_a - e.share_a) for e in estimates],
                     arrayminus=[100 * (e.share_a - e.lo_a) for e in estimates]),
    ), row=1, col=1)  # fmt: skip
    if name_b is not None:
        fig.add_trace(go.Scatter(
            x=ys, y=[100 * e.share_b for e in estimates], mode="lines+markers",
            name=f"B: {name_b}", line=dict(color="#0072B2", width=3),
            error_y=dict(type="data", symmetric=False, color="#0072B2", thickness=1,
                         array=[100 * (e.hi_b - e.share_b) for e in estimates],
                         arrayminus=[100 * (e.share_b - e.lo_b) for e in estimates]),
        ), row=1, col=1)  # fmt: skip
    elif constant is not None:
        fig.add_trace(go.Scatter(
            x=[min(ys), max(ys)], y=[100 * constant] * 2, mode="lines",
            name=f"B: the constant {100 * constant:g} %", hoverinfo="skip",
            line=dict(color="#0072B2", dash="dash", width=2),
        ), row=1, col=1)  # fmt: skip
    fig.add_hline(y=0, line=dict(color="#333333", width=1), row=2, col=1)
    fig.add_trace(go.Scatter(
        x=ys, y=[100 * e.diff for e in estimates], mode="markers", name="A − B",
        marker=dict(color="#444444", size=9), showlegend=False,
        error_y=dict(type="data", symmetric=False, color="#444444",
                     array=[100 * (e.hi - e.diff) for e in estimates],
                     arrayminus=[100 * (e.diff - e.lo) for e in estimates]),
    ), row=2, col=1)  # fmt: skip
    countings = sorted({e.counting for e in estimates if e.counting})
    sub = describe(counting=countings[0] if len(countings) == 1 else None, years=ys,
                   source=source, interval="95 % intervals",
                   extra=extra)  # fmt: skip
    _layout(fig, title, sub)
    top = max([100 * e.hi_a for e in estimates] + [100 * e.hi_b for e in estimates if name_b]
              + ([100 * constant] if constant is not None else []))  # fmt: skip
    fig.update_yaxes(title_text="share (%)", range=[0, top * 1.12], ticksuffix=" %",
                     showgrid=True, gridcolor="#EEEEEE", row=1, col=1)  # fmt: skip
    fig.update_yaxes(title_text="A − B (points)", showgrid=True, gridcolor="#EEEEEE",
                     rangemode="tozero", row=2, col=1)  # fmt: skip
    fig.update_xaxes(dtick=1, row=2, col=1, title_text="year")
    fig.update_layout(height=620, legend=dict(orientation="v", x=0.01, y=-0.18, yanchor="top",
                                              font=dict(size=12)), margin=dict(b=150))  # fmt: skip
    return fig
