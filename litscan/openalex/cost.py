"""What a fetch will cost (works, pages, requests, USD) from at most one cheap request:
:func:`plan_query` and :class:`QueryPlan`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from litscan.errors import (
    InputDataError,
    UsageError,
)
from litscan.openalex.cache import QueryCache
from litscan.openalex.client import OpenAlexClient, _header_float
from litscan.openalex.paging import (
    DEFAULT_WORK_FIELDS,
    _bad_page,
    _check_int,
    _client_for,
    _works_query,
)
from litscan.openalex.query import _with_params, build_query, render_query

__all__ = [
    "plan_query",
    "QueryPlan",
    "DOCUMENTED_PRICE_USD",
]

# ----------------------------------------------------------------------------------------------
# plans: what a fetch will cost, from one cheap request
# ----------------------------------------------------------------------------------------------
#: OpenAlex's documented 2026 prices per request in USD (developers.openalex.org, "Authentication
#: & Pricing": list/filter $0.10 per 1,000 calls, search $1 per 1,000, semantic $10 per 1,000,
#: singletons free). A probe's ``X-RateLimit-Cost-USD`` header (or ``meta.cost_usd``) wins.
DOCUMENTED_PRICE_USD: dict[str, float] = {
    "singleton": 0.0,
    "list": 0.0001,
    "search": 0.001,
    "semantic": 0.01,
}


@dataclass(frozen=True)
class QueryPlan:
    """What fetching one query will take, measured with at most one cheap request.

    ``url``: the query URL without key, cursor and per_page (scrubbed; safe to print or store).
    ``kind``: ``"works"`` (cursor paging), ``"sample"`` (basic paging) or ``"groups"``.
    ``count``: OpenAlex's ``meta.count`` (works matching); ``groups``: ``meta.groups_count`` for a
    group_by plan, else ``None``. ``fetch_items``: items a fetch would store (``count`` capped by
    ``max_works``/``sample``); ``cached_items``: how many of them an interrupted fetch already
    saved in the cache. ``per_page``: the page size the fetch would use. ``pages``/``requests``:
    list requests the fetch would still make (cursor paging ends with one empty page, which is
    counted; 0 when the cache already holds the complete result). ``unit_cost_usd``: price of one request
    and ``price_source`` where it came from (``"X-RateLimit-Cost-USD"``, ``"meta.cost_usd"`` or
    ``"documented"``); ``cost_usd = requests * unit_cost_usd``. ``remaining_usd``/``reset_seconds``:
    the key's budget left today and when it resets, from the probe's ``X-RateLimit-*`` headers
    (``None`` if absent). ``probe_requests``: requests the plan itself made (0 or 1).
    ``cached``: the complete result is already in the cache.
    """

    url: str
    kind: str
    count: int
    groups: int | None
    fetch_items: int
    cached_items: int
    per_page: int
    pages: int
    requests: int
    unit_cost_usd: float
    price_source: str
    cost_usd: float
    remaining_usd: float | None
    reset_seconds: float | None
    probe_requests: int
    cached: bool

    def describe(self) -> str:
        """One line for people: works, pages, requests, cost, budget left."""
        what = f"{self.count:,} works" + (
            f", {self.groups:,} groups" if self.groups is not None else ""
        )
        if self.cached:
            return f"{what}; complete in the cache: 0 requests, $0; {self.url}"
        budget = ""
        if self.remaining_usd is not None:
            budget = f"; budget left today ${self.remaining_usd:,.4f}"
            if self.reset_seconds is not None:
                budget += f" (resets in {self.reset_seconds / 3600:.1f} h)"
        return (
            f"{what}; would fetch {self.fetch_items:,} in {self.pages:,} pages of "
            f"{self.per_page} = {self.requests:,} requests, estimated ${self.cost_usd:,.4f} "
            f"(${self.unit_cost_usd:g}/request, {self.price_source}){budget}; {self.url}"
        )


def _price_kind(base: str) -> str:
    if "search.semantic" in base:
        return "semantic"
    if "search=" in base or ".search" in base:
        return "search"
    return "list"


def plan_query(
    filters: str | Mapping[str, Any] | None = None,
    *,
    group_by: str | None = None,
    include_unknown: bool = True,
    select: Iterable[str] | str | None = DEFAULT_WORK_FIELDS,
    max_works: int | None = None,
    sample: int | None = None,
    seed: int | None = None,
    search: str | None = None,
    per_page: int | None = None,
    cache_dir: Any = None,
    client: OpenAlexClient | None = None,
) -> QueryPlan:
    """Plan :func:`fetch` (or :func:`count_by` when ``group_by`` is given) of this query without
    fetching it: **at most one request**, a ``per_page=1`` probe with ``select=id`` (works) or a
    ``per_page=1`` group_by page (groups), and none at all when the cache already holds the
    complete result. Arguments mean what they mean for :func:`fetch` / :func:`count_by`.

    Contract for callers (``run --plan``): the returned :class:`QueryPlan` is frozen, holds no
    secret (``url`` is scrubbed) and its numbers follow OpenAlex's documented paging: cursor pages
    ``ceil(n / per_page) + 1`` (the closing empty page; ``ceil(n / per_page)`` when ``max_works``
    stops first), basic (sample) pages ``ceil(n / per_page)``, group_by pages
    ``max(1, ceil((groups + 1) / per_page))`` with ``include_unknown`` (the unknown group may
    need a page of its own), else ``max(1, ceil(groups / per_page))`` (count_by stops once it
    holds every group). Errors are those of :meth:`OpenAlexClient.get_json`.
    """
    client, owned = _client_for(client, cache_dir)
    try:
        s = client.settings
        root = cache_dir if cache_dir is not None else s.cache_dir
        if group_by is not None:
            if not group_by or ":" in group_by:
                raise UsageError(f"group_by: expected a field name, got {group_by!r}")
            key = f"{group_by}:include_unknown" if include_unknown else group_by
            base = render_query(build_query(filters, group_by=key, search=search))
            _check_int("per_page", per_page, 1, 200)
            pp, limit, mode, kind = per_page or s.per_page, None, "cursor", "groups"
            probe = _with_params(base, per_page=1)
        else:
            base, pp, limit, mode = _works_query(
                filters,
                select=select,
                max_works=max_works,
                sample=sample,
                seed=seed,
                search=search,
                per_page=per_page,
                settings=s,
            )
            kind = "sample" if mode == "page" else "works"
            probe_base = render_query(
                build_query(filters, select=["id"], search=search, sample=sample, seed=seed)
            )
            probe = _with_params(probe_base, per_page=1, page=1)
        url = client._scrub(client.url_for(base))
        cache = QueryCache(root, f"{s.base_url}/{base}", kind="groups" if group_by else "works")
        try:
            manifest = cache.load_manifest()
        except InputDataError:
            manifest = None  # a corrupt cache is refetched (and reported) by the fetch itself

        def refresh_needed(m: dict[str, Any]) -> bool:  # a stored sample/limit run of another size
            return m["items"] > (limit if limit is not None else m["items"])

        if manifest is not None and manifest["complete"] and manifest["count"] is not None:
            n = int(manifest["count"])
            groups = manifest.get("groups_count") if group_by else None
            return QueryPlan(
                url=url,
                kind=kind,
                count=n,
                groups=groups,
                fetch_items=int(manifest["items"]),
                cached_items=int(manifest["items"]),
                per_page=pp,
                pages=0,
                requests=0,
                unit_cost_usd=0.0,
                price_source="cache",
                cost_usd=0.0,
                remaining_usd=None,
                reset_seconds=None,
                probe_requests=0,
                cached=True,
            )
        before = client.requests_made
        data = client.get_json(probe)
        meta = data.get("meta")
        if (
            not isinstance(meta, dict)
            or not isinstance(meta.get("count"), int)
            or isinstance(meta.get("count"), bool)
        ):
            raise _bad_page(
                client._scrub(client.url_for(probe)),
                f"expected meta.count (an integer), got {str(meta)[:120]!r}",
            )
        n = meta["count"]
        groups = None
        have = (
            int(manifest["items"]) if manifest is not None and not refresh_needed(manifest) else 0
        )
        groups = None
        if group_by:
            groups = meta.get("groups_count")
            if not isinstance(groups, int) or isinstance(groups, bool) or groups < 0:
                raise _bad_page(
                    client._scrub(client.url_for(probe)),
                    f"expected meta.groups_count (an integer), got {groups!r}",
                )
            fetch_items = groups + (1 if include_unknown else 0)
            # count_by stops once it holds groups_count groups (and the unknown group, which
            # may need one more page): no closing empty page
            pages = max(1, math.ceil(max(0, fetch_items - have) / pp))
        else:
            fetch_items = n if limit is None else min(n, limit)
            to_fetch = max(0, fetch_items - have)
            stops_at_limit = limit is not None and limit <= n
            if mode == "page":
                short_last = not stops_at_limit and n % pp == 0
                pages = math.ceil(to_fetch / pp) + (1 if short_last else 0)
            elif stops_at_limit:
                pages = math.ceil(to_fetch / pp)
            else:
                pages = math.ceil(to_fetch / pp) + 1
        headers = client.last_headers
        unit, source = _header_float(headers, "X-RateLimit-Cost-USD"), "X-RateLimit-Cost-USD"
        if (
            unit is None
            and isinstance(meta.get("cost_usd"), int | float)
            and not isinstance(meta.get("cost_usd"), bool)
            and math.isfinite(meta["cost_usd"])
        ):
            unit, source = float(meta["cost_usd"]), "meta.cost_usd"
        if unit is None or unit < 0:
            unit, source = DOCUMENTED_PRICE_USD[_price_kind(base)], "documented"
        reset = _header_float(headers, "X-RateLimit-Reset")
        return QueryPlan(
            url=url,
            kind=kind,
            count=n,
            groups=groups,
            fetch_items=fetch_items,
            cached_items=min(have, fetch_items),
            per_page=pp,
            pages=pages,
            requests=pages,
            unit_cost_usd=unit,
            price_source=source,
            cost_usd=round(pages * unit, 6),
            remaining_usd=_header_float(headers, "X-RateLimit-Remaining-USD"),
            reset_seconds=reset if reset is not None and 0 <= reset <= 40 * 86_400 else None,
            probe_requests=client.requests_made - before,
            cached=False,
        )
    finally:
        if owned:
            client.close()
