"""Look into and clear the on-disk OpenAlex cache (``litscan cache list|clear``).

The cache format belongs to :mod:`litscan.openalex.cache`; this module only reads manifests through
:class:`~litscan.openalex.cache.QueryCache` (which validates them) and removes whole query folders. It
touches nothing but folders named like the cache's own (``works-<16 hex>``, ``groups-<16 hex>``)
directly under the cache root, never follows a symbolic link, and skips a query another process
is fetching (its lock is held).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from litscan.errors import InputDataError, LitscanError, UsageError

__all__ = ["CacheEntry", "list_cache", "clear_cache", "cache_frame"]

_QUERY_DIR = re.compile(r"^(works|groups)-[0-9a-f]{16}$")


@dataclass(frozen=True)
class CacheEntry:
    """One cached query: its folder, what was asked and how far the fetch got."""

    path: Path
    kind: str
    url: str
    pages: int | None
    items: int | None
    count: int | None
    complete: bool | None
    fetched_at: str | None
    bytes: int
    problem: str = ""  # why the manifest could not be read ("" when it is fine)


def _size(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(folder, followlinks=False):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_size
            except OSError:
                pass
    return total


def _query_dirs(root: Path) -> list[Path]:
    if not root.exists():
        return []
    if not root.is_dir():
        raise UsageError(f"{root}: expected the cache folder, got a file", hint="pass --cache-dir")
    out = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if _QUERY_DIR.match(entry.name) and entry.is_dir(follow_symlinks=False):
            out.append(Path(entry.path))
    return out


def _entry(folder: Path) -> CacheEntry:
    from litscan.openalex.cache import QueryCache

    kind = folder.name.split("-", 1)[0]
    size = _size(folder)
    try:
        raw = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        url = raw.get("url") if isinstance(raw, dict) else None
        if not isinstance(url, str):
            raise InputDataError(f"{folder}/manifest.json: no query url")
        cache = QueryCache(folder.parent, url, kind)
        if cache.dir != folder:
            raise InputDataError(f"{folder}: the folder name does not match its query")
        m = cache.load_manifest()  # validates every field
    except (OSError, ValueError, LitscanError) as exc:
        why = str(exc).split(" (hint:")[0] if isinstance(exc, LitscanError) else str(exc)
        return CacheEntry(folder, kind, "", None, None, None, None, None, size, why or "unreadable")
    assert m is not None
    return CacheEntry(
        folder, kind, m["url"], m["pages"], m["items"], m.get("count"), m["complete"],
        m.get("fetched_at"), size,
    )  # fmt: skip


def list_cache(root: str | Path) -> list[CacheEntry]:
    """Every cached query under ``root`` (a folder that does not exist holds none)."""
    return [_entry(d) for d in _query_dirs(Path(root))]


def cache_frame(entries: list[CacheEntry]) -> pl.DataFrame:
    """The entries as a frame (one row per cached query)."""
    schema = {
        "folder": pl.Utf8, "kind": pl.Utf8, "complete": pl.Boolean, "pages": pl.Int64,
        "items": pl.Int64, "count": pl.Int64, "mb": pl.Float64, "fetched_at": pl.Utf8,
        "url": pl.Utf8, "problem": pl.Utf8,
    }  # fmt: skip
    rows = [
        {
            "folder": e.path.name,
            "kind": e.kind,
            "complete": e.complete,
            "pages": e.pages,
            "items": e.items,
            "count": e.count,
            "mb": round(e.bytes / 1e6, 3),
            "fetched_at": e.fetched_at,
            "url": e.url,
            "problem": e.problem,
        }  # fmt: skip
        for e in entries
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")


def _remove(folder: Path) -> None:
    st = os.lstat(folder)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):  # pragma: no cover - raced
        raise UsageError(f"{folder}: not a cache folder (a link or a file); left alone")
    shutil.rmtree(folder)


def clear_cache(
    root: str | Path,
    *,
    match: str | None = None,
    incomplete_only: bool = False,
    dry_run: bool = False,
) -> tuple[list[CacheEntry], list[tuple[CacheEntry, str]]]:
    """Remove cached queries under ``root``: all of them, those whose query URL contains
    ``match``, or only the incomplete ones. Returns ``(removed, skipped with the reason)``; with
    ``dry_run`` nothing is removed and ``removed`` lists what would be."""
    from litscan.openalex.cache import QueryCache

    removed: list[CacheEntry] = []
    skipped: list[tuple[CacheEntry, str]] = []
    for e in list_cache(root):
        if match is not None and match not in e.url:
            continue
        if incomplete_only and e.complete:
            continue
        if dry_run:
            removed.append(e)
            continue
        try:
            if e.url:  # hold the query's lock: never delete under a running fetch
                with QueryCache(Path(root), e.url, e.kind).lock():
                    _remove(e.path)
            else:
                _remove(e.path)
        except (OSError, LitscanError) as exc:
            msg = str(exc).split(" (hint:")[0] if isinstance(exc, LitscanError) else str(exc)
            skipped.append((e, msg))
            continue
        removed.append(e)
    return removed, skipped


def describe(entries: list[CacheEntry]) -> str:
    """One line per cached query (for the command line)."""
    lines = []
    for e in entries:
        if e.problem:
            lines.append(f"{e.path.name}  PROBLEM: {e.problem}")
            continue
        state = "complete" if e.complete else "partial"
        lines.append(
            f"{e.path.name}  {state:<8} {e.items or 0:>9,} items {e.pages or 0:>6} pages "
            f"{e.bytes / 1e6:8.1f} MB  {e.fetched_at or '-'}  {e.url}"
        )
    return "\n".join(lines)


def summary(entries: list[CacheEntry]) -> dict[str, Any]:
    return {"queries": len(entries), "bytes": sum(e.bytes for e in entries)}
