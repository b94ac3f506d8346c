"""Queries: pyalex renders filter/select/group_by syntax; litscan builds a fresh pyalex object per
query (its builders mutate in place) and renders it to a path + query string.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import pyalex

from litscan.errors import (
    UsageError,
)
from litscan.tables.filters import parse_filter  # the one filter parser (re-exported here)

__all__ = [
    "build_query",
    "render_query",
]

_ENTITIES = {
    "works": pyalex.Works,
    "authors": pyalex.Authors,
    "institutions": pyalex.Institutions,
    "sources": pyalex.Sources,
    "topics": pyalex.Topics,
    "funders": pyalex.Funders,
    "publishers": pyalex.Publishers,
}

_HINTS = {
    400: "check filter/select/group_by names and values against the OpenAlex docs "
    "(OpenAlex lists the valid names in its message)",
    401: "set OPENALEX_API_KEY to a valid key (free at https://openalex.org/settings/api); "
    "OpenAlex requires a key since February 2026",
    403: "OpenAlex refused the key for this request: check OPENALEX_API_KEY "
    "(https://openalex.org/settings/api) and your plan",
    404: "check the entity id, the endpoint and the base URL (--base-url / LITSCAN_OPENALEX_URL)",
}


# ----------------------------------------------------------------------------------------------
# query rendering (pyalex)
# ----------------------------------------------------------------------------------------------
def build_query(
    filters: str | Mapping[str, Any] | None = None,
    *,
    entity: str = "works",
    select: Iterable[str] | str | None = None,
    group_by: str | None = None,
    search: str | None = None,
    sample: int | None = None,
    seed: int | None = None,
) -> pyalex.api.BaseOpenAlex:
    """A *fresh* pyalex query object (pyalex builders mutate in place, so never reuse one)."""
    if entity not in _ENTITIES:
        raise UsageError(f"entity: expected one of {sorted(_ENTITIES)}, got {entity!r}")
    q = _ENTITIES[entity]()
    flt = parse_filter(filters)
    if flt:
        q = q.filter(**flt)
    if search:
        q = q.search(search)
    if sample is not None:
        q = q.sample(int(sample), seed=seed)
    if select:
        fields = [s.strip() for s in select.split(",")] if isinstance(select, str) else list(select)
        q = q.select([f for f in fields if f])
    if group_by:
        q = q.group_by(group_by)
    return q


def render_query(query: pyalex.api.BaseOpenAlex) -> str:
    """``path?query`` of a pyalex query, with OpenAlex's documented parameter spelling
    (``group_by``, ``per_page``); the host pyalex hard-codes is dropped."""
    parts = urlsplit(query.url)
    params = []
    for item in parts.query.split("&") if parts.query else []:
        name, _, value = item.partition("=")
        if name == "filter":
            value = _repeat_mixed(value)
        params.append(f"{name.replace('-', '_')}={value}")
    path = parts.path.lstrip("/")
    return f"{path}?{'&'.join(params)}" if params else path


def _repeat_mixed(value: str) -> str:
    """A rendered filter with a key given twice, one value an OR (pyalex joins them as
    ``key:a|b+c``, outside OpenAlex's grammar) as repeated filters ``key:a|b,key:c`` (OpenAlex's
    documented AND within one attribute). Other filters are left as they are."""
    out = []
    for part in value.split(","):  # commas inside values are encoded (%2C)
        key, sep, v = part.partition(":")
        if sep and "%7C" in v.upper() and "+" in v and "search" not in key:
            out.extend(f"{key}:{x}" for x in v.split("+"))
        else:
            out.append(part)
    return ",".join(out)


def _with_params(path_query: str, **params: Any) -> str:
    extra = "&".join(f"{k}={quote(str(v), safe='*')}" for k, v in params.items() if v is not None)
    if not extra:
        return path_query
    return f"{path_query}{'&' if '?' in path_query else '?'}{extra}"
