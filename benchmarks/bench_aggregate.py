"""Benchmark: country shares by country x year (fractional counting) + bootstrap intervals.

Corpus: SYNTHETIC-SCALE — the real OpenAlex works fixture (1,213 records, ~5.6 authorships each)
replicated with new ids (``W…-synthetic-<copy>``) up to ``--works`` works (default 1,000,000,
~5.6M authorship rows). Replication keeps the real country mix but is not a real corpus.

Three implementations start from the same ``works`` and ``work_countries`` parquet files, loaded
before the clock starts, and compute the same numbers: fractional shares by country x year and
95 % percentile intervals from ``--resamples`` Poisson bootstrap resamples of works.

* litscan: :func:`litscan.stats.shares.country_shares` (hashed, work-keyed Poisson weights generated
  and summed by the :mod:`litscan.stats.bootstrap` kernel). Its one-off numba compile/cache load is timed
  separately, before the clock starts.
* numpy (the careful baseline): group codes built once (polars join + ``pd.factorize``), then per
  resample one vector of Poisson(1) weights per work (inverse CDF on a 2**20 grid indexed by
  ``rng.integers`` — 4–6x faster here than ``rng.poisson``), and two ``np.bincount`` calls
  (numerators per year x country cell, denominators per year). Same statistic, its own random
  weights (not work-keyed), so its intervals agree with litscan's only up to Monte Carlo error.
* pandas: a plain loop (multinomial resample of works, ``groupby().sum()`` per resample); its
  bootstrap is timed on ``--baseline-resamples`` resamples and scaled linearly to ``--resamples``
  (stated in the output) unless they are equal.

Each run is a separate process, so peak memory is that process's peak RSS (VmHWM). Ends with
``speedup_vs_numpy: X.XX`` and ``speedup_vs_pandas: X.XX`` (baseline time / litscan time).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _rss_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss would include the parent's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_corpus(n_works: int, folder: Path) -> dict:
    import polars as pl

    from litscan.tables import datasets
    from litscan.tables.normalize import work_countries

    t = datasets.load_works_fixture()
    works = t.works.select("id", "year")
    auth = t.authorships.select("work_id", "position", "countries", "institution_countries")
    copies = -(-n_works // works.height)
    rep = pl.DataFrame({"copy": list(range(copies))}, schema={"copy": pl.Int32})

    def relabel(frame: pl.DataFrame, col: str) -> pl.DataFrame:
        return frame.join(rep, how="cross").with_columns(
            (pl.col(col) + "-synthetic-" + pl.col("copy").cast(pl.Utf8)).alias(col)
        ).drop("copy")

    big_works = relabel(works, "id").head(n_works)
    big_auth = relabel(auth, "work_id").join(
        big_works.select(pl.col("id").alias("work_id")), on="work_id", how="semi"
    )
    wc = work_countries(big_auth, works=big_works)
    big_works.write_parquet(folder / "works.parquet")
    wc.write_parquet(folder / "work_countries.parquet")
    return {"works": big_works.height, "authorships": big_auth.height, "work_countries": wc.height}


def run_litscan(folder: Path, n_resamples: int, warm: bool = True) -> dict:
    import polars as pl

    from litscan.stats.shares import country_shares

    works = pl.read_parquet(folder / "works.parquet")
    wc = pl.read_parquet(folder / "work_countries.parquet")
    t_compile = _warm_kernel() if warm else 0.0
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    out = country_shares(wc, works=works, by=("country", "year"), counting="fractional",
                         n_resamples=n_resamples, seed=0)
    dt = time.perf_counter() - t0
    us = out.filter((pl.col("country_code") == "US") & (pl.col("year") == 2020)).row(0, named=True)
    return {"time": dt, "peak_rss_mb": _rss_mb(), "rss_before_mb": rss0, "rows": out.height,
            "us2020": [us["share"], us["lo"], us["hi"]], "compile": t_compile}


def _warm_kernel() -> float:
    """Compile (or load from the on-disk cache) the numba kernels once, outside the clock."""
    import numpy as np

    from litscan.stats import bootstrap

    t0 = time.perf_counter()
    if bootstrap.HAS_NUMBA:
        sw = bootstrap.shared_weights(["W1", "W2"], 4, seed=0)
        sw.group_sums(np.array([0, 1]), np.array([0, 0]), np.ones(2), 1, backend="numba")
        bootstrap.hash_ids(["W1"], 0, backend="numba")
    return time.perf_counter() - t0


def run_numpy(folder: Path, n_resamples: int) -> dict:
    """The careful numpy baseline: group codes once, two np.bincount calls per resample."""
    import math

    import numpy as np
    import pandas as pd
    import polars as pl

    works = pl.read_parquet(folder / "works.parquet")
    wc = pl.read_parquet(folder / "work_countries.parquet")
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    known = wc.filter(pl.col("country_code").is_not_null()).join(
        works.select(pl.col("id").alias("work_id"), "year"), on="work_id", how="inner")
    w_code, _ = pd.factorize(known.get_column("work_id").to_numpy())
    n_works = int(w_code.max()) + 1
    year_code, years = pd.factorize(known.get_column("year").to_numpy())
    country_code, countries = pd.factorize(known.get_column("country_code").to_numpy())
    cell_ids, cell_code = np.unique(year_code * len(countries) + country_code,
                                    return_inverse=True)
    cells = list(zip(years[cell_ids // len(countries)].tolist(),
                     countries[cell_ids % len(countries)].tolist(), strict=True))
    work_year = np.zeros(n_works, dtype=np.int64)
    work_year[w_code] = year_code  # a work has one year
    cell_year = np.zeros(len(cells), dtype=np.int64)
    cell_year[cell_code] = year_code
    frac = known.get_column("fractional").to_numpy()
    n_cells, n_years = len(cells), len(years)
    share = np.bincount(cell_code, frac, n_cells) / np.bincount(work_year, None, n_years)[cell_year]
    t_point = time.perf_counter() - t0
    grid = (np.arange(2**20, dtype=np.float64) + 0.5) / 2**20
    cdf = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(20)])
    inv_cdf = np.searchsorted(cdf, grid, side="right").astype(np.float64)
    rng = np.random.default_rng(0)
    reps = np.empty((n_resamples, n_cells))
    t1 = time.perf_counter()
    for r in range(n_resamples):
        u = inv_cdf[rng.integers(0, 2**20, n_works, dtype=np.uint32)]
        num = np.bincount(cell_code, u[w_code] * frac, n_cells)
        den = np.bincount(work_year, u, n_years)
        with np.errstate(divide="ignore", invalid="ignore"):
            reps[r] = num / den[cell_year]
    lo, hi = np.nanquantile(reps, [0.025, 0.975], axis=0) if n_resamples else (share, share)
    t_boot = time.perf_counter() - t1
    i = cells.index((2020, "US"))
    return {"time": time.perf_counter() - t0, "time_point": t_point, "time_boot": t_boot,
            "peak_rss_mb": _rss_mb(), "rss_before_mb": rss0, "rows": n_cells,
            "us2020": [float(share[i]), float(lo[i]), float(hi[i])]}


def run_pandas(folder: Path, n_resamples: int) -> dict:
    import numpy as np
    import pandas as pd

    works = pd.read_parquet(folder / "works.parquet")
    wc = pd.read_parquet(folder / "work_countries.parquet")
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    df = wc.merge(works.rename(columns={"id": "work_id"}), on="work_id", how="left")
    known = df[df["country_code"].notna()].copy()
    codes, uniq = pd.factorize(known["work_id"])
    known["w"] = codes
    per_work_year = known.drop_duplicates("work_id")[["w", "year"]]
    num = known.groupby(["year", "country_code"])["fractional"].sum()
    den = per_work_year.groupby("year").size()
    share = num / den.reindex(num.index.get_level_values("year")).to_numpy()
    t_point = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    reps = []
    t1 = time.perf_counter()
    n = len(uniq)
    for _ in range(n_resamples):
        counts = np.bincount(rng.integers(0, n, n), minlength=n)
        known["u"] = counts[known["w"].to_numpy()] * known["fractional"].to_numpy()
        rnum = known.groupby(["year", "country_code"])["u"].sum()
        rden = pd.Series(counts[per_work_year["w"].to_numpy()],
                         index=per_work_year["year"].to_numpy()).groupby(level=0).sum()
        reps.append((rnum / rden.reindex(rnum.index.get_level_values("year")).to_numpy())
                    .reindex(share.index).to_numpy())
    arr = np.vstack(reps) if reps else np.empty((0, len(share)))
    lo, hi = np.nanquantile(arr, [0.025, 0.975], axis=0) if reps else (share * np.nan,) * 2
    t_boot = time.perf_counter() - t1
    i = share.index.get_loc((2020, "US"))
    return {"time_point": t_point, "time_boot": t_boot, "peak_rss_mb": _rss_mb(),
            "rss_before_mb": rss0, "rows": len(share),
            "us2020": [float(share.iloc[i]), float(lo[i]), float(hi[i])]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="20k works, 100 resamples (seconds)")
    ap.add_argument("--works", type=int, default=1_000_000)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--baseline-resamples", type=int, default=50)
    ap.add_argument("--worker", choices=["litscan", "numpy", "pandas"], help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        if args.worker == "litscan":  # smoke sizes run the numpy path: nothing to compile
            res = run_litscan(Path(args.folder), args.resamples, warm=not args.smoke)
        else:
            res = {"numpy": run_numpy, "pandas": run_pandas}[args.worker](
                Path(args.folder), args.resamples)
        print(json.dumps(res))
        return 0
    if args.smoke:
        args.works, args.resamples, args.baseline_resamples = 20_000, 100, 100
    base_r = min(args.baseline_resamples, args.resamples)
    with tempfile.TemporaryDirectory(prefix="litscan-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        sizes = build_corpus(args.works, folder)
        print(f"synthetic-scale corpus (real fixture replicated with new ids): {sizes} "
              f"built in {time.perf_counter() - t0:.1f} s")

        def worker(name: str, r: int) -> dict:
            cmd = [sys.executable, __file__, "--worker", name, "--folder", tmp,
                   "--resamples", str(r), *(["--smoke"] if args.smoke else [])]
            res = subprocess.run(cmd, capture_output=True, text=True, check=True)
            return json.loads(res.stdout.strip().splitlines()[-1])

        def show(x: list[float]) -> str:
            return f"US 2020 share {x[0]:.4f} [{x[1]:.4f}, {x[2]:.4f}]"

        lit = worker("litscan", args.resamples)
        print(f"litscan: shares + {args.resamples} resamples: {lit['time']:.2f} s, peak RSS "
              f"{lit['peak_rss_mb']:.0f} MB (after loading {lit['rss_before_mb']:.0f} MB); "
              f"{show(lit['us2020'])}; numba compile/cache load before the clock "
              f"{lit['compile']:.2f} s")
        npy = worker("numpy", args.resamples)
        print(f"numpy (codes once, np.bincount per resample): shares {npy['time_point']:.2f} s "
              f"+ bootstrap {npy['time_boot']:.2f} s = {npy['time']:.2f} s, peak RSS "
              f"{npy['peak_rss_mb']:.0f} MB (after loading {npy['rss_before_mb']:.0f} MB); "
              f"{show(npy['us2020'])}")
        pdr = worker("pandas", base_r)
        scale = args.resamples / base_r if base_r else 0.0
        pd_time = pdr["time_point"] + pdr["time_boot"] * scale
        note = "" if base_r == args.resamples else (
            f" (bootstrap timed on {base_r} resamples, scaled x{scale:g})")
        print(f"pandas: shares {pdr['time_point']:.2f} s + bootstrap "
              f"{pdr['time_boot'] * scale:.2f} s = {pd_time:.2f} s{note}, peak RSS "
              f"{pdr['peak_rss_mb']:.0f} MB; {show(pdr['us2020'])}")
        for name, other in (("numpy", npy), ("pandas", pdr)):
            if abs(other["us2020"][0] - lit["us2020"][0]) > 1e-9:
                print(f"WARNING: point estimates differ between litscan and {name}")
    print(f"speedup_vs_numpy: {npy['time'] / lit['time']:.2f}")
    print(f"speedup_vs_pandas: {pd_time / lit['time']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
