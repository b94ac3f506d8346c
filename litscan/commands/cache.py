"""``litscan cache list|clear``: what the OpenAlex cache holds, and removing it.

list: one line per cached query (state, items, pages, size, when, query URL without the key).
clear: remove cached queries (all, those whose URL contains --match, or only --incomplete ones);
a query another process is fetching right now is skipped and named.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "cache",
        help="list or clear the on-disk OpenAlex cache",
        description=__doc__.split("\n\n")[0],
    )
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (
        ("list", "list the cached queries"),
        ("clear", "remove cached queries (all, --match TEXT or --incomplete)"),
    ):
        a = sub.add_parser(name, help=text, description=text)
        a.add_argument(
            "--cache-dir",
            help="the cache folder (default: LITSCAN_CACHE, then the user cache folder, e.g. ~/.cache/litscan/openalex)",
        )
        if name == "list":
            a.add_argument(
                "--format",
                choices=["text", "csv"],
                default="text",
                help="one line per query, or CSV on stdout",
            )
        else:
            a.add_argument("--match", metavar="TEXT", help="only queries whose URL contains TEXT")
            a.add_argument(
                "--incomplete", action="store_true", help="only queries whose fetch did not finish"
            )
            a.add_argument(
                "--dry-run", action="store_true", help="print what would be removed, remove nothing"
            )
        a.set_defaults(func=run)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from litscan.config import resolve_settings
    from litscan.openalex.cache_admin import cache_frame, clear_cache, describe, list_cache

    root = resolve_settings(cache_dir=args.cache_dir).cache_dir
    if args.action == "list":
        entries = list_cache(root)
        if args.format == "csv":
            sys.stdout.write(cache_frame(entries).write_csv())
        elif entries:
            print(describe(entries))
        total = sum(e.bytes for e in entries) / 1e6
        if not args.quiet:
            print(f"litscan cache: {len(entries)} cached quer{'y' if len(entries) == 1 else 'ies'}"
                  f", {total:.1f} MB in {root}", file=sys.stderr)  # fmt: skip
        return 2 if any(e.problem for e in entries) else 0
    removed, skipped = clear_cache(
        root, match=args.match, incomplete_only=args.incomplete, dry_run=args.dry_run
    )
    verb = "would remove" if args.dry_run else "removed"
    for e in removed:
        if not args.quiet:
            print(f"{verb} {e.path}  {e.url or e.problem}")
    for e, why in skipped:
        print(f"litscan cache: skipped {e.path}: {why}", file=sys.stderr)
    mb = sum(e.bytes for e in removed) / 1e6
    print(f"litscan cache: {verb} {len(removed)} quer{'y' if len(removed) == 1 else 'ies'} "
          f"({mb:.1f} MB) from {root}", file=sys.stderr)  # fmt: skip
    return 1 if skipped else 0
