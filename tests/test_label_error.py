"""Tests for litscan.labels.label_error on synthetic tables with a known false-positive rate."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from litscan.errors import UsageError
from litscan.labels import label_error as le


def _synthetic(n_true=2000, n_other=20000, cn_true=0.6, cn_other=0.2, fp_rate=0.05, seed=0):
    """Synthetic (named as such) tables: true task papers are 60 % CN, the others 20 % CN; the
    label flags every true paper and a known share ``fp_rate`` of the others."""
    rng = np.random.default_rng(seed)
    n = n_true + n_other
    is_true = np.r_[np.ones(n_true, bool), np.zeros(n_other, bool)]
    cn = np.where(is_true, rng.random(n) < cn_true, rng.random(n) < cn_other)
    flagged = is_true | (~is_true & (rng.random(n) < fp_rate))
    ids = [f"W{i}" for i in range(n)]
    wc = pl.DataFrame(
        {
            "work_id": ids,
            "country_code": np.where(cn, "CN", "US").tolist(),
            "fractional": np.ones(n),
            "whole": np.ones(n),
        }
    )
    universe = pl.DataFrame({"work_id": ids})
    flag = pl.DataFrame({"work_id": [i for i, f in zip(ids, flagged, strict=True) if f]})
    precision = is_true.sum() / flagged.sum()
    true_share = cn[is_true].mean()
    return wc, universe, flag, precision, true_share, cn, flagged


def test_side_shares_recomputed_by_hand():
    wc, universe, flag, _, _, cn, flagged = _synthetic()
    s = le.side_shares(wc, universe, flag, "CN", label="face_recognition")
    assert s.share == pytest.approx(cn[flagged].mean())
    assert s.background == pytest.approx(cn[~flagged].mean())
    whole = le.side_shares(wc, universe, None, "CN")
    assert whole.share == pytest.approx(cn.mean()) and whole.background is None


def test_correction_recovers_true_share_and_moves_away_from_background():
    wc, universe, flag, precision, true_share, _, _ = _synthetic()
    s = le.side_shares(wc, universe, flag, "CN", label="face_recognition")
    assert s.share < true_share  # false positives (20 % CN) dilute the observed share
    fixed = le.corrected_share(s.share, s.background, precision)
    assert fixed == pytest.approx(true_share, abs=0.02)
    assert fixed > s.share  # documented direction: away from the background (s > u -> up)
    # under-represented country: the correction moves the share down
    us = le.side_shares(wc.with_columns(pl.col("country_code")), universe, flag, "US", label="x")
    assert le.corrected_share(us.share, us.background, precision) < us.share
    # perfect precision: no change
    assert le.corrected_share(0.3, 0.1, 1.0) == pytest.approx(0.3)


def test_label_error_row_direction_bounds_and_survival():
    wc, universe, flag, precision, true_share, cn, flagged = _synthetic(fp_rate=0.1)
    q = le.LabelQuality("face_recognition", precision, precision - 0.05, min(1.0, precision + 0.05))
    a = le.side_shares(wc, universe, flag, "CN", label="face_recognition")
    b = le.side_shares(wc, universe, None, "CN")  # CN share of all papers: no label
    observed = a.share - b.share
    row = le.label_error(
        a,
        b,
        ">",
        {"face_recognition": q},
        lo=observed - 0.02,
        hi=observed + 0.02,
        verdict="supported",
    )
    assert row["diff_observed"] == pytest.approx(observed)
    assert row["diff_corrected"] > observed and row["direction"] == "larger"
    expected = (a.share - (1 - precision) * a.background) / precision - b.share
    assert row["diff_corrected"] == pytest.approx(expected)
    assert row["diff_corrected_min"] <= row["diff_corrected"] <= row["diff_corrected_max"]
    # interval mapped through the same correction: it keeps its width / precision
    assert (row["hi_corrected"] - row["lo_corrected"]) == pytest.approx(0.04 / precision)
    assert row["survives"] is True and row["verdict_corrected"] == "supported"
    # a claim that is only barely supported (interval touching zero after the correction in the
    # other direction) does not survive: US share of the label vs US overall
    a_us = le.side_shares(wc, universe, flag, "US", label="face_recognition")
    b_us = le.side_shares(wc, universe, None, "US")
    d = a_us.share - b_us.share  # negative; the correction makes it more negative
    row2 = le.label_error(
        a_us, b_us, "<", {"face_recognition": q}, lo=d - 0.001, hi=-0.0005, verdict="supported"
    )
    assert row2["diff_corrected"] < d and row2["survives"] is True
    row3 = le.label_error(
        a_us, b_us, ">", {"face_recognition": q}, lo=d - 0.01, hi=-d + 0.01, verdict="inconclusive"
    )
    assert row3["verdict_corrected"] == "inconclusive"


def test_same_label_both_sides_uses_one_precision():
    a = le.SideShares(0.40, 0.20, "surveillance")
    b = le.SideShares(0.30, 0.35, "surveillance")
    q = le.LabelQuality("surveillance", 0.8, 0.7, 0.9)
    row = le.label_error(a, b, ">", {"surveillance": q}, lo=0.05, hi=0.15, verdict="supported")
    # by hand: d_true = (d_obs - (1 - p)(u_a - u_b)) / p
    for p in (0.7, 0.8, 0.9):
        d = (0.10 - (1 - p) * (0.20 - 0.35)) / p
        assert row["diff_corrected_min"] <= d + 1e-12 and d - 1e-12 <= row["diff_corrected_max"]
    assert row["diff_corrected"] == pytest.approx((0.10 + 0.2 * 0.15) / 0.8)
    assert row["lo_corrected"] == pytest.approx((0.05 + 0.2 * 0.15) / 0.8)
    assert row["survives"] is True


def test_no_audited_label_gives_none_and_bad_quality_is_refused():
    a = le.SideShares(0.4, 0.2, "vision")
    b = le.SideShares(0.3)
    assert le.label_error(a, b, ">", {}) is None
    with pytest.raises(UsageError):
        le.LabelQuality("x", 0.9, 0.95, 0.99)
    with pytest.raises(UsageError):
        le.corrected_share(0.5, 0.1, 0.0)


def test_load_quality_from_summary():
    summary = {
        "labels": {
            "surveillance": {
                "strict": {
                    "precision": 0.9,
                    "precision_lo": 0.8,
                    "precision_hi": 0.95,
                    "recall": 0.7,
                    "recall_lo": 0.5,
                    "recall_hi": 0.85,
                }
            }
        }
    }
    q = le.load_quality("classifier:surveillance", summary)
    assert q.precision == 0.9 and q.recall_lo == 0.5
    assert le.load_quality("llm", summary) is None
    got = le.qualities(
        {"surveillance": "classifier:surveillance", "vision": "venue_field:CV"}, summary
    )
    assert list(got) == ["surveillance"]


def test_records_side_with_where_subset_and_constant():
    wc, universe, flag, _, _, cn, flagged = _synthetic(n_true=200, n_other=800)
    n = len(cn)
    works = pl.DataFrame(
        {"id": [f"W{i}" for i in range(n)], "year": [2015 + i % 4 for i in range(n)]}
    )
    labels = flag.with_columns(pl.lit("face").alias("label"), pl.lit(True).alias("flag"))
    s = le.records_side(works, wc, labels, country="CN", label="face", where=pl.col("year") >= 2017)
    keep = np.array([2015 + i % 4 >= 2017 for i in range(n)])
    assert s.share == pytest.approx(cn[keep & flagged].mean())
    assert s.background == pytest.approx(cn[keep & ~flagged].mean())
    # a highly-cited subset weights works by top_weight (0 = out)
    tw = np.where(np.arange(n) % 3 == 0, 1.0, np.where(np.arange(n) % 3 == 1, 0.5, 0.0))
    subset = pl.DataFrame({"work_id": works["id"], "top_weight": tw})
    t = le.records_side(works, wc, labels, country="CN", label="face", subset=subset)
    m = flagged & (tw > 0)
    assert t.share == pytest.approx((tw[m] * cn[m]).sum() / tw[m].sum())
    assert le.records_side(works, wc, None, country=None, value=0.25).share == 0.25


def test_records_claim_row_from_a_claim():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class S:  # the fields of a preset Side that the row reads
        country: str | None = None
        label: str | None = None
        top: bool = False
        value: float | None = None

        @property
        def is_constant(self) -> bool:
            return self.value is not None

    @dataclass(frozen=True)
    class Claim:
        a: S
        b: S
        op: str = ">"

    wc, universe, flag, precision, _, cn, flagged = _synthetic(
        n_true=300, n_other=3000, fp_rate=0.1
    )
    works = universe.select(pl.col("work_id").alias("id"))
    labels = flag.with_columns(pl.lit("face").alias("label"), pl.lit(True).alias("flag"))
    summary = {
        "labels": {
            "face_recognition": {
                "strict": {"precision": 0.6, "precision_lo": 0.5, "precision_hi": 0.7}
            }
        }
    }
    claim = Claim(S("CN", "face"), S("CN"))
    row = le.records_claim_row(
        claim,
        {"face": "classifier:face_recognition"},
        works,
        wc,
        labels,
        side_where=lambda s: None,
        counting="fractional",
        subset=None,
        lo=0.1,
        hi=0.3,
        verdict="supported",
        summary=summary,
    )
    assert row["diff_observed"] == pytest.approx(cn[flagged].mean() - cn.mean())
    assert row["labels"] == ["face_recognition"] and row["survives"] is True
    u = cn[~flagged].mean()
    assert row["diff_corrected"] == pytest.approx((cn[flagged].mean() - 0.4 * u) / 0.6 - cn.mean())
    # a claim on labels that were not audited has no row
    other = Claim(S("CN", "vision"), S("US", "vision"))
    assert (
        le.records_claim_row(
            other,
            {"vision": "venue_field:CV"},
            works,
            wc,
            labels,
            side_where=lambda s: None,
            counting="fractional",
            subset=None,
            lo=0.1,
            hi=0.2,
            verdict="supported",
            summary=summary,
        )
        is None
    )


def test_describe_and_cell():
    a = le.SideShares(0.40, 0.20, "surveillance")
    b = le.SideShares(0.30)
    q = le.LabelQuality("surveillance", 0.8, 0.7, 0.9)
    row = le.label_error(a, b, ">", {"surveillance": q}, lo=0.05, hi=0.15, verdict="supported")
    text = le.describe(row)
    assert "surveillance precision 0.80 [0.70, 0.90]" in text
    assert "the corrected verdict agrees with the headline (supported)" in text
    assert le.survives_cell(row) == "agrees" and le.survives_cell(None) == "-"
    bad = le.label_error(a, b, ">", {"surveillance": q}, lo=-0.01, hi=0.15, verdict="supported")
    assert bad["agrees"] is False and bad["survives"] is False
    assert le.survives_cell(bad) == "disagrees"
    assert "the corrected verdict disagrees with the headline" in le.describe(bad)
    assert le.describe(None) == ""


@pytest.mark.slow
def test_claims_carry_a_label_error_row_into_result_frame_and_report():
    import litscan
    from litscan.report.html import claim_html

    res = litscan.run_preset("facial-recognition-lead", offline=True, resamples=50)
    by_id = {r.claim.id: r for r in res.results}
    r = by_id["cn-leads-face-recognition"]
    assert r.label_error is not None and r.label_error["labels"] == ["face_recognition"]
    assert r.label_error["estimate"] == pytest.approx(r.primary.diff)
    # documented direction: each share moves away from its background, so the difference
    # moves by (1 - p) / p * ((s_a - u_a) - (s_b - u_b))
    row = r.label_error
    away = (row["share_a"] - row["background_a"]) - (row["share_b"] - row["background_b"])
    assert row["direction"] == ("larger" if away > 0 else "smaller")
    assert r.as_dict()["label_error"]["agrees"] in (True, False)
    assert row["method"] == "per stratum" and row["corrected_text"].startswith("corrected: ")
    frame = res.to_frame()
    assert "label_error" in frame.columns
    assert "Label error" in claim_html(r)
