"""Tests for the blind task-label audit in litscan.evaluate (kappa, adjudication, shipped files)."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import polars as pl
import pytest

from litscan import evaluate as E
from litscan.train import HANDLABEL_DIR


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


def test_shipped_sheets_are_complete_and_disjoint():
    train = pl.read_csv(HANDLABEL_DIR / "train_sheet.csv", infer_schema_length=0)
    audit = E.read_audit_sheet()
    assert train.height == 240 and audit.height == 200
    assert not set(train["work_id"]) & set(audit["work_id"])  # audit never used for training
    for col in ("surveillance", "face_recognition", "llm"):
        assert set(train[col]) <= {"1", "0", "b"}
        assert set(audit[f"A_{col}"]) <= {"1", "0", "b"} and set(audit[f"B_{col}"]) <= {
            "1",
            "0",
            "b",
        }
    # weights are stratum size / sample size, per stratum
    for frame in (train, audit):
        f = frame.with_columns(pl.col("weight").cast(pl.Float64))
        w = f["weight"].to_numpy()
        exp = f["population_size"].cast(pl.Float64) / f["n_sampled"].cast(pl.Float64)
        np.testing.assert_allclose(w, exp.to_numpy())
        counts = f.group_by("stratum").agg(pl.len(), pl.col("n_sampled").cast(pl.Int64).first())
        assert (counts["len"] == counts["n_sampled"]).all()


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
    sheet = E.read_audit_sheet()
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
    a = sheet.filter(pl.col("population") == "cv")
    k = _kappa_by_hand(a["A_face_recognition"].to_list(), a["B_face_recognition"].to_list())
    assert result["agreement"]["face_recognition"]["kappa_3way"] == pytest.approx(k, abs=1e-3)
