"""Model selection for the task model (issue 16): nested cross-validation on the training sheets
only (``litscan.labels.train.TASK_TRAINING_SHEETS``, per label; the held-out audits of
``litscan.labels.evaluate.AUDIT_SHEETS`` are never read here).

    python scripts/task_model_selection.py [--repeats 3]

For every candidate setting (features and C per label) and repeat: 5 outer folds; on each outer
training part :func:`litscan.labels.tasks.fit_task_model` fits the head and picks its threshold by its
own inner cross-validation, exactly as ``litscan classify --train-tasks`` does; the outer fold is
predicted. A setting's threshold rule is a weighted F-beta (``beta``) or, since round 3, a
precision floor (``min_precision``, :func:`litscan.labels.tasks.precision_threshold`). Prints weighted (sampling-weight) precision, recall and F1 of the pooled outer
predictions, strict truth, mean over repeats, and their F0.5. The setting with the best F0.5
goes to ``litscan.labels.tasks.HEAD_SETTINGS``.
"""

import argparse

import numpy as np
from sklearn.model_selection import StratifiedKFold

from litscan.labels import tasks
from litscan.labels.audit import weighted_prf
from litscan.labels.train import load_task_training_data, strict

#: the round-1 feature set (before the video / action-word / skeleton groups)
SURV_BASE = tasks.SURV_FEATURES
#: the issue's targets (strict): a setting qualifies when its cross-validated estimates meet them
TARGETS = {"surveillance": (0.85, 0.70), "face_recognition": (0.80, 0.70)}
FACE_MORE = (*tasks.FACE_FEATURES, "t_reid", "a_person", "t_generic", "c_generic", "t_video")
CANDIDATES = {
    "surveillance": {
        **{
            f"{fs} C={c} beta={b}": {"features": feats, "C": c, "beta": b}
            for fs, feats in (("all", tasks.FEATURES), ("round-1", SURV_BASE))
            for c in (0.3, 1.0, 3.0)
            for b in (1.0, 0.7, 0.5)
        },
        # round 3: the threshold with the most recall whose out-of-fold precision meets a floor
        **{
            f"{fs} C={c} minP={p}": {"features": feats, "C": c, "min_precision": p}
            for fs, feats in (("all", tasks.FEATURES), ("round-1", SURV_BASE))
            for c in (0.3, 1.0, 3.0)
            for p in (0.86, 0.88, 0.90)
        },
    },
    "face_recognition": {
        f"{fs} C={c} beta={b}": {"features": feats, "C": c, "beta": b}
        for fs, feats in (("face", tasks.FACE_FEATURES), ("face+", FACE_MORE))
        for c in (3.0, 10.0)
        for b in (1.0, 0.7, 0.5)
    },
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    for lab, cands in CANDIDATES.items():
        df = load_task_training_data(lab)
        w = df["weight"].to_numpy()
        frame = df.select("title", "abstract")
        print(f"\n{lab} training pool: {df.height} CV papers from {sorted(set(df['sheet']))}")
        y = strict(df[lab])
        print(f"{lab}: {int(y.sum())} positives (weighted prevalence {w[y].sum() / w.sum():.3f})")
        scores = []
        for name, cfg in cands.items():
            res = []
            for rep in range(args.repeats):
                pred = np.zeros(len(y), bool)
                outer = StratifiedKFold(5, shuffle=True, random_state=100 + rep)
                for tr, va in outer.split(frame, y):
                    tm = tasks.fit_task_model(
                        frame[tr], {lab: y[tr]}, w[tr], settings={lab: cfg}, seed=rep
                    )
                    pred[va] = tm.predict(frame[va])[lab]
                r = weighted_prf(y, pred, w)
                res.append((r["precision"], r["recall"], r["f1"]))
            p, r, f = np.mean(res, axis=0)
            f05 = 1.25 * p * r / (0.25 * p + r) if p + r else 0.0
            print(f"  {name:24s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  F0.5 {f05:.3f}", flush=True)
            scores.append((f05, name, p >= TARGETS[lab][0] and r >= TARGETS[lab][1]))
        ok = [s for s in scores if s[2]]
        best = max(ok or scores)
        print(
            f"chosen ({'best F0.5 meeting the targets' if ok else 'none meets the targets: best F0.5'}):"
            f" {best[1]}"
        )


if __name__ == "__main__":
    main()
