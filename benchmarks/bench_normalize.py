"""Benchmark: normalising raw OpenAlex works into tables — litscan vs the common user path.

Input: N SYNTHETIC works (real fixture records replicated with new ids, ``_synthetic.py``) as
JSON Lines bytes in memory, i.e. what an API page cache or a snapshot file holds. Each method
starts from those bytes and ends with a works table (with rebuilt abstracts), an authorships
table, a topics table and per-work country weights (whole + fractional):

* BASELINE ``pyalex_pandas`` — ``json.loads`` each line into a ``pyalex.Work``, abstracts through
  pyalex's ``Work["abstract"]`` (then the inverted index is dropped, else ``json_normalize``
  makes a column per abstract word), ``pandas.json_normalize`` for works, authorships and topics, and
  the fractional country weights in pandas (groupby/explode);
* ``litscan_records`` — ``json.loads`` + :func:`litscan.normalize.normalize_works` (the API path);
* ``litscan_vectorised`` — :func:`litscan.normalize.normalize_jsonl` (polars parses with an explicit
  nested schema; the ingest path). Its tables are identical to ``litscan_records``'.

Each method runs in its own subprocess (so its peak RSS is its own); figures are works/s and peak
RSS above the input-loaded baseline. Ends with ``speedup_vs_pyalex_pandas: X.XX`` (baseline
time / litscan_vectorised time, same input, same command). ``--smoke``: 1,213 works, seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
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


def _litscan_records(blob: bytes) -> dict:
    from litscan.normalize import normalize_works

    t = normalize_works(json.loads(line) for line in blob.splitlines() if line.strip())
    return _counts(t)


def _litscan_vectorised(blob: bytes) -> dict:
    from litscan.normalize import normalize_jsonl

    return _counts(normalize_jsonl(blob))


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
    "pyalex_pandas": _pyalex_pandas,
    "litscan_records": _litscan_records,
    "litscan_vectorised": _litscan_vectorised,
}


def worker(method: str, path: str) -> dict:
    fn = METHODS[method]
    # import the method's libraries before measuring (imports are not normalisation)
    if method == "pyalex_pandas":
        import pandas  # noqa: F401
        import pyalex  # noqa: F401
    else:
        import litscan.ingest  # noqa: F401
        import litscan.normalize  # noqa: F401
    blob = Path(path).read_bytes()
    base = _rss_mb()
    t0 = time.perf_counter()
    out = fn(blob)
    secs = time.perf_counter() - t0
    return {
        "method": method,
        "seconds": secs,
        "mb": len(blob) / 1e6,
        "base_mb": base,
        "peak_mb": _rss_mb(),
        **out,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="1,213 works, seconds (CI)")
    ap.add_argument("-n", type=int, default=20_000, help="synthetic works (default 20,000)")
    ap.add_argument("--repeat", type=int, default=2, help="runs per method; the best counts")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(a.worker[0], a.worker[1])))
        return 0
    import _synthetic

    n = 1_213 if a.smoke else a.n
    repeat = 1 if a.smoke else a.repeat
    print(
        f"normalise {n:,} SYNTHETIC works (real fixture records, new ids) from JSON lines; "
        f"cpus {os.cpu_count()}, load avg {os.getloadavg()[0]:.1f}; best of {repeat}"
    )
    tmp = Path(tempfile.mkdtemp(prefix="litscan-bench-normalize-"))
    data = tmp / "works.jsonl"
    res: dict[str, dict] = {}
    try:
        with open(data, "wb") as fh:
            fh.writelines(_synthetic.synthetic_lines(n, seed=7))
        for method in METHODS:
            runs = []
            for _ in range(repeat):
                p = subprocess.run(
                    [sys.executable, __file__, "--worker", method, str(data)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if p.returncode:
                    raise SystemExit(f"{method} failed:\n{p.stderr[-3000:]}")
                runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
            res[method] = min(runs, key=lambda r: r["seconds"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for m, r in res.items():
        print(
            f"{m:<20} {r['seconds']:7.2f} s {n / r['seconds']:9,.0f} works/s "
            f"{r['mb'] / r['seconds']:6.1f} MB/s JSON  peak RSS {r['peak_mb']:6.0f} MB "
            f"(+{r['peak_mb'] - r['base_mb']:.0f} MB over input loaded)  rows: works "
            f"{r['works']:,}, authorships {r['authorships']:,}, topics {r['topics']:,}, "
            f"work-country pairs {r['work_country_pairs']:,}"
        )
    keys = ("works", "authorships", "topics", "work_country_pairs")
    same = all(res[m][k] == res["pyalex_pandas"][k] for m in METHODS for k in keys)
    print(f"same row counts in every method: {same}")
    base = res["pyalex_pandas"]["seconds"]
    print(
        f"speedup litscan_records (API path) vs pyalex_pandas: "
        f"{base / res['litscan_records']['seconds']:.2f}"
    )
    print(f"speedup_vs_pyalex_pandas: {base / res['litscan_vectorised']['seconds']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
