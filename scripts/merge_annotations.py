"""Merge the annotators' label files of a round with its sampling key into the shipped sheets
``litscan/data/handlabels/<name>_sheet.csv`` (issue 16): round 1 writes ``audit`` and ``train``,
round 2 ``audit2`` and ``train2``, round 3 ``audit3`` (parameters in ``ROUNDS`` below).

    python scripts/merge_annotations.py ROUND KEY_DIR LABEL_DIR SHEET_DIR [OUT_DIR]

KEY_DIR holds ``key_<name>.csv`` and SHEET_DIR the annotator-facing sheets (the title and
abstract), both as ``scripts/build_annotation_sheets.py ROUND OUT_DIR`` wrote them: round 1
``OUT_DIR/key_<name>.csv`` and ``OUT_DIR/sheet_<name>.csv`` (KEY_DIR = SHEET_DIR = OUT_DIR),
rounds 2 and 3 ``OUT_DIR/key/key_<name>.csv`` and ``OUT_DIR/sheets/<name>_part{1,2}.csv``.
LABEL_DIR holds the annotators' files ``<A|B|C>_<name>_*.csv`` with columns
``sheet_id,<labels>,reason`` (labels: surveillance, face_recognition, and in round 1 also llm; a
file may cover any subset of a sheet's rows, e.g. ``A_audit2_part1_a.csv``). An audit sheet is
labelled by annotators A and B independently (columns ``A_<label>``, ``B_<label>``); a training
sheet by one annotator (A in round 1, C in round 2; unprefixed columns). Every sheet row must be
labelled exactly once per annotator, with values in {0, 1, b}; anything else stops the merge with
the offending file and row. OUT_DIR defaults to ``litscan/data/handlabels``.

Rows are sorted by sheet_id and written by the csv module: round 1 with LF line ends (as the
round-1 sheets were written), rounds 2 and 3 with CRLF.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import polars as pl

from litscan.errors import InputDataError, LitscanError, UsageError
from litscan.fileio import atomic_write_text

VALUES = {"0", "1", "b"}


@dataclass(frozen=True)
class Design:
    """How one round's sheets were labelled and are stored."""

    sheets: Mapping[str, tuple[str, ...]]  #: sheet name -> its annotators
    labels: tuple[str, ...]  #: label columns of every annotator file
    text_glob: str  #: annotator-facing sheet files in SHEET_DIR ({name} = sheet name)
    lineterminator: str  #: of the merged CSV


ROUNDS: Mapping[str, Design] = MappingProxyType({
    "1": Design(
        MappingProxyType({"audit": ("A", "B"), "train": ("A",)}),
        ("surveillance", "face_recognition", "llm"),
        "sheet_{name}.csv",
        "\n",
    ),
    "2": Design(
        MappingProxyType({"audit2": ("A", "B"), "train2": ("C",)}),
        ("surveillance", "face_recognition"),
        "{name}_part*.csv",
        "\r\n",
    ),
    "3": Design(
        MappingProxyType({"audit3": ("A", "B")}),
        ("surveillance", "face_recognition"),
        "{name}_part*.csv",
        "\r\n",
    ),
})  # fmt: skip


def read_labels(
    label_dir: Path, annotator: str, name: str, labels: tuple[str, ...]
) -> pl.DataFrame:
    """One annotator's labels of one sheet, from all of their files; values checked."""
    frames = []
    for path in sorted(label_dir.glob(f"{annotator}_{name}_*.csv")):
        df = pl.read_csv(path, infer_schema_length=0)
        if df.columns != ["sheet_id", *labels, "reason"]:
            raise InputDataError(
                f"{path}: columns {','.join(df.columns)}, expected sheet_id,{','.join(labels)},reason"
            )
        for lab in labels:
            bad = df.filter(~pl.col(lab).str.strip_chars().is_in(sorted(VALUES)))
            if bad.height:
                raise InputDataError(
                    f"{path}: {lab} = {bad[lab][0]!r} at {bad['sheet_id'][0]}; expected 0/1/b"
                )
        frames.append(df.with_columns(pl.col(lab).str.strip_chars() for lab in labels))
    if not frames:
        raise InputDataError(f"{label_dir}: no {annotator}_{name}_*.csv")
    out = pl.concat(frames)
    dup = out.filter(pl.col("sheet_id").is_duplicated())
    if dup.height:
        raise InputDataError(f"{annotator}/{name}: sheet_id {dup['sheet_id'][0]} labelled twice")
    return out


def merge(
    key_dir: Path, label_dir: Path, sheet_dir: Path, name: str, annotators: tuple[str, ...],
    design: Design,
) -> pl.DataFrame:  # fmt: skip
    """Key + title/abstract + each annotator's labels of one sheet, sorted by sheet_id."""
    key_path = key_dir / f"key_{name}.csv"
    if not key_path.is_file():
        raise InputDataError(f"{key_path}: sampling key not found")
    key = pl.read_csv(key_path, infer_schema_length=0)
    text_files = sorted(sheet_dir.glob(design.text_glob.format(name=name)))
    if not text_files:
        raise InputDataError(f"{sheet_dir}: no {design.text_glob.format(name=name)}")
    text = pl.concat(pl.read_csv(p, infer_schema_length=0) for p in text_files)
    out = key.join(text, on="sheet_id", how="left", validate="1:1")
    for ann in annotators:
        lab = read_labels(label_dir, ann, name, design.labels)
        missing = sorted(set(key["sheet_id"]) - set(lab["sheet_id"]))
        extra = sorted(set(lab["sheet_id"]) - set(key["sheet_id"]))
        if missing or extra:
            raise InputDataError(
                f"{ann}/{name}: {len(missing)} rows unlabelled {missing[:5]}, unknown {extra[:5]}"
            )
        if len(annotators) > 1:
            lab = lab.rename({c: f"{ann}_{c}" for c in lab.columns if c != "sheet_id"})
        out = out.join(lab, on="sheet_id", how="left", validate="1:1")
    return out.sort("sheet_id")


def csv_text(df: pl.DataFrame, lineterminator: str) -> str:
    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator=lineterminator)
    wr.writerow(df.columns)
    wr.writerows(df.iter_rows())
    return buf.getvalue()


def main(rnd: str, key_dir: Path, label_dir: Path, sheet_dir: Path, out_dir: Path) -> None:
    if rnd not in ROUNDS:
        raise UsageError(f"round {rnd!r}: unknown, expected one of {', '.join(ROUNDS)}")
    design = ROUNDS[rnd]
    for name, annotators in design.sheets.items():
        df = merge(key_dir, label_dir, sheet_dir, name, annotators, design)
        path = atomic_write_text(out_dir / f"{name}_sheet.csv", csv_text(df, design.lineterminator))
        print(f"{path}: {df.height} rows")


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6) or sys.argv[1] not in ROUNDS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    here = Path(__file__).resolve().parents[1] / "litscan" / "data" / "handlabels"
    paths = [Path(a) for a in sys.argv[2:5]]
    try:
        main(sys.argv[1], *paths, Path(sys.argv[5]) if len(sys.argv) == 6 else here)
    except LitscanError as exc:
        print(f"merge_annotations: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
