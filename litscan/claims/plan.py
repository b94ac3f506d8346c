"""Query planning for live runs: a preset's claims -> the OpenAlex queries that answer them (pure).

A live run asks OpenAlex only what a number needs:

* **full-population counts** — a claim side whose selection OpenAlex can express (topics,
  subfields, fields, legacy concepts, sources by id, the highly-cited sets as OpenAlex's own
  citation-percentile flags ``is_in_top_1_percent`` / ``is_in_top_10_percent``) is counted on the
  whole population with ``group_by=authorships.countries:include_unknown``, one query per side
  and year (whole counting: a work counts once for each country on it; the denominator is the
  number of works with at least one known country, ``meta.count`` minus the unknown group);
* **works** — only where a number needs work records (fractional counting, litscan's classifier
  labels, highly-cited thresholds other than 1 % and 10 %): the population's works in full when
  there are at most :data:`FULL_FETCH_LIMIT`, otherwise a seeded random sample, stratified by
  publication year with proportional allocation (so it needs no weights).

:func:`live_formulation` turns a preset into a :class:`LiveFormulation` (the OpenAlex filter of
every side, the route of every claim, what differs from the offline definition);
:func:`population_queries` and :func:`works_queries` list the queries; :class:`Plan` adds the
counts and costs a ``litscan run PRESET --plan`` prints. Nothing here does I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from litscan.claims.livefilters import EmptyFilter, combine_filters
from litscan.claims.specs import Claim, LabelDef, Preset, Side
from litscan.tables.filters import and_filters

__all__ = [
    "PRICE_PER_LIST_REQUEST_USD",
    "PRICE_SOURCE",
    "FULL_FETCH_LIMIT",
    "TAXONOMY_VERSION",
    "PERCENTILE_FLAGS",
    "Formulation",
    "Route",
    "Query",
    "LiveFormulation",
    "PlannedQuery",
    "Plan",
    "and_filters",
    "live_formulation",
    "population_queries",
    "works_queries",
    "allocate_sample",
]

#: OpenAlex's documented price of a list/filter request (group_by included): $0.10 per 1,000 calls
PRICE_PER_LIST_REQUEST_USD = 0.0001
PRICE_SOURCE = (
    "OpenAlex developer documentation, Authentication & Pricing (2026): list/filter $0.10 per "
    "1,000 calls; a free key has $1 a day"
)
#: works fetched in full up to this many (100 pages, $0.01); above it a seeded sample
FULL_FETCH_LIMIT = 10_000
#: OpenAlex's maximum sample size per query
MAX_SAMPLE = 10_000
TAXONOMY_VERSION = (
    "OpenAlex topic taxonomy: ids from the 2024-09 taxonomy shipped with litscan (4 domains, "
    "26 fields, 252 subfields, 4,516 topics; OpenAlex says the 2026-10 v2 topic model keeps the "
    "same topics); live counts use OpenAlex's topic assignment at query time"
)
#: the highly-cited thresholds OpenAlex flags on every work (field-, year- and type-normalised)
PERCENTILE_FLAGS: Mapping[float, str] = {
    0.01: "citation_normalized_percentile.is_in_top_1_percent:true",
    0.10: "citation_normalized_percentile.is_in_top_10_percent:true",
}
PERCENTILE_NOTE = (
    "highly cited = OpenAlex's own citation_normalized_percentile flag (top {pct} %; OpenAlex "
    "normalises citations by publication year, work type and subfield, as third-party "
    "descriptions state; litscan does not re-rank)"
)
#: label kind -> OpenAlex works filter key
FILTER_KEYS: Mapping[str, str] = {
    "topic": "primary_topic.id",
    "subfield": "primary_topic.subfield.id",
    "field": "primary_topic.field.id",
    "concept": "concepts.id",
    "source": "locations.source.id",
}
LEGACY_KINDS = frozenset({"concept"})


def _specs_filter(specs: Sequence[str]) -> tuple[str, str, tuple[str, ...]]:
    """(kind, filter, values) of specs of one kind, OR-ed: ``primary_topic.id:T1|T2``."""
    kind = specs[0].split(":", 1)[0]
    values = tuple(s.split(":", 1)[1] for s in specs)
    return kind, f"{FILTER_KEYS[kind]}:{'|'.join(values)}", values


# --------------------------------------------------------------------------------------------
# formulations and routes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Formulation:
    """One label's OpenAlex formulation: ``kind`` with OR-ed ``values`` as ``filter``."""

    name: str
    kind: str
    values: tuple[str, ...]
    filter: str
    offline: str  # the offline definition (label spec)
    legacy: bool = False

    @property
    def describe(self) -> str:
        leg = " (legacy OpenAlex concept)" if self.legacy else ""
        return f"{self.name}: {self.kind} {'|'.join(self.values)}{leg}"


@dataclass(frozen=True)
class Route:
    """How a claim is answered live.

    ``population``: its whole-counting numbers are OpenAlex full-population counts;
    ``sample``: some number needs work records (``why_sample`` says which);
    ``unavailable``: no live formulation (the reason; the claim is not testable live)."""

    claim_id: str
    population: bool = False
    sample: bool = False
    why_sample: str = ""
    unavailable: str = ""


@dataclass(frozen=True)
class Query:
    """One OpenAlex query of a live run.

    ``kind``: ``group_by`` (country counts, one request per 200 groups), ``years`` (works per
    publication year, one request), ``works`` (all works, cursor paging) or ``sample`` (a
    seeded sample, basic paging).
    ``key`` names the side a group_by answers (the label of its rows in the count table)."""

    kind: str
    filter: str
    purpose: str
    claims: tuple[str, ...] = ()
    key: str = ""
    year: int | None = None
    group_by: str | None = None
    sample: int | None = None
    seed: int | None = None


@dataclass(frozen=True)
class LiveFormulation:
    """A preset as OpenAlex queries: the population filter, label formulations, claim routes."""

    preset: Preset
    population: str  # filter without years
    population_note: str
    labels: Mapping[str, Formulation]
    routes: Mapping[str, Route]
    side_keys: Mapping[tuple[str, str], str]  # (claim id, "a"/"b") -> count-table key
    side_filters: Mapping[str, str]  # count-table key -> filter without years
    differences: tuple[str, ...] = ()
    unavailable_population: str = ""

    @property
    def years(self) -> tuple[int, int]:
        return self.preset.population.years

    def needs_sample(self) -> bool:
        return any(r.sample and not r.unavailable for r in self.routes.values())

    def sample_filter(self) -> str:
        y0, y1 = self.years
        return and_filters(self.population, f"publication_year:{y0}-{y1}")


def _label_formulation(preset: Preset, name: str, lab: LabelDef) -> Formulation | None:
    specs = preset.live.labels.get(name)
    if specs is None and lab.kind in FILTER_KEYS:
        specs = (lab.spec,)
    if not specs:
        return None
    kind, flt, values = _specs_filter(specs)
    return Formulation(name, kind, values, flt, lab.spec, legacy=kind in LEGACY_KINDS)


def _population(preset: Preset) -> tuple[str, str, str]:
    """(filter, note, reason it is unavailable) of the live population, without years; the
    constraints on one key merged (:func:`~litscan.claims.livefilters.combine_filters`)."""
    flt, note, missing = _population_parts(preset)
    try:
        return combine_filters(flt), note, missing
    except EmptyFilter as exc:
        return flt, note, missing or f"the live population is empty: {exc}"


def _population_parts(preset: Preset) -> tuple[str, str, str]:
    pop = preset.population
    parts = [preset.live.filter] if preset.live.filter else []
    if pop.types:
        parts.append("type:" + "|".join(pop.types))
    notes = []
    if preset.live.population:
        kind, flt, values = _specs_filter(preset.live.population)
        parts.append(flt)
        notes.append(f"population: OpenAlex {kind} {'|'.join(values)}")
        if kind in LEGACY_KINDS:
            notes.append("the population uses a legacy OpenAlex concept")
        return and_filters(*parts), "; ".join(notes), ""
    if pop.venues:
        missing = [v for v in pop.venues if v not in preset.live.venues]
        if missing:
            return (
                and_filters(*parts),
                "",
                f"no OpenAlex source ids for the population venues {', '.join(missing)} "
                "(add them under [live.venues] or give [live] population)",
            )
        ids = [s.split(":", 1)[1] for v in pop.venues for s in preset.live.venues[v]]
        parts.append(f"{FILTER_KEYS['source']}:{'|'.join(dict.fromkeys(ids))}")
        notes.append(f"population venues as OpenAlex sources {', '.join(pop.venues)}")
    scope = pop.ai_scope
    if scope is not None:
        f = _label_formulation(preset, scope.name, scope)
        if f is None:
            return (
                and_filters(*parts),
                "",
                (f"the AI scope {scope.spec} has no OpenAlex formulation (add [live] population)"),
            )
        parts.append(f.filter)
        notes.append(
            f"AI scope: OpenAlex {f.kind} {'|'.join(f.values)}"
            + (" (legacy concept)" if f.legacy else "")
        )
    return and_filters(*parts), "; ".join(notes), ""


def _side_key(side: Side, top: float | None) -> str:
    """The count-table key of a side, e.g. ``[surveillance · top 10 %]`` (brackets keep the keys
    apart from label names)."""
    parts = [side.label or "all works"]
    if side.venues:
        parts.append("at " + "+".join(side.venues))
    if side.top and top is not None:
        parts.append(f"top {top * 100:g} %")
    return "[" + " · ".join(parts) + "]"


def _side_live(
    preset: Preset, side: Side, labels: Mapping[str, Formulation]
) -> tuple[str | None, str, str]:
    """(filter without years or None, why it needs works, why it is unavailable) of a side."""
    parts = []
    need = ""
    if side.label:
        lab = preset.labels[side.label]
        f = labels.get(side.label)
        if f is not None:
            parts.append(f.filter)
        elif lab.kind == "classifier":
            need = f"label {side.label} is litscan's classifier ({lab.spec})"
        else:
            return (
                None,
                "",
                (
                    f"label {side.label} ({lab.spec}) has no OpenAlex formulation "
                    f"(add it under [live.labels])"
                ),
            )
    if side.venues:
        missing = [v for v in side.venues if v not in preset.live.venues]
        if missing:
            return (
                None,
                "",
                (
                    f"no verified OpenAlex source ids for {', '.join(missing)} (add them under "
                    "[live.venues])"
                ),
            )
        ids = [s.split(":", 1)[1] for v in side.venues for s in preset.live.venues[v]]
        parts.append(f"{FILTER_KEYS['source']}:{'|'.join(dict.fromkeys(ids))}")
    if side.top:
        top = preset.highly_cited.top
        if top in PERCENTILE_FLAGS:
            parts.append(PERCENTILE_FLAGS[top])
        else:
            need = need or f"highly cited at {top * 100:g} % (OpenAlex flags only 1 % and 10 %)"
    if need:
        return None, need, ""
    try:
        return combine_filters(*parts), "", ""
    except EmptyFilter as exc:
        return None, "", f"the side's OpenAlex filters exclude each other: {exc}"


def live_formulation(preset: Preset) -> LiveFormulation:
    """The OpenAlex formulation of every claim of ``preset`` (see the module doc)."""
    labels = {}
    for name, lab in preset.labels.items():
        f = _label_formulation(preset, name, lab)
        if f is not None:
            labels[name] = f
    pop_filter, pop_note, pop_missing = _population(preset)
    routes: dict[str, Route] = {}
    side_keys: dict[tuple[str, str], str] = {}
    side_filters: dict[str, str] = {}
    top = preset.highly_cited.top
    fractional = "fractional" in preset.counting.report
    types = "type:" + "|".join(preset.population.types) if preset.population.types else ""
    base = and_filters(preset.live.filter, types)
    for c in preset.claims:
        if c.evidence == "counts":
            # output-level claims: group_by on the label (no population venues or types)
            for which, side in (("a", c.a), ("b", c.b)):
                if side.is_constant:
                    continue
                lab = preset.labels[side.label] if side.label else preset.population.ai_scope
                f = labels.get(side.label) if side.label else None
                if f is None and lab is not None:
                    f = _label_formulation(preset, lab.name, lab)
                if f is None:
                    routes[c.id] = Route(
                        c.id,
                        unavailable=f"label {lab.spec if lab else '-'} has no OpenAlex formulation",
                    )
                    break
                key = f"[{f.name} · output]"
                try:
                    side_filters[key] = combine_filters(base, f.filter)
                except EmptyFilter as exc:
                    routes[c.id] = Route(c.id, unavailable=f"side {which}: {exc}")
                    break
                side_keys[(c.id, which)] = key
            else:
                routes[c.id] = Route(c.id, population=True)
            continue
        if pop_missing:
            routes[c.id] = Route(c.id, unavailable=pop_missing)
            continue
        needs, missing = [], ""
        filters: dict[str, tuple[str, str | None]] = {}
        for which, side in (("a", c.a), ("b", c.b)):
            if side.is_constant:
                continue
            flt, need, miss = _side_live(preset, side, labels)
            if miss:
                missing = miss
                break
            if need:
                needs.append(need)
            filters[which] = (_side_key(side, top), flt)
        if missing:
            routes[c.id] = Route(c.id, unavailable=missing)
            continue
        population = not needs
        if population:
            try:  # the population's and the side's constraints merged per key
                combined = {w: combine_filters(pop_filter, flt) for w, (_, flt) in filters.items()}
            except EmptyFilter as exc:
                routes[c.id] = Route(c.id, unavailable=f"population and side: {exc}")
                continue
            for which, (key, _) in filters.items():
                side_keys[(c.id, which)] = key
                side_filters[key] = combined[which]
        if fractional:
            needs.append("fractional counting needs the authorships of each work")
        routes[c.id] = Route(
            c.id,
            population=population,
            sample=bool(needs),
            why_sample="; ".join(dict.fromkeys(needs)),
        )
    diffs = []
    for name, f in labels.items():
        if f.offline != f"{f.kind}:{'|'.join(f.values)}":
            diffs.append(
                f"label {name}: offline {f.offline}, live OpenAlex {f.kind} {'|'.join(f.values)}"
            )
        if f.legacy:
            diffs.append(
                f"label {name} uses a legacy OpenAlex concept ({'|'.join(f.values)}); "
                "topics are OpenAlex's current classification"
            )
    if pop_note and not pop_missing:
        diffs.append(pop_note)
    if preset.live.differs:
        diffs.append(preset.live.differs)
    if top in PERCENTILE_FLAGS and any(s.top for c in preset.claims for s in (c.a, c.b)):
        diffs.append(
            PERCENTILE_NOTE.format(pct=f"{top * 100:g}")
            + "; offline: top by citations ranked within "
            + " × ".join(preset.highly_cited.within)
        )
    return LiveFormulation(
        preset=preset,
        population=pop_filter,
        population_note=pop_note,
        labels=labels,
        routes=routes,
        side_keys=side_keys,
        side_filters=side_filters,
        differences=tuple(diffs),
        unavailable_population=pop_missing,
    )


# --------------------------------------------------------------------------------------------
# queries
# --------------------------------------------------------------------------------------------


def _claim_years(preset: Preset, claim: Claim) -> tuple[int, int]:
    ys = [s.years for s in (claim.a, claim.b) if s.years] or [preset.population.years]
    return min(y[0] for y in ys), max(y[1] for y in ys)


def population_queries(lf: LiveFormulation) -> list[Query]:
    """One ``group_by=authorships.countries`` query per count-table key and year."""
    p = lf.preset
    years: dict[str, set[int]] = {}
    claims_of: dict[str, list[str]] = {}
    for c in p.claims:
        if not lf.routes[c.id].population:
            continue
        y0, y1 = _claim_years(p, c)
        for which in ("a", "b"):
            key = lf.side_keys.get((c.id, which))
            if key is None:
                continue
            years.setdefault(key, set()).update(range(y0, y1 + 1))
            claims_of.setdefault(key, [])
            if c.id not in claims_of[key]:
                claims_of[key].append(c.id)
    out = []
    for key in years:
        for y in sorted(years[key]):
            out.append(
                Query(
                    kind="group_by",
                    filter=and_filters(lf.side_filters[key], f"publication_year:{y}"),
                    purpose=f"country counts of {key}, {y} (full population)",
                    claims=tuple(claims_of[key]),
                    key=key,
                    year=y,
                    group_by="authorships.countries",
                )
            )
    return out


def allocate_sample(counts: Mapping[int, int], n: int) -> dict[int, int]:
    """Proportional allocation of ``n`` sampled works over years (largest remainders).

    Each year gets at most its count and at most :data:`MAX_SAMPLE`; the shares of the years in
    the sample equal their shares in the population up to rounding, so estimates need no
    weights."""
    total = sum(counts.values())
    if total <= 0 or n <= 0:
        return {y: 0 for y in counts}
    n = min(n, total)
    raw = {y: n * c / total for y, c in counts.items()}
    out = {y: min(int(math.floor(r)), counts[y], MAX_SAMPLE) for y, r in raw.items()}
    left = n - sum(out.values())
    for y in sorted(raw, key=lambda y: (-(raw[y] - math.floor(raw[y])), y)):
        if left <= 0:
            break
        if out[y] < min(counts[y], MAX_SAMPLE):
            out[y] += 1
            left -= 1
    return out


def works_queries(lf: LiveFormulation, year_counts: Mapping[int, int] | None) -> list[Query]:
    """The work fetches of a live run: nothing when no claim needs works; else one
    ``group_by=publication_year`` count (``year_counts is None``: that query), then one cursor
    fetch of all works
    (at most :data:`FULL_FETCH_LIMIT` or ``[live] max_works``) or a seeded sample per year."""
    if not lf.needs_sample():
        return []
    p = lf.preset
    y0, y1 = lf.years
    claims = tuple(c for c, r in lf.routes.items() if r.sample and not r.unavailable)
    if year_counts is None:
        return [
            Query(
                kind="years",
                filter=lf.sample_filter(),
                group_by="publication_year",
                purpose=f"works of the population per year {y0}-{y1} (decides full fetch or "
                "sample and its allocation)",
                claims=claims,
            )
        ]
    total = sum(year_counts.values())
    limit = p.live.max_works or FULL_FETCH_LIMIT
    n = min(p.live.sample or MAX_SAMPLE, limit)
    if total <= n:  # the whole population costs no more than the sample: fetch it all
        return [
            Query(
                kind="works",
                filter=lf.sample_filter(),
                purpose=f"all {total:,} works of the population",
                claims=claims,
            )
        ]
    alloc = allocate_sample(year_counts, n)
    seed = p.live.seed
    return [
        Query(
            kind="sample",
            filter=and_filters(lf.population, f"publication_year:{y}"),
            purpose=f"seeded sample of {k:,} of {year_counts[y]:,} works, {y}",
            claims=claims,
            year=y,
            sample=k,
            seed=seed,
        )
        for y, k in sorted(alloc.items())
        if k > 0
    ]


# --------------------------------------------------------------------------------------------
# the plan a user sees
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedQuery:
    query: Query
    url: str  # without the key
    count: int | None  # works matching the query's filter (None: not probed)
    requests: int
    cost_usd: float


@dataclass(frozen=True)
class Plan:
    """Every query a live run of ``preset`` makes, with counts and the estimated cost."""

    preset: str
    queries: tuple[PlannedQuery, ...]
    routes: Mapping[str, Route]
    differences: tuple[str, ...] = ()
    probe_requests: int = 0  # requests the plan itself made
    price_per_request: float = PRICE_PER_LIST_REQUEST_USD
    price_source: str = PRICE_SOURCE
    rate_limit: Mapping[str, Any] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(q.requests for q in self.queries)

    @property
    def cost_usd(self) -> float:
        return sum(q.cost_usd for q in self.queries)

    def as_dict(self) -> dict[str, Any]:
        return {
            "preset": self.preset,
            "requests": self.requests,
            "cost_usd": round(self.cost_usd, 6),
            "probe_requests": self.probe_requests,
            "price_per_request_usd": self.price_per_request,
            "price_source": self.price_source,
            "queries": [
                {
                    "kind": q.query.kind,
                    "purpose": q.query.purpose,
                    "claims": list(q.query.claims),
                    "url": q.url,
                    "count": q.count,
                    "requests": q.requests,
                    "cost_usd": round(q.cost_usd, 6),
                }
                for q in self.queries
            ],
            "routes": {
                k: {
                    "full_population_counts": r.population,
                    "works_needed": r.sample,
                    "why_works": r.why_sample,
                    "not_testable_live": r.unavailable,
                }
                for k, r in self.routes.items()
            },
            "differences_from_offline": list(self.differences),
            "rate_limit": dict(self.rate_limit),
        }

    def format(self) -> str:
        """The text ``litscan run PRESET --plan`` prints."""
        lines = [
            f"plan for {self.preset}: {len(self.queries)} queries, {self.requests:,} "
            f"requests, estimated ${self.cost_usd:.4f}"
        ]
        for cid, r in self.routes.items():
            if r.unavailable:
                how = f"not testable live: {r.unavailable}"
            else:
                how = ", ".join(
                    x
                    for x in (
                        "full-population counts" if r.population else "",
                        f"works ({r.why_sample})" if r.sample else "",
                    )
                    if x
                )
            lines.append(f"  claim {cid}: {how}")
        lines.append(f"  {'kind':<9} {'count':>12} {'requests':>9} {'cost $':>9}  query")
        for q in self.queries:
            cnt = f"{q.count:,}" if q.count is not None else "?"
            lines.append(
                f"  {q.query.kind:<9} {cnt:>12} {q.requests:>9,} {q.cost_usd:>9.4f}  {q.url}"
            )
        lines.append(
            f"  total: {self.requests:,} requests, ${self.cost_usd:.4f} at "
            f"${self.price_per_request * 1000:.2f} per 1,000 list requests "
            f"({self.price_source})"
        )
        lines.append(
            f"  this plan made {self.probe_requests:,} count probes (per_page=1, "
            f"${self.probe_requests * self.price_per_request:.4f}) and fetched nothing else"
        )
        if self.rate_limit:
            rl = ", ".join(f"{k}: {v}" for k, v in self.rate_limit.items())
            lines.append(f"  rate limit headers: {rl}")
        for d in self.differences:
            lines.append(f"  live vs offline: {d}")
        return "\n".join(lines)
