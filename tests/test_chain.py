"""The commands chain through a tables folder (subprocesses, ``python -m litscan``):

fetch --out DIR (local fake OpenAlex) -> shares DIR -> run --tables DIR, and
ingest --out DIR (a snapshot of the same records) -> shares DIR -> run --tables DIR.
Both chains must give the same numbers as shares on the raw records.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from fake_openalex import FakeOpenAlex

from litscan.tables.folder import load_tables

REPO = Path(__file__).resolve().parents[1]
KEY = "sk-litscan-chain-77"
FILTER = "publication_year:2000-2025"

PRESET = """
schema_version = 1
claim = "CN share of AI papers > US share (a chain test on the 1,213-work fixture)"
source = "tables"
countries = ["CN", "US"]
resamples = 100
min_works = 1
[population]
years = [2000, 2025]
[labels]
ai = "subfield:1702"
[counting]
primary = "whole"
report = "whole"
[[claims]]
id = "cn-vs-us-ai"
text = "CN share of AI papers > US share of AI papers"
a = { country = "CN", label = "ai" }
op = ">"
b = { country = "US", label = "ai" }
"""


def _env(tmp: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENALEX_API_KEY": KEY}
    env["LITSCAN_CACHE"] = str(tmp / "cache")
    env.pop("LITSCAN_OPENALEX_URL", None)
    return env


def litscan(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "litscan", *args],
        env=_env(tmp),
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp,
    )
    assert done.returncode == 0, done.stderr
    return done


def _in_years(rec: dict) -> bool:
    y = rec.get("publication_year")
    return y is not None and 2000 <= y <= 2025


def _hand_whole_shares(records: list[dict]) -> dict[str, float]:
    """Whole counting by hand: works naming a country in any authorship / works with a country
    (works without any country are reported apart, not in the denominator)."""
    n = 0
    seen: dict[str, int] = {}
    for r in records:
        cc = {c.upper() for a in r.get("authorships") or [] for c in a.get("countries") or []}
        n += bool(cc)
        for c in cc:
            seen[c] = seen.get(c, 0) + 1
    return {c: k / n for c, k in seen.items()}


def _shares_csv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path).sort("country_code")


def _chain(tmp: Path, folder: Path, preset: Path, raw_jsonl: Path) -> tuple[dict, pl.DataFrame]:
    t = load_tables(folder)
    assert {"works", "authorships", "work_countries", "work_topics"} <= set(t.present())
    args = ["--by", "country", "--counting", "whole", "--resamples", "50"]
    litscan(tmp, "shares", str(folder), *args, "--out", str(tmp / "s_dir.csv"))
    if not (tmp / "s_raw.csv").exists():
        litscan(tmp, "shares", str(raw_jsonl), *args, "--out", str(tmp / "s_raw.csv"))
    from_dir, from_raw = _shares_csv(tmp / "s_dir.csv"), _shares_csv(tmp / "s_raw.csv")
    assert from_dir.equals(from_raw)  # the folder gives what the raw records give
    out = tmp / f"run-{folder.name}"
    litscan(tmp, "run", str(preset), "--tables", str(folder), "--out", str(out))
    verdicts = json.loads((out / "verdicts.json").read_text())
    assert verdicts["data_source"] == "tables"
    return verdicts["claims"][0], from_dir


@pytest.fixture()
def setup(tmp_path, raw_works):
    in_scope = [r for r in raw_works if _in_years(r)]
    raw = tmp_path / "raw.jsonl.gz"
    with gzip.open(raw, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps(r) for r in in_scope) + "\n")
    preset = tmp_path / "chain.toml"
    preset.write_text(PRESET, encoding="utf-8")
    return in_scope, raw, preset


@pytest.mark.slow
def test_fetch_and_ingest_chains_agree(tmp_path, raw_works, setup):
    in_scope, raw, preset = setup
    # chain 1: fetch --out DIR from a local OpenAlex-like server
    with FakeOpenAlex(raw_works, require_key=KEY) as server:
        litscan(
            tmp_path, "fetch", "--filter", FILTER, "--base-url", server.url, "--max-rps", "0",
            "--quiet", "--out", str(tmp_path / "fetched"),
        )  # fmt: skip
    fetched, s_fetch = _chain(tmp_path, tmp_path / "fetched", preset, raw)
    # chain 2: ingest --out DIR from a snapshot holding every record (the filter keeps the same)
    snap = tmp_path / "snap" / "data" / "works" / "updated_date=2025-01-01"
    snap.mkdir(parents=True)
    with gzip.open(snap / "part_000.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps(r) for r in raw_works) + "\n")
    litscan(tmp_path, "ingest", str(tmp_path / "snap"), "--filter", FILTER, "--out",
            str(tmp_path / "ingested"))  # fmt: skip
    ingested, s_ingest = _chain(tmp_path, tmp_path / "ingested", preset, raw)

    n = load_tables(tmp_path / "fetched").works.select(pl.len()).collect().item()
    assert n == len(in_scope) == load_tables(tmp_path / "ingested").works.collect().height
    assert s_fetch.equals(s_ingest)
    hand = _hand_whole_shares(in_scope)
    got = dict(zip(s_fetch["country_code"], s_fetch["share"], strict=True))
    for c in ("CN", "US", "GB"):
        assert got[c] == pytest.approx(hand[c], abs=1e-12), c
    # the same claim on the same records: the same numbers from both folders
    assert fetched["verdict"] == ingested["verdict"]
    assert fetched["primary"] is not None, fetched["reason"]
    for key in ("diff", "lo", "hi", "n_a", "n_b"):
        assert fetched["primary"][key] == ingested["primary"][key], key
    assert fetched["verdict"] in ("supported", "contradicted", "inconclusive", "venue-dependent")
