"""``litscan coverage [INPUT] [--out FILE.csv|FILE.html]``: works per venue × year.

INPUT is a tables folder (``fetch``/``ingest --out``), a works JSONL(.gz), ``@fixture`` or
``@venues`` (the default: the embedded top-venue papers). Columns: ``source, year, works,
works_with_countries`` (works with an author country, the ones a country share can use; works
without a venue or year are rows with an empty ``source``/``year``). Without ``--out`` the CSV
goes to stdout; ``--out x.html`` writes two heatmaps. Thin wrapper over
:func:`litscan.workflows.coverage.coverage` (``litscan.coverage`` in a notebook).
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "coverage",
        help="works per venue x year (with and without author countries), as CSV or heatmaps",
        description=__doc__.splitlines()[0],
    )
    p.add_argument(
        "input",
        metavar="INPUT",
        nargs="?",
        default="@venues",
        help="a tables folder, works JSONL(.gz), @fixture or @venues (default: @venues)",
    )
    p.add_argument(
        "--out",
        default="-",
        help="FILE.csv (the table), FILE.html (heatmaps) or '-' (default: CSV to stdout)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import polars as pl

    from litscan.workflows.coverage import coverage, write_coverage

    cov = coverage(args.input)
    if args.out == "-":
        sys.stdout.write(cov.write_csv())
        where = "stdout"
    else:
        where = str(write_coverage(cov, args.out))
    venues = cov.get_column("source").drop_nulls().n_unique()
    years = cov.get_column("year").drop_nulls()
    span = f"{years.min()}–{years.max()}" if years.len() else "none"
    total = int(cov.get_column("works").sum())
    with_c = cov.get_column("works_with_countries").fill_null(0).sum()
    no_venue = int(cov.filter(pl.col("source").is_null()).get_column("works").sum())
    print(
        f"litscan coverage: {venues} venues, years {span}, {total:,} works "
        f"({int(with_c):,} with an author country, {no_venue:,} without a venue) -> {where}",
        file=sys.stderr,
    )
    return 0
