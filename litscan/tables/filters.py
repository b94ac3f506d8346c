"""OpenAlex filter syntax, parsed and rendered in one place.

The syntax (``key:value,key2:a|b``; ``|`` is OR within a key, ``,`` is AND between keys; a comma
inside double quotes does not split; ``!`` negates, ``>``/``<`` bound) is the API's ``filter=``
parameter. Three parts of litscan read it:

* the API client (:mod:`litscan.openalex`) passes any key through to OpenAlex:
  :func:`parse_filter` turns the text into a dict (a key given twice becomes a list, read by
  OpenAlex as AND) and :func:`render_filter` turns a dict back into text;
* the snapshot ingest keeps the keys it can evaluate offline as a :class:`WorkFilter`
  (:meth:`WorkFilter.parse`, built on :func:`parse_filter`), applied to the normalised tables;
* the claims' query planning renders filters with :func:`render_filter` / :func:`and_filters`.

Pure functions, no I/O; the only import is polars (for :meth:`WorkFilter.works_expr`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from litscan.errors import UsageError

__all__ = [
    "split_filter",
    "parse_filter",
    "render_filter",
    "and_filters",
    "WorkFilter",
    "year_range",
    "values_of",
]

_HINT = 'e.g. --filter "authorships.countries:CN,publication_year:2020-2023"'


def split_filter(text: str) -> list[str]:
    """``"a:1,b:"x, y""`` -> ``['a:1', 'b:"x, y"']``: split on commas outside double quotes."""
    parts: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return [p.strip() for p in parts if p.strip()]


def parse_filter(filters: str | Mapping[str, Any] | None) -> dict[str, Any]:
    """Turn ``"key:value,key2:a|b"`` (OpenAlex filter syntax) or a mapping into a filter dict.

    A key given twice becomes a list, which OpenAlex reads as AND (``key:a+b``). Commas inside
    double quotes (``title.search:"a, b"``) do not split.
    """
    if filters is None:
        return {}
    if isinstance(filters, Mapping):
        return dict(filters)
    if not isinstance(filters, str):
        raise UsageError(f"filter: expected a string or a dict, got {type(filters).__name__}")
    out: dict[str, Any] = {}
    for part in split_filter(filters):
        key, sep, value = part.partition(":")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(
                f"filter {filters!r}: expected comma-separated key:value pairs, got {part!r}",
                hint=_HINT,
            )
        key, value = key.strip(), value.strip()
        if key in out:
            prev = out[key]
            out[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            out[key] = value
    return out


def render_filter(filters: Mapping[str, Any]) -> str:
    """A filter dict -> OpenAlex text; list values (AND) repeat the key, sets/tuples are OR."""
    parts: list[str] = []
    for key, value in filters.items():
        if isinstance(value, list):
            parts.extend(f"{key}:{_value(v)}" for v in value)
        else:
            parts.append(f"{key}:{_value(value)}")
    return ",".join(parts)


def _value(v: Any) -> str:
    if isinstance(v, (set, frozenset, tuple)):
        return "|".join(str(x) for x in sorted(v, key=str))
    if isinstance(v, bool):
        return str(v).lower()
    return str(v)


def and_filters(*filters: str | None) -> str:
    """Join filter texts with AND (``,``), skipping empty ones."""
    return ",".join(f.strip().strip(",") for f in filters if f and f.strip().strip(","))


def year_range(value: str) -> tuple[int | None, int | None]:
    """``2020`` / ``2015-2024`` / ``2015-`` / ``-2024`` / ``>2014`` / ``<2025`` -> (from, to)."""
    v = value.strip()
    try:
        if v.startswith(">"):
            return int(v[1:]) + 1, None
        if v.startswith("<"):
            return None, int(v[1:]) - 1
        if "-" in v:
            a, _, b = v.partition("-")
            return (int(a) if a.strip() else None), (int(b) if b.strip() else None)
        return int(v), int(v)
    except ValueError:
        raise UsageError(
            f"--filter: publication_year:{value} is not a year or range",
            hint="use 2020, 2015-2024, 2015-, -2024, >2014 or <2025",
        ) from None


_ID_KEYS = {
    "primary_topic.subfield.id": "subfields",
    "primary_topic.field.id": "fields",
    "primary_topic.domain.id": "domains",
    "primary_topic.id": "topics",
}
_NAMES = {
    "subfields": "primary_topic.subfield.id",
    "fields": "primary_topic.field.id",
    "domains": "primary_topic.domain.id",
    "topics": "primary_topic.id",
    "countries": "authorships.countries",
    "institution_countries": "authorships.institutions.country_code",
    "types": "type",
    "languages": "language",
}
#: work-table column of each work-level condition
_WORK_COLUMNS = {
    "subfields": "subfield_id",
    "fields": "field_id",
    "domains": "domain_id",
    "topics": "primary_topic_id",
    "types": "type",
    "languages": "language",
}


@dataclass(frozen=True)
class WorkFilter:
    """Which works to keep offline; every set condition must hold (AND), values within one are OR.

    ``countries`` matches any author's ``authorships[].countries`` (litscan's default country
    source); ``institution_countries`` any ``authorships[].institutions[].country_code``. It is
    evaluated on the normalised tables (``works`` and ``authorships``), so ids are short
    (``1702``, ``T10028``) and country codes upper case, as there.
    """

    year_from: int | None = None
    year_to: int | None = None
    subfields: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    institution_countries: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()

    SYNTAX = (
        "comma-separated key:value, '|' for OR, e.g. 'publication_year:2015-2024,"
        "primary_topic.subfield.id:1702|1707,authorships.countries:CN|US,type:article'; keys: "
        "publication_year (N, N-M, N-, -M, >N, <N), primary_topic.subfield.id, "
        "primary_topic.field.id, primary_topic.domain.id, primary_topic.id, authorships.countries, "
        "authorships.institutions.country_code (alias institutions.country_code), type, language"
    )

    @classmethod
    def parse(cls, text: str | None) -> WorkFilter:
        """Parse OpenAlex-style filter syntax (:attr:`SYNTAX`); only offline-evaluable keys."""
        if not text or not text.strip():
            return cls()
        kw: dict[str, Any] = {}
        for part in split_filter(text):
            key, sep, value = part.partition(":")
            key, value = key.strip(), value.strip()
            if not sep or not key or not value:
                raise UsageError(f"--filter: expected key:value, got {part!r}", hint=cls.SYNTAX)
            values = frozenset(v.strip() for v in value.split("|") if v.strip())
            if key == "publication_year":
                kw["year_from"], kw["year_to"] = year_range(value)
            elif key in _ID_KEYS:
                kw[_ID_KEYS[key]] = frozenset(v.rstrip("/").rsplit("/", 1)[-1] for v in values)
            elif key == "authorships.countries":
                kw["countries"] = frozenset(v.upper() for v in values)
            elif key in ("authorships.institutions.country_code", "institutions.country_code"):
                kw["institution_countries"] = frozenset(v.upper() for v in values)
            elif key == "type":
                kw["types"] = values
            elif key == "language":
                kw["languages"] = values
            else:
                raise UsageError(f"--filter: unsupported key {key!r}", hint=cls.SYNTAX)
        return cls(**kw)

    def and_(self, other: WorkFilter) -> WorkFilter:
        """Both filters at once (a condition set in ``other`` replaces the same one here)."""
        kw = {k: v for k, v in other.__dict__.items() if v}
        return WorkFilter(**{**self.__dict__, **kw})

    def is_empty(self) -> bool:
        return not any(self.__dict__.values())

    def to_dict(self) -> dict[str, str]:
        """The filter as an OpenAlex filter dict (canonical: sorted values)."""
        out: dict[str, str] = {}
        if self.year_from is not None or self.year_to is not None:
            a = "" if self.year_from is None else str(self.year_from)
            b = "" if self.year_to is None else str(self.year_to)
            out["publication_year"] = f"{a}-{b}"
        for attr, key in _NAMES.items():
            values = getattr(self, attr)
            if values:
                out[key] = "|".join(sorted(values))
        return out

    def describe(self) -> str:
        """Canonical OpenAlex-style text (stable: used to check a resume uses the same filter)."""
        return render_filter(self.to_dict())

    def works_expr(self) -> pl.Expr | None:
        """The work-level conditions over the ``works`` table (None when there are none)."""
        conds: list[pl.Expr] = []
        if self.year_from is not None:
            conds.append(pl.col("year") >= self.year_from)
        if self.year_to is not None:
            conds.append(pl.col("year") <= self.year_to)
        for attr, col in _WORK_COLUMNS.items():
            values = getattr(self, attr)
            if values:
                conds.append(pl.col(col).is_in(sorted(values)))
        return pl.all_horizontal(conds).fill_null(False) if conds else None

    def keep_ids(self, works: pl.DataFrame, authorships: pl.DataFrame) -> pl.Series:
        """Ids of the works (normalised tables) that pass the filter, in ``works`` order."""
        expr = self.works_expr()
        w = works if expr is None else works.filter(expr)
        for values, col in (
            (self.countries, "countries"),
            (self.institution_countries, "institution_countries"),
        ):
            if values:
                hit = (
                    authorships.select("work_id", col)
                    .explode(col, keep_nulls=False)
                    .filter(pl.col(col).is_in(sorted(values)))
                    .get_column("work_id")
                    .unique()
                )
                w = w.filter(pl.col("id").is_in(hit.implode()))
        return w.get_column("id")

    def apply_tables(self, t: Any) -> Any:
        """The filter on a :class:`litscan.tables.normalize.Tables` (or anything with its four frames)."""
        if self.is_empty():
            return t
        keep = self.keep_ids(t.works, t.authorships).implode()
        return dataclasses.replace(
            t,
            works=t.works.filter(pl.col("id").is_in(keep)),
            authorships=t.authorships.filter(pl.col("work_id").is_in(keep)),
            work_countries=t.work_countries.filter(pl.col("work_id").is_in(keep)),
            work_topics=t.work_topics.filter(pl.col("work_id").is_in(keep)),
        )


def values_of(filters: Mapping[str, Any], key: str) -> list[str]:
    """All OR-values of ``key`` in a parsed filter dict (``a|b`` and repeated keys flattened)."""
    raw = filters.get(key)
    items: Iterable[Any] = raw if isinstance(raw, list) else ([] if raw is None else [raw])
    return [v for item in items for v in str(item).split("|") if v]
