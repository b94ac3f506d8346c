"""Fetch throughput against the local OpenAlex-like server with a configured rate limit.

Prints pages/s reached and that figure as a fraction of the server's limit, for litscan's client
throttle set to the limit (the intended setting) and, for comparison, with no client throttle
(then the server's 429 + Retry-After does the pacing).

    .venv/bin/python benchmarks/bench_fetch.py [--smoke] [--limit RPS] [--per-page N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fake_openalex import FakeOpenAlex  # noqa: E402

from litscan.config import resolve_settings  # noqa: E402
from litscan.openalex.client import OpenAlexClient  # noqa: E402
from litscan.openalex.paging import fetch  # noqa: E402

WORKS = REPO.parent / "shared" / "data" / "openalex-works" / "fixture-derived-mixed-works.jsonl.gz"


def run(works: list[dict], limit: float, per_page: int, client_rps: float | None) -> dict:
    with FakeOpenAlex(works, rate_limit=limit) as server, tempfile.TemporaryDirectory() as d:
        settings = resolve_settings(server.url, api_key="bench", max_requests_per_second=client_rps,
                                    backoff_base=0.05, per_page=per_page)
        with OpenAlexClient(settings) as client:
            t0 = time.perf_counter()
            res = fetch(None, client=client, cache_dir=d)
            elapsed = time.perf_counter() - t0
        pages = res.manifest["pages"] + 1  # + the final empty page
        assert len(res.items) == len(works)
        return {"pages": pages, "seconds": elapsed, "pages_per_s": pages / elapsed,
                "requests": client.requests_made, "429s": server.status_counts[429]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="a few seconds only")
    ap.add_argument("--limit", type=float, default=None, help="server limit, requests/s")
    ap.add_argument("--per-page", type=int, default=None)
    args = ap.parse_args()
    with gzip.open(WORKS, "rt", encoding="utf-8") as fh:
        works = [json.loads(line) for line in fh if line.strip()]
    limit = args.limit or (20.0 if args.smoke else 50.0)
    per_page = args.per_page or (40 if args.smoke else 10)
    print(f"works: {len(works)}, per_page: {per_page}, server limit: {limit:g} requests/s")
    throttled = run(works, limit, per_page, client_rps=limit)
    print(f"client throttle = limit: {throttled['pages']} pages in {throttled['seconds']:.2f} s, "
          f"{throttled['pages_per_s']:.1f} pages/s, {throttled['429s']} x 429")
    if not args.smoke:
        free = run(works, limit, per_page, client_rps=None)
        print(f"no client throttle:      {free['pages']} pages in {free['seconds']:.2f} s, "
              f"{free['pages_per_s']:.1f} pages/s, {free['429s']} x 429")
        print(f"fraction_of_rate_limit_unthrottled: {free['pages_per_s'] / limit:.2f}")
    print(f"fraction_of_rate_limit: {throttled['pages_per_s'] / limit:.2f}")


if __name__ == "__main__":
    main()
