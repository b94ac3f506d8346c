"""Hostile input, round 3 (issue 25): tables folders that lie (litscan.tables.validate).

A synthetic tables folder (named as such: five works, one venue, one year) whose exact shares are
known by hand: W1 CN, W2 US, W3 US, W4 DE, so CN's fractional share is 1/4. Each hostile folder
changes one thing; each ends with exit 2 and one line naming the table, the column, example rows
and a hint, or (unknown codes, NaN citations) keeps exactly the good rows and reports the others.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import polars as pl
import pytest

import litscan
from litscan.cli import main
from litscan.errors import InputDataError, UsageError
from litscan.tables.folder import load_tables, write_tables

WORKS_SCHEMA = {"id": pl.Utf8, "year": pl.Int64, "source": pl.Utf8, "cited_by_count": pl.Float64}


def good() -> dict[str, list]:
    return {
        "id": ["W1", "W2", "W3", "W4"],
        "year": [2020] * 4,
        "cited_by_count": [40.0, 10.0, 5.0, 1.0],
        "work_id": ["W1", "W2", "W3", "W4"],
        "country_code": ["CN", "US", "US", "DE"],
        "fractional": [1.0] * 4,
    }


def folder(tmp_path: Path, **change) -> Path:
    d = {**good(), **change}
    n = len(d["id"])
    works = pl.DataFrame({"id": d["id"], "year": d["year"], "source": ["V"] * n,
                          "cited_by_count": d["cited_by_count"]}, schema=WORKS_SCHEMA)
    m = len(d["work_id"])
    wc = pl.DataFrame({"work_id": d["work_id"], "country_code": d["country_code"],
                       "whole": d.get("whole", [1.0] * m), "fractional": d["fractional"]},
                      schema={"work_id": pl.Utf8, "country_code": pl.Utf8, "whole": pl.Float64,
                              "fractional": pl.Float64})
    return write_tables({"works": works, "work_countries": wc}, tmp_path / "t")


def shares_cli(path: Path, capsys, *extra: str) -> tuple[int, dict[str, float], str]:
    rc = main(["shares", str(path), "--out", "-", "--resamples", "0", "--min-works", "1", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err
    rows = {r["country_code"]: float(r["share"]) for r in csv.DictReader(io.StringIO(out))}
    return rc, rows, err


def one_error(err: str) -> str:
    errors = [ln for ln in err.splitlines() if ln.startswith("litscan: error:")]
    assert len(errors) == 1, err
    return errors[0]


def test_the_good_folder_gives_the_hand_computed_shares(tmp_path, capsys):
    rc, rows, err = shares_cli(folder(tmp_path), capsys)
    assert rc == 0 and rows == {"US": 0.5, "CN": 0.25, "DE": 0.25}
    assert load_tables(tmp_path / "t").issues == ()


N = float("nan")


@pytest.mark.parametrize(("change", "names"), [
    (dict(id=["W1", "W2", "W3", "W4", "W1"], year=[2020] * 5, cited_by_count=[1.0] * 5),
     ["table works, column id", "unique", "row 1", "row 5", "'W1'", "deduplicate"]),
    (dict(work_id=["W1", "W2", "W3", "W4", "W1"], country_code=["CN", "US", "US", "DE", "CN"],
          fractional=[0.5, 1, 1, 1, 0.5]),
     ["table work_countries, column work_id, country_code", "row 5", "counts the country twice"]),
    (dict(fractional=[N, 1, 1, 1]), ["column fractional", "finite weight in [0, 1]", "nan"]),
    (dict(fractional=[-1.0, 1, 1, 1]), ["column fractional", "row 1", "-1.0"]),
    (dict(fractional=[1e308, 1, 1, 1]), ["column fractional", "1e+308"]),
    (dict(fractional=[5.0, 1, 1, 1]), ["column fractional", "5.0"]),
    (dict(fractional=[math.inf, 1, 1, 1]), ["column fractional", "inf"]),
    (dict(whole=[1.0, 1.0, 2.0, 1.0]), ["column whole", "row 3"]),
    (dict(work_id=["W1", "W1", "W2", "W3", "W4"], country_code=["CN", "US", "US", "US", "DE"],
          fractional=[0.75, 0.75, 1, 1, 1]),
     ["column fractional", "sum to at most 1", "W1 sums to 1.5"]),
    (dict(country_code=["cn", "US", "US", "DE"]),
     ["column country_code", "upper case", "'cn'", "upper-case"]),
    (dict(year=[2**62, 2020, 2020, 2020]), ["table works, column year", "1000..2100", "row 1"]),
    (dict(year=[-5, 2020, 2020, 2020]), ["column year", "-5"]),
    (dict(cited_by_count=[-3.0, 1, 1, 1]), ["column cited_by_count", "-3.0"]),
    (dict(cited_by_count=[math.inf, 1, 1, 1]), ["column cited_by_count", "inf"]),
    (dict(id=["W1", None, "W3", "W4"]), ["column id", "a work id on every row", "row 2"]),
], ids=["dup-works", "dup-work-countries", "frac-nan", "frac-neg", "frac-1e308", "frac-5",
        "frac-inf", "whole-2", "frac-sum", "lower-case", "year-2^62", "year-neg", "cites-neg",
        "cites-inf", "id-null"])
def test_lying_tables_end_in_one_line(change, names, tmp_path, capsys):
    path = folder(tmp_path, **change)
    rc, rows, err = shares_cli(path, capsys)
    line = one_error(err)
    assert rc == 2 and rows == {}
    assert str(path) in line and "hint:" in line
    for name in names:
        assert name in line, (name, line)
    with pytest.raises(InputDataError):  # the Python API sees the same check
        load_tables(path)


def test_unknown_codes_are_reported_and_excluded_exactly(tmp_path, capsys, caplog):
    path = folder(tmp_path, id=["W1", "W2", "W3", "W4", "W5", "W6"], year=[2020] * 6,
                  cited_by_count=[1.0] * 6,
                  work_id=["W1", "W2", "W3", "W4", "W5", "W6", "W6"],
                  country_code=["CN", "US", "US", "DE", "ZZZ", "QQ", "CN"],
                  fractional=[1, 1, 1, 1, 1, 0.5, 0.5])
    rc, rows, err = shares_cli(path, capsys)
    assert rc == 0, err
    # W5 (only ZZZ) is a work without a known country; W6 keeps its CN half, loses QQ's
    assert "ZZZ" not in rows and "QQ" not in rows
    assert rows["CN"] == pytest.approx(1.5 / 5) and rows["US"] == pytest.approx(2 / 5)
    assert rows["unknown"] == pytest.approx(1 / 6)
    warn = [ln for ln in (err + caplog.text).splitlines() if "alpha-2 excluded" in ln]
    assert len(warn) == 1 and "2 row(s)" in warn[0] and "ZZZ, QQ" in warn[0]
    issues = load_tables(path).issues
    assert len(issues) == 1 and "ZZZ" in issues[0]


def test_nan_citations_are_missing_not_most_cited(tmp_path, capsys, caplog):
    path = folder(tmp_path, cited_by_count=[N, 10.0, 5.0, 1.0])
    rc, rows, err = shares_cli(path, capsys, "--top", "0.5")
    assert rc == 0, err
    assert rows == {"US": 1.0}  # the top half by citations: W2 and W3, not the NaN work W1
    assert "1 NaN value(s) read as missing" in err + caplog.text
    works = load_tables(path).works.collect()
    assert works.get_column("cited_by_count").null_count() == 1
    assert not works.get_column("cited_by_count").is_nan().any()


# --- the Python API and contradictory options ---------------------------------------------------
@pytest.mark.parametrize("arg", [None, 5, b"t", ""])
def test_load_tables_argument_types(arg):
    with pytest.raises(UsageError, match="load_tables: expected the path of a tables folder"):
        litscan.load_tables(arg)


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(tables=5), r"tables: expected a tables folder .* got int 5"),
    (dict(offline="no"), r"offline: expected True, False or None, got str 'no'"),
    (dict(offline=1), r"offline: expected True, False or None"),
    (dict(source=3), r"source: expected a source name"),
    (dict(tables="t", offline=True), r"--tables and --offline contradict"),
    (dict(resamples=0), r"resamples: expected 1\.\.100000, got 0"),
])
def test_run_preset_arguments_are_usage_errors(kwargs, match):
    with pytest.raises(UsageError, match=match) as exc:
        litscan.run_preset("surveillance-vs-deep-learning", **kwargs)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize(("extra", "match"), [
    (["--tables", "t", "--offline"], "--tables and --offline contradict"),
    (["--offline", "--resamples", "0"], "--resamples: expected 1..100000, got 0"),
])
def test_run_contradictions_are_usage_errors(extra, match, tmp_path, capsys):
    rc = main(["run", "surveillance-vs-deep-learning", "--out", str(tmp_path / "o"), *extra])
    out, err = capsys.readouterr()
    assert rc == 2 and match in one_error(err) and "not testable" not in err + out
    assert not (tmp_path / "o").exists()


def test_run_tables_with_a_lying_folder_is_one_line(tmp_path, capsys):
    path = folder(tmp_path, country_code=["cn", "US", "US", "DE"])
    rc = main(["run", "surveillance-vs-deep-learning", "--tables", str(path), "--out",
               str(tmp_path / "o")])
    out, err = capsys.readouterr()
    assert rc == 2 and "upper case" in one_error(err)
