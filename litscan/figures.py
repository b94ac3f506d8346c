"""Plotly figures of litscan's results: pure functions, a frame in, a figure out.

Every function takes the frame an :mod:`litscan.aggregate` (or :mod:`litscan.classify`) function
returns, checks the columns it needs (an :class:`~litscan.errors.InputDataError` names the missing
ones), and returns a :class:`plotly.graph_objects.Figure`. Nothing is computed here that changes a
number; figures only select, scale (shares are shown in %) and draw.

Titles say what the figure is; the subtitle states the definitions the numbers depend on
(counting, highly-cited threshold, years, interval, data source), built from the keyword arguments
``counting``, ``threshold``, ``years`` and ``source``.

Colours: the Okabe-Ito palette (colour-blind safe), with a fixed colour per country so that China
and the United States look the same in every figure (:data:`COUNTRY_COLORS`,
:func:`country_color`). Countries outside the fixed map are drawn in grey with distinct dashes.

=========================  =================================================================
function                   input frame (required columns)
=========================  =================================================================
plot_share_trend           ``country_code, year, share`` (+ ``lo, hi, counting, low_n, n_total``)
                           — :func:`litscan.aggregate.country_shares` by country × year, or
                           :func:`~litscan.aggregate.shares_from_counts`
plot_activity_heatmap      ``country_code, <label_col>, activity_index`` (+ ``lo, hi, low_n,
                           n_works, counting``) — :func:`litscan.aggregate.activity_index`
plot_highly_cited          ``country_code, counting, share|pp_top, lo, hi`` (+ a facet column)
                           — ``country_shares(..., subset=highly_cited(...), counting="both")``
                           or :func:`litscan.aggregate.pp_top`
plot_before_after          ``country_code, share_a, lo_a, hi_a, share_b, lo_b, hi_b, diff, lo,
                           hi`` (+ ``counting, cutoff``) — :func:`litscan.aggregate.before_after`
plot_coauthorship          ``a, b, share_ab, share_ab_of_a, share_ab_of_b`` and their ``_lo`` /
                           ``_hi`` (+ ``year``) — :func:`litscan.aggregate.coauthorship`
plot_classifier_eval       ``label, precision, recall`` (+ ``f1, dataset, support``) —
                           the per-label evaluation of :mod:`litscan.classify`
plot_claims                ``id, diff, lo, hi, verdict`` (+ ``text, counting``) — each claim's
                           primary estimate (A − B) from :mod:`litscan.claims`
=========================  =================================================================
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from litscan.errors import InputDataError, UsageError

__all__ = [
    "OKABE_ITO",
    "COUNTRY_COLORS",
    "country_color",
    "country_name",
    "describe",
    "plot_share_trend",
    "plot_activity_heatmap",
    "plot_highly_cited",
    "plot_before_after",
    "plot_coauthorship",
    "plot_classifier_eval",
    "plot_claims",
    "VERDICT_STYLES",
    "plot_venue_forest",
    "plot_spec_curve",
    "plot_coverage",
]

# --------------------------------------------------------------------------------------------
# palette and labels
# --------------------------------------------------------------------------------------------

OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Fixed country colours (Okabe-Ito). CN and US keep these colours in every litscan figure.
COUNTRY_COLORS: dict[str, str] = {
    "US": OKABE_ITO["blue"],
    "CN": OKABE_ITO["vermillion"],
    "GB": OKABE_ITO["bluish_green"],
    "DE": OKABE_ITO["orange"],
    "JP": OKABE_ITO["reddish_purple"],
    "KR": OKABE_ITO["sky_blue"],
    "IN": OKABE_ITO["black"],
    "BR": "#B8A800",  # Okabe-Ito yellow darkened enough to read on white
}
OTHER_COLOR = "#8C8C8C"
UNKNOWN_COLOR = "#C8C8C8"
_OTHER_DASHES = ("dot", "dash", "dashdot", "longdash", "longdashdot")
_METRIC_COLORS = {"precision": OKABE_ITO["bluish_green"], "recall": OKABE_ITO["orange"]}

FONT = dict(family="Arial, Helvetica, sans-serif", size=16, color="#222222")
_SHORT_NAMES = {
    "US": "United States",
    "GB": "United Kingdom",
    "KR": "South Korea",
    "TW": "Taiwan",
    "RU": "Russia",
    "IR": "Iran",
    "HK": "Hong Kong",
}


def country_color(code: str | None) -> str:
    """The colour of a country in every litscan figure (grey when it has no fixed colour)."""
    if code is None:
        return UNKNOWN_COLOR
    return COUNTRY_COLORS.get(code.upper(), OTHER_COLOR)


def _country_dash(code: str | None) -> str:
    if code is None or code.upper() in COUNTRY_COLORS:
        return "solid"
    return _OTHER_DASHES[zlib.crc32(code.upper().encode()) % len(_OTHER_DASHES)]


def country_name(code: str | None) -> str:
    """Short English name of an ISO alpha-2 code (``None`` → ``unknown``)."""
    if code is None:
        return "unknown"
    code = code.upper()
    if code in _SHORT_NAMES:
        return _SHORT_NAMES[code]
    try:
        import pycountry

        c = pycountry.countries.get(alpha_2=code)
    except Exception:  # pragma: no cover - pycountry is a dependency
        c = None
    if c is None:
        return code
    return getattr(c, "common_name", None) or c.name


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _band(
    x: list, lo: list, hi: list, color: str, alpha: float, *, group: str, name: str | None = None
):
    """A filled interval band between ``lo`` and ``hi`` along ``x`` (no legend entry)."""
    return go.Scatter(
        x=x + x[::-1],
        y=hi + lo[::-1],
        fill="toself",
        mode="lines",
        fillcolor=_rgba(color, alpha),
        line=dict(width=0),
        hoverinfo="skip",
        showlegend=False,
        legendgroup=group,
        name=name,
    )


def _fmt_years(years: Any) -> str | None:
    if years is None:
        return None
    if isinstance(years, str):
        return years
    ys = [int(y) for y in years if y is not None]
    if not ys:
        return None
    lo, hi = min(ys), max(ys)
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def _fmt_pct(x: float) -> str:
    return f"{x * 100:g} %"


def describe(
    *,
    counting: str | None = None,
    threshold: float | str | None = None,
    years: Any = None,
    source: str | None = None,
    interval: str | None = None,
    extra: str | None = None,
) -> str:
    """One-line statement of a figure's definitions, used as its subtitle.

    >>> describe(counting="fractional", threshold=0.1, years=(2015, 2024), source="OpenAlex")
    'fractional counting · top 10 % most cited · 2015–2024 · data: OpenAlex'
    """
    parts: list[str] = []
    if counting:
        parts.append(f"{counting} counting" if counting in ("whole", "fractional") else counting)
    if threshold is not None:
        parts.append(
            f"top {_fmt_pct(threshold)} most cited"
            if isinstance(threshold, float | int)
            else str(threshold)
        )
    if (y := _fmt_years(years)) is not None:
        parts.append(y)
    if interval:
        parts.append(interval)
    if extra:
        parts.append(extra)
    if source:
        parts.append(f"data: {source}")
    return " · ".join(parts)


def _wrap(text: str, width: int = 150) -> list[str]:
    """Split a subtitle into lines of at most ~``width`` characters at its `` · `` separators."""
    lines: list[str] = []
    for para in text.split("<br>"):
        line = ""
        for part in para.split(" · "):
            if line and len(line) + 3 + len(part) > width:
                lines.append(line)
                line = part
            else:
                line = f"{line} · {part}" if line else part
        lines.append(line)
    return lines


def _layout(fig: go.Figure, title: str, subtitle: str, *, legend: bool = True) -> go.Figure:
    lines = _wrap(subtitle)
    subtitle = "<br>".join(lines)
    fig.update_layout(
        template="simple_white",
        font=FONT,
        title=dict(
            text=f"<b>{title}</b>",
            subtitle=dict(text=subtitle, font=dict(size=13, color="#555555")),
            x=0.01,
            xanchor="left",
            y=0.97,
            yanchor="top",
            font=dict(size=21),
        ),
        margin=dict(l=80, r=30, t=84 + 17 * len(lines), b=70),
        hoverlabel=dict(font_size=13),
        showlegend=legend,
        legend=dict(font=dict(size=14), bgcolor="rgba(255,255,255,0.8)"),
    )
    return fig


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------


def _frame(frame: Any, where: str) -> pl.DataFrame:
    if isinstance(frame, pl.DataFrame):
        return frame
    if isinstance(frame, pl.LazyFrame):
        return frame.collect()
    try:
        import pandas as pd

        if isinstance(frame, pd.DataFrame):
            return pl.from_pandas(frame)
    except ImportError:  # pragma: no cover
        pass
    raise InputDataError(
        f"{where}: expected a polars DataFrame, got {type(frame).__name__}",
        hint="pass the frame returned by litscan.aggregate",
    )


def _require(frame: pl.DataFrame, cols: Iterable[str], where: str, made_by: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{where}: the frame lacks column(s) {missing}; it has {frame.columns}",
            hint=f"pass the output of {made_by}",
        )
    if frame.height == 0:
        raise InputDataError(f"{where}: the frame is empty", hint="nothing to draw")


def _pick_counting(
    frame: pl.DataFrame, counting: str | None, where: str
) -> tuple[pl.DataFrame, str | None]:
    """Keep one counting (``counting`` or the only one present)."""
    if "counting" not in frame.columns:
        return frame, counting
    present = frame.get_column("counting").unique().to_list()
    if counting is None:
        if len(present) == 1:
            return frame, present[0]
        counting = "fractional" if "fractional" in present else sorted(present)[0]
    if counting not in present:
        raise InputDataError(
            f"{where}: counting {counting!r} is not in the frame (it has {sorted(present)})",
            hint="compute it with counting='both' or pick one of those",
        )
    return frame.filter(pl.col("counting") == counting), counting


def _opt(frame: pl.DataFrame, col: str) -> list | None:
    if col not in frame.columns:
        return None
    s = frame.get_column(col)
    if s.null_count() == s.len():
        return None
    return s.to_list()


def _pct(values: list | None) -> list | None:
    if values is None:
        return None
    return [
        None if v is None or (isinstance(v, float) and math.isnan(v)) else 100 * v for v in values
    ]


def _top_countries(frame: pl.DataFrame, value: str, n: int) -> list[str]:
    return (
        frame.filter(pl.col("country_code").is_not_null())
        .group_by("country_code")
        .agg(pl.col(value).mean())
        .sort([value, "country_code"], descending=[True, False], nulls_last=True)
        .head(n)
        .get_column("country_code")
        .to_list()
    )


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
) -> go.Figure:
    """Each country's share of ``what`` by year, with interval bands (``lo``/``hi``).

    ``shares``: ``country_code, year, share`` (fractions) and optionally ``lo, hi, counting,
    low_n, n_total`` — :func:`litscan.aggregate.country_shares` with ``by=("country", "year")``
    or :func:`~litscan.aggregate.shares_from_counts`. One counting is drawn (``counting``, else
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
    n_works, counting`` — :func:`litscan.aggregate.activity_index`. Colour is log2(AI) on a
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
    (:func:`litscan.aggregate.pp_top`; a dashed line marks the expected value ``expected``).
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
) -> go.Figure:
    """Each country's share before and after a date (left) and the change in points (right).

    ``frame``: :func:`litscan.aggregate.before_after` output (or
    :func:`~litscan.aggregate.share_difference` rows with a ``country_code`` column) —
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
        extra="hollow: before · filled: after",
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
        title_text="after − before (points)",
        showgrid=True,
        gridcolor="#EEEEEE",
        zeroline=False,
        row=1,
        col=2,
    )
    fig.update_yaxes(ticks="", showline=False, autorange="reversed")
    fig.update_layout(
        legend=dict(orientation="h", x=0, xanchor="left", y=-0.12, yanchor="top"),
        margin=dict(l=190, b=110),
    )
    fig.update_annotations(font=dict(size=15))
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

    ``frame``: :func:`litscan.aggregate.coauthorship` output (``a, b, share_ab,
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


# --------------------------------------------------------------------------------------------
# 6. classifier evaluation
# --------------------------------------------------------------------------------------------


def plot_classifier_eval(
    frame: pl.DataFrame,
    *,
    dataset: str | None = None,
    label_names: dict[str, str] | None = None,
    title: str | None = None,
    source: str | None = None,
    threshold: str | None = None,
) -> go.Figure:
    """Precision and recall per label (bars; F1 as a black diamond), one panel per dataset.

    ``frame``: ``label, precision, recall`` and optionally ``f1``, ``dataset``, ``support``
    (or ``n``) and ``precision_lo/hi``, ``recall_lo/hi`` (drawn as whiskers). ``dataset`` keeps
    only that dataset.
    """
    where = "plot_classifier_eval"
    df = _frame(frame, where)
    _require(df, ["label", "precision", "recall"], where, "the per-label evaluation of classify")
    if dataset is not None:
        if "dataset" not in df.columns:
            raise InputDataError(
                f"{where}: dataset={dataset!r} given but the frame has no 'dataset' column"
            )
        df = df.filter(pl.col("dataset") == dataset)
        if df.height == 0:
            raise InputDataError(f"{where}: no rows for dataset {dataset!r}")
    datasets = (
        [None]
        if "dataset" not in df.columns
        else list(dict.fromkeys(df.get_column("dataset").to_list()))
    )
    label_names = label_names or {}
    labels = list(dict.fromkeys(df.get_column("label").to_list()))
    fig = make_subplots(
        rows=len(datasets),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        subplot_titles=[str(d) for d in datasets] if datasets[0] else None,
    )
    support_col = next((c for c in ("support", "n", "n_pos") if c in df.columns), None)
    for i, ds in enumerate(datasets, start=1):
        part = df if ds is None else df.filter(pl.col("dataset") == ds)
        rows = {r["label"]: r for r in part.iter_rows(named=True)}
        xl = [label_names.get(lab, lab) for lab in labels]
        for metric in ("precision", "recall"):
            y, lo, hi = [], [], []
            for lab in labels:
                r = rows.get(lab)
                v = None if r is None else r[metric]
                y.append(v)
                rlo = None if r is None else r.get(f"{metric}_lo")
                rhi = None if r is None else r.get(f"{metric}_hi")
                lo.append(None if rlo is None or v is None else v - rlo)
                hi.append(None if rhi is None or v is None else rhi - v)
            err = (
                dict(
                    type="data",
                    symmetric=False,
                    array=hi,
                    arrayminus=lo,
                    color="#333333",
                    thickness=1.2,
                    width=3,
                )
                if any(h is not None for h in hi)
                else None
            )
            sup = [
                None if rows.get(lab) is None or not support_col else rows[lab][support_col]
                for lab in labels
            ]
            fig.add_trace(
                go.Bar(
                    x=xl,
                    y=y,
                    name=metric,
                    legendgroup=metric,
                    showlegend=i == 1,
                    marker=dict(color=_METRIC_COLORS[metric]),
                    error_y=err,
                    text=[None if v is None else f"{v:.2f}" for v in y],
                    textposition="outside",
                    textfont=dict(size=12),
                    cliponaxis=False,
                    customdata=sup,
                    hovertemplate=f"%{{x}} {metric}: %{{y:.3f}}"
                    + ("<br>positives: %{customdata}" if support_col else "")
                    + "<extra></extra>",
                ),
                row=i,
                col=1,
            )
        if "f1" in part.columns:
            fig.add_trace(
                go.Scatter(
                    x=xl,
                    y=[None if rows.get(lab) is None else rows[lab]["f1"] for lab in labels],
                    mode="markers",
                    name="F1",
                    legendgroup="f1",
                    showlegend=i == 1,
                    marker=dict(symbol="diamond", size=11, color="black"),
                    hovertemplate="%{x} F1: %{y:.3f}<extra></extra>",
                ),
                row=i,
                col=1,
            )
        fig.update_yaxes(
            range=[0, 1.12],
            tickvals=[0, 0.25, 0.5, 0.75, 1.0],
            showgrid=True,
            gridcolor="#EEEEEE",
            title_text="Score",
            row=i,
            col=1,
        )
    if title is None:
        title = "Classifier evaluation: precision and recall per label"
    sub = describe(
        threshold=threshold, source=source, extra="held-out evaluation" if source is None else None
    )
    _layout(fig, title, sub)
    fig.update_layout(
        barmode="group",
        bargap=0.25,
        legend=dict(orientation="h", x=1.0, xanchor="right", y=1.02, yanchor="bottom"),
    )
    fig.update_xaxes(ticks="", tickangle=0 if len(labels) <= 8 else -30)
    return fig


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
    the ``robustness.strata`` of a claim (:mod:`litscan.claims`). The dicts hold ``diff, lo, hi``.
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
    left_out_year`` — :meth:`litscan.run.RunResult.robustness_frame` rows of one claim.
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


def plot_coverage(
    coverage: pl.DataFrame,
    *,
    panel: Sequence[str] = (),
    title: str | None = None,
    source: str | None = None,
    max_venues: int = 40,
) -> go.Figure:
    """Works per venue × year (heatmap; empty cells = no works), the venues of a fixed panel
    marked with ``▸``; at most ``max_venues`` venues (those with the most works).

    ``coverage``: ``source, year, works`` — :func:`litscan.robustness.coverage`.
    """
    where = "plot_coverage"
    df = _frame(coverage, where)
    _require(df, ["source", "year", "works"], where, "litscan.robustness.coverage(works)")
    df = df.filter(pl.col("source").is_not_null() & pl.col("year").is_not_null())
    if df.height == 0:
        raise InputDataError(f"{where}: no venue-year with works")
    years = sorted({int(y) for y in df.get_column("year").to_list()})
    totals = df.group_by("source").agg(pl.col("works").sum()).sort(
        ["works", "source"], descending=[True, False]
    )
    n_venues = totals.height
    venues = sorted((str(v) for v in totals.head(max_venues).get_column("source")), reverse=True)
    cells = {(str(r[0]), int(r[1])): r[2] for r in df.select("source", "year", "works").iter_rows()}
    z = [[cells.get((v, y)) for y in years] for v in venues]
    marks = set(panel)
    fig = go.Figure(
        go.Heatmap(
            z=z, x=years, y=[f"▸ {v}" if v in marks else v for v in venues],
            colorscale="Blues", hoverongaps=False, colorbar=dict(title="works"),
            text=[["" if c is None else f"{c:,}" for c in row] for row in z],
            texttemplate="%{text}", textfont=dict(size=10),
            hovertemplate="%{y} %{x}: %{z} works<extra></extra>",
        )
    )  # fmt: skip
    extra = "works per venue and year"
    if n_venues > len(venues):
        extra += f"; the {len(venues)} venues with most works of {n_venues}"
    if marks:
        extra += "; ▸ = fixed venue panel of the share-over-time figure"
    _layout(fig, title or "Coverage: works per venue × year", describe(source=source, extra=extra),
            legend=False)  # fmt: skip
    fig.update_xaxes(dtick=1, showgrid=False)
    fig.update_layout(height=max(340, 140 + 24 * len(venues)))
    return fig
