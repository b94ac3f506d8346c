"""The only class of litscan that speaks HTTP to OpenAlex (bytes are read by
:mod:`litscan.openalex.transport`): :class:`OpenAlexClient` with its session, deadline, size
cap, throttle and the retry policy of OpenAlex's 2026 error table. The API key is sent as the
2026 documentation says and scrubbed from every URL, header and message.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests

from litscan import jsontext
from litscan.config import Settings, resolve_settings
from litscan.errors import (
    NetworkGaveUp,
    OpenAlexError,
    OpenAlexHTTPError,
    RateLimited,
    scrub,
)
from litscan.openalex.query import _HINTS
from litscan.openalex.transport import (
    BodyReadError,
    CrossHostRedirect,
    DeadlineExceeded,
    ResponseTooLarge,
    bounded_get,
    new_session,
)

__all__ = [
    "OpenAlexClient",
]

log = logging.getLogger("litscan.openalex")


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


def _is_json_type(ctype: str) -> bool:
    """False for the types a captive portal, proxy or login page answers with (HTML, XML,
    images); any other type is parsed as JSON (servers label JSON loosely)."""
    ctype = ctype.lower()
    return not ("html" in ctype or "xml" in ctype or ctype.startswith(("image/", "video/")))


def _when(seconds: float) -> str:
    """``"2026-12-07 23:45 UTC (in 299 s)"``: when a wait of ``seconds`` from now ends."""
    at = datetime.fromtimestamp(time.time() + seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{at} (in {seconds:,.0f} s)"


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
    * With an API key, a redirect to another host (or from https to http) is refused before
      anything is sent there (the key never leaves for a host other than ``base_url``'s); without
      a key it is followed.

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
        headers = {
            "User-Agent": self.settings.user_agent,
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
        }
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
        rl = {
            k.lower(): v
            for k, v in self.last_headers.items()
            if k.lower().startswith("x-ratelimit-")
        }
        if rl:
            self.rate_limit = rl

    def _budget_spent(self, headers: Mapping[str, str], message: str) -> bool:
        remaining = _header_float(headers, "X-RateLimit-Remaining")
        remaining_usd = _header_float(headers, "X-RateLimit-Remaining-USD")
        return (
            (remaining is not None and remaining <= 0)
            or (remaining_usd is not None and remaining_usd <= 0)
            or bool(_BUDGET_WORDS.search(message))
        )

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
        waited = 0.0  # seconds slept for this request; capped by max_retry_after (--max-wait)
        status: int | None = None
        for attempt in range(s.max_retries + 1):
            self._throttle()
            self._last_request_at = self._clock()
            self.requests_made += 1
            wait: float | None = None
            last_was_rate = False
            try:
                resp = bounded_get(
                    self.session,
                    self._keyed(url),
                    headers=self._headers(),
                    timeout=s.timeout,
                    deadline=s.deadline,
                    max_bytes=s.max_response_bytes,
                    max_redirects=s.max_redirects,
                    same_host_only=bool(s.api_key),
                )
            except ResponseTooLarge as exc:
                raise OpenAlexError(
                    f"GET {safe_url}: expected a response of at most "
                    f"{s.max_response_bytes / 2**20:g} MiB, got {exc}",
                    url=safe_url,
                    hint="a broken or hostile server (gzip bomb?); raise --max-response-mb only "
                    "for a server you trust",
                ) from None
            except CrossHostRedirect as exc:
                raise OpenAlexError(
                    f"GET {safe_url}: expected an answer from the API host, got a "
                    f"{self._scrub(exc)}; not followed, so the API key is not sent there",
                    url=safe_url,
                    hint="litscan sends OPENALEX_API_KEY only to the --base-url host; if the API "
                    "moved, pass its new address as --base-url",
                ) from None
            except requests.TooManyRedirects as exc:
                raise OpenAlexError(
                    f"GET {safe_url}: expected an answer, got {self._scrub(exc)}",
                    url=safe_url,
                    hint="check --base-url; a redirect loop is a server problem",
                ) from None
            except DeadlineExceeded as exc:
                last_problem = f"deadline of {s.deadline or sum(s.timeout):g} s passed ({exc})"
            except requests.Timeout as exc:
                last_problem = f"timed out ({type(exc).__name__})"
            except BodyReadError as exc:
                last_problem = f"the body broke off ({self._scrub(exc)[:200]})"
            except (
                requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                last_problem = f"connection failed ({type(exc).__name__}: {self._scrub(exc)[:200]})"
            except requests.RequestException as exc:
                raise OpenAlexError(
                    f"GET {safe_url}: expected an HTTP answer, got {type(exc).__name__}: "
                    f"{self._scrub(exc)[:200]}",
                    url=safe_url,
                    hint="check --base-url",
                ) from None
            else:
                self._record_rate_limit(resp.headers)
                status = resp.status
                if status == 200:
                    ctype = str(resp.headers.get("Content-Type") or "").split(";")[0].strip()
                    if ctype and not _is_json_type(ctype):
                        raise OpenAlexError(
                            f"GET {safe_url}: expected a JSON answer, got HTTP 200 with "
                            f"Content-Type {self._scrub(ctype)[:80]!r} ({len(resp.body):,} bytes: "
                            f"{self._scrub(_body_message(resp.body, ''))[:80]!r})",
                            url=safe_url,
                            status=200,
                            hint="a captive portal, proxy or login page answered instead of "
                            "OpenAlex: sign in to the network or check --base-url",
                        )
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
                        retry_after is not None or bool(_RATE_WORDS.search(message))
                    )
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
                                f"litscan waits (--max-wait); retry after {_when(retry_after)}: "
                                f"{message}",
                                url=safe_url,
                                status=status,
                                hint="rerun then (the cache resumes where it stopped), or "
                                "raise --max-wait",
                            )
                        wait = retry_after
                        label = "Too Many Requests" if status == 429 else "Forbidden: rate limited"
                        last_problem = f"HTTP {status} {label}" + (
                            f" (Retry-After {retry_after:g} s)" if retry_after is not None else ""
                        )
                    elif status >= 500:
                        if retry_after is not None:
                            wait = min(retry_after, s.max_retry_after)
                        last_problem = self._scrub(f"HTTP {status} {resp.reason}".strip())
                    else:
                        hint = _HINTS.get(
                            status, "this is not a transient error; check the request"
                        )
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
            if waited + wait > s.max_retry_after:
                cls = RateLimited if last_was_rate else NetworkGaveUp
                raise cls(
                    f"GET {safe_url}: {self._scrub(last_problem)}; waiting {wait:.0f} s more "
                    f"would make {waited + wait:.0f} s for this request, longer than the "
                    f"{s.max_retry_after:.0f} s litscan waits (--max-wait); retry after "
                    f"{_when(wait)}",
                    url=safe_url,
                    status=status if last_was_rate else None,
                    hint="rerun then (the cache resumes where it stopped), or raise --max-wait",
                )
            waited += wait
            self.retries += 1
            log.warning(
                self._scrub(
                    f"GET {safe_url}: {last_problem}; retry {attempt + 1}/{s.max_retries} "
                    f"in {wait:.2f} s"
                )
            )
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
