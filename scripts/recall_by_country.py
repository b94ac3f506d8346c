"""Recall of the shipped task labels by author country on the blind audits (a diagnostic).

Run: ``python scripts/recall_by_country.py``. For each audited task label, the strict positives
of its blind audit sheet (annotators A and B both ``1``) with an author of the country, and the
sampling-weighted share of them the shipped labels flag (``venue_labels.parquet``). A paper
counts for every country on it. No interval: the sheets hold a few dozen positives per country
and their weights vary, so this only tells whether the equal-recall assumption of the
label-error rows (docs/aggregation.md, "Label error per stratum") is plausible.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from litscan.tables import datasets  # noqa: E402

DATA = REPO / "litscan" / "data"
SHEETS = {"surveillance": "audit3_sheet.csv", "face_recognition": "audit2_sheet.csv"}
COUNTRIES = ("CN", "US")


def recall_by_country(label: str, sheet: str) -> list[dict]:
    s = pl.read_csv(DATA / "handlabels" / sheet, infer_schema_length=0).with_columns(
        pl.col("weight").cast(pl.Float64),
        ((pl.col(f"A_{label}") == "1") & (pl.col(f"B_{label}") == "1")).alias("positive"),
    )
    flags = pl.read_parquet(DATA / "venue_labels.parquet").filter(
        (pl.col("label") == f"classifier:{label}") & pl.col("flag")
    )
    pos = s.filter(pl.col("positive")).with_columns(
        pl.col("work_id").is_in(flags["work_id"].implode()).alias("flagged")
    )
    wc = datasets.load_venue_papers(with_countries_only=True).work_countries
    out = []
    for code in COUNTRIES:
        ids = wc.filter(pl.col("country_code") == code)["work_id"].implode()
        p = pos.filter(pl.col("work_id").is_in(ids))
        w = p["weight"]
        out.append({
            "label": label, "sheet": sheet, "country": code, "positives": p.height,
            "recall_weighted": float((w * p["flagged"]).sum() / w.sum()) if p.height else None,
            "recall_unweighted": float(p["flagged"].mean()) if p.height else None,
        })  # fmt: skip
    return out


def main() -> None:
    rows = [r for label, sheet in SHEETS.items() for r in recall_by_country(label, sheet)]
    with pl.Config(tbl_rows=20, tbl_cols=10):
        print(pl.DataFrame(rows))


if __name__ == "__main__":
    main()
