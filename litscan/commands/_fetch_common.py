"""Options shared by ``litscan fetch`` and ``litscan counts``."""

from __future__ import annotations

import argparse
import logging
import math
import sys

from litscan.config import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_PER_PAGE, Settings, resolve_settings
from litscan.errors import UsageError, install_log_scrubber


def add_connection_options(p: argparse.ArgumentParser) -> None:
    """Add --base-url, --cache-dir, --per-page, --timeout, --retries, --max-rps, --refresh."""
    p.add_argument(
        "--base-url",
        help="OpenAlex API base URL (default: LITSCAN_OPENALEX_URL, "
        "then https://api.openalex.org); the key comes from OPENALEX_API_KEY",
    )
    p.add_argument("--cache-dir", help="cache directory (default: LITSCAN_CACHE, then the user cache folder, e.g. ~/.cache/litscan/openalex)")
    p.add_argument(
        "--per-page",
        type=int,
        default=DEFAULT_PER_PAGE,
        help=f"results per request, 1..200 (default {DEFAULT_PER_PAGE}, OpenAlex's "
        "documented maximum; a page size OpenAlex refuses with HTTP 400 falls back "
        "once to 100, then 25)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="deadline per request in seconds: connecting plus reading the whole "
        "answer (0 < s <= 3600; default 60)",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=8,
        help="retries per request on rate limits/5xx/errors (0..100)",
    )
    p.add_argument("--backoff", type=float, default=1.0, help="first backoff, s (doubles; 0..600)")
    p.add_argument(
        "--max-rps",
        type=float,
        default=10.0,
        help="at most this many requests per second (0 = no throttle; max 100)",
    )
    p.add_argument(
        "--max-response-mb",
        type=float,
        default=DEFAULT_MAX_RESPONSE_BYTES / 2**20,
        help="refuse an answer larger than this once decompressed, MiB (default "
        f"{DEFAULT_MAX_RESPONSE_BYTES / 2**20:g}; 0.01..4096)",
    )
    add_max_wait(p)
    p.add_argument("--refresh", action="store_true", help="ignore the cache and refetch")
    p.add_argument("--quiet", action="store_true", help="no progress line")


def add_max_wait(p: argparse.ArgumentParser) -> None:
    """``--max-wait SECONDS``: the longest litscan waits for one request (Settings.max_retry_after)."""
    p.add_argument(
        "--max-wait",
        type=float,
        default=Settings.max_retry_after,
        help="wait at most this many seconds in total for one request (Retry-After and "
        "backoffs); a server asking for longer stops the run with the time to retry (0..86400)",
    )


def check_range(
    option: str, value: float | int | None, lo: float, hi: float, *, integer: bool = False
) -> None:
    """Raise a one-line :class:`UsageError` unless ``lo <= value <= hi`` (finite; integer)."""
    if value is None:
        return
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and lo <= value <= hi and (not integer or float(value).is_integer())
    if not ok:
        kind = "an integer" if integer else "a number"
        raise UsageError(f"{option}: expected {kind} in {lo:g}..{hi:g}, got {value!r}")


def settings_from(args: argparse.Namespace) -> Settings:
    """Build :class:`Settings` from the parsed options (argument, env, default), after checking
    every numeric option's range (``nan``, ``inf`` and negatives are refused with one line)."""
    check_range("--per-page", args.per_page, 1, 200, integer=True)
    check_range("--timeout", args.timeout, 0.001, 3600)
    check_range("--retries", args.retries, 0, 100, integer=True)
    check_range("--backoff", args.backoff, 0, 600)
    check_range("--max-rps", args.max_rps, 0, 100)
    check_range("--max-response-mb", args.max_response_mb, 0.01, 4096)
    check_range("--max-wait", args.max_wait, 0, 86_400)
    logging.basicConfig(level=logging.WARNING, format="litscan: %(message)s", stream=sys.stderr)
    install_log_scrubber()
    return resolve_settings(
        args.base_url,
        cache_dir=args.cache_dir,
        timeout=(min(10.0, args.timeout), args.timeout),
        deadline=args.timeout,
        max_retries=args.retries,
        backoff_base=args.backoff,
        max_requests_per_second=args.max_rps or None,
        per_page=args.per_page,
        max_response_bytes=int(args.max_response_mb * 2**20),
        max_retry_after=args.max_wait,
    )


def show_progress(args: argparse.Namespace) -> bool:
    """Progress line only on an interactive stderr and without --quiet."""
    return not args.quiet and sys.stderr.isatty()
