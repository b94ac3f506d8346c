"""Paging through ``/works``: cursor paging (no 10,000 cap) or basic paging for samples, every page
validated and cached (:mod:`litscan.openalex.cache`), paging bounded (a repeated cursor or a page
without new ids stops it), and :func:`provenance` of a fetch.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from litscan.config import Settings, resolve_settings
from litscan.errors import (
    InputDataError,
    NetworkGaveUp,
    OpenAlexError,
    OpenAlexHTTPError,
    RateLimited,
    UsageError,
    scrub,
)
from litscan.openalex.cache import CachePageMismatch, QueryCache
from litscan.openalex.client import OpenAlexClient, log
from litscan.openalex.query import _with_params, build_query, render_query

__all__ = [
    "DEFAULT_WORK_FIELDS",
    "FetchResult",
    "fetch_works",
    "fetch",
    "iter_works",
    "provenance",
]

#: The work fields litscan's normaliser reads (``select=`` keeps pages small and cheap).
DEFAULT_WORK_FIELDS: tuple[str, ...] = (
    "id",
    "doi",
    "title",
    "display_name",
    "publication_year",
    "publication_date",
    "type",
    "language",
    "cited_by_count",
    "fwci",
    "citation_normalized_percentile",
    "primary_topic",
    "topics",
    "primary_location",
    "authorships",
    "is_retracted",
    "is_authors_truncated",
    "abstract_inverted_index",
    "updated_date",
)


# ----------------------------------------------------------------------------------------------
# progress line
# ----------------------------------------------------------------------------------------------
class _Progress:
    """The fetch progress bar on stderr (tqdm): items done of the total, pages, rate and the
    estimated time left (shown once OpenAlex has said how many items there are). Items read
    back from the cache count as the starting point, not towards the rate."""

    def __init__(self, enabled: bool, label: str) -> None:
        self.enabled = enabled
        self.label = label
        self.bar: Any = None

    def update(self, done: int, total: int | None, pages: int, final: bool = False) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=total, initial=done, desc=self.label, unit=" items", unit_scale=True,
                file=sys.stderr, mininterval=0.2, dynamic_ncols=True, leave=True,
            )  # fmt: skip
        elif total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.set_postfix_str(f"{pages} pages", refresh=False)
        self.bar.update(max(done - self.bar.n, 0))
        if final:
            self.bar.close()


# ----------------------------------------------------------------------------------------------
# paged, cached fetching
# ----------------------------------------------------------------------------------------------
@dataclass
class FetchResult:
    """What a fetch produced: the items (works or groups), the manifest and the cache directory."""

    items: list[dict[str, Any]]
    manifest: dict[str, Any]
    cache_dir: Any
    requests_made: int


def _short(value: Any) -> str:
    s = "" if value is None else str(value)
    return s.rsplit("/", 1)[-1]


def _client_for(client: OpenAlexClient | None, cache_dir: Any) -> tuple[OpenAlexClient, bool]:
    if client is not None:
        return client, False
    return OpenAlexClient(resolve_settings(cache_dir=cache_dir)), True


_MAX_CURSOR_CHARS = 8192


def _bad_page(url: str, what: str, hint: str | None = None) -> OpenAlexError:
    return OpenAlexError(
        f"GET {url}: {what}",
        url=url,
        hint=hint
        or "the server is not behaving like OpenAlex; nothing of this "
        "page was cached; rerun later or check --base-url",
    )


def _check_meta(meta: Any, url: str, kind: str) -> dict[str, Any]:
    if not isinstance(meta, dict):
        raise _bad_page(url, f"expected 'meta' to be an object, got {type(meta).__name__}")
    for name in ("count", "groups_count"):
        value = meta.get(name)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            raise _bad_page(
                url, f"expected meta.{name} to be a count (integer >= 0), got {str(value)[:60]!r}"
            )
    cursor = meta.get("next_cursor")
    if cursor is not None and (
        not isinstance(cursor, str) or not cursor or len(cursor) > _MAX_CURSOR_CHARS
    ):
        raise _bad_page(
            url, f"expected meta.next_cursor to be a short string or null, got {str(cursor)[:60]!r}"
        )
    return meta


def _check_item(rec: Any, url: str, kind: str, position: int) -> str:
    """The id (works) or key (groups) of one page entry; a malformed entry rejects the page."""
    where = f"{'results' if kind == 'works' else 'group_by'}[{position}]"
    if not isinstance(rec, dict):
        raise _bad_page(url, f"{where}: expected an object, got {type(rec).__name__}")
    if kind == "works":
        rid = rec.get("id")
        if not isinstance(rid, str) or not _short(rid):
            raise _bad_page(
                url, f"{where}: expected a work id string in 'id', got {str(rid)[:60]!r}"
            )
        return _short(rid)
    key, cnt = rec.get("key"), rec.get("count")
    if isinstance(key, bool) or not isinstance(key, str | int) or key == "":
        raise _bad_page(url, f"{where}: expected a group key (string), got {str(key)[:60]!r}")
    if not isinstance(cnt, int) or isinstance(cnt, bool) or cnt < 0:
        raise _bad_page(
            url,
            f"{where} (key {str(key)[:40]!r}): expected 'count' to be an "
            f"integer >= 0, got {str(cnt)[:60]!r}",
        )
    name = rec.get("key_display_name")
    if name is not None and not isinstance(name, str | int | float):
        raise _bad_page(
            url, f"{where}: expected key_display_name to be a string, got {type(name).__name__}"
        )
    return str(key)


def _meta_versions(meta: Mapping[str, Any]) -> dict[str, Any]:
    """OpenAlex ``meta`` fields that name a data/schema/taxonomy version, when present."""
    return {
        k: scrub(v) if isinstance(v, str) else v
        for k, v in meta.items()
        if "version" in str(k).lower()
        and isinstance(v, str | int | float)
        and not isinstance(v, bool)
    }


_PAGE_SIZE_WORDS = re.compile(r"(?i)per.?page|page.?size|results per page")


def _fallback_per_page(pp: int) -> int | None:
    """The page size to retry with after OpenAlex refuses ``pp`` with an HTTP 400 whose message
    is about the page size (``per_page``/``per-page``/``page size``): 100 (the 2026 documented
    maximum) for anything larger, 25 (OpenAlex's default) for 26..100, else none. Only once per
    fetch; a 400 about anything else (a bad filter) fails at once as before."""
    if pp > 100:
        return 100
    if pp > 25:
        return 25
    return None


def _read_cached(
    cache: QueryCache, manifest: dict[str, Any], items_key: str, kind: str
) -> tuple[list[dict[str, Any]], set[str], set[str]]:
    """Items, ids and used cursors of the pages ``manifest`` vouches for; every page is checked
    against its SHA-256 (:class:`CachePageMismatch`) and its items against the manifest."""
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    used_cursors: set[str] = set()
    for number, page in enumerate(cache.iter_pages(manifest), start=1):
        stored = page.get(items_key) if isinstance(page, dict) else None
        if not isinstance(stored, list):
            raise cache.corrupt(f"page {number} has no '{items_key}' list")
        for position, rec in enumerate(stored):
            try:
                rid = _check_item(rec, str(cache.page_path(number)), kind, position)
            except OpenAlexError as exc:
                raise cache.corrupt(f"page {number}: {exc}") from None
            seen.add(rid)
            items.append(rec)
        request = page.get("request") if isinstance(page.get("request"), dict) else {}
        if isinstance(request.get("cursor"), str):
            used_cursors.add(request["cursor"])
    if len(items) != manifest["items"]:
        raise cache.corrupt(
            f"the manifest counts {manifest['items']} items, its "
            f"{manifest['pages']} pages hold {len(items)}"
        )
    return items, seen, used_cursors


def _paged(
    *,
    kind: str,
    base: str,
    client: OpenAlexClient,
    cache_root: Any,
    per_page: int,
    limit: int | None,
    mode: str,
    refresh: bool,
    progress: bool,
) -> FetchResult:
    """The shared loop behind :func:`fetch` (kind ``works``) and :func:`count_by` (``groups``).

    Bounded: it stops with :class:`OpenAlexError` when a cursor comes back that was already used,
    when a non-empty page brings no new id, or when more items arrive than ``meta.count`` (plus
    one page) announced; ``limit`` is always honoured. A malformed page (``results`` not a list, a
    group count that is not an integer, ...) is rejected before anything of it is cached.
    """
    items_key = "results" if kind == "works" else "group_by"
    identity = f"{client.settings.base_url}/{base}"
    cache = QueryCache(
        cache_root, identity, kind=kind, max_bytes=client.settings.max_response_bytes
    )
    bar = _Progress(progress, f"fetch {kind}")
    with cache.lock():
        manifest = None if refresh else cache.load_manifest()
        if (
            cache.read_only
            and (manifest is None or not manifest["complete"] or refresh)
            and not (manifest is not None and limit is not None and manifest["items"] >= limit)
        ):
            raise InputDataError(
                f"cache {cache.dir}: expected a writable cache folder to fetch into, got a "
                "read-only one holding no complete result for this query",
                hint="use --cache-dir on a writable disk",
            )
        if manifest is None:
            manifest = cache.new_manifest({"path_query": scrub(base), "mode": mode})
            manifest["next"] = {"cursor": "*"} if mode == "cursor" else {"page": 1}
        mismatch: CachePageMismatch | None = None
        try:
            items, seen, used_cursors = _read_cached(cache, manifest, items_key, kind)
        except CachePageMismatch as exc:
            if cache.read_only:
                raise
            mismatch = exc
            log.warning("%s; refetching this query from the start", str(exc).split(" (hint")[0])
            manifest = cache.new_manifest({"path_query": scrub(base), "mode": mode})
            manifest["next"] = {"cursor": "*"} if mode == "cursor" else {"page": 1}
            items, seen, used_cursors = [], set(), set()
        dv = manifest.get("data_version") or {}
        max_updated = dv.get("max_updated_date")
        meta_versions = dict(dv.get("meta_versions") or {})
        requests_before = client.requests_made
        fell_back = bool(manifest.get("per_page_fallback"))
        if fell_back:
            per_page = min(per_page, int(manifest["per_page_fallback"]["to"]))
        try:
            while not manifest["complete"] and not (limit is not None and len(items) >= limit):
                nxt = manifest["next"]
                if mode == "cursor":
                    pp = per_page if limit is None else max(1, min(per_page, limit - len(items)))
                    pq = _with_params(base, per_page=pp, cursor=nxt["cursor"])
                else:
                    pp = per_page
                    pq = _with_params(base, per_page=pp, page=nxt["page"])
                url = client._scrub(client.url_for(pq))
                try:
                    data = client.get_json(pq)
                except OpenAlexHTTPError as exc:
                    smaller = _fallback_per_page(pp)
                    detail = getattr(exc, "detail", "") or ""
                    if (
                        exc.status != 400
                        or fell_back
                        or smaller is None
                        or not _PAGE_SIZE_WORDS.search(detail)
                        or (mode == "page" and nxt["page"] != 1)
                    ):
                        raise
                    fell_back = True
                    per_page = smaller
                    manifest["per_page_fallback"] = {
                        "from": pp,
                        "to": smaller,
                        "message": detail[:300],
                    }
                    log.warning(
                        client._scrub(
                            f"OpenAlex refused per_page={pp} with HTTP 400 ({detail[:200]}); "
                            f"retrying once with per_page={smaller}"
                        )
                    )
                    continue
                if mode == "cursor":
                    used_cursors.add(nxt["cursor"])
                meta = _check_meta(data.get("meta"), url, kind)
                page_items = data.get(items_key)
                if mode == "cursor" and page_items and meta.get("next_cursor") in used_cursors:
                    raise _bad_page(
                        url,
                        "expected a new next_cursor, got one already used "
                        f"(after {len(items):,} items): the cursor repeats; "
                        "stopped",
                        hint="the pages fetched before are kept; rerun later",
                    )
                if not isinstance(page_items, list):
                    raise _bad_page(
                        url,
                        f"expected '{items_key}' to be a list, got {type(page_items).__name__}",
                        hint="is --base-url pointing at the OpenAlex API? nothing of "
                        "this page was cached",
                    )
                new, dropped = [], []
                for position, rec in enumerate(page_items):
                    rid = _check_item(rec, url, kind, position)
                    if rid in seen:
                        dropped.append(rid)
                        continue
                    seen.add(rid)
                    new.append(rec)
                    updated = rec.get("updated_date") if kind == "works" else None
                    if isinstance(updated, str) and len(updated) <= 40:
                        max_updated = max(max_updated or "", updated)
                if page_items and not new:
                    raise _bad_page(
                        url,
                        f"page {manifest['pages'] + 1} brought no new "
                        f"{'works' if kind == 'works' else 'groups'} (all "
                        f"{len(page_items)} already fetched): the paging does "
                        "not advance; stopped",
                    )
                if manifest["count"] is None:
                    manifest["count"] = meta.get("count")
                    if kind == "groups":
                        manifest["groups_count"] = meta.get("groups_count")
                bound = manifest["count"] if kind == "works" else manifest.get("groups_count")
                if isinstance(bound, int) and len(items) + len(new) > bound + max(pp, 1) + 1:
                    raise _bad_page(
                        url,
                        f"expected at most {bound:,} "
                        f"{'works' if kind == 'works' else 'groups'} "
                        f"(meta), got {len(items) + len(new):,}; stopped",
                    )
                meta_versions.update(_meta_versions(meta))
                if page_items:
                    manifest["pages"] += 1
                    digest = cache.write_page(
                        manifest["pages"],
                        {
                            "request": {"per_page": pp, **nxt},
                            "meta": meta,
                            items_key: new,
                            "duplicates_dropped": dropped,
                        },
                    )
                    manifest.setdefault("page_sha256", {})[str(manifest["pages"])] = digest
                    items.extend(new)
                    manifest["items"] = len(items)
                if dropped:
                    log.warning("%s: dropped %d item(s) already fetched", url, len(dropped))
                # when is the query exhausted?
                if mode == "cursor":
                    next_cursor = meta.get("next_cursor")
                    done = not page_items or not next_cursor
                    if kind == "groups" and not done and isinstance(meta.get("groups_count"), int):
                        # every known group is in; with :include_unknown the unknown group may
                        # still be on the next page unless it came or this page was not full
                        unknown = [g for g in items if _short(g.get("key")) in ("", "unknown")]
                        known = len(items) - len(unknown)
                        done = known >= meta["groups_count"] and (
                            "include_unknown" not in base or bool(unknown) or len(page_items) < pp
                        )
                    manifest["next"] = None if done else {"cursor": next_cursor}
                else:
                    target = meta.get("count") if limit is None else limit
                    done = len(page_items) < pp or (target is not None and len(items) >= target)
                    manifest["next"] = None if done else {"page": nxt["page"] + 1}
                manifest["complete"] = done
                manifest["data_version"] = {
                    "max_updated_date": max_updated,
                    "server_date": client.last_headers.get("Date"),
                    "api_data_version": client.last_headers.get("X-OpenAlex-Data-Version"),
                    "meta_versions": meta_versions,
                }
                cache.write_manifest(manifest)  # only after the page is safely on disk
                total = (
                    manifest["count"] if limit is None else min(limit, manifest["count"] or limit)
                )
                bar.update(len(items), total if kind == "works" else None, manifest["pages"])
        except (RateLimited, NetworkGaveUp) as exc:
            bar.update(len(items), None, manifest["pages"], final=True)
            core = str(exc).split(" (hint: ")[0]
            if mismatch is not None:
                raise CachePageMismatch(
                    f"{str(mismatch).split(' (hint: ')[0]}; refetching the query failed ({core})",
                    hint=f"rerun when OpenAlex can be reached, or delete {cache.dir}",
                ) from exc
            raise type(exc)(
                f"{core}. Saved so far: {len(items):,} {'works' if kind == 'works' else 'groups'} "
                f"in {manifest['pages']} pages under {cache.dir}",
                url=exc.url,
                status=exc.status,
                hint="rerun the same command later: it resumes from the last saved page",
            ) from exc
        bar.update(len(items), manifest["count"], manifest["pages"], final=True)
        return FetchResult(
            items=items if limit is None else items[:limit],
            manifest=manifest,
            cache_dir=cache.dir,
            requests_made=client.requests_made - requests_before,
        )


def fetch(
    filters: str | Mapping[str, Any] | None = None,
    *,
    select: Iterable[str] | str | None = DEFAULT_WORK_FIELDS,
    max_works: int | None = None,
    sample: int | None = None,
    seed: int | None = None,
    search: str | None = None,
    cache_dir: Any = None,
    client: OpenAlexClient | None = None,
    per_page: int | None = None,
    refresh: bool = False,
    progress: bool = False,
) -> FetchResult:
    """Fetch all works matching ``filters`` through the resumable cache; see :func:`fetch_works`.

    Returns a :class:`FetchResult` (works plus the manifest and cache directory)."""
    client, owned = _client_for(client, cache_dir)
    try:
        root = cache_dir if cache_dir is not None else client.settings.cache_dir
        base, pp, limit, mode = _works_query(
            filters,
            select=select,
            max_works=max_works,
            sample=sample,
            seed=seed,
            search=search,
            per_page=per_page,
            settings=client.settings,
        )
        return _paged(
            kind="works",
            base=base,
            client=client,
            cache_root=root,
            per_page=pp,
            limit=limit,
            mode=mode,
            refresh=refresh,
            progress=progress,
        )
    finally:
        if owned:
            client.close()


def _check_int(name: str, value: Any, lo: int, hi: int, hint: str | None = None) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise UsageError(f"{name}: expected an integer in {lo:,}..{hi:,}, got {value!r}", hint=hint)


def _works_query(
    filters: str | Mapping[str, Any] | None,
    *,
    select: Iterable[str] | str | None,
    max_works: int | None,
    sample: int | None,
    seed: int | None,
    search: str | None,
    per_page: int | None,
    settings: Settings,
) -> tuple[str, int, int | None, str]:
    """``(path?query, per_page, limit, mode)`` of a works fetch, arguments validated."""
    _check_int("max_works", max_works, 1, 10**9)
    _check_int(
        "sample",
        sample,
        1,
        10_000,
        hint="OpenAlex samples at most 10,000; draw several with different seeds",
    )
    _check_int("seed", seed, 0, 2**63 - 1)
    _check_int("per_page", per_page, 1, 200)
    base = render_query(
        build_query(filters, select=select, search=search, sample=sample, seed=seed)
    )
    pp = per_page or settings.per_page
    limit = max_works
    if sample is not None:
        limit = sample if max_works is None else min(sample, max_works)
        pp = min(pp, sample)
    return base, pp, limit, "page" if sample is not None else "cursor"


def fetch_works(
    filters: str | Mapping[str, Any] | None = None,
    *,
    select: Iterable[str] | str | None = DEFAULT_WORK_FIELDS,
    max_works: int | None = None,
    sample: int | None = None,
    seed: int | None = None,
    search: str | None = None,
    cache_dir: Any = None,
    client: OpenAlexClient | None = None,
    per_page: int | None = None,
    refresh: bool = False,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """All works matching ``filters`` (``"authorships.countries:CN,publication_year:2020-2023"`` or
    a dict), as raw OpenAlex records, each work once.

    Cursor paging, no 10,000 cap; only the ``select`` fields (default: those litscan's normaliser
    reads; ``None`` = full records). ``max_works`` stops early; ``sample``/``seed`` draw a random
    sample (basic paging, at most 10,000). Pages are cached under ``cache_dir`` (default
    ``LITSCAN_CACHE`` or ``./cache``): a second call returns the cache without network; an
    interrupted call resumes where it stopped. ``search`` is OpenAlex keyword search (10x dearer
    than a filter)."""
    return fetch(
        filters,
        select=select,
        max_works=max_works,
        sample=sample,
        seed=seed,
        search=search,
        cache_dir=cache_dir,
        client=client,
        per_page=per_page,
        refresh=refresh,
        progress=progress,
    ).items


def iter_works(filters: str | Mapping[str, Any] | None = None, **kwargs: Any) -> Iterator[dict]:
    """Iterate over :func:`fetch_works` (same arguments); the fetch completes first."""
    yield from fetch_works(filters, **kwargs)


def provenance(result: FetchResult) -> dict[str, Any]:
    """The data version of a fetch, for manifests and reports: ``query_url`` (no key),
    ``fetched_at``, ``updated_at``, the newest ``updated_date`` seen in the fetched works,
    the server ``Date``, OpenAlex's ``meta`` version fields when present, ``count``, ``items``
    and ``complete``. Every string is scrubbed."""
    m = result.manifest
    dv = m.get("data_version") or {}
    out = {
        "query_url": m.get("url"),
        "fetched_at": m.get("fetched_at"),
        "updated_at": m.get("updated_at"),
        "max_updated_date": dv.get("max_updated_date"),
        "server_date": dv.get("server_date"),
        "api_data_version": dv.get("api_data_version"),
        "meta_versions": dict(dv.get("meta_versions") or {}),
        "count": m.get("count"),
        "items": m.get("items"),
        "complete": m.get("complete"),
    }
    return {k: scrub(v) if isinstance(v, str) else v for k, v in out.items()}
