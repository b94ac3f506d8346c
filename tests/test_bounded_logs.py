"""Hostile input, round 3 (issue 25): inputs made of bad records cost a few log lines, not millions.

Real records (the 1,213-work fixture) mixed with synthetic bad lines; a JSON file of 300,000 ``{}``
lines; a snapshot partition of 5 KiB that inflates to 2.8 million bad lines. Bad-record messages
are logged for the first few records of a batch, then only counted; an input that is mostly bad
stops with one line (``MAX_BAD_RATIO`` of at least ``MIN_BAD_TO_STOP`` records).
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from litscan.errors import InputDataError
from litscan.tables.issues import LOG_FIRST, MAX_BAD_RATIO, MIN_BAD_TO_STOP
from litscan.tables.normalize import normalize_jsonl, normalize_works

REPO = Path(__file__).resolve().parents[1]


def litscan(cwd: Path, *args: str, timeout: float = 120) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("OPENALEX_API_KEY", None)
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "litscan", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    return proc, time.monotonic() - t0


def test_constants_are_what_the_docs_say():
    assert (LOG_FIRST, MAX_BAD_RATIO, MIN_BAD_TO_STOP) == (5, 0.5, 1000)


def test_some_bad_records_keep_the_good_ones_and_log_a_few_lines(raw_works, caplog):
    bad = [{"id": 5, "title": "not a work"}] * 400 + [{}] * 300  # 700 bad, under the stop bound
    with caplog.at_level(logging.WARNING):
        t = normalize_works(raw_works + bad, source="mixed.jsonl")
    assert t.works.height == len(raw_works) and t.issues.skipped == 700
    lines = [r for r in caplog.records if "mixed.jsonl" in r.getMessage()]
    assert len(lines) <= 2 * (LOG_FIRST + 1)  # two passes may each log their first few
    assert any("counted, not logged" in r.getMessage() for r in lines)


def test_mostly_bad_jsonl_stops_after_a_batch(raw_works):
    good = b"".join(json.dumps(r).encode() + b"\n" for r in raw_works[:100])
    buf = good + b"{}\n" * 50_000
    with pytest.raises(InputDataError) as exc:
        normalize_jsonl(buf, source="junk.jsonl", batch_bytes=64 * 1024)
    msg = str(exc.value)
    assert "junk.jsonl: expected OpenAlex work records with few bad ones" in msg
    assert "more than 50%" in msg and "\n" not in msg


def test_file_of_300000_empty_objects_is_one_line(tmp_path):
    path = tmp_path / "works.jsonl"
    path.write_bytes(b"{}\n" * 300_000)
    proc, took = litscan(tmp_path, "shares", str(path), "--out", "-", "--resamples", "0")
    assert proc.returncode == 2, proc.stderr[-2000:]
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("litscan: error:")]
    assert len(errors) == 1 and "got 300,000 bad of 300,000 records" in errors[0]
    assert len(proc.stderr) < 5_000 and "Traceback" not in proc.stderr  # was 43-54 MB
    assert took < 90


def test_tiny_partition_of_millions_of_bad_lines_fails_alone(tmp_path, raw_works):
    works = tmp_path / "snap" / "data" / "works"
    for d in ("updated_date=2024-01-01", "updated_date=2024-01-02"):
        (works / d).mkdir(parents=True)
    bomb = works / "updated_date=2024-01-01" / "part_000.gz"
    bomb.write_bytes(gzip.compress(b"x\n" * 2_800_000, 9))
    assert bomb.stat().st_size < 8 * 1024
    good = raw_works[:50]
    with gzip.open(works / "updated_date=2024-01-02" / "part_000.gz", "wt", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(r) + "\n" for r in good))
    proc, took = litscan(tmp_path, "ingest", str(tmp_path / "snap"), "--out", "t", timeout=240)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and len(proc.stderr) < 10_000  # was 43-54 MB
    assert "got 2,800,000 bad of 2,800,000 records read (more than 50%); stopped" in proc.stderr
    assert proc.stderr.count("hint: is this a works file") == 1
    assert "1 partition(s) failed: updated_date=2024-01-01/part_000.gz" in proc.stderr
    ids = pl.read_parquet(tmp_path / "t" / "works").get_column("id").to_list()
    assert sorted(ids) == sorted(r["id"].rsplit("/", 1)[-1] for r in good)
    assert took < 200


def test_string_countries_give_one_summary_warning(raw_works, caplog):
    import copy

    records = copy.deepcopy([w for w in raw_works if w.get("authorships")][:200])
    for w in records:
        w["authorships"][0]["countries"] = "US"  # the documented coercion: one code, not U and S
    with caplog.at_level(logging.WARNING):
        t = normalize_works(records, source="strings.jsonl")
    assert t.issues.coerced == 200 and t.works.height == 200
    warned = [r for r in caplog.records if "coerced" in r.getMessage()]
    assert len(warned) == 1 and "counted, not logged" in warned[0].getMessage()
    first = t.authorships.filter(t.authorships["position"] == 0)
    assert all(c == ["US"] for c in first.get_column("countries").to_list())
