"""``litscan audit``: write a blind annotation sheet for a label, or score a filled one."""

from __future__ import annotations

import argparse
from pathlib import Path

from litscan.errors import InputDataError, UsageError
from litscan.fileio import check_input_file


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "audit",
        help="blind audit of a label: write an annotation sheet, or score a filled one",
        description=(
            "Write a blind annotation sheet (CSV + HTML form + key) from a stratified sample of "
            "flagged and unflagged papers, or score a filled sheet: precision, recall and F1 "
            "with Wilson intervals, reweighted to the population."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("label", nargs="?", help="label to audit, e.g. surveillance, face_recognition")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--tables", help="tables folder (works.parquet or works/*.parquet)")
    src.add_argument(
        "--offline", action="store_true", help="use the embedded top-venue papers with abstracts"
    )
    p.add_argument("--sample", type=int, default=100, help="number of papers on the sheet")
    p.add_argument("--seed", type=int, default=0, help="random seed of the sample")
    p.add_argument(
        "--within",
        help="restrict the population to papers flagged with this label (e.g. cv)",
    )
    p.add_argument("--model", help="model file (default: the shipped model)")
    p.add_argument("--out", help="folder for audit_sheet.csv, audit_form.html, audit_key.csv")
    p.add_argument("--score", metavar="SHEET", help="score a filled audit sheet (CSV)")
    p.add_argument("--key", help="key of the sheet (default: audit_key.csv next to SHEET)")
    p.add_argument("--json", help="also write the scores as JSON to this file")
    p.set_defaults(func=run)


def _works(args: argparse.Namespace):
    import polars as pl

    if args.offline:
        from litscan.tables.datasets import load_venue_papers

        works = load_venue_papers().works
        return works.filter(pl.col("abstract").is_not_null()).select("id", "title", "abstract")
    folder = Path(args.tables)
    if not folder.is_dir():
        raise InputDataError(f"--tables {folder}: not a folder", hint="give a tables folder")
    files = [folder / "works.parquet"] if (folder / "works.parquet").is_file() else []
    files += sorted((folder / "works").glob("*.parquet")) if (folder / "works").is_dir() else []
    if not files:
        raise InputDataError(
            f"--tables {folder}: no works.parquet and no works/*.parquet",
            hint="write the tables with `litscan ingest --out` or `litscan fetch --out`",
        )
    files = [check_input_file(f, "works table") for f in files]  # a FIFO would hang
    try:
        works = pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")
    except Exception as exc:  # polars raises several types for unreadable parquet
        raise InputDataError(f"--tables {folder}: works do not read ({exc})") from None
    if "title" not in works.columns or "id" not in works.columns:
        raise InputDataError(f"--tables {folder}: works lack id/title; found {works.columns}")
    if "abstract" not in works.columns:
        works = works.with_columns(pl.lit(None, dtype=pl.Utf8).alias("abstract"))
    return works.select("id", "title", "abstract").filter(pl.col("title").is_not_null())


def run(args: argparse.Namespace) -> int:
    from litscan.fileio import atomic_write_text
    from litscan.labels import audit

    if args.score:
        if args.label and args.out:
            raise UsageError("--score takes the filled SHEET only (no --out)")
        sheet, label = audit.read_sheet(args.score, args.label)
        key_path = Path(args.key) if args.key else Path(args.score).parent / audit.KEY_FILE
        result = audit.score(
            sheet,
            audit.read_key(key_path),
            label,
            where=(f"audit sheet {args.score}", f"key {key_path}"),
        )
        print(audit.format_score(result))
        if args.json:
            atomic_write_text(args.json, audit.score_json(result))
        return 0
    import polars as pl

    from litscan.labels.catalog import ALL_LABELS
    from litscan.labels.inference import load_model

    if not args.label:
        raise UsageError(
            "give a LABEL to audit, or --score SHEET",
            hint="e.g. `litscan audit surveillance --offline --sample 100 --seed 1 --out audit/`",
        )
    for name, lab in (("LABEL", args.label), ("--within", args.within)):
        if lab is not None and lab not in ALL_LABELS:
            raise UsageError(
                f"{name} {lab!r} is not a litscan label; choose from {list(ALL_LABELS)}"
            )
    if not (args.tables or args.offline):
        raise UsageError("say where the papers come from: --tables DIR or --offline")
    if not args.out:
        raise UsageError("--out DIR is required (the sheet, form and key are written there)")
    if args.sample < 2:
        raise UsageError(f"--sample must be at least 2 (one per stratum), got {args.sample}")
    if not 0 <= args.seed < 2**63:
        raise UsageError(f"--seed: expected an integer 0..2^63-1, got {args.seed}")
    works = _works(args)
    sample, paths = audit.make_audit(
        works,
        args.label,
        args.out,
        sample=args.sample,
        seed=args.seed,
        within=args.within,
        model=load_model(args.model),
    )
    counts = sample.group_by("stratum").agg(pl.len(), pl.col("population_size").first())
    desc = ", ".join(
        f"{r['stratum']} {r['len']} of {r['population_size']}"
        for r in counts.sort("stratum").iter_rows(named=True)
    )
    print(f"audit sheet for {args.label}: {desc}; wrote " + ", ".join(str(p) for p in paths))
    return 0
