"""``litscan run PRESET... | --all [--offline] [--out DIR] [--formats json,html,png,svg]``.

Thin wrapper over :mod:`litscan.workflows.run`: parses the arguments, calls :func:`litscan.workflows.run.run_preset`
or :func:`litscan.workflows.run.run_presets`, prints progress. Writes ``DIR/report.html``,
``DIR/verdicts.json``, ``DIR/figures/`` and ``DIR/manifest.json``; with ``--all`` every preset runs
into ``DIR/<preset>/`` and ``DIR/index.html`` links them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from litscan.commands._fetch_common import add_max_wait, check_range
from litscan.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run",
        help="evaluate claim presets and write HTML reports",
        description="Evaluate the claims of query presets (the shipped ones, or any .toml file) and write a report "
        "with numbers, intervals and verdicts.",
    )
    p.add_argument(
        "presets",
        nargs="*",
        metavar="PRESET",
        help="preset file, or the name of a shipped preset (`litscan presets` lists them)",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="run every preset in the presets folder (LITSCAN_QUERIES or the shipped ones)",
    )
    p.add_argument(
        "--offline",
        action="store_true",
        help="use the embedded data whatever the preset's source says",
    )
    p.add_argument("--out", default="out", help="output folder (default: out)")
    p.add_argument(
        "--formats",
        default="json",
        help="figure files under DIR/figures: comma list of json, html, png, svg "
        "(report.html always embeds the figures)",
    )
    p.add_argument(
        "--base-url",
        help="OpenAlex API base URL for live presets (default: "
        "LITSCAN_OPENALEX_URL, then https://api.openalex.org)",
    )
    p.add_argument("--cache-dir", help="OpenAlex cache (default: LITSCAN_CACHE, then the user cache folder, e.g. ~/.cache/litscan/openalex)")
    p.add_argument("--resamples", type=int, help="override the presets' bootstrap resamples")
    add_max_wait(p)
    p.add_argument(
        "--tables",
        metavar="DIR",
        help="run on a tables folder (the layout `litscan ingest --out` writes)",
    )
    p.add_argument(
        "--shared-js",
        action="store_true",
        help="with several presets: one DIR/plotly.min.js for all reports instead of plotly.js "
        "inlined in each (smaller; a report copied alone then shows no figures)",
    )
    p.add_argument(
        "--html-js",
        choices=["inline", "cdn"],
        default="inline",
        help="per-figure HTML (--formats html): embed plotly.js (default; opens offline, ~4.7 MB "
        "each) or load it from the CDN (small files, blank without a network)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument(
        "--plan",
        action="store_true",
        help="print every OpenAlex query a live run would make, with its count and estimated "
        "cost (count probes only; nothing is fetched or written)",
    )
    p.set_defaults(func=run)


def _formats(text: str | None) -> list[str]:
    return [f.strip() for f in text.split(",") if f.strip()] if text else []


def run(args: argparse.Namespace) -> int:
    from litscan.claims.presets import list_presets, presets_dir
    from litscan.config import Settings, resolve_settings
    from litscan.workflows.args import check_run_args
    from litscan.workflows.run import run_preset, run_presets

    if args.all and args.presets:
        raise UsageError("give PRESET names or --all, not both")
    # the library's own checks, before any preset runs
    check_run_args(source=None, tables=getattr(args, "tables", None), offline=args.offline)
    if args.resamples is not None and not 1 <= args.resamples <= 100_000:
        raise UsageError(
            f"--resamples: expected 1..100000, got {args.resamples}",
            hint="the bootstrap interval needs at least one resample (200 is quick, 1000 the "
            "presets' usual setting)",
        )
    if args.all:
        paths = list_presets()
        if not paths:
            raise UsageError(
                f"--all: no presets (*.toml) in {presets_dir()}",
                hint="run from the repository root or set LITSCAN_QUERIES",
            )
    elif args.presets:
        paths = list(args.presets)
    else:
        raise UsageError(
            "no preset given",
            hint="litscan run queries/NAME.toml, or --all; `litscan presets` lists them",
        )
    formats = _formats(args.formats)
    settings = None
    check_range("--max-wait", args.max_wait, 0, 86_400)
    if args.base_url or args.cache_dir or args.max_wait != Settings.max_retry_after:
        settings = resolve_settings(
            args.base_url, cache_dir=args.cache_dir, max_retry_after=args.max_wait
        )
    if getattr(args, "plan", False):
        from litscan.workflows.run import plan_preset

        for path in paths:
            print(plan_preset(path, settings=settings).format())
        return 0
    kwargs = dict(
        offline=args.offline or None,
        resamples=args.resamples,
        tables=getattr(args, "tables", None),
        settings=settings,
    )
    out = Path(args.out)
    t0 = time.time()

    def progress(res, report: Path, seconds: float) -> None:
        if not args.quiet:
            vs = ", ".join(
                f"{r.claim.id}: {r.verdict}" + (f" [{', '.join(r.flags)}]" if r.flags else "")
                for r in res.results
            )
            print(
                f"litscan run: {res.preset.name} ({seconds:.1f} s) -> {report}\n    {vs}",
                file=sys.stderr,
            )

    if len(paths) > 1 or args.all:
        where = run_presets(
            paths, out, formats=formats, on_done=progress, shared_js=args.shared_js,
            html_js=args.html_js, **kwargs,
        )  # fmt: skip
        n = len(paths)
    else:
        if args.shared_js:
            raise UsageError("--shared-js: only with several presets or --all",
                             hint="a single report is one self-contained file")  # fmt: skip
        from litscan.fileio import check_run_folder

        check_run_folder(out)  # a folder litscan may not replace fails before the run
        t1 = time.time()
        res = run_preset(paths[0], **kwargs)
        where = res.write(out, formats=formats, html_js=args.html_js)
        progress(res, where, time.time() - t1)
        n = 1
    print(f"litscan run: {n} preset(s) in {time.time() - t0:.0f} s; open {where.resolve()}")
    return 0
