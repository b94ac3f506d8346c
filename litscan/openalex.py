"""The only module of litscan that speaks HTTP to OpenAlex (bytes are read by
:mod:`litscan.transport`).

* pyalex *renders* queries (filter/select/group_by/sample syntax); a fresh pyalex object is built
  for every query because its builders mutate in place. pyalex's own host (it ignores
  ``config.openalex_url``), session, retries and API-key handling are not used.
* :class:`OpenAlexClient` owns a ``requests.Session`` (injectable for tests), the base URL, a
  deadline per request, a decoded-size cap, a user agent, a polite request-rate throttle, and the
  retry policy of OpenAlex's 2026 error table (403 = rate limited, 429 = daily budget spent, 401 =
  key problem; details in the class docstring). The API key is sent as OpenAlex's 2026
  documentation says (``api_key=`` query parameter, added only to the URL actually sent) and also
  as an ``Authorization: Bearer`` header; every URL, header and message is passed through
  :func:`~litscan.errors.scrub` before it is logged, raised or cached, and the URLs kept in
  caches, manifests and reports never carry the key.
* :func:`fetch_works` pages through ``/works`` with cursor paging (no 10,000 cap) or, for random
  samples, basic paging; every page goes through the resumable cache of :mod:`litscan.cache`.
  Paging is bounded (a repeated cursor or a page without new ids stops it) and every page is
  validated before it is cached. The default page size is 100; a page size OpenAlex refuses with
  HTTP 400 falls back once (to 100, or 25).
* :func:`count_by` runs ``group_by`` queries, following the cursor past 200 groups, and always
  reports the ``unknown`` group explicitly.
* :func:`plan_query` says what a fetch will cost (works, pages, requests, USD) from at most one
  cheap request; :func:`provenance` gives the data version of a fetch.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import polars as pl
import pyalex
import requests

from litscan import jsontext
from litscan.cache import QueryCache
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
from litscan.filters import parse_filter  # the one filter parser (re-exported here)
from litscan.transport import (
    BodyReadError,
    DeadlineExceeded,
    ResponseTooLarge,
    bounded_get,
    new_session,
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
    "plan_query",
    "QueryPlan",
    "provenance",
    "DOCUMENTED_PRICE_USD",
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


_RATE_WORDS = re.compile(r"(?i)rate.?limit|too many|slow down|throttl|requests per second")
_BUDGET_WORDS = re.compile(r"(?i)daily|budget|credits?\b|quota|allowance|spent")


def _header_float(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _reset_text(headers: Mapping[str, str]) -> str:
    """``"it resets in 11 h 35 min (about 2026-12-03 00:00 UTC)"`` from ``X-RateLimit-Reset``
    (seconds until the reset, as OpenAlex sends it, or an epoch time) or ``Retry-After``."""
    seconds = _header_float(headers, "X-RateLimit-Reset")
    if seconds is not None and seconds > 1e9:  # an epoch timestamp
        seconds = seconds - time.time()
    if seconds is None:
        seconds = _retry_after_seconds(headers.get("Retry-After"))
    if seconds is None or seconds < 0 or seconds > 40 * 86_400:
        return "OpenAlex did not say when it resets (daily budgets reset at midnight UTC)"
    hours, minutes = int(seconds // 3600), int(seconds % 3600 // 60)
    when = datetime.fromtimestamp(time.time() + seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"it resets in {hours} h {minutes:02d} min (about {when})"


def _body_message(body: bytes, reason: str) -> str:
    """OpenAlex's own explanation from an error body (``error: message``), else the body text."""
    try:
        data = json.loads(body.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict):
        parts = [str(data[k]) for k in ("error", "message") if data.get(k)]
        if parts:
            return " ".join(": ".join(parts)[:2000].split())
    text = " ".join(body[:600].decode("utf-8", errors="replace").split())
    return text[:300] or reason or "no body"


class OpenAlexClient:
    """An HTTP client for OpenAlex with retries, backoff, throttling and secret-safe errors.

    Status handling follows OpenAlex's 2026 error table (developers.openalex.org, "Error
    Handling"): **403 = rate limited** ("slow down"), **429 = daily limit exceeded**, 401 = key
    problem. Precisely:

    * 403 whose body speaks of a rate limit (``rate limit``, ``too many``, ``slow down``,
      ``throttle``) or that carries ``Retry-After`` is a rate limit: backed off and retried like a
      429, honouring ``Retry-After``. Any other 403 (a refused or revoked key) fails at once with
      OpenAlex's message and a hint.
    * 429 with ``X-RateLimit-Remaining: 0``, ``X-RateLimit-Remaining-USD`` <= 0 or a message about
      the daily budget/credits means the day's budget is spent: the run stops at once with
      :class:`RateLimited`, saying when the budget resets (``X-RateLimit-Reset``). Other 429s are
      retried (OpenAlex's older docs also use 429 for more than 100 requests/s).
    * 5xx, timeouts, resets, a request past its deadline, truncated or invalid bodies: retried
      with exponential backoff and jitter. 400/401/404 and other 4xx fail at once.
    * A body larger than ``max_response_bytes`` once decoded, or a redirect loop, fails at once.

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
        self.session = session or new_session(self.settings.max_redirects)
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
        return f"OpenAlexClient(base_url={self._scrub(self.settings.base_url)!r}, api_key={key})"

    # helpers ---------------------------------------------------------------------------------
    def url_for(self, path_query: str) -> str:
        """Absolute URL of ``path?query`` under the configured base URL."""
        return f"{self.settings.base_url}/{path_query.lstrip('/')}"

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": self.settings.user_agent, "Accept": "application/json",
                   "Accept-Encoding": "gzip, deflate"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        return headers

    def _keyed(self, url: str) -> str:
        """The URL actually sent: ``url`` plus ``api_key=`` (OpenAlex's documented way)."""
        key = self.settings.api_key
        if not key:
            return url
        return f"{url}{'&' if '?' in url else '?'}api_key={quote(key, safe='')}"

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

    def _scrub(self, text: object) -> str:
        key = self.settings.api_key
        return scrub(text, [key] if key else [])

    def _record_rate_limit(self, headers: Mapping[str, str]) -> None:
        self.last_headers = {k: self._scrub(v) for k, v in headers.items()}
        rl = {k.lower(): v for k, v in self.last_headers.items()
              if k.lower().startswith("x-ratelimit-")}
        if rl:
            self.rate_limit = rl

    def _budget_spent(self, headers: Mapping[str, str], message: str) -> bool:
        remaining = _header_float(headers, "X-RateLimit-Remaining")
        remaining_usd = _header_float(headers, "X-RateLimit-Remaining-USD")
        return (remaining is not None and remaining <= 0) or (
            remaining_usd is not None and remaining_usd <= 0) or bool(_BUDGET_WORDS.search(message))

    # the one request function ------------------------------------------------------------------
    def get_json(self, path_query: str) -> dict[str, Any]:
        """GET ``base_url/path_query`` and return the decoded JSON object, retrying transient
        failures. Raises :class:`RateLimited`, :class:`NetworkGaveUp` or
        :class:`OpenAlexHTTPError`/:class:`OpenAlexError` (all carry the scrubbed URL)."""
        url = self.url_for(path_query)
        safe_url = self._scrub(url)
        s = self.settings
        last_problem = "no attempt made"
        last_was_rate = False
        for attempt in range(s.max_retries + 1):
            self._throttle()
            self._last_request_at = self._clock()
            self.requests_made += 1
            wait: float | None = None
            last_was_rate = False
            try:
                resp = bounded_get(self.session, self._keyed(url), headers=self._headers(),
                                   timeout=s.timeout,
                                   deadline=s.deadline, max_bytes=s.max_response_bytes,
                                   max_redirects=s.max_redirects)
            except ResponseTooLarge as exc:
                raise OpenAlexError(
                    f"GET {safe_url}: expected a response of at most "
                    f"{s.max_response_bytes / 2**20:g} MiB, got {exc}",
                    url=safe_url,
                    hint="a broken or hostile server (gzip bomb?); raise --max-response-mb only "
                    "for a server you trust",
                ) from None
            except requests.TooManyRedirects as exc:
                raise OpenAlexError(
                    f"GET {safe_url}: expected an answer, got {self._scrub(exc)}",
                    url=safe_url, hint="check --base-url; a redirect loop is a server problem",
                ) from None
            except DeadlineExceeded as exc:
                last_problem = f"deadline of {s.deadline or sum(s.timeout):g} s passed ({exc})"
            except requests.Timeout as exc:
                last_problem = f"timed out ({type(exc).__name__})"
            except BodyReadError as exc:
                last_problem = f"the body broke off ({self._scrub(exc)[:200]})"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                last_problem = f"connection failed ({type(exc).__name__}: {self._scrub(exc)[:200]})"
            except requests.RequestException as exc:
                raise OpenAlexError(
                    f"GET {safe_url}: expected an HTTP answer, got {type(exc).__name__}: "
                    f"{self._scrub(exc)[:200]}", url=safe_url,
                    hint="check --base-url") from None
            else:
                self._record_rate_limit(resp.headers)
                status = resp.status
                if status == 200:
                    try:
                        data = jsontext.loads(resp.body)
                    except (ValueError, RecursionError):
                        data = None
                    if isinstance(data, dict):
                        log.debug("GET %s -> 200 (%d bytes)", safe_url, len(resp.body))
                        return data
                    last_problem = (
                        f"HTTP 200 but the body is not a JSON object ({len(resp.body)} bytes, "
                        "truncated?)"
                    )
                else:
                    message = self._scrub(_body_message(resp.body, resp.reason))
                    retry_after = _retry_after_seconds(resp.headers.get("Retry-After"))
                    rate_403 = status == 403 and (
                        retry_after is not None or bool(_RATE_WORDS.search(message)))
                    if status == 429 and self._budget_spent(resp.headers, message):
                        raise RateLimited(
                            f"GET {safe_url}: OpenAlex's daily budget for this key is spent "
                            f"(HTTP 429, X-RateLimit-Remaining: "
                            f"{self._scrub(resp.headers.get('X-RateLimit-Remaining', '?'))}; "
                            f"{self._scrub(_reset_text(resp.headers))}): {message}",
                            url=safe_url,
                            status=429,
                        )
                    if status == 429 or rate_403:
                        last_was_rate = True
                        if retry_after is not None and retry_after > s.max_retry_after:
                            raise RateLimited(
                                f"GET {safe_url}: HTTP {status} (rate limited) with Retry-After "
                                f"{retry_after:.0f} s, longer than the {s.max_retry_after:.0f} s "
                                f"litscan waits: {message}",
                                url=safe_url,
                                status=status,
                            )
                        wait = retry_after
                        label = "Too Many Requests" if status == 429 else "Forbidden: rate limited"
                        last_problem = f"HTTP {status} {label}" + (
                            f" (Retry-After {retry_after:g} s)" if retry_after is not None else "")
                    elif status >= 500:
                        if retry_after is not None:
                            wait = min(retry_after, s.max_retry_after)
                        last_problem = self._scrub(f"HTTP {status} {resp.reason}".strip())
                    else:
                        hint = _HINTS.get(status, "this is not a transient error; check the request")
                        err = OpenAlexHTTPError(
                            f"GET {safe_url}: expected HTTP 200, got {status}: {message}",
                            url=safe_url,
                            status=status,
                            hint=hint,
                        )
                        err.detail = message  # OpenAlex's own words, scrubbed
                        if status == 400:
                            err.exit_code = 2  # a bad filter/select is bad usage
                        raise err
            if attempt == s.max_retries:
                break
            if wait is None:
                wait = self._backoff(attempt)
            self.retries += 1
            log.warning(self._scrub(
                f"GET {safe_url}: {last_problem}; retry {attempt + 1}/{s.max_retries} "
                f"in {wait:.2f} s"))
            self._sleep(wait)
        cls = RateLimited if last_was_rate else NetworkGaveUp
        raise cls(
            f"GET {safe_url}: gave up after {s.max_retries + 1} attempts; last problem: "
            f"{self._scrub(last_problem)}",
            url=safe_url,
            status=429 if last_was_rate else None,
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


_MAX_CURSOR_CHARS = 8192


def _bad_page(url: str, what: str, hint: str | None = None) -> OpenAlexError:
    return OpenAlexError(f"GET {url}: {what}", url=url,
                         hint=hint or "the server is not behaving like OpenAlex; nothing of this "
                         "page was cached; rerun later or check --base-url")


def _check_meta(meta: Any, url: str, kind: str) -> dict[str, Any]:
    if not isinstance(meta, dict):
        raise _bad_page(url, f"expected 'meta' to be an object, got {type(meta).__name__}")
    for name in ("count", "groups_count"):
        value = meta.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise _bad_page(url, f"expected meta.{name} to be a count (integer >= 0), "
                                 f"got {str(value)[:60]!r}")
    cursor = meta.get("next_cursor")
    if cursor is not None and (not isinstance(cursor, str) or not cursor
                               or len(cursor) > _MAX_CURSOR_CHARS):
        raise _bad_page(url, f"expected meta.next_cursor to be a short string or null, got "
                             f"{str(cursor)[:60]!r}")
    return meta


def _check_item(rec: Any, url: str, kind: str, position: int) -> str:
    """The id (works) or key (groups) of one page entry; a malformed entry rejects the page."""
    where = f"{'results' if kind == 'works' else 'group_by'}[{position}]"
    if not isinstance(rec, dict):
        raise _bad_page(url, f"{where}: expected an object, got {type(rec).__name__}")
    if kind == "works":
        rid = rec.get("id")
        if not isinstance(rid, str) or not _short(rid):
            raise _bad_page(url, f"{where}: expected a work id string in 'id', got "
                                 f"{str(rid)[:60]!r}")
        return _short(rid)
    key, cnt = rec.get("key"), rec.get("count")
    if isinstance(key, bool) or not isinstance(key, str | int) or key == "":
        raise _bad_page(url, f"{where}: expected a group key (string), got {str(key)[:60]!r}")
    if not isinstance(cnt, int) or isinstance(cnt, bool) or cnt < 0:
        raise _bad_page(url, f"{where} (key {str(key)[:40]!r}): expected 'count' to be an "
                             f"integer >= 0, got {str(cnt)[:60]!r}")
    name = rec.get("key_display_name")
    if name is not None and not isinstance(name, str | int | float):
        raise _bad_page(url, f"{where}: expected key_display_name to be a string, got "
                             f"{type(name).__name__}")
    return str(key)


def _meta_versions(meta: Mapping[str, Any]) -> dict[str, Any]:
    """OpenAlex ``meta`` fields that name a data/schema/taxonomy version, when present."""
    return {
        k: scrub(v) if isinstance(v, str) else v
        for k, v in meta.items()
        if "version" in str(k).lower() and isinstance(v, str | int | float) and not isinstance(v, bool)
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
    cache = QueryCache(cache_root, identity, kind=kind)
    bar = _Progress(progress, f"fetch {kind}")
    with cache.lock():
        manifest = None if refresh else cache.load_manifest()
        if cache.read_only and (manifest is None or not manifest["complete"] or refresh) and not (
            manifest is not None and limit is not None and manifest["items"] >= limit
        ):
            raise InputDataError(
                f"cache {cache.dir}: expected a writable cache folder to fetch into, got a "
                "read-only one holding no complete result for this query",
                hint="use --cache-dir on a writable disk",
            )
        if manifest is None:
            manifest = cache.new_manifest({"path_query": scrub(base), "mode": mode})
            manifest["next"] = {"cursor": "*"} if mode == "cursor" else {"page": 1}
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
            raise cache.corrupt(f"the manifest counts {manifest['items']} items, its "
                                f"{manifest['pages']} pages hold {len(items)}")
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
                    if (exc.status != 400 or fell_back or smaller is None
                            or not _PAGE_SIZE_WORDS.search(detail)
                            or (mode == "page" and nxt["page"] != 1)):
                        raise
                    fell_back = True
                    per_page = smaller
                    manifest["per_page_fallback"] = {"from": pp, "to": smaller,
                                                     "message": detail[:300]}
                    log.warning(client._scrub(
                        f"OpenAlex refused per_page={pp} with HTTP 400 ({detail[:200]}); "
                        f"retrying once with per_page={smaller}"))
                    continue
                if mode == "cursor":
                    used_cursors.add(nxt["cursor"])
                meta = _check_meta(data.get("meta"), url, kind)
                page_items = data.get(items_key)
                if mode == "cursor" and page_items and meta.get("next_cursor") in used_cursors:
                    raise _bad_page(url, "expected a new next_cursor, got one already used "
                                         f"(after {len(items):,} items): the cursor repeats; "
                                         "stopped", hint="the pages fetched before are kept; "
                                         "rerun later")
                if not isinstance(page_items, list):
                    raise _bad_page(url, f"expected '{items_key}' to be a list, got "
                                         f"{type(page_items).__name__}",
                                    hint="is --base-url pointing at the OpenAlex API? nothing of "
                                    "this page was cached")
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
                    raise _bad_page(url, f"page {manifest['pages'] + 1} brought no new "
                                         f"{'works' if kind == 'works' else 'groups'} (all "
                                         f"{len(page_items)} already fetched): the paging does "
                                         "not advance; stopped")
                if manifest["count"] is None:
                    manifest["count"] = meta.get("count")
                    if kind == "groups":
                        manifest["groups_count"] = meta.get("groups_count")
                bound = manifest["count"] if kind == "works" else manifest.get("groups_count")
                if isinstance(bound, int) and len(items) + len(new) > bound + max(pp, 1) + 1:
                    raise _bad_page(url, f"expected at most {bound:,} "
                                         f"{'works' if kind == 'works' else 'groups'} "
                                         f"(meta), got {len(items) + len(new):,}; stopped")
                meta_versions.update(_meta_versions(meta))
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
                            "include_unknown" not in base or bool(unknown)
                            or len(page_items) < pp)
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
    client, owned = _client_for(client, cache_dir)
    try:
        root = cache_dir if cache_dir is not None else client.settings.cache_dir
        base, pp, limit, mode = _works_query(
            filters, select=select, max_works=max_works, sample=sample, seed=seed, search=search,
            per_page=per_page, settings=client.settings)
        return _paged(
            kind="works", base=base, client=client, cache_root=root, per_page=pp, limit=limit,
            mode=mode, refresh=refresh, progress=progress,
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
    _check_int("sample", sample, 1, 10_000,
               hint="OpenAlex samples at most 10,000; draw several with different seeds")
    _check_int("seed", seed, 0, 2**63 - 1)
    _check_int("per_page", per_page, 1, 200)
    base = render_query(build_query(filters, select=select, search=search, sample=sample, seed=seed))
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
        raise UsageError(f"group_by: expected a field name like 'authorships.countries', got {group_by!r}",
                         hint="litscan adds ':include_unknown' itself")
    client, owned = _client_for(client, cache_dir)
    try:
        root = cache_dir if cache_dir is not None else client.settings.cache_dir
        key = f"{group_by}:include_unknown" if include_unknown else group_by
        base = render_query(build_query(filters, group_by=key))
        _check_int("per_page", per_page, 1, 200)
        result = _paged(
            kind="groups", base=base, client=client, cache_root=root,
            per_page=per_page or client.settings.per_page,
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
        cnt = int(g["count"])  # checked to be an int >= 0 before it was cached
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
        what = f"{self.count:,} works" + (f", {self.groups:,} groups" if self.groups is not None else "")
        if self.cached:
            return f"{what}; complete in the cache: 0 requests, $0; {self.url}"
        budget = ""
        if self.remaining_usd is not None:
            budget = f"; budget left today ${self.remaining_usd:,.4f}"
            if self.reset_seconds is not None:
                budget += f" (resets in {self.reset_seconds / 3600:.1f} h)"
        return (f"{what}; would fetch {self.fetch_items:,} in {self.pages:,} pages of "
                f"{self.per_page} = {self.requests:,} requests, estimated ${self.cost_usd:,.4f} "
                f"(${self.unit_cost_usd:g}/request, {self.price_source}){budget}; {self.url}")


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
                filters, select=select, max_works=max_works, sample=sample, seed=seed,
                search=search, per_page=per_page, settings=s)
            kind = "sample" if mode == "page" else "works"
            probe_base = render_query(build_query(filters, select=["id"], search=search,
                                                  sample=sample, seed=seed))
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
            return QueryPlan(url=url, kind=kind, count=n, groups=groups,
                             fetch_items=int(manifest["items"]),
                             cached_items=int(manifest["items"]), per_page=pp, pages=0, requests=0,
                             unit_cost_usd=0.0, price_source="cache", cost_usd=0.0,
                             remaining_usd=None, reset_seconds=None, probe_requests=0, cached=True)
        before = client.requests_made
        data = client.get_json(probe)
        meta = data.get("meta")
        if not isinstance(meta, dict) or not isinstance(meta.get("count"), int) or isinstance(
            meta.get("count"), bool
        ):
            raise _bad_page(client._scrub(client.url_for(probe)),
                            f"expected meta.count (an integer), got {str(meta)[:120]!r}")
        n = meta["count"]
        groups = None
        have = int(manifest["items"]) if manifest is not None and not refresh_needed(manifest) else 0
        groups = None
        if group_by:
            groups = meta.get("groups_count")
            if not isinstance(groups, int) or isinstance(groups, bool) or groups < 0:
                raise _bad_page(client._scrub(client.url_for(probe)),
                                f"expected meta.groups_count (an integer), got {groups!r}")
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
        if unit is None and isinstance(meta.get("cost_usd"), int | float) and not isinstance(
            meta.get("cost_usd"), bool
        ) and math.isfinite(meta["cost_usd"]):
            unit, source = float(meta["cost_usd"]), "meta.cost_usd"
        if unit is None or unit < 0:
            unit, source = DOCUMENTED_PRICE_USD[_price_kind(base)], "documented"
        reset = _header_float(headers, "X-RateLimit-Reset")
        return QueryPlan(
            url=url, kind=kind, count=n, groups=groups, fetch_items=fetch_items,
            cached_items=min(have, fetch_items), per_page=pp,
            pages=pages, requests=pages, unit_cost_usd=unit, price_source=source,
            cost_usd=round(pages * unit, 6),
            remaining_usd=_header_float(headers, "X-RateLimit-Remaining-USD"),
            reset_seconds=reset if reset is not None and 0 <= reset <= 40 * 86_400 else None,
            probe_requests=client.requests_made - before, cached=False,
        )
    finally:
        if owned:
            client.close()


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
