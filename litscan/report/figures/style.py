"""Shared look of every litscan figure: the Okabe-Ito palette with a fixed colour per country,
fonts, the title/subtitle layout, definition subtitles (:func:`describe`) and input checks.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go
import polars as pl

from litscan.errors import InputDataError

__all__ = [
    "OKABE_ITO",
    "COUNTRY_COLORS",
    "country_color",
    "country_name",
    "describe",
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
        hint="pass the frame returned by litscan.stats",
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
