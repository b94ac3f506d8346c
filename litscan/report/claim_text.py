"""What a claim rests on, in words: its flags beside the verdict and one coverage sentence.

A claim result carries ``flags`` (e.g. ``("narrow",)``) and a ``coverage`` mapping
(:func:`litscan.claims.coverage.claim_coverage`: venues and years requested and entered, works
per side). The report shows each flag as a small outlined mark beside the verdict badge, defines
it next to the verdict words, and prints "Rests on …" under a claim when fewer venues or years
entered the comparison than the preset requested. Pure string functions; the HTML ones escape
everything they are given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litscan.report.fmt import esc as _e

__all__ = [
    "FLAG_DEFINITIONS",
    "flag_definition",
    "flags_html",
    "flag_definitions_html",
    "coverage_sentence",
    "flag_clause",
    "rests_on_html",
    "without_narrowing",
]

#: what each flag beside a verdict means (one sentence, no final stop)
FLAG_DEFINITIONS = {
    "narrow": "rests on a single venue where several were requested",
}
_FLAG_CSS = (
    "display:inline-block;margin-left:.3em;padding:0 .35em;border:1.5px solid #222;"
    "border-radius:3px;font-size:.85em;font-weight:bold;color:#222;background:#fff"
)
_SHOW = 8  # venues named in a sentence before "and N more"


def flag_definition(flag: str) -> str:
    """What ``flag`` means (a fallback for a flag litscan does not know yet)."""
    return FLAG_DEFINITIONS.get(flag, f"“{flag}”: a caveat on the verdict, said under the claim")


def flags_html(flags: Sequence[str]) -> str:
    """The flags of a claim as marks to put beside its verdict badge (``""`` without flags);
    each mark carries its definition as a tooltip and reads without colour."""
    return "".join(
        f' <span class="flag" style="{_FLAG_CSS}" title="{_e(flag_definition(f))}">{_e(f)}</span>'
        for f in flags
    )


def flag_definitions_html(flags: Sequence[str] = ()) -> str:
    """``<li>`` items defining every known flag and any in ``flags``, for the verdict-word list."""
    words = list(FLAG_DEFINITIONS) + [f for f in dict.fromkeys(flags) if f not in FLAG_DEFINITIONS]
    return "".join(
        f"<li>{flags_html([f]).strip()} a flag beside a verdict: {_e(flag_definition(f))}.</li>"
        for f in words
    )


def _listing(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= _SHOW:
        return ", ".join(names)
    return f"{', '.join(names[:_SHOW])} and {len(names) - _SHOW} more"


def _span(years: Sequence[int]) -> str:
    """``2015–2023``, or ``2015, 2017–2019`` when years are missing in between."""
    ys = sorted(set(years))
    if not ys:
        return "none"
    runs: list[list[int]] = [[ys[0]]]
    for y in ys[1:]:
        if y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _requested_years(cov: Mapping[str, Any]) -> list[int]:
    out: set[int] = set()
    for pair in cov.get("years_requested") or []:
        if isinstance(pair, Sequence) and len(pair) == 2:
            out.update(range(int(pair[0]), int(pair[1]) + 1))
    return sorted(out)


def _venue_part(cov: Mapping[str, Any]) -> str:
    considered = list(cov.get("venues_considered") or [])
    entered = [v for v in cov.get("venues_entered") or [] if v in considered]
    one_side = list(cov.get("venues_one_side") or [])
    missing = list(cov.get("venues_missing") or [])
    if len(considered) <= 1 or (len(entered) >= len(considered) and not missing):
        return ""
    of = "requested" if cov.get("venues_requested") != "all" else "with works on either side"
    head = (
        f"{len(entered)} of the {len(considered)} venues {of}: {_listing(entered)}"
        if entered
        else f"none of the {len(considered)} venues {of}"
    )
    dropped = []
    if one_side:
        dropped.append(f"{_listing(one_side)} (works on one side only)")
    if missing:
        dropped.append(f"{_listing(missing)} (no works on either side)")
    return head + (f"; dropped {' and '.join(dropped)}" if dropped else "")


def _year_part(cov: Mapping[str, Any]) -> str:
    requested = _requested_years(cov)
    entered = [y for y in cov.get("years_entered") or [] if y in requested]
    if not requested or len(entered) >= len(requested):
        return ""
    return f"years {_span(entered)} of the {_span(requested)} requested"


def coverage_sentence(cov: Mapping[str, Any] | None) -> str:
    """ "Rests on 1 of the 3 venues requested: NAACL; dropped ACL (works on one side only) and
    COLING (no works on either side); works: 812 on side A, 1,191 on side B" — or ``""`` when
    every requested venue and year entered (or the claim has no coverage, e.g. a count claim)."""
    if not cov:
        return ""
    parts = [p for p in (_venue_part(cov), _year_part(cov)) if p]
    if not parts:
        return ""
    works = cov.get("works") or {}
    if works.get("a") is not None:
        counts = f"{works['a']:,} on side A" + (
            f", {works['b']:,} on side B" if works.get("b") is not None else ""
        )
        parts.append(f"works: {counts}")
    return "Rests on " + "; ".join(parts)


def without_narrowing(reason: str, cov: Mapping[str, Any] | None) -> str:
    """``reason`` without the "rests on …" text it starts with when the coverage sentence
    already says it (the JSON keeps the full reason)."""
    text = (cov or {}).get("narrowing")
    if text and reason.startswith(text):
        return reason[len(text) :].lstrip(". ")
    return reason


def flag_clause(flags: Sequence[str]) -> str:
    """``"; narrow = rests on a single venue …"`` for a claim's verdict line (escaped)."""
    return "".join(f"; {_e(f)} = {_e(flag_definition(f))}" for f in flags)


def rests_on_html(cov: Mapping[str, Any] | None) -> str:
    """The coverage sentence as a paragraph under a claim, or ``""`` (see
    :func:`coverage_sentence`)."""
    text = coverage_sentence(cov)
    return f"<p class='coverage'>{_e(text)}.</p>" if text else ""
