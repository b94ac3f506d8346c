"""Benchmark: ``litscan ingest`` against the decode limit and DuckDB, on the same SYNTHETIC snapshot
partitions (real fixture records replicated with new ids, see ``_synthetic.py``; gzip JSON Lines in
the official layout), on the same cores, in one run.

Side by side, on the first 2 partitions (both cores busy in every method):

* **decode limit** — gunzip + decode only the fields litscan uses into typed ``msgspec`` structs,
  nothing else (one process per partition, 2 at once): what no ingest can beat;
* **DuckDB** — ``read_ndjson`` with the same explicit columns, then the same four tables in SQL
  (abstracts rebuilt, fractional weights) written to Parquet, DuckDB's threads on all cores
  (``_baselines.py``);
* **litscan** — ``litscan.tables.ingest.ingest`` (default: 2 partitions at once), no filter and with
  the scoped filter of ``docs/scale.md`` (DuckDB with the same filter too).

Then the memory check: peak RSS of litscan on 1 partition and on all of them (must not grow with
the input). Each run is its own subprocess (so ``ru_maxrss`` is that run's, children included);
methods alternate, the median of ``--repeat`` runs counts. Ends with ``ratio_vs_duckdb: X.XX``
(litscan time / DuckDB time, target <= 1) and ``ratio_vs_decode: X.XX`` (litscan / decode limit,
target <= 2). ``--smoke``: 2 tiny partitions, seconds. Data under /tmp, removed unless ``--keep``.
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

SCOPED = "publication_year:2010-2025,authorships.countries:CN|US|GB|DE|IN"
SCOPED_YEARS = (2010, 2025)
SCOPED_COUNTRIES = ("CN", "US", "GB", "DE", "IN")


def _peak_mb() -> float:
    """Peak RSS of this process or of its largest waited-for child, MiB (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def _files(snapshot: str, limit: int) -> list[str]:
    from litscan.tables.snapshot import list_partitions

    return [p.path for p in list_partitions(snapshot)[:limit]]


# ---- workers (each in its own process) ---------------------------------------------------------


def worker_decode(snapshot: str, limit: int, parallel: bool) -> dict:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import _baselines

    files = _files(snapshot, limit)
    t0 = time.perf_counter()
    jobs = min(len(files), os.cpu_count() or 1) if parallel else 1
    if jobs > 1:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(jobs, mp_context=ctx) as pool:
            works = sum(pool.map(_baselines.decode_limit, files))
    else:
        works = sum(_baselines.decode_limit(f) for f in files)
    return {"seconds": time.perf_counter() - t0, "works": works, "kept": works}


def worker_duckdb(snapshot: str, out: str, limit: int, scoped: bool) -> dict:
    import _baselines

    files = _files(snapshot, limit)
    t0 = time.perf_counter()
    counts = _baselines.duckdb_tables(
        files,
        out,
        years=SCOPED_YEARS if scoped else None,
        countries=SCOPED_COUNTRIES if scoped else None,
    )
    return {"seconds": time.perf_counter() - t0, "works": None, "kept": counts["works"]}


def worker_litscan(snapshot: str, out: str, limit: int, flt: str, jobs: int) -> dict:
    from litscan.tables import ingest as ing
    from litscan.tables.filters import WorkFilter

    t0 = time.perf_counter()
    rep = ing.ingest(
        snapshot,
        out,
        WorkFilter.parse(flt),
        limit=limit,
        jobs=jobs or None,
        restart=True,
    )
    secs = time.perf_counter() - t0
    if rep.failed:
        raise SystemExit(f"ingest failed: {[r.error for r in rep.failed]}")
    return {"seconds": secs, "works": rep.rows_in, "kept": rep.rows_kept, "bytes": rep.bytes_in}


def _run(args: list[str]) -> dict:
    cmd = [sys.executable, __file__, "--worker", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"worker {args[0]} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


# ---- driver ------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="2 tiny partitions, seconds (CI)")
    ap.add_argument("--parts", type=int, default=4, help="partitions (memory check: 1 vs all)")
    ap.add_argument("--works-per-part", type=int, default=40_000)
    ap.add_argument("--repeat", type=int, default=3, help="alternating runs; the median counts")
    ap.add_argument("--dir", default="/tmp/litscan-bench-ingest")
    ap.add_argument("--keep", action="store_true", help="keep (and reuse) the snapshot")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        kind, *rest = a.worker
        if kind == "decode":
            res = worker_decode(rest[0], int(rest[1]), rest[2] == "parallel")
        elif kind == "duckdb":
            res = worker_duckdb(rest[0], rest[1], int(rest[2]), rest[3] == "scoped")
        else:
            res = worker_litscan(rest[0], rest[1], int(rest[2]), rest[3], int(rest[4]))
        res["peak_mb"] = _peak_mb()
        print(json.dumps(res))
        return 0

    import _synthetic

    from litscan.tables.snapshot import gunzip_engine

    if a.smoke:  # a private temp folder: never touches a cached full snapshot
        n_parts, per_part, repeat = 2, 300, 1
        root = Path(tempfile.mkdtemp(prefix="litscan-bench-ingest-smoke-"))
    else:
        n_parts, per_part, repeat = max(2, a.parts), a.works_per_part, a.repeat
        root = Path(a.dir)
    snap = root / "snapshot"
    spec = {"n_parts": n_parts, "works_per_part": per_part}
    spec_file = snap / "bench-spec.json"
    root.mkdir(parents=True, exist_ok=True)
    print(
        f"SYNTHETIC snapshot (real fixture records, new ids): {n_parts} partitions x "
        f"{per_part:,} works under {snap}; cpus {os.cpu_count()}; load avg "
        f"{os.getloadavg()[0]:.1f}; gunzip: {gunzip_engine()}; median of {repeat} alternating runs"
    )
    if not (spec_file.is_file() and json.loads(spec_file.read_text()) == spec):
        shutil.rmtree(snap, ignore_errors=True)
        t0 = time.perf_counter()
        meta = _synthetic.write_snapshot(
            snap, n_parts=n_parts, works_per_part=per_part, processes=1 if a.smoke else 2
        )
        spec_file.write_text(json.dumps(spec))
        print(
            f"generated {meta['compressed_bytes'] / 1e9:.2f} GB gzip "
            f"({meta['raw_bytes'] / 1e9:.2f} GB JSON, {meta['works']:,} works) in "
            f"{time.perf_counter() - t0:.0f} s"
        )
    runs = Path(tempfile.mkdtemp(prefix="out-", dir=root))  # private to this run
    s = str(snap)
    # smoke: tiny input, one core each (starting worker processes would dominate)
    par = "serial" if a.smoke else "parallel"
    jobs = "1" if a.smoke else "0"
    methods = {
        "decode limit (gunzip + typed decode)": ["decode", s, "2", par],
        "DuckDB read_ndjson -> 4 tables": ["duckdb", s, str(runs / "d"), "2", "all"],
        "litscan ingest -> 4 tables": ["litscan", s, str(runs / "l"), "2", "", jobs],
    }
    if not a.smoke:
        methods["DuckDB, scoped filter"] = ["duckdb", s, str(runs / "ds"), "2", "scoped"]
        methods["litscan, scoped filter"] = ["litscan", s, str(runs / "ls"), "2", SCOPED, "0"]
    res: dict[str, list[dict]] = {m: [] for m in methods}
    mem1 = mem_all = None
    try:
        for _ in range(repeat):
            for name, args in methods.items():
                res[name].append(_run(args))
                for sub in ("d", "l", "ds", "ls"):
                    shutil.rmtree(runs / sub, ignore_errors=True)
        if not a.smoke:
            mem1 = _run(["litscan", s, str(runs / "m1"), "1", "", "1"])
            mem_all = _run(["litscan", s, str(runs / "ma"), str(n_parts), "", "0"])
    finally:
        shutil.rmtree(runs, ignore_errors=True)
        if a.smoke or not a.keep:
            shutil.rmtree(snap, ignore_errors=True)
            if a.smoke:
                shutil.rmtree(root, ignore_errors=True)
    med = {m: statistics.median(r["seconds"] for r in rs) for m, rs in res.items()}
    gz = res["litscan ingest -> 4 tables"][0]["bytes"] / 1e6
    works = res["decode limit (gunzip + typed decode)"][0]["works"]
    print(f"same input for every method: 2 partitions, {gz:.1f} MB gzip, {works:,} works")
    print(f"{'method':<40} {'median s':>9} {'runs':>24} {'MB/s gz':>8} {'peak RSS MB':>12}")
    for m, rs in res.items():
        times = ", ".join(f"{r['seconds']:.2f}" for r in rs)
        print(
            f"{m:<40} {med[m]:9.2f} {times:>24} {gz / med[m]:8.1f} "
            f"{max(r['peak_mb'] for r in rs):12.0f}   kept {rs[0]['kept']:,}"
        )
    lit, duck = med["litscan ingest -> 4 tables"], med["DuckDB read_ndjson -> 4 tables"]
    if mem1 is not None and mem_all is not None:
        kept = {m: rs[0]["kept"] for m, rs in res.items()}
        if kept["DuckDB, scoped filter"] != kept["litscan, scoped filter"]:
            print(f"WARNING: scoped rows differ: {kept}")
        ratio = med["litscan, scoped filter"] / med["DuckDB, scoped filter"]
        print(f"scoped filter ({SCOPED}): litscan / DuckDB = {ratio:.2f}")
        grow = mem_all["bytes"] / mem1["bytes"]
        print(
            f"memory: 1 partition peak RSS {mem1['peak_mb']:.0f} MB (1 job), all {n_parts} "
            f"partitions {mem_all['peak_mb']:.0f} MB per process (input x{grow:.1f}; bounded "
            "by the batch size, per job)"
        )
    print(f"ratio_vs_duckdb: {lit / duck:.2f}")
    print(f"ratio_vs_decode: {lit / med['decode limit (gunzip + typed decode)']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
