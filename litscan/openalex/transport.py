"""One bounded HTTP GET: a deadline for the whole request, a cap on the decoded body, few redirects.

:func:`bounded_get` is the only place litscan reads bytes from the network. Its guarantees:

* **Deadline.** ``deadline`` seconds bound the whole request: connecting, the status line and
  headers, every redirect hop and the whole body. A watchdog timer shuts the socket down when the
  deadline passes, so a server that trickles one byte every few seconds (which never trips a
  per-read timeout) is cut off on time. Sessions made by :func:`new_session` let the watchdog see
  the connection from the first byte; on any other session it guards the body.
* **Size cap.** The body is read in 64 KiB steps and *decoded as it streams* (gzip/deflate through
  urllib3, whose decoders limit their output per step), and the read stops as soon as the decoded
  size passes ``max_bytes``. A gzip bomb therefore costs at most ``max_bytes`` plus one step of
  memory, never its expanded size. A ``Content-Length`` above the cap is refused before reading.
* **Redirects.** Followed here, not by ``requests`` (which would read each redirect body without a
  cap): at most ``max_redirects`` hops, only to ``http(s)`` URLs, redirect bodies are not read, and
  the ``Authorization`` header is dropped when a hop leaves the original host. A loop or a longer
  chain ends in :class:`requests.TooManyRedirects`. With ``same_host_only`` (the client sets it
  whenever an API key is configured, because the key also travels in the query string, which a
  ``Location`` echoes) a hop to another origin (host or port; the one exception is the plain
  ``http`` -> ``https`` upgrade of the same host) is not followed at all: :class:`CrossHostRedirect` is raised before anything is sent there.

Errors: :class:`DeadlineExceeded` and :class:`BodyReadError` are transient (the caller may retry);
:class:`ResponseTooLarge` and :class:`CrossHostRedirect` are not. ``requests`` exceptions from connecting pass through unchanged.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = [
    "BodyReadError",
    "CrossHostRedirect",
    "DeadlineExceeded",
    "Response",
    "ResponseTooLarge",
    "bounded_get",
    "new_session",
]

_STEP = 64 * 1024
_local = threading.local()


class DeadlineExceeded(Exception):
    """The request as a whole took longer than its deadline (transient)."""


class ResponseTooLarge(Exception):
    """The decoded body (or its declared ``Content-Length``) passed the size cap (not transient)."""


class CrossHostRedirect(Exception):
    """A redirect to another origin that ``same_host_only`` refuses; the message names only the
    scheme, host and port of the target, never its path or query."""


class BodyReadError(Exception):
    """The connection broke while the body was read: reset, truncated, undecodable (transient)."""


@dataclass(frozen=True)
class Response:
    """Status, reason phrase, headers (case-insensitive), the decoded body and the final URL."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes
    url: str


class _Watchdog:
    """Shuts down the socket of the connection in use when the deadline passes."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._conn: Any = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def attach(self, conn: Any) -> None:
        with self._lock:
            self._conn = conn
            fire_now = self.expired
        if fire_now:
            self._shutdown(conn)

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            conn = self._conn
        self._shutdown(conn)

    @staticmethod
    def _shutdown(conn: Any) -> None:
        sock = getattr(conn, "sock", None)
        if sock is None:
            return
        with contextlib.suppress(OSError, ValueError):
            # the plain socket method also for TLS sockets: unblocks a reader in another thread
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _WatchedHTTPConnection(urllib3.connection.HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> Any:
        watchdog = getattr(_local, "watchdog", None)
        if watchdog is not None:
            watchdog.attach(self)
        return super().request(*args, **kwargs)


class _WatchedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> Any:
        watchdog = getattr(_local, "watchdog", None)
        if watchdog is not None:
            watchdog.attach(self)
        return super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool,
            "https": _WatchedHTTPSPool,
        }


def new_session(max_redirects: int = 5) -> requests.Session:
    """A ``requests.Session`` whose connections the deadline watchdog can cut from the start."""
    session = requests.Session()
    session.max_redirects = max_redirects
    adapter = _WatchedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _read_body(resp: requests.Response, max_bytes: int) -> bytes:
    declared = resp.headers.get("Content-Length")
    encoded = (resp.headers.get("Content-Encoding") or "identity").strip().lower()
    if (
        declared
        and declared.strip().isdigit()
        and encoded == "identity"
        and int(declared) > max_bytes
    ):
        raise ResponseTooLarge(f"Content-Length {int(declared):,} bytes")
    if not hasattr(resp.raw, "stream"):  # an injected adapter that already holds the body
        body = resp.content or b""
        if len(body) > max_bytes:
            raise ResponseTooLarge(f"more than {max_bytes:,} bytes once decoded")
        return body
    parts: list[bytes] = []
    total = 0
    try:
        for chunk in resp.raw.stream(_STEP, decode_content=True):
            total += len(chunk)
            if total > max_bytes:
                raise ResponseTooLarge(f"more than {max_bytes:,} bytes once decoded")
            parts.append(chunk)
    except ResponseTooLarge:
        raise
    except (urllib3.exceptions.HTTPError, OSError, ValueError, EOFError) as exc:
        raise BodyReadError(f"{type(exc).__name__}: {str(exc)[:200]}") from None
    return b"".join(parts)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(parts: Any) -> str:
    """``scheme://host:port`` of a split URL (no userinfo, path or query)."""
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        port = "?"
    return f"{parts.scheme}://{parts.hostname or '?'}:{port}"


def _same_origin_or_upgrade(origin: Any, target: Any) -> bool:
    """True for a hop to the same scheme, host and port, or the plain ``http`` -> ``https``
    upgrade of the same host on the default ports; everything else leaves the API host."""
    if (target.hostname or "").lower() != (origin.hostname or "").lower():
        return False
    a, b = _origin(origin), _origin(target)
    return a == b or (a.startswith("http:") and a.endswith(":80") and b.endswith(":443")
                      and b.startswith("https:"))  # fmt: skip


def bounded_get(
    session: requests.Session,
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: tuple[float, float],
    deadline: float | None,
    max_bytes: int,
    max_redirects: int = 5,
    same_host_only: bool = False,
    clock: Any = time.monotonic,
) -> Response:
    """GET ``url`` within ``deadline`` seconds and at most ``max_bytes`` decoded bytes (module doc)."""
    start = clock()
    total = deadline if deadline is not None else timeout[0] + timeout[1]
    # no single socket wait may outlast the deadline either
    per_op = (min(timeout[0], total), min(timeout[1], total))
    watchdog = _Watchdog(total)
    _local.watchdog = watchdog
    watchdog.start()
    resp: requests.Response | None = None
    send_headers = dict(headers)
    origin_parts = urlsplit(url)
    origin = origin_parts.netloc.lower()
    try:
        for hop in range(max_redirects + 1):
            try:
                resp = session.get(
                    url, headers=send_headers, timeout=per_op, stream=True, allow_redirects=False
                )
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ):
                if watchdog.expired:
                    raise DeadlineExceeded(f"no answer within {total:g} s") from None
                raise
            location = resp.headers.get("Location")
            if not (resp.is_redirect and location):
                break
            resp.close()
            resp = None
            nxt = urljoin(url, location)
            if urlsplit(nxt).scheme not in ("http", "https"):
                raise requests.TooManyRedirects(f"redirect {hop + 1} points to a non-http(s) URL")
            if hop == max_redirects:
                raise requests.TooManyRedirects(
                    f"more than {max_redirects} redirects (a redirect loop?)"
                )
            target = urlsplit(nxt)
            if same_host_only and not _same_origin_or_upgrade(origin_parts, target):
                raise CrossHostRedirect(
                    f"redirect {hop + 1} to {_origin(target)} instead of {_origin(origin_parts)}"
                )
            if target.netloc.lower() != origin:
                send_headers.pop("Authorization", None)
            url = nxt
        assert resp is not None
        connection = getattr(resp.raw, "connection", None) or getattr(resp.raw, "_connection", None)
        if connection is not None:
            watchdog.attach(connection)
        try:
            body = _read_body(resp, max_bytes)
        except BodyReadError:
            if watchdog.expired:
                raise DeadlineExceeded(
                    f"the answer did not arrive completely within {total:g} s"
                ) from None
            raise
        if watchdog.expired and clock() - start > total:
            raise DeadlineExceeded(f"the answer did not arrive completely within {total:g} s")
        return Response(
            status=resp.status_code,
            reason=resp.reason or "",
            headers=resp.headers,
            body=body,
            url=resp.url,
        )
    finally:
        watchdog.cancel()
        _local.watchdog = None
        if resp is not None:
            resp.close()
