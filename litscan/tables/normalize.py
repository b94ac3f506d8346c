"""Raw OpenAlex work JSON -> tidy polars tables (``works``, ``authorships``, ``work_countries``,
``work_topics``), each with the explicit schema in :mod:`litscan.tables.schemas` (see ``docs/tables.md``).

One normaliser for every source: API pages and the cache (:func:`normalize_works`, Python
records), JSON Lines (:func:`normalize_jsonl`) and snapshot partitions (``litscan.tables.ingest``) all go
through the typed decoder (:mod:`litscan.tables.decode`) and then :func:`normalize_decoded`, which is
vectorised polars except for the abstracts (rebuilt per work, only for the works a filter keeps).

This stage is pure: records in, frames out. Missing fields (e.g. records fetched with ``select=``)
become nulls. A bad record (wrong field types, not a work, invalid JSON or Unicode, too deeply
nested) is skipped and counted in ``Tables.issues`` with its record number and work id, or raised
as :class:`MalformedRecordError` with ``on_bad_record="raise"``. Documented coercions (counted and
logged): ``authorships[].countries`` given as one string is one code. Country codes that are not
ISO 3166-1 alpha-2 (or ``XK``) are dropped from the country lists and counted, never counted as a
country. Duplicate work ids are an error (the caller deduplicates).

Fractional counting rule (the default everywhere in litscan)
-----------------------------------------------------------
A work's weight of 1 is split equally among its authors that have at least one country; each such
author's part is split equally among that author's distinct countries; the parts are summed per
country. Authors with no country get no weight; works with no country at all keep one row with a
null ``country_code`` (reported as *unknown*, never silently dropped). Whole counting gives 1 to
each distinct country on the work.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import numpy as np
import polars as pl

from litscan.config import DEFAULT_BATCH_BYTES
from litscan.errors import InputDataError, MalformedRecordError, UsageError
from litscan.tables import schemas
from litscan.tables.abstracts import rebuild_abstract
from litscan.tables.decode import (
    Decoded,
    OnBadRecord,
    RecordIssues,
    decode_jsonl,
    encode_records,
    no_gc,
)
from litscan.tables.filters import WorkFilter

__all__ = [
    "Tables",
    "RecordIssues",
    "TABLE_NAMES",
    "short_id",
    "rebuild_abstract",
    "normalize_works",
    "normalize_jsonl",
    "normalize_decoded",
    "concat_tables",
    "empty_tables",
    "work_countries",
    "country_coverage",
    "topic_labels",
    "valid_country_codes",
]

CountrySource = Literal["authorships", "institutions"]
TABLE_NAMES = ("works", "authorships", "work_countries", "work_topics")


@dataclass(frozen=True)
class Tables:
    """The tidy tables of one set of works. Frozen: derive new tables, never mutate these.

    ``issues`` counts what the normaliser skipped, coerced or dropped on the way (empty for
    tables not built from raw records)."""

    works: pl.DataFrame
    authorships: pl.DataFrame
    work_countries: pl.DataFrame
    work_topics: pl.DataFrame
    issues: RecordIssues = field(default_factory=RecordIssues, compare=False)

    def __repr__(self) -> str:
        return (
            f"Tables(works={self.works.height}, authorships={self.authorships.height}, "
            f"work_countries={self.work_countries.height}, work_topics={self.work_topics.height})"
        )


def short_id(value: Any) -> str | None:
    """``https://openalex.org/W123`` -> ``W123``; ``https://openalex.org/subfields/1702`` -> ``1702``."""
    if value is None:
        return None
    text = str(value)
    return text.rstrip("/").rsplit("/", 1)[-1] or None


@cache
def valid_country_codes() -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 codes (pycountry) plus ``XK`` (Kosovo, as OpenAlex writes it)."""
    import pycountry

    return tuple(sorted({c.alpha_2 for c in pycountry.countries} | {"XK"}))


# ---- vectorised pieces -------------------------------------------------------------------------


def _short(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`short_id`."""
    out = expr.str.strip_chars_end("/").str.split("/").list.last()
    return pl.when(out == "").then(None).otherwise(out)


def _distinct_upper(expr: pl.Expr) -> pl.Expr:
    """Over a List(String): drop null and empty, upper-case, keep the first of each."""
    return (
        expr.list.eval(pl.element().filter(pl.element().is_not_null() & (pl.element() != "")))
        .list.eval(pl.element().str.to_uppercase())
        .list.unique(maintain_order=True)
        .fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )


def _valid_only(expr: pl.Expr) -> pl.Expr:
    return expr.list.eval(pl.element().filter(pl.element().is_in(valid_country_codes())))


def _doi(expr: pl.Expr) -> pl.Expr:
    out = expr.str.strip_chars().str.to_lowercase()
    for prefix in ("https://doi.org/", "http://doi.org/", "doi:"):
        out = out.str.strip_prefix(prefix)
    return pl.when(expr.is_null() | (expr == "") | (out == "")).then(None).otherwise(out)


def _bad_ids(w: pl.DataFrame, source: str, policy: OnBadRecord, issues: RecordIssues) -> pl.Series:
    """Mask of rows whose id is a work id; the others are bad records (skipped or raised)."""
    ok = w.get_column("wid").str.starts_with("W").fill_null(False)
    if ok.all():
        return ok
    for rec, raw in w.filter(~ok).select("record", "id").iter_rows():
        msg = (
            f"{source}: record {rec}: expected an OpenAlex work id like "
            f"'https://openalex.org/W…' in 'id', got {raw!r}"
        )
        if policy == "raise":
            raise MalformedRecordError(
                msg, hint="is this a work record (not an author, source or a whole API page)?"
            )
        issues.skip(msg)
    return ok


def _check_duplicates(ids: pl.Series, records: pl.Series, source: str) -> None:
    dup = ids.is_duplicated()
    if not dup.any():
        return
    rows = dup.arg_true()
    wid = ids[int(rows[-1])]
    first, second = ids.eq(wid).arg_true()[:2].to_list()
    raise MalformedRecordError(
        f"{source}: record {records[second]} ({wid}): duplicate work id, first seen at record "
        f"{records[first]}",
        hint="deduplicate the input (litscan's fetcher never stores a work twice)",
    )


def _country_lists(au: pl.DataFrame, source: str, issues: RecordIssues) -> pl.DataFrame:
    """Distinct upper-case codes; codes that are not valid ISO alpha-2 are dropped and counted."""
    au = au.with_columns(
        _distinct_upper(pl.col("countries")).alias("countries"),
        _distinct_upper(pl.col("institution_countries")).alias("institution_countries"),
    )
    checked = au.select(
        _valid_only(pl.col("countries")).alias("c"),
        _valid_only(pl.col("institution_countries")).alias("i"),
    )
    lost = (au.get_column("countries").list.len() - checked.get_column("c").list.len()) + (
        au.get_column("institution_countries").list.len() - checked.get_column("i").list.len()
    )
    n_lost = int(lost.sum() or 0)
    if n_lost == 0:
        return au
    first = int(lost.gt(0).arg_true()[0])
    row = au.row(first, named=True)
    bad = [
        c
        for c in [*row["countries"], *row["institution_countries"]]
        if c not in valid_country_codes()
    ]
    issues.invalid_country(
        n_lost,
        f"{source}: work {row['work_id']}: invalid country code(s) {bad[:3]} in "
        f"authorships[{row['position']}] dropped ({n_lost} in this batch)",
    )
    return au.with_columns(
        checked.get_column("c").alias("countries"),
        checked.get_column("i").alias("institution_countries"),
    )


def normalize_decoded(
    dec: Decoded,
    *,
    source: str = "records",
    flt: WorkFilter | None = None,
    on_bad_record: OnBadRecord = "skip",
) -> Tables:
    """A decoded batch (:mod:`litscan.tables.decode`) -> :class:`Tables`: the one normaliser.

    Works failing ``flt`` are dropped before their abstracts are rebuilt. Records without a work
    id are bad records (``on_bad_record``); duplicate ids raise :class:`MalformedRecordError`.
    """
    issues = dec.issues
    raw = dec.works.with_columns(_short(pl.col("id")).alias("wid"))
    ok = _bad_ids(raw, source, on_bad_record, issues)
    all_ids = raw.get_column("wid")
    raw = raw.with_row_index("row")
    if not ok.all():
        raw = raw.filter(ok)
    _check_duplicates(raw.get_column("wid"), raw.get_column("record"), source)
    title = pl.col("title")
    works = raw.select(
        "row",
        pl.col("wid").alias("id"),
        _doi(pl.col("doi")).alias("doi"),
        pl.when(title.is_null() | (title == ""))
        .then(pl.col("display_name"))
        .otherwise(title)
        .alias("title"),
        pl.col("publication_year").alias("year"),
        pl.col("publication_date")
        .str.slice(0, 10)
        .str.to_date("%Y-%m-%d", strict=False)
        .alias("publication_date"),
        "type",
        "language",
        "cited_by_count",
        "fwci",
        pl.col("pct_value").alias("citation_percentile"),
        pl.col("pct_top1").alias("is_top_1_percent"),
        pl.col("pct_top10").alias("is_top_10_percent"),
        _short(pl.col("pt_id")).alias("primary_topic_id"),
        pl.col("pt_name").alias("primary_topic"),
        *[
            e
            for level in ("subfield", "field", "domain")
            for e in (
                _short(pl.col(f"pt_{level}_id")).alias(f"{level}_id"),
                pl.col(f"pt_{level}").alias(level),
            )
        ],
        _short(pl.col("source_id")).alias("source_id"),
        pl.col("source_name").alias("source"),
        "is_retracted",
        "is_authors_truncated",
        "n_authors",
    )
    row = pl.col("row")
    au = dec.authorships
    if not ok.all():
        au = au.filter(ok.gather(au.get_column("row")))
    au = au.select(
        row,
        all_ids.gather(au.get_column("row")).alias("work_id"),
        "position",
        _short(pl.col("author_id")).alias("author_id"),
        pl.col("institution_ids")
        .list.eval(_short(pl.element().filter(pl.element().is_not_null() & (pl.element() != ""))))
        .fill_null(pl.lit([], dtype=pl.List(pl.String)))
        .alias("institution_ids"),
        "institution_countries",
        "countries",
    )
    au = _country_lists(au, source, issues)

    if flt is not None and not flt.is_empty():
        keep = flt.keep_ids(works, au).implode()
        works = works.filter(pl.col("id").is_in(keep))
        au = au.filter(pl.col("work_id").is_in(keep))

    kept_rows = works.get_column("row")
    abstracts = dec.abstracts.gather(kept_rows).alias("abstract")
    works = works.with_columns(
        abstract=abstracts,
        venue_field=pl.lit(None, dtype=pl.String),
        status=pl.lit(None, dtype=pl.String),
    ).select(list(schemas.WORKS))
    works = works.cast(schemas.WORKS)

    kept_mask = np.zeros(dec.works.height, dtype=bool)
    kept_mask[kept_rows.to_numpy()] = True
    tp = dec.topics
    tp = tp.filter(pl.Series(kept_mask).gather(tp.get_column("row")))
    pt_short = dec.works.select(_short(pl.col("pt_id"))).to_series()
    topics = (
        tp.select(
            all_ids.gather(tp.get_column("row")).alias("work_id"),
            _short(pl.col("id")).alias("topic_id"),
            pl.col("display_name").alias("topic"),
            "score",
            "rank",
            pt_short.gather(tp.get_column("row")).alias("_primary"),
            *[
                e
                for level in ("subfield", "field", "domain")
                for e in (
                    _short(pl.col(f"{level}_id")).alias(f"{level}_id"),
                    pl.col(level).alias(level),
                )
            ],
        )
        .with_columns(
            (pl.col("topic_id") == pl.col("_primary")).fill_null(False).alias("is_primary")
        )
        .select(list(schemas.WORK_TOPICS))
        .cast(schemas.WORK_TOPICS)
    )
    authorships = au.select(list(schemas.AUTHORSHIPS)).cast(schemas.AUTHORSHIPS)
    return Tables(
        works=works,
        authorships=authorships,
        work_countries=work_countries(authorships, works=works),
        work_topics=topics,
        issues=issues,
    )


def empty_tables() -> Tables:
    return Tables(
        works=pl.DataFrame(schema=schemas.WORKS),
        authorships=pl.DataFrame(schema=schemas.AUTHORSHIPS),
        work_countries=pl.DataFrame(schema=schemas.WORK_COUNTRIES),
        work_topics=pl.DataFrame(schema=schemas.WORK_TOPICS),
    )


def concat_tables(parts: Sequence[Tables], *, source: str = "records") -> Tables:
    """Batches of one input -> one :class:`Tables` (ids checked for duplicates across batches)."""
    if not parts:
        return empty_tables()
    issues = RecordIssues()
    for t in parts:
        issues.merge(t.issues)
    if len(parts) == 1:
        return Tables(*(getattr(parts[0], n) for n in TABLE_NAMES), issues=issues)
    tables = {n: pl.concat([getattr(t, n) for t in parts]) for n in TABLE_NAMES}
    ids = tables["works"].get_column("id")
    if ids.is_duplicated().any():
        _check_duplicates(ids, pl.Series(range(ids.len())), f"{source} (all batches)")
    tables["work_countries"] = tables["work_countries"].sort(
        "work_id", "country_code", nulls_last=True
    )
    return Tables(**tables, issues=issues)


def normalize_works(
    records: Iterable[Mapping[str, Any]],
    *,
    source: str = "records",
    on_bad_record: OnBadRecord = "skip",
    flt: WorkFilter | None = None,
) -> Tables:
    """Turn raw OpenAlex work objects (API pages, the cache) into :class:`Tables`.

    ``source`` names the input in messages (a file name, a URL). Bad records are skipped and
    counted in ``.issues`` (``on_bad_record="raise"``: :class:`MalformedRecordError` naming the
    record). Duplicate work ids are an error: the caller is expected to deduplicate, so a double
    fetch cannot inflate counts silently.
    """
    issues = RecordIssues()
    with no_gc():
        buf, numbers = encode_records(
            records, source=source, on_bad_record=on_bad_record, issues=issues
        )
        dec = decode_jsonl(
            buf, source=source, numbers=numbers, on_bad_record=on_bad_record, issues=issues
        )
        del buf
        n_in = dec.works.height + dec.issues.skipped
        tables = normalize_decoded(dec, source=source, flt=flt, on_bad_record=on_bad_record)
        tables.issues.check_ratio(n_in, source)  # mostly bad records: one line, not a result
        return tables


def _split_lines(buf: bytes, batch_bytes: int) -> Iterator[bytes]:
    start, n = 0, len(buf)
    while start < n:
        cut = buf.find(b"\n", min(start + batch_bytes, n) - 1)
        end = n if cut < 0 else cut + 1
        yield buf[start:end]
        start = end


def normalize_jsonl(
    buf: bytes,
    *,
    source: str = "records",
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    on_bad_record: OnBadRecord = "skip",
    flt: WorkFilter | None = None,
) -> Tables:
    """JSON Lines bytes -> :class:`Tables`, in batches of about ``batch_bytes`` (bounded memory
    per batch); identical to :func:`normalize_works` of the same records."""
    parts: list[Tables] = []
    offset = 0
    bad = RecordIssues()
    with no_gc():
        for chunk in _split_lines(buf, batch_bytes):
            dec = decode_jsonl(chunk, source=source, offset=offset, on_bad_record=on_bad_record)
            offset += dec.works.height + dec.issues.skipped
            parts.append(
                normalize_decoded(dec, source=source, flt=flt, on_bad_record=on_bad_record)
            )
            bad.merge(parts[-1].issues)
            bad.check_ratio(offset, source)  # a mostly bad input stops after this batch
            del dec
    return concat_tables(parts, source=source)


def work_countries(
    authorships: pl.DataFrame,
    *,
    source: CountrySource = "authorships",
    works: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per work and country with ``whole`` and ``fractional`` weights (module docstring).

    ``source="authorships"`` uses OpenAlex's string-parsed ``authorships[].countries``;
    ``source="institutions"`` uses the countries of the authors' institutions. Works given in
    ``works`` that have no country (or no authors) get one row with a null ``country_code``.
    Lazy frames (:func:`litscan.load_tables`) are collected first.
    """
    if isinstance(authorships, pl.LazyFrame):
        authorships = authorships.collect()
    if isinstance(works, pl.LazyFrame):
        works = works.collect()
    column = {"authorships": "countries", "institutions": "institution_countries"}.get(source)
    if column is None:
        raise UsageError(
            f"work_countries: unknown country source {source!r}; expected 'authorships' or "
            "'institutions'"
        )
    missing = {"work_id", column} - set(authorships.columns)
    if missing:
        raise InputDataError(
            f"work_countries: authorships table lacks column(s) {sorted(missing)}; "
            f"has {authorships.columns}",
            hint="build it with litscan.tables.normalize.normalize_works or litscan.tables.datasets",
        )
    per_author = (
        authorships.lazy()
        .select("work_id", pl.col(column).list.unique(maintain_order=True).alias("cc"))
        .with_columns(pl.col("cc").list.len().alias("n_cc"))
        .filter(pl.col("n_cc") > 0)
        .with_columns(pl.len().over("work_id").alias("n_auth"))
        .explode("cc")
        .group_by("work_id", "cc")
        .agg((1.0 / (pl.col("n_auth") * pl.col("n_cc"))).sum().alias("fractional"))
        .select(
            "work_id",
            pl.col("cc").alias("country_code"),
            pl.lit(1.0).alias("whole"),
            "fractional",
        )
    )
    known = per_author.collect()
    ids = works.get_column("id") if works is not None else authorships.get_column("work_id")
    none = (
        pl.DataFrame({"work_id": ids.unique()})
        .join(known.select("work_id").unique(), on="work_id", how="anti")
        .with_columns(
            pl.lit(None, dtype=pl.Utf8).alias("country_code"),
            pl.lit(1.0).alias("whole"),
            pl.lit(1.0).alias("fractional"),
        )
    )
    out = pl.concat([known, none], how="vertical_relaxed")
    return out.cast(schemas.WORK_COUNTRIES).sort("work_id", "country_code", nulls_last=True)


def country_coverage(
    authorships: pl.DataFrame, *, source: CountrySource = "authorships"
) -> pl.DataFrame:
    """Per work: ``n_authors``, ``n_authors_no_country``, ``n_countries`` — what counting leaves out."""
    column = "countries" if source == "authorships" else "institution_countries"
    return (
        authorships.group_by("work_id")
        .agg(
            pl.len().cast(pl.Int32).alias("n_authors"),
            (pl.col(column).list.len() == 0).sum().cast(pl.Int32).alias("n_authors_no_country"),
            pl.col(column)
            .list.explode(keep_nulls=False, empty_as_null=False)
            .drop_nulls()
            .n_unique()
            .cast(pl.Int32)
            .alias("n_countries"),
        )
        .sort("work_id")
    )


def topic_labels(
    work_topics: pl.DataFrame,
    *,
    level: Literal["topic", "subfield", "field", "domain"] = "subfield",
    primary_only: bool = True,
) -> pl.DataFrame:
    """OpenAlex topics as a ``work_labels`` table: label ``"<level>:<id>"``, flag true.

    With ``primary_only`` only the primary topic counts (OpenAlex's usual subfield assignment);
    otherwise any of a work's (up to three) topics gives the label, with the best topic score.
    """
    if level not in ("topic", "subfield", "field", "domain"):
        raise UsageError(
            f"topic_labels: unknown level {level!r}; expected topic, subfield, field or domain"
        )
    id_col = "topic_id" if level == "topic" else f"{level}_id"
    frame = work_topics.filter(pl.col("is_primary")) if primary_only else work_topics
    return (
        frame.filter(pl.col(id_col).is_not_null())
        .group_by("work_id", id_col)
        .agg(pl.col("score").max())
        .select(
            "work_id",
            (pl.lit(f"{level}:") + pl.col(id_col)).alias("label"),
            pl.col("score").cast(pl.Float64),
            pl.lit(True).alias("flag"),
        )
        .cast(schemas.WORK_LABELS)
        .sort("work_id", "label")
    )
