"""Benchmark: ``litscan ingest`` on a SYNTHETIC multi-GB OpenAlex snapshot (real fixture records
replicated with new ids, see ``_synthetic.py``), gzip JSON Lines in the official layout.

Figures: throughput in MB/s of compressed input (and of JSON), works/s, and peak RSS of each run
(each run is its own subprocess, so ``ru_maxrss`` is that run's peak), for

* litscan, no filter (every work normalised and written), on 1 partition and on all of them —
  peak memory must not grow with input size;
* litscan with a scoped filter vs the BASELINE a user would otherwise write — ``gzip`` + ``json``
  line by line, the same filter in Python, then ``pandas.json_normalize`` of the kept works,
  authorships and topics written to parquet — on the same partitions (same command);
* the same scoped ingest on Dask (2 local processes), when dask is installed.

Ends with ``speedup_vs_python_json_pandas: X.XX`` = baseline time / litscan time, same input.
``--smoke``: a few MB, seconds. Data is written under /tmp and removed unless ``--keep``.
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

SCOPED = "publication_year:2010-2025,authorships.countries:CN|US|GB|DE|IN"


def _peak_mb() -> float:
    """Peak RSS of this process or of its largest child (dask workers), MiB (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


# ---- workers (each in its own process) ---------------------------------------------------------


def worker_litscan(snapshot: str, out: str, limit: int, flt: str, engine: str) -> dict:
    from litscan import ingest as ing

    base = _peak_mb()
    t0 = time.perf_counter()
    rep = ing.ingest(
        snapshot,
        out,
        ing.WorkFilter.parse(flt),
        limit=limit,
        engine=engine,
        workers=2,
        restart=True,
    )
    secs = time.perf_counter() - t0
    if rep.failed:
        raise SystemExit(f"ingest failed: {[r.error for r in rep.failed]}")
    return {
        "seconds": secs,
        "bytes": rep.bytes_in,
        "works": rep.rows_in,
        "kept": rep.rows_kept,
        "peak_mb": _peak_mb(),
        "import_mb": base,
    }


def _keep(rec: dict, years: tuple[int, int], countries: set[str]) -> bool:
    y = rec.get("publication_year")
    if y is None or not years[0] <= y <= years[1]:
        return False
    return any(
        c in countries for a in rec.get("authorships") or [] for c in a.get("countries") or []
    )


def worker_baseline(snapshot: str, out: str, limit: int) -> dict:
    """What a user writes without litscan: stream lines, json.loads, filter, json_normalize."""
    import gzip

    import pandas as pd
    from pyalex import invert_abstract

    base = _peak_mb()
    t0 = time.perf_counter()
    manifest = json.loads((Path(snapshot) / "data/works/manifest").read_text())
    n_in = n_kept = n_bytes = 0
    os.makedirs(out, exist_ok=True)
    for i, e in enumerate(manifest["entries"][:limit]):
        path = Path(snapshot) / "data/works" / e["url"].split("/works/", 1)[1]
        n_bytes += path.stat().st_size
        kept = []
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                n_in += 1
                if _keep(rec, (2010, 2025), {"CN", "US", "GB", "DE", "IN"}):
                    kept.append(rec)
        n_kept += len(kept)
        works = pd.json_normalize(kept)
        cols = [
            "id",
            "doi",
            "title",
            "publication_year",
            "publication_date",
            "type",
            "language",
            "cited_by_count",
            "fwci",
            "primary_topic.id",
            "primary_topic.subfield.id",
            "primary_topic.field.id",
            "primary_location.source.id",
            "is_retracted",
        ]
        works = works[[c for c in cols if c in works.columns]].copy()
        works["abstract"] = [invert_abstract(r.get("abstract_inverted_index")) for r in kept]
        auth = pd.json_normalize(kept, record_path="authorships", meta=["id"])
        auth = auth[["id", "author.id", "countries"]]
        topics = pd.json_normalize(
            [r for r in kept if r.get("topics")],
            record_path="topics",
            meta=["id"],
            meta_prefix="work.",
        )
        topics = topics[["work.id", "id", "display_name", "score", "subfield.id"]]
        for name, df in (("works", works), ("authorships", auth), ("topics", topics)):
            df.to_parquet(f"{out}/{name}-{i}.parquet")
    secs = time.perf_counter() - t0
    return {
        "seconds": secs,
        "bytes": n_bytes,
        "works": n_in,
        "kept": n_kept,
        "peak_mb": _peak_mb(),
        "import_mb": base,
    }


def _run_worker(args: list[str]) -> dict:
    cmd = [sys.executable, __file__, "--worker", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"worker {args[0]} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


# ---- driver --------------------------------------------------------------------------------------


def _line(label: str, r: dict) -> str:
    mb = r["bytes"] / 1e6
    return (
        f"{label:<44} {mb:9.1f} MB gz {r['works']:>9,} works {r['kept']:>9,} kept "
        f"{r['seconds']:8.1f} s {mb / r['seconds']:7.1f} MB/s {r['works'] / r['seconds']:9,.0f} "
        f"works/s  peak RSS {r['peak_mb']:7.0f} MB (after imports {r['import_mb']:.0f} MB)"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="a few MB, seconds (CI)")
    ap.add_argument("--size-gb", type=float, default=2.0, help="compressed snapshot size")
    ap.add_argument("--works-per-part", type=int, default=40_000)
    ap.add_argument("--baseline-parts", type=int, default=2)
    ap.add_argument("--dir", default="/tmp/litscan-bench-ingest")
    ap.add_argument("--keep", action="store_true", help="keep (and reuse) the snapshot")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        kind, *rest = a.worker
        if kind == "litscan":
            snap, out, limit, flt, engine = rest
            res = worker_litscan(snap, out, int(limit), flt, engine)
        else:
            snap, out, limit = rest
            res = worker_baseline(snap, out, int(limit))
        print(json.dumps(res))
        return 0

    import _synthetic

    if a.smoke:  # a private temp folder: never touches a cached full snapshot
        n_parts, per_part, base_parts = 3, 400, 1
        root = Path(tempfile.mkdtemp(prefix="litscan-bench-ingest-smoke-"))
        snap = root / "snapshot"
    else:
        per_part = a.works_per_part
        # about 2.8 kB of gzip per synthetic work (measured on the fixture at level 6)
        n_parts = max(2, round(a.size_gb * 1e9 / (per_part * 2_800)))
        base_parts = min(a.baseline_parts, n_parts)
        root = Path(a.dir)
        snap = root / "snapshot"
    spec = {"n_parts": n_parts, "works_per_part": per_part}
    spec_file = snap / "bench-spec.json"
    root.mkdir(parents=True, exist_ok=True)
    print(
        f"SYNTHETIC snapshot (real fixture records, new ids): {n_parts} partitions x "
        f"{per_part:,} works under {snap}; free disk {shutil.disk_usage(root).free / 1e9:.0f} GB; "
        f"cpus {os.cpu_count()}; load avg {os.getloadavg()[0]:.1f}"
    )
    if not (spec_file.is_file() and json.loads(spec_file.read_text()) == spec):
        shutil.rmtree(snap, ignore_errors=True)
        t0 = time.perf_counter()
        meta = _synthetic.write_snapshot(snap, n_parts=n_parts, works_per_part=per_part)
        spec_file.write_text(json.dumps(spec))
        print(
            f"generated {meta['compressed_bytes'] / 1e9:.2f} GB gzip "
            f"({meta['raw_bytes'] / 1e9:.2f} GB JSON, {meta['works']:,} works) in "
            f"{time.perf_counter() - t0:.0f} s"
        )
    total_gz = sum(p.stat().st_size for p in snap.rglob("*.gz"))
    runs = Path(tempfile.mkdtemp(prefix="out-", dir=root))  # private to this run
    rd = None
    try:
        s = str(snap)
        r1 = _run_worker(["litscan", s, str(runs / "a"), "1", "", "local"])
        rall = _run_worker(["litscan", s, str(runs / "b"), str(n_parts), "", "local"])
        shutil.rmtree(runs / "b", ignore_errors=True)
        rs = _run_worker(["litscan", s, str(runs / "c"), str(base_parts), SCOPED, "local"])
        rb = _run_worker(["baseline", s, str(runs / "d"), str(base_parts)])
        try:
            import dask  # noqa: F401

            rd = _run_worker(["litscan", s, str(runs / "e"), str(base_parts), SCOPED, "dask"])
        except ImportError:
            pass
    finally:
        shutil.rmtree(runs, ignore_errors=True)
        if a.smoke or not a.keep:
            shutil.rmtree(snap, ignore_errors=True)
            if a.smoke:
                shutil.rmtree(root, ignore_errors=True)
    print(f"snapshot: {total_gz / 1e9:.2f} GB gzip in {n_parts} partitions")
    print(_line("litscan ingest, no filter, 1 partition", r1))
    print(_line(f"litscan ingest, no filter, {n_parts} partitions", rall))
    grow = rall["bytes"] / r1["bytes"]
    print(
        f"memory vs input: input x{grow:.1f}, peak RSS x{rall['peak_mb'] / r1['peak_mb']:.2f} "
        "(bounded: one batch at a time)"
    )
    print(f"scoped filter: {SCOPED}")
    print(_line(f"litscan ingest, scoped, {base_parts} partition(s)", rs))
    print(_line(f"baseline json+pandas, scoped, {base_parts} partition(s)", rb))
    if rd is not None:
        print(_line(f"litscan ingest on dask (2 procs), {base_parts} partition(s)", rd))
        print(f"dask vs local: x{rs['seconds'] / rd['seconds']:.2f}")
    if rb["kept"] != rs["kept"]:
        print(f"WARNING: baseline kept {rb['kept']} works, litscan {rs['kept']}")
    print(f"speedup_vs_python_json_pandas: {rb['seconds'] / rs['seconds']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
