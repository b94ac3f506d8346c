"""``litscan fetch``: all works matching a filter, through the resumable cache."""

from __future__ import annotations

import argparse
import sys

from litscan.commands._fetch_common import (
    add_connection_options,
    check_range,
    settings_from,
    show_progress,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``fetch`` command."""
    p = subparsers.add_parser(
        "fetch",
        help="fetch OpenAlex works matching a filter (resumable)",
        description="Fetch all works matching FILTER with cursor paging; pages are cached, and a "
        "rerun of the same command resumes an interrupted fetch.",
    )
    p.add_argument(
        "--filter",
        required=True,
        dest="filter_",
        metavar="FILTER",
        help='OpenAlex filter, e.g. "authorships.countries:CN,publication_year:2020-2023"',
    )
    p.add_argument(
        "--select",
        help="comma-separated fields (default: the fields litscan uses; 'all' for full records)",
    )
    p.add_argument("--max-works", type=int, help="stop after N works")
    p.add_argument("--sample", type=int, help="random sample of N works (with --seed)")
    p.add_argument("--seed", type=int, help="seed for --sample")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="write the tidy tables into the folder DIR "
        "(works/, authorships/, work_countries/, work_topics/: the layout of "
        "`litscan ingest --out`); a path ending in .parquet writes only the works table",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="fetch nothing: print the number of works, pages, requests and the "
        "estimated cost, from one cheap request (none if the cache is complete)",
    )
    add_connection_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Fetch, then optionally write ``--out``; exit 0 on success."""
    from litscan.openalex.client import OpenAlexClient
    from litscan.openalex.cost import plan_query
    from litscan.openalex.paging import DEFAULT_WORK_FIELDS
    from litscan.workflows.pipeline import fetch as fetch_tables

    check_range("--max-works", args.max_works, 1, 10**9, integer=True)
    check_range("--sample", args.sample, 1, 10_000, integer=True)
    check_range("--seed", args.seed, 0, 2**63 - 1, integer=True)
    select = (
        DEFAULT_WORK_FIELDS
        if args.select is None
        else (None if args.select == "all" else args.select)
    )
    settings = settings_from(args)
    if args.dry_run:
        with OpenAlexClient(settings) as client:
            plan = plan_query(
                args.filter_,
                select=select,
                max_works=args.max_works,
                sample=args.sample,
                seed=args.seed,
                client=client,
                cache_dir=settings.cache_dir,
            )
        print(
            f"works\t{plan.count}\nfetch_items\t{plan.fetch_items}\nper_page\t{plan.per_page}"
            f"\npages\t{plan.pages}\nrequests\t{plan.requests}\n"
            f"cost_usd\t{plan.cost_usd:.6f}\nprice_source\t{plan.price_source}\n"
            f"remaining_usd\t{'' if plan.remaining_usd is None else plan.remaining_usd}\n"
            f"url\t{plan.url}"
        )
        print(
            f"litscan: dry run ({plan.probe_requests} request made): {plan.describe()}",
            file=sys.stderr,
        )
        return 0
    done = fetch_tables(
        args.filter_,
        out=args.out,
        select=select,
        max_works=args.max_works,
        sample=args.sample,
        seed=args.seed,
        settings=settings,
        refresh=args.refresh,
        progress=show_progress(args),
    )
    result = done.result
    m = result.manifest
    state = "complete" if m["complete"] else "stopped at --max-works"
    print(
        f"litscan: {len(result.items):,} works ({state}; OpenAlex count {m['count']}); "
        f"{result.requests_made} requests; cache {result.cache_dir}",
        file=sys.stderr,
    )
    if done.out is not None:
        what = "works table" if done.out.suffix == ".parquet" else "tables folder"
        print(
            f"litscan: wrote {done.tables.works.height:,} works to the {what} {done.out}",
            file=sys.stderr,
        )
    return 0
