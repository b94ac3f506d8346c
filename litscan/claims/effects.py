"""The smallest difference worth a verdict (``min_effect``) of a claim (pure).

A claim's ``min_effect`` is, in this order: its own ``min_effect`` key, the preset's top-level
``min_effect``, or the default of its comparison kind (:data:`litscan.stats.verdicts.MIN_EFFECT`;
rationale in ``docs/aggregation.md``, "Differences that matter"). Values are share fractions
(0.01 = 1 point); presets write percentage points.
"""

from __future__ import annotations

from litscan.claims.specs import Claim, Preset
from litscan.stats.verdicts import MIN_EFFECT

__all__ = ["comparison_kind", "min_effect"]

_KIND_TEXT = {
    "countries": "two countries' shares",
    "selections": "one country's share of two selections",
    "periods": "one country's share in two periods",
    "constant": "a share against a constant",
}


def comparison_kind(claim: Claim) -> str:
    """``constant`` (B is a value), ``countries`` (A and B are different countries),
    ``periods`` (one country, the same selection, different years) or ``selections``."""
    a, b = claim.a, claim.b
    if b.is_constant:
        return "constant"
    if a.country != b.country:
        return "countries"
    same_selection = (a.label, a.venues, a.top) == (b.label, b.venues, b.top)
    if same_selection and a.years != b.years:
        return "periods"
    return "selections"


def min_effect(preset: Preset, claim: Claim) -> tuple[float, str]:
    """(min_effect as a fraction, where it comes from, in words)."""
    if claim.min_effect is not None:
        return claim.min_effect, f"set for this claim ({claim.min_effect * 100:g} points)"
    if preset.min_effect is not None:
        return preset.min_effect, f"set for the preset ({preset.min_effect * 100:g} points)"
    kind = comparison_kind(claim)
    value = MIN_EFFECT[kind]
    return value, f"default for {_KIND_TEXT[kind]} ({value * 100:g} points)"
