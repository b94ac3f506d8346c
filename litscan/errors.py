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

Messages never contain the API key: :func:`scrub` (the one scrubber; :func:`redact` is its old
name) is applied to every error message, and callers apply it to every URL, header and log line
before it is put into an error, a log line, the cache, a manifest or a report.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

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
    "scrub",
    "register_secret",
    "install_log_scrubber",
]

_SECRET_PARAMS = re.compile(
    r"(?i)((?:[?&;]|%3F|%26)(?:api[_-]?key|apikey|key|token|access_token|mailto|password)(?:=|%3D))"
    r"[^&#\s\"'<>]*"
)
_BEARER = re.compile(r"(?i)((?:bearer|basic)\s+)[A-Za-z0-9._\-~+/=]+")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@?#\"'<>]*@")
_AUTH_HEADER = re.compile(r"(?i)((?:authorization|x-api-key)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+")
_MIN_SECRET = 4  # shorter "keys" would blank out ordinary words
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Add ``value`` (an API key, a password from a base URL) to the secrets :func:`scrub` removes.

    ``OPENALEX_API_KEY`` from the environment is always scrubbed without registering it."""
    if value and len(value) >= _MIN_SECRET:
        _secrets.add(value)


def _b64_cores(secret: bytes) -> set[str]:
    """The base64 characters that depend only on ``secret``, for each of the 3 alignments it can
    have inside a longer base64 text (``Basic dXNlcjpLRVk=`` hides the key at offset 5)."""
    cores = set()
    for pad in range(3):
        for alphabet in (base64.b64encode, base64.urlsafe_b64encode):
            enc = alphabet(b"\0" * pad + secret).decode("ascii")
            start = 4 if pad else 0
            stop = 4 * ((pad + len(secret)) // 3)
            core = enc[start:stop]
            if len(core) >= 6:
                cores.add(core)
    return cores


def _escaped_forms(secret: str) -> set[str]:
    """The key as it appears inside a JSON string (once or twice escaped, ASCII or not), inside a
    Python ``repr`` (either quote style) and in ``unicode_escape`` form; a key holding ``"``,
    ``\\``, ``'`` or non-ASCII letters is spelled differently in each."""
    forms = set()
    for text in (secret, json.dumps(secret)[1:-1]):
        forms.add(json.dumps(text)[1:-1])
        forms.add(json.dumps(text, ensure_ascii=False)[1:-1])
        forms.add(repr(text)[1:-1])
        forms.add(text.encode("unicode_escape").decode("ascii"))
        forms.add(text.encode("unicode_escape").decode("ascii").replace("'", "\\'"))
        forms.add(text.replace("\\", "\\\\").replace("'", "\\'"))
    raw = repr(secret.encode("utf-8"))  # b'...' of the UTF-8 bytes, as str(bytes) shows them
    forms.add(raw[2:-1])
    return forms


@functools.lru_cache(maxsize=64)
def _secret_forms(secret: str) -> frozenset[str]:
    raw = secret.encode("utf-8")
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        quote(quote(secret, safe=""), safe=""),
    }
    forms |= _escaped_forms(secret)
    forms |= {quote(f, safe="") for f in _escaped_forms(secret)}
    forms |= _b64_cores(raw)
    return frozenset(f for f in forms if len(f) >= _MIN_SECRET)


def scrub(text: object, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret removed; the one scrubber for anything litscan shows or writes.

    Removed: the API key (``OPENALEX_API_KEY``, keys given to :func:`register_secret` and
    ``secrets``) raw, URL-encoded (once or twice), base64-encoded (any alignment, standard or
    URL-safe alphabet), JSON-escaped (once or twice), ``repr``- and ``unicode_escape``-escaped and
    in any letter case; ``user:pass@`` userinfo in URLs; ``api_key=`` /
    ``key=`` / ``token=`` / ``mailto=`` query parameters; ``Bearer``/``Basic`` credentials and
    ``Authorization:`` header values. Each is replaced by ``***``.
    """
    out = text if isinstance(text, str) else str(text)
    keys = set(_secrets)
    env_key = os.environ.get("OPENALEX_API_KEY")
    if env_key and len(env_key) >= _MIN_SECRET:
        keys.add(env_key)
    keys.update(s for s in secrets if s and len(s) >= _MIN_SECRET)
    if keys:
        forms = set()
        for key in keys:
            forms |= _secret_forms(key)
        pattern = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
        out = re.sub(pattern, "***", out, flags=re.IGNORECASE)
    out = _USERINFO.sub(r"\1***@", out)
    out = _SECRET_PARAMS.sub(r"\1***", out)
    out = _BEARER.sub(r"\1***", out)
    return _AUTH_HEADER.sub(r"\1***", out)


class _ScrubFilter(logging.Filter):
    """Scrub every log record (message and arguments) before a handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        return True


def install_log_scrubber() -> None:
    """Attach the scrubber to every handler of the root logger (idempotent); the CLI calls it
    after configuring logging, so no log line of any module can carry the key."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _ScrubFilter) for f in handler.filters):
            handler.addFilter(_ScrubFilter())


def redact(text: object) -> str:
    """Alias of :func:`scrub` (kept for callers written before the scrubber was unified)."""
    return scrub(text)


class LitscanError(Exception):
    """Base of every error litscan raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.hint = hint
        full = message if hint is None else f"{message} (hint: {hint})"
        super().__init__(scrub(full))


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
        self.url = scrub(url) if url else url
        self.status = status
        super().__init__(message, hint=hint)


class OpenAlexHTTPError(OpenAlexError):
    """OpenAlex answered with a 4xx error; the message carries OpenAlex's own explanation."""


class RateLimited(OpenAlexError):
    """HTTP 429 after all retries, or ``X-RateLimit-Remaining: 0`` (the daily budget is spent)."""


class NetworkGaveUp(OpenAlexError):
    """Timeouts, resets or 5xx answers persisted after all retries."""
