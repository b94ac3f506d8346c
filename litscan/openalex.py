"""The only module of litscan that speaks HTTP to OpenAlex.

* pyalex *renders* queries (filter/select/group_by/sample syntax); a fresh pyalex object is built
  for every query because its builders mutate in place. pyalex's own host (it ignores
  ``config.openalex_url``), session, retries and API-key handling are not used.
* :class:`OpenAlexClient` owns a ``requests.Session`` (injectable for tests), the base URL,
  timeouts, a user agent, a polite request-rate throttle, and the retry policy:
  429 / 5xx / timeouts / resets / truncated bodies are retried with exponential backoff and jitter,
  honouring ``Retry-After``; a 429 with ``X-RateLimit-Remaining: 0`` (daily budget spent) stops at
  once with :class:`~litscan.errors.RateLimited`; 400/401/403/404 fail fast with OpenAlex's own
  message and a hint. The API key travels only in the ``Authorization: Bearer`` header, never in
  a URL, a log line, an error or the cache.
* :func:`fetch_works` pages through ``/works`` with cursor paging (no 10,000 cap) or, for random
  samples, basic paging; every page goes through the resumable cache of :mod:`litscan.cache`.
* :func:`count_by` runs ``group_by`` queries, following the cursor past 200 groups, and always
  reports the ``unknown`` group explicitly.
"""

from __future__ import annotations

import email.utils
import logging
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import polars as pl
import pyalex
import requests

from litscan.cache import QueryCache
from litscan.config import Settings, resolve_settings
from litscan.errors import (
    NetworkGaveUp,
    OpenAlexError,
    OpenAlexHTTPError,
    RateLimited,
    UsageError,
    redact,
)

__all__ = [
    "DEFAULT_WORK_FIELDS",
    "OpenAlexClient",
    "FetchResult",
    "parse_filter",
    "build_query",
    "render_query",
    "fetch_works",
    "fetch",
    "iter_works",
    "count_by",
    "count",
]

log = logging.getLogger("litscan.openalex")

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
    403: "the key was refused for this request: check OPENALEX_API_KEY and your plan, and slow down",
    404: "check the entity id, the endpoint and the base URL (--base-url / LITSCAN_OPENALEX_URL)",
}


# ----------------------------------------------------------------------------------------------
# query rendering (pyalex)
# ----------------------------------------------------------------------------------------------
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
    parts: list[str] = []
    buf, quoted = [], False
    for ch in filters:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    out: dict[str, Any] = {}
    for part in (p.strip() for p in parts):
        if not part:
            continue
        key, sep, value = part.partition(":")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(
                f"filter {filters!r}: expected comma-separated key:value pairs, got {part!r}",
                hint='e.g. --filter "authorships.countries:CN,publication_year:2020-2023"',
            )
        key, value = key.strip(), value.strip()
        if key in out:
            prev = out[key]
            out[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            out[key] = value
    return out


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
        params.append(f"{name.replace('-', '_')}={value}")
    path = parts.path.lstrip("/")
    return f"{path}?{'&'.join(params)}" if params else path


def _with_params(path_query: str, **params: Any) -> str:
    extra = "&".join(f"{k}={quote(str(v), safe='*')}" for k, v in params.items() if v is not None)
    if not extra:
        return path_query
    return f"{path_query}{'&' if '?' in path_query else '?'}{extra}"


# ----------------------------------------------------------------------------------------------
# HTTP client
# ----------------------------------------------------------------------------------------------
def _retry_after_seconds(value: str | None) -> float | None:
    """Parse ``Retry-After`` (delta-seconds or HTTP date); ``None`` if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class OpenAlexClient:
    """An HTTP client for OpenAlex with retries, backoff, throttling and secret-safe errors.

    ``session`` may be injected (tests mount replay adapters on it); ``sleep`` and ``clock`` are
    injectable so retry schedules can be tested without waiting.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings or resolve_settings()
        self._own_session = session is None
        self.session = session or requests.Session()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._last_request_at: float | None = None
        self.requests_made = 0
        self.retries = 0
        self.last_headers: Mapping[str, str] = {}
        self.rate_limit: dict[str, str] = {}

    # context manager -------------------------------------------------------------------------
    def close(self) -> None:
        """Close the session if this client created it."""
        if self._own_session:
            self.session.close()

    def __enter__(self) -> OpenAlexClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        key = "set" if self.settings.api_key else "none"
        return f"OpenAlexClient(base_url={self.settings.base_url!r}, api_key={key})"

    # helpers ---------------------------------------------------------------------------------
    def url_for(self, path_query: str) -> str:
        """Absolute URL of ``path?query`` under the configured base URL."""
        return f"{self.settings.base_url}/{path_query.lstrip('/')}"

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": self.settings.user_agent, "Accept": "application/json"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        return headers

    def _throttle(self) -> None:
        rps = self.settings.max_requests_per_second
        if not rps or self._last_request_at is None:
            return
        wait = self._last_request_at + 1.0 / rps - self._clock()
        if wait > 0:
            self._sleep(wait)

    def _backoff(self, attempt: int) -> float:
        base = min(self.settings.backoff_max, self.settings.backoff_base * 2**attempt)
        return base * (0.5 + 0.5 * self._rng.random())  # "equal jitter"

    def _scrub(self, text: str) -> str:
        key = self.settings.api_key
        if key:
            text = text.replace(key, "***")
        return redact(text)

    def _record_rate_limit(self, resp: requests.Response) -> None:
        self.last_headers = resp.headers
        rl = {k.lower(): v for k, v in resp.headers.items() if k.lower().startswith("x-ratelimit-")}
        if rl:
            self.rate_limit = rl

    @staticmethod
    def _openalex_message(resp: requests.Response) -> str:
        try:
            body = resp.json()
        except ValueError:
            text = (resp.text or "").strip().replace("\n", " ")
            return text[:300] or resp.reason or "no body"
        if isinstance(body, dict):
            parts = [str(body[k]) for k in ("error", "message") if body.get(k)]
            if parts:
                return ": ".join(parts)[:2000]
        return str(body)[:300]

    # the one request function ------------------------------------------------------------------
    def get_json(self, path_query: str) -> dict[str, Any]:
        """GET ``base_url/path_query`` and return the decoded JSON object, retrying transient
        failures. Raises :class:`RateLimited`, :class:`NetworkGaveUp` or
        :class:`OpenAlexHTTPError` (all carry the redacted URL)."""
        url = self.url_for(path_query)
        safe_url = self._scrub(url)
        s = self.settings
        last_problem = "no attempt made"
        last_was_429 = False
        for attempt in range(s.max_retries + 1):
            self._throttle()
            self._last_request_at = self._clock()
            self.requests_made += 1
            wait: float | None = None
            try:
                resp = self.session.get(url, headers=self._headers(), timeout=s.timeout)
            except requests.Timeout as exc:
                last_problem, last_was_429 = f"timed out ({type(exc).__name__})", False
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                last_problem = f"connection failed ({type(exc).__name__}: {self._scrub(str(exc))[:200]})"
                last_was_429 = False
            else:
                self._record_rate_limit(resp)
                status = resp.status_code
                if status == 200:
                    try:
                        data = resp.json()
                    except ValueError:
                        data = None
                    if isinstance(data, dict):
                        log.debug("GET %s -> 200 (%d bytes)", safe_url, len(resp.content))
                        return data
                    last_problem = (
                        f"HTTP 200 but the body is not a JSON object ({len(resp.content)} bytes, "
                        "truncated?)"
                    )
                    last_was_429 = False
                elif status == 429:
                    last_was_429 = True
                    remaining = resp.headers.get("X-RateLimit-Remaining")
                    reset = resp.headers.get("X-RateLimit-Reset")
                    if remaining is not None and remaining.strip() in {"0", "0.0"}:
                        resets = f"; it resets in {reset} s" if reset else ""
                        raise RateLimited(
                            f"GET {safe_url}: OpenAlex's daily budget for this key is spent "
                            f"(HTTP 429, X-RateLimit-Remaining: 0{resets}): "
                            f"{self._scrub(self._openalex_message(resp))}",
                            url=safe_url,
                            status=429,
                        )
                    retry_after = _retry_after_seconds(resp.headers.get("Retry-After"))
                    if retry_after is not None and retry_after > s.max_retry_after:
                        raise RateLimited(
                            f"GET {safe_url}: HTTP 429 with Retry-After {retry_after:.0f} s, "
                            f"longer than the {s.max_retry_after:.0f} s litscan waits",
                            url=safe_url,
                            status=429,
                        )
                    wait = retry_after
                    last_problem = "HTTP 429 Too Many Requests" + (
                        f" (Retry-After {resp.headers.get('Retry-After')})" if retry_after is not None else ""
                    )
                elif status >= 500:
                    last_was_429 = False
                    wait = _retry_after_seconds(resp.headers.get("Retry-After"))
                    if wait is not None and wait > s.max_retry_after:
                        wait = s.max_retry_after
                    last_problem = f"HTTP {status} {resp.reason or ''}".strip()
                else:
                    err = OpenAlexHTTPError(
                        f"GET {safe_url}: expected HTTP 200, got {status}: "
                        f"{self._scrub(self._openalex_message(resp))}",
                        url=safe_url,
                        status=status,
                        hint=_HINTS.get(status, "this is not a transient error; check the request"),
                    )
                    if status == 400:
                        err.exit_code = 2  # a bad filter/select is bad usage
                    raise err
            if attempt == s.max_retries:
                break
            if wait is None:
                wait = self._backoff(attempt)
            self.retries += 1
            log.warning(
                "GET %s: %s; retry %d/%d in %.2f s",
                safe_url, last_problem, attempt + 1, s.max_retries, wait,
            )
            self._sleep(wait)
        cls = RateLimited if last_was_429 else NetworkGaveUp
        raise cls(
            f"GET {safe_url}: gave up after {s.max_retries + 1} attempts; last problem: {last_problem}",
            url=safe_url,
            status=429 if last_was_429 else None,
        )

    def rate_limit_status(self) -> dict[str, Any]:
        """OpenAlex's ``/rate-limit`` report for the configured key (budget used and left)."""
        return self.get_json("rate-limit")


# ----------------------------------------------------------------------------------------------
# progress line
# ----------------------------------------------------------------------------------------------
class _Progress:
    def __init__(self, enabled: bool, label: str) -> None:
        self.enabled = enabled
        self.label = label
        self.start = time.monotonic()
        self._last = 0.0

    def update(self, done: int, total: int | None, pages: int, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self._last < 0.2:
            return
        self._last = now
        rate = pages / max(now - self.start, 1e-9)
        of = f"/{total:,}" if total is not None else ""
        pct = f" ({100 * done / total:5.1f}%)" if total else ""
        sys.stderr.write(f"\r{self.label}: {done:,}{of}{pct}, {pages} pages, {rate:.1f} pages/s ")
        if final:
            sys.stderr.write("\n")
        sys.stderr.flush()


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
    """The shared loop behind :func:`fetch` (kind ``works``) and :func:`count_by` (``groups``)."""
    items_key = "results" if kind == "works" else "group_by"
    item_id = (lambda r: _short(r.get("id"))) if kind == "works" else (lambda g: str(g.get("key")))
    identity = f"{client.settings.base_url}/{base}"
    cache = QueryCache(cache_root, identity, kind=kind)
    bar = _Progress(progress, f"fetch {kind}")
    with cache.lock():
        manifest = None if refresh else cache.load_manifest()
        if manifest is None:
            manifest = cache.new_manifest({"path_query": redact(base), "mode": mode})
            manifest["next"] = {"cursor": "*"} if mode == "cursor" else {"page": 1}
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        for page in cache.iter_pages(manifest):
            for rec in page[items_key]:
                seen.add(item_id(rec))
                items.append(rec)
        max_updated = (manifest.get("data_version") or {}).get("max_updated_date")
        requests_before = client.requests_made
        try:
            while not manifest["complete"] and not (limit is not None and len(items) >= limit):
                nxt = manifest["next"]
                if mode == "cursor":
                    pp = per_page if limit is None else max(1, min(per_page, limit - len(items)))
                    pq = _with_params(base, per_page=pp, cursor=nxt["cursor"])
                else:
                    pp = per_page
                    pq = _with_params(base, per_page=pp, page=nxt["page"])
                data = client.get_json(pq)
                meta = data.get("meta")
                page_items = data.get(items_key)
                if not isinstance(meta, dict) or not isinstance(page_items, list):
                    raise OpenAlexError(
                        f"GET {client.url_for(pq)}: expected an object with 'meta' and "
                        f"'{items_key}', got keys {sorted(data)[:10]}",
                        url=client.url_for(pq),
                        hint="is --base-url pointing at the OpenAlex API?",
                    )
                new, dropped = [], []
                for rec in page_items:
                    rid = item_id(rec) if isinstance(rec, dict) else ""
                    if not rid:
                        raise OpenAlexError(
                            f"GET {client.url_for(pq)}: expected every {items_key} entry to have "
                            f"an id/key, got {str(rec)[:120]!r}",
                            url=client.url_for(pq),
                        )
                    if rid in seen:
                        dropped.append(rid)
                        continue
                    seen.add(rid)
                    new.append(rec)
                    if kind == "works" and rec.get("updated_date"):
                        max_updated = max(max_updated or "", str(rec["updated_date"]))
                if manifest["count"] is None:
                    manifest["count"] = meta.get("count")
                    if kind == "groups":
                        manifest["groups_count"] = meta.get("groups_count")
                if page_items:
                    manifest["pages"] += 1
                    cache.write_page(
                        manifest["pages"],
                        {"request": {"per_page": pp, **nxt}, "meta": meta,
                         items_key: new, "duplicates_dropped": dropped},
                    )
                    items.extend(new)
                    manifest["items"] = len(items)
                if dropped:
                    log.warning("%s: dropped %d item(s) already fetched", base, len(dropped))
                # when is the query exhausted?
                if mode == "cursor":
                    next_cursor = meta.get("next_cursor")
                    done = not page_items or not next_cursor
                    if kind == "groups" and not done and meta.get("groups_count") is not None:
                        known = sum(1 for g in items if _short(g.get("key")) != "unknown")
                        done = known >= int(meta["groups_count"])
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
                }
                cache.write_manifest(manifest)  # only after the page is safely on disk
                total = manifest["count"] if limit is None else min(limit, manifest["count"] or limit)
                bar.update(len(items), total if kind == "works" else None, manifest["pages"])
        except (RateLimited, NetworkGaveUp) as exc:
            bar.update(len(items), None, manifest["pages"], final=True)
            core = str(exc).split(" (hint: ")[0]
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
    if max_works is not None and max_works < 1:
        raise UsageError(f"max_works: expected a positive number, got {max_works}")
    if sample is not None and not 1 <= sample <= 10_000:
        raise UsageError(f"sample: expected 1..10000 (OpenAlex's limit), got {sample}",
                         hint="draw several samples with different seeds and deduplicate")
    client, owned = _client_for(client, cache_dir)
    try:
        root = cache_dir if cache_dir is not None else client.settings.cache_dir
        query = build_query(filters, select=select, search=search, sample=sample, seed=seed)
        base = render_query(query)
        pp = per_page or client.settings.per_page
        limit = max_works
        if sample is not None:
            limit = sample if max_works is None else min(sample, max_works)
            pp = min(pp, sample)
        return _paged(
            kind="works", base=base, client=client, cache_root=root, per_page=pp, limit=limit,
            mode="page" if sample is not None else "cursor", refresh=refresh, progress=progress,
        )
    finally:
        if owned:
            client.close()


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
        filters, select=select, max_works=max_works, sample=sample, seed=seed, search=search,
        cache_dir=cache_dir, client=client, per_page=per_page, refresh=refresh, progress=progress,
    ).items


def iter_works(filters: str | Mapping[str, Any] | None = None, **kwargs: Any) -> Iterator[dict]:
    """Iterate over :func:`fetch_works` (same arguments); the fetch completes first."""
    yield from fetch_works(filters, **kwargs)


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


def count_by(
    filters: str | Mapping[str, Any] | None,
    group_by: str,
    *,
    include_unknown: bool = True,
    cache_dir: Any = None,
    client: OpenAlexClient | None = None,
    per_page: int = 200,
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
        raise UsageError(f"group_by: expected a field name like 'authorships.countries', got {group_by!r}",
                         hint="litscan adds ':include_unknown' itself")
    client, owned = _client_for(client, cache_dir)
    try:
        root = cache_dir if cache_dir is not None else client.settings.cache_dir
        key = f"{group_by}:include_unknown" if include_unknown else group_by
        base = render_query(build_query(filters, group_by=key))
        result = _paged(
            kind="groups", base=base, client=client, cache_root=root, per_page=per_page,
            limit=None, mode="cursor", refresh=refresh, progress=progress,
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
        cnt = int(g.get("count") or 0)
        if k in rows:  # two raw keys shortening to the same id: add up
            cnt += rows[k][1] or 0
        rows[k] = (name, cnt)
    if "unknown" not in rows:
        rows["unknown"] = ("unknown", 0 if include_unknown else None)
    df = pl.DataFrame(
        {
            "key": list(rows),
            "key_display_name": [v[0] for v in rows.values()],
            "count": [v[1] for v in rows.values()],
        },
        schema={"key": pl.Utf8, "key_display_name": pl.Utf8, "count": pl.Int64},
    )
    return df.sort(["count", "key"], descending=[True, False], nulls_last=True)
