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
and renamed over the target (:func:`atomic_write_bytes`), and the manifest is rewritten only
*after* the page it counts is on disk. A process killed at any instant leaves either the old or the
new manifest; pages beyond ``manifest["pages"]`` are ignored and overwritten on resume, so a work is
never counted twice. The query URL stored in the manifest never contains the API key (litscan sends
the key as an ``Authorization`` header, and :func:`~litscan.errors.redact` is applied regardless).
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litscan.errors import InputDataError, UsageError, redact

__all__ = ["QueryCache", "atomic_write_bytes", "now_iso"]

MANIFEST_VERSION = 1


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string (seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    with contextlib.suppress(OSError):  # make the rename itself durable where supported
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


class QueryCache:
    """The cache directory of one query (identified by its URL without key, cursor and per_page)."""

    def __init__(self, root: str | os.PathLike, identity_url: str, kind: str = "works") -> None:
        self.root = Path(root)
        self.identity_url = redact(identity_url)
        digest = hashlib.sha256(self.identity_url.encode("utf-8")).hexdigest()[:16]
        self.dir = self.root / f"{kind}-{digest}"
        self.kind = kind
        self.manifest_path = self.dir / "manifest.json"
        self.pages_dir = self.dir / "pages"
        self._lock_fh = None

    # -- locking ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive lock on this query's directory (released even on SIGKILL)."""
        self.pages_dir.mkdir(parents=True, exist_ok=True)
        fh = open(self.dir / ".lock", "a+")  # noqa: SIM115 - closed below
        try:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UsageError(
                    f"cache {self.dir}: expected no other fetch of this query, found one running",
                    hint="wait for the other litscan process to finish, or use another --cache-dir",
                ) from None
            for stale in self.dir.rglob(".*.tmp"):  # left by a killed run
                stale.unlink(missing_ok=True)
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

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
        if manifest.get("url") != self.identity_url:
            raise InputDataError(
                f"cache manifest {self.manifest_path}: expected query {self.identity_url!r}, "
                f"found {manifest.get('url')!r}",
                hint=f"delete {self.dir} (hash collision or hand-edited file)",
            )
        return manifest

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Atomically replace the manifest."""
        manifest["updated_at"] = now_iso()
        data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
        atomic_write_bytes(self.manifest_path, redact(data.decode("utf-8")).encode("utf-8"))

    # -- pages -----------------------------------------------------------------------------
    def page_path(self, number: int) -> Path:
        """Path of page ``number`` (1-based)."""
        return self.pages_dir / f"{number:06d}.json.gz"

    def write_page(self, number: int, payload: dict[str, Any]) -> None:
        """Atomically write page ``number`` (gzip JSON)."""
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        atomic_write_bytes(self.page_path(number), gzip.compress(raw, compresslevel=3, mtime=0))

    def read_page(self, number: int) -> dict[str, Any]:
        """Read page ``number``; an unreadable page names the file and how to recover."""
        path = self.page_path(number)
        try:
            return json.loads(gzip.decompress(path.read_bytes()))
        except (OSError, ValueError, EOFError) as exc:
            raise InputDataError(
                f"cache page {path}: expected gzip JSON written by litscan, got unreadable file ({exc})",
                hint=f"delete {self.dir} to refetch this query",
            ) from exc

    def iter_pages(self, manifest: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The pages the manifest vouches for, in order."""
        for number in range(1, int(manifest["pages"]) + 1):
            yield self.read_page(number)
