"""``litscan run PRESET... | --all [--offline] [--out DIR] [--formats json,html,png,svg]``.

Evaluates the claims of each preset and writes ``DIR/report.html``, ``DIR/verdicts.json``,
``DIR/figures/`` and ``DIR/manifest.json``. With ``--all`` every preset in ``queries/`` runs and
``DIR/<preset>/report.html`` is linked from ``DIR/index.html``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from importlib import metadata
from pathlib import Path

from litscan.errors import ExportError, UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run",
        help="evaluate claim presets and write HTML reports",
        description="Evaluate the claims of query presets (queries/*.toml) and write a report "
        "with numbers, intervals and verdicts.",
    )
    p.add_argument("presets", nargs="*", metavar="PRESET", help="preset file or name in queries/")
    p.add_argument("--all", action="store_true", help="run every preset in queries/")
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
    p.add_argument("--cache-dir", help="OpenAlex cache (default: LITSCAN_CACHE, then ./cache)")
    p.add_argument("--resamples", type=int, help="override the presets' bootstrap resamples")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("litscan", "polars", "numpy", "scikit-learn", "plotly", "pyalex", "pycountry"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    out["python"] = sys.version.split()[0]
    return out


def _plotly_js(dest: Path) -> None:
    if dest.exists():
        return
    from plotly.offline import get_plotlyjs

    dest.write_text(get_plotlyjs(), encoding="utf-8")


def run_one(
    preset_path: str | Path,
    out_dir: Path,
    *,
    offline: bool,
    formats: list[str],
    args: argparse.Namespace,
    plotly_src: str | None = None,
) -> dict:
    """Run one preset into ``out_dir``; returns a summary (name, claim, verdicts, report)."""
    from dataclasses import replace

    from litscan import claims, evidence, report
    from litscan.presets import load_preset, resolve_preset_path

    path = resolve_preset_path(str(preset_path))
    preset = load_preset(path)
    if getattr(args, "resamples", None) is not None:
        if args.resamples < 0:
            raise UsageError(f"--resamples: expected >= 0, got {args.resamples}")
        preset = replace(preset, resamples=args.resamples)
    notes: list[str] = []
    urls: list[str] = []
    source = preset.source
    if offline and source != "embedded":
        notes.append(
            f"--offline: the preset asks for source = {source!r}; the embedded data "
            "was used instead"
        )
        source = "embedded"
    if offline:
        notes.append("offline run on the embedded data (no network)")
    if source == "embedded":
        ev = evidence.embedded_evidence(preset)
    else:
        from litscan.config import resolve_settings

        settings = resolve_settings(
            getattr(args, "base_url", None), cache_dir=getattr(args, "cache_dir", None)
        )
        ev, urls = evidence.live_evidence(preset, settings, cache_only=source == "cache")
        notes.append(f"data source: OpenAlex ({source}) at {settings.base_url}")
    result = claims.evaluate(preset, ev, offline=source == "embedded", notes=notes)

    out_dir.mkdir(parents=True, exist_ok=True)
    figs = report.build_figures(result)
    fig_dir = out_dir / "figures"
    written: list[str] = []
    drawable = [(f, fig_dir / name) for name, _, f in figs if f is not None]
    if drawable and formats:
        from litscan.export import write_figures

        written = [str(p.relative_to(out_dir)) for p in write_figures(drawable, formats)]
    for name, table in result.tables.items():
        fig_dir.mkdir(parents=True, exist_ok=True)
        table.write_csv(fig_dir / f"{name}.csv")
        written.append(f"figures/{name}.csv")
    manifest = {
        "preset": str(path),
        "preset_sha256": preset.sha256,
        "schema_version": 1,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_source": source,
        "offline": bool(offline),
        "evidence": {
            k: {"name": e.name, "source": e.source, "version": e.version, "caveat": e.caveat}
            for k, e in ev.items()
        },
        "query_urls": urls,
        "seed": preset.seed,
        "resamples": preset.resamples,
        "packages": _versions(),
        "figures": written,
    }
    if plotly_src is None:
        _plotly_js(out_dir / "plotly.min.js")
        plotly_src = "plotly.min.js"
    page = report.render_html(
        result,
        figures=figs,
        plotly_src=plotly_src,
        manifest={k: v for k, v in manifest.items() if k not in ("evidence", "figures")},
    )
    (out_dir / "report.html").write_text(page, encoding="utf-8")
    verdicts = {
        "preset": str(path),
        "claim": preset.claim,
        "title": preset.title,
        "data_source": source,
        "claims": [r.as_dict() for r in result.results],
    }
    (out_dir / "verdicts.json").write_text(
        json.dumps(verdicts, indent=2, allow_nan=False, default=str), encoding="utf-8"
    )
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, default=str), encoding="utf-8"
    )
    return {
        "name": preset.name,
        "claim": preset.claim,
        "verdicts": result.verdicts(),
        "report": out_dir / "report.html",
        "result": result,
    }


def run(args: argparse.Namespace) -> int:
    from litscan.presets import list_presets, presets_dir

    if args.all and args.presets:
        raise UsageError("give PRESET names or --all, not both")
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
    formats = [f.strip() for f in args.formats.split(",") if f.strip()] if args.formats else []
    bad = [f for f in formats if f not in ("json", "html", "png", "svg", "pdf")]
    if bad:
        raise UsageError(f"--formats: unknown format(s) {bad}", hint="json, html, png, svg")
    out = Path(args.out)
    multi = len(paths) > 1 or args.all
    summaries = []
    t0 = time.time()
    # validate every preset before the (slow) runs, so a typo fails fast
    from litscan.presets import load_preset, resolve_preset_path

    for p in paths:
        load_preset(resolve_preset_path(str(p)))
    if multi:
        out.mkdir(parents=True, exist_ok=True)
        try:
            _plotly_js(out / "plotly.min.js")
        except OSError as exc:
            raise ExportError(f"{out}: cannot write ({exc})") from exc
    for p in paths:
        name = Path(str(p)).stem
        dest = out / name if multi else out
        t1 = time.time()
        s = run_one(
            p,
            dest,
            offline=args.offline,
            formats=formats,
            args=args,
            plotly_src="../plotly.min.js" if multi else None,
        )
        summaries.append(s)
        if not args.quiet:
            vs = ", ".join(f"{k}: {v}" for k, v in s["verdicts"].items())
            print(
                f"litscan run: {name} ({time.time() - t1:.1f} s) -> {s['report']}\n    {vs}",
                file=sys.stderr,
            )
    if multi:
        from litscan.report import index_html

        entries = [
            (s["name"], s["claim"], f"{s['name']}/report.html", s["verdicts"]) for s in summaries
        ]
        (out / "index.html").write_text(index_html(entries), encoding="utf-8")
        where = out / "index.html"
    else:
        where = summaries[0]["report"]
    print(
        f"litscan run: {len(summaries)} preset(s) in {time.time() - t0:.0f} s; open "
        f"{where.resolve()}"
    )
    return 0
