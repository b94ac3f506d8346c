"""Tests for litscan.labels.tasks: about-ness features and rule, the task model, its use in predict."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from litscan.errors import ModelError
from litscan.labels import tasks
from litscan.labels.inference import load_model, predict, task_model

# invented titles (synthetic examples, named as such), mirroring the annotation guidelines
EXAMPLES = [
    (
        "ArcMargin: an angular margin loss for deep face recognition",
        "We propose a loss for face verification and evaluate it on LFW and IJB-C.",
        1,
        1,
    ),
    (
        "Real-time face detection on mobile devices",
        "We propose a fast face detector evaluated on WIDER FACE.",
        0,
        0,
    ),
    (
        "StyleGAN-based face editing with disentangled latents",
        "We present a method for face editing; identity is preserved as measured by face "
        "recognition.",
        0,
        0,
    ),
    (
        "Occlusion-aware person re-identification with part attention",
        "We address person re-identification on Market-1501 and DukeMTMC.",
        1,
        0,
    ),
    (
        "Contrastive distillation for compact networks",
        "We propose a distillation method. Experiments on ImageNet, CIFAR and Market-1501.",
        0,
        0,
    ),
    (
        "Vehicle re-identification with viewpoint-aware embeddings",
        "We study vehicle re-identification in traffic cameras.",
        0,
        0,
    ),
    (
        "Density-map crowd counting with scale-aware attention",
        "We propose a crowd counting network evaluated on ShanghaiTech.",
        1,
        0,
    ),
]


def _frame():
    return pl.DataFrame({"title": [e[0] for e in EXAMPLES], "abstract": [e[1] for e in EXAMPLES]})


def test_feature_frame_views_and_shape():
    f = tasks.feature_frame(_frame())
    assert f.columns == list(tasks.FEATURES) and f.height == len(EXAMPLES)
    assert f["t_fr"].to_list()[:3] == [1.0, 0.0, 0.0]
    assert f["t_face_neg"][1] == 1.0 and f["t_face_neg"][2] == 1.0
    # dataset names are read from the abstract only
    assert f["d_reid"][3] == 1.0 and f["t_reid"][4] == 0.0 and f["d_reid"][4] == 1.0
    # contribution sentences: "we ..." sentences count, other sentences do not
    two = pl.DataFrame(
        {"title": ["X"], "abstract": ["Faces are everywhere. Our method tracks cells. Kinship."]}
    )
    g = tasks.feature_frame(two)
    assert g["c_nonhuman"][0] == 1.0  # "Our method tracks cells"
    assert g["c_fr"][0] == 0.0  # "Kinship." is neither first nor a contribution sentence


def test_rule_follows_the_guidelines_examples():
    r = tasks.rule_flags(_frame())
    assert r["surveillance"].astype(int).tolist() == [e[2] for e in EXAMPLES]
    assert r["face_recognition"].astype(int).tolist() == [e[3] for e in EXAMPLES]


def test_fit_is_reproducible_and_threshold_is_a_midpoint():
    rng = np.random.default_rng(0)
    rows = [EXAMPLES[i % len(EXAMPLES)] for i in rng.integers(0, len(EXAMPLES), 80)]
    frame = pl.DataFrame({"title": [r[0] for r in rows], "abstract": [r[1] for r in rows]})
    targets = {
        "surveillance": np.array([r[2] for r in rows]),
        "face_recognition": np.array([r[3] for r in rows]),
    }
    w = rng.uniform(1, 5, 80)
    a = tasks.fit_task_model(frame, targets, w)
    b = tasks.fit_task_model(frame, targets, w)
    assert a.to_dict() == b.to_dict()
    assert a.to_dict() == tasks.TaskModel.from_dict(a.to_dict()).to_dict()
    assert a.heads["surveillance"]["features"] == list(tasks.SURV_FEATURES)
    assert a.heads["face_recognition"]["features"] == list(tasks.FACE_FEATURES)
    pred = a.predict(frame)
    assert (pred["face_recognition"] == targets["face_recognition"].astype(bool)).all()
    y = np.array([0, 0, 1, 1], bool)
    t, f1 = tasks.best_threshold(y, np.array([0.1, 0.2, 0.6, 0.9]), np.ones(4))
    assert f1 == 1.0 and t == pytest.approx((0.2 + 0.6) / 2)


def test_best_threshold_beta_below_one_prefers_precision():
    # scores: a negative at 0.5 sits between two positives (0.4 and 0.9)
    y = np.array([0, 1, 0, 1], bool)
    score = np.array([0.1, 0.4, 0.5, 0.9])
    w = np.ones(4)
    t1, f1 = tasks.best_threshold(y, score, w)  # F1: take all three top scores (P 2/3, R 1)
    t05, f05 = tasks.best_threshold(y, score, w, beta=0.5)  # F0.5: only the top one (P 1, R 1/2)
    assert t1 == pytest.approx((0.1 + 0.4) / 2) and f1 == pytest.approx(0.8)
    assert t05 == pytest.approx((0.5 + 0.9) / 2)
    # F0.5 of precision 1, recall 1/2 by hand: 1.25 * 0.5 / (0.25 + 0.5)
    assert f05 == pytest.approx(1.25 * 0.5 / (0.25 * 1 + 0.5))


def test_precision_threshold_takes_most_recall_whose_stricter_cuts_all_meet_the_floor():
    # scores descending: + + - + - + - -  (weights 1)
    score = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    y = np.array([1, 1, 0, 1, 0, 1, 0, 0], bool)
    w = np.ones(8)
    # precision by cut (by hand): >=0.9 1, >=0.8 1, >=0.7 2/3, >=0.6 3/4, >=0.5 3/5, >=0.4 4/6
    t, p = tasks.precision_threshold(y, score, w, 0.7)
    # 0.6 meets 0.7 on its own (3/4) but the stricter cut 0.7 does not (2/3): stop at 0.8
    assert t == pytest.approx((0.7 + 0.8) / 2) and p == 1.0
    t, p = tasks.precision_threshold(y, score, w, 0.6)
    # every cut down to 0.4 has precision >= 0.6 (3/5 at 0.5 included); 0.3 gives 4/7 < 0.6
    assert t == pytest.approx((0.3 + 0.4) / 2) and p == pytest.approx(4 / 6)
    # weights count: with the negative at 0.7 weighing 0.1 the cuts are 1, 1, 2/2.1, 3/3.1,
    # 3/4.1, 4/5.1 (all >= 0.7), then 4/6.1 < 0.7
    w2 = w.copy()
    w2[2] = 0.1
    t, p = tasks.precision_threshold(y, score, w2, 0.7)
    assert t == pytest.approx((0.3 + 0.4) / 2) and p == pytest.approx(4 / 5.1)
    # a floor the top cut cannot meet: None, and fit_task_model falls back to F-beta
    assert tasks.precision_threshold(~y, score, w, 0.9) is None


def test_fit_task_model_min_precision_setting_raises_the_threshold():
    rng = np.random.default_rng(3)
    n = 200
    pos = rng.random(n) < 0.4
    # a noisy face-recognition signal in the title: some negatives say it too
    says = np.where(pos, rng.random(n) < 0.9, rng.random(n) < 0.25)
    titles = ["Face recognition at scale" if s else "Image deblurring" for s in says]
    frame = pl.DataFrame({"title": titles, "abstract": ["We study images."] * n})
    cfg = {"features": tasks.FACE_FEATURES, "C": 1.0}
    loose = tasks.fit_task_model(
        frame, {"face_recognition": pos}, settings={"face_recognition": cfg}
    )
    strict = tasks.fit_task_model(
        frame, {"face_recognition": pos},
        settings={"face_recognition": {**cfg, "min_precision": 0.99}},
    )  # fmt: skip
    h = strict.heads["face_recognition"]
    # precision 0.99 is out of reach with this signal: recorded, and the F-beta cut is kept
    assert h["min_precision"] == 0.99 and h["min_precision_met"] is False
    assert h["threshold"] == loose.heads["face_recognition"]["threshold"]
    assert "min_precision" not in loose.heads["face_recognition"]


def test_unknown_task_features_are_a_model_error():
    bad = {
        "heads": {
            "surveillance": {
                "features": ["nope"],
                "coef": [1.0],
                "intercept": 0.0,
                "threshold": 0.5,
            }
        }
    }
    with pytest.raises(ModelError, match="nope"):
        tasks.TaskModel.from_dict(bad)


def test_shipped_model_uses_the_task_model():
    model = load_model()
    tm = task_model(model)
    assert tm is not None and set(tm.labels) == set(tasks.MODEL_LABELS)
    df = pl.DataFrame(
        {"id": [str(i) for i in range(len(EXAMPLES))], **_frame().to_dict(as_series=False)}
    )
    out = predict(df, model)
    # face detection and face editing papers are not face recognition any more
    assert out["face_recognition"].to_list()[:3] == [1, 0, 0]
    assert out["surveillance"][0] == 1 and out["surveillance"][4] == 0
    assert ((out["face_recognition"] == 1) <= (out["surveillance"] == 1)).all()
    assert ((out["surveillance"] == 1) <= (out["cv"] == 1)).all()
