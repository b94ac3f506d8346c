"""Tests for the blind task-label audit in litscan.labels.evaluate (kappa, adjudication, shipped files)."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import polars as pl
import pytest

from litscan.labels import evaluate as E
from litscan.labels.train import HANDLABEL_DIR


def _kappa_by_hand(a, b):
    n = len(a)
    agree = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    chance = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return (agree - chance) / (1 - chance)


def test_cohen_kappa_matches_hand_formula():
    a = list("1100b0001b")
    b = list("110bb0010b")
    assert E.cohen_kappa(a, b) == pytest.approx(_kappa_by_hand(a, b))
    assert E.cohen_kappa(list("1010"), list("1010")) == pytest.approx(1.0)


VALUES = {"1", "0", "b"}


def _check_weights(frame: pl.DataFrame) -> None:
    """weights are stratum size / sample size, and each stratum holds n_sampled rows"""
    f = frame.with_columns(pl.col("weight").cast(pl.Float64))
    exp = f["population_size"].cast(pl.Float64) / f["n_sampled"].cast(pl.Float64)
    np.testing.assert_allclose(f["weight"].to_numpy(), exp.to_numpy())
    counts = f.group_by("stratum").agg(pl.len(), pl.col("n_sampled").cast(pl.Int64).first())
    assert (counts["len"] == counts["n_sampled"]).all()


def test_shipped_sheets_are_complete_and_disjoint():
    train = pl.read_csv(HANDLABEL_DIR / "train_sheet.csv", infer_schema_length=0)
    audit = E.read_audit_sheet()
    train2 = pl.read_csv(HANDLABEL_DIR / "train2_sheet.csv", infer_schema_length=0)
    audit2 = E.read_audit_sheet(name="audit2_sheet.csv")
    audit3 = E.read_audit_sheet(name="audit3_sheet.csv")
    assert (train.height, audit.height, train2.height, audit2.height, audit3.height) == (
        240, 200, 170, 215, 209
    )  # fmt: skip
    # no paper is on two sheets: each audit is disjoint from every training sheet
    ids = [set(f["work_id"]) for f in (train, audit, train2, audit2, audit3)]
    assert sum(len(i) for i in ids) == len(set().union(*ids))
    for col in ("surveillance", "face_recognition", "llm"):
        assert set(train[col]) <= VALUES
        assert set(audit[f"A_{col}"]) <= VALUES and set(audit[f"B_{col}"]) <= VALUES
    for col in ("surveillance", "face_recognition"):
        assert set(train2[col]) <= VALUES
        assert set(audit2[f"A_{col}"]) <= VALUES and set(audit2[f"B_{col}"]) <= VALUES
        assert set(audit3[f"A_{col}"]) <= VALUES and set(audit3[f"B_{col}"]) <= VALUES
    assert set(audit2["population"]) == set(audit3["population"]) == {"cv"}
    for frame in (train, audit, train2, audit2, audit3):
        _check_weights(frame)
    # round 3 strata as drawn by scripts/build_annotation_sheets.py 3 (F taken whole)
    n3 = dict(audit3.group_by("stratum").len().iter_rows())
    assert n3 == {"F": 9, "S": 110, "near": 40, "K": 35, "O": 15}
    assert audit3.filter(pl.col("stratum") == "F")["weight"].to_list() == [1.0] * 9
    # no training pool holds a round-3 audit paper
    from litscan.labels.train import load_task_training_data as pool_of

    for lab in ("surveillance", "face_recognition"):
        assert not set(pool_of(lab)["work_id"]) & ids[4]
    # round 2 strata as drawn by scripts/build_annotation_sheets.py 2
    n2 = dict(audit2.group_by("stratum").len().iter_rows())
    assert n2 == {"F": 50, "S": 80, "near": 30, "K": 40, "O": 15}
    # each label trains on the sheets before its held-out audit: face_recognition never saw an
    # audit2 paper (audit2 is its audit); surveillance trains on audit2 since round 3
    from litscan.labels.train import load_task_training_data, training_sheets

    face = load_task_training_data("face_recognition")
    assert face.height == 120 + 100 + 170
    assert not set(face["work_id"]) & ids[3]
    assert "audit2_sheet.csv" not in dict(training_sheets("face_recognition"))
    surv = load_task_training_data("surveillance")
    assert surv.height == 120 + 100 + 170 + 215
    assert ids[3] <= set(surv["work_id"])
    # the weights of each pool sum to the population once (every sheet's weights sum to it)
    for pool, k in ((face, 3), (surv, 4)):
        assert pool["weight"].sum() == pytest.approx(
            sum(pool.filter(pl.col("sheet") == s)["weight"].sum() for s in set(pool["sheet"]))
        )
        assert pool.filter(pl.col("sheet") == "train2_sheet.csv")["weight"].sum() * k == (
            pytest.approx(train2["weight"].cast(pl.Float64).sum())
        )


def test_training_pool_adjudicates_the_round1_audit_and_averages_weights(tmp_path):
    from litscan.labels.train import load_task_training_data

    base = {"population": "cv", "title": "t", "abstract": "a"}
    rows_train = [{**base, "work_id": "w1", "weight": "10", "surveillance": "1",
                   "face_recognition": "b"}]  # fmt: skip
    rows_audit = [
        {**base, "work_id": "w2", "weight": "20", "A_surveillance": "1", "B_surveillance": "1",
         "A_face_recognition": "1", "B_face_recognition": "b"},
        {**base, "work_id": "w3", "weight": "20", "A_surveillance": "1", "B_surveillance": "0",
         "A_face_recognition": "0", "B_face_recognition": "0"},
        {**base, "population": "nlpml", "work_id": "w4", "weight": "5", "A_surveillance": "1",
         "B_surveillance": "1", "A_face_recognition": "0", "B_face_recognition": "0"},
    ]  # fmt: skip
    rows_train2 = [{**base, "work_id": "w5", "weight": "30", "surveillance": "0",
                    "face_recognition": "0"}]  # fmt: skip
    pl.DataFrame(rows_train).write_csv(tmp_path / "train_sheet.csv")
    pl.DataFrame(rows_audit).write_csv(tmp_path / "audit_sheet.csv")
    pl.DataFrame(rows_train2).write_csv(tmp_path / "train2_sheet.csv")
    rows_audit2 = [
        {**base, "work_id": "w6", "weight": "40", "A_surveillance": "1", "B_surveillance": "b",
         "A_face_recognition": "0", "B_face_recognition": "0"},
        {**base, "work_id": "w7", "weight": "40", "A_surveillance": "1", "B_surveillance": "1",
         "A_face_recognition": "1", "B_face_recognition": "1"},
    ]  # fmt: skip
    pl.DataFrame(rows_audit2).write_csv(tmp_path / "audit2_sheet.csv")
    pool = load_task_training_data("face_recognition", tmp_path).sort("work_id")
    assert pool["work_id"].to_list() == ["w1", "w2", "w3", "w5"]  # nlpml row and audit2 left out
    assert pool["surveillance"].to_list() == ["1", "1", "0", "0"]  # A and B must both say 1
    assert pool["face_recognition"].to_list() == ["b", "0", "0", "0"]
    np.testing.assert_allclose(pool["weight"].to_numpy(), [10 / 3, 20 / 3, 20 / 3, 10.0])
    # surveillance also trains on the round-2 audit (adjudicated), four sheets: weights / 4
    pool = load_task_training_data("surveillance", tmp_path).sort("work_id")
    assert pool["work_id"].to_list() == ["w1", "w2", "w3", "w5", "w6", "w7"]
    assert pool["surveillance"].to_list() == ["1", "1", "0", "0", "0", "1"]
    np.testing.assert_allclose(pool["weight"].to_numpy(), [2.5, 5, 5, 7.5, 10, 10])
    # a paper on two training sheets is refused, naming it
    pl.DataFrame([{**rows_train2[0], "work_id": "w1"}]).write_csv(tmp_path / "train2_sheet.csv")
    from litscan.errors import InputDataError, UsageError

    with pytest.raises(InputDataError, match="w1"):
        load_task_training_data("surveillance", tmp_path)
    with pytest.raises(UsageError, match="llm"):
        load_task_training_data("llm", tmp_path)


@pytest.mark.slow
def test_task_audit_matches_shipped_summary_and_hand_recomputation():
    result = E.task_audit()
    shipped = json.loads((HANDLABEL_DIR / "audit_summary.json").read_text())
    for lab, modes in result["labels"].items():
        for mode in ("strict", "lenient"):
            assert modes[mode]["precision"] == pytest.approx(
                shipped["labels"][lab][mode]["precision"]
            )
            assert modes[mode]["recall"] == pytest.approx(shipped["labels"][lab][mode]["recall"])
    # recompute the shipped labeller's strict precision of surveillance by hand
    sheet = E.read_audit_sheet(name=E.AUDIT_SHEETS["surveillance"])
    flags = E.labeller_flags(sheet, E.load_model())["new"]["surveillance"]
    cv = (sheet["population"] == "cv").to_numpy()
    y = ((sheet["A_surveillance"] == "1") & (sheet["B_surveillance"] == "1")).to_numpy()
    w = sheet["weight"].to_numpy()
    sel = cv & flags
    prec = (w[sel] * y[sel]).sum() / w[sel].sum()
    assert result["labels"]["surveillance"]["strict"]["precision"] == pytest.approx(prec, abs=1e-4)
    pos = cv & y
    rec = (w[pos] * flags[pos]).sum() / w[pos].sum()
    assert result["labels"]["surveillance"]["strict"]["recall"] == pytest.approx(rec, abs=1e-4)
    # each label's agreement is computed on its own audit sheet
    face = E.read_audit_sheet(name=E.AUDIT_SHEETS["face_recognition"])
    a = face.filter(pl.col("population") == "cv")
    k = _kappa_by_hand(a["A_face_recognition"].to_list(), a["B_face_recognition"].to_list())
    assert result["agreement"]["face_recognition"]["sheet"] == "audit2_sheet.csv"
    assert result["agreement"]["surveillance"]["sheet"] == "audit3_sheet.csv"
    assert result["agreement"]["face_recognition"]["kappa_3way"] == pytest.approx(k, abs=1e-3)


def _run_merge(tmp_path, rnd="2"):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "merge_annotations.py"
    args = [str(tmp_path / d) for d in ("key", "labels", "sheets", "out")]
    return subprocess.run([sys.executable, str(script), rnd, *args], capture_output=True, text=True)


def test_round2_merge_joins_key_text_and_annotators_and_refuses_gaps(tmp_path):
    for d in ("key", "labels", "sheets", "out"):
        (tmp_path / d).mkdir()
    for name, prefix in (("audit2", "R"), ("train2", "U")):
        ids = [f"{prefix}{i:03d}" for i in (1, 2, 3)]
        pl.DataFrame(
            {"sheet_id": ids, "work_id": [f"{name}-w{i}" for i in (1, 2, 3)], "population": "cv",
             "stratum": "F", "n_sampled": "3", "population_size": "9", "weight": "3.0",
             "inclusion_probability": "0.333"}
        ).write_csv(tmp_path / "key" / f"key_{name}.csv")  # fmt: skip
        pl.DataFrame({"sheet_id": ids, "title": ["t1", "t2", "t3"], "abstract": "a"}).write_csv(
            tmp_path / "sheets" / f"{name}_part1.csv"
        )
        for ann in ("A", "B") if name == "audit2" else ("C",):
            # two chunk files per annotator, as the annotators wrote them
            for part, rows in (("a", ids[:2]), ("b", ids[2:])):
                pl.DataFrame(
                    {"sheet_id": rows, "surveillance": "1", "face_recognition": "b" if ann == "B" else "0",
                     "reason": f"{ann} says"}
                ).write_csv(tmp_path / "labels" / f"{ann}_{name}_part1_{part}.csv")  # fmt: skip
    done = _run_merge(tmp_path)
    assert done.returncode == 0, done.stderr
    audit = pl.read_csv(tmp_path / "out" / "audit2_sheet.csv", infer_schema_length=0)
    assert audit["work_id"].to_list() == ["audit2-w1", "audit2-w2", "audit2-w3"]
    assert audit["A_face_recognition"].to_list() == ["0"] * 3
    assert audit["B_face_recognition"].to_list() == ["b"] * 3
    assert audit["title"].to_list() == ["t1", "t2", "t3"]
    train = pl.read_csv(tmp_path / "out" / "train2_sheet.csv", infer_schema_length=0)
    assert train["surveillance"].to_list() == ["1"] * 3 and "reason" in train.columns
    # a missing row, or a value outside 0/1/b, stops the merge naming the file and row
    (tmp_path / "labels" / "B_audit2_part1_b.csv").unlink()
    done = _run_merge(tmp_path)
    assert done.returncode != 0 and "R003" in done.stderr
    pl.DataFrame(
        {"sheet_id": ["R003"], "surveillance": "yes", "face_recognition": "0", "reason": "x"}
    ).write_csv(tmp_path / "labels" / "B_audit2_part1_b.csv")
    done = _run_merge(tmp_path)
    assert done.returncode != 0 and "B_audit2_part1_b.csv" in done.stderr and "'yes'" in done.stderr
    # round 3: one audit sheet, two annotators; an unknown round is refused
    ids = ["V001", "V002"]
    pl.DataFrame(
        {"sheet_id": ids, "work_id": ["a3-w1", "a3-w2"], "population": "cv", "stratum": "S",
         "n_sampled": "2", "population_size": "8", "weight": "4.0",
         "inclusion_probability": "0.25"}
    ).write_csv(tmp_path / "key" / "key_audit3.csv")  # fmt: skip
    pl.DataFrame({"sheet_id": ids, "title": ["u1", "u2"], "abstract": "a"}).write_csv(
        tmp_path / "sheets" / "audit3_part1.csv"
    )
    for ann, val in (("A", "1"), ("B", "b")):
        pl.DataFrame(
            {"sheet_id": ids, "surveillance": val, "face_recognition": "0", "reason": ann}
        ).write_csv(tmp_path / "labels" / f"{ann}_audit3_c1.csv")
    done = _run_merge(tmp_path, "3")
    assert done.returncode == 0, done.stderr
    a3 = pl.read_csv(tmp_path / "out" / "audit3_sheet.csv", infer_schema_length=0)
    assert a3["A_surveillance"].to_list() == ["1", "1"] and a3["B_surveillance"].to_list() == ["b"] * 2
    assert a3["title"].to_list() == ["u1", "u2"]
    assert _run_merge(tmp_path, "4").returncode != 0


def test_a_sheet_weight_that_is_not_a_positive_number_is_named(tmp_path):
    from litscan.errors import InputDataError
    from litscan.labels.train import read_sheet_weights

    path = tmp_path / "audit2_sheet.csv"
    ok = pl.DataFrame({"weight": ["1.5", "2"]})
    assert read_sheet_weights(ok, path)["weight"].to_list() == [1.5, 2.0]
    for bad in ("heavy", "", "0", "-3", "nan"):
        df = pl.DataFrame({"weight": ["1.5", bad]})
        with pytest.raises(InputDataError, match=r"audit2_sheet.csv: row 3: weight"):
            read_sheet_weights(df, path)
    # through the audit reader: one InputDataError, not a polars error
    pl.DataFrame({"weight": ["x"], "work_id": ["w"]}).write_csv(path)
    with pytest.raises(InputDataError, match="not a positive number"):
        E.read_audit_sheet(tmp_path, "audit2_sheet.csv")
