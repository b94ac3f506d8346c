"""The frozen specification of a claim preset: :class:`Preset`, :class:`Claim`, :class:`Side`,
:class:`LabelDef`, :class:`Population`, :class:`Counting`, :class:`HighlyCited`, :class:`Strata`,
:class:`LiveOptions`, and the vocabularies their fields take (sources, evidence kinds, countings,
operators, figures, strata). Pure data: :mod:`litscan.claims.presets` reads and validates TOML
into these types; :mod:`litscan.claims.preset_toml` writes them back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "SCHEMA_VERSION",
    "Preset",
    "Population",
    "Counting",
    "HighlyCited",
    "Side",
    "Claim",
    "LiveOptions",
    "LabelDef",
    "Strata",
]

SCHEMA_VERSION = 1
SOURCES = ("embedded", "cache", "live", "tables")
EVIDENCE = ("records", "counts")
COUNTINGS = ("whole", "fractional")
OPS = (">", "<")
FIGURES = ("shares_over_time", "highly_cited", "comparison", "before_after", "coauthorship")
#: the kinds of OpenAlex entity a live label may name
LIVE_KINDS = ("topic", "subfield", "field", "concept", "source")
WITHIN = ("year", "source", "venue_field")
#: label kinds: ``classifier:<label>`` (litscan's classifiers), ``venue_field:<CV|NLP|ML|RO|AI>``,
#: ``venue:<name>`` (embedded top-venue papers), ``concept:<C…>`` (OpenAlex legacy concept),
#: ``subfield:<17xx>``, ``field:<id>``, ``topic:<T…>`` (OpenAlex topics), ``work_labels:<name>``
#: (rows of a tables folder's work_labels/ with ``label == <name>`` and ``flag`` true).
LABEL_KINDS = (
    "classifier",
    "venue_field",
    "venue",
    "concept",
    "subfield",
    "field",
    "topic",
    "work_labels",
)
VENUE_FIELDS = ("CV", "NLP", "ML", "RO", "AI")
MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass(frozen=True)
class LabelDef:
    """A named label: ``kind`` (see :data:`LABEL_KINDS`) and ``value`` (e.g. ``surveillance``)."""

    name: str
    kind: str
    value: str

    @property
    def spec(self) -> str:
        return f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class Population:
    years: tuple[int, int]
    types: tuple[str, ...] = ()
    venues: tuple[str, ...] = ()
    ai_scope: LabelDef | None = None


@dataclass(frozen=True)
class Counting:
    primary: str = "fractional"
    report: tuple[str, ...] = ("whole", "fractional")


@dataclass(frozen=True)
class HighlyCited:
    top: float = 0.10
    within: tuple[str, ...] = ("year",)
    sensitivity: tuple[float, ...] = (0.01, 0.05, 0.25)


STRATA_BY = ("source", "year")


@dataclass(frozen=True)
class Strata:
    """``[strata]``: the stratum key of record-level comparisons (``by``, a subset of
    :data:`STRATA_BY`), the I² above which venue heterogeneity makes a verdict venue-dependent
    (unless the random-effects interval carries the same verdict) and the share of
    specifications that must agree with a verdict (see ``docs/aggregation.md``)."""

    by: tuple[str, ...] = STRATA_BY
    i2_threshold: float = 0.75
    agreement: float = 0.80


@dataclass(frozen=True)
class Side:
    """One share in a comparison: ``country``'s share of the works selected by the other keys;
    or a constant ``value``."""

    country: str | None = None
    label: str | None = None
    years: tuple[int, int] | None = None
    venues: tuple[str, ...] = ()
    top: bool = False
    value: float | None = None

    @property
    def is_constant(self) -> bool:
        return self.value is not None

    def describe(self, labels: Mapping[str, LabelDef], top: float) -> str:
        if self.value is not None:
            return f"{self.value:g}"
        parts = [f"{self.country} share of"]
        parts.append(f"top-{top * 100:g} % works" if self.top else "works")
        if self.label:
            parts.append(f"labelled {self.label}")
        if self.years:
            parts.append(f"{self.years[0]}–{self.years[1]}")
        if self.venues:
            parts.append("at " + ", ".join(self.venues))
        return " ".join(parts)


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    a: Side
    op: str
    b: Side
    evidence: str = "records"
    live_only: bool = False
    proxy_for: str | None = None
    per_year: bool = False
    note: str = ""
    #: smallest difference worth a verdict (share as a fraction: 0.01 = 1 point); None = the
    #: preset's ``min_effect``, else the default of the comparison kind (docs/aggregation.md)
    min_effect: float | None = None


@dataclass(frozen=True)
class LiveOptions:
    """``[live]``: how the preset is asked of OpenAlex (see docs/presets.md, "Live formulation").

    ``population`` (OpenAlex specs OR-ed, one kind) replaces ``population.ai_scope`` and
    ``population.venues`` live; ``labels`` gives a label's OpenAlex formulation (specs OR-ed, one
    kind: ``topic``, ``subfield``, ``field``, ``concept`` (legacy) or ``source``); ``venues``
    maps a venue name to OpenAlex source ids; ``differs`` says how live and offline differ."""

    filter: str = ""
    sample: int | None = None
    seed: int = 0
    max_works: int | None = None
    population: tuple[str, ...] = ()
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    venues: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    differs: str = ""


@dataclass(frozen=True)
class Preset:
    path: Path
    name: str
    claim: str
    title: str
    description: str
    source: str
    countries: tuple[str, ...]
    population: Population
    labels: Mapping[str, LabelDef]
    counting: Counting
    highly_cited: HighlyCited
    claims: tuple[Claim, ...]
    live: LiveOptions
    figures: tuple[str, ...]
    seed: int = 0
    resamples: int = 1000
    min_works: int = 30
    strata: Strata = field(default_factory=Strata)
    #: the preset-wide ``min_effect`` (fraction), None = the defaults per comparison kind
    min_effect: float | None = None
    sha256: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def label(self, name: str) -> LabelDef:
        return self.labels[name]

    def to_toml(self) -> str:
        """This preset as the text of a preset file, every setting written out:
        ``parse_preset(tomllib.loads(p.to_toml()), p.path)`` equals ``p`` (``sha256`` aside).
        Save it with ``Path("my.toml").write_text(p.to_toml())``."""
        from litscan.claims.preset_toml import preset_to_toml

        return preset_to_toml(self, schema_version=SCHEMA_VERSION)
