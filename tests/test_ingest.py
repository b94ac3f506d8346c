"""ingest: a small snapshot in the official layout (JSONL.gz and Parquet partitions with a
manifest) built from the real works fixture must give exactly what normalising the same records
through the API path gives; filters are checked against a filter re-implemented here on the raw
records; failures are named, recorded and retried."""

from __future__ import annotations

import copy
import gzip
import io
import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from litscan import cli
from litscan import ingest as ing
from litscan.errors import InputDataError, MalformedRecordError, UsageError
from litscan.normalize import Tables, normalize_works

SORT_KEYS = {
    "works": ["id"],
    "authorships": ["work_id", "position"],
    "work_countries": ["work_id", "country_code"],
    "work_topics": ["work_id", "rank"],
}

DATES = ["2024-01-05", "2024-03-17"]


def _sorted(t: Tables) -> dict[str, pl.DataFrame]:
    return {n: getattr(t, n).sort(SORT_KEYS[n], nulls_last=True) for n in ing.TABLE_NAMES}


def assert_tables_equal(got: Tables, expected: Tables) -> None:
    g, e = _sorted(got), _sorted(expected)
    for name in ing.TABLE_NAMES:
        assert_frame_equal(g[name], e[name], check_row_order=True)


def _chunks(records: list[dict], n: int) -> list[list[dict]]:
    size = -(-len(records) // n)
    return [records[i : i + size] for i in range(0, len(records), size)]


def write_snapshot(root: Path, records: list[dict], *, fmt: str, n_parts: int = 4) -> list[str]:
    """The official layout: data/works/updated_date=…/part_NNN.{gz,parquet} + manifest."""
    works = root / "data" / "works"
    entries, rels = [], []
    for i, chunk in enumerate(_chunks(records, n_parts)):
        rel = f"updated_date={DATES[i % 2]}/part_{i:03d}.{'gz' if fmt == 'jsonl' else 'parquet'}"
        path = works / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "\n".join(json.dumps(r) for r in chunk) + "\n"
        if fmt == "jsonl":
            with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as fh:
                fh.write(text)
        else:  # nested columns as polars infers them; the inverted index as JSON text
            rows = [dict(r) for r in chunk]
            for r in rows:
                if r.get("abstract_inverted_index") is not None:
                    r["abstract_inverted_index"] = json.dumps(r["abstract_inverted_index"])
            blob = "\n".join(json.dumps(r) for r in rows).encode()
            pl.read_ndjson(io.BytesIO(blob), infer_schema_length=None).write_parquet(
                path, row_group_size=100
            )
        entries.append(
            {
                "url": f"s3://openalex/data/works/{rel}",
                "meta": {"content_length": path.stat().st_size, "record_count": len(chunk)},
            }
        )
        rels.append(rel)
    (works / "manifest").write_text(json.dumps({"entries": entries, "meta": {}}))
    return rels


@pytest.fixture(scope="module")
def expected(raw_works) -> Tables:
    return normalize_works(raw_works)


@pytest.fixture(scope="module")
def raw_bytes(raw_works) -> bytes:
    return ("\n".join(json.dumps(r) for r in raw_works) + "\n").encode()


# ---- the vectorised path equals the record loop ------------------------------------------------


def test_vectorised_equals_record_loop(raw_bytes, expected):
    got = ing.normalize_frame(ing.parse_jsonl(raw_bytes))
    for name in ing.TABLE_NAMES:  # identical frames: same rows, order, dtypes and values
        assert_frame_equal(getattr(got, name), getattr(expected, name))


def test_normalize_jsonl_in_batches_equals_record_loop(raw_bytes, expected):
    got = ing.normalize_jsonl(raw_bytes, batch_bytes=2**20)
    for name in ing.TABLE_NAMES:
        assert_frame_equal(getattr(got, name), getattr(expected, name))
    lines = raw_bytes.splitlines(keepends=True)
    with pytest.raises(MalformedRecordError, match=r"record 1213 .*duplicate.*record 5"):
        ing.normalize_jsonl(raw_bytes + lines[5], batch_bytes=2**20)


def test_vectorised_json_abstracts(raw_works, expected):
    text = pl.Series(
        [
            None
            if r.get("abstract_inverted_index") is None
            else json.dumps(r["abstract_inverted_index"])
            for r in raw_works
        ]
    )
    got = ing._abstracts(text, "json")
    assert got.to_list() == expected.works["abstract"].to_list()


def test_abstract_edge_cases():
    recs = [
        {"id": "W1", "abstract_inverted_index": {"b": [1], "a": [0, 2], "c": [2]}},
        {"id": "W2", "abstract_inverted_index": {}},
        {"id": "W3", "abstract_inverted_index": {'say "hi"\r\n': [0], "x\\y": [3], "é": []}},
    ]
    blob = "\n".join(json.dumps(r) for r in recs).encode()
    got = ing.normalize_frame(ing.parse_jsonl(blob)).works["abstract"].to_list()
    assert got == normalize_works(recs).works["abstract"].to_list()
    assert got == ["a b c", None, 'say "hi"\r\n x\\y']
    as_json = pl.Series([json.dumps(r["abstract_inverted_index"]) for r in recs])
    assert ing._abstracts(as_json, "json").to_list() == got


def test_bad_ids_and_duplicates_named(raw_works):
    recs = copy.deepcopy(raw_works[:5])
    recs[3]["id"] = "https://openalex.org/A123"
    with pytest.raises(MalformedRecordError, match=r"record 3.*'https://openalex.org/A123'"):
        ing.normalize_frame(ing.parse_jsonl("\n".join(json.dumps(r) for r in recs).encode()))
    recs = copy.deepcopy(raw_works[:5]) + [copy.deepcopy(raw_works[1])]
    with pytest.raises(MalformedRecordError, match=r"record 5 .*duplicate.*record 1"):
        ing.normalize_frame(ing.parse_jsonl("\n".join(json.dumps(r) for r in recs).encode()))


# ---- snapshot ingest equals the API path ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_ingest_snapshot_equals_api_path(tmp_path, raw_works, expected, fmt):
    write_snapshot(tmp_path / "snap", raw_works, fmt=fmt)
    report = ing.ingest(tmp_path / "snap", tmp_path / "out", batch_bytes=2**20, batch_rows=97)
    assert not report.failed and len(report.results) == 4
    assert report.rows_in == report.rows_kept == len(raw_works)
    assert_tables_equal(ing.read_tables(tmp_path / "out"), expected)
    files = sorted(p.name for p in (tmp_path / "out" / "works").iterdir())
    assert len(files) == 4 and all(f.startswith("part-") and f.endswith(".parquet") for f in files)


def _keep(rec: dict, years, subfields, countries) -> bool:
    """The filter, re-implemented on raw records."""
    y = rec.get("publication_year")
    if y is None or not years[0] <= y <= years[1]:
        return False
    sf = ((rec.get("primary_topic") or {}).get("subfield") or {}).get("id")
    if sf is None or sf.rsplit("/", 1)[-1] not in subfields:
        return False
    return any(
        c in countries for a in rec.get("authorships") or [] for c in a.get("countries") or []
    )


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_filter_equals_filtering_records(tmp_path, raw_works, fmt):
    subfields = {"1702", "1707", "2002", "1710"}
    kept = [r for r in raw_works if _keep(r, (2015, 2024), subfields, {"CN", "US"})]
    assert 20 < len(kept) < len(raw_works) // 2  # the filter does select something real
    write_snapshot(tmp_path / "snap", raw_works, fmt=fmt)
    flt = ing.WorkFilter.parse(
        "publication_year:2015-2024,primary_topic.subfield.id:1702|1707|2002|1710,"
        "authorships.countries:CN|US"
    )
    report = ing.ingest(tmp_path / "snap", tmp_path / "out", flt)
    assert report.rows_kept == len(kept)
    assert_tables_equal(ing.read_tables(tmp_path / "out"), normalize_works(kept))


def test_filter_on_tables_equals_filter_on_raw(raw_bytes, raw_works):
    flt = ing.WorkFilter.parse(
        "publication_year:>2017,type:article,authorships.institutions.country_code:CN|DE"
    )
    a = ing.normalize_frame(flt.apply_raw(ing.parse_jsonl(raw_bytes)))
    b = flt.apply_tables(normalize_works(raw_works))
    assert a.works.height > 10
    assert_tables_equal(a, b)


def test_filter_syntax():
    f = ing.WorkFilter.parse(
        "publication_year:2015-2024,primary_topic.subfield.id:https://openalex.org/subfields/1702"
        "|1707,authorships.countries:cn|US,type:article"
    )
    assert (f.year_from, f.year_to) == (2015, 2024)
    assert f.subfields == {"1702", "1707"} and f.countries == {"CN", "US"}
    assert ing.WorkFilter.parse(f.describe()) == f
    assert ing.WorkFilter.parse("publication_year:>2019").year_from == 2020
    assert ing.WorkFilter.parse("publication_year:<2019").year_to == 2018
    with pytest.raises(UsageError, match="unsupported key 'cited_by_count'"):
        ing.WorkFilter.parse("cited_by_count:>10")
    with pytest.raises(UsageError, match="not a year"):
        ing.WorkFilter.parse("publication_year:recent")


# ---- failures, resume, CLI --------------------------------------------------------------------


def test_cli_failed_partition_named_then_resumed(tmp_path, raw_works, expected, capsys):
    rels = write_snapshot(tmp_path / "snap", raw_works, fmt="jsonl")
    bad = tmp_path / "snap" / "data" / "works" / rels[2]
    good_bytes = bad.read_bytes()
    bad.write_bytes(good_bytes[: len(good_bytes) // 2])  # a truncated download
    argv = ["ingest", str(tmp_path / "snap"), "--out", str(tmp_path / "out"), "--batch-mb", "1"]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert f"[3/4] {rels[2]}: FAILED" in err
    assert f"1 partition(s) failed: {rels[2]}" in err
    state = json.loads((tmp_path / "out" / ing.STATE_FILE).read_text())
    assert [v["status"] for v in state["partitions"].values()].count("done") == 3
    assert state["partitions"][rels[2]]["status"] == "failed"
    assert not list((tmp_path / "out").rglob("*.tmp"))
    bad.write_bytes(good_bytes)  # re-downloaded
    assert cli.main(argv) == 0
    err = capsys.readouterr().err
    assert "[1/1]" in err and rels[2] in err and "3 already done" in err
    assert_tables_equal(ing.read_tables(tmp_path / "out"), expected)
    assert cli.main(argv) == 0  # nothing left: nothing redone
    assert "0 partition(s) processed, 4 already done" in capsys.readouterr().err


def test_malformed_record_named_with_partition(tmp_path, raw_works):
    recs = copy.deepcopy(raw_works[:40])
    recs[7]["publication_year"] = "2020"  # polars cannot parse it: the record loop names it
    rels = write_snapshot(tmp_path / "snap", recs, fmt="jsonl", n_parts=2)
    report = ing.ingest(tmp_path / "snap", tmp_path / "out")
    assert [r.rel for r in report.failed] == [rels[0]]
    assert "record 7" in report.failed[0].error and "publication_year" in report.failed[0].error
    assert rels[0] in report.failed[0].error


def test_resume_with_other_filter_refused(tmp_path, raw_works, capsys):
    write_snapshot(tmp_path / "snap", raw_works[:50], fmt="jsonl", n_parts=2)
    out = str(tmp_path / "out")
    assert cli.main(["ingest", str(tmp_path / "snap"), "--out", out, "--country", "US"]) == 0
    assert cli.main(["ingest", str(tmp_path / "snap"), "--out", out, "--country", "CN"]) == 2
    assert "authorships.countries:US" in capsys.readouterr().err
    assert (
        cli.main(["ingest", str(tmp_path / "snap"), "--out", out, "--country", "CN", "--restart"])
        == 0
    )


def test_manifest_names_missing_partition(tmp_path, raw_works):
    rels = write_snapshot(tmp_path / "snap", raw_works[:50], fmt="jsonl", n_parts=2)
    (tmp_path / "snap" / "data" / "works" / rels[1]).unlink()
    with pytest.raises(InputDataError, match=rels[1].replace("=", ".")):
        ing.list_partitions(tmp_path / "snap")


def test_record_count_mismatch_fails_partition(tmp_path, raw_works):
    write_snapshot(tmp_path / "snap", raw_works[:50], fmt="jsonl", n_parts=1)
    manifest = tmp_path / "snap" / "data" / "works" / "manifest"
    m = json.loads(manifest.read_text())
    m["entries"][0]["meta"]["record_count"] = 51
    manifest.write_text(json.dumps(m))
    report = ing.ingest(tmp_path / "snap", tmp_path / "out")
    assert "manifest says 51 records, the file holds 50" in report.failed[0].error


def test_batches_bound_memory_and_split_on_lines(raw_bytes, tmp_path):
    path = tmp_path / "part_000.gz"
    path.write_bytes(gzip.compress(raw_bytes, compresslevel=1))
    batches = list(ing.iter_jsonl_batches(str(path), batch_bytes=2**20))
    assert len(batches) > 10
    assert max(len(b) for b in batches) < 2**20 + 2 * 2**20  # about one batch (+ one line)
    assert b"".join(batches) == raw_bytes


def test_dask_engine_runs_the_same_step(tmp_path, raw_works):
    """Dask (the `engines` extra, installed by `make test`)."""
    recs = raw_works[:300]
    write_snapshot(tmp_path / "snap", recs, fmt="jsonl", n_parts=3)
    report = ing.ingest(tmp_path / "snap", tmp_path / "out", engine="dask", workers=2)
    assert not report.failed and len(report.results) == 3
    assert_tables_equal(ing.read_tables(tmp_path / "out"), normalize_works(recs))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark warns about pandas >= 3
def test_spark_engine_runs_the_same_step(tmp_path, raw_works):
    """Spark local mode: pyspark (the `engines` extra) and a Java 17+ runtime, both installed by
    `make test`. Not skipped when missing: a missing engine is a failed set-up."""
    import shutil

    assert shutil.which("java"), "no Java runtime on PATH: `make test` installs default-jre-headless"
    recs = raw_works[:120]
    write_snapshot(tmp_path / "snap", recs, fmt="jsonl", n_parts=2)
    report = ing.ingest(tmp_path / "snap", tmp_path / "out", engine="spark", workers=2)
    assert [r.status for r in report.results] == ["done", "done"]
    assert_tables_equal(ing.read_tables(tmp_path / "out"), normalize_works(recs))


def test_both_formats_of_a_partition_read_once_and_duplicates_counted(tmp_path, raw_works):
    recs = raw_works[:60]
    rels = write_snapshot(tmp_path / "snap", recs, fmt="jsonl", n_parts=2)
    works = tmp_path / "snap" / "data" / "works"
    (works / "manifest").unlink()
    write_snapshot(tmp_path / "pq", recs, fmt="parquet", n_parts=2)
    pq_rel = rels[0].replace(".gz", ".parquet")
    (tmp_path / "pq" / "data" / "works" / pq_rel).rename(works / pq_rel)
    parts = ing.list_partitions(tmp_path / "snap")
    assert sorted(p.rel for p in parts) == sorted([pq_rel, rels[1]])
    report = ing.ingest(tmp_path / "snap", tmp_path / "out")
    assert report.rows_kept == 60 and report.duplicate_ids == 0
    # a stale copy of partition 0 under another date: its works are counted as duplicates
    stale = works / "updated_date=2023-01-01" / "part_000.gz"
    stale.parent.mkdir()
    (works / rels[0]).rename(stale)
    report = ing.ingest(tmp_path / "snap", tmp_path / "out")
    assert report.duplicate_ids == 30
