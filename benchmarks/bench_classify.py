"""Benchmark litscan's topic classifier: training time and prediction throughput.

    .venv/bin/python benchmarks/bench_classify.py [--smoke]

Compares litscan's pipeline (normalised text, hashed 1-2-grams with a split() analyzer, tf-idf,
liblinear LR per label) with a plain baseline: sklearn CountVectorizer(1-2-grams) +
LogisticRegression (lbfgs) per label on raw text. Both train one model per learned label on the
arXiv training split and predict the test split. The last line is
``speedup_vs_countvec_lr: X.XX`` = baseline (train + predict) time / litscan (train + predict) time.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import polars as pl
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from litscan import classify as C
from litscan.labels import LEARNED_LABELS, document_text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true", help="3,000 training papers; seconds")
    args = ap.parse_args()
    ax = C.load_arxiv(C.default_data_dir())
    train, test = ax.filter(pl.col("split") == "train"), ax.filter(pl.col("split") == "test")
    if args.smoke:
        train, test = train.head(1500), test.head(1000)
    labels = [lab for lab in LEARNED_LABELS if lab != "ai"]  # ai is ~94% positive in the listings
    Y = np.stack([train[f"y_{lab}"].to_numpy() for lab in labels], axis=1).astype(np.int8)
    print(f"train {train.height} docs, test {test.height} docs, labels {labels}")

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


if __name__ == "__main__":
    main()
