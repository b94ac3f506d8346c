"""Benchmark: normalising raw OpenAlex works (JSON Lines in memory) into litscan's four tables —
litscan against the decode limit, DuckDB and the common pyalex + pandas path, in one run.

Input: N SYNTHETIC works (real fixture records replicated with new ids, ``_synthetic.py``) as
JSON Lines bytes, i.e. what an API page cache or a decompressed snapshot partition holds. Methods:

* **decode limit** — decode only the fields litscan uses into typed ``msgspec`` structs, every
  field typed (the inverted index as a dict of lists: ``_baselines.typed_work``), nothing else
  (no tables, no abstracts);
* **DuckDB** — ``read_ndjson`` of the same lines (a file in ``/dev/shm`` when there is one) with
  the same explicit columns, then the four tables in SQL, DuckDB's threads on all cores
  (``_baselines.py``);
* **litscan** — :func:`litscan.tables.normalize.normalize_jsonl`, the one normaliser (typed decoder
  with the inverted index kept raw, abstracts rebuilt per batch in one compiled pass, vectorised
  polars);
* for reference: ``litscan_api_path`` (``json.loads`` + :func:`litscan.tables.normalize.normalize_works`,
  the same normaliser fed Python records) and ``pyalex_pandas`` (``pyalex.Work`` abstracts,
  ``pandas.json_normalize`` for works, authorships and topics, fractional weights in pandas).

Each method runs in its own subprocess (its peak RSS is its own); methods alternate, the median of
``--repeat`` runs counts. Ends with ``ratio_vs_duckdb: X.XX`` (litscan time / DuckDB time, target
<= 1) and ``ratio_vs_decode: X.XX`` (litscan / decode limit, target <= 2). ``--smoke``: 1,213
works, seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pyalex_pandas(blob: bytes) -> dict:
    import pandas as pd
    from pyalex import Work

    works = [Work(json.loads(line)) for line in blob.splitlines() if line.strip()]
    # abstract first, then drop the inverted index: json_normalize would otherwise make one
    # column per abstract word (~20x slower still)
    abstracts = [w["abstract"] if "abstract_inverted_index" in w else None for w in works]
    for w in works:
        w.pop("abstract_inverted_index", None)
    flat = pd.json_normalize(works)
    flat["abstract"] = abstracts
    with_auth = [w for w in works if w.get("authorships")]
    auth = pd.json_normalize(with_auth, record_path="authorships", meta=["id"])
    topics = pd.json_normalize(
        [w for w in works if w.get("topics")],
        record_path="topics",
        meta=["id"],
        meta_prefix="work_",
    )
    a = auth[["id", "countries"]].copy()
    a["countries"] = a["countries"].map(lambda c: sorted(set(c or [])))
    a = a[a["countries"].map(len) > 0]
    a["n_auth"] = a.groupby("id")["id"].transform("size")
    a["n_cc"] = a["countries"].map(len)
    e = a.explode("countries")
    e["fractional"] = 1.0 / (e["n_auth"] * e["n_cc"])
    wc = e.groupby(["id", "countries"], as_index=False)["fractional"].sum()
    return {
        "works": len(flat),
        "authorships": len(auth),
        "topics": len(topics),
        "work_country_pairs": len(wc),
    }


def _litscan_api_path(blob: bytes) -> dict:
    from litscan.tables.normalize import normalize_works

    t = normalize_works([json.loads(line) for line in blob.splitlines() if line.strip()])
    return _counts(t)


def _litscan(blob: bytes) -> dict:
    from litscan.tables.normalize import normalize_jsonl

    return _counts(normalize_jsonl(blob))


def _decode_limit(blob: bytes) -> dict:
    import _baselines
    import msgspec

    from litscan.tables.decode import no_gc

    dec = msgspec.json.Decoder(_baselines.typed_work())  # every field typed, as issue 15 measured
    n, step, start = 0, 16 << 20, 0
    while start < len(blob):
        end = blob.find(b"\n", min(start + step, len(blob)) - 1)
        end = len(blob) if end < 0 else end + 1
        with no_gc():
            n += len(dec.decode_lines(blob[start:end]))
        start = end
    return {"works": n}


def _duckdb(path: str) -> dict:
    import _baselines

    out = tempfile.mkdtemp(prefix="litscan-bench-duckdb-")
    try:
        counts = _baselines.duckdb_tables([path], out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {
        "works": counts["works"],
        "authorships": counts["authorships"],
        "topics": counts["work_topics"],
    }


def _counts(t) -> dict:
    import polars as pl

    pairs = t.work_countries.filter(pl.col("country_code").is_not_null()).height
    return {
        "works": t.works.height,
        "authorships": t.authorships.height,
        "topics": t.work_topics.height,
        "work_country_pairs": pairs,
    }


METHODS = {
    "decode_limit": _decode_limit,
    "duckdb": _duckdb,
    "litscan": _litscan,
    "litscan_api_path": _litscan_api_path,
    "pyalex_pandas": _pyalex_pandas,
}


def worker(method: str, path: str) -> dict:
    fn = METHODS[method]
    # import the method's libraries before measuring (imports are not normalisation)
    if method == "pyalex_pandas":
        import pandas  # noqa: F401
        import pyalex  # noqa: F401
    elif method == "duckdb":
        import duckdb  # noqa: F401
    else:
        import msgspec  # noqa: F401

        import litscan.tables.normalize  # noqa: F401
    blob = b"" if method == "duckdb" else Path(path).read_bytes()
    base = _rss_mb()
    t0 = time.perf_counter()
    out = fn(path if method == "duckdb" else blob)  # type: ignore[operator]
    secs = time.perf_counter() - t0
    return {
        "method": method,
        "seconds": secs,
        "mb": Path(path).stat().st_size / 1e6,
        "base_mb": base,
        "peak_mb": _rss_mb(),
        **out,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="1,213 works, seconds (CI)")
    ap.add_argument("-n", type=int, default=20_000, help="synthetic works (default 20,000)")
    ap.add_argument("--repeat", type=int, default=3, help="alternating runs; the median counts")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(a.worker[0], a.worker[1])))
        return 0
    import _synthetic

    n = 1_213 if a.smoke else a.n
    repeat = 1 if a.smoke else a.repeat
    methods = ["decode_limit", "duckdb", "litscan"] + (
        [] if a.smoke else ["litscan_api_path", "pyalex_pandas"]
    )
    print(
        f"normalise {n:,} SYNTHETIC works (real fixture records, new ids) from JSON lines; "
        f"cpus {os.cpu_count()}, load avg {os.getloadavg()[0]:.1f}; median of {repeat} "
        "alternating runs"
    )
    shm = Path("/dev/shm")
    tmp = Path(
        tempfile.mkdtemp(prefix="litscan-bench-normalize-", dir=shm if shm.is_dir() else None)
    )
    data = tmp / "works.jsonl"
    res: dict[str, list[dict]] = {m: [] for m in methods}
    try:
        with open(data, "wb") as fh:
            fh.writelines(_synthetic.synthetic_lines(n, seed=7))
        for _ in range(repeat):
            for method in methods:
                p = subprocess.run(
                    [sys.executable, __file__, "--worker", method, str(data)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if p.returncode:
                    raise SystemExit(f"{method} failed:\n{p.stderr[-3000:]}")
                res[method].append(json.loads(p.stdout.strip().splitlines()[-1]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    med = {m: statistics.median(r["seconds"] for r in rs) for m, rs in res.items()}
    for m, rs in res.items():
        r = rs[0]
        rows = ", ".join(f"{k} {r[k]:,}" for k in ("works", "authorships", "topics") if k in r)
        times = ", ".join(f"{x['seconds']:.2f}" for x in rs)
        print(
            f"{m:<18} {med[m]:7.2f} s ({times}) {n / med[m]:9,.0f} works/s "
            f"{r['mb'] / med[m]:6.1f} MB/s JSON  peak RSS {max(x['peak_mb'] for x in rs):6.0f} MB"
            f"  rows: {rows}"
        )
    if "pyalex_pandas" in med:
        print(f"speedup litscan vs pyalex_pandas: {med['pyalex_pandas'] / med['litscan']:.2f}")
    print(f"ratio_vs_duckdb: {med['litscan'] / med['duckdb']:.2f}")
    print(f"ratio_vs_decode: {med['litscan'] / med['decode_limit']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
