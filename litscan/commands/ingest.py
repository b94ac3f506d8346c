"""``litscan ingest SNAPSHOT_DIR --out DIR [--filter ...]``: stream an OpenAlex snapshot's works
partitions (gzip JSON Lines and/or Parquet) into litscan's tidy tables, keeping only the works in
scope. Memory is bounded by the batch size; progress is one line per partition on stderr; a
partition that fails is named and recorded, and rerunning the same command resumes (finished
partitions are skipped, failed ones retried). Exit code 1 when any partition failed.

Filters (all must hold): ``--filter`` in OpenAlex syntax, e.g.
``publication_year:2015-2024,primary_topic.subfield.id:1702|1707,authorships.countries:CN|US``,
and/or the shortcuts ``--year-from --year-to --subfield --country --type``.
"""

from __future__ import annotations

import argparse
import sys

from litscan.errors import UsageError


def _csv(value: str | None) -> frozenset[str]:
    return frozenset(v.strip() for v in (value or "").split(",") if v.strip())


def register(subparsers: argparse._SubParsersAction) -> None:
    from litscan.ingest import DEFAULT_BATCH_BYTES

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
    p.add_argument("--year-from", type=int, default=None)
    p.add_argument("--year-to", type=int, default=None)
    p.add_argument("--subfield", default=None, help="primary-topic subfield ids, e.g. 1702,1707")
    p.add_argument("--country", default=None, help="any author country, e.g. CN,US")
    p.add_argument("--type", default=None, help="work types, e.g. article,preprint")
    p.add_argument(
        "--engine",
        default="local",
        choices=["local", "dask", "spark"],
        help="run the per-partition step here (default), on Dask or on Spark",
    )
    p.add_argument("--workers", type=int, default=None, help="dask/spark local workers")
    p.add_argument(
        "--batch-mb",
        type=float,
        default=DEFAULT_BATCH_BYTES / 2**20,
        help="decompressed JSON per batch (bounds memory; default %(default)s)",
    )
    p.add_argument("--limit", type=int, default=None, help="only the first N partitions")
    p.add_argument(
        "--restart",
        action="store_true",
        help="forget the state file in OUT (reprocess every partition)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from litscan import ingest as ing

    flt = ing.WorkFilter.parse(args.filter)
    if args.year_from is not None or args.year_to is not None:
        flt = flt.and_(ing.WorkFilter(year_from=args.year_from, year_to=args.year_to))
    flt = flt.and_(
        ing.WorkFilter(
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
        batch_bytes=int(args.batch_mb * 2**20),
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
    if report.failed:
        names = ", ".join(r.rel for r in report.failed)
        print(
            f"litscan ingest: {len(report.failed)} partition(s) failed: {names}; fix or "
            "re-download them and rerun the same command to retry (finished ones are skipped)",
            file=sys.stderr,
        )
        return 1
    return 0
