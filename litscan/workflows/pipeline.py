"""The library functions behind ``litscan fetch``, ``shares``, ``classify`` and ``ingest``.

They chain through a tables folder (:mod:`litscan.tables.folder`)::

    import litscan
    litscan.fetch("publication_year:2020,primary_topic.subfield.id:1702", out="t", max_works=500)
    litscan.shares("t", by="country,year")          # a polars DataFrame with intervals
    litscan.run_preset("my-preset.toml", tables="t")
    litscan.ingest("snapshot/", "t2", filter="publication_year:2023")

Nothing here parses command-line arguments or prints; the command modules do that.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from litscan.errors import InputDataError, UsageError

__all__ = ["fetch", "Fetched", "shares", "shares_method", "classify", "ingest", "FRACTIONAL_RULE"]

FRACTIONAL_RULE = (
    "fractional counting: a work's weight of 1 is split equally among its authors with at least "
    "one country, each author's part equally among that author's countries"
)
COUNTINGS = ("whole", "fractional", "both")
TOPIC_LEVELS = ("subfield", "field", "topic", "domain")


def _check_int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool)
    if not ok or value < lo or (hi is not None and value > hi):
        rng = f"{lo}..{hi}" if hi is not None else f">= {lo}"
        raise UsageError(f"{name}: expected an integer {rng}, got {value!r}", hint=f"use {rng}")
    return value


def _choice(name: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices:
        raise UsageError(f"{name}: expected one of {', '.join(choices)}, got {value!r}")
    return value


# --------------------------------------------------------------------------------------------
# fetch
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    """What :func:`fetch` produced: the tidy tables, the raw fetch result and the folder written."""

    tables: Any  # litscan.tables.normalize.Tables (eager)
    result: Any  # litscan.openalex.paging.FetchResult (items, manifest, cache_dir, requests_made)
    out: Path | None


def fetch(
    filter: str,
    *,
    out: str | Path | None = None,
    select: Sequence[str] | str | None = "default",
    max_works: int | None = None,
    sample: int | None = None,
    seed: int | None = None,
    settings: Any = None,
    refresh: bool = False,
    progress: bool = False,
) -> Fetched:
    """Fetch every OpenAlex work matching ``filter`` (through the resumable cache), normalise it
    into the four tidy tables and, with ``out``, write them as a tables folder (the layout
    ``litscan ingest --out`` writes: ``works/``, ``authorships/``, ``work_countries/``,
    ``work_topics/``). ``out`` ending in ``.parquet`` writes only the works table there.

    ``select="default"`` fetches the fields litscan reads, ``None`` full records. ``settings`` is a
    :class:`litscan.config.Settings` (default: resolved from the environment).
    """
    from litscan.config import resolve_settings
    from litscan.openalex.client import OpenAlexClient
    from litscan.openalex.paging import DEFAULT_WORK_FIELDS
    from litscan.openalex.paging import fetch as fetch_pages
    from litscan.tables.normalize import normalize_works, work_countries

    if max_works is not None:
        _check_int("max_works", max_works, 1)
    settings = settings or resolve_settings()
    fields = DEFAULT_WORK_FIELDS if select == "default" else select
    with OpenAlexClient(settings) as client:
        result = fetch_pages(
            filter,
            select=fields,
            max_works=max_works,
            sample=sample,
            seed=seed,
            client=client,
            cache_dir=settings.cache_dir,
            refresh=refresh,
            progress=progress,
        )
    t = normalize_works(result.items, source=str(result.cache_dir))
    where = None
    if out is not None:
        where = Path(out)
        if where.suffix == ".parquet":
            from litscan.fileio import atomic_path

            with atomic_path(where) as tmp:
                t.works.write_parquet(tmp)
        else:
            from litscan.tables.folder import write_tables

            wc = work_countries(t.authorships, works=t.works)
            write_tables(
                {
                    "works": t.works,
                    "authorships": t.authorships,
                    "work_countries": wc,
                    "work_topics": t.work_topics,
                },
                where,
            )
    return Fetched(tables=t, result=result, out=where)


# --------------------------------------------------------------------------------------------
# shares
# --------------------------------------------------------------------------------------------


def _labels(spec: str | pl.DataFrame | pl.LazyFrame | None, tables: dict) -> pl.DataFrame:
    from litscan.tables.normalize import topic_labels

    if isinstance(spec, pl.LazyFrame):
        return spec.collect()
    if isinstance(spec, pl.DataFrame):
        return spec
    if spec is None or spec in TOPIC_LEVELS:
        if tables.get("work_labels") is not None and spec is None:
            return tables["work_labels"]
        topics = tables.get("work_topics")
        if topics is None or topics.height == 0:
            if tables.get("work_labels") is not None:
                return tables["work_labels"]
            raise InputDataError(
                f"by label with labels {spec!r}: the input has no topics and no work_labels",
                hint="pass labels=FILE.parquet (a work_labels table) or a folder with work_labels/",
            )
        return topic_labels(topics, level=spec or "subfield")
    path = Path(spec)
    if not path.is_file():
        raise UsageError(
            f"labels {spec!r} is neither a topic level nor a parquet file",
            hint=f"{', '.join(TOPIC_LEVELS)} or FILE.parquet (a work_labels table)",
        )
    from litscan.fileio import check_input_file

    check_input_file(path, "work_labels file")
    try:
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputDataError(f"{path}: cannot be read as parquet ({first})") from None


def shares_method(
    *,
    counts_path: bool,
    counting: str = "fractional",
    country_source: str = "authorships",
    resamples: int = 1000,
    seed: int = 0,
) -> str:
    """One sentence on how :func:`shares` computed its numbers (the CLI prints it)."""
    if counts_path:
        return "counts path: whole counting, no bootstrap intervals"
    rule = FRACTIONAL_RULE if counting != "whole" else "whole counting: 1 per country"
    return (
        f"records path; {rule}; country source: {country_source}; {resamples} Poisson-bootstrap "
        f"resamples over works, seed {seed}, 95 % percentile intervals"
    )


def shares(
    input: Any,
    *,
    by: str | Sequence[str] = "country",
    counting: str = "fractional",
    country_source: str = "authorships",
    labels: str | pl.DataFrame | pl.LazyFrame | None = "subfield",
    top: float | None = None,
    unknown: str = "report",
    truncated: str = "flag",
    resamples: int = 1000,
    seed: int = 0,
    min_works: int | None = None,
) -> pl.DataFrame:
    """Country shares with bootstrap intervals for ``input``: a tables folder, a works
    JSONL(.gz), a parquet table, ``@fixture``/``@venues``/``@counts``, or a
    :class:`litscan.tables.folder.Tables` (lazy frames are collected here).

    ``by`` groups by ``country`` plus ``year``, ``label`` or any works column; ``labels`` says
    where ``label`` comes from (a topic level, a work_labels parquet file or frame). An aggregate
    count table takes the counts path (whole counting only, no intervals).
    """
    from litscan.claims.inputs import load_input
    from litscan.config import DEFAULT_MIN_WORKS
    from litscan.stats.counts import shares_from_counts
    from litscan.stats.frames import _norm_by
    from litscan.stats.shares import country_shares, highly_cited

    _choice("counting", counting, COUNTINGS)
    _choice("unknown", unknown, ("report", "include"))
    _choice("truncated", truncated, ("flag", "exclude"))
    _check_int("resamples", resamples, 0, 100_000)
    _check_int("seed", seed, 0, 2**32 - 1)
    min_works = DEFAULT_MIN_WORKS if min_works is None else min_works
    _check_int("min_works", min_works, 0)
    if top is not None and (isinstance(top, bool) or not 0 < float(top) < 1):
        raise UsageError(f"top: expected a share between 0 and 1 (exclusive), got {top!r}")
    tables = load_input(input, country_source)
    by_cols = _norm_by(by)
    if "counts" in tables:
        if counting != "whole":
            raise UsageError(
                f"{input} is an aggregate count table: only counting 'whole' is possible",
                hint="fractional counting needs work records",
            )
        out = shares_from_counts(tables["counts"], by=by_cols, min_works=min_works)
    else:
        wl = _labels(labels, tables) if "label" in by_cols else tables.get("work_labels")
        subset = None
        if top is not None:
            if tables.get("works") is None:
                raise UsageError("top needs the works table (citations)")
            subset = highly_cited(tables["works"], top=top)
        out = country_shares(
            tables["work_countries"],
            works=tables.get("works"),
            work_labels=wl,
            by=by_cols,
            counting=counting,
            subset=subset,
            unknown=unknown,
            truncated=truncated,
            n_resamples=resamples,
            seed=seed,
            min_works=min_works,
        )
    return out.with_columns(pl.col("country_code").fill_null("unknown"))


# --------------------------------------------------------------------------------------------
# classify
# --------------------------------------------------------------------------------------------


def classify(input: Any, *, model: Any = None) -> pl.DataFrame:
    """Label papers with litscan's topic classifier: one row per paper (``id``, one 0/1 column
    and one ``p_<label>`` score per label).

    ``input`` is a CSV / JSONL(.gz) / parquet file with ``id, title, abstract``, a tables folder
    (its works table), a :class:`litscan.tables.folder.Tables`, or a polars DataFrame/LazyFrame.
    ``model`` is a model path or object (default: the shipped model).
    """
    from litscan.labels import inference as C
    from litscan.tables.folder import Tables, load_tables

    if isinstance(input, str | Path) and Path(input).is_dir():
        input = load_tables(input)
    if isinstance(input, Tables):
        cols = input.works.collect_schema().names()
        if "title" not in cols:
            where = f"{input.path}: " if input.path is not None else ""
            raise InputDataError(
                f"{where}the works table has no title column to classify",
                hint="fetch or ingest the works with their titles and abstracts",
            )
        input = input.works.select([c for c in ("id", "title", "abstract") if c in cols])
    if isinstance(input, pl.LazyFrame):
        input = input.collect()
    if isinstance(input, str | Path):
        from litscan.fileio import check_input_file

        check_input_file(input)
        df = C.read_input(input)
    elif isinstance(input, pl.DataFrame):
        df = C._check_columns(input, "input frame")
    else:
        raise UsageError(
            f"classify: expected a path, tables or a polars frame, got {type(input).__name__}"
        )
    if model is None or isinstance(model, str | Path):
        model = C.load_model(model)
    return C.predict(df, model)


# --------------------------------------------------------------------------------------------
# ingest
# --------------------------------------------------------------------------------------------


def ingest(
    snapshot: str | os.PathLike,
    out: str | os.PathLike,
    *,
    filter: Any = None,
    progress: Callable[..., None] | None = None,
    **options: Any,
) -> Any:
    """Stream an OpenAlex snapshot's works into the tables folder ``out`` (resumable), keeping the
    works matching ``filter`` (OpenAlex syntax, e.g. ``"publication_year:2023"``, or a
    :class:`litscan.tables.filters.WorkFilter`). ``options`` are those of :func:`litscan.tables.ingest.ingest`
    (``engine``, ``workers``, ``jobs``, ``batch_bytes``, ``on_bad_record``, ``restart``, ``limit``
    ...). Returns the ingest report; :func:`litscan.load_tables` opens the result."""
    from litscan.tables import ingest as ing
    from litscan.tables.filters import WorkFilter

    flt = filter if isinstance(filter, WorkFilter) else WorkFilter.parse(filter)
    return ing.ingest(snapshot, out, flt, progress=progress, **options)
