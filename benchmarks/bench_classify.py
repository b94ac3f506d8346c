"""Benchmark litscan's topic classifier: training time and prediction throughput.

    .venv/bin/python benchmarks/bench_classify.py [--smoke]

Compares litscan's pipeline (normalised text, hashed 1-2-grams with a split() analyzer, tf-idf,
liblinear LR per label) with a plain baseline: sklearn CountVectorizer(1-2-grams) +
LogisticRegression (lbfgs) per label on raw text. Both train one model per learned label on the
arXiv training split and predict the test split; ``speedup_vs_countvec_lr: X.XX`` = baseline
(train + predict) time / litscan (train + predict) time.

Prediction speed (issue 15): the shipped model's ``predict`` (every label: learned, the ai head,
rules, task model) against a plain scikit-learn pipeline on the same raw test texts,
``HashingVectorizer`` (word 1-2-grams, 2**19 features) + ``TfidfTransformer`` (sublinear) +
one-vs-rest liblinear ``LogisticRegression`` over the 5 learned labels, timed alternately (medians
of 3 rounds; the pipeline is fitted on the training split first, not timed). In full mode the
per-text Python path litscan used before (Python regex cleaning, scikit-learn hashing, a regex
pass per text for the rules) is timed too. The last line is ``ratio_vs_sklearn_pipeline: X.XX``
= litscan docs/s / pipeline docs/s (target >= 1).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import polars as pl
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline

from litscan.labels import classify as C
from litscan.labels import inference, textfeatures
from litscan.labels.catalog import LEARNED_LABELS, document_text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true", help="3,000 training papers; seconds")
    ap.add_argument(
        "--predict-only",
        action="store_true",
        help="only the prediction speed against the plain sklearn pipeline (all test papers)",
    )
    args = ap.parse_args()
    ax = C.load_arxiv(C.default_data_dir())
    train, test = ax.filter(pl.col("split") == "train"), ax.filter(pl.col("split") == "test")
    if args.smoke:
        train, test = train.head(1500), test.head(1000)
    labels = [lab for lab in LEARNED_LABELS if lab != "ai"]  # ai is ~94% positive in the listings
    Y = np.stack([train[f"y_{lab}"].to_numpy() for lab in labels], axis=1).astype(np.int8)
    print(f"train {train.height} docs, test {test.height} docs, labels {labels}")
    if args.predict_only:
        raw = [f"{t} {a or ''}" for t, a in zip(train["title"], train["abstract"], strict=True)]
        raw_test = [f"{t} {a or ''}" for t, a in zip(test["title"], test["abstract"], strict=True)]
        ratio = prediction_speed(train, test, Y, raw, raw_test, C.load_model(), smoke=args.smoke)
        print(f"ratio_vs_sklearn_pipeline: {ratio:.2f}")
        return

    # litscan: full fit (with out-of-fold thresholds, as shipped) and a single fit per label
    t0 = time.perf_counter()
    texts = [document_text(t, a) for t, a in zip(train["title"], train["abstract"], strict=True)]
    t_norm = time.perf_counter() - t0
    if not args.smoke:
        t0 = time.perf_counter()
        C.TopicClassifier(labels=labels).fit(texts, Y)
        print(
            f"litscan train (as shipped, 4-fold thresholds): {time.perf_counter() - t0 + t_norm:.1f} s"
        )
    t0 = time.perf_counter()
    ours = C.TopicClassifier(labels=labels, cv_folds=0).fit(texts, Y)
    t_ours_train = time.perf_counter() - t0 + t_norm
    df = test.select("id", "title", "abstract")
    t0 = time.perf_counter()
    C.predict(df, ours)
    t_ours_pred = time.perf_counter() - t0
    shipped = C.load_model()
    t0 = time.perf_counter()
    C.predict(df, shipped)
    print(
        f"shipped model predict (all labels incl. the ai head): {test.height / (time.perf_counter() - t0):,.0f} docs/s"
    )
    print(f"litscan train (one fit per label): {t_ours_train:.1f} s")
    print(
        f"litscan predict (all {len(labels)} learned + rule labels): {test.height / t_ours_pred:,.0f} docs/s"
    )

    # baseline: CountVectorizer + LogisticRegression on raw title + abstract
    raw = [f"{t} {a or ''}" for t, a in zip(train["title"], train["abstract"], strict=True)]
    raw_test = [f"{t} {a or ''}" for t, a in zip(test["title"], test["abstract"], strict=True)]
    t0 = time.perf_counter()
    vec = CountVectorizer(ngram_range=(1, 2))
    X = vec.fit_transform(raw)
    models = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for j in range(len(labels)):
            models.append(LogisticRegression(max_iter=300).fit(X, Y[:, j]))
    t_base_train = time.perf_counter() - t0
    t0 = time.perf_counter()
    Xt = vec.transform(raw_test)
    for m in models:
        m.predict_proba(Xt)
    t_base_pred = time.perf_counter() - t0
    print(
        f"baseline train: {t_base_train:.1f} s; predict {test.height / t_base_pred:,.0f} docs/s "
        f"(vocabulary {len(vec.vocabulary_):,} n-grams)"
    )
    # task labels: the about-ness task model (features + LR) vs the old term rules, same docs
    tm = C.task_model(shipped)
    frame = test.select("title", "abstract")
    test_texts = [document_text(t, a) for t, a in zip(test["title"], test["abstract"], strict=True)]
    t0 = time.perf_counter()
    C.rule_hits(test_texts)
    t_rules = time.perf_counter() - t0
    if tm is not None:
        t0 = time.perf_counter()
        tm.predict_proba(frame)
        t_tasks = time.perf_counter() - t0
        print(
            f"task model (about-ness features + LR): {test.height / t_tasks:,.0f} docs/s; "
            f"old task term rules: {test.height / t_rules:,.0f} docs/s"
        )
    speedup = (t_base_train + t_base_pred) / (t_ours_train + t_ours_pred)
    print(f"speedup_vs_countvec_lr: {speedup:.2f}")
    ratio = prediction_speed(train, test, Y, raw, raw_test, shipped, smoke=args.smoke)
    print(f"ratio_vs_sklearn_pipeline: {ratio:.2f}")


def _python_path(df: pl.DataFrame, model) -> pl.DataFrame:
    """``predict`` as before issue 15: per-text Python cleaning, scikit-learn hashing, the rule
    regexes on every text (same numbers; only for timing)."""
    saved = (inference.document_texts, inference.any_term, C.TopicClassifier._counts)
    inference.document_texts = lambda ts, abs_: [
        document_text(t, a) for t, a in zip(ts, abs_, strict=True)
    ]
    inference.any_term = lambda docs, terms: np.ones(len(docs), dtype=bool)
    C.TopicClassifier._counts = lambda self, texts: self._hasher().transform(texts).tocsr()
    try:
        return C.predict(df, model)
    finally:
        inference.document_texts, inference.any_term, C.TopicClassifier._counts = saved


def prediction_speed(train, test, Y, raw, raw_test, shipped, *, smoke: bool) -> float:
    pipe = make_pipeline(
        HashingVectorizer(n_features=2**19, ngram_range=(1, 2), alternate_sign=False, norm=None),
        TfidfTransformer(sublinear_tf=True),
        OneVsRestClassifier(LogisticRegression(solver="liblinear")),
    ).fit(raw, Y)
    df = test.select("id", "title", "abstract")
    C.predict(df.head(100), shipped)  # warm: numba kernels loaded (compiled once, cached)
    runs: dict[str, list[float]] = {"sklearn": [], "litscan": []}
    for _ in range(1 if smoke else 3):
        t0 = time.perf_counter()
        pipe.predict_proba(raw_test)
        runs["sklearn"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        C.predict(df, shipped)
        runs["litscan"].append(time.perf_counter() - t0)
    med = {k: float(np.median(v)) for k, v in runs.items()}
    n = test.height
    engine = "numba" if textfeatures.HAS_NUMBA else "numpy"
    print(f"plain sklearn pipeline predict (5 labels): {n / med['sklearn']:,.0f} docs/s")
    print(
        f"litscan predict, shipped model, every label ({engine}): {n / med['litscan']:,.0f} docs/s"
    )
    if not smoke:
        t0 = time.perf_counter()
        _python_path(df, shipped)
        print(
            f"litscan predict, per-text Python path (before): {n / (time.perf_counter() - t0):,.0f} docs/s"
        )
    return med["sklearn"] / med["litscan"]


if __name__ == "__main__":
    main()
