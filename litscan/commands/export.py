"""``litscan export``: write figures as HTML / PNG / SVG.

Two sources of figures:

* plotly JSON files (``litscan run --formats json`` writes them next to the report):
  ``litscan export out/figures/*.json --formats png,svg --out slides/``
* the main figures built from the embedded data (:mod:`litscan.report.gallery`):
  ``litscan export --gallery --formats png --out docs/img --merge``

``--out DIR`` is replaced whole by the figures of this export (none of an earlier export stays);
a folder litscan did not write is refused unless ``--merge`` writes beside its files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from litscan.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export",
        help="write figures (plotly JSON or the built-in gallery) as HTML, PNG, SVG",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "figures",
        nargs="*",
        type=Path,
        metavar="FIGURE_JSON",
        help="plotly figure JSON files to re-export",
    )
    p.add_argument(
        "--gallery",
        action="store_true",
        help="build the main figures from the embedded data instead",
    )
    p.add_argument(
        "--only",
        default=None,
        metavar="NAMES",
        help="with --gallery: comma-separated figure names (default: all)",
    )
    p.add_argument(
        "--formats",
        default="png,svg",
        help="comma-separated: html, png, svg, pdf, json (default: png,svg)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder, replaced whole by this export's figures (default: next to each "
        "JSON file; gallery: out/figures)",
    )
    p.add_argument(
        "--merge",
        action="store_true",
        help="write into --out beside the files already there (replaces same-named figures, "
        "removes nothing); needed for a folder litscan did not write, e.g. docs/img",
    )
    p.add_argument(
        "--html-js",
        choices=["cdn", "inline"],
        default="inline",
        help="HTML: embed plotly.js (default; opens offline) or load it from the CDN (small "
        "files, blank without a network)",
    )
    p.add_argument("--width", type=int, default=1200, help="image width in pixels (1200)")
    p.add_argument("--height", type=int, default=675, help="image height in pixels (675)")
    p.add_argument("--scale", type=float, default=1.0, help="PNG resolution multiplier (1)")
    p.add_argument(
        "--resamples",
        type=int,
        default=200,
        help="with --gallery: bootstrap resamples per interval (200)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from litscan.report.export import check_formats, check_image_options, read_figure, write_figures

    if args.gallery == bool(args.figures):
        raise UsageError(
            "give either FIGURE_JSON files or --gallery (not both, not neither)",
            hint="litscan export out/figures/*.json --formats png,svg",
        )
    check_formats(args.formats)  # before any (slow) figure is built
    check_image_options(args.width, args.height, args.scale)
    if not 0 <= args.resamples <= 100_000:
        raise UsageError(f"--resamples: expected 0..100000, got {args.resamples}")
    from litscan.report.export import check_export_folder, export_folder, figure_names

    if args.gallery:
        from litscan.report.gallery import FIGURES, main_figures

        names = None
        if args.only:
            names = [n.strip() for n in args.only.split(",") if n.strip()]
            if not names:
                raise UsageError(f"--only {args.only!r}: no figure name given",
                                 hint="e.g. --only share_trend,highly_cited")  # fmt: skip
            unknown = [n for n in names if n not in FIGURES]
            if unknown:
                raise UsageError(
                    f"unknown gallery figure(s) {unknown}", hint=f"choose from {', '.join(FIGURES)}"
                )
        out = args.out or Path("out/figures")
        check_export_folder(out, names or list(FIGURES), merge=args.merge)  # before building
        items = list(main_figures(names, n_resamples=args.resamples).items())
        items = [(fig, name) for name, fig in items]
        inputs: list[Path] = []
    else:
        names = figure_names(args.figures)  # claims.json of two runs: run_claims
        items = [(read_figure(path), n) for path, n in zip(args.figures, names, strict=True)]
        out, inputs = args.out, list(args.figures)
    options = dict(html_js=args.html_js, width=args.width, height=args.height, scale=args.scale)
    if out is None:  # next to each JSON file, beside what is there
        written = write_figures([(fig, path.parent / path.stem)
                                 for (fig, _), path in zip(items, args.figures, strict=True)],
                                args.formats, **options)  # fmt: skip
    else:
        written = export_folder(items, out, args.formats, merge=args.merge, inputs=inputs,
                                **options)  # fmt: skip
    for path in written:
        print(path, file=sys.stdout)
    return 0
