"""Load the evidence a preset's claims rest on (the I/O edge of ``litscan run``).

* **embedded** (``--offline``): the top-venue papers with per-author countries, labelled by
  litscan's classifiers (record level), and the real OpenAlex country aggregates (output level);
* **live**: the preset's live formulation (:mod:`litscan.claims.plan`): full-population country counts
  (``group_by``) for every claim side OpenAlex can select, and works (all, or a seeded sample
  stratified by year) only where a number needs work records; through the resumable cache;
* **cache**: like live, but only what is already in the cache (no network);
* **tables** (``--tables DIR``): any tables folder (``litscan ingest --out`` / ``fetch --out``
  layout, :mod:`litscan.tables.folder`), with labels from ``work_labels/`` (``work_labels:<name>``),
  ``work_topics/`` (``subfield:``, ``field:``, ``topic:``) and, when the works carry titles and
  abstracts, litscan's classifiers.

Classifier labels of the embedded papers are computed once per model (kept on disk by
:mod:`litscan.labels.cache`) and reused by every preset, process and notebook kernel.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from litscan.claims import plan
from litscan.claims.results import Evidence
from litscan.claims.specs import Preset
from litscan.errors import LitscanError, ModelError

__all__ = [
    "embedded_evidence",
    "live_evidence",
    "plan_preset",
    "tables_evidence",
    "classifier_labels",
    "formulation_labels",
    "embedded_files",
    "model_file",
]

log = logging.getLogger("litscan.claims.evidence")

TOPIC_KINDS = frozenset({"subfield", "field", "topic"})


def classifier_labels(key: str = "venues") -> tuple[pl.DataFrame | None, str]:
    """work_labels (label = ``classifier:<name>``) for the embedded venue papers, and a note.

    Classified once per model and rule version and kept on disk (:mod:`litscan.labels.cache`:
    the shipped prebuilt file when its key matches, else the labels cache folder, else computed
    now and stored there); kept in memory per key. Returns ``(None, reason)`` when the model
    is not available.
    """
    try:
        from litscan.labels import cache as labelcache

        wl, origin = labelcache.venue_labels()
    except (ImportError, SyntaxError, ModelError, OSError) as exc:
        return None, f"litscan's classifier model is not available ({exc})"
    log.info("classifier labels of the embedded papers: %s", origin)
    return wl, ""


def _venue_version() -> str:
    from litscan.tables import datasets

    p = datasets.data_dir() / "venue_works.parquet"
    return f"venue_works.parquet {p.stat().st_size} bytes" if p.exists() else "missing"


def embedded_evidence(preset: Preset, *, need_classifier: bool | None = None) -> dict:
    """Evidence from the data shipped in the package."""
    from litscan.tables import datasets

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


def _client(settings: Any, *, cache_only: bool = False):
    """An OpenAlex client; with ``cache_only`` its session refuses every request, so only
    complete cached results can be read (the cache key keeps the configured base URL)."""
    from litscan.openalex.client import OpenAlexClient

    if not cache_only:
        return OpenAlexClient(settings)
    import requests

    class _NoNetwork(requests.adapters.BaseAdapter):
        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            raise requests.ConnectionError("source = 'cache': no network requests are made")

        def close(self) -> None:
            pass

    session = requests.Session()
    session.mount("http://", _NoNetwork())
    session.mount("https://", _NoNetwork())
    return OpenAlexClient(settings.with_(max_retries=0), session=session)


# --------------------------------------------------------------------------------------------
# live: plan, then ask OpenAlex only what the numbers need
# --------------------------------------------------------------------------------------------

_COUNTRIES = "authorships.countries"
_LABEL_FIELDS = {"concept": "concepts", "source": "locations"}


def embedded_files(preset: Preset, source: str) -> list[Path]:
    """The package data files a run of ``preset`` from ``source`` reads (for their sha256)."""
    from litscan.tables import datasets

    d = datasets.data_dir()
    kinds = {c.evidence for c in preset.claims}
    files = [d / "taxonomy_topics.parquet"]  # validates topic/subfield/field ids
    if source == "embedded":
        if "records" in kinds:
            files += [d / "venue_works.parquet", d / "venue_authorships.parquet"]
        if "counts" in kinds:
            files.append(d / "openalex_counts.parquet")
    if model_file(preset, source) is not None:
        files.append(d / "surveillance_terms.tsv")  # the classifier's surveillance-task terms
    return [f for f in files if f.is_file()]


def model_file(preset: Preset, source: str) -> Path | None:
    """The classifier model file a run of ``preset`` uses, or None."""
    labels = list(preset.labels.values())
    if preset.population.ai_scope is not None:
        labels.append(preset.population.ai_scope)
    if not any(lab.kind == "classifier" for lab in labels):
        return None
    if source != "embedded":
        lf = plan.live_formulation(preset)
        if not any(
            lab.kind == "classifier" and name not in lf.labels
            for name, lab in preset.labels.items()
        ):
            return None
    from litscan.labels.classify import MODEL_PATH

    return Path(MODEL_PATH)


def _group_key() -> str:
    return f"{_COUNTRIES}:include_unknown"


def _groups_manifest(client: Any, flt: str, cache_dir: Any) -> dict:
    """The cache manifest of a country group_by query (its count, fetched_at, data version)."""
    from litscan.openalex.cache import QueryCache
    from litscan.openalex.query import build_query, render_query

    base = render_query(build_query(flt, group_by=_group_key()))
    m = QueryCache(cache_dir, client.url_for(base), kind="groups").load_manifest()
    return m or {}


def _query_url(client: Any, q: plan.Query) -> str:
    from litscan.errors import redact
    from litscan.openalex.paging import DEFAULT_WORK_FIELDS
    from litscan.openalex.query import build_query, render_query

    if q.kind == "group_by":
        pq = render_query(build_query(q.filter, group_by=_group_key()))
    elif q.kind == "years":
        pq = render_query(build_query(q.filter, group_by=f"{q.group_by}:include_unknown"))
    else:
        pq = render_query(
            build_query(q.filter, select=DEFAULT_WORK_FIELDS, sample=q.sample, seed=q.seed)
        )
    return redact(client.url_for(pq))


def _select(lf: plan.LiveFormulation) -> list[str]:
    """The work fields a works fetch asks for: the normaliser's plus what the labels read."""
    from litscan.openalex.paging import DEFAULT_WORK_FIELDS

    kinds = {f.kind for f in lf.labels.values()}
    return list(DEFAULT_WORK_FIELDS) + [_LABEL_FIELDS[k] for k in _LABEL_FIELDS if k in kinds]


def plan_preset(preset: Preset, settings: Any, *, client: Any = None) -> plan.Plan:
    """Every query a live run of ``preset`` makes, with its count and estimated cost.

    Each query is planned with :func:`litscan.openalex.cost.plan_query`: one ``per_page=1`` probe
    (none when the cache already holds it); the works sample is allocated from one probe per
    year. Nothing is fetched."""
    from litscan.openalex.cost import plan_query

    lf = plan.live_formulation(preset)
    own = client is None
    client = client or _client(settings)
    root = settings.cache_dir
    try:
        before = client.requests_made
        out: list[plan.PlannedQuery] = []
        qps = []

        def add(q: plan.Query, **kw: Any) -> None:
            qp = plan_query(q.filter, client=client, cache_dir=root, **kw)
            qps.append(qp)
            out.append(plan.PlannedQuery(q, qp.url, qp.count, qp.requests, qp.cost_usd))

        for q in plan.population_queries(lf):
            add(q, group_by=_COUNTRIES)
        probes = plan.works_queries(lf, None)
        year_counts: dict[int, int] = {}
        if probes:
            y0, y1 = lf.years
            for y in range(y0, y1 + 1):
                flt = plan.and_filters(lf.population, f"publication_year:{y}")
                year_counts[y] = plan_query(flt, client=client, cache_dir=root).count
            for q in probes:
                add(q, group_by=q.group_by)
            for q in plan.works_queries(lf, year_counts):
                add(q, select=_select(lf), sample=q.sample, seed=q.seed)
        unit = qps[0].unit_cost_usd if qps else plan.PRICE_PER_LIST_REQUEST_USD
        source = qps[0].price_source if qps else "documented"
        return plan.Plan(
            preset=preset.name,
            queries=tuple(out),
            routes=lf.routes,
            differences=lf.differences,
            probe_requests=client.requests_made - before,
            price_per_request=unit,
            price_source=plan.PRICE_SOURCE if source == "documented" else source,
            rate_limit=dict(getattr(client, "rate_limit", {}) or {}),
        )
    finally:
        if own:
            client.close()


def _short(v: Any) -> str:
    return "" if v is None else str(v).rsplit("/", 1)[-1]


def _record_values(rec: Mapping[str, Any], kind: str) -> set[str]:
    """The ids of ``kind`` (topic, subfield, field, concept, source) a raw work carries."""
    if kind in ("topic", "subfield", "field"):
        pt = rec.get("primary_topic") or {}
        node = pt if kind == "topic" else (pt.get(kind) or {})
        return {_short(node.get("id"))} - {""}
    if kind == "concept":
        return {_short(c.get("id")) for c in rec.get("concepts") or [] if isinstance(c, dict)}
    locs = list(rec.get("locations") or []) + [rec.get("primary_location") or {}]
    return {_short(((loc or {}).get("source") or {}).get("id")) for loc in locs} - {""}


def formulation_labels(
    records: Sequence[Mapping[str, Any]], formulations: Mapping[str, plan.Formulation]
) -> pl.DataFrame:
    """work_labels (label = ``openalex:<filter>``) of raw works for live label formulations."""
    rows: dict[str, list] = {"work_id": [], "label": [], "score": [], "flag": []}
    for rec in records:
        wid = _short(rec.get("id"))
        for f in formulations.values():
            if _record_values(rec, f.kind) & set(f.values):
                rows["work_id"].append(wid)
                rows["label"].append(f"openalex:{f.filter}")
                rows["score"].append(None)
                rows["flag"].append(True)
    return pl.DataFrame(
        rows, schema={"work_id": pl.Utf8, "label": pl.Utf8, "score": pl.Float64, "flag": pl.Boolean}
    )


def _version(prov: Mapping[str, Any]) -> str:
    parts = [f"fetched {prov.get('fetched_at') or '?'}"]
    if prov.get("max_updated_date"):
        parts.append(f"newest updated_date {prov['max_updated_date']}")
    for k, v in (prov.get("meta_versions") or {}).items():
        parts.append(f"{k} {v}")
    return "OpenAlex, " + ", ".join(parts)


def _merge_versions(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    fetched = [str(m["fetched_at"]) for m in items if m.get("fetched_at")]
    updated = [str(m["max_updated_date"]) for m in items if m.get("max_updated_date")]
    meta: dict[str, Any] = {}
    for m in items:
        meta.update(m.get("meta_versions") or {})
    return {
        "fetched_at": max(fetched) if fetched else None,
        "fetched_first": min(fetched) if fetched else None,
        "max_updated_date": max(updated) if updated else None,
        "meta_versions": meta,
    }


def _manifest_version(m: Mapping[str, Any]) -> dict[str, Any]:
    """The data version of one cached query (:func:`litscan.openalex.paging.provenance`)."""
    from litscan.openalex.paging import FetchResult, provenance

    p = provenance(FetchResult(items=[], manifest=dict(m), cache_dir=None, requests_made=0))
    meta = dict(p.get("meta_versions") or {})
    if p.get("api_data_version"):
        meta.setdefault("api_data_version", p["api_data_version"])
    return {
        "url": p.get("query_url"),
        "fetched_at": p.get("fetched_at"),
        "max_updated_date": p.get("max_updated_date"),
        "server_date": p.get("server_date"),
        "meta_versions": meta,
        "count": p.get("count"),
        "items": p.get("items"),
    }


def _population_evidence(
    lf: plan.LiveFormulation, client: Any, settings: Any, src: str, urls: list[str]
) -> Evidence | None:
    from litscan.openalex.groupby import count_by
    from litscan.tables.schemas import COUNTS

    queries = plan.population_queries(lf)
    if not queries:
        return None
    rows, totals, versions = [], [], []
    for q in queries:
        urls.append(_query_url(client, q))
        df = count_by(q.filter, _COUNTRIES, client=client, cache_dir=settings.cache_dir)
        m = _groups_manifest(client, q.filter, settings.cache_dir)
        versions.append(_manifest_version(m))
        unknown = df.filter(pl.col("key") == "unknown")["count"].fill_null(0).sum()
        known = df.filter((pl.col("key") != "unknown") & pl.col("count").is_not_null())
        n = m.get("count")
        if n is None:  # pragma: no cover - count_by always stores meta.count
            raise LitscanError(f"{q.filter}: OpenAlex gave no meta.count for the group_by")
        label = f"openalex:{q.key}"
        totals.append({"label": label, "year": q.year, "works": int(n) - int(unknown)})
        for k, c in zip(known["key"].to_list(), known["count"].to_list(), strict=True):
            rows.append(
                {
                    "country_code": k.upper(),
                    "year": q.year,
                    "label": label,
                    "works": int(c),
                    "citations": None,
                    "counting": "whole",
                    "source": f"openalex group_by ({src})",
                }
            )
    counts = pl.DataFrame(rows, schema=COUNTS) if rows else pl.DataFrame(schema=COUNTS)
    tot = pl.DataFrame(totals, schema={"label": pl.Utf8, "year": pl.Int32, "works": pl.Int64})
    prov = {**_merge_versions(versions), "queries": versions, "taxonomy": plan.TAXONOMY_VERSION}
    return Evidence(
        kind="counts",
        name=f"OpenAlex full population, group_by {_COUNTRIES} ({src})",
        caveat="whole counts of every matching OpenAlex work (not a sample): group_by "
        f"{_COUNTRIES}:include_unknown per side and year; denominator = works with at least one "
        "known country (meta.count minus the unknown group)",
        counts=counts,
        totals=tot,
        source=src,
        version=_version(prov),
        provenance=prov,
    )


def _works_evidence(
    lf: plan.LiveFormulation,
    client: Any,
    settings: Any,
    src: str,
    urls: list[str],
    progress: bool,
) -> Evidence | None:
    from litscan.openalex.groupby import count_by
    from litscan.openalex.paging import fetch
    from litscan.stats.shares import highly_cited
    from litscan.tables.normalize import normalize_works

    preset = lf.preset
    probes = plan.works_queries(lf, None)
    if not probes:
        return None
    year_counts: dict[int, int] = {}
    y0, y1 = lf.years
    for q in probes:
        urls.append(_query_url(client, q))
        df = count_by(q.filter, "publication_year", client=client, cache_dir=settings.cache_dir)
        for k, c in zip(df["key"].to_list(), df["count"].to_list(), strict=True):
            if k.isdigit() and y0 <= int(k) <= y1 and c:
                year_counts[int(k)] = int(c)
    fetches = plan.works_queries(lf, year_counts)
    select = _select(lf)
    records: list[dict] = []
    seen: set[str] = set()
    versions = []
    for q in fetches:
        urls.append(_query_url(client, q))
        res = fetch(
            q.filter,
            select=select,
            sample=q.sample,
            seed=q.seed,
            client=client,
            cache_dir=settings.cache_dir,
            progress=progress,
        )
        versions.append(_manifest_version(res.manifest))
        for rec in res.items:
            wid = _short(rec.get("id"))
            if wid and wid not in seen:
                seen.add(wid)
                records.append(rec)
    t = normalize_works(records, source=f"OpenAlex ({src})")
    total = sum(year_counts.values())
    sampled = any(q.kind == "sample" for q in fetches)
    basis = (
        f"seeded sample of {len(records):,} of {total:,} works (seed {preset.live.seed}, "
        "stratified by year, proportional allocation)"
        if sampled
        else f"all {len(records):,} works of the population"
    )
    parts = [formulation_labels(records, lf.labels)]
    kinds_ok = {"openalex"}
    unavailable: dict[str, str] = {}
    if any(
        lab.kind == "classifier" and name not in lf.labels for name, lab in preset.labels.items()
    ):
        try:
            from litscan.labels import classify

            pred = classify.predict(t.works.select("id", "title", "abstract"))
            wl = classify.to_work_labels(pred).with_columns(
                (pl.lit("classifier:") + pl.col("label")).alias("label")
            )
            parts.append(wl.filter(pl.col("flag")).select("work_id", "label", "score", "flag"))
            kinds_ok.add("classifier")
        except (ImportError, ModelError, OSError) as exc:
            unavailable["classifier"] = f"classifier model not available ({exc})"
    wl = pl.concat(parts, how="vertical_relaxed")
    top_sets = {}
    for top in plan.PERCENTILE_FLAGS:
        try:
            top_sets[top] = highly_cited(
                t.works, top=top, method="openalex_flag", within=preset.highly_cited.within
            )
        except (LitscanError, ValueError):
            pass
    prov = {
        **_merge_versions(versions),
        "queries": versions,
        "basis": basis,
        "taxonomy": plan.TAXONOMY_VERSION,
        "population_works": total,
        "year_counts": {str(k): v for k, v in year_counts.items()},
    }
    return Evidence(
        kind="records",
        name=f"OpenAlex works ({src}): {basis}",
        caveat=f"OpenAlex works matching {lf.sample_filter()}; {basis}",
        works=t.works,
        work_countries=t.work_countries,
        work_labels=wl,
        label_kinds=frozenset(kinds_ok),
        unavailable=unavailable,
        source=src,
        version=_version(prov),
        top_sets=top_sets,
        provenance=prov,
    )


def live_evidence(
    preset: Preset, settings: Any, *, cache_only: bool = False, progress: bool = False
) -> tuple[dict, list[str]]:
    """Evidence from OpenAlex (or only its cache) for the live formulation of ``preset``;
    returns (evidence, query URLs without the key).

    ``counts``: full-population country counts (group_by) for every claim side OpenAlex can
    select; ``records``: the works (all, or a seeded sample stratified by year) where a number
    needs work records (see :mod:`litscan.claims.plan`)."""
    lf = plan.live_formulation(preset)
    out: dict[str, Evidence] = {}
    urls: list[str] = []
    src = "cache" if cache_only else "live"
    try:
        with _client(settings, cache_only=cache_only) as client:
            ev = _population_evidence(lf, client, settings, src, urls)
            if ev is not None:
                out["counts"] = ev
            ev = _works_evidence(lf, client, settings, src, urls, progress)
            if ev is not None:
                out["records"] = ev
    except LitscanError as exc:
        if cache_only:
            raise LitscanError(
                f'source = "cache": a query of {preset.path} is not in the cache '
                f"{settings.cache_dir} ({exc})",
                hint='run it once with source = "live" and OPENALEX_API_KEY set',
            ) from exc
        raise
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

    if not isinstance(path, str | Path):
        return "tables given in memory"
    files = sorted(Path(path).glob("*/*.parquet")) + sorted(Path(path).glob("*.parquet"))
    size = sum(f.stat().st_size for f in files)
    return f"tables folder {path}: {len(files)} parquet file(s), {size:,} bytes"


def tables_evidence(preset: Preset, tables_dir: Any) -> dict:
    """Record-level evidence from a tables folder (:func:`litscan.tables.folder.load_tables`).

    Only the population's years and venues are read (the filters are pushed into the parquet
    scan); labels come from ``work_labels/`` (label kind ``work_labels``), ``work_topics/`` or the
    works' primary-topic columns (``subfield``/``field``/``topic``), and litscan's classifiers when
    the works have ``title`` and ``abstract``. Aggregate-count claims are not testable on a tables
    folder (it holds records, not OpenAlex ``group_by`` counts).
    """
    from litscan.tables.folder import Tables, load_tables

    t = tables_dir if isinstance(tables_dir, Tables) else load_tables(tables_dir)
    if t.path is not None:
        tables_dir = t.path
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
            from litscan.labels import classify

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
