"""``litscan ingest SNAPSHOT_DIR --out DIR [--filter ...]``: stream an OpenAlex snapshot's works
partitions (gzip JSON Lines and/or Parquet) into litscan's tidy tables, keeping only the works in
scope. Memory is bounded by the batch size; progress is one line per partition on stderr; a
partition that fails is named and recorded, and rerunning the same command resumes (finished
partitions are skipped, failed ones retried). A bad record is skipped and counted (or, with
--on-bad-record fail, fails its partition). Exit code 1 when any partition failed, 2 for bad
options.

Filters (all must hold): ``--filter`` in OpenAlex syntax, e.g.
``publication_year:2015-2024,primary_topic.subfield.id:1702|1707,authorships.countries:CN|US``,
and/or the shortcuts ``--year-from --year-to --subfield --country --type``.
"""

from __future__ import annotations

import argparse
import math
import sys

from litscan.errors import UsageError


def _csv(value: str | None) -> frozenset[str]:
    return frozenset(v.strip() for v in (value or "").split(",") if v.strip())


def _int_at_least_1(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _year(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a year, got {text!r}") from None
    if not -9999 <= value <= 9999:
        raise argparse.ArgumentTypeError(f"expected a year, got {text!r}")
    return value


def _megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a size in MB, got {text!r}") from None
    if not math.isfinite(value) or not 0 < value <= 65536:
        raise argparse.ArgumentTypeError(f"expected a size in MB in (0, 65536], got {text!r}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    from litscan.config import DEFAULT_BATCH_BYTES, DEFAULT_MAX_LINE_BYTES

    p = subparsers.add_parser(
        "ingest",
        help="stream an OpenAlex snapshot (JSONL.gz / Parquet) into tidy parquet tables",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument(
        "snapshot",
        metavar="SNAPSHOT_DIR",
        help="snapshot root (holding data/works/) or its works folder",
    )
    p.add_argument("--out", required=True, help="output folder (OUT/<table>/part-*.parquet)")
    p.add_argument(
        "--filter",
        default=None,
        help="OpenAlex-style filter, e.g. "
        "'publication_year:2015-2024,primary_topic.subfield.id:1702|1707,"
        "authorships.countries:CN|US,type:article'",
    )
    p.add_argument("--year-from", type=_year, default=None, help="first publication year")
    p.add_argument("--year-to", type=_year, default=None, help="last publication year")
    p.add_argument("--subfield", default=None, help="primary-topic subfield ids, e.g. 1702,1707")
    p.add_argument("--country", default=None, help="any author country, e.g. CN,US")
    p.add_argument("--type", default=None, help="work types, e.g. article,preprint")
    p.add_argument(
        "--engine",
        default="local",
        choices=["local", "dask", "spark"],
        help="run the per-partition step here (default), on Dask or on Spark",
    )
    p.add_argument("--workers", type=_int_at_least_1, default=None, help="dask/spark local workers")
    p.add_argument(
        "--jobs",
        type=_int_at_least_1,
        default=None,
        help="partitions at once with --engine local (default: 2 on 2+ cores for big inputs)",
    )
    p.add_argument(
        "--batch-mb",
        type=_megabytes,
        default=DEFAULT_BATCH_BYTES / 2**20,
        help="decompressed JSON per batch (bounds memory; default %(default)s)",
    )
    p.add_argument(
        "--max-line-mb",
        type=_megabytes,
        default=DEFAULT_MAX_LINE_BYTES / 2**20,
        help="a longer line is a bad record, never read whole (default %(default)s)",
    )
    p.add_argument(
        "--on-bad-record",
        choices=["skip", "fail"],
        default="skip",
        help="skip and count a malformed record (default), or fail its partition",
    )
    p.add_argument(
        "--limit", type=_int_at_least_1, default=None, help="only the first N partitions"
    )
    p.add_argument(
        "--restart",
        action="store_true",
        help="forget the state file in OUT (reprocess every partition)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from litscan.tables import ingest as ing
    from litscan.tables.filters import WorkFilter

    flt = WorkFilter.parse(args.filter)
    if args.year_from is not None or args.year_to is not None:
        flt = flt.and_(WorkFilter(year_from=args.year_from, year_to=args.year_to))
    flt = flt.and_(
        WorkFilter(
            subfields=_csv(args.subfield),
            countries=frozenset(c.upper() for c in _csv(args.country)),
            types=_csv(args.type),
        )
    )
    if args.batch_mb <= 0:
        raise UsageError(f"--batch-mb must be positive, got {args.batch_mb}")
    report = ing.ingest(
        args.snapshot,
        args.out,
        flt,
        engine=args.engine,
        workers=args.workers,
        jobs=args.jobs,
        batch_bytes=max(1, int(args.batch_mb * 2**20)),
        max_line_bytes=max(1, int(args.max_line_mb * 2**20)),
        on_bad_record=args.on_bad_record,
        restart=args.restart,
        limit=args.limit,
        progress=ing.stderr_progress,
    )
    secs = report.seconds or 1e-9
    print(
        f"litscan ingest: {len(report.results)} partition(s) processed, {report.skipped} already "
        f"done; {report.rows_in:,} works read, {report.rows_kept:,} kept "
        f"(filter: {report.filter or 'none'}); {report.bytes_in / 1e6:.1f} MB in {secs:.1f} s "
        f"({report.bytes_in / 1e6 / secs:.1f} MB/s) -> {report.out}",
        file=sys.stderr,
    )
    if report.duplicate_ids:
        print(
            f"litscan ingest: warning: {report.duplicate_ids:,} work id(s) occur in more than one "
            "partition (mixed snapshot versions?); deduplicate with .unique('id') before counting",
            file=sys.stderr,
        )
    if report.with_bad_records:
        first = report.with_bad_records[0]
        print(
            f"litscan ingest: warning: {report.bad_records:,} bad record(s) skipped in "
            f"{len(report.with_bad_records)} partition(s) (counted in {report.out}/"
            f"_ingest_state.json), first: {first.issues[0] if first.issues else first.rel}",
            file=sys.stderr,
        )
    if report.failed:
        names = ", ".join(r.rel for r in report.failed)
        print(
            f"litscan ingest: {len(report.failed)} partition(s) failed: {names}; fix or "
            "re-download them and rerun the same command to retry (finished ones are skipped)",
            file=sys.stderr,
        )
        return 1
    return 0
