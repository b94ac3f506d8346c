"""The provenance table a report prints: the run's manifest as readable lines, paths relative.

Pure formatting of :attr:`litscan.workflows.run.RunResult.manifest`; no file is read or written.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["page_manifest"]


def _rel(path: Any, base: Path | None) -> str:
    """``path`` as a reader can follow it, never absolute: relative to the litscan package for a
    shipped file (``litscan/queries/x.toml``), relative to the run folder ``base`` for a file
    inside it, else its file name."""
    p = Path(str(path))
    if not p.is_absolute():
        return str(p)
    p = p.resolve()
    for root, prefix in ((Path(__file__).resolve().parents[1], Path("litscan")),
                         (base.resolve() if base is not None else None, Path("."))):  # fmt: skip
        if root is not None and p.is_relative_to(root):
            return str(prefix / p.relative_to(root))
    return p.name


def page_manifest(manifest: Mapping[str, Any], base: Path | None) -> dict[str, Any]:
    """The provenance table of a report: paths relative to the run folder ``base``, one
    readable line per evidence (no raw JSON)."""
    out: dict[str, Any] = {}
    for k, v in manifest.items():
        if k in ("evidence", "figures"):
            continue
        if k == "preset":
            v = _rel(v, base)
        elif k == "packages" and isinstance(v, Mapping):
            v = ", ".join(f"{a} {b}" for a, b in v.items())
        elif k == "query_urls":
            # keyless URLs: what a reader needs to rerun the live queries
            v = f"{len(v)}: " + " ; ".join(map(str, v)) if v else "none (no network)"
        out[k.replace("_", " ")] = v
    for key, e in (manifest.get("evidence") or {}).items():
        files = e.get("data_files_sha256") or {}
        model = e.get("model_sha256") or {}
        line = f"{e.get('name')} (source: {e.get('source')}"
        if e.get("version"):
            line += f", version {e['version']}"
        line += ")"
        if files:
            line += "; data files: " + ", ".join(f"{n} sha256 {h[:12]}…" for n, h in files.items())
        if model:
            line += "; model: " + ", ".join(f"{n} sha256 {h[:12]}…" for n, h in model.items())
        dv = e.get("data_version") or {}
        if dv.get("fetched_at"):
            line += f"; fetched {dv['fetched_at']}"
        out[f"evidence: {key}"] = line
    out["full record"] = "manifest.json and verdicts.json next to this report"
    return out
