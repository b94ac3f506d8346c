"""Benchmark: a preset that needs classifier labels against one that does not (issue 13).

    .venv/bin/python benchmarks/bench_labels.py [--smoke] [--runs N]

Times ``litscan run china-llm-output --offline`` (``classifier:llm`` labels of the ~62k embedded
papers) and ``litscan run arxiv-half-chinese --offline`` (no classifier labels), each in a fresh
process, as a user runs them:

* **cold**: the first run with an empty labels cache folder (classifies the papers once, unless
  the prebuilt ``litscan/data/venue_labels.parquet`` matches the current model and rules);
* **warm**: later runs, labels read from the cache (medians of ``--runs`` alternating runs).

The last line is ``ratio_llm_vs_arxiv: X.XX`` = warm china-llm-output / warm arxiv-half-chinese
(target <= 2). ``--smoke`` (seconds): 20 bootstrap resamples, one warm run each, the cold
classification timed in-process on 2,000 papers (the cache then holds only their labels) instead
of a cold full run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LLM, ARXIV = "china-llm-output", "arxiv-half-chinese"


def run_preset(preset: str, out: Path, env: dict, resamples: int | None) -> float:
    cmd = [sys.executable, "-m", "litscan", "run", preset, "--offline", "--quiet"]
    cmd += ["--out", str(out / preset)]
    if resamples is not None:
        cmd += ["--resamples", str(resamples)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=out)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{preset} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true", help="seconds: fewer resamples, one run each")
    ap.add_argument("--runs", type=int, default=3, help="warm runs per preset (full mode)")
    args = ap.parse_args()
    from litscan.labels import cache as labelcache

    resamples = 20 if args.smoke else None
    runs = 1 if args.smoke else args.runs
    with tempfile.TemporaryDirectory(prefix="litscan-bench-labels-") as tmp:
        tmp = Path(tmp)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
            "LITSCAN_LABELS_CACHE": str(tmp / "labels"),
        }
        key = labelcache.labels_key()
        prebuilt = labelcache.read_labels(
            labelcache._package_file("data") / labelcache.PREBUILT, key
        )
        print(f"prebuilt labels file matches the model and rules: {prebuilt is not None}")
        if args.smoke:
            from litscan.tables import datasets

            works = datasets.load_venue_papers(with_countries_only=True).works.head(2000)
            t0 = time.perf_counter()
            labelcache.compute_labels(works.select("id", "title", "abstract"), progress=False)
            dt = time.perf_counter() - t0
            print(
                f"cold classification (in-process, 2,000 papers): {dt:.2f} s "
                f"({2000 / dt:,.0f} papers/s)"
            )
            # smoke: the cache holds the labels of these 2,000 papers only (under the real key),
            # so that the warm runs below read a cache file without classifying 62k papers
            labelcache.venue_labels(cache_dir=tmp / "labels", progress=False, works=lambda: works)
        else:
            cold = run_preset(LLM, tmp, env, resamples)
            print(f"cold first run {LLM}: {cold:.1f} s (labels computed and cached)")
        times: dict[str, list[float]] = {LLM: [], ARXIV: []}
        for _ in range(runs):
            for preset in (ARXIV, LLM):
                times[preset].append(run_preset(preset, tmp, env, resamples))
        med = {p: statistics.median(v) for p, v in times.items()}
        for p, v in times.items():
            print(f"warm {p}: median {med[p]:.1f} s of {', '.join(f'{x:.1f}' for x in v)}")
    print(f"ratio_llm_vs_arxiv: {med[LLM] / med[ARXIV]:.2f}")


if __name__ == "__main__":
    main()
