"""Resumable on-disk cache of raw OpenAlex pages, one directory per query.

Layout (``root`` is ``cache/`` or ``LITSCAN_CACHE``)::

    root/
      works-<sha256 of the query URL, 16 hex>/
        manifest.json            what was asked, how far we got (the source of truth)
        pages/000001.json.gz     raw API pages, in fetch order
        pages/000002.json.gz
        .lock                    held (flock) while a process fetches this query
      groups-<hash>/ ...         same for group_by queries

Crash safety: every file is written to a temporary name in the same directory, flushed, fsync'ed
and renamed over the target (:func:`litscan.fileio.atomic_write_bytes`), and the manifest is rewritten only
*after* the page it counts is on disk. A process killed at any instant leaves either the old or the
new manifest; pages beyond ``manifest["pages"]`` are ignored and overwritten on resume, so a work is
never counted twice. The query URL stored in the manifest never contains the API key (litscan sends
the key as an ``Authorization`` header, and :func:`~litscan.errors.scrub` is applied regardless).

Trust: a manifest is checked field by field when it is loaded (``pages`` must be an integer,
``complete`` a boolean, ``next`` a cursor or page ...), and the items of its pages must add up to
``items``; anything else is reported as a corrupt cache (one line, naming the file) instead of
being returned as a result. A cache folder that cannot be written (read-only disk or
permissions) is still read when it holds the complete result; fetching into it is refused.
Cleaning stale ``.*.tmp`` files (left by a killed run) looks only at the query folder and its
``pages`` folder, never through a symbolic link.

Integrity: the manifest records the SHA-256 of every page file (``page_sha256``, page number ->
hex digest, added in the same atomic manifest write that counts the page). A page whose bytes do
not match is never parsed: :meth:`QueryCache.read_page` raises :class:`CachePageMismatch` naming
the page; a live fetch then refetches the query from the start, a cache-only read stops with that
one line. A page is also never inflated beyond ``max_bytes`` (the response cap,
``--max-response-mb``): a page that would is an error naming it. Manifests written before the
checksums existed carry none; their pages are read unverified (still size-capped). The checksum
detects edited or corrupted pages, not a forger who rewrites the manifest as well.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gzip
import hashlib
import io
import json
import logging
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litscan import fileio, jsontext
from litscan.config import DEFAULT_MAX_RESPONSE_BYTES
from litscan.errors import InputDataError, UsageError, scrub

__all__ = ["QueryCache", "CachePageMismatch", "atomic_write_bytes", "now_iso"]

MANIFEST_VERSION = 1
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
log = logging.getLogger("litscan.openalex.cache")


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string (seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the whole new one
    (:func:`litscan.fileio.atomic_write_bytes`; kept here for callers of the old name)."""
    fileio.atomic_write_bytes(path, data)


class CachePageMismatch(InputDataError):
    """A cached page whose bytes do not match the SHA-256 its manifest recorded."""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class QueryCache:
    """The cache directory of one query (identified by its URL without key, cursor and per_page)."""

    def __init__(
        self,
        root: str | os.PathLike,
        identity_url: str,
        kind: str = "works",
        *,
        max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.max_bytes = max_bytes
        self.root = Path(root)
        self.identity_url = scrub(identity_url)
        digest = hashlib.sha256(self.identity_url.encode("utf-8")).hexdigest()[:16]
        self.dir = self.root / f"{kind}-{digest}"
        self.kind = kind
        self.manifest_path = self.dir / "manifest.json"
        self.pages_dir = self.dir / "pages"
        self._lock_fh = None
        #: True while :meth:`lock` holds no lock because the folder cannot be written
        self.read_only = False

    # -- locking ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive lock on this query's directory (released even on SIGKILL).

        When the folder cannot be written (read-only file system or no permission), no lock is
        taken and :attr:`read_only` is set: the caller may only read a complete result then."""
        try:
            self.pages_dir.mkdir(parents=True, exist_ok=True)
            fh = open(self.dir / ".lock", "a+")  # noqa: SIM115 - closed below
        except OSError as exc:
            if exc.errno not in _READ_ONLY_ERRNOS or not self.manifest_path.is_file():
                raise InputDataError(
                    f"cache {self.dir}: expected a folder litscan can write, got "
                    f"{exc.strerror or exc}",
                    hint="use --cache-dir on a writable disk",
                ) from None
            self.read_only = True
            try:
                yield
            finally:
                self.read_only = False
            return
        try:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UsageError(
                    f"cache {self.dir}: expected no other fetch of this query, found one running",
                    hint="wait for the other litscan process to finish, or use another --cache-dir",
                ) from None
            self._remove_stale_temps()
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    def _remove_stale_temps(self) -> None:
        """Delete ``.*.tmp`` files left by a killed run, in this query's folder and its ``pages``
        folder only, never through a symbolic link (a linked folder is left alone)."""
        try:
            root = self.root.resolve(strict=True)
            linked = any(stat.S_ISLNK(os.lstat(f).st_mode) for f in (self.dir, self.pages_dir))
            outside = any(
                not f.resolve(strict=True).is_relative_to(root) for f in (self.dir, self.pages_dir)
            )
        except OSError:
            return
        if linked or outside:
            log.warning(
                "cache %s is (or holds) a symbolic link: stale temporary files not cleaned",
                self.dir,
            )
            return
        for folder in (self.dir, self.pages_dir):
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if (
                    entry.name.startswith(".")
                    and entry.name.endswith(".tmp")
                    and entry.is_file(follow_symlinks=False)
                ):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)

    def corrupt(self, what: str) -> InputDataError:
        """The one-line error for a cache that does not hold what its manifest says."""
        return InputDataError(
            f"cache manifest {self.manifest_path}: {what} (corrupt or hand-edited cache)",
            hint=f"rerun with --refresh, or delete {self.dir} to refetch this query",
        )

    # -- manifest --------------------------------------------------------------------------
    def new_manifest(self, query: dict[str, Any]) -> dict[str, Any]:
        """A fresh manifest for a query that has not fetched anything yet."""
        return {
            "manifest_version": MANIFEST_VERSION,
            "kind": self.kind,
            "url": self.identity_url,
            "query": query,
            "count": None,
            "pages": 0,
            "items": 0,
            "next": None,
            "complete": False,
            "fetched_at": now_iso(),
            "updated_at": None,
            "data_version": None,
        }

    def load_manifest(self) -> dict[str, Any] | None:
        """The stored manifest, or ``None`` when this query was never fetched."""
        if not self.manifest_path.exists():
            return None
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputDataError(
                f"cache manifest {self.manifest_path}: expected JSON, got unreadable file ({exc})",
                hint=f"delete {self.dir} to refetch this query",
            ) from exc
        if not isinstance(manifest, dict):
            raise self.corrupt(f"expected a JSON object, got {type(manifest).__name__}")
        if manifest.get("url") != self.identity_url:
            raise InputDataError(
                f"cache manifest {self.manifest_path}: expected query {self.identity_url!r}, "
                f"found {scrub(str(manifest.get('url')))[:200]!r}",
                hint=f"delete {self.dir} (hash collision or hand-edited file)",
            )
        self.check_manifest(manifest)
        return manifest

    def check_manifest(self, m: dict[str, Any]) -> None:
        """Raise :meth:`corrupt` unless every field litscan relies on has a sane type and value."""

        def bad(field: str, expected: str) -> InputDataError:
            return self.corrupt(
                f"expected {field} to be {expected}, got {str(m.get(field))[:60]!r}"
            )

        if m.get("manifest_version") != MANIFEST_VERSION:
            raise bad("manifest_version", str(MANIFEST_VERSION))
        if m.get("kind") != self.kind:
            raise bad("kind", repr(self.kind))
        for field in ("pages", "items"):
            if not _is_int(m.get(field)) or m[field] < 0:
                raise bad(field, "an integer >= 0")
        if m["pages"] > 10_000_000:
            raise bad("pages", "at most 10,000,000")
        if m.get("count") is not None and (not _is_int(m["count"]) or m["count"] < 0):
            raise bad("count", "an integer >= 0 or null")
        if not isinstance(m.get("complete"), bool):
            raise bad("complete", "true or false")
        nxt = m.get("next")
        if m["complete"]:
            if nxt is not None:
                raise bad("next", "null in a complete manifest")
        elif not (
            isinstance(nxt, dict)
            and len(nxt) == 1
            and (
                (isinstance(nxt.get("cursor"), str) and nxt["cursor"])
                or (_is_int(nxt.get("page")) and nxt["page"] >= 1)
            )
        ):
            raise bad("next", "{'cursor': str} or {'page': int >= 1}")
        if m["pages"] == 0 and m["items"]:
            raise bad("items", "0 when no page is stored")
        if m.get("data_version") is not None and not isinstance(m["data_version"], dict):
            raise bad("data_version", "an object or null")
        sums = m.get("page_sha256")
        if sums is not None and not (
            isinstance(sums, dict)
            and all(
                isinstance(k, str)
                and k.isdigit()
                and isinstance(v, str)
                and len(v) == 64
                and all(c in "0123456789abcdef" for c in v)
                for k, v in sums.items()
            )
        ):
            raise bad("page_sha256", "an object of page number -> 64 hex digits")
        for number in (1, m["pages"]) if m["pages"] else ():  # an empty result stores no page
            if not self.page_path(number).is_file():
                raise self.corrupt(
                    f"expected page file {self.page_path(number).name} "
                    f"(the manifest counts {m['pages']} pages), it is missing"
                )

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Atomically replace the manifest."""
        manifest["updated_at"] = now_iso()
        text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=True)
        fileio.atomic_write_bytes(self.manifest_path, scrub(text).encode("utf-8"))

    # -- pages -----------------------------------------------------------------------------
    def page_path(self, number: int) -> Path:
        """Path of page ``number`` (1-based)."""
        return self.pages_dir / f"{number:06d}.json.gz"

    def write_page(self, number: int, payload: dict[str, Any]) -> str:
        """Atomically write page ``number`` (gzip JSON); returns the file's SHA-256 (hex), which
        the caller records in the manifest (``page_sha256``) when it counts the page."""
        # ensure_ascii: a lone surrogate in a title (valid JSON, invalid UTF-8) stays escaped
        raw = json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        data = gzip.compress(raw, compresslevel=3, mtime=0)
        fileio.atomic_write_bytes(self.page_path(number), data)
        return hashlib.sha256(data).hexdigest()

    def _inflate(self, path: Path, data: bytes) -> bytes:
        """``data`` decompressed, refusing more than :attr:`max_bytes` (a gzip bomb costs at most
        that much memory, like a response)."""
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            out = fh.read(self.max_bytes + 1)
        if len(out) > self.max_bytes:
            raise InputDataError(
                f"cache page {path}: expected at most {self.max_bytes / 2**20:g} MiB once "
                f"decompressed (the response cap), got more ({len(data):,} bytes compressed)",
                hint=f"a cached page litscan wrote never inflates beyond the cap; delete "
                f"{self.dir} to refetch this query",
            )
        return out

    def read_page(self, number: int, sha256: str | None = None) -> dict[str, Any]:
        """Read page ``number``; an unreadable page names the file and how to recover. With
        ``sha256`` (from the manifest) a page whose bytes differ raises
        :class:`CachePageMismatch` before it is decompressed."""
        path = self.page_path(number)
        try:
            if path.stat().st_size > self.max_bytes:
                raise ValueError(f"the file is larger than {self.max_bytes:,} bytes")
            data = path.read_bytes()
        except (OSError, ValueError) as exc:
            raise InputDataError(
                f"cache page {path}: expected gzip JSON written by litscan, got unreadable "
                f"file ({exc})",
                hint=f"delete {self.dir} to refetch this query",
            ) from exc
        if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
            raise CachePageMismatch(
                f"cache page {path}: expected the SHA-256 its manifest recorded, got other "
                "bytes (edited or corrupted after it was fetched)",
                hint=f"rerun with --refresh (a live run refetches it), or delete {self.dir}",
            )
        try:
            page = jsontext.loads(self._inflate(path, data))
            if not isinstance(page, dict):
                raise ValueError(f"expected a JSON object, got {type(page).__name__}")
            return page
        except (OSError, ValueError, EOFError, RecursionError) as exc:
            raise InputDataError(
                f"cache page {path}: expected gzip JSON written by litscan, got unreadable file ({exc})",
                hint=f"delete {self.dir} to refetch this query",
            ) from exc

    def iter_pages(self, manifest: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The pages the manifest vouches for, in order, each checked against its SHA-256."""
        sums = manifest.get("page_sha256") or {}
        for number in range(1, int(manifest["pages"]) + 1):
            yield self.read_page(number, sums.get(str(number)))
