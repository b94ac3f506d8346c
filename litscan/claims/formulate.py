"""A preset's claims as OpenAlex filters: the live label filters, a claim's population and side
as one filter string, and the exact ``litscan`` command that would test a claim live.
"""

from __future__ import annotations

from litscan.claims.specs import Claim, LabelDef, Preset, Side
from litscan.tables.filters import and_filters

__all__ = [
    "openalex_filter",
]

# --------------------------------------------------------------------------------------------
# OpenAlex filters (live mode and "what would make it testable")
# --------------------------------------------------------------------------------------------

_LIVE_LABEL_FILTER = {
    "concept": "concepts.id:{v}",
    "subfield": "primary_topic.subfield.id:{v}",
    "field": "primary_topic.field.id:{v}",
    "topic": "primary_topic.id:{v}",
}


def label_filter(label: LabelDef) -> str | None:
    """The OpenAlex filter selecting a label, or None for labels OpenAlex does not have."""
    tpl = _LIVE_LABEL_FILTER.get(label.kind)
    return tpl.format(v=label.value) if tpl else None


def openalex_filter(preset: Preset, side: Side | None = None, *, year: int | None = None) -> str:
    """The OpenAlex ``filter=`` for the preset population (and a side's label and years)."""
    parts: list[str] = []
    if preset.live.filter:
        parts.append(preset.live.filter)
    years = preset.population.years
    if side is not None and side.years:
        years = side.years
    if year is not None:
        parts.append(f"publication_year:{year}")
    else:
        parts.append(f"publication_year:{years[0]}-{years[1]}")
    if preset.population.types:
        parts.append("type:" + "|".join(preset.population.types))
    scope = preset.population.ai_scope
    if scope is not None and label_filter(scope):
        parts.append(label_filter(scope))
    if side is not None and side.label:
        lf = label_filter(preset.labels[side.label])
        if lf:
            parts.append(lf)
    return and_filters(*parts)


def live_command(preset: Preset, claim: Claim) -> str:
    side = claim.a
    f = openalex_filter(preset, side)
    return (
        f'`litscan counts --filter "{f}" --group-by authorships.countries` (output level, '
        f'whole counting), or set source = "live" in {preset.path} and run '
        f"`OPENALEX_API_KEY=… litscan run {preset.path}`"
    )
