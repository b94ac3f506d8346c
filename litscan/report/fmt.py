"""The small text formatters every HTML part of a report shares: escaping, shares in %,
differences in points and an A − B interval (one place, so every table reads the same)."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["esc", "pct", "pts", "interval_text"]


def esc(value: Any) -> str:
    """HTML-escape anything (quotes included); None is empty."""
    return html.escape("" if value is None else str(value), quote=True)


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def pct(x: float | None, digits: int = 1) -> str:
    """A fraction as a percentage (``"12.3 %"``), ``–`` when missing."""
    return "–" if _missing(x) else f"{x * 100:.{digits}f} %"


def pts(x: float | None) -> str:
    """A difference of fractions in percentage points (``"+4.0 pts"``), ``–`` when missing."""
    return "–" if _missing(x) else f"{x * 100:+.1f} pts"


def interval_text(d: Mapping[str, Any] | None) -> str:
    """``diff [lo, hi]`` of a mapping with those keys, in points; ``–`` without one."""
    if not d or _missing(d.get("diff")):
        return "–"
    return f"{pts(d.get('diff'))} [{pts(d.get('lo'))}, {pts(d.get('hi'))}]"
