"""Round-2 blind annotation sheets for issue 16 (labels surveillance and face_recognition), as drawn
for litscan/data/handlabels/{audit2,train2}_sheet.csv.

    git show 09ed03b:litscan/data/models/topics.npz > /tmp/topics-09ed03b.npz
    python scripts/build_annotation_sheets_round2.py OUT_DIR /tmp/topics-09ed03b.npz

writes sheets/{audit2,train2}_part{1,2}.csv (sheet_id, title, abstract: what annotators see) and
key/key_{audit2,train2}.csv (sheet_id -> work id, stratum, weight) to OUT_DIR. Seed fixed.

Population: the embedded CV-venue papers (CVPR, ICCV, WACV, 3DV) with an abstract of more than 50
characters (9,652), minus the 220 CV papers of the round-1 sheets: 9,432 papers. Strata, from the
model shipped at commit 09ed03b (the one the round-1 audit measured; frozen before any round-2
label existed) and a classifier-independent keyword net:

  F    : flagged face_recognition
  S    : flagged surveillance, not face_recognition
  near : not flagged, but a task-model probability >= 0.1 or the about-ness rule fires
  K    : none of the above; the keyword net (face / people terms) hits
  O    : the rest

Per stratum a simple random sample without replacement (numpy default_rng(SEED)); the first
AUDIT_N papers go to the audit sheet, the next TRAIN_N to the training sheet. Weight = N_h / n_h.
Rows are shuffled and numbered (R001... audit, U001... training) and split into two halves.
"""

import csv
import sys
from pathlib import Path

import numpy as np
import polars as pl

from litscan.labels import tasks
from litscan.labels.inference import load_model, predict
from litscan.labels.train import HANDLABEL_DIR
from litscan.tables.datasets import load_venue_papers

SEED = 20261203
AUDIT_N = {"F": 50, "S": 80, "near": 30, "K": 40, "O": 15}
TRAIN_N = {"F": 40, "S": 60, "near": 30, "K": 30, "O": 10}
FACE = r"\bface|\bfacial"
PEOPLE = (
    r"person|people|pedestrian|crowd|surveillance|cctv|gait|re-?identification|\breid\b|re-id\b"
    r"|tracking|tracker|action recognition|activity recognition|anomal|biometric|identity"
    r"|expression recognition|emotion recogn|human action|spoof"
)


def population(
    model_path: str, exclude: tuple[str, ...] = ("audit_sheet.csv", "train_sheet.csv")
) -> pl.DataFrame:
    w = load_venue_papers().works.filter(
        pl.col("abstract").is_not_null() & (pl.col("abstract").str.len_chars() > 50)
    )
    cv = w.filter(pl.col("venue_field") == "CV").sort("id")
    model = load_model(model_path)
    probs = tasks.TaskModel.from_dict(model.meta_["tasks"]).predict_proba(cv)
    flags = predict(cv.select("id", "title", "abstract"), model)
    rules = tasks.rule_flags(cv)
    used: set[str] = set()
    for name in exclude:
        used |= set(pl.read_csv(HANDLABEL_DIR / name, infer_schema_length=0)["work_id"])
    txt = (pl.col("title") + " " + pl.col("abstract")).str.to_lowercase()
    df = cv.select("id", "title", "abstract").with_columns(
        f_face=pl.Series(flags["face_recognition"].to_numpy() == 1),
        f_surv=pl.Series(flags["surveillance"].to_numpy() == 1),
        near=pl.Series(
            (probs["face_recognition"] >= 0.1)
            | (probs["surveillance"] >= 0.1)
            | rules["face_recognition"]
            | rules["surveillance"]
        ),
        net=txt.str.contains(FACE) | txt.str.contains(PEOPLE),
    )
    df = df.filter(~pl.col("id").is_in(list(used)))
    return df.with_columns(
        stratum=pl.when(pl.col("f_face"))
        .then(pl.lit("F"))
        .when(pl.col("f_surv"))
        .then(pl.lit("S"))
        .when(pl.col("near"))
        .then(pl.lit("near"))
        .when(pl.col("net"))
        .then(pl.lit("K"))
        .otherwise(pl.lit("O"))
    )


def write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        wr = csv.DictWriter(fh, fieldnames=list(rows[0]))
        wr.writeheader()
        wr.writerows(rows)


def main(out: Path, model_path: str) -> None:
    df = population(model_path)
    rng = np.random.default_rng(SEED)
    rows: dict[str, list] = {"audit": [], "train": []}
    for s in AUDIT_N:
        ids = df.filter(pl.col("stratum") == s)["id"].to_list()
        perm = rng.permutation(len(ids))
        na, nt = AUDIT_N[s], TRAIN_N[s]
        for name, picks, n in (("audit", perm[:na], na), ("train", perm[na : na + nt], nt)):
            rows[name] += [(ids[i], s, n, len(ids)) for i in sorted(picks)]
    by_id = {r["id"]: r for r in df.iter_rows(named=True)}
    for name, prefix in (("audit", "R"), ("train", "U")):
        order = rng.permutation(len(rows[name]))
        sheet, key = [], []
        for k, j in enumerate(order, 1):
            wid, s, n, big_n = rows[name][j]
            rec = by_id[wid]
            sid = f"{prefix}{k:03d}"
            sheet.append(
                {
                    "sheet_id": sid,
                    "title": " ".join(rec["title"].split()),
                    "abstract": " ".join(rec["abstract"].split()),
                }
            )
            key.append(
                {
                    "sheet_id": sid,
                    "work_id": wid,
                    "population": "cv",
                    "stratum": s,
                    "n_sampled": n,
                    "population_size": big_n,
                    "weight": big_n / n,
                    "inclusion_probability": n / big_n,
                }
            )
        half = (len(sheet) + 1) // 2
        write(out / "sheets" / f"{name}2_part1.csv", sheet[:half])
        write(out / "sheets" / f"{name}2_part2.csv", sheet[half:])
        write(out / "key" / f"key_{name}2.csv", key)
        print(name, len(sheet))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
