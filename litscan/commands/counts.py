"""``litscan counts``: OpenAlex group_by counts (all groups, unknown group reported)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from litscan.commands._fetch_common import add_connection_options, settings_from, show_progress
from litscan.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``counts`` command."""
    p = subparsers.add_parser(
        "counts",
        help="count works per group (OpenAlex group_by, all groups)",
        description="Count works matching FILTER per value of KEY, following the cursor past "
        "200 groups; the 'unknown' group is always reported.",
    )
    p.add_argument(
        "--filter", default=None, dest="filter_", metavar="FILTER", help="OpenAlex filter"
    )
    p.add_argument("--group-by", required=True, help="e.g. authorships.countries, publication_year")
    p.add_argument("--out", help="write key,key_display_name,count (.csv or .parquet)")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="fetch nothing: print works, groups, pages, requests and the estimated "
        "cost, from one cheap request (none if the cache is complete)",
    )
    add_connection_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the group_by query; print the table or write ``--out``; exit 0 on success."""
    from litscan.openalex.client import OpenAlexClient
    from litscan.openalex.cost import plan_query
    from litscan.openalex.groupby import count_by

    if args.out and not args.out.endswith((".csv", ".parquet")):
        raise UsageError(f"--out: expected a .csv or .parquet path, got {args.out!r}")
    settings = settings_from(args)
    if args.dry_run:
        with OpenAlexClient(settings) as client:
            plan = plan_query(
                args.filter_, group_by=args.group_by, client=client, cache_dir=settings.cache_dir
            )
        print(
            f"works\t{plan.count}\ngroups\t{plan.groups}\nper_page\t{plan.per_page}\n"
            f"pages\t{plan.pages}\nrequests\t{plan.requests}\ncost_usd\t{plan.cost_usd:.6f}\n"
            f"price_source\t{plan.price_source}\nurl\t{plan.url}"
        )
        print(
            f"litscan: dry run ({plan.probe_requests} request made): {plan.describe()}",
            file=sys.stderr,
        )
        return 0
    with OpenAlexClient(settings) as client:
        df = count_by(
            args.filter_,
            args.group_by,
            client=client,
            cache_dir=settings.cache_dir,
            per_page=settings.per_page,
            refresh=args.refresh,
            progress=show_progress(args),
        )
    if args.out:
        from litscan.fileio import atomic_path

        out = Path(args.out)
        with atomic_path(out) as tmp:
            df.write_parquet(tmp) if out.suffix == ".parquet" else df.write_csv(tmp)
        print(f"litscan: wrote {df.height} groups to {out}", file=sys.stderr)
    else:
        sys.stdout.write(df.write_csv())
    return 0
