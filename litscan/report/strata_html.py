"""Two tables of a claim's robustness block: its strata (venues, or years for count claims) with
the numbers the venue rule reads, and its label specifications (the claim under each audited
label model).

Pure string building over a :class:`~litscan.claims.results.ClaimResult`; :mod:`litscan.report.html`
places them in the report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litscan.report.fmt import esc as _e
from litscan.report.fmt import interval_text, pct

__all__ = ["strata_table", "label_specs_table"]


def _decisive(s: Mapping[str, Any]) -> str:
    if s.get("degenerate"):
        return "no (degenerate interval)"
    if s.get("decisive"):
        return "yes"
    return "no" if s.get("decisive") is not None else "–"


def strata_table(strata: Sequence[Mapping[str, Any]], unit: str | None) -> str:
    """The per-venue (or per-year) table: A − B with its interval, works per side, weight in the
    standardised estimate, the stratum's own verdict, and whether it is decisive for the venue
    rule and enters the heterogeneity check."""
    if not strata:
        return ""
    word = "year" if unit == "year" else "venue"
    rows = "".join(
        f"<tr><td>{_e(s['stratum'])}</td><td class='num'>{interval_text(s)}</td>"
        f"<td class='num'>{s['n_a']:,}</td><td class='num'>{s['n_b']:,}</td>"
        f"<td class='num'>{pct(s.get('weight'))}</td>"
        f"<td>{_e(s.get('verdict') or '–')}</td><td>{_decisive(s)}</td>"
        f"<td>{'yes' if s.get('eligible') else 'no (too few works)'}</td></tr>"
        for s in strata
    )
    return (
        f"<details><summary>Per {word}</summary><table><tr><th>{word}</th><th>A − B [95 %]</th>"
        "<th>works, side A</th><th>works, side B</th><th>weight in the standardised estimate</th>"
        f"<th>this {word}'s verdict</th><th>decisive for the {word} rule?</th>"
        "<th>enters the heterogeneity check (I²)?</th></tr>"
        f"{rows}</table></details>"
    )


def label_specs_table(specs: Sequence[Mapping[str, Any]]) -> str:
    """The claim under each task-label specification, the shipped one first; a specification
    whose verdict differs from the shipped one's is marked."""
    if len(specs) < 2:
        return ""
    rows = "".join(
        f"<tr><td>{_e(s.get('description') or s.get('spec'))}"
        f"{' (shipped)' if s.get('shipped') else ''}</td><td class='num'>{interval_text(s)}</td>"
        f"<td>{_e(s.get('verdict') or '–')}{' <b>flips</b>' if s.get('flips') else ''}</td></tr>"
        for s in specs
    )
    return (
        "<details><summary>Label specifications (the claim under each audited label model)"
        "</summary><table><tr><th>label specification</th><th>A − B [95 %]</th>"
        f"<th>verdict</th></tr>{rows}</table></details>"
    )
