"""ingest: a small snapshot in the official layout (JSONL.gz and Parquet partitions with a
manifest) built from the real works fixture, and a SYNTHETIC one (real records with new ids), must
give exactly the tables of today's per-record normaliser (frozen in ``reference_normalize.py``)
and of the API path; filters are checked against a filter re-implemented here on the raw records;
failures are named, recorded and retried; corrupt snapshots fail only their bad partitions."""

from __future__ import annotations

import copy
import gzip
import io
import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from reference_normalize import reference_tables

from litscan import cli
from litscan.errors import InputDataError, MalformedRecordError, UsageError
from litscan.tables import ingest as ing
from litscan.tables import snapshot as snap
from litscan.tables.filters import WorkFilter
from litscan.tables.normalize import Tables, normalize_jsonl, normalize_works

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
    """Today's tables: the per-record normaliser litscan used before the one vectorised path."""
    return reference_tables(raw_works)


@pytest.fixture(scope="module")
def raw_bytes(raw_works) -> bytes:
    return ("\n".join(json.dumps(r) for r in raw_works) + "\n").encode()


def synthetic(raw_works: list[dict], n: int) -> list[dict]:
    """SYNTHETIC works: the real records replicated with new unique ids (W9…)."""
    return [
        {**raw_works[i % len(raw_works)], "id": f"https://openalex.org/W9{i:010d}"}
        for i in range(n)
    ]


# ---- the one normaliser equals today's record loop --------------------------------------------


def test_api_path_equals_reference(raw_works, expected):
    got = normalize_works(raw_works)
    for name in ing.TABLE_NAMES:  # identical frames: same rows, order, dtypes and values
        assert_frame_equal(getattr(got, name), getattr(expected, name))
    assert not got.issues


def test_jsonl_in_batches_equals_reference(raw_bytes, expected):
    got = normalize_jsonl(raw_bytes, batch_bytes=2**20)
    for name in ing.TABLE_NAMES:
        assert_frame_equal(getattr(got, name), getattr(expected, name))
    lines = raw_bytes.splitlines(keepends=True)
    with pytest.raises(MalformedRecordError, match=r"record 1213 .*duplicate.*record 5"):
        normalize_jsonl(raw_bytes + lines[5], batch_bytes=2**20)


def test_parquet_decoder_equals_reference(raw_works, expected):
    rows = [dict(r) for r in raw_works]
    for r in rows:
        if r.get("abstract_inverted_index") is not None:
            r["abstract_inverted_index"] = json.dumps(r["abstract_inverted_index"])
    blob = "\n".join(json.dumps(r) for r in rows).encode()
    frame = pl.read_ndjson(io.BytesIO(blob), infer_schema_length=None)
    from litscan.tables.normalize import normalize_decoded

    got = normalize_decoded(snap.decode_frame(frame))
    for name in ing.TABLE_NAMES:
        assert_frame_equal(getattr(got, name), getattr(expected, name))


def test_abstract_edge_cases():
    recs = [
        {"id": "W1", "abstract_inverted_index": {"b": [1], "a": [0, 2], "c": [2]}},
        {"id": "W2", "abstract_inverted_index": {}},
        {"id": "W3", "abstract_inverted_index": {'say "hi"\r\n': [0], "x\\y": [3], "é": []}},
    ]
    blob = "\n".join(json.dumps(r) for r in recs).encode()
    got = normalize_jsonl(blob).works["abstract"].to_list()
    assert got == reference_tables(recs).works["abstract"].to_list()
    assert got == ["a b c", None, 'say "hi"\r\n x\\y']
    frame = pl.DataFrame(
        {
            "id": [r["id"] for r in recs],
            "abstract_inverted_index": [json.dumps(r["abstract_inverted_index"]) for r in recs],
        }
    )
    from litscan.tables.normalize import normalize_decoded

    assert normalize_decoded(snap.decode_frame(frame)).works["abstract"].to_list() == got


def test_bad_ids_skipped_or_named_and_duplicates_named(raw_works):
    recs = copy.deepcopy(raw_works[:5])
    recs[3]["id"] = "https://openalex.org/A123"
    blob = "\n".join(json.dumps(r) for r in recs).encode()
    with pytest.raises(MalformedRecordError, match=r"record 3.*'https://openalex.org/A123'"):
        normalize_jsonl(blob, on_bad_record="raise")
    t = normalize_jsonl(blob)
    assert t.works.height == 4 and t.issues.skipped == 1 and "record 3" in t.issues.examples[0]
    recs = copy.deepcopy(raw_works[:5]) + [copy.deepcopy(raw_works[1])]
    with pytest.raises(MalformedRecordError, match=r"record 5 .*duplicate.*record 1"):
        normalize_jsonl("\n".join(json.dumps(r) for r in recs).encode())


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
    assert_tables_equal(ing.read_tables(tmp_path / "out"), reference_tables(kept))


def test_filter_inside_normaliser_equals_filter_on_tables(raw_bytes, raw_works, expected):
    flt = WorkFilter.parse(
        "publication_year:>2017,type:article,authorships.institutions.country_code:CN|DE"
    )
    a = normalize_jsonl(raw_bytes, flt=flt)
    b = flt.apply_tables(expected)
    assert a.works.height > 10
    assert_tables_equal(a, b)
    by_hand = [
        r
        for r in raw_works
        if (r.get("publication_year") or 0) > 2017
        and r.get("type") == "article"
        and any(
            i.get("country_code") in ("CN", "DE")
            for au in r.get("authorships") or []
            for i in au.get("institutions") or []
        )
    ]
    assert_tables_equal(a, reference_tables(by_hand))


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


def test_malformed_record_skipped_or_fails_its_partition(tmp_path, raw_works):
    recs = copy.deepcopy(raw_works[:40])
    recs[7]["publication_year"] = "2020"
    rels = write_snapshot(tmp_path / "snap", recs, fmt="jsonl", n_parts=2)
    report = ing.ingest(tmp_path / "snap", tmp_path / "out")
    assert not report.failed and report.bad_records == 1
    r0 = report.results[0]
    assert r0.bad_records == 1 and "record 7" in r0.issues[0] and "publication_year" in r0.issues[0]
    wid = recs[7]["id"].rsplit("/", 1)[-1]
    assert wid in r0.issues[0]
    assert_tables_equal(ing.read_tables(tmp_path / "out"), reference_tables(recs[:7] + recs[8:]))
    state = json.loads((tmp_path / "out" / ing.STATE_FILE).read_text())
    assert state["partitions"][rels[0]]["bad_records"] == 1
    report = ing.ingest(tmp_path / "snap", tmp_path / "out2", on_bad_record="fail")
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
    batches = list(snap.iter_jsonl_batches(str(path), batch_bytes=2**20))
    assert len(batches) >= 8
    assert max(len(b) for b in batches) < 2**20 + 2 * 2**20  # about one batch (+ one line)
    assert all(b.endswith(b"\n") for b in batches)
    assert b"".join(batches) == raw_bytes


def test_long_line_is_cut_in_linear_time_and_named(tmp_path, raw_works):
    """A 40 MB line (limit 1 MB) is never held whole: the reader drops it and the decoder names
    it as a bad record with its work id; the records around it are kept."""
    recs = raw_works[:3]
    huge = '{"id": "https://openalex.org/W77", "title": "' + "x" * 40_000_000 + '"}'
    text = json.dumps(recs[0]) + "\n" + huge + "\n" + json.dumps(recs[1]) + "\n" + huge
    path = tmp_path / "part_000.gz"
    path.write_bytes(gzip.compress(text.encode(), compresslevel=1))
    batches = list(snap.iter_jsonl_batches(str(path), batch_bytes=2**20, max_line_bytes=2**20))
    assert max(len(b) for b in batches) < 3 * 2**20
    t = normalize_jsonl(b"".join(batches))
    assert t.works["id"].to_list() == [r["id"].rsplit("/", 1)[-1] for r in recs[:2]]
    assert t.issues.skipped == 2
    assert (
        "record 1 (W77)" in t.issues.examples[0] and "longer than the limit" in t.issues.examples[0]
    )
    assert "record 3 (W77)" in t.issues.examples[1]


def test_dask_engine_runs_the_same_step(tmp_path, raw_works):
    """Dask (the `engines` extra, installed by `make test`)."""
    recs = raw_works[:300]
    write_snapshot(tmp_path / "snap", recs, fmt="jsonl", n_parts=3)
    report = ing.ingest(tmp_path / "snap", tmp_path / "out", engine="dask", workers=2)
    assert not report.failed and len(report.results) == 3
    assert_tables_equal(ing.read_tables(tmp_path / "out"), reference_tables(recs))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark warns about pandas >= 3
def test_spark_engine_runs_the_same_step(tmp_path, raw_works):
    """Spark local mode: pyspark (the `engines` extra) and a Java 17+ runtime, both installed by
    `make test`. Not skipped when missing: a missing engine is a failed set-up."""
    import shutil

    assert shutil.which("java"), (
        "no Java runtime on PATH: `make test` installs default-jre-headless"
    )
    recs = raw_works[:120]
    write_snapshot(tmp_path / "snap", recs, fmt="jsonl", n_parts=2)
    report = ing.ingest(tmp_path / "snap", tmp_path / "out", engine="spark", workers=2)
    assert [r.status for r in report.results] == ["done", "done"]
    assert_tables_equal(ing.read_tables(tmp_path / "out"), reference_tables(recs))


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


# ---- corrupt snapshots: good partitions ingested, bad ones named ---------------------------------


def test_corrupt_snapshot_suite(tmp_path, raw_works, capsys):
    """Truncated gzip, an invalid line, wrong-schema Parquet, a huge line, deep nesting and a
    manifest entry escaping the snapshot: each bad partition is named with a one-line reason, the
    good partitions are ingested exactly, the bad records are counted, exit code 1, no traceback."""
    recs = raw_works[:240]
    root = tmp_path / "snap"
    rels = write_snapshot(root, recs, fmt="jsonl", n_parts=6)
    works = root / "data" / "works"
    chunks = _chunks(recs, 6)
    # 0: truncated gzip
    p0 = works / rels[0]
    p0.write_bytes(p0.read_bytes()[:-200])
    # 1: an invalid line (skipped, counted)
    lines1 = [json.dumps(r) for r in chunks[1]]
    lines1[3] = lines1[3][:100]
    with gzip.open(works / rels[1], "wt") as fh:
        fh.write("\n".join(lines1) + "\n")
    # 2: a huge line (over --max-line-mb 1)
    lines2 = [json.dumps(r) for r in chunks[2]]
    lines2[5] = lines2[5][:-1] + ', "junk": "' + "y" * 3_000_000 + '"}'
    with gzip.open(works / rels[2], "wt", compresslevel=1) as fh:
        fh.write("\n".join(lines2) + "\n")
    # 3: a 900-level nested field, and countries as one string (coerced, counted)
    c3 = copy.deepcopy(chunks[3])
    lines3 = [json.dumps(r) for r in c3]
    lines3[2] = lines3[2][:-1] + ', "authorships": ' + "[" * 900 + "]" * 900 + "}"
    c3[4]["authorships"][0]["countries"] = "US"
    lines3[4] = json.dumps(c3[4])
    with gzip.open(works / rels[3], "wt") as fh:
        fh.write("\n".join(lines3) + "\n")
    # 4: wrong-schema Parquet (authorships as a string column)
    pq_rel = rels[4].replace(".gz", ".parquet")
    pl.DataFrame(
        {"id": [r["id"] for r in chunks[4]], "authorships": ["x"] * len(chunks[4])}
    ).write_parquet(works / pq_rel)
    (works / rels[4]).unlink()
    m = json.loads((works / "manifest").read_text())
    m["entries"][4]["url"] = f"s3://openalex/data/works/{pq_rel}"
    # 5: stays good; plus an entry escaping the snapshot folder
    (tmp_path / "secret.gz").write_bytes(gzip.compress(b'{"id": "W1"}\n'))
    m["entries"].append({"url": "s3://openalex/data/works/../../../secret.gz", "meta": {}})
    for e in m["entries"]:
        e.get("meta", {}).pop("record_count", None)
    (works / "manifest").write_text(json.dumps(m))

    argv = ["ingest", str(root), "--out", str(tmp_path / "out"), "--max-line-mb", "1"]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    state = json.loads((tmp_path / "out" / ing.STATE_FILE).read_text())["partitions"]
    failed = {k for k, v in state.items() if v["status"] == "failed"}
    assert failed == {rels[0], pq_rel, "../../../secret.gz"}
    assert "outside the snapshot" in state["../../../secret.gz"]["error"]
    assert "do not match the OpenAlex work schema" in state[pq_rel]["error"]
    assert "3 partition(s) failed" in err
    bad = {k: v["bad_records"] for k, v in state.items() if v["status"] == "done"}
    assert bad == {rels[1]: 1, rels[2]: 1, rels[3]: 1, rels[5]: 0}
    assert "longer than the limit" in state[rels[2]]["issues"][0]
    assert "record 2" in state[rels[3]]["issues"][0]
    assert state[rels[3]]["coerced"] == 1
    as_code = copy.deepcopy(c3)
    as_code[4]["authorships"][0]["countries"] = ["US"]  # the documented coercion
    kept = (
        [r for i, r in enumerate(chunks[1]) if i != 3]
        + [r for i, r in enumerate(chunks[2]) if i != 5]
        + [as_code[i] for i in range(len(c3)) if i != 2]
        + chunks[5]
    )
    got = ing.read_tables(tmp_path / "out")
    assert_tables_equal(got, reference_tables(kept))  # "US" as one string = the code US
    w4 = c3[4]["id"].rsplit("/", 1)[-1]
    assert got.authorships.filter(pl.col("work_id") == w4)["countries"][0].to_list() == ["US"]


def test_invalid_country_codes_reported_not_counted(raw_works):
    recs = copy.deepcopy(raw_works[:3])
    recs[0]["authorships"] = [{"countries": ["ZZ", "us", ""]}, {"countries": ["U"]}]
    t = normalize_works(recs)
    wid = recs[0]["id"].rsplit("/", 1)[-1]
    wc = t.work_countries.filter(pl.col("work_id") == wid)
    assert wc["country_code"].to_list() == ["US"] and wc["fractional"].to_list() == [1.0]
    assert t.issues.invalid_countries == 2 and "ZZ" in t.issues.examples[0]


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ({"title": "a\ud800b"}, "lone UTF-16 surrogate"),
        ({"abstract_inverted_index": {"word": 3}}, "abstract_inverted_index"),
        ({"primary_topic": [{"id": "T1"}]}, "primary_topic"),
        ({"primary_location": {"source": "Nature"}}, "source"),
        ({"publication_year": 10**30}, "publication_year"),
    ],
)
def test_bad_record_skipped_with_its_id_on_both_paths(raw_works, patch, reason):
    recs = copy.deepcopy(raw_works[:4])
    recs[2].update(patch)
    wid = recs[2]["id"].rsplit("/", 1)[-1]
    api = normalize_works(recs, source="page.json")
    line = "\n".join(json.dumps(r) for r in recs).encode()
    for t in (api, normalize_jsonl(line, source="part.gz")):
        assert t.works.height == 3 and wid not in t.works["id"].to_list()
        assert t.issues.skipped == 1
        msg = t.issues.examples[0]
        assert f"record 2 ({wid})" in msg and reason in msg, msg
    with pytest.raises(MalformedRecordError, match=r"page.json: record 2"):
        normalize_works(recs, source="page.json", on_bad_record="raise")


def test_deep_nesting_is_fast(raw_works):
    import time

    rec = dict(raw_works[0])
    deep: object = []
    for _ in range(900):
        deep = [deep]
    rec["authorships"] = deep
    t0 = time.perf_counter()
    t = normalize_works([rec, raw_works[1]])
    assert time.perf_counter() - t0 < 5
    assert t.works.height == 1 and t.issues.skipped == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--limit", "-1"],
        ["--limit", "0"],
        ["--batch-mb", "nan"],
        ["--batch-mb", "inf"],
        ["--max-line-mb", "-3"],
        ["--jobs", "0"],
        ["--year-from", "x"],
    ],
)
def test_numeric_options_validated(tmp_path, args, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["ingest", str(tmp_path), "--out", str(tmp_path / "o"), *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and args[0] in err


def test_two_jobs_give_the_same_tables(tmp_path, raw_works):
    recs = synthetic(raw_works, 600)
    write_snapshot(tmp_path / "snap", recs, fmt="jsonl", n_parts=3)
    report = ing.ingest(tmp_path / "snap", tmp_path / "out", jobs=2)
    assert not report.failed and report.rows_kept == 600
    assert_tables_equal(ing.read_tables(tmp_path / "out"), reference_tables(recs))


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_synthetic_partition_parity_with_filter(tmp_path, raw_works, fmt):
    """A SYNTHETIC partition (real records, new ids) in both formats, with and without a filter:
    identical to today's normaliser."""
    recs = synthetic(raw_works, 3000)
    write_snapshot(tmp_path / "snap", recs, fmt=fmt, n_parts=2)
    report = ing.ingest(tmp_path / "snap", tmp_path / "all", batch_bytes=2**20, batch_rows=500)
    assert not report.failed
    assert_tables_equal(ing.read_tables(tmp_path / "all"), reference_tables(recs))
    flt = WorkFilter.parse("publication_year:2018-,authorships.countries:CN|US|GB")
    ing.ingest(tmp_path / "snap", tmp_path / "some", flt)
    kept = [
        r
        for r in recs
        if (r.get("publication_year") or 0) >= 2018
        and any(
            c in ("CN", "US", "GB")
            for a in r.get("authorships") or []
            for c in a.get("countries") or []
        )
    ]
    assert 100 < len(kept) < len(recs)
    assert_tables_equal(ing.read_tables(tmp_path / "some"), reference_tables(kept))
