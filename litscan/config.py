"""Settings for talking to OpenAlex: explicit argument, then environment, then default.

=================  ==========================  ==============================
setting            environment variable        default
=================  ==========================  ==============================
base URL           ``LITSCAN_OPENALEX_URL``    ``https://api.openalex.org``
API key            ``OPENALEX_API_KEY``        none (OpenAlex requires one since Feb 2026)
cache directory    ``LITSCAN_CACHE``           ``./cache``
=================  ==========================  ==============================

The API key is kept out of ``repr()`` so it cannot leak through a log line or a traceback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from litscan import __version__
from litscan.errors import UsageError

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_CACHE_DIR", "Settings", "resolve_settings"]

DEFAULT_BASE_URL = "https://api.openalex.org"
DEFAULT_CACHE_DIR = Path("cache")
USER_AGENT = f"litscan/{__version__} (+https://github.com/litscan/litscan)"


@dataclass(frozen=True)
class Settings:
    """Everything the OpenAlex client needs; build it with :func:`resolve_settings`.

    ``timeout`` is ``(connect, read)`` seconds. Retries use exponential backoff
    ``backoff_base * 2**attempt`` (with jitter) capped at ``backoff_max``; a ``Retry-After``
    longer than ``max_retry_after`` is not waited for (the error says when to come back).
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
    per_page: int = 200

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise UsageError(
                f"OpenAlex base URL: expected http(s)://…, got {self.base_url!r}",
                hint="pass --base-url https://api.openalex.org or set LITSCAN_OPENALEX_URL",
            )
        if not 1 <= self.per_page <= 200:
            raise UsageError(
                f"per_page: expected 1..200 (OpenAlex's limit), got {self.per_page}",
                hint="use a value between 1 and 200",
            )
        if self.max_retries < 0:
            raise UsageError(f"max_retries: expected >= 0, got {self.max_retries}")

    def with_(self, **changes) -> Settings:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


def debug_enabled() -> bool:
    """``LITSCAN_DEBUG=1``: show tracebacks of unexpected errors (for bug reports)."""
    return os.environ.get("LITSCAN_DEBUG", "").strip().lower() in ("1", "true", "yes")


def resolve_settings(
    base_url: str | None = None,
    api_key: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    **overrides,
) -> Settings:
    """Resolve settings: argument first, then ``LITSCAN_OPENALEX_URL`` / ``OPENALEX_API_KEY`` /
    ``LITSCAN_CACHE``, then the defaults. Extra keyword arguments override other :class:`Settings`
    fields (``timeout``, ``max_retries``, ``backoff_base`` …)."""
    url = base_url or os.environ.get("LITSCAN_OPENALEX_URL") or DEFAULT_BASE_URL
    key = api_key or os.environ.get("OPENALEX_API_KEY") or None
    cache = cache_dir or os.environ.get("LITSCAN_CACHE") or DEFAULT_CACHE_DIR
    timeout = overrides.pop("timeout", None)
    if isinstance(timeout, int | float):
        timeout = (float(timeout), float(timeout))
    if timeout is not None:
        overrides["timeout"] = tuple(timeout)
    return Settings(
        base_url=url.rstrip("/"), api_key=key, cache_dir=Path(cache), **overrides
    )
