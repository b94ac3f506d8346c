"""Tests for litscan.labels.audit and `litscan audit`: sampling, sheets, scoring (recomputed by hand)."""

from __future__ import annotations

import csv

import numpy as np
import polars as pl
import pytest

from litscan.cli import main
from litscan.errors import InputDataError, UsageError
from litscan.labels import audit


def _wilson_by_roots(p_hat: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson bounds as the two roots of (p_hat - p)^2 = z^2 p (1 - p) / n (separate derivation)."""
    a = 1 + z * z / n
    b = -(2 * p_hat + z * z / n)
    c = p_hat * p_hat
    lo, hi = sorted(np.roots([a, b, c]).real)
    return float(lo), float(hi)


def _population(n_flag: int, n_unflag: int) -> pl.DataFrame:
    ids = [f"W{i:04d}" for i in range(n_flag + n_unflag)]
    return pl.DataFrame(
        {
            "id": ids,
            "title": [f"paper {i}" for i in range(len(ids))],
            "abstract": [f"abstract {i}" for i in range(len(ids))],
            "flag": [True] * n_flag + [False] * n_unflag,
        }
    )


@pytest.mark.parametrize("k,n", [(0, 10), (7, 10), (10, 10), (43, 57), (2.5, 7.3)])
def test_wilson_matches_quadratic_roots(k, n):
    lo, hi = audit.wilson(k, n)
    elo, ehi = _wilson_by_roots(k / n, n)
    assert lo == pytest.approx(max(elo, 0.0), abs=1e-9)
    assert hi == pytest.approx(min(ehi, 1.0), abs=1e-9)
    assert audit.wilson(0, 0) == (0.0, 1.0)


def test_sample_reproducible_and_stratified():
    pop = _population(40, 960)
    a = audit.draw_sample(pop, 30, seed=7)
    b = audit.draw_sample(pop, 30, seed=7)
    c = audit.draw_sample(pop, 30, seed=8)
    assert a.equals(b)
    assert not a["id"].sort().equals(c["id"].sort())
    # half flagged (rounded up), the rest unflagged; weights = N_h / n_h
    strata = {
        r["stratum"]: r
        for r in a.group_by("stratum").agg(pl.len(), pl.all().first()).iter_rows(named=True)
    }
    assert strata["flagged"]["len"] == 15 and strata["unflagged"]["len"] == 15
    assert strata["flagged"]["weight"] == pytest.approx(40 / 15)
    assert strata["unflagged"]["weight"] == pytest.approx(960 / 15)
    assert a["id"].n_unique() == 30 and set(a["id"]) <= set(pop["id"])
    # stratum membership is the flag; sheet ids are unique and the order is not by stratum
    assert (a.filter(pl.col("stratum") == "flagged")["flag"]).all()
    assert a["sheet_id"].n_unique() == 30
    assert a["stratum"].to_list() != sorted(a["stratum"].to_list())
    # a small flagged stratum is taken whole; the unflagged stratum gets the remainder
    s = audit.draw_sample(_population(4, 100), 20, seed=1)
    assert (s["stratum"] == "flagged").sum() == 4 and (s["stratum"] == "unflagged").sum() == 16
    with pytest.raises(InputDataError):
        audit.draw_sample(_population(0, 10), 5, seed=1)
    with pytest.raises(UsageError):
        audit.draw_sample(pop, 1, seed=1)


def test_score_hand_made_sheet_recomputed_by_hand():
    # 6 flagged rows (weight 10 each: stratum of 60) and 4 unflagged rows (weight 250: 1,000)
    key = pl.DataFrame(
        {
            "sheet_id": [f"S{i}" for i in range(10)],
            "flag": [True] * 6 + [False] * 4,
            "weight": [10.0] * 6 + [250.0] * 4,
        }
    )
    calls = ["1", "1", "1", "b", "0", "1", "0", "1", "0", "b"]
    sheet = pl.DataFrame({"sheet_id": [f"S{i}" for i in range(10)], "face_recognition": calls})
    res = audit.score(sheet, key, "face_recognition")
    # strict: flagged positives 4 of 6 -> precision 4/6 (equal weights: plain Wilson on 4 of 6)
    s = res["strict"]
    assert s["precision"] == pytest.approx(4 / 6)
    lo, hi = _wilson_by_roots(4 / 6, 6)
    assert (s["precision_lo"], s["precision_hi"]) == pytest.approx((lo, hi))
    # recall: TP weight 4*10 = 40, FN weight 1*250 -> 40 / 290
    assert s["recall"] == pytest.approx(40 / 290)
    w = np.array([10, 10, 10, 10, 250.0])  # weights of the strict positives
    n_eff = w.sum() ** 2 / (w**2).sum()
    lo, hi = _wilson_by_roots(40 / 290, n_eff)
    assert (s["recall_lo"], s["recall_hi"]) == pytest.approx((max(lo, 0), hi))
    p, r = 4 / 6, 40 / 290
    assert s["f1"] == pytest.approx(2 * p * r / (p + r))
    # lenient: b counts as positive -> 5 of 6 flagged; positives' weight 50 + 2*250
    le = res["lenient"]
    assert le["precision"] == pytest.approx(5 / 6)
    assert le["recall"] == pytest.approx(50 / 550)
    assert res["n_borderline"] == 2
    # a key row without a sheet row is an error, not a silently smaller sample
    with pytest.raises(InputDataError, match="got 1 missing"):
        audit.score(sheet.head(9), key, "face_recognition")


def test_weighted_prf_equals_unweighted_when_weights_equal():
    rng = np.random.default_rng(3)
    y = rng.random(200) < 0.3
    f = rng.random(200) < 0.35
    m = audit.weighted_prf(y, f)
    tp = int((y & f).sum())
    assert m["precision"] == pytest.approx(tp / f.sum())
    assert m["recall"] == pytest.approx(tp / y.sum())
    assert m["n_eff_precision"] == pytest.approx(f.sum())


def _write_filled(tmp_path, calls):
    pop = _population(12, 300)
    sample = audit.draw_sample(pop, 10, seed=3)
    audit.write_audit(sample, tmp_path, "surveillance", seed=3)
    with open(tmp_path / audit.SHEET_FILE, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["surveillance"] = calls(r)
    with open(tmp_path / "filled.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return sample


def test_cli_score_filled_sheet(tmp_path, capsys):
    sample = _write_filled(tmp_path, lambda r: "1" if int(r["title"].split()[1]) % 3 else "0")
    flagged_ids = dict(zip(sample["sheet_id"], sample["flag"], strict=True))
    assert (
        main(
            [
                "audit",
                "--score",
                str(tmp_path / "filled.csv"),
                "--key",
                str(tmp_path / audit.KEY_FILE),
                "--json",
                str(tmp_path / "s.json"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "strict" in out and "precision" in out
    # expected precision recomputed from the rows: flagged rows whose paper number % 3 != 0
    titles = dict(zip(sample["sheet_id"], sample["title"], strict=True))
    fl = [sid for sid, f in flagged_ids.items() if f]
    exp = sum(int(titles[s].split()[1]) % 3 != 0 for s in fl) / len(fl)
    assert f"precision {exp:.3f}" in out
    assert (tmp_path / "s.json").is_file()


def test_cli_score_rejects_unfilled_and_bad_values(tmp_path, capsys):
    _write_filled(tmp_path, lambda r: "maybe")
    assert (
        main(
            [
                "audit",
                "--score",
                str(tmp_path / "filled.csv"),
                "--key",
                str(tmp_path / audit.KEY_FILE),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "expected one of" in err and "Traceback" not in err
    assert main(["audit", "--score", str(tmp_path / "nope.csv")]) == 2


def test_cli_writes_blind_sheet_from_tables(tmp_path, capsys):
    titles = [
        "Deep face recognition with angular margins",
        "Person re-identification across cameras",
        "A robot grasping policy",
        "Image segmentation with transformers",
    ] * 5
    works = pl.DataFrame(
        {
            "id": [f"W{i}" for i in range(len(titles))],
            "title": titles,
            "abstract": ["We study this problem on images."] * len(titles),
        }
    )
    (tmp_path / "t").mkdir()
    works.write_parquet(tmp_path / "t" / "works.parquet")
    args = [
        "audit",
        "person_reid",
        "--tables",
        str(tmp_path / "t"),
        "--sample",
        "6",
        "--seed",
        "2",
        "--out",
        str(tmp_path / "a"),
    ]
    assert main(args) == 0
    sheet = pl.read_csv(tmp_path / "a" / audit.SHEET_FILE)
    assert sheet.columns == ["sheet_id", "title", "abstract", "person_reid", "reason", "audit_id"]
    assert sheet.height == 6
    key = pl.read_csv(tmp_path / "a" / audit.KEY_FILE)
    assert key["flag"].sum() == 3 and set(key["stratum"]) == {"flagged", "unflagged"}
    form = (tmp_path / "a" / audit.FORM_FILE).read_text()
    assert form.count('type="radio"') == 18 and "http" not in form.split("<script>")[1]
    # same seed -> same sheet
    assert main([*args[:-1], str(tmp_path / "b")]) == 0
    assert (tmp_path / "b" / audit.KEY_FILE).read_text() == (
        tmp_path / "a" / audit.KEY_FILE
    ).read_text()
    assert main(["audit", "nolabel", "--offline", "--out", str(tmp_path / "c")]) == 2
    assert main(["audit", "person_reid", "--out", str(tmp_path / "c")]) == 2
