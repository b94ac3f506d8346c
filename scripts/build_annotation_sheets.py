"""Blind annotation sheets for the labels audit (issue 16), as drawn for litscan/data/handlabels/.

    python scripts/build_annotation_sheets.py OUT_DIR

writes sheet_{audit,train}.csv (sheet_id, title, abstract: what annotators see) and
key_{audit,train}.csv (sheet_id -> work id, stratum, weight) to OUT_DIR. Seed fixed.

Populations (embedded top-venue papers, abstract of > 50 characters):
  cv    = venue_field CV (CVPR, ICCV, WACV, 3DV), all years
  nlpml = venue_field NLP or ML, years 2022-2025
Strata = a wide keyword net that does not depend on any classifier:
  cv_face   : 'face'/'facial' in title+abstract
  cv_people : not cv_face, and any person/crowd/surveillance/tracking/action term
  cv_other  : the rest of cv
  nl_llm    : any LLM/language-model/prompt/transformer term
  nl_other  : the rest of nlpml
Within each stratum: the audit sample first (simple random sample without replacement), then the
training sample from the remaining papers. Weight = N_h / n_h.
"""

import csv
import sys
from pathlib import Path

import numpy as np
import polars as pl

from litscan.tables.datasets import load_venue_papers

SEED = 20261202
FACE = r"\bface|\bfacial"
PEOPLE = (
    r"person|people|pedestrian|crowd|surveillance|cctv|gait|re-?identification|\breid\b|re-id\b"
    r"|tracking|tracker|action recognition|activity recognition|anomal|biometric|identity"
    r"|expression recognition|emotion recogn|human action|spoof"
)
LLM = (
    r"language model|\bllms?\b|\bgpt|chatgpt|llama|\bprompt|instruction[- ]tun|\bmllm|\blvlm"
    r"|vision-language|chatbot|in-context|large reasoning|\bqwen|mistral|gemini|claude|deepseek"
    r"|foundation model|transformer"
)
AUDIT_N = {"cv_face": 38, "cv_people": 36, "cv_other": 26, "nl_llm": 55, "nl_other": 45}
TRAIN_N = {"cv_face": 50, "cv_people": 45, "cv_other": 25, "nl_llm": 65, "nl_other": 55}

w = load_venue_papers().works.filter(
    pl.col("abstract").is_not_null() & (pl.col("abstract").str.len_chars() > 50)
)
txt = (pl.col("title") + " " + pl.col("abstract")).str.to_lowercase()
cv = w.filter(pl.col("venue_field") == "CV").with_columns(
    stratum=pl.when(txt.str.contains(FACE))
    .then(pl.lit("cv_face"))
    .when(txt.str.contains(PEOPLE))
    .then(pl.lit("cv_people"))
    .otherwise(pl.lit("cv_other")),
    population=pl.lit("cv"),
)
nl = w.filter(
    pl.col("venue_field").is_in(["NLP", "ML"]) & pl.col("year").is_between(2022, 2025)
).with_columns(
    stratum=pl.when(txt.str.contains(LLM)).then(pl.lit("nl_llm")).otherwise(pl.lit("nl_other")),
    population=pl.lit("nlpml"),
)
pop = pl.concat([cv, nl]).select("id", "title", "abstract", "population", "stratum").sort("id")
rng = np.random.default_rng(SEED)
rows = {"audit": [], "train": []}
for stratum in AUDIT_N:
    ids = pop.filter(pl.col("stratum") == stratum)["id"].to_list()
    big_n = len(ids)
    perm = rng.permutation(big_n)
    na, nt = AUDIT_N[stratum], TRAIN_N[stratum]
    for name, picks, n in (("audit", perm[:na], na), ("train", perm[na : na + nt], nt)):
        for i in sorted(picks):
            rows[name].append((ids[i], stratum, n, big_n))
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("annotation")
OUT.mkdir(parents=True, exist_ok=True)
for name, prefix in (("audit", "A"), ("train", "T")):
    order = rng.permutation(len(rows[name]))
    sheet, key = [], []
    by_id = {
        r["id"]: r
        for r in pop.filter(pl.col("id").is_in([r[0] for r in rows[name]])).iter_rows(named=True)
    }
    for k, j in enumerate(order, 1):
        wid, stratum, n, big_n = rows[name][j]
        sid = f"{prefix}{k:03d}"
        rec = by_id[wid]
        sheet.append(
            {
                "sheet_id": sid,
                "title": rec["title"].strip(),
                "abstract": " ".join(rec["abstract"].split()),
            }
        )
        key.append(
            {
                "sheet_id": sid,
                "work_id": wid,
                "population": rec["population"],
                "stratum": stratum,
                "n_sampled": n,
                "population_size": big_n,
                "weight": big_n / n,
                "inclusion_probability": n / big_n,
            }
        )
    for fname, data in ((OUT / f"sheet_{name}.csv", sheet), (OUT / f"key_{name}.csv", key)):
        with open(fname, "w", newline="", encoding="utf-8") as fh:
            wr = csv.DictWriter(fh, fieldnames=list(data[0]))
            wr.writeheader()
            wr.writerows(data)
    print(name, len(sheet))
print(pop.group_by("stratum").len().sort("stratum"))
