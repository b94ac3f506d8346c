"""``group_by`` counts: :func:`count_by` follows the cursor past 200 groups and always reports the
``unknown`` group explicitly; :func:`count` is one filter's total.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from litscan.errors import (
    OpenAlexError,
    UsageError,
    scrub,
)
from litscan.openalex.client import OpenAlexClient
from litscan.openalex.paging import _check_int, _client_for, _paged, _short
from litscan.openalex.query import _with_params, build_query, render_query

__all__ = [
    "count_by",
    "count",
]


def count(
    filters: str | Mapping[str, Any] | None = None,
    *,
    search: str | None = None,
    client: OpenAlexClient | None = None,
) -> int:
    """Number of works matching ``filters``: one cheap ``per_page=1`` probe, not cached."""
    client, owned = _client_for(client, None)
    try:
        base = render_query(build_query(filters, select=["ids"], search=search))
        data = client.get_json(_with_params(base, per_page=1, page=1))
        meta = data.get("meta")
        if not isinstance(meta, dict) or not isinstance(meta.get("count"), int):
            raise OpenAlexError(
                f"count probe {client.url_for(base)}: expected meta.count, got {str(meta)[:120]}",
                url=client.url_for(base),
            )
        return int(meta["count"])
    finally:
        if owned:
            client.close()


def _check_total(
    total: Any, rows: Mapping[str, tuple[str, int | None]], include_unknown: bool, url: str
) -> None:
    """Raise unless OpenAlex's ``meta.count`` fits its groups: the works with a known value are
    at least the largest known group (a work counts once per group), and, with the unknown group
    asked for, every work is in some group, so ``meta.count`` is at most the sum of the groups.
    A count outside these bounds would give shares above 1 or silently tiny ones."""
    if not isinstance(total, int) or isinstance(total, bool):
        return
    known = [c for k, (_, c) in rows.items() if k != "unknown" and c is not None]
    unknown = rows.get("unknown", ("", 0))[1] or 0
    biggest = max(known, default=0)
    problem = None
    if total < unknown + biggest:
        problem = (
            f"at least {unknown + biggest:,} (the largest group, {biggest:,}, plus the unknown "
            f"group, {unknown:,}), got {total:,}"
        )
    elif include_unknown and total > sum(known) + unknown:
        problem = f"at most {sum(known) + unknown:,} (the sum of all groups), got {total:,}"
    if problem:
        raise OpenAlexError(
            f"group_by {scrub(url)}: expected meta.count (works matching) {problem}; the answer "
            "contradicts itself",
            url=url,
            hint="rerun with --refresh; if it persists, the server (or a proxy) is broken",
        )


def count_by(
    filters: str | Mapping[str, Any] | None,
    group_by: str,
    *,
    include_unknown: bool = True,
    cache_dir: Any = None,
    client: OpenAlexClient | None = None,
    per_page: int | None = None,
    refresh: bool = False,
    progress: bool = False,
) -> pl.DataFrame:
    """Counts of works matching ``filters`` per value of ``group_by`` (e.g.
    ``authorships.countries``, ``publication_year``), following the cursor past 200 groups.

    Returns columns ``key`` (short: ``US``, ``article``, ``2020``, ``1702``), ``key_display_name``,
    ``count`` (Int64), sorted by count descending, with exactly one ``unknown`` row: OpenAlex's
    unknown group (requested with ``:include_unknown``), 0 if OpenAlex reports none, or null when
    ``include_unknown=False`` (not asked). Multi-valued keys (countries) count a work once per
    value, so counts may sum to more than the number of works. Cached like :func:`fetch_works`.
    """
    if not group_by or ":" in group_by:
        raise UsageError(
            f"group_by: expected a field name like 'authorships.countries', got {group_by!r}",
            hint="litscan adds ':include_unknown' itself",
        )
    client, owned = _client_for(client, cache_dir)
    try:
        root = cache_dir if cache_dir is not None else client.settings.cache_dir
        key = f"{group_by}:include_unknown" if include_unknown else group_by
        base = render_query(build_query(filters, group_by=key))
        _check_int("per_page", per_page, 1, 200)
        result = _paged(
            kind="groups",
            base=base,
            client=client,
            cache_root=root,
            per_page=per_page or client.settings.per_page,
            limit=None,
            mode="cursor",
            refresh=refresh,
            progress=progress,
        )
    finally:
        if owned:
            client.close()
    rows: dict[str, tuple[str, int | None]] = {}
    for g in result.items:
        raw_key = g.get("key")
        k = "unknown" if raw_key in (None, "", "unknown") else _short(raw_key)
        name = g.get("key_display_name")
        name = "unknown" if k == "unknown" else (str(name) if name is not None else k)
        cnt = int(g["count"])  # checked to be an int >= 0 before it was cached
        if k in rows:  # two raw keys shortening to the same id: add up
            cnt += rows[k][1] or 0
        rows[k] = (name, cnt)
    if "unknown" not in rows:
        rows["unknown"] = ("unknown", 0 if include_unknown else None)
    _check_total(result.manifest.get("count"), rows, include_unknown, client.url_for(base))
    df = pl.DataFrame(
        {
            "key": list(rows),
            "key_display_name": [v[0] for v in rows.values()],
            "count": [v[1] for v in rows.values()],
        },
        schema={"key": pl.Utf8, "key_display_name": pl.Utf8, "count": pl.Int64},
    )
    return df.sort(["count", "key"], descending=[True, False], nulls_last=True)
