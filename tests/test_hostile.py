"""Hostile input to the commands ``export``, ``audit``, ``classify`` and ``shares``: each case ends
within its time limit, exit code 1 or 2, one ``litscan: error:`` line on stderr naming the thing, no
traceback and the API key in no form in stdout, stderr or any file written; where records are
involved, exactly the good ones are kept and the bad ones counted.

Cases already proven elsewhere are not repeated here (see docs/reliability.md for the map):
HTTP hostility in tests/test_http_hostile.py and tests/test_fetch_faults.py, the corrupt-snapshot
suite in tests/test_ingest.py, presets / ``run`` / disk-full in tests/test_hostile_run.py, FIFO
tables in tests/test_tables.py.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

REPO = Path(__file__).resolve().parents[1]
KEY = "sk-hostile-R3liab7Kq"


def _key_forms() -> list[str]:
    return [KEY, KEY.upper(), KEY.lower(), quote(KEY, safe=""), quote_plus(KEY),
            base64.b64encode(KEY.encode()).decode()]  # fmt: skip


def _litscan(tmp: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENALEX_API_KEY": KEY}
    env.pop("LITSCAN_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "litscan", *args],
        capture_output=True, text=True, cwd=tmp, env=env, timeout=timeout,
    )  # fmt: skip


def _in_process(capsys, monkeypatch, *args: str) -> subprocess.CompletedProcess:
    """``litscan ARGS`` through ``cli.main`` in this process (for cases refused before any slow
    work: no import or model cost per case); the result shaped like a subprocess's."""
    from litscan.cli import main

    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    monkeypatch.delenv("LITSCAN_DEBUG", raising=False)
    rc = main(list(args))
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), rc, out, err)


def _no_key_anywhere(proc: subprocess.CompletedProcess, root: Path) -> None:
    blobs = [proc.stdout, proc.stderr]
    blobs += [f.read_bytes().decode("utf-8", "replace") for f in root.rglob("*") if f.is_file()]
    for blob in blobs:
        for form in _key_forms():
            assert form not in blob


def _one_line(proc: subprocess.CompletedProcess, root: Path, *needles: str) -> str:
    assert proc.returncode in (1, 2), proc.stderr
    assert "Traceback" not in proc.stderr
    assert "internal error" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("litscan: error")]
    assert len(lines) == 1, proc.stderr  # (warnings naming skipped records may come before it)
    for needle in needles:
        assert needle in lines[0], lines[0]
    _no_key_anywhere(proc, root)
    return lines[0]


# -- hangs: FIFOs and endless devices as inputs (refused before anything reads them) -----------
def _fifo(tmp: Path, name: str) -> Path:
    p = tmp / name
    os.mkfifo(p)
    return p


@pytest.mark.parametrize(
    ("make", "argv", "needle"),
    [
        (lambda t: _fifo(t, "fig.json"), ["export", "{p}", "--formats", "html"], "FIFO"),
        (lambda t: Path("/dev/urandom"), ["export", "{p}", "--formats", "html"], "device"),
        (lambda t: _fifo(t, "works.jsonl"), ["shares", "{p}", "--out", "-"], "FIFO"),
        (lambda t: Path("/dev/zero"), ["shares", "{p}", "--out", "-"], "device"),
        (lambda t: _fifo(t, "sheet.csv"), ["audit", "surveillance", "--score", "{p}"], "FIFO"),
    ],
    ids=["export-fifo", "export-urandom", "shares-fifo", "shares-zero", "audit-sheet-fifo"],
)
def test_fifo_and_devices_refused(tmp_path, make, argv, needle):
    p = make(tmp_path)
    proc = _litscan(tmp_path, *[a.replace("{p}", str(p)) for a in argv], timeout=60)
    _one_line(proc, tmp_path, str(p), needle)


def test_audit_tables_with_a_fifo_parquet_is_refused(tmp_path):
    # pl.read_parquet on a FIFO blocks forever; the audit command now checks every file first
    (tmp_path / "t" / "works").mkdir(parents=True)
    fifo = _fifo(tmp_path / "t" / "works", "part-0.parquet")
    proc = _litscan(tmp_path, "audit", "surveillance", "--tables", str(tmp_path / "t"),
                    "--out", "au", timeout=60)  # fmt: skip
    _one_line(proc, tmp_path, str(fifo), "FIFO")
    assert not (tmp_path / "au").exists()


# -- bad values: refused before any slow work (figures, model loading) ---------------------------
@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--formats", "bogus"], "'bogus'"),
        (["--width", "-1"], "width"),
        (["--width", "100000"], "width"),
        (["--height", "0"], "height"),
        (["--scale", "nan"], "scale"),
        (["--scale", "inf"], "scale"),
        (["--scale", "-2"], "scale"),
        (["--resamples", "-1"], "--resamples"),
        (["--only", ","], "no figure name"),
    ],
)
def test_export_values_validated_first(tmp_path, capsys, monkeypatch, argv, needle):
    out = tmp_path / "ex"
    proc = _in_process(capsys, monkeypatch, "export", "--gallery", "--out", str(out),
                       *(["--formats", "html"] + argv))  # fmt: skip
    _one_line(proc, tmp_path, needle)
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--sample", "-1"], "--sample"),
        (["--seed", "-1"], "--seed"),
        (["--seed", str(2**80)], "--seed"),
    ],
)
def test_audit_values_validated_first(tmp_path, capsys, monkeypatch, argv, needle):
    out = tmp_path / "au"
    proc = _in_process(capsys, monkeypatch, "audit", "surveillance", "--offline", "--out",
                       str(out), *argv)  # fmt: skip
    _one_line(proc, tmp_path, needle)
    assert not out.exists()


def test_deeply_nested_works_file_is_named(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"id": "W1", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    proc = _litscan(tmp_path, "shares", str(deep), "--out", "-")
    _one_line(proc, tmp_path, str(deep), "nested too deeply")


@pytest.mark.parametrize(
    ("text", "needle"),
    [("", "empty"), ("[1, 2, 3]", "no usable OpenAlex work among 3 record(s) (3 skipped)")],
    ids=["empty", "no-good-record"],
)
def test_empty_works_file_is_named(tmp_path, text, needle):
    empty = tmp_path / "works.json"
    empty.write_text(text)
    proc = _litscan(tmp_path, "shares", str(empty), "--out", "-")
    line = _one_line(proc, tmp_path, str(empty), needle)
    assert "selection is empty" not in line


# -- one bad record never stops the rest: classify keeps the good ones and counts the bad -------
def test_classify_keeps_good_records_and_counts_bad_ones(tmp_path):
    good = [
        {"id": "W1", "title": "Face recognition for video surveillance", "abstract": "We track."},
        {"id": 2, "title": "Deep residual learning", "abstract": None},  # numeric id -> "2"
        {"id": "W3", "title": "A survey of large language models"},  # no abstract
    ]
    lines = [json.dumps(r) for r in good[:2]]
    lines += [
        json.dumps("just a string"),
        json.dumps({"id": "B1", "title": ["a", "list"]}),
        json.dumps({"id": "B2", "title": "ok", "abstract": {"a": [0]}}),
        json.dumps({"id": "B3", "title": "x\ud800y"}),  # a lone surrogate (valid JSON escape)
        json.dumps(good[2]),
    ]
    src = tmp_path / "papers.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = _litscan(tmp_path, "classify", str(src), "--out", "sub/labels.csv", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"skipped 4 of 7 record(s) in {src}" in proc.stderr
    assert "record 3: expected a JSON object" in proc.stderr  # the first bad one is named
    with open(tmp_path / "sub" / "labels.csv", newline="", encoding="utf-8") as fh:
        ids = [row["id"] for row in csv.DictReader(fh)]
    assert ids == ["W1", "2", "W3"]
    _no_key_anywhere(proc, tmp_path)


# -- unbounded memory: a gzip bomb or an endless line as a works file stops at a bound ------------
def _bomb(path: Path, mib: int) -> Path:
    import zlib

    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    path.write_bytes(b"".join(comp.compress(bytes(1 << 20)) for _ in range(mib)) + comp.flush())
    return path


def test_gzip_bomb_as_works_file_stops_at_the_bound(tmp_path):
    from litscan.claims.inputs import MAX_RECORDS_BYTES, read_records
    from litscan.errors import InputDataError

    assert MAX_RECORDS_BYTES == 1 << 30  # the documented bound (docs/reliability.md)
    bomb = _bomb(tmp_path / "bomb.jsonl.gz", 40)  # 40 MiB of NULs in ~40 KiB
    with pytest.raises(InputDataError, match=r"bomb\.jsonl\.gz: more than 32 MiB of text"):
        read_records(bomb, max_bytes=32 << 20)


def test_classify_endless_line_stops_at_the_bound(tmp_path, monkeypatch):
    from litscan.errors import InputDataError
    from litscan.labels import inference

    assert inference.MAX_LINE_BYTES == 64 << 20  # the documented bound; a smaller one here
    monkeypatch.setattr(inference, "MAX_LINE_BYTES", 4 << 20)
    bomb = _bomb(tmp_path / "papers.jsonl.gz", 6)  # one 6 MiB "line" without a newline
    with pytest.raises(InputDataError, match=r"papers\.jsonl\.gz: line 1 is longer than 4 MiB"):
        inference.read_input(bomb)


def test_ingest_fifo_partition_fails_alone(tmp_path, raw_works):
    import gzip

    import polars as pl

    works = tmp_path / "snap" / "data" / "works"
    (works / "updated_date=2024-01-01").mkdir(parents=True)
    (works / "updated_date=2024-01-02").mkdir(parents=True)
    fifo = _fifo(works / "updated_date=2024-01-01", "part_000.gz")
    good = raw_works[:20]
    with gzip.open(works / "updated_date=2024-01-02" / "part_000.gz", "wt", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(r) + "\n" for r in good))
    proc = _litscan(tmp_path, "ingest", str(tmp_path / "snap"), "--out", "t", timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{fifo}: not a regular file" in proc.stderr
    assert "1 partition(s) failed: updated_date=2024-01-01/part_000.gz" in proc.stderr
    ids = pl.read_parquet(tmp_path / "t" / "works").get_column("id").to_list()
    assert sorted(ids) == sorted(r["id"].rsplit("/", 1)[-1] for r in good)
    _no_key_anywhere(proc, tmp_path)


def test_out_that_is_a_fifo_is_not_replaced(tmp_path):
    # an atomic rename over a device or FIFO would replace it (as root: `--out /dev/null` would
    # turn /dev/null into a regular file); it is refused and left as it was
    import stat

    out = _fifo(tmp_path, "out.csv")
    proc = _litscan(tmp_path, "shares", "@fixture", "--resamples", "0", "--out", str(out))
    _one_line(proc, tmp_path, str(out), "not a regular file")
    assert stat.S_ISFIFO(out.lstat().st_mode)
    assert not list(tmp_path.glob(".out.csv.*.tmp"))


@pytest.mark.parametrize("kind", ["empty", "fifo"])
def test_broken_model_file_is_one_line(tmp_path, kind):
    model = tmp_path / "model.npz"
    if kind == "fifo":
        os.mkfifo(model)
    else:
        model.write_bytes(b"")
    papers = tmp_path / "p.csv"
    papers.write_text("id,title,abstract\nW1,Deep learning,x\n")
    proc = _litscan(tmp_path, "classify", str(papers), "--out", "l.csv", "--model", str(model))
    _one_line(proc, tmp_path, str(model), "not a regular file" if kind == "fifo" else "does not load")
    assert not (tmp_path / "l.csv").exists()
