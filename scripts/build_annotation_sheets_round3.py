"""Round-3 blind audit sheet for issue 16 (labels surveillance and face_recognition), as drawn
for litscan/data/handlabels/audit3_sheet.csv.

    git show c48936c:litscan/data/models/topics.npz > /tmp/topics-c48936c.npz
    python scripts/build_annotation_sheets_round3.py OUT_DIR /tmp/topics-c48936c.npz

writes sheets/audit3_part{1,2}.csv (sheet_id, title, abstract: what annotators see) and
key/key_audit3.csv (sheet_id -> work id, stratum, weight) to OUT_DIR. Seed fixed.

Round 3 draws an audit sheet only: the round-3 model trains on every earlier sheet (round 2's
audit included), so it needs a fresh held-out sample. Population: the embedded CV-venue papers
with an abstract of more than 50 characters, minus the CV papers of all four earlier sheets
(train, audit, train2, audit2). Strata as in round 2 (F, S, near, K, O; see
build_annotation_sheets_round2.py), from the round-2 model shipped at commit c48936c, frozen
before any round-3 label existed. Per stratum a simple random sample without replacement;
weight = N_h / n_h. Only 9 unsampled papers are
still flagged face_recognition, so stratum F is taken whole: face_recognition stays audited on
audit2 (the round-3 model trains its face head without audit2), surveillance moves to audit3. Rows shuffled, numbered V001..., split into two halves.
"""

import sys
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_annotation_sheets_round2 import population, write  # noqa: E402

SEED = 20261204
AUDIT_N = {"F": 9, "S": 110, "near": 40, "K": 35, "O": 15}
EXCLUDE = ("audit_sheet.csv", "train_sheet.csv", "train2_sheet.csv", "audit2_sheet.csv")


def main(out: Path, model_path: str) -> None:
    df = population(model_path, EXCLUDE)
    rng = np.random.default_rng(SEED)
    rows = []
    for s, n in AUDIT_N.items():
        ids = df.filter(pl.col("stratum") == s)["id"].to_list()
        if n > len(ids):
            sys.exit(f"stratum {s}: {len(ids)} papers, cannot sample {n}")
        perm = rng.permutation(len(ids))
        rows += [(ids[i], s, n, len(ids)) for i in sorted(perm[:n])]
        print(s, len(ids), n)
    by_id = {r["id"]: r for r in df.iter_rows(named=True)}
    sheet, key = [], []
    for k, j in enumerate(rng.permutation(len(rows)), 1):
        wid, s, n, big_n = rows[j]
        rec = by_id[wid]
        sid = f"V{k:03d}"
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
    write(out / "sheets" / "audit3_part1.csv", sheet[:half])
    write(out / "sheets" / "audit3_part2.csv", sheet[half:])
    write(out / "key" / "key_audit3.csv", key)
    print("audit3", len(sheet), "population", df.height)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
