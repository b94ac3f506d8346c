"""Hostile input, round 3 (issue 25): snapshot partitions reached through symbolic links.

A snapshot (real fixture records, split into partitions) where one partition file and one
``updated_date=`` folder are symbolic links to files outside the snapshot folder: those
partitions fail with one line each naming them, the partitions inside are ingested exactly.
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

from litscan.tables.snapshot import list_partitions

REPO = Path(__file__).resolve().parents[1]


def _part(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(r) + "\n" for r in records))


@pytest.mark.parametrize("with_manifest", [False, True], ids=["glob", "manifest"])
def test_partitions_linked_from_outside_fail_alone(with_manifest, tmp_path, raw_works):
    works = tmp_path / "snap" / "data" / "works"
    good, a, b = raw_works[:30], raw_works[30:40], raw_works[40:50]
    _part(works / "updated_date=2024-01-01" / "part_000.gz", good)
    _part(tmp_path / "elsewhere" / "secret.gz", a)
    _part(tmp_path / "elsewhere-dir" / "part_000.gz", b)
    (works / "updated_date=2024-01-02").mkdir()
    os.symlink(tmp_path / "elsewhere" / "secret.gz", works / "updated_date=2024-01-02" / "part_000.gz")
    os.symlink(tmp_path / "elsewhere-dir", works / "updated_date=2024-01-03")
    rels = ["updated_date=2024-01-01/part_000.gz", "updated_date=2024-01-02/part_000.gz",
            "updated_date=2024-01-03/part_000.gz"]
    if with_manifest:
        entries = [{"url": f"s3://openalex/data/works/{r}", "meta": {"record_count": n}}
                   for r, n in zip(rels, (30, 10, 10), strict=True)]
        (works / "manifest").write_text(json.dumps({"entries": entries}))
    parts = {p.rel: p for p in list_partitions(tmp_path / "snap")}
    assert sorted(parts) == rels
    assert parts[rels[0]].error is None
    for rel in rels[1:]:
        assert "resolves outside the snapshot folder" in (parts[rel].error or ""), rel
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "litscan", "ingest", str(tmp_path / "snap"),
                           "--out", str(tmp_path / "t")], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "2 partition(s) failed" in proc.stderr and proc.stderr.count("resolves outside") >= 2
    ids = pl.read_parquet(tmp_path / "t" / "works").get_column("id").to_list()
    assert sorted(ids) == sorted(r["id"].rsplit("/", 1)[-1] for r in good)
