"""OpenAlex filters combined in the documented grammar (pure; used by :mod:`litscan.claims.plan`).

OpenAlex documents ``key:a|b`` (OR within one attribute) and, for AND within one attribute,
repeating the filter (``key:a,key:b``) or ``key:a+b``; never ``|`` and ``+`` in one value, and
``+`` not at all for search, boolean or numeric filters. A live plan ANDs the population's filter
with a side's (``primary_topic.subfield.id:1702|1707`` AND ``primary_topic.subfield.id:1707``),
so :func:`combine_filters` merges constraints on one key before they reach OpenAlex:

* a **single-valued** attribute (a work has one primary topic, one type): the OR-sets are
  intersected (``1702|1707`` AND ``1707`` -> ``1707``); an empty intersection means no work can
  match, which the plan reports as a claim that is not testable live;
* a **multi-valued** attribute (a work has many concepts, locations, author countries): a set
  that contains another is implied by it and dropped (any-of {a, b} AND any-of {a} = any-of
  {a}); otherwise the constraints stay separate filters (``concepts.id:C1|C2,concepts.id:C3``);
* any other key: identical repeats are dropped, the rest kept as given.
"""

from __future__ import annotations

from litscan.tables.filters import split_filter

__all__ = ["SINGLE_VALUED", "MULTI_VALUED", "combine_filters", "EmptyFilter"]

#: work attributes with one value per work (constraints on them are intersected)
SINGLE_VALUED = frozenset(
    {
        "primary_topic.id",
        "primary_topic.subfield.id",
        "primary_topic.field.id",
        "primary_topic.domain.id",
        "primary_location.source.id",
        "type",
        "language",
    }
)
#: work attributes with several values per work (constraints on them stay separate filters)
MULTI_VALUED = frozenset(
    {
        "concepts.id",
        "topics.id",
        "locations.source.id",
        "authorships.countries",
        "authorships.institutions.country_code",
        "authorships.institutions.id",
        "authorships.author.id",
    }
)


class EmptyFilter(ValueError):
    """Constraints on a single-valued attribute with no value in common (no work can match)."""


def _values(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in value.split("|") if v.strip()))


def combine_filters(*filters: str | None) -> str:
    """AND of OpenAlex filter texts with the constraints on one key merged (see the module
    doc). Raises :class:`EmptyFilter` (naming the key and the values) when a single-valued
    attribute's constraints have no value in common."""
    order: list[str] = []  # keys in order of first appearance
    by_key: dict[str, list[str]] = {}
    for text in filters:
        if not text:
            continue
        for part in split_filter(text):
            key, sep, value = part.partition(":")
            key = key.strip() if sep else part
            if key not in by_key:
                order.append(key)
                by_key[key] = []
            by_key[key].append(value.strip() if sep else "")
    out: list[str] = []
    for key in order:
        values = by_key[key]
        if key in SINGLE_VALUED and len(values) > 1:
            sets = [_values(v) for v in values]
            common = [v for v in sets[0] if all(v in s for s in sets[1:])]
            if not common:
                shown = " AND ".join("|".join(s) for s in sets)
                raise EmptyFilter(
                    f"{key} {shown}: no value in common (a work has one {key.rsplit('.', 1)[0]}),"
                    " so no work can match"
                )
            out.append(f"{key}:{'|'.join(common)}")
        elif key in MULTI_VALUED and len(values) > 1:
            sets = list({frozenset(_values(v)): _values(v) for v in values}.values())
            keep = [s for s in sets if not any(set(o) < set(s) for o in sets)]
            out.extend(f"{key}:{'|'.join(s)}" for s in keep)
        else:
            parts = list(dict.fromkeys(values))
            out.extend(f"{key}:{v}" if v else key for v in parts)
    return ",".join(out)
