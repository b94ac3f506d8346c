"""The one error tree of litscan.

Every error a user can provoke is a :class:`LitscanError`; its message says *where* (file, key,
record or URL), *what was expected*, *what arrived* and a *hint*. The CLI prints the message on one
line and exits with :attr:`LitscanError.exit_code`; it never shows a traceback for these.

::

    LitscanError                      exit 2 unless stated
    ├── UsageError                    bad command-line arguments or function arguments
    ├── InputDataError                a file or record that cannot be read as what it claims to be
    │   └── MalformedRecordError      one OpenAlex work record that is not a work (names the record)
    ├── PresetError                   a query preset (TOML) that does not validate (names file + key)
    ├── ModelError                    a classifier model that is missing, stale or does not load
    ├── ExportError                   a figure that cannot be written (e.g. no Chromium for PNG/SVG)
    └── OpenAlexError                 talking to OpenAlex failed                  exit 1
        ├── OpenAlexHTTPError         4xx with OpenAlex's own message (400/401/403 fail fast)
        ├── RateLimited               429 after all retries, or the daily budget is spent
        └── NetworkGaveUp             timeouts / 5xx / resets after all retries

Messages never contain the API key: :func:`redact` is applied to every URL before it is put
into an error, a log line, the cache or a report.
"""

from __future__ import annotations

import re

__all__ = [
    "LitscanError",
    "UsageError",
    "InputDataError",
    "MalformedRecordError",
    "PresetError",
    "ModelError",
    "ExportError",
    "OpenAlexError",
    "OpenAlexHTTPError",
    "RateLimited",
    "NetworkGaveUp",
    "redact",
]

_SECRET_PARAMS = re.compile(r"(?i)([?&](?:api_key|api-key|apikey|key|mailto)=)[^&#\s]*")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-~+/=]+")


def redact(text: str) -> str:
    """Remove API keys (query parameter or ``Bearer`` header) and e-mail addresses from ``text``."""
    text = _SECRET_PARAMS.sub(r"\1***", text)
    return _BEARER.sub(r"\1***", text)


class LitscanError(Exception):
    """Base of every error litscan raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.hint = hint
        full = message if hint is None else f"{message} (hint: {hint})"
        super().__init__(redact(full))


class UsageError(LitscanError):
    """Arguments that do not make sense."""


class InputDataError(LitscanError):
    """A file or table that is not what the function expects."""


class MalformedRecordError(InputDataError):
    """A raw OpenAlex record that is not a work object."""


class PresetError(LitscanError):
    """A query preset that does not validate; the message is one line naming file and key path."""


class ModelError(LitscanError):
    """A classifier model that cannot be loaded or used."""


class ExportError(LitscanError):
    """A figure that cannot be written in the requested format."""


class OpenAlexError(LitscanError):
    """Talking to OpenAlex failed. Carries the (redacted) URL and the HTTP status if any."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.url = redact(url) if url else url
        self.status = status
        super().__init__(message, hint=hint)


class OpenAlexHTTPError(OpenAlexError):
    """OpenAlex answered with a 4xx error; the message carries OpenAlex's own explanation."""


class RateLimited(OpenAlexError):
    """HTTP 429 after all retries, or ``X-RateLimit-Remaining: 0`` (the daily budget is spent)."""


class NetworkGaveUp(OpenAlexError):
    """Timeouts, resets or 5xx answers persisted after all retries."""
