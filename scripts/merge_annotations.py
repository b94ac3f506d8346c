"""Merge the annotators' label files of a round with the sampling key into the shipped sheets
``litscan/data/handlabels/<name>_sheet.csv`` (issue 16): round 2 writes ``audit2`` and
``train2``, round 3 ``audit3``.

    python scripts/merge_annotations.py ROUND KEY_DIR LABEL_DIR SHEET_DIR [OUT_DIR]

KEY_DIR holds ``key_<name>.csv`` (from build_annotation_sheets_round<ROUND>.py), SHEET_DIR the
annotator-facing sheets (``<name>_part{1,2}.csv``: the title and abstract), LABEL_DIR the
annotators' files ``<A|B|C>_<name>_*.csv`` with columns
``sheet_id,surveillance,face_recognition,reason`` (a file may cover any subset of a sheet's rows,
e.g. ``A_audit2_part1_a.csv``). Annotators A and B label an audit sheet independently; C labels
a training sheet. Every sheet row must be labelled exactly once per annotator, with values in
{0, 1, b}; anything else stops the merge with the offending file and row.
"""

import csv
import sys
from pathlib import Path

import polars as pl

LABELS = ("surveillance", "face_recognition")
VALUES = {"0", "1", "b"}
#: per round: sheet name -> its annotators
DESIGNS = {"2": {"audit2": ("A", "B"), "train2": ("C",)}, "3": {"audit3": ("A", "B")}}


def read_labels(label_dir: Path, annotator: str, name: str) -> pl.DataFrame:
    frames = []
    for path in sorted(label_dir.glob(f"{annotator}_{name}_*.csv")):
        df = pl.read_csv(path, infer_schema_length=0)
        if df.columns != ["sheet_id", *LABELS, "reason"]:
            sys.exit(f"{path}: columns {df.columns}, expected sheet_id,{','.join(LABELS)},reason")
        for lab in LABELS:
            bad = df.filter(~pl.col(lab).str.strip_chars().is_in(sorted(VALUES)))
            if bad.height:
                sys.exit(f"{path}: {lab} = {bad[lab][0]!r} at {bad['sheet_id'][0]}; expected 0/1/b")
        frames.append(df.with_columns(pl.col(lab).str.strip_chars() for lab in LABELS))
    if not frames:
        sys.exit(f"{label_dir}: no {annotator}_{name}_*.csv")
    out = pl.concat(frames)
    dup = out.filter(pl.col("sheet_id").is_duplicated())
    if dup.height:
        sys.exit(f"{annotator}/{name}: sheet_id {dup['sheet_id'][0]} labelled twice")
    return out


def merge(
    key_dir: Path, label_dir: Path, sheet_dir: Path, name: str, annotators: tuple[str, ...]
) -> pl.DataFrame:
    key = pl.read_csv(key_dir / f"key_{name}.csv", infer_schema_length=0)
    text = pl.concat(
        pl.read_csv(p, infer_schema_length=0) for p in sorted(sheet_dir.glob(f"{name}_part*.csv"))
    )
    out = key.join(text, on="sheet_id", how="left", validate="1:1")
    for ann in annotators:
        lab = read_labels(label_dir, ann, name)
        missing = sorted(set(key["sheet_id"]) - set(lab["sheet_id"]))
        extra = sorted(set(lab["sheet_id"]) - set(key["sheet_id"]))
        if missing or extra:
            sys.exit(f"{ann}/{name}: {len(missing)} rows unlabelled {missing[:5]}, unknown {extra[:5]}")
        if len(annotators) > 1:
            lab = lab.rename({c: f"{ann}_{c}" for c in lab.columns if c != "sheet_id"})
        out = out.join(lab, on="sheet_id", how="left", validate="1:1")
    return out.sort("sheet_id")


def main(rnd: str, key_dir: Path, label_dir: Path, sheet_dir: Path, out_dir: Path) -> None:
    for name, annotators in DESIGNS[rnd].items():
        df = merge(key_dir, label_dir, sheet_dir, name, annotators)
        path = out_dir / f"{name}_sheet.csv"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            wr = csv.writer(fh)
            wr.writerow(df.columns)
            wr.writerows(df.iter_rows())
        tmp.replace(path)
        print(f"{path}: {df.height} rows")


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6) or sys.argv[1] not in DESIGNS:
        sys.exit(__doc__)
    here = Path(__file__).resolve().parents[1] / "litscan" / "data" / "handlabels"
    paths = [Path(a) for a in sys.argv[2:5]]
    main(sys.argv[1], *paths, Path(sys.argv[5]) if len(sys.argv) == 6 else here)
