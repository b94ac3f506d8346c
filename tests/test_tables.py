"""The tables folder (litscan.tables.folder) and presets run on it (source = "tables", work_labels:)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import litscan
from litscan.claims.presets import load_preset
from litscan.errors import InputDataError, PresetError, UsageError
from litscan.tables.folder import Tables, load_tables, write_tables

REPO = Path(__file__).resolve().parents[1]

# synthetic works (named as such): one venue, one year, so the standardised and the pooled
# estimates coincide and the expected numbers are plain ratios
N = 300


def _cc(i: int) -> list[tuple[str, float]]:
    if i % 7 == 0:
        return [("CN", 0.5), ("US", 0.5)]
    return [("CN", 1.0)] if i % 3 == 0 else [("US", 1.0)]


def _llm(i: int) -> bool:
    return i % 3 == 0 or i % 10 == 0


def synthetic_tables() -> dict[str, pl.DataFrame]:
    works = pl.DataFrame(
        {
            "id": [f"W{i}" for i in range(N)],
            "year": [2020] * N,
            "source": ["Synthetic Venue"] * N,
            "cited_by_count": [None if i % 11 == 0 else i for i in range(N)],
        },
        schema={"id": pl.Utf8, "year": pl.Int32, "source": pl.Utf8, "cited_by_count": pl.Int64},
    )
    wc = pl.DataFrame(
        [
            {"work_id": f"W{i}", "country_code": c, "whole": 1.0, "fractional": f}
            for i in range(N)
            for c, f in _cc(i)
        ]
    )
    labels = pl.DataFrame(
        [{"work_id": f"W{i}", "label": "llm", "flag": _llm(i)} for i in range(N)]
        + [{"work_id": f"W{i}", "label": "other", "flag": True} for i in range(0, N, 2)]
    )
    return {"works": works, "work_countries": wc, "work_labels": labels}


PRESET = """
schema_version = 1
claim = "CN share of LLM papers > CN share of all papers"
source = "tables"
countries = ["CN", "US"]
resamples = 200
min_works = 10
[population]
years = [2020, 2020]
[labels]
llm = "work_labels:llm"
[counting]
primary = "fractional"
report = "fractional"
[[claims]]
id = "cn-llm"
text = "CN share of LLM papers > CN share of all papers"
a = { country = "CN", label = "llm" }
op = ">"
b = { country = "CN" }
"""


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    return write_tables(synthetic_tables(), tmp_path / "tables")


def test_write_then_load_gives_lazy_frames_with_the_same_rows(folder):
    t = load_tables(folder)
    assert isinstance(t, Tables)
    assert isinstance(t.works, pl.LazyFrame) and isinstance(t.work_labels, pl.LazyFrame)
    assert t.authorships is None and t.work_topics is None
    assert (folder / "works" / "part-0.parquet").is_file()
    src = synthetic_tables()
    got = t.collect()
    for name, frame in src.items():
        assert got[name].equals(frame), name
    assert not list(folder.rglob(".*.tmp"))


def test_flat_layout_and_work_countries_from_authorships(tmp_path):
    works = synthetic_tables()["works"]
    auth = pl.DataFrame(
        {"work_id": ["W0", "W0", "W1"], "countries": [["CN"], ["US", "DE"], []]},
        schema={"work_id": pl.Utf8, "countries": pl.List(pl.Utf8)},
    )
    works.write_parquet(tmp_path / "works.parquet")
    auth.write_parquet(tmp_path / "authorships.parquet")
    wc = load_tables(tmp_path).work_countries.collect()
    w0 = dict(
        zip(
            *wc.filter(pl.col("work_id") == "W0").select("country_code", "fractional"),
            strict=True,
        )
    )
    # W0: two authors; the second splits its half between US and DE
    assert w0 == {"CN": 0.5, "US": 0.25, "DE": 0.25}
    # W1 (no country) and W2.. (no authors) keep one null-country row each
    assert wc.filter(pl.col("country_code").is_null()).height == N - 1


@pytest.mark.parametrize(
    ("setup", "match"),
    [
        (lambda d: None, r"no such tables folder"),
        (lambda d: d.write_text("x"), r"expected a tables folder .* got a file"),
        (lambda d: d.mkdir(), r"has no works table"),
        (lambda d: (d / "works").mkdir(parents=True), r"table works/ holds no \*.parquet"),
    ],
)
def test_folder_errors_are_one_line(tmp_path, setup, match):
    d = tmp_path / "t"
    setup(d)
    with pytest.raises(InputDataError, match=match) as exc:
        load_tables(d)
    assert "\n" not in str(exc.value) and exc.value.hint


def test_missing_column_and_wrong_dtype_are_named(folder):
    bad = synthetic_tables()["work_countries"].drop("fractional")
    bad.write_parquet(folder / "work_countries" / "part-0.parquet")
    with pytest.raises(InputDataError, match=r"table work_countries lacks column\(s\) fractional"):
        load_tables(folder)
    wc = synthetic_tables()["work_countries"].with_columns(pl.col("whole").cast(pl.Utf8))
    wc.write_parquet(folder / "work_countries" / "part-0.parquet")
    with pytest.raises(InputDataError, match=r"work_countries, column whole: expected number"):
        load_tables(folder)


def test_no_country_table_and_fifo_are_refused(folder):
    for f in (folder / "work_countries").iterdir():
        f.unlink()
    (folder / "work_countries").rmdir()
    with pytest.raises(InputDataError, match="neither work_countries/ nor authorships/"):
        load_tables(folder)
    os.mkfifo(folder / "works" / "part-1.parquet")
    with pytest.raises(InputDataError, match="FIFO"):
        load_tables(folder)


def test_write_tables_refuses_to_merge_into_foreign_parts(folder):
    (folder / "works" / "part-x.parquet").write_bytes(b"")
    with pytest.raises(UsageError, match="already holds other parquet files"):
        write_tables(synthetic_tables(), folder)
    with pytest.raises(UsageError, match="needs a works table"):
        write_tables({"work_countries": synthetic_tables()["work_countries"]}, folder / "y")


def _hand_share(rows: list[int]) -> float:
    cn = sum(f for i in rows for c, f in _cc(i) if c == "CN")
    return cn / len(rows)


def test_work_labels_kind_matches_a_hand_computation(folder, tmp_path):
    preset = tmp_path / "p.toml"
    preset.write_text(PRESET, encoding="utf-8")
    res = litscan.run_preset(preset, tables=folder, seed=3)
    row = res.to_frame().row(0, named=True)
    llm = [i for i in range(N) if _llm(i)]
    expected = _hand_share(llm) - _hand_share(list(range(N)))
    assert row["diff"] == pytest.approx(expected, abs=1e-9)
    assert row["lo"] < row["diff"] < row["hi"]
    assert row["verdict"] == "supported"  # expected is +0.21; its interval excludes 0
    assert res.manifest["data_source"] == "tables"
    # the lazy tables themselves are accepted too
    again = (
        litscan.run_preset(preset, tables=load_tables(folder), seed=3).to_frame().row(0, named=True)
    )
    assert again["diff"] == row["diff"] and again["verdict"] == row["verdict"]
    # dig deeper: the run's own records, cut by label, give the same share as the claim's side A
    s = litscan.shares(res, by="country,label", resamples=0)
    cn = s.filter((pl.col("country_code") == "CN") & (pl.col("label") == "work_labels:llm"))
    assert cn.get_column("share").item() == pytest.approx(_hand_share(llm), abs=1e-12)
    # a label name that the folder does not have is an error naming the labels it has (issue 26:
    # an unknown label value never silently selects no works)
    other = tmp_path / "q.toml"
    other.write_text(PRESET.replace("work_labels:llm", "work_labels:llms"), encoding="utf-8")
    with pytest.raises(PresetError, match=r"'llms' is not in .*did you mean 'llm'\?.*llm, other"):
        litscan.run_preset(other, tables=folder)


def test_work_labels_needs_a_folder_with_that_table(folder, tmp_path):
    preset = tmp_path / "p.toml"
    preset.write_text(PRESET, encoding="utf-8")
    for f in (folder / "work_labels").iterdir():
        f.unlink()
    (folder / "work_labels").rmdir()
    res = litscan.run_preset(preset, tables=folder)
    r = res.results[0]
    assert r.verdict.startswith("not testable")
    assert "has no work_labels/ table" in " ".join(map(str, r.as_dict().values()))
    with pytest.raises(UsageError, match="needs a tables folder"):
        litscan.run_preset(preset)
    off = litscan.run_preset(preset, offline=True).results[0]
    assert off.verdict.startswith("not testable")


def test_preset_validates_the_work_labels_kind(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text(PRESET.replace("work_labels:llm", "work_labels:"), encoding="utf-8")
    with pytest.raises(PresetError, match=r"labels\.llm: expected a label name after"):
        load_preset(p)
    p.write_text(PRESET.replace("work_labels:llm", "work_label:llm"), encoding="utf-8")
    with pytest.raises(PresetError, match="did you mean 'work_labels:llm'"):
        load_preset(p)


def test_cli_run_tables_subprocess(folder, tmp_path):
    preset = tmp_path / "p.toml"
    preset.write_text(PRESET, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "litscan", "run", str(preset), "--out", str(tmp_path / "o")]
    done = subprocess.run(
        [*cmd, "--tables", str(folder)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "cn-llm: supported" in done.stderr
    bad = subprocess.run(
        [*cmd, "--tables", str(tmp_path / "nope")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "no such tables folder" in bad.stderr


def test_functions_taking_tables_accept_lazy_frames_or_say_they_do_not(tmp_path):
    from litscan import stats as aggregate
    from litscan.tables.normalize import work_countries

    auth = pl.DataFrame(
        {"work_id": ["W0", "W1"], "countries": [["CN", "US"], ["DE"]]},
        schema={"work_id": pl.Utf8, "countries": pl.List(pl.Utf8)},
    )
    assert work_countries(auth.lazy()).equals(work_countries(auth))
    folder = write_tables(synthetic_tables(), tmp_path / "t")
    t = load_tables(folder)
    with pytest.raises(UsageError, match="work_countries table is a polars LazyFrame"):
        aggregate.country_shares(t.work_countries, n_resamples=0)
    eager = aggregate.country_shares(t.work_countries.collect(), n_resamples=0)
    via_api = litscan.shares(t, resamples=0)  # takes the lazy tables itself

    def cn(df: pl.DataFrame) -> float:
        return df.filter(pl.col("country_code") == "CN").get_column("share").item()

    assert cn(eager) == pytest.approx(cn(via_api)) == pytest.approx(_hand_share(list(range(N))))
