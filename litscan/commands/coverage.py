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
    from litscan.workflows.coverage import coverage, coverage_summary, write_coverage

    cov = coverage(args.input)
    if args.out == "-":
        sys.stdout.write(cov.write_csv())
        where = "stdout"
    else:
        where = str(write_coverage(cov, args.out))
    print(f"litscan coverage: {coverage_summary(cov)} -> {where}", file=sys.stderr)
    return 0
