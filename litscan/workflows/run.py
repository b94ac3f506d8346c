"""Run claim presets: load the evidence, evaluate the claims, and (on request) write a report.

This is the library behind ``litscan run`` and the notebook API::

    import litscan
    res = litscan.run_preset("surveillance-vs-deep-learning", offline=True, resamples=200)
    res.to_frame()            # one row per claim: verdict, estimate, interval
    res.figures()             # {name: plotly figure}
    res                       # RunResult(preset=..., claims with verdicts and estimates)
    res.write("out/surv")     # report.html, verdicts.json, manifest.json, figures/

Nothing here parses command-line arguments or prints; :mod:`litscan.commands.run` does that.
Every file is written atomically (:mod:`litscan.fileio`).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from litscan.claims.presets import load_preset, resolve_preset_path
from litscan.claims.results import Evaluation
from litscan.claims.specs import Preset
from litscan.errors import UsageError
from litscan.fileio import (
    atomic_write_text,
    ensure_asset,
    mark_run_folder,
    replace_folder,
    sha256_file,
)
from litscan.workflows.args import check_report_names, check_run_args
from litscan.workflows.provenance import page_manifest

__all__ = ["RunResult", "run_preset", "run_presets", "plan_preset", "FIGURE_FORMATS", "SOURCES"]

FIGURE_FORMATS = ("json", "html", "png", "svg", "pdf")
SOURCES = ("embedded", "live", "cache", "tables")
MANIFEST_SCHEMA_VERSION = 2


def _package_versions() -> dict[str, str]:
    out = {}
    for pkg in ("litscan", "polars", "numpy", "scikit-learn", "plotly", "pyalex", "pycountry"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    out["python"] = sys.version.split()[0]
    return out


@cache
def _git_commit() -> str | None:
    """The commit of the litscan checkout this code runs from, or None (installed wheel)."""
    here = Path(__file__).resolve().parents[2]
    if not (here / ".git").exists():
        return None
    try:
        r = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() or None if r.returncode == 0 else None


@cache
def _sha256(path: str) -> str:
    return sha256_file(path)


def file_hashes(paths: Iterable[str | Path]) -> dict[str, str]:
    """``{file name: sha256}`` of the given files (missing files are left out)."""
    out = {}
    for p in paths:
        p = Path(p)
        if p.is_file():
            out[p.name] = _sha256(str(p))
    return out


def _resolve_preset(preset: str | Path | Preset) -> Preset:
    if isinstance(preset, Preset):
        return preset
    return load_preset(resolve_preset_path(str(preset)))


def _check_count(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{name}: expected an integer {lo}..{hi}, got {value!r}")
    if not lo <= value <= hi:
        raise UsageError(f"{name}: expected {lo}..{hi}, got {value}", hint=f"use {lo}..{hi}")
    return value


def load_evidence(
    preset: Preset,
    source: str,
    *,
    tables: str | Path | None = None,
    settings: Any = None,
) -> tuple[dict, list[str], list[str], dict[str, Any]]:
    """(evidence, query URLs without the key, notes, provenance) for ``preset`` from ``source``."""
    from litscan.claims import evidence

    notes: list[str] = []
    urls: list[str] = []
    prov: dict[str, Any] = {}
    if source == "embedded":
        ev = evidence.embedded_evidence(preset)
        notes.append("offline run on the embedded data (no network)")
    elif source == "tables":
        if tables is None:
            raise UsageError(
                f'{preset.path}: source = "tables" needs a tables folder',
                hint="litscan run PRESET --tables DIR (the layout `litscan ingest --out` writes)",
            )
        ev = evidence.tables_evidence(preset, tables)
        notes.append(f"data source: tables folder {tables}")
    elif source in ("live", "cache"):
        from litscan.config import resolve_settings

        settings = settings or resolve_settings()
        ev, urls = evidence.live_evidence(preset, settings, cache_only=source == "cache")
        notes.append(f"data source: OpenAlex ({source}) at {settings.base_url}")
    else:
        raise UsageError(f"source: expected one of {', '.join(SOURCES)}, got {source!r}")
    if source not in ("live", "cache"):  # live runs list their legacy labels with the plan
        labels = [*preset.labels.values(), preset.population.ai_scope]
        legacy = sorted({lab.spec for lab in labels if lab is not None and lab.kind == "concept"})
        if legacy:
            notes.append(
                f"legacy OpenAlex concepts: {', '.join(legacy)} (OpenAlex's current "
                "classification is its topics; concept labels still work)"
            )
    data_files = file_hashes(evidence.embedded_files(preset, source))
    model = evidence.model_file(preset, source)
    model_hash = file_hashes([model]) if model is not None else {}
    for key, e in ev.items():
        prov[key] = {
            "name": e.name,
            "source": e.source,
            "version": e.version,
            "caveat": e.caveat,
            **_data_version(e.provenance),
            "model_sha256": model_hash,
            "data_files_sha256": data_files,
        }
    return ev, urls, notes, prov


def _data_version(p: Mapping[str, Any]) -> dict[str, Any]:
    """The data version of a live evidence (fetched_at, newest updated_date, OpenAlex meta
    version fields) and its query URLs without the key; ``{}`` for embedded evidence."""
    if not p:
        return {}
    return {
        "data_version": {
            k: p.get(k)
            for k in ("fetched_at", "fetched_first", "max_updated_date", "meta_versions")
        },
        "basis": p.get("basis", "full population"),
        "taxonomy": p.get("taxonomy"),
        "queries": list(p.get("queries", [])),
    }


def _label_values(preset: Preset, rec: Any, tables: Any) -> dict[str, set]:
    """The values the data has for the label kinds a preset names and the data can list:
    ``venue_field`` (the works' column) and ``work_labels`` (a tables folder's work_labels)."""
    kinds = {lab.kind for lab in preset.labels.values()}
    out: dict[str, set] = {}
    works = rec.works
    if "venue_field" in kinds and "venue_field" in works.columns:
        vals = set(works.get_column("venue_field").drop_nulls().unique().to_list())
        if vals:  # a folder without venue fields says so when the claim is evaluated
            out["venue_field"] = vals
    if "work_labels" in kinds and tables is not None:
        from litscan.tables.folder import Tables, load_tables

        wl = (tables if isinstance(tables, Tables) else load_tables(tables)).work_labels
        if wl is not None:
            out["work_labels"] = set(
                wl.select(pl.col("label").cast(pl.Utf8)).unique().collect().get_column("label")
            )
    return out


def run_preset(
    preset: str | Path | Preset,
    *,
    source: str | None = None,
    tables: str | Path | None = None,
    offline: bool | None = None,
    resamples: int | None = None,
    seed: int | None = None,
    settings: Any = None,
    countries: Any = None,
    years: Any = None,
    venues: Sequence[str] | None = None,
) -> RunResult:
    """Evaluate every claim of ``preset`` and return a :class:`RunResult` (nothing is written).

    ``preset`` is a :class:`~litscan.claims.specs.Preset`, a file path or a shipped preset's name.
    ``source`` overrides the preset's source (``embedded``, ``live``, ``cache``, ``tables``);
    ``tables`` is a tables folder (implies ``source="tables"``); ``offline=True`` forces the
    embedded data. ``resamples`` and ``seed`` override the preset's bootstrap settings.
    ``countries`` (a mapping ``{"CN": "KR"}`` or a list replacing the claims' countries in order
    of first appearance), ``years`` (population years) and ``venues`` (population venues)
    change the preset; the claims they change get generated ids and texts
    (:func:`litscan.claims.adhoc.override_preset`).
    """
    from litscan.claims import evaluate as claims

    check_run_args(source=source, tables=tables, offline=offline)
    p = _resolve_preset(preset)
    if countries is not None or years is not None or venues is not None:
        from litscan.claims.adhoc import override_preset

        p = override_preset(p, countries=countries, years=years, venues=venues)
    if resamples is not None:  # 0 would make every claim "not testable": the user's setting
        p = replace(p, resamples=_check_count("resamples", resamples, 1, 100_000))
    if seed is not None:
        p = replace(p, seed=_check_count("seed", seed, 0, 2**63 - 1))
    notes: list[str] = []
    src = source or ("tables" if tables is not None else p.source)
    if src not in SOURCES:
        raise UsageError(f"source: expected one of {', '.join(SOURCES)}, got {src!r}")
    if offline and src != "embedded":
        notes.append(
            f"offline: the preset asks for source = {src!r}; the embedded data was used instead"
        )
        src = "embedded"
    ev, urls, more, prov = load_evidence(p, src, tables=tables, settings=settings)
    notes += more
    if "records" in ev and ev["records"].works is not None and src not in ("live", "cache"):
        from litscan.claims.coverage import check_labels, check_population, data_coverage
        from litscan.workflows.coverage import source_coverage

        rec = ev["records"]
        cov = (
            source_coverage(None)  # every embedded paper, to name venues without countries
            if src == "embedded"
            else data_coverage(rec.works, rec.work_countries)
        )
        notes += check_population(p, cov, rec.name)
        check_labels(p, _label_values(p, rec, tables if src == "tables" else None), rec.name)
    if src in ("live", "cache"):
        from litscan.claims.live import evaluate_live

        evaluation = evaluate_live(p, ev, notes=notes)
    else:
        evaluation = claims.evaluate(p, ev, offline=src == "embedded", notes=notes)
    manifest = {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "preset": str(p.path),
        "preset_sha256": p.sha256,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_source": src,
        "offline": src == "embedded",
        "evidence": prov,
        "query_urls": urls,
        "seed": p.seed,
        "resamples": p.resamples,
        "packages": _package_versions(),
        "git_commit": _git_commit(),
    }
    return RunResult(evaluation=evaluation, source=src, manifest=manifest)


@dataclass(frozen=True)
class RunResult:
    """One preset run: the evaluation plus what a report needs. Build with :func:`run_preset`."""

    evaluation: Evaluation
    source: str
    manifest: Mapping[str, Any] = field(default_factory=dict)

    @property
    def preset(self) -> Preset:
        return self.evaluation.preset

    @property
    def results(self):
        return self.evaluation.results

    def verdicts(self) -> dict[str, str]:
        """``{claim id: verdict}``."""
        return self.evaluation.verdicts()

    def to_frame(self, unit: str = "fraction") -> pl.DataFrame:
        """One row per claim: ``id, text, op, diff, lo, hi, verdict, counting``, the robustness
        summary (``crude_diff, std_diff, std_lo, std_hi, i2, agreement, fragile, robustness``),
        ``flags`` (e.g. ``narrow``, comma-separated) and ``preset``.

        ``unit="fraction"`` (default) gives differences as fractions (0.059); ``unit="pp"``
        gives them in percentage points, as the reports do, in columns named for the unit
        (``diff_pp, lo_pp, hi_pp, crude_diff_pp, std_diff_pp, std_lo_pp, std_hi_pp``)."""
        if unit not in UNITS:
            raise UsageError(f"unit: expected one of {', '.join(UNITS)}, got {unit!r}",
                             hint='unit="pp" for percentage points')  # fmt: skip
        flags = [",".join(r.flags) for r in self.results]
        df = self.evaluation.to_frame().with_columns(
            pl.Series("flags", flags, dtype=pl.Utf8), pl.lit(self.preset.name).alias("preset")
        )
        if unit == "pp":
            df = df.with_columns((pl.col(c) * 100).alias(f"{c}_pp") for c in POINT_COLUMNS)
            df = df.select([f"{c}_pp" if c in POINT_COLUMNS else c for c in df.columns
                            if not c.endswith("_pp")])  # fmt: skip
        return df

    def sensitivity_frame(self) -> pl.DataFrame:
        """One row per claim and alternative specification (counting × threshold)."""
        rows = []
        for r in self.results:
            for e in r.sensitivity:
                rows.append({"id": r.claim.id, **e.as_dict()})
        if not rows:
            return pl.DataFrame(
                schema={
                    "id": pl.Utf8,
                    "counting": pl.Utf8,
                    "top": pl.Float64,
                    "diff": pl.Float64,
                    "lo": pl.Float64,
                    "hi": pl.Float64,
                    "verdict": pl.Utf8,
                }  # fmt: skip
            )
        return pl.DataFrame(rows, infer_schema_length=None)

    def robustness_frame(self) -> pl.DataFrame:
        """One row per claim and specification of its robustness grid (counting × threshold ×
        venue left out × year left out): ``id, counting, top, left_out_venue, left_out_year,
        diff, lo, hi, n_a, n_b, verdict, agrees, weighting`` (``agrees``: same verdict as the
        claim's primary estimate; null when the specification is not testable; ``weighting``:
        ``side A`` or ``equal per venue``). Count claims over years list each year left out."""
        schema = {
            "id": pl.Utf8, "counting": pl.Utf8, "top": pl.Float64, "left_out_venue": pl.Utf8,
            "left_out_year": pl.Int64, "diff": pl.Float64, "lo": pl.Float64, "hi": pl.Float64,
            "n_a": pl.Int64, "n_b": pl.Int64, "verdict": pl.Utf8, "agrees": pl.Boolean,
            "weighting": pl.Utf8,
        }  # fmt: skip
        rows = []
        for r in self.results:
            if r.robustness is None or r.primary is None:
                continue
            for sp in r.robustness.specifications:
                v = sp["verdict"]
                testable = v != "not testable on this data"
                left_venue = sp["left_out_venue"]
                rows.append(
                    {
                        **{k: sp[k] for k in schema if k in sp},
                        "id": r.claim.id,
                        "left_out_venue": None if left_venue is None else str(left_venue),
                        "agrees": (v == r.primary.verdict) if testable else None,
                    }
                )
        return pl.DataFrame(rows, schema=schema, orient="row")

    def figures(self) -> dict[str, Any]:
        """``{name: plotly figure}`` of the report's figures that could be drawn
        (:meth:`captions` says what each shows, and why a missing one could not be drawn)."""
        return {name: fig for name, _, fig in _figures(self) if fig is not None}

    def captions(self) -> dict[str, str]:
        """``{name: caption}`` of every report figure, drawn or not (the caption says why not)."""
        return {name: caption for name, caption, _ in _figures(self)}

    def __repr__(self) -> str:
        """A short summary: preset, data, and each claim's verdict with its estimate."""
        return _short_repr(self)

    def write(
        self,
        out: str | Path,
        *,
        formats: Sequence[str] = ("json",),
        plotly_src: str | None = None,
        html_js: str = "inline",
    ) -> Path:
        """Write ``report.html``, ``verdicts.json``, ``manifest.json`` and ``figures/`` into
        ``out``; returns the report's path. The folder is built beside ``out`` and swapped in
        whole (:func:`litscan.fileio.replace_folder`): nothing of an earlier run into ``out``
        stays, and a folder litscan did not write is refused (``UsageError``), never replaced. ``report.html`` is one self-contained file (plotly.js
        inlined: it opens when copied alone, offline) unless ``plotly_src`` is the relative URL
        of a shared ``plotly.min.js`` (the caller writes that file). ``html_js``: how per-figure
        HTML files get plotly.js (``inline``, the default, opens offline; ``cdn``: small files
        that need a network)."""
        _check_formats(formats)
        with replace_folder(out, kind="report") as folder:
            _write(self, folder, formats=formats, plotly_src=plotly_src, html_js=html_js)
        return Path(out) / "report.html"

    def _repr_html_(self) -> str:
        from litscan.report.html import render_html

        return render_html(
            self.evaluation, embed_figures=False, manifest=page_manifest(self.manifest, None)
        )


UNITS = ("fraction", "pp")
#: to_frame columns that are differences of shares (scaled by unit="pp")
POINT_COLUMNS = ("diff", "lo", "hi", "crude_diff", "std_diff", "std_lo", "std_hi")
#: claims listed in repr(RunResult) before "and N more"
REPR_CLAIMS = 8


def _claim_line(r: Any) -> str:
    e = r.primary
    line = f"  {r.claim.id}: {r.verdict}"
    if r.flags:
        line += f" [{', '.join(r.flags)}]"
    if e is not None and e.diff == e.diff:  # not NaN
        line += f" {e.diff * 100:+.1f} [{e.lo * 100:+.1f}, {e.hi * 100:+.1f}] pp"
    return line if len(line) <= 110 else line[:107] + "..."


def _short_repr(res: RunResult) -> str:
    p = res.preset
    head = f"RunResult(preset={p.name!r}, source={res.source!r}, {len(res.results)} claim(s)"
    lines = [head + (":" if res.results else ")")]
    lines += [_claim_line(r) for r in res.results[:REPR_CLAIMS]]
    if len(res.results) > REPR_CLAIMS:
        lines.append(f"  ... and {len(res.results) - REPR_CLAIMS} more (res.to_frame())")
    if res.results:
        lines[-1] += ")"
    return "\n".join(lines)


_FIGURES: dict[int, list] = {}


def _figures(res: RunResult) -> list[tuple[str, str, Any]]:
    from litscan.report.html import build_figures

    key = id(res.evaluation)
    if key not in _FIGURES:
        _FIGURES.clear()  # keep one run's figures; they are cheap to rebuild
        _FIGURES[key] = build_figures(res.evaluation)
    return _FIGURES[key]


def plan_preset(preset: str | Path | Preset, *, settings: Any = None):
    """The :class:`~litscan.claims.plan.Plan` of a live run of ``preset``: every query with its count
    and estimated cost (count probes only; nothing is fetched)."""
    from litscan.claims import evidence
    from litscan.config import resolve_settings

    return evidence.plan_preset(_resolve_preset(preset), settings or resolve_settings())


def _check_formats(formats: Sequence[str]) -> list[str]:
    fmts = [f.strip().lower() for f in formats if f and f.strip()]
    bad = [f for f in fmts if f not in FIGURE_FORMATS]
    if bad:
        raise UsageError(f"formats: unknown figure format(s) {bad}", hint=", ".join(FIGURE_FORMATS))
    return fmts


def write_plotly_js(out_dir: Path) -> Path:
    """Write (or verify) ``plotly.min.js`` in ``out_dir``; a truncated copy is replaced."""
    from plotly.offline import get_plotlyjs

    return ensure_asset(out_dir / "plotly.min.js", get_plotlyjs())


def _write(
    res: RunResult,
    out_dir: Path,
    *,
    formats: Sequence[str],
    plotly_src: str | None,
    html_js: str = "inline",
) -> Path:
    """Write one run into the fresh folder ``out_dir`` (the caller swaps it in)."""
    from litscan.report.html import render_html

    fmts = _check_formats(formats)
    figs = _figures(res)
    mark_run_folder(out_dir, "report")
    fig_dir = out_dir / "figures"
    written: list[str] = []
    drawable = [(f, fig_dir / name) for name, _, f in figs if f is not None]
    if drawable and fmts:
        from litscan.report.export import write_figures

        paths = write_figures(drawable, fmts, html_js=html_js)
        written = [str(p.relative_to(out_dir)) for p in paths]
    for name, table in res.evaluation.tables.items():
        atomic_write_text(fig_dir / f"{name}.csv", table.write_csv())
        written.append(f"figures/{name}.csv")
    manifest = {**res.manifest, "figures": written}
    prov = page_manifest(res.manifest, out_dir)
    page = render_html(res.evaluation, figures=figs, plotly_src=plotly_src, manifest=prov)
    report = atomic_write_text(out_dir / "report.html", page)
    p = res.preset
    verdicts = {
        "preset": str(p.path),
        "claim": p.claim,
        "title": p.title,
        "data_source": res.source,
        "claims": [r.as_dict() for r in res.results],
    }
    atomic_write_text(
        out_dir / "verdicts.json", json.dumps(verdicts, indent=2, allow_nan=False, default=str)
    )
    atomic_write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2, default=str))
    return report


def run_presets(
    presets: Sequence[str | Path | Preset],
    out: str | Path,
    *,
    formats: Sequence[str] = ("json",),
    on_done: Callable[[RunResult, Path, float], None] | None = None,
    shared_js: bool = False,
    html_js: str = "inline",
    **run_kwargs: Any,
) -> Path:
    """Run several presets into ``out/<name>/`` and write an ``index.html``; returns the index
    path. Each ``report.html`` is self-contained (plotly.js inlined, ~4.7 MB each) unless
    ``shared_js``: then one ``out/plotly.min.js`` serves them all (smaller, but a report copied
    without it shows no figures). ``on_done(result, report, seconds)`` is called after each preset
    (the CLI prints progress there; the report appears there when the last preset is done).
    Every preset is validated before the first runs, so a typo fails fast. The whole ``out``
    folder (index and report folders) is built beside it and swapped in at the end
    (:func:`litscan.fileio.replace_folder`): a rerun leaves nothing of the earlier run, a killed
    run leaves the earlier folder complete, and a folder litscan did not write is refused."""
    import time

    from litscan.report.html import index_html

    _check_formats(formats)
    loaded = [_resolve_preset(p) for p in presets]
    check_report_names([p.name for p in loaded], [p.path for p in loaded])
    entries = []
    with replace_folder(out, kind="reports") as folder:
        if shared_js:
            write_plotly_js(folder)
        for p in loaded:
            t0 = time.perf_counter()
            res = run_preset(p, **run_kwargs)
            _write(res, folder / p.name, formats=formats,
                   plotly_src="../plotly.min.js" if shared_js else None, html_js=html_js)  # fmt: skip
            entries.append((p.name, p.claim, f"{p.name}/report.html", res.verdicts()))
            if on_done is not None:
                on_done(res, Path(out) / p.name / "report.html", time.perf_counter() - t0)
        atomic_write_text(folder / "index.html", index_html(entries))
    return Path(out) / "index.html"
