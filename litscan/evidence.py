"""Load the evidence a preset's claims rest on (the I/O edge of ``litscan run``).

* **embedded** (``--offline``): the top-venue papers with per-author countries, labelled by
  litscan's classifiers (record level), and the real OpenAlex country aggregates (output level);
* **live**: works fetched from OpenAlex with the preset's filters (through the resumable cache)
  and ``group_by`` country counts per year and label;
* **cache**: like live, but only what is already in the cache (no network).

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

__all__ = ["embedded_evidence", "live_evidence", "classifier_labels"]

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
