"""``litscan shares INPUT --by country[,year][,label] --counting whole|fractional [--out FILE.csv]``.

INPUT is a tables folder (the layout ``litscan ingest --out`` and ``litscan fetch --out DIR``
write, or flat ``works.parquet`` + ``authorships.parquet``/``work_countries.parquet``), raw
OpenAlex works (JSON lines, ``.gz`` allowed, or a JSON array), a single parquet table
(authorships, work_countries, or an aggregate count table -> the counts path), or one of the
embedded data sets ``@fixture``, ``@venues``, ``@counts``. Without ``--out`` the CSV goes to
stdout (the one-line summary to stderr). Thin wrapper over
:func:`litscan.workflows.pipeline.shares` (``litscan.shares`` in a notebook).
"""

from __future__ import annotations

import argparse
import sys

from litscan.config import DEFAULT_MIN_WORKS
from litscan.fileio import atomic_write_text


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "shares",
        help="country shares (whole/fractional counting) with bootstrap intervals, as CSV",
        description=__doc__.splitlines()[0],
    )
    p.add_argument(
        "input",
        metavar="INPUT",
        help="a tables folder (ingest/fetch --out), works "
        "JSONL(.gz), a parquet table, or @fixture / @venues / @counts",
    )
    p.add_argument(
        "--by",
        default="country",
        help="comma list: country, year, label or any works column (default: country)",
    )
    p.add_argument(
        "--counting",
        default="fractional",
        choices=["whole", "fractional", "both"],
        help="whole: 1 per country on a work; fractional: a work's 1 split over its "
        "authors' countries (Leiden); both: one set of rows each",
    )
    p.add_argument(
        "--country-source",
        default="authorships",
        choices=["authorships", "institutions"],
        help="authorships[].countries (default) or institution country codes",
    )
    p.add_argument(
        "--labels",
        default="subfield",
        help="where 'label' comes from: subfield, "
        "field, topic, domain (OpenAlex primary topic) or a work_labels parquet file",
    )
    p.add_argument(
        "--top",
        type=float,
        default=None,
        help="restrict to the top x share by "
        "citations within year (e.g. 0.10); ties split fractionally (Leiden)",
    )
    p.add_argument(
        "--unknown",
        default="report",
        choices=["report", "include"],
        help="works without any country: report them as an 'unknown' row outside "
        "the denominator, or include them as a pseudo-country",
    )
    p.add_argument(
        "--truncated",
        default="flag",
        choices=["flag", "exclude"],
        help="works with truncated author lists: flag (n_truncated column) or exclude",
    )
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (0 = none)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (0..2^32-1)")
    p.add_argument(
        "--min-works",
        type=int,
        default=DEFAULT_MIN_WORKS,
        help="rows with fewer works are flagged low_n",
    )
    p.add_argument(
        "--out", default="-", help="output CSV file (default '-': the CSV goes to stdout)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from litscan.workflows.pipeline import shares, shares_method

    out = shares(
        args.input,
        by=args.by,
        counting=args.counting,
        country_source=args.country_source,
        labels=args.labels,
        top=args.top,
        unknown=args.unknown,
        truncated=args.truncated,
        resamples=args.resamples,
        seed=args.seed,
        min_works=args.min_works,
    )
    counts_path = out.height > 0 and out.get_column("path")[0] == "counts"
    note = shares_method(
        counts_path=counts_path,
        counting=args.counting,
        country_source=args.country_source,
        resamples=args.resamples,
        seed=args.seed,
    )
    if args.out == "-":
        sys.stdout.write(out.write_csv())
    else:
        atomic_write_text(args.out, out.write_csv())
    n_low = int(out.get_column("low_n").sum())
    print(
        f"litscan shares: {out.height} rows ({n_low} low_n) -> "
        f"{'stdout' if args.out == '-' else args.out}; {note}",
        file=sys.stderr,
    )
    return 0
