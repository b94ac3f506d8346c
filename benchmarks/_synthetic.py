"""SYNTHETIC scale data for the benchmarks, built from REAL records.

The 1,213 real OpenAlex work records of ``../shared/data/openalex-works/fixture-derived-mixed-
works.jsonl.gz`` are replicated (shuffled with ``seed``) and each copy gets a new, unique work id
``W9<10 digits>`` — nothing else changes, so field sizes, nesting, author counts, countries and
abstracts keep the real distribution, but the works themselves are synthetic: never cite figures
from them as facts about OpenAlex.

``synthetic_records(n, seed)`` yields dicts; ``synthetic_lines(n, seed)`` yields JSON lines (bytes,
fast: each real record is serialised once); ``write_snapshot(root, ...)`` writes a synthetic
snapshot in the official layout (``data/works/updated_date=…/part_NNN.gz`` + ``manifest``).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import zlib
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = (
    REPO.parent / "shared" / "data" / "openalex-works" / "fixture-derived-mixed-works.jsonl.gz"
)
ID_PREFIX = "W9"


@cache
def real_records() -> tuple[dict, ...]:
    """The real works fixture (1,213 OpenAlex work records as the API returned them)."""
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as fh:
        return tuple(json.loads(line) for line in fh if line.strip())


@cache
def _templates() -> tuple[tuple[bytes, bytes], ...]:
    """Each real record serialised once, split around its id value: (before, after)."""
    out = []
    for rec in real_records():
        marker = "https://openalex.org/__SYNTHETIC_ID__"
        text = json.dumps({**rec, "id": marker}, ensure_ascii=False).encode()
        before, after = text.split(marker.encode(), 1)
        out.append((before + b"https://openalex.org/", after))
    return tuple(out)


def synthetic_id(i: int) -> str:
    return f"{ID_PREFIX}{i:010d}"


def _order(n: int, seed: int) -> Iterator[int]:
    rng = random.Random(seed)
    k = len(real_records())
    perm = list(range(k))
    for start in range(0, n, k):
        rng.shuffle(perm)
        yield from perm[: min(k, n - start)]


def synthetic_records(n: int, seed: int = 0, *, start: int = 0) -> Iterator[dict]:
    """``n`` SYNTHETIC works: real fixture records with new unique ids ``W9…`` (from ``start``)."""
    recs = real_records()
    for j, idx in enumerate(_order(n, seed)):
        yield {**recs[idx], "id": f"https://openalex.org/{synthetic_id(start + j)}"}


def synthetic_lines(n: int, seed: int = 0, *, start: int = 0) -> Iterator[bytes]:
    """The same works as :func:`synthetic_records`, as JSON lines (bytes, newline-terminated)."""
    tpl = _templates()
    for j, idx in enumerate(_order(n, seed)):
        before, after = tpl[idx]
        yield before + synthetic_id(start + j).encode() + after + b"\n"


def _write_part(args: tuple[str, int, int, int, int]) -> tuple[int, int]:
    path, n, start, seed, level = args
    comp = zlib.compressobj(level, zlib.DEFLATED, 31)  # gzip container
    raw = 0
    with open(path + ".tmp", "wb") as fh:
        buf: list[bytes] = []
        size = 0
        for line in synthetic_lines(n, seed, start=start):
            buf.append(line)
            size += len(line)
            if size > 8 << 20:
                fh.write(comp.compress(b"".join(buf)))
                raw += size
                buf, size = [], 0
        fh.write(comp.compress(b"".join(buf)) + comp.flush())
        raw += size
    os.replace(path + ".tmp", path)
    return raw, os.path.getsize(path)


def write_snapshot(
    root: str | os.PathLike,
    *,
    n_parts: int,
    works_per_part: int,
    seed: int = 0,
    level: int = 6,
    processes: int = 2,
) -> dict:
    """Write a SYNTHETIC snapshot (gzip JSON Lines, official layout, manifest) under ``root``.

    Returns ``{"compressed_bytes", "raw_bytes", "works"}``. Partitions are spread over a few
    ``updated_date=`` folders; ids are unique across the whole snapshot.
    """
    works = Path(root) / "data" / "works"
    jobs, rels = [], []
    for i in range(n_parts):
        rel = f"updated_date=2025-0{1 + i % 3}-15/part_{i:03d}.gz"
        (works / rel).parent.mkdir(parents=True, exist_ok=True)
        jobs.append((str(works / rel), works_per_part, i * works_per_part, seed + i, level))
        rels.append(rel)
    if processes <= 1:
        sizes = [_write_part(job) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            sizes = list(pool.map(_write_part, jobs))
    entries = [
        {
            "url": f"s3://openalex/data/works/{rel}",
            "meta": {"content_length": comp, "record_count": works_per_part},
        }
        for rel, (_raw, comp) in zip(rels, sizes, strict=True)
    ]
    meta = {
        "content_length": sum(c for _, c in sizes),
        "record_count": n_parts * works_per_part,
        "synthetic": "real fixture records replicated with new ids (benchmarks/_synthetic.py)",
    }
    (works / "manifest").write_text(json.dumps({"entries": entries, "meta": meta}, indent=1))
    return {
        "compressed_bytes": meta["content_length"],
        "raw_bytes": sum(r for r, _ in sizes),
        "works": meta["record_count"],
    }
