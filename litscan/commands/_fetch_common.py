"""Options shared by ``litscan fetch`` and ``litscan counts``."""

from __future__ import annotations

import argparse
import logging
import sys

from litscan.config import Settings, resolve_settings


def add_connection_options(p: argparse.ArgumentParser) -> None:
    """Add --base-url, --cache-dir, --per-page, --timeout, --retries, --max-rps, --refresh."""
    p.add_argument("--base-url", help="OpenAlex API base URL (default: LITSCAN_OPENALEX_URL, "
                   "then https://api.openalex.org); the key comes from OPENALEX_API_KEY")
    p.add_argument("--cache-dir", help="cache directory (default: LITSCAN_CACHE, then ./cache)")
    p.add_argument("--per-page", type=int, default=200, help="results per request, 1..200")
    p.add_argument("--timeout", type=float, default=60.0, help="read timeout per request, s")
    p.add_argument("--retries", type=int, default=8, help="retries per request on 429/5xx/errors")
    p.add_argument("--backoff", type=float, default=1.0, help="first backoff, s (doubles)")
    p.add_argument("--max-rps", type=float, default=10.0,
                   help="at most this many requests per second (0 = no throttle)")
    p.add_argument("--refresh", action="store_true", help="ignore the cache and refetch")
    p.add_argument("--quiet", action="store_true", help="no progress line")


def settings_from(args: argparse.Namespace) -> Settings:
    """Build :class:`Settings` from the parsed options (argument, env, default)."""
    logging.basicConfig(level=logging.WARNING, format="litscan: %(message)s", stream=sys.stderr)
    return resolve_settings(
        args.base_url,
        cache_dir=args.cache_dir,
        timeout=(min(10.0, args.timeout), args.timeout),
        max_retries=args.retries,
        backoff_base=args.backoff,
        max_requests_per_second=args.max_rps or None,
        per_page=args.per_page,
    )


def show_progress(args: argparse.Namespace) -> bool:
    """Progress line only on an interactive stderr and without --quiet."""
    return not args.quiet and sys.stderr.isatty()
