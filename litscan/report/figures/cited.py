"""Figures of highly-cited sets and before/after comparisons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from litscan.errors import InputDataError, UsageError
from litscan.report.figures.style import (
    _fmt_pct,
    _frame,
    _layout,
    _pct,
    _pick_counting,
    _require,
    _rgba,
    _top_countries,
    country_color,
    country_name,
    describe,
)

__all__ = [
    "plot_highly_cited",
    "plot_before_after",
]

# --------------------------------------------------------------------------------------------
# 3. highly-cited shares, whole vs fractional
# --------------------------------------------------------------------------------------------


def plot_highly_cited(
    frame: pl.DataFrame,
    *,
    value: str | None = None,
    countries: Sequence[str] | None = None,
    n_countries: int = 8,
    facet: str | None = None,
    facet_names: dict[str, str] | None = None,
    threshold: float | None = None,
    years: Any = None,
    what: str = "highly-cited papers",
    title: str | None = None,
    source: str | None = None,
) -> go.Figure:
    """Country shares of the highly-cited set (or PP(top x %)) with interval whiskers, whole and
    fractional counting side by side (whole: hatched bars, fractional: solid).

    ``frame``: ``country_code, counting, <value>, lo, hi`` where ``value`` is ``share``
    (``country_shares(..., subset=highly_cited(...), counting="both")``) or ``pp_top``
    (:func:`litscan.stats.shares.pp_top`; a dashed line marks the expected value ``expected``).
    ``facet`` names a column (e.g. ``label``) to draw one panel per value.
    """
    where = "plot_highly_cited"
    df = _frame(frame, where)
    if value is None:
        value = "pp_top" if "pp_top" in df.columns else "share"
    if value not in ("share", "pp_top"):
        raise UsageError(f"{where}: value must be 'share' or 'pp_top', got {value!r}")
    need = ["country_code", "counting", value, "lo", "hi"] + ([facet] if facet else [])
    _require(df, need, where, "country_shares(..., subset=highly_cited(...), counting='both')")
    df = df.filter(pl.col("country_code").is_not_null())
    if threshold is None and value == "pp_top" and "expected" in df.columns:
        threshold = float(df.get_column("expected")[0])
    facets = (
        [None]
        if facet is None
        else sorted(str(v) for v in df.get_column(facet).drop_nulls().unique().to_list())
    )
    facet_names = facet_names or {}
    if countries is None:
        countries = _top_countries(
            df.filter(pl.col("counting") == df["counting"][0]), value, n_countries
        )
    countries = [c.upper() for c in countries]
    fig = make_subplots(
        rows=1,
        cols=len(facets),
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=[facet_names.get(f, f) for f in facets] if facet else None,
    )
    countings = [
        c for c in ("whole", "fractional") if c in set(df.get_column("counting").to_list())
    ]
    for j, fv in enumerate(facets, start=1):
        part = df if fv is None else df.filter(pl.col(facet).cast(pl.Utf8) == fv)
        for cnt in countings:
            rows = {
                r["country_code"]: r
                for r in part.filter(pl.col("counting") == cnt).iter_rows(named=True)
            }
            y, lo, hi, names = [], [], [], []
            for code in countries:
                r = rows.get(code)
                v = None if r is None else r[value]
                y.append(None if v is None else 100 * v)
                lo.append(
                    None if r is None or r["lo"] is None or v is None else 100 * (v - r["lo"])
                )
                hi.append(
                    None if r is None or r["hi"] is None or v is None else 100 * (r["hi"] - v)
                )
                names.append(country_name(code))
            colors = [country_color(c) for c in countries]
            fig.add_trace(
                go.Bar(
                    x=countries,
                    y=y,
                    name=f"{cnt} counting",
                    legendgroup=cnt,
                    showlegend=j == 1,
                    marker=dict(
                        color=colors if cnt == "fractional" else [_rgba(c, 0.35) for c in colors],
                        line=dict(color=colors, width=1.5),
                        pattern=dict(
                            shape="/" if cnt == "whole" else "",
                            fgcolor=colors,
                            size=8,
                            solidity=0.3,
                        ),
                    ),
                    error_y=dict(
                        type="data",
                        symmetric=False,
                        array=hi,
                        arrayminus=lo,
                        color="#333333",
                        thickness=1.5,
                        width=4,
                    ),
                    customdata=names,
                    hovertemplate=f"%{{customdata}} ({cnt}): %{{y:.1f}} %<extra></extra>",
                ),
                row=1,
                col=j,
            )
        if value == "pp_top" and threshold is not None:
            fig.add_hline(
                y=100 * threshold, line=dict(color="#555555", dash="dash", width=1.5), row=1, col=j
            )
    if value == "pp_top" and threshold is not None:
        fig.add_annotation(
            x=1,
            xref="paper",
            y=100 * threshold,
            yref="y",
            text=f"expected {_fmt_pct(threshold)}",
            showarrow=False,
            xanchor="right",
            yanchor="bottom",
            font=dict(size=13, color="#555555"),
        )
    if title is None:
        title = (
            f"Share of each country's papers in the top {_fmt_pct(threshold)}"
            if value == "pp_top" and threshold is not None
            else f"Country shares of {what}"
        )
    sub = describe(
        threshold=threshold,
        years=years,
        source=source,
        interval="whiskers: 95 % bootstrap interval",
        extra="hatched: whole counting · solid: fractional counting",
    )
    _layout(fig, title, sub)
    ylabel = "PP(top), % of the country's papers" if value == "pp_top" else f"Share of {what} (%)"
    fig.update_yaxes(title_text=ylabel, row=1, col=1)
    fig.update_yaxes(ticksuffix=" %", showgrid=True, gridcolor="#EEEEEE", rangemode="tozero")
    fig.update_xaxes(ticks="", showline=True)
    fig.update_layout(
        barmode="group",
        bargap=0.25,
        bargroupgap=0.06,
        legend=dict(orientation="h", x=0.5, xanchor="center", y=-0.08, yanchor="top"),
        margin=dict(b=90),
    )
    return fig


# --------------------------------------------------------------------------------------------
# 4. before / after a date
# --------------------------------------------------------------------------------------------


def plot_before_after(
    frame: pl.DataFrame,
    *,
    countries: Sequence[str] | None = None,
    counting: str | None = None,
    cutoff: str | None = None,
    before_label: str | None = None,
    after_label: str | None = None,
    what: str = "papers",
    title: str | None = None,
    source: str | None = None,
    years: Any = None,
    extra: str | None = None,
    change_label: str | None = None,
) -> go.Figure:
    """Each country's share before and after a date (left) and the change in points (right).

    ``extra`` is added to the subtitle; ``change_label`` names the right panel's estimate
    (e.g. "after − before, standardised (points)").

    ``frame``: :func:`litscan.stats.compare.before_after` output (or
    :func:`~litscan.stats.compare.share_difference` rows with a ``country_code`` column) —
    ``country_code``, ``share_a`` (after), ``lo_a``, ``hi_a``, ``share_b`` (before), ``lo_b``,
    ``hi_b``, ``diff``, ``lo``, ``hi`` and optionally ``counting``, ``cutoff``.
    ``before_label``/``after_label`` name the periods (default: before/after ``cutoff``).
    """
    where = "plot_before_after"
    df = _frame(frame, where)
    _require(
        df,
        ["country_code", "share_a", "lo_a", "hi_a", "share_b", "lo_b", "hi_b", "diff", "lo", "hi"],
        where,
        "before_after(...)",
    )
    df, counting = _pick_counting(df, counting, where)
    if cutoff is None and "cutoff" in df.columns:
        cutoff = str(df.get_column("cutoff")[0])
    before_label = before_label or (f"before {cutoff}" if cutoff else "before")
    after_label = after_label or (f"after {cutoff}" if cutoff else "after")
    if countries is not None:
        df = df.filter(pl.col("country_code").is_in([c.upper() for c in countries]))
        if df.height == 0:
            raise InputDataError(f"{where}: none of {list(countries)} is in the frame")
    df = df.sort("share_b", descending=True)
    codes = df.get_column("country_code").to_list()
    labels = [f"{country_name(c)} ({c})" for c in codes]
    colors = [country_color(c) for c in codes]
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        column_widths=[0.6, 0.4],
        horizontal_spacing=0.03,
        subplot_titles=(f"Share: {before_label} → {after_label}", "Change (percentage points)"),
    )
    for r, lab, col in zip(df.iter_rows(named=True), labels, colors, strict=True):
        fig.add_trace(
            go.Scatter(
                x=[100 * r["share_b"], 100 * r["share_a"]],
                y=[lab, lab],
                mode="lines",
                line=dict(color=col, width=3),
                showlegend=False,
                hoverinfo="skip",
            ),
            row=1,
            col=1,
        )
    for key, name in (("b", before_label), ("a", after_label)):
        s = _pct(df.get_column(f"share_{key}").to_list())
        lo = _pct(df.get_column(f"lo_{key}").to_list())
        hi = _pct(df.get_column(f"hi_{key}").to_list())
        fig.add_trace(
            go.Scatter(
                x=s,
                y=labels,
                mode="markers",
                name=name,
                showlegend=False,
                marker=dict(
                    size=13,
                    color=colors if key == "a" else "white",
                    symbol="circle",
                    line=dict(color=colors, width=2.5),
                ),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=[h - v for h, v in zip(hi, s, strict=True)],
                    arrayminus=[v - lw for lw, v in zip(lo, s, strict=True)],
                    color="#555555",
                    thickness=1.2,
                    width=3,
                ),
                hovertemplate=f"%{{y}} {name}: %{{x:.1f}} %<extra></extra>",
            ),
            row=1,
            col=1,
        )
        # a neutral legend entry (the markers themselves carry country colours)
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=name,
                marker=dict(
                    size=12,
                    color="white" if key == "b" else "#555555",
                    line=dict(color="#555555", width=2.5),
                ),
            ),
            row=1,
            col=1,
        )
    d = _pct(df.get_column("diff").to_list())
    dlo = _pct(df.get_column("lo").to_list())
    dhi = _pct(df.get_column("hi").to_list())
    fig.add_trace(
        go.Bar(
            x=d,
            y=labels,
            orientation="h",
            marker=dict(color=colors),
            showlegend=False,
            error_x=dict(
                type="data",
                symmetric=False,
                array=[h - v for h, v in zip(dhi, d, strict=True)],
                arrayminus=[v - lw for lw, v in zip(dlo, d, strict=True)],
                color="#333333",
                thickness=1.5,
                width=4,
            ),
            hovertemplate="%{y}: %{x:+.2f} points<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.add_vline(x=0, line=dict(color="#333333", width=1), row=1, col=2)
    if title is None:
        title = f"Country shares of {what}, {before_label} vs {after_label}"
    sub = describe(
        counting=counting,
        years=years,
        source=source,
        interval="whiskers: 95 % paired bootstrap interval",
        extra="hollow: before · filled: after" + (f" · {extra}" if extra else ""),
    )
    _layout(fig, title, sub)
    fig.update_xaxes(
        title_text=f"Share of {what} (%)",
        ticksuffix=" %",
        showgrid=True,
        gridcolor="#EEEEEE",
        rangemode="tozero",
        row=1,
        col=1,
    )
    fig.update_xaxes(
        title_text=change_label or "after − before (points)",
        showgrid=True,
        gridcolor="#EEEEEE",
        zeroline=False,
        row=1,
        col=2,
    )
    fig.update_yaxes(ticks="", showline=False, autorange="reversed")
    fig.update_layout(
        legend=dict(orientation="h", x=0, xanchor="left", y=-0.22, yanchor="top"),
        margin=dict(l=190, b=150),
    )
    fig.update_annotations(font=dict(size=15))
    return fig
