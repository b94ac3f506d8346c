"""Load the evidence a preset's claims rest on (the I/O edge of ``litscan run``).

* **embedded** (``--offline``): the top-venue papers with per-author countries, labelled by
  litscan's classifiers (record level), and the real OpenAlex country aggregates (output level);
* **live**: works fetched from OpenAlex with the preset's filters (through the resumable cache)
  and ``group_by`` country counts per year and label;
* **cache**: like live, but only what is already in the cache (no network);
* **tables** (``--tables DIR``): any tables folder (``litscan ingest --out`` / ``fetch --out``
  layout, :mod:`litscan.tables`), with labels from ``work_labels/`` (``work_labels:<name>``),
  ``work_topics/`` (``subfield:``, ``field:``, ``topic:``) and, when the works carry titles and
  abstracts, litscan's classifiers.

Classifier labels of the embedded papers are computed once per process and reused by every preset
of ``litscan run --all``.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import polars as pl

from litscan.claims import label_filter, openalex_filter
from litscan.errors import LitscanError, ModelError
from litscan.presets import Preset
from litscan.results import Evidence

__all__ = ["embedded_evidence", "live_evidence", "tables_evidence", "classifier_labels"]

log = logging.getLogger("litscan.evidence")

TOPIC_KINDS = frozenset({"subfield", "field", "topic"})


@lru_cache(maxsize=4)
def classifier_labels(key: str = "venues") -> tuple[pl.DataFrame | None, str]:
    """work_labels (label = ``classifier:<name>``) for the embedded venue papers, and a note.

    Computed once per process. Returns ``(None, reason)`` when the model is not available.
    """
    from litscan import datasets

    try:
        from litscan import classify

        model = classify.load_model()
    except (ImportError, SyntaxError, ModelError, OSError) as exc:
        return None, f"litscan's classifier model is not available ({exc})"
    t = datasets.load_venue_papers(with_countries_only=True)
    df = t.works.select("id", "title", "abstract")
    pred = classify.predict(df, model=model)
    wl = classify.to_work_labels(pred)
    wl = wl.with_columns((pl.lit("classifier:") + pl.col("label")).alias("label"))
    return wl.filter(pl.col("flag")), ""


def _venue_version() -> str:
    from litscan import datasets

    p = datasets.data_dir() / "venue_works.parquet"
    return f"venue_works.parquet {p.stat().st_size} bytes" if p.exists() else "missing"


def embedded_evidence(preset: Preset, *, need_classifier: bool | None = None) -> dict:
    """Evidence from the data shipped in the package."""
    from litscan import datasets

    out: dict[str, Evidence] = {}
    kinds = {c.evidence for c in preset.claims}
    labels_used = list(preset.labels.values())
    if preset.population.ai_scope is not None:
        labels_used.append(preset.population.ai_scope)
    if "records" in kinds:
        t = datasets.load_venue_papers(with_countries_only=True)
        wl, why = None, ""
        label_kinds: set[str] = set()
        unavailable = {
            "concept": "OpenAlex concepts are not on the embedded top-venue papers (they have no "
            "OpenAlex record)",
            "subfield": "OpenAlex topics are not on the embedded top-venue papers",
            "field": "OpenAlex topics are not on the embedded top-venue papers",
            "topic": "OpenAlex topics are not on the embedded top-venue papers",
            "work_labels": "work_labels:<name> labels come from a tables folder "
            "(litscan run PRESET --tables DIR)",
        }
        if need_classifier is None:
            need_classifier = any(lab.kind == "classifier" for lab in labels_used)
        if need_classifier:
            wl, why = classifier_labels()
            if wl is None:
                unavailable["classifier"] = why
            else:
                label_kinds.add("classifier")
        out["records"] = Evidence(
            kind="records",
            name="embedded top-venue papers (record level)",
            caveat="top venues only: " + datasets.VENUE_CAVEAT,
            works=t.works,
            work_countries=t.work_countries,
            work_labels=wl,
            label_kinds=frozenset(label_kinds),
            unavailable=unavailable,
            source="embedded",
            version=_venue_version(),
        )
    if "counts" in kinds:
        out["counts"] = Evidence(
            kind="counts",
            name="embedded OpenAlex country aggregates (output level)",
            caveat=datasets.COUNTS_CAVEAT,
            counts=datasets.load_openalex_counts(),
            source="embedded",
            version="openalex_counts.parquet",
        )
    return out


def _client(settings: Any):
    from litscan.openalex import OpenAlexClient

    return OpenAlexClient(settings)


def live_evidence(
    preset: Preset, settings: Any, *, cache_only: bool = False, progress: bool = False
) -> tuple[dict, list[str]]:
    """Evidence fetched from OpenAlex (or its cache); returns (evidence, query URLs w/o key)."""
    from litscan.errors import redact
    from litscan.normalize import topic_labels
    from litscan.openalex import build_query, count_by, fetch, render_query

    if cache_only:
        settings = settings.with_(base_url="http://127.0.0.1:9", max_retries=0)
    out: dict[str, Evidence] = {}
    urls: list[str] = []
    kinds = {c.evidence for c in preset.claims}
    src = "cache" if cache_only else "live"
    with _client(settings) as client:
        if "records" in kinds:
            f = openalex_filter(preset)
            urls.append(redact(client.url_for(render_query(build_query(f)))))
            try:
                res = fetch(
                    f,
                    sample=preset.live.sample,
                    seed=preset.live.seed,
                    max_works=preset.live.max_works,
                    client=client,
                    cache_dir=settings.cache_dir,
                    progress=progress,
                )
            except LitscanError as exc:
                if cache_only:
                    raise LitscanError(
                        f'source = "cache": the works for {f!r} are not in the '
                        f"cache {settings.cache_dir}",
                        hint='run it once with source = "live" and OPENALEX_API_KEY set',
                    ) from exc
                raise
            from litscan.normalize import normalize_works

            t = normalize_works(res.items, source=str(res.cache_dir))
            parts = []
            kinds_ok: set[str] = set()
            for level in ("subfield", "field", "topic"):
                if t.work_topics.height:
                    tl = topic_labels(t.work_topics, level=level, primary_only=True)
                    parts.append(tl)
                    kinds_ok.add(level)
            unavailable = {"concept": "concept labels need the counts evidence in live mode"}
            need_cls = any(lab.kind == "classifier" for lab in preset.labels.values())
            if need_cls:
                try:
                    from litscan import classify

                    pred = classify.predict(t.works.select("id", "title", "abstract"))
                    wl = classify.to_work_labels(pred).with_columns(
                        (pl.lit("classifier:") + pl.col("label")).alias("label")
                    )
                    parts.append(wl.filter(pl.col("flag")))
                    kinds_ok.add("classifier")
                except (ImportError, ModelError) as exc:
                    unavailable["classifier"] = f"classifier model not available ({exc})"
            wl = (
                pl.concat(
                    [p.select("work_id", "label", "score", "flag") for p in parts],
                    how="vertical_relaxed",
                )
                if parts
                else None
            )
            out["records"] = Evidence(
                kind="records",
                name=f"OpenAlex works ({src}, {len(res.items):,} works)",
                caveat=f"OpenAlex works matching {f}"
                + (f", random sample of {preset.live.sample}" if preset.live.sample else ""),
                works=t.works,
                work_countries=t.work_countries,
                work_labels=wl,
                label_kinds=frozenset(kinds_ok),
                unavailable=unavailable,
                source=src,
                version=str(res.manifest.get("created", "")),
            )
        if "counts" in kinds:
            specs = {}
            for c in preset.claims:
                if c.evidence != "counts":
                    continue
                for s in (c.a, c.b):
                    if s.is_constant:
                        continue
                    lab = preset.labels[s.label] if s.label else preset.population.ai_scope
                    if lab is not None and label_filter(lab):
                        specs[lab.spec] = lab
            rows = []
            y0, y1 = preset.population.years
            for spec, lab in specs.items():
                for y in range(y0, y1 + 1):
                    f = openalex_filter(preset, None, year=y)
                    lf = label_filter(lab)
                    if lf not in f:
                        f = f + "," + lf
                    urls.append(
                        redact(
                            client.url_for(
                                render_query(build_query(f, group_by="authorships.countries"))
                            )
                        )
                    )
                    df = count_by(
                        f, "authorships.countries", client=client, cache_dir=settings.cache_dir
                    )
                    df = df.filter((pl.col("key") != "unknown") & pl.col("count").is_not_null())
                    for k, n in zip(df["key"].to_list(), df["count"].to_list(), strict=True):
                        rows.append(
                            {
                                "country_code": k.upper(),
                                "year": y,
                                "label": spec,
                                "works": int(n),
                                "citations": None,
                                "counting": "whole",
                                "source": f"openalex group_by ({src})",
                            }
                        )
            from litscan.schemas import COUNTS

            counts = pl.DataFrame(rows, schema=COUNTS) if rows else pl.DataFrame(schema=COUNTS)
            out["counts"] = Evidence(
                kind="counts",
                name=f"OpenAlex group_by country counts ({src})",
                caveat="OpenAlex group_by authorships.countries, whole counting",
                counts=counts,
                source=src,
            )
    return out, urls


# --------------------------------------------------------------------------------------------
# tables folder (source = "tables")
# --------------------------------------------------------------------------------------------


def _topic_labels_lazy(topics: pl.LazyFrame, level: str, values: set[str]) -> pl.LazyFrame | None:
    """Primary-topic labels ``<level>:<id>`` (only the ids a preset uses) from work_topics."""
    id_col = "topic_id" if level == "topic" else f"{level}_id"
    names = topics.collect_schema().names()
    if id_col not in names:
        return None
    score = pl.col("score").cast(pl.Float64) if "score" in names else pl.lit(None, pl.Float64)
    return (
        topics.filter(pl.col("is_primary").fill_null(False) & pl.col(id_col).is_in(list(values)))
        .select(
            pl.col("work_id").cast(pl.Utf8),
            (pl.lit(f"{level}:") + pl.col(id_col).cast(pl.Utf8)).alias("label"),
            score.alias("score"),
            pl.lit(True).alias("flag"),
        )
        .unique(["work_id", "label"])
    )


def _works_topic_labels(works: pl.LazyFrame, level: str, values: set[str]) -> pl.LazyFrame | None:
    """The same labels from the works' primary-topic columns (folders without work_topics/)."""
    id_col = "primary_topic_id" if level == "topic" else f"{level}_id"
    if id_col not in works.collect_schema().names():
        return None
    return works.filter(pl.col(id_col).cast(pl.Utf8).is_in(list(values))).select(
        pl.col("id").cast(pl.Utf8).alias("work_id"),
        (pl.lit(f"{level}:") + pl.col(id_col).cast(pl.Utf8)).alias("label"),
        pl.lit(None, pl.Float64).alias("score"),
        pl.lit(True).alias("flag"),
    )


def _folder_version(path: Any) -> str:
    from pathlib import Path

    files = sorted(Path(path).glob("*/*.parquet")) + sorted(Path(path).glob("*.parquet"))
    size = sum(f.stat().st_size for f in files)
    return f"tables folder {path}: {len(files)} parquet file(s), {size:,} bytes"


def tables_evidence(preset: Preset, tables_dir: Any) -> dict:
    """Record-level evidence from a tables folder (:func:`litscan.tables.load_tables`).

    Only the population's years and venues are read (the filters are pushed into the parquet
    scan); labels come from ``work_labels/`` (label kind ``work_labels``), ``work_topics/`` or the
    works' primary-topic columns (``subfield``/``field``/``topic``), and litscan's classifiers when
    the works have ``title`` and ``abstract``. Aggregate-count claims are not testable on a tables
    folder (it holds records, not OpenAlex ``group_by`` counts).
    """
    from litscan.tables import load_tables

    t = load_tables(tables_dir)
    out: dict[str, Evidence] = {}
    if "records" not in {c.evidence for c in preset.claims}:
        return out
    labels_used = list(preset.labels.values())
    if preset.population.ai_scope is not None:
        labels_used.append(preset.population.ai_scope)
    by_kind: dict[str, set[str]] = {}
    for lab in labels_used:
        by_kind.setdefault(lab.kind, set()).add(lab.value)

    works = t.works.with_columns(pl.col("id").cast(pl.Utf8), pl.col("year").cast(pl.Int32))
    y0, y1 = preset.population.years
    works = works.filter(pl.col("year").is_between(y0, y1))
    if preset.population.venues:
        works = works.filter(pl.col("source").is_in(list(preset.population.venues)))
    names = works.collect_schema().names()
    need_text = "classifier" in by_kind and {"title", "abstract"} <= set(names)
    keep = [c for c in names if c != "abstract" or need_text]
    w = works.select(keep).collect()
    ids = w.select(pl.col("id").alias("work_id")).lazy()
    wc = (
        t.work_countries.select(
            pl.col("work_id").cast(pl.Utf8),
            pl.col("country_code").cast(pl.Utf8),
            pl.col("whole").cast(pl.Float64),
            pl.col("fractional").cast(pl.Float64),
        )
        .join(ids, on="work_id", how="semi")
        .collect()
    )

    where = str(tables_dir)
    unavailable = {
        "concept": f"OpenAlex concepts are not in the tables folder {where}",
        "classifier": f"the works in {where} have no title and abstract to classify",
        "work_labels": f"the tables folder {where} has no work_labels/ table",
    }
    for kind in ("subfield", "field", "topic"):
        unavailable[kind] = f"the tables folder {where} has no work_topics/ and no {kind} column"
    parts: list[pl.LazyFrame] = []
    kinds_ok: set[str] = set()
    if t.work_labels is not None:
        kinds_ok.add("work_labels")
        unavailable.pop("work_labels")
        wl_names = t.work_labels.collect_schema().names()
        score = (
            pl.col("score").cast(pl.Float64) if "score" in wl_names else pl.lit(None, pl.Float64)
        )
        parts.append(
            t.work_labels.filter(
                pl.col("label").cast(pl.Utf8).is_in(list(by_kind.get("work_labels", ())))
            ).select(
                pl.col("work_id").cast(pl.Utf8),
                (pl.lit("work_labels:") + pl.col("label").cast(pl.Utf8)).alias("label"),
                score.alias("score"),
                pl.col("flag").fill_null(False),
            )
        )
    for kind in ("subfield", "field", "topic"):
        lf = None
        if t.work_topics is not None:
            lf = _topic_labels_lazy(t.work_topics, kind, by_kind.get(kind, set()))
        if lf is None:
            lf = _works_topic_labels(works, kind, by_kind.get(kind, set()))
        if lf is not None:
            kinds_ok.add(kind)
            unavailable.pop(kind)
            parts.append(lf)
    frames = [f.join(ids, on="work_id", how="semi") for f in parts]
    collected = pl.collect_all(frames) if frames else []
    if need_text:
        try:
            from litscan import classify

            pred = classify.predict(w.select("id", "title", "abstract"))
            wl = classify.to_work_labels(pred).with_columns(
                (pl.lit("classifier:") + pl.col("label")).alias("label")
            )
            collected.append(wl.filter(pl.col("flag")))
            kinds_ok.add("classifier")
            unavailable.pop("classifier")
        except (ImportError, ModelError, OSError) as exc:
            unavailable["classifier"] = f"litscan's classifier model is not available ({exc})"
        w = w.drop("abstract")
    wl_all = (
        pl.concat(
            [f.select("work_id", "label", "score", "flag") for f in collected],
            how="vertical_relaxed",
        )
        if collected
        else None
    )
    out["records"] = Evidence(
        kind="records",
        name=f"tables folder {where} ({w.height:,} works in the population)",
        caveat=f"the works in the tables folder {where}, as written by the tool that made it",
        works=w,
        work_countries=wc,
        work_labels=wl_all,
        label_kinds=frozenset(kinds_ok),
        unavailable=unavailable,
        source="tables",
        version=_folder_version(tables_dir),
    )
    return out
