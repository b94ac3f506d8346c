"""A local OpenAlex-like HTTP server for offline tests and benchmarks.

    from tests.fake_openalex import FakeOpenAlex, Fault

    with FakeOpenAlex(works, faults=[Fault("503", at=2)]) as server:
        fetch_works("publication_year:2020", client=OpenAlexClient(resolve_settings(server.url)))
        assert server.ids("publication_year:2020") == {...}

It serves ``/works`` from real work records with the behaviour litscan relies on, modelled on the
recorded responses in ``../shared/data/openalex-responses``:

* filters (``key:value``, ``a|b`` for OR, ``!value`` for NOT, year ranges ``2019-2021`` / ``<`` /
  ``>``; see :data:`FILTERS`), unknown filter names answer 400 with OpenAlex's message shape;
* cursor paging (``cursor=*`` … ``next_cursor``; the last page is an *empty* page with
  ``next_cursor: null``, as the real API does), basic paging (``page``), ``per_page`` 1..200,
  ``select`` (invalid fields answer 400), ``sample`` + ``seed``;
* ``group_by`` (optionally ``:include_unknown``) with cursor paging over groups; without a cursor
  only the first ``per_page`` groups are returned (the real API's 200-group cap);
* ``/rate-limit``; an optional required API key (401 otherwise), an optional request-rate limit
  (429 + ``Retry-After``) and an optional daily budget (``X-RateLimit-Remaining``);
* a fault plan: :class:`Fault` entries fire on given request numbers (1-based, counted over all
  requests): ``429`` (with or without ``Retry-After``), ``budget`` (429 with remaining 0), ``500``,
  ``503``, ``400``/``401``/``403``, ``timeout`` (sleep longer than the client's read timeout, then
  answer), ``truncated`` (Content-Length of the full body, half the body, then close),
  ``truncated_json`` (a complete HTTP answer whose JSON is cut in half) and ``reset`` (TCP RST);
* hostile **scenarios, one per URL path**: a base URL ``<server.url>/s/<name>`` serves the same API
  under ``/s/<name>/works`` with the behaviour :data:`SCENARIOS` describes (a rate-limit 403, a
  repeating cursor, a trickled body, a gzip bomb, a redirect loop, key reflection ...). Requests
  are counted per scenario in :attr:`FakeOpenAlex.scenario_requests`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import socket
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

__all__ = ["FakeOpenAlex", "Fault", "FILTERS", "GROUP_BYS", "SCENARIOS"]

#: hostile scenarios served under ``/s/<name>/`` (see the module doc)
SCENARIOS: dict[str, str] = {
    "ratelimit-403": "the first two requests answer 403: one says 'Rate limit exceeded; slow down' "
                     "(no Retry-After), one says only 'Forbidden' with Retry-After: 0",
    "auth-403": "every request answers 403 'Invalid API key <the key sent>: access denied'",
    "per-page-100": "per_page above 100 answers 400 'per_page must be between 1 and 100'",
    "cursor-repeat": "next_cursor is always the same string (works and group_by)",
    "no-new-ids": "the cursor advances but every page repeats the first page's works",
    "trickle": "a 200 whose body arrives one byte every 0.2 s",
    "trickle-headers": "a status line, then the headers one byte every 0.2 s",
    "gzip-bomb": "a 200 with Content-Encoding: gzip that expands to 128 MiB",
    "redirect-loop": "302 to the same URL, forever",
    "group-five": "group_by pages whose first group has count \"five\"",
    "results-not-list": "a 200 whose 'results' is an object",
    "budget": "429 with X-RateLimit-Remaining: 0 and X-RateLimit-Reset: 41741",
    "leaky": "two 503s whose reason phrase holds the key sent, then a 429 budget answer whose "
             "headers and body reflect the key raw, upper-cased, URL-encoded and base64-encoded",
    "deep-json": "a 200 whose body is 100,000 nested JSON arrays",
}

_BOMB: bytes | None = None


def gzip_bomb() -> bytes:
    """128 MiB of zeros, gzip-compressed (~125 KiB); built once per process."""
    global _BOMB
    if _BOMB is None:
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        block = bytes(1 << 20)
        _BOMB = b"".join(comp.compress(block) for _ in range(128)) + comp.flush()
    return _BOMB


def _short(v: Any) -> str:
    return "" if v is None else str(v).rsplit("/", 1)[-1]


def _walk(obj: Any, path: list[str]) -> list[Any]:
    """All values at ``path`` (lists are flattened at every level)."""
    if not path:
        return [x for x in (obj if isinstance(obj, list) else [obj]) if x is not None]
    if isinstance(obj, list):
        return [v for item in obj for v in _walk(item, path)]
    if isinstance(obj, dict):
        return _walk(obj.get(path[0]), path[1:]) if path[0] in obj else []
    return []


#: filter name -> record path (values compared case-insensitively on the short id)
FILTERS: dict[str, str] = {
    "authorships.countries": "authorships.countries",
    "authorships.institutions.country_code": "authorships.institutions.country_code",
    "institutions.country_code": "authorships.institutions.country_code",
    "authorships.author.id": "authorships.author.id",
    "author.id": "authorships.author.id",
    "type": "type",
    "language": "language",
    "is_retracted": "is_retracted",
    "primary_topic.id": "primary_topic.id",
    "primary_topic.subfield.id": "primary_topic.subfield.id",
    "primary_topic.field.id": "primary_topic.field.id",
    "primary_topic.domain.id": "primary_topic.domain.id",
    "topics.id": "topics.id",
    "concepts.id": "concepts.id",
    "locations.source.id": "locations.source.id",
    "primary_location.source.id": "primary_location.source.id",
    "topics.subfield.id": "topics.subfield.id",
    "citation_normalized_percentile.is_in_top_10_percent":
        "citation_normalized_percentile.is_in_top_10_percent",
    "citation_normalized_percentile.is_in_top_1_percent":
        "citation_normalized_percentile.is_in_top_1_percent",
    "openalex": "id",
    "openalex_id": "id",
    "ids.openalex": "id",
    "publication_year": "publication_year",
    "from_publication_date": "publication_date",
    "to_publication_date": "publication_date",
}

#: group_by name -> (record path, key prefix, display-name path or None)
GROUP_BYS: dict[str, tuple[str, str, str | None]] = {
    "authorships.countries": ("authorships.countries", "https://openalex.org/countries/", None),
    "authorships.institutions.country_code":
        ("authorships.institutions.country_code", "https://openalex.org/countries/", None),
    "publication_year": ("publication_year", "", None),
    "type": ("type", "https://openalex.org/types/", None),
    "primary_topic.subfield.id": ("primary_topic.subfield", "", "display_name"),
    "primary_topic.field.id": ("primary_topic.field", "", "display_name"),
    "authorships.author.id": ("authorships.author", "", "display_name"),
    "language": ("language", "https://openalex.org/languages/", None),
}

SELECTABLE = {
    "id", "doi", "title", "display_name", "relevance_score", "publication_year",
    "publication_date", "ids", "language", "primary_location", "type", "indexed_in",
    "open_access", "authorships", "institutions", "countries_distinct_count",
    "institutions_distinct_count", "corresponding_author_ids", "corresponding_institution_ids",
    "apc_list", "apc_paid", "fwci", "is_authors_truncated", "has_fulltext", "cited_by_count",
    "citation_normalized_percentile", "cited_by_percentile_year", "biblio", "is_retracted",
    "is_paratext", "primary_topic", "topics", "keywords", "concepts", "mesh", "locations_count",
    "locations", "best_oa_location", "sustainable_development_goals", "grants", "funders",
    "referenced_works_count", "referenced_works", "related_works", "abstract_inverted_index",
    "counts_by_year", "updated_date", "created_date",
}


@dataclass
class Fault:
    """A fault fired on requests ``at`` .. ``at + times - 1`` (1-based, all requests counted)."""

    kind: str
    at: int = 1
    times: int = 1
    retry_after: str | None = None
    seconds: float = 2.0

    def fires(self, n: int) -> bool:
        return self.at <= n < self.at + self.times


def _match_one(values: list[Any], want: str) -> bool:
    neg = want.startswith("!")
    want = want[1:] if neg else want
    alts = [w.strip().lower() for w in want.split("|")]
    have = {_short(v).lower() if not isinstance(v, bool) else str(v).lower() for v in values}
    hit = any(a in have for a in alts)
    return not hit if neg else hit


def _match_year(values: list[Any], want: str) -> bool:
    years = [int(v) for v in values if isinstance(v, int)]
    if not years:
        return False
    y = years[0]
    for alt in want.split("|"):
        alt = alt.strip()
        if alt.startswith("<"):
            ok = y < int(alt[1:])
        elif alt.startswith(">"):
            ok = y > int(alt[1:])
        elif "-" in alt[1:]:
            lo, hi = alt.split("-", 1)
            ok = (not lo or y >= int(lo)) and (not hi or y <= int(hi))
        else:
            ok = y == int(alt.lstrip("!")) if not alt.startswith("!") else y != int(alt[1:])
        if ok:
            return True
    return False


class _Error(Exception):
    def __init__(self, status: int, body: dict, headers: dict | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def _b64(obj: Any) -> str:
    return base64.b64encode(json.dumps(obj).encode()).decode()


def _unb64(s: str) -> Any:
    try:
        return json.loads(base64.b64decode(s.encode()))
    except Exception as exc:  # noqa: BLE001 - any garbage cursor is a 400
        raise _Error(400, {"error": "Invalid query parameters error.",
                           "message": f"cursor {s!r} is not valid"}) from exc


class FakeOpenAlex:
    """Context manager running the fake API on ``127.0.0.1:<free port>``; see the module doc."""

    def __init__(
        self,
        works: Iterable[dict],
        *,
        faults: Iterable[Fault] = (),
        require_key: str | None = None,
        rate_limit: float | None = None,
        daily_budget: int | None = None,
        delay: float = 0.0,
        max_per_page: int = 200,
        meta_extra: dict[str, Any] | None = None,
    ) -> None:
        self.works = sorted(works, key=lambda w: int(_short(w["id"])[1:]))
        self.faults = list(faults)
        self.require_key = require_key
        self.rate_limit = rate_limit
        self.budget_left = daily_budget
        self.delay = delay
        self.max_per_page = max_per_page
        self.meta_extra = dict(meta_extra or {})  # extra ``meta`` fields on every list answer
        self.scenario_requests: Counter[str] = Counter()
        self.requests: list[dict[str, Any]] = []
        self.status_counts: Counter[int | str] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._window: list[float] = []
        self._memo: dict[tuple, Any] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------------
    def __enter__(self) -> FakeOpenAlex:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._httpd is not None and self._thread is not None
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        assert self._httpd is not None, "use FakeOpenAlex as a context manager"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # the data --------------------------------------------------------------------------------
    def matching(self, filters: str | dict | None) -> list[dict]:
        """The works a filter selects (the server's truth for a query)."""
        if isinstance(filters, str):
            key = ("m", filters)
            if key not in self._memo:
                self._memo[key] = self._matching(filters)
            return self._memo[key]
        return self._matching(filters)

    def _matching(self, filters: str | dict | None) -> list[dict]:
        if filters is None or filters == "":
            return list(self.works)
        if isinstance(filters, str):
            parts = [p for p in filters.split(",") if p]
            pairs = [p.split(":", 1) for p in parts]
        else:
            pairs = list(filters.items())
        out = self.works
        for name, value in pairs:
            name = name.strip()
            if name not in FILTERS:
                raise _Error(400, {
                    "error": "Invalid query parameters error.",
                    "message": f"{name} is not a valid field. Valid fields are underscore or "
                               f"hyphenated versions of: {', '.join(sorted(FILTERS))}",
                })
            path = FILTERS[name].split(".")
            value = str(value)
            if name == "publication_year":
                out = [w for w in out if _match_year(_walk(w, path), value)]
            elif name in ("from_publication_date", "to_publication_date"):
                cmp = (lambda d, v=value: d >= v) if name.startswith("from") else (
                    lambda d, v=value: d <= v)
                out = [w for w in out if any(cmp(str(d)) for d in _walk(w, path))]
            else:
                out = [w for w in out if _match_one(_walk(w, path), value)]
        return list(out)

    def ids(self, filters: str | dict | None = None) -> set[str]:
        """Short ids of the works a filter selects."""
        return {_short(w["id"]) for w in self.matching(filters)}

    def groups(self, filters: str | dict | None, group_by: str, include_unknown: bool) -> list[dict]:
        """The full, sorted group list for a group_by query (the server's truth)."""
        memo_key = ("g", str(filters), group_by, include_unknown)
        if memo_key in self._memo:
            return self._memo[memo_key]
        path, prefix, name_key = GROUP_BYS[group_by]
        counts: Counter[str] = Counter()
        names: dict[str, str] = {}
        unknown = 0
        for w in self.matching(filters):
            vals = _walk(w, path.split("."))
            keys = {}
            for v in vals:
                if name_key:
                    if isinstance(v, dict) and v.get("id"):
                        keys[_short(v["id"])] = v.get(name_key) or _short(v["id"])
                else:
                    keys[str(v)] = str(v)
            if not keys:
                unknown += 1
            for k, n in keys.items():
                counts[k] += 1
                names[k] = n
        groups = [
            {"key": f"{prefix}{k}" if prefix else (k if not name_key else f"https://openalex.org/{k}"),
             "key_display_name": names[k], "count": c}
            for k, c in counts.items()
        ]
        groups.sort(key=lambda g: (-g["count"], g["key"]))
        if include_unknown and unknown:
            groups.append({"key": "unknown", "key_display_name": "unknown", "count": unknown})
        self._memo[memo_key] = groups
        return groups

    # request handling ----------------------------------------------------------------------
    def _next_request(self, path: str, params: dict, headers: dict) -> tuple[int, Fault | None]:
        with self._lock:
            n = len(self.requests) + 1
            self.requests.append({"n": n, "path": path, "params": params,
                                  "authorization": headers.get("Authorization"),
                                  "user_agent": headers.get("User-Agent")})
            fault = next((f for f in self.faults if f.fires(n)), None)
            return n, fault

    def _rate_headers(self) -> dict[str, str]:
        h = {"X-RateLimit-Limit": "10000"}
        if self.budget_left is not None:
            h["X-RateLimit-Remaining"] = str(max(self.budget_left, 0))
            h["X-RateLimit-Reset"] = "3600"
        return h

    def answer(self, path: str, params: dict[str, str], scenario: str | None = None) -> dict:
        """The JSON body for a successful request (raises :class:`_Error` for a 4xx)."""
        if path == "/rate-limit":
            return {"api_key": "***", "rate_limit": {"credits_remaining": self.budget_left}}
        if path != "/works":
            raise _Error(404, {"error": "Not found", "message": f"{path} is not served here"})
        per_page = int(params.get("per_page", params.get("per-page", "25")))
        limit = 100 if scenario == "per-page-100" else self.max_per_page
        if not 1 <= per_page <= limit:
            raise _Error(400, {"error": "Invalid query parameters error.",
                               "message": f"per_page must be between 1 and {limit}"})
        body = self._answer(params, per_page)
        meta = body["meta"]
        meta.update(self.meta_extra)
        if scenario == "cursor-repeat" and "next_cursor" in meta:
            meta["next_cursor"] = _b64({"after": 0, "offset": 0}) if (
                body["results"] or body["group_by"]) else None
        elif scenario == "no-new-ids" and body["results"]:
            body["results"] = self._answer({**params, "cursor": "*"}, per_page)["results"]
        elif scenario == "group-five" and body["group_by"]:
            body["group_by"][0] = {**body["group_by"][0], "count": "five"}
        elif scenario == "results-not-list":
            body["results"] = {"oops": len(body["results"])}
        return body

    def _answer(self, params: dict[str, str], per_page: int) -> dict:
        filters = params.get("filter")
        group_by = params.get("group_by", params.get("group-by"))
        cursor = params.get("cursor")
        meta: dict[str, Any] = {"db_response_time_ms": 1, "page": None, "per_page": per_page,
                                "groups_count": None, "cost_usd": 0.0001}
        if group_by:
            name, _, opt = group_by.partition(":")
            if name not in GROUP_BYS:
                raise _Error(400, {"error": "Invalid query parameters error.",
                                   "message": f"{name} is not a valid group_by field."})
            groups = self.groups(filters, name, opt == "include_unknown")
            meta["count"] = len(self.matching(filters))
            meta["groups_count"] = sum(1 for g in groups if g["key"] != "unknown")
            start = 0 if cursor in (None, "*") else _unb64(cursor)["offset"]
            chunk = groups[start:start + per_page]
            if cursor is not None:
                meta["next_cursor"] = _b64({"offset": start + len(chunk)}) if chunk else None
            return {"meta": meta, "results": [], "group_by": chunk}
        works = self.matching(filters)
        if "sample" in params:
            if cursor is not None:
                raise _Error(400, {"error": "Invalid query parameters error.",
                                   "message": "cursor paging is not supported with sample"})
            rng = random.Random(params.get("seed", "0"))
            works = rng.sample(works, min(int(params["sample"]), len(works)))
        meta["count"] = len(works)
        if cursor is not None:
            start = 0 if cursor == "*" else _unb64(cursor)["after"]
            chunk = works[start:start + per_page]
            meta["next_cursor"] = _b64({"after": start + len(chunk)}) if chunk else None
        else:
            page = int(params.get("page", "1"))
            meta["page"] = page
            if page * per_page > 10_000:
                raise _Error(400, {"error": "Invalid query parameters error.",
                                   "message": "Maximum results size of 10,000 records is exceeded."})
            chunk = works[(page - 1) * per_page: page * per_page]
        if "select" in params:
            fields = [f.strip() for f in params["select"].split(",") if f.strip()]
            bad = [f for f in fields if f not in SELECTABLE]
            if bad:
                raise _Error(400, {"error": "Invalid query parameters error.",
                                   "message": f"{bad[0]} is not a valid select field. Valid fields "
                                              f"for select are: {', '.join(sorted(SELECTABLE))}"})
            chunk = [{f: w[f] for f in fields if f in w} for w in chunk]
        return {"meta": meta, "results": chunk, "group_by": []}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAlex
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls between header and body

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def handle(self) -> None:  # a client that hangs up (deadline, size cap) is not an error here
        with contextlib.suppress(ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
            super().handle()

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None,
              declared_length: int | None = None, reason: str | None = None) -> None:
        self.send_response(status, reason)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(declared_length if declared_length is not None
                                               else len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        try:
            self._do_get()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def _do_get(self) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        path, scenario = parts.path, None
        if path.startswith("/s/"):
            _, _, scenario, rest = (path + "/").split("/", 3)
            path = "/" + rest.rstrip("/")
        n, fault = fake._next_request(path, params, dict(self.headers))
        if scenario is not None:
            with fake._lock:
                fake.scenario_requests[scenario] += 1
                k = fake.scenario_requests[scenario]
            if self._scenario(scenario, k, path, params):
                return
        if fake.delay:
            fake._stop.wait(fake.delay)
        rate = fake._rate_headers()
        kind = fault.kind if fault else None
        if kind == "timeout":
            fake._stop.wait(fault.seconds)
        if kind == "reset":
            fake.status_counts["reset"] += 1
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.close()
            return
        if kind in {"429", "budget", "500", "503", "400", "401", "403"}:
            status = 429 if kind == "budget" else int(kind)
            headers = dict(rate)
            if kind == "budget":
                headers.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3600"})
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
            body = {
                429: {"error": "Rate limit exceeded", "message": "Too many requests"},
                500: {"error": "Internal server error", "message": "try again"},
                503: {"error": "Service unavailable", "message": "try again"},
                400: {"error": "Invalid query parameters error.", "message": "injected 400"},
                401: {"error": "Invalid or missing API key", "message": "API key not found"},
                403: {"error": "Forbidden", "message": "injected 403"},
            }[status]
            fake.status_counts[status] += 1
            self._send(status, json.dumps(body).encode(), headers)
            return
        # authentication, rate limit and budget
        if fake.require_key is not None and self.headers.get("Authorization") != f"Bearer {fake.require_key}":
            fake.status_counts[401] += 1
            self._send(401, b'{"error":"Invalid or missing API key","message":"API key not found"}')
            return
        if fake.rate_limit:
            with fake._lock:
                now = time.monotonic()
                fake._window = [t for t in fake._window if now - t < 1.0]
                limited = len(fake._window) >= fake.rate_limit
                if not limited:
                    fake._window.append(now)
            if limited:
                fake.status_counts[429] += 1
                self._send(429, b'{"error":"Rate limit exceeded","message":"slow down"}',
                           {**rate, "Retry-After": "1"})
                return
        if fake.budget_left is not None:
            with fake._lock:
                if fake.budget_left <= 0:
                    spent = True
                else:
                    fake.budget_left -= 1
                    spent = False
                rate = fake._rate_headers()
            if spent:
                fake.status_counts["budget"] += 1
                self._send(429, b'{"error":"Rate limit exceeded","message":"daily budget spent"}',
                           rate)
                return
        try:
            body = json.dumps(fake.answer(path, params, scenario)).encode()
        except _Error as err:
            fake.status_counts[err.status] += 1
            self._send(err.status, json.dumps(err.body).encode(), {**rate, **err.headers})
            return
        if kind == "truncated":
            fake.status_counts["truncated"] += 1
            self.close_connection = True
            self._send(200, body[: len(body) // 2], rate, declared_length=len(body))
            return
        if kind == "truncated_json":
            fake.status_counts["truncated_json"] += 1
            self._send(200, body[: len(body) // 2], rate)
            return
        fake.status_counts[200] += 1
        self._send(200, body, rate)

    def _scenario(self, name: str, k: int, path: str, params: dict[str, str]) -> bool:
        """Answer request ``k`` of scenario ``name`` if it is hostile; ``False`` = serve normally."""
        fake = self.fake
        sent = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        if name not in SCENARIOS:
            self._send(404, b'{"error":"Not found","message":"no such scenario"}')
            return True
        if name == "ratelimit-403" and k <= 2:
            if k == 1:
                self._send(403, b'{"error":"Forbidden","message":"Rate limit exceeded; slow down"}')
            else:
                self._send(403, b'{"error":"Forbidden","message":"Forbidden"}', {"Retry-After": "0"})
            return True
        if name == "auth-403":
            body = {"error": "Forbidden", "message": f"Invalid API key {sent}: access denied"}
            self._send(403, json.dumps(body).encode())
            return True
        if name == "budget" or (name == "leaky" and k > 2):
            headers = {"X-RateLimit-Limit": "10000", "X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset": "41741"}
            msg = "daily budget spent"
            if name == "leaky":
                headers["X-RateLimit-Reset"] = sent
                headers["X-Echo"] = base64.b64encode(f"user:{sent}".encode()).decode()
                msg = (f"budget spent for {sent.upper()} / {quote(sent, safe='')} / "
                       f"{base64.b64encode(sent.encode()).decode()} / {sent.lower()}")
            self._send(429, json.dumps({"error": "Rate limit exceeded", "message": msg}).encode(),
                       headers)
            return True
        if name == "leaky":
            self._send(503, b'{"error":"down"}', reason=f"Unavailable for {sent}")
            return True
        if name == "redirect-loop":
            self._send(302, b"", {"Location": self.path})
            return True
        if name == "gzip-bomb":
            self._send(200, gzip_bomb(), {"Content-Encoding": "gzip"})
            return True
        if name == "deep-json":
            self._send(200, b"[" * 100_000 + b"]" * 100_000)
            return True
        if name == "trickle-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self.wfile.flush()
            for _ in range(1000):
                if fake._stop.wait(0.2):
                    break
                self.wfile.write(b"X")
                self.wfile.flush()
            self.close_connection = True
            return True
        if name == "trickle":
            body = json.dumps(fake.answer(path, params)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            for i in range(len(body)):
                if fake._stop.wait(0.2):
                    break
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
            self.close_connection = True
            return True
        return False
