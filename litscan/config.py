"""Settings: explicit argument, then environment, then default. The only module that reads
the environment (``tests/test_imports.py`` checks it); every path is resolved here once.

=================  ==========================  ==============================================
setting            environment variable        default
=================  ==========================  ==============================================
base URL           ``LITSCAN_OPENALEX_URL``    ``https://api.openalex.org``
API key            ``OPENALEX_API_KEY``        none (OpenAlex requires one since Feb 2026)
cache directory    ``LITSCAN_CACHE``           ``./cache``
presets folder     ``LITSCAN_QUERIES``         the presets shipped in the package
Chromium           ``BROWSER_PATH``            ``chromium`` & co. on ``PATH`` (figure export)
Spark's Python     ``PYSPARK_PYTHON``          this interpreter (``ingest --engine spark``)
labels cache       ``LITSCAN_LABELS_CACHE``    ``$LITSCAN_CACHE/labels`` (or ``--cache-dir``), else
                                               ``$XDG_CACHE_HOME`` or ``~/.cache``, ``/litscan/labels``
=================  ==========================  ==============================================

The API key is kept out of ``repr()`` so it cannot leak through a log line or a traceback.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from litscan import __version__
from litscan.errors import UsageError, register_secret, scrub

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_CACHE_DIR",
    "default_cache_dir",
    "DEFAULT_PER_PAGE",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "Settings",
    "resolve_settings",
    "check_base_url",
    "check_api_key",
    "use_spark_python",
]

DEFAULT_BASE_URL = "https://api.openalex.org"


def default_cache_dir() -> Path:
    """The OpenAlex cache when neither ``--cache-dir`` nor ``LITSCAN_CACHE`` says otherwise: the
    platform's user cache folder (``platformdirs``; on Linux ``$XDG_CACHE_HOME/litscan/openalex``
    or ``~/.cache/litscan/openalex``), so every working directory shares one cache."""
    import platformdirs

    return platformdirs.user_cache_path("litscan", appauthor=False) / "openalex"


DEFAULT_CACHE_DIR = default_cache_dir()
log = logging.getLogger("litscan.config")
USER_AGENT = f"litscan/{__version__} (+https://github.com/litscan/litscan)"
#: OpenAlex's 2026 developer docs give 1..100 as the per_page range (200 was the old maximum).
DEFAULT_PER_PAGE = 100
#: A decoded (decompressed) response larger than this is refused: a page of 100 full work records
#: is ~1-3 MB, so 64 MiB leaves ample room while a gzip bomb fails after reading ~64 KiB of it.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: decompressed JSON per parse batch in ingest/normalise (measured in docs/scale.md: 16 MB beats
#: 4, 8 and 32) and the longest line read (real works are < 1 MB; bounds memory per line)
DEFAULT_BATCH_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024
#: fewer works than this on a side of a share makes it "not testable"
DEFAULT_MIN_WORKS = 30


def check_base_url(url: object) -> str:
    """``url`` without a trailing slash if it is a usable ``http(s)://host[:port][/path]`` base URL.

    Raises :class:`UsageError` (one line, the URL shown scrubbed of any ``user:pass@``) for a
    missing scheme or host, a bad port, spaces or control characters, a query string or fragment
    (a key in ``?api_key=`` would end up in every cache identity; litscan sends the key as a
    header). ``user:pass@`` is removed from the returned URL (with a warning), so no module can
    show it, and the password is registered as a secret so no message shows it either.
    """
    hint = "pass --base-url https://api.openalex.org or set LITSCAN_OPENALEX_URL"
    if not isinstance(url, str) or not url.strip():
        raise UsageError(
            f"OpenAlex base URL: expected http(s)://host, got {scrub(repr(url))}", hint=hint
        )
    try:
        parts = urlsplit(url)
        if parts.password:
            register_secret(parts.password)
            register_secret(unquote(parts.password))
        port = parts.port  # raises ValueError for a non-numeric or out-of-range port
        host = parts.hostname
    except ValueError as exc:
        raise UsageError(
            f"OpenAlex base URL {scrub(url)!r}: expected http(s)://host[:port], "
            f"got an unparsable URL ({scrub(str(exc))})",
            hint=hint,
        ) from None
    shown = scrub(url)
    if parts.scheme not in ("http", "https"):
        raise UsageError(
            f"OpenAlex base URL {shown!r}: expected http:// or https://, got "
            f"scheme {parts.scheme!r}",
            hint=hint,
        )
    if not host:
        raise UsageError(f"OpenAlex base URL {shown!r}: expected a host name after //", hint=hint)
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise UsageError(
            f"OpenAlex base URL {shown!r}: expected no spaces or control characters", hint=hint
        )
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise UsageError(
            f"OpenAlex base URL {shown!r}: expected no query string or fragment",
            hint="give the key in OPENALEX_API_KEY, not in the URL",
        )
    if port == 0:
        raise UsageError(f"OpenAlex base URL {shown!r}: expected a port 1..65535, got 0", hint=hint)
    if "@" in parts.netloc:
        log.warning(
            "OpenAlex base URL %s: credentials in the URL are ignored; litscan sends "
            "OPENALEX_API_KEY as a header",
            shown,
        )
        parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
        url = parts.geturl()
    return url.rstrip("/")


def check_api_key(key: object) -> None:
    """Raise :class:`UsageError` unless ``key`` is text an HTTP header and a URL can carry:
    printable ASCII (``!`` .. ``~``), no spaces or control characters. The message names the
    problem and the position of the first bad character, never the key (it is registered as a
    secret first, so not even a fragment of it can be shown)."""
    if not isinstance(key, str):
        raise UsageError(
            f"OPENALEX_API_KEY: expected text, got {type(key).__name__} (not shown)",
            hint="set OPENALEX_API_KEY to the key from your OpenAlex account",
        )
    register_secret(key)
    bad = [i for i, ch in enumerate(key) if not 33 <= ord(ch) <= 126]
    if bad:
        kinds = set()
        for i in bad:
            ch = key[i]
            kinds.add(
                "spaces"
                if ch.isspace()
                else "control characters"
                if ord(ch) < 32 or ord(ch) == 127
                else "non-ASCII characters"
            )
        raise UsageError(
            f"OPENALEX_API_KEY: expected printable ASCII characters only (an HTTP header "
            f"cannot carry others), got a key with {len(bad)} other character(s) "
            f"({', '.join(sorted(kinds))}; the first at position {bad[0] + 1}; key not shown)",
            hint="copy the key again from your OpenAlex account; non-Latin letters or "
            "typographic quotes mean it was mistyped or mis-pasted",
        )


def _check_number(
    name: str,
    value: object,
    lo: float,
    hi: float,
    *,
    integer: bool = False,
    allow_none: bool = False,
) -> None:
    if value is None and allow_none:
        return
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and integer:
        ok = float(value).is_integer()
    if ok:
        ok = math.isfinite(value) and lo <= value <= hi
    if not ok:
        kind = "an integer" if integer else "a finite number"
        raise UsageError(f"{name}: expected {kind} in {lo:g}..{hi:g}, got {value!r}")


@dataclass(frozen=True)
class Settings:
    """Everything the OpenAlex client needs; build it with :func:`resolve_settings`.

    ``timeout`` is ``(connect, read)`` seconds per socket operation; ``deadline`` (seconds) bounds
    each request as a whole: connecting, the headers and the whole body, however slowly the server
    trickles them (``None`` = connect + read timeout). ``max_response_bytes`` caps the decoded
    (decompressed) body of one response; ``max_redirects`` caps redirects per request.
    ``per_page`` defaults to 100 (OpenAlex's documented maximum in 2026). Retries use exponential backoff
    ``backoff_base * 2**attempt`` (with jitter) capped at ``backoff_max``. ``max_retry_after``
    (``--max-wait``, 300 s) caps the waiting for one request: a ``Retry-After`` longer than it
    is not waited for, and neither is a wait that would take the sum of one request's waits
    (backoffs and ``Retry-After``) beyond it; the error says when to come back.
    ``max_requests_per_second`` throttles the client (OpenAlex allows 100/s; ``None`` = no throttle).
    """

    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = field(default=None, repr=False)
    cache_dir: Path = DEFAULT_CACHE_DIR
    timeout: tuple[float, float] = (10.0, 60.0)
    user_agent: str = USER_AGENT
    max_retries: int = 8
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 300.0
    max_requests_per_second: float | None = 10.0
    per_page: int = DEFAULT_PER_PAGE
    deadline: float | None = 120.0
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    max_redirects: int = 5
    #: presets folder (None = the presets shipped in the package)
    queries_dir: Path | None = None
    #: Chrome/Chromium executable for PNG/SVG/PDF export (None = look on PATH)
    browser_path: str | None = None
    #: the Python Spark's executors run (``ingest --engine spark``)
    spark_python: str = sys.executable
    #: classifier labels of the embedded papers (:mod:`litscan.labels.cache`); None = cache_dir/labels
    labels_dir: Path | None = None

    @property
    def labels_cache_dir(self) -> Path:
        """Where :mod:`litscan.labels.cache` keeps computed classifier labels."""
        return Path(self.labels_dir) if self.labels_dir is not None else self.cache_dir / "labels"

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", check_base_url(self.base_url))
        if self.api_key is not None:
            check_api_key(self.api_key)
            register_secret(self.api_key)
        _check_number("per_page", self.per_page, 1, 200, integer=True)
        _check_number("max_retries", self.max_retries, 0, 100, integer=True)
        if not (isinstance(self.timeout, tuple) and len(self.timeout) == 2):
            raise UsageError(f"timeout: expected (connect, read) seconds, got {self.timeout!r}")
        for part in self.timeout:
            _check_number("timeout", part, 0.001, 86_400)
        _check_number("deadline", self.deadline, 0.001, 86_400, allow_none=True)
        _check_number("backoff_base", self.backoff_base, 0, 3_600)
        _check_number("backoff_max", self.backoff_max, 0, 86_400)
        _check_number("max_retry_after", self.max_retry_after, 0, 86_400)
        _check_number(
            "max_requests_per_second", self.max_requests_per_second, 0.001, 10_000, allow_none=True
        )
        _check_number("max_response_bytes", self.max_response_bytes, 1024, 2**40, integer=True)
        _check_number("max_redirects", self.max_redirects, 0, 30, integer=True)

    def with_(self, **changes) -> Settings:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


def debug_enabled() -> bool:
    """``LITSCAN_DEBUG=1``: show tracebacks of unexpected errors (for bug reports)."""
    return os.environ.get("LITSCAN_DEBUG", "").strip().lower() in ("1", "true", "yes")


def _labels_dir(cache: str | os.PathLike | None) -> Path | None:
    """``LITSCAN_LABELS_CACHE``; else None (= ``<cache>/labels``) when a cache folder was given;
    else the user cache folder, so every working directory and notebook shares the labels."""
    if os.environ.get("LITSCAN_LABELS_CACHE"):
        return Path(os.environ["LITSCAN_LABELS_CACHE"])
    if cache:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "litscan" / "labels"


def resolve_settings(
    base_url: str | None = None,
    api_key: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    **overrides,
) -> Settings:
    """Resolve settings: argument first, then ``LITSCAN_OPENALEX_URL`` / ``OPENALEX_API_KEY`` /
    ``LITSCAN_CACHE``, then the defaults. Extra keyword arguments override other :class:`Settings`
    fields (``timeout``, ``max_retries``, ``backoff_base`` …). ``LITSCAN_QUERIES``,
    ``BROWSER_PATH`` and ``PYSPARK_PYTHON`` fill ``queries_dir``, ``browser_path`` and
    ``spark_python`` unless given as keyword arguments."""
    url = base_url or os.environ.get("LITSCAN_OPENALEX_URL") or DEFAULT_BASE_URL
    key = api_key or os.environ.get("OPENALEX_API_KEY") or None
    cache = cache_dir or os.environ.get("LITSCAN_CACHE") or default_cache_dir()
    if overrides.get("labels_dir") is None:
        overrides["labels_dir"] = _labels_dir(cache_dir or os.environ.get("LITSCAN_CACHE"))
    timeout = overrides.pop("timeout", None)
    if isinstance(timeout, int | float) and not isinstance(timeout, bool):
        timeout = (float(timeout), float(timeout))
    if timeout is not None:
        try:
            overrides["timeout"] = tuple(timeout)
        except TypeError:
            raise UsageError(
                f"timeout: expected seconds or (connect, read), got {timeout!r}"
            ) from None
    env_paths = {
        "queries_dir": os.environ.get("LITSCAN_QUERIES") or None,
        "browser_path": os.environ.get("BROWSER_PATH") or None,
        "spark_python": os.environ.get("PYSPARK_PYTHON") or None,
    }
    for name, value in env_paths.items():
        if overrides.get(name) is None and value is not None:
            overrides[name] = value
        elif overrides.get(name) is None:
            overrides.pop(name, None)
    if overrides.get("queries_dir") is not None:
        overrides["queries_dir"] = Path(overrides["queries_dir"])
    return Settings(base_url=url, api_key=key, cache_dir=Path(cache), **overrides)


def use_spark_python(python: str) -> None:
    """Tell a local Spark which Python its executors run (``PYSPARK_PYTHON``), unless the
    environment already says so."""
    os.environ.setdefault("PYSPARK_PYTHON", python)
