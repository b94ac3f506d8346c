"""OpenAlex snapshot -> litscan's tidy tables, streamed, filtered and resumable.

The snapshot keeps works as ``data/works/updated_date=YYYY-MM-DD/part_NNN.gz`` (gzip JSON Lines,
one work per line) with a ``manifest`` (JSON: ``entries[].url`` and ``meta.record_count``); newer
snapshots also ship the same partitions as Parquet (``part_NNN.parquet``). :func:`ingest` reads one
partition at a time, in batches of at most ``batch_bytes`` of JSON (or ``batch_rows`` Parquet rows),
so memory is bounded by the batch size, never by the snapshot size. Each batch is parsed by polars
with the explicit nested schema :data:`RAW_SCHEMA` (only the fields litscan uses are
materialised), filtered on the raw columns (:class:`WorkFilter`), then normalised by
:func:`normalize_frame`, the vectorised twin of :func:`litscan.normalize.normalize_works` — both
produce identical tables (tested on the real works fixture).

Output: ``OUT/<table>/part-<hash>.parquet`` for ``works``, ``authorships``, ``work_countries`` and
``work_topics``, one file per input partition (``hash`` = first 16 hex digits of the SHA-1 of the
partition's path relative to the works folder), so a resumed run never duplicates rows. The state
file ``OUT/_ingest_state.json`` (written atomically) records finished and failed partitions; a rerun
skips the finished ones and retries the failed ones.

Parquet snapshot assumption: the same nested work objects as the JSON (struct / list columns,
OpenAlex field names) with ``abstract_inverted_index`` stored as a JSON *string* (a map with
arbitrary keys has no fixed Parquet struct type); extra columns and struct fields are ignored and
missing ones become nulls (:func:`conform`).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import queue
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from litscan import schemas
from litscan.errors import InputDataError, LitscanError, MalformedRecordError, UsageError
from litscan.normalize import Tables, normalize_works, work_countries

__all__ = [
    "RAW_SCHEMA",
    "TABLE_NAMES",
    "WorkFilter",
    "Partition",
    "PartitionResult",
    "IngestReport",
    "parse_jsonl",
    "normalize_frame",
    "normalize_jsonl",
    "conform",
    "iter_jsonl_batches",
    "iter_partition_frames",
    "list_partitions",
    "ingest_partition",
    "ingest",
    "read_tables",
]

TABLE_NAMES = ("works", "authorships", "work_countries", "work_topics")
STATE_FILE = "_ingest_state.json"
DEFAULT_BATCH_BYTES = 4 * 1024 * 1024  # measured: smaller batches are faster and lighter
WRITE_BUFFER_BYTES = 32 * 1024 * 1024  # kept rows buffered per parquet row group
DEFAULT_BATCH_ROWS = 20_000

_S = pl.String
_ID_NAME = pl.Struct({"id": _S, "display_name": _S})
_TOPIC = pl.Struct(
    {
        "id": _S,
        "display_name": _S,
        "score": pl.Float64,
        "subfield": _ID_NAME,
        "field": _ID_NAME,
        "domain": _ID_NAME,
    }
)

#: The fields of an OpenAlex work that litscan reads, with their types. Everything else in a
#: record is skipped by the parser (never materialised).
RAW_SCHEMA: dict[str, pl.DataType] = {
    "id": _S,
    "doi": _S,
    "title": _S,
    "display_name": _S,
    "abstract_inverted_index": _S,  # JSONL: polars' rendering of the object; Parquet: JSON text
    "publication_year": pl.Int64,
    "publication_date": _S,
    "type": _S,
    "language": _S,
    "cited_by_count": pl.Int64,
    "fwci": pl.Float64,
    "citation_normalized_percentile": pl.Struct(
        {"value": pl.Float64, "is_in_top_1_percent": pl.Boolean, "is_in_top_10_percent": pl.Boolean}
    ),
    "primary_topic": _TOPIC,
    "topics": pl.List(_TOPIC),
    "primary_location": pl.Struct({"source": _ID_NAME}),
    "is_retracted": pl.Boolean,
    "is_authors_truncated": pl.Boolean,
    "authorships": pl.List(
        pl.Struct(
            {
                "author": pl.Struct({"id": _S}),
                "institutions": pl.List(pl.Struct({"id": _S, "country_code": _S})),
                "countries": pl.List(_S),
            }
        )
    ),
}

AbstractFormat = Literal["polars", "json"]

# polars renders a JSON object read as String as {"word": [0, 5], "next": [1]} with the words
# *unescaped*; inverted-index words are whitespace-free tokens, so separators holding a space
# ('], "' and '": [') cannot occur inside a word.
# Proper JSON text (the Parquet snapshot): escaped strings.
_ABSTRACT_JSON = r'"((?:[^"\\]|\\.)*)"\s*:\s*\[([0-9,\s]*)\]'


# --------------------------------------------------------------------------------------------
# vectorised normalisation
# --------------------------------------------------------------------------------------------


def _short(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`litscan.normalize.short_id`."""
    out = expr.str.strip_chars_end("/").str.split("/").list.last()
    return pl.when(out == "").then(None).otherwise(out)


def _distinct_upper(expr: pl.Expr) -> pl.Expr:
    """Vectorised ``normalize._distinct`` over a List(String): drop empty, upper-case, unique."""
    return (
        expr.list.eval(pl.element().filter(pl.element().is_not_null() & (pl.element() != "")))
        .list.eval(pl.element().str.to_uppercase())
        .list.unique(maintain_order=True)
        .fill_null(pl.lit([], dtype=pl.List(_S)))
    )


def _doi(expr: pl.Expr) -> pl.Expr:
    out = expr.str.strip_chars().str.to_lowercase()
    for prefix in ("https://doi.org/", "http://doi.org/", "doi:"):
        out = out.str.strip_prefix(prefix)
    return pl.when(expr.is_null() | (expr == "") | (out == "")).then(None).otherwise(out)


def _abstracts(text: pl.Series, fmt: AbstractFormat) -> pl.Series:
    """Rebuild abstracts from inverted indexes held as text (see :data:`AbstractFormat`).

    Same result as :func:`litscan.normalize.rebuild_abstract`: words at their positions joined by
    single spaces, a position claimed twice keeps the later word, empty index -> null.
    """
    n = text.len()
    df = pl.DataFrame({"row": pl.int_range(n, eager=True).cast(pl.UInt32), "t": text})
    kept = df.lazy().filter(pl.col("t").is_not_null() & (pl.col("t") != "{}"))
    if fmt == "polars":
        # {"w1": [0, 2], "w2": [1]}: entries split on '], "', word and positions on '": ['
        # (neither separator can occur inside a whitespace-free word).
        pairs = (
            kept.select(
                "row",
                pl.col("t")
                .str.strip_prefix('{"')
                .str.strip_suffix("]}")
                .str.split('], "')
                .alias("e"),
            )
            .explode("e")
            .select("row", pl.col("e").str.split_exact('": [', 1).alias("p"))
            .select(
                "row",
                pl.col("p").struct.field("field_0").alias("word"),
                pl.col("p").struct.field("field_1").str.split(", ").alias("pos"),
            )
        )
    else:
        pattern = _ABSTRACT_JSON
        unescaped = (pl.lit('"') + pl.col("word") + pl.lit('"')).str.json_decode(_S)
        pairs = (
            kept.select("row", pl.col("t").str.extract_all(pattern).alias("m"))
            .explode("m", keep_nulls=False, empty_as_null=False)
            .select("row", pl.col("m").str.extract_groups(pattern).alias("g"))
            .select(
                "row",
                pl.col("g").struct.field("1").alias("word"),
                pl.col("g").struct.field("2").str.split(",").alias("pos"),
            )
            .with_columns(
                pl.when(pl.col("word").str.contains("\\", literal=True))
                .then(unescaped)
                .otherwise(pl.col("word"))
                .alias("word")
            )
        )
    joined = (
        pairs.explode("pos", keep_nulls=False, empty_as_null=False)
        .with_columns(pl.col("pos").str.strip_chars().cast(pl.Int64, strict=False))
        .filter(pl.col("pos").is_not_null())
        .sort("row", "pos", maintain_order=True)
        .unique(subset=["row", "pos"], keep="last", maintain_order=True)
        .group_by("row", maintain_order=True)
        .agg(pl.col("word").str.join(" ").alias("abstract"))
        .collect()
    )
    out = df.select("row").join(joined, on="row", how="left", maintain_order="left")
    col = out.get_column("abstract")
    return col.set(col == "", None) if col.null_count() < n else col


def _check_ids(ids: pl.Series, raw_ids: pl.Series, source: str, offset: int) -> None:
    bad = (ids.is_null() | ~ids.str.starts_with("W").fill_null(False)).arg_true()
    if bad.len():
        i = int(bad[0])
        raise MalformedRecordError(
            f"{source}: record {offset + i}: expected an OpenAlex work id like "
            f"'https://openalex.org/W…' in 'id', got {raw_ids[i]!r}",
            hint="is this a work record (not an author, source or a whole API page)?",
        )
    dup = ids.is_duplicated().arg_true()
    if dup.len():
        wid = ids[int(dup[-1])]
        first, second = ids.eq(wid).arg_true()[:2].to_list()
        raise MalformedRecordError(
            f"{source}: record {offset + second} ({wid}): duplicate work id, first seen at record "
            f"{offset + first}",
            hint="deduplicate the input (litscan's fetcher never stores a work twice)",
        )


def normalize_frame(
    raw: pl.DataFrame,
    *,
    source: str = "records",
    abstract_format: AbstractFormat = "polars",
    offset: int = 0,
) -> Tables:
    """Raw works frame (columns of :data:`RAW_SCHEMA`) -> :class:`Tables`, vectorised.

    Produces exactly what :func:`litscan.normalize.normalize_works` produces for the same records
    (same rows, order, schemas and values). ``abstract_format`` says how
    ``abstract_inverted_index`` is held: ``"polars"`` (as parsed by :func:`parse_jsonl`) or
    ``"json"`` (JSON text, as in the Parquet snapshot). ``offset`` shifts record numbers in errors.
    """
    raw = conform(raw)
    raw_ids = raw.get_column("id")
    ids = raw.select(_short(pl.col("id"))).to_series()
    _check_ids(ids, raw_ids, source, offset)
    pt = pl.col("primary_topic")
    pct = pl.col("citation_normalized_percentile")
    title = pl.col("title")
    works = raw.select(
        pl.lit(ids).alias("id"),
        _doi(pl.col("doi")).alias("doi"),
        pl.when(title.is_null() | (title == ""))
        .then(pl.col("display_name"))
        .otherwise(title)
        .alias("title"),
        pl.lit(_abstracts(raw.get_column("abstract_inverted_index"), abstract_format)).alias(
            "abstract"
        ),
        pl.col("publication_year").alias("year"),
        pl.col("publication_date")
        .str.slice(0, 10)
        .str.to_date("%Y-%m-%d", strict=False)
        .alias("publication_date"),
        "type",
        "language",
        "cited_by_count",
        "fwci",
        pct.struct.field("value").alias("citation_percentile"),
        pct.struct.field("is_in_top_1_percent").alias("is_top_1_percent"),
        pct.struct.field("is_in_top_10_percent").alias("is_top_10_percent"),
        _short(pt.struct.field("id")).alias("primary_topic_id"),
        pt.struct.field("display_name").alias("primary_topic"),
        *[
            e
            for level in ("subfield", "field", "domain")
            for e in (
                _short(pt.struct.field(level).struct.field("id")).alias(f"{level}_id"),
                pt.struct.field(level).struct.field("display_name").alias(level),
            )
        ],
        _short(pl.col("primary_location").struct.field("source").struct.field("id")).alias(
            "source_id"
        ),
        pl.col("primary_location")
        .struct.field("source")
        .struct.field("display_name")
        .alias("source"),
        "is_retracted",
        "is_authors_truncated",
        pl.col("authorships").list.len().alias("n_authors"),
        pl.lit(None, dtype=_S).alias("venue_field"),
        pl.lit(None, dtype=_S).alias("status"),
    ).cast(schemas.WORKS)

    au = pl.col("authorships")
    insts = au.struct.field("institutions")
    authorships = (
        raw.select(pl.lit(ids).alias("work_id"), "authorships")
        .filter(pl.col("authorships").list.len() > 0)
        .with_columns(pl.int_ranges(0, pl.col("authorships").list.len()).alias("position"))
        .explode("authorships", "position")
        .select(
            "work_id",
            "position",
            _short(au.struct.field("author").struct.field("id")).alias("author_id"),
            insts.list.eval(
                _short(
                    pl.element()
                    .struct.field("id")
                    .filter(
                        pl.element().struct.field("id").is_not_null()
                        & (pl.element().struct.field("id") != "")
                    )
                )
            )
            .fill_null(pl.lit([], dtype=pl.List(_S)))
            .alias("institution_ids"),
            _distinct_upper(insts.list.eval(pl.element().struct.field("country_code"))).alias(
                "institution_countries"
            ),
            _distinct_upper(au.struct.field("countries")).alias("countries"),
        )
        .cast(schemas.AUTHORSHIPS)
    )

    tp = pl.col("topics")
    topics = (
        raw.select(
            pl.lit(ids).alias("work_id"),
            "topics",
            _short(pt.struct.field("id")).alias("_primary"),
        )
        .filter(pl.col("topics").list.len() > 0)
        .with_columns(pl.int_ranges(0, pl.col("topics").list.len()).alias("rank"))
        .explode("topics", "rank")
        .with_columns(_short(tp.struct.field("id")).alias("topic_id"))
        .select(
            "work_id",
            "topic_id",
            tp.struct.field("display_name").alias("topic"),
            tp.struct.field("score").alias("score"),
            "rank",
            (pl.col("topic_id") == pl.col("_primary")).fill_null(False).alias("is_primary"),
            *[
                e
                for level in ("subfield", "field", "domain")
                for e in (
                    _short(tp.struct.field(level).struct.field("id")).alias(f"{level}_id"),
                    tp.struct.field(level).struct.field("display_name").alias(level),
                )
            ],
        )
        .cast(schemas.WORK_TOPICS)
    )
    return Tables(
        works=works,
        authorships=authorships,
        work_countries=work_countries(authorships, works=works),
        work_topics=topics,
    )


def parse_jsonl(buf: bytes) -> pl.DataFrame:
    """Parse JSON Lines bytes into a raw works frame with :data:`RAW_SCHEMA` (polars, in Rust)."""
    if not buf.strip():
        return pl.DataFrame(schema=RAW_SCHEMA)
    return pl.read_ndjson(io.BytesIO(buf), schema=RAW_SCHEMA)


def _split_lines(buf: bytes, batch_bytes: int) -> Iterator[bytes]:
    start, n = 0, len(buf)
    while start < n:
        cut = buf.find(b"\n", min(start + batch_bytes, n) - 1)
        end = n if cut < 0 else cut + 1
        yield buf[start:end]
        start = end


def normalize_jsonl(
    buf: bytes, *, source: str = "records", batch_bytes: int = DEFAULT_BATCH_BYTES
) -> Tables:
    """JSON Lines bytes -> :class:`Tables` via the vectorised path, in batches of about
    ``batch_bytes`` (faster and lighter than one big parse). Identical to ``normalize_works`` of
    the same records; when polars cannot parse a batch the whole input takes the record loop, so
    malformed records get the API path's error."""
    parts: list[Tables] = []
    offset = 0
    for chunk in _split_lines(buf, batch_bytes):
        try:
            raw = parse_jsonl(chunk)
        except pl.exceptions.PolarsError:
            return normalize_works(_json_records(buf, source), source=source)
        parts.append(normalize_frame(raw, source=source, offset=offset))
        offset += raw.height
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return _empty_tables()
    tables = {n: pl.concat([getattr(t, n) for t in parts]) for n in TABLE_NAMES}
    ids = tables["works"].get_column("id")
    _check_ids(ids, ids, source, 0)  # duplicates across batches
    tables["work_countries"] = tables["work_countries"].sort(
        "work_id", "country_code", nulls_last=True
    )
    return Tables(**tables)


def _json_records(buf: bytes, source: str, offset: int = 0) -> list[Any]:
    out = []
    for i, line in enumerate(buf.split(b"\n")):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputDataError(
                f"{source}: line {offset + i + 1} is not JSON ({exc.msg} at column {exc.colno})",
                hint="each line must be one OpenAlex work object; is the file truncated?",
            ) from exc
    return out


def _conform_expr(expr: pl.Expr, src: pl.DataType, dst: pl.DataType) -> pl.Expr:
    if isinstance(dst, pl.Struct):
        if not isinstance(src, pl.Struct):
            return pl.lit(None, dtype=dst) if src == pl.Null else expr.cast(dst)
        have = {f.name: f.dtype for f in src.fields}
        fields = [
            _conform_expr(expr.struct.field(f.name), have[f.name], f.dtype).alias(f.name)
            if f.name in have
            else pl.lit(None, dtype=f.dtype).alias(f.name)
            for f in dst.fields
        ]
        return pl.when(expr.is_null()).then(None).otherwise(pl.struct(fields)).cast(dst)
    if isinstance(dst, pl.List) and isinstance(src, pl.List):
        if src == dst:
            return expr
        return expr.list.eval(_conform_expr(pl.element(), src.inner, dst.inner)).cast(dst)
    if src == dst:
        return expr
    return expr.cast(dst)


def conform(df: pl.DataFrame, schema: Mapping[str, pl.DataType] | None = None) -> pl.DataFrame:
    """Select and cast ``df`` to ``schema`` (default :data:`RAW_SCHEMA`), recursively: struct
    fields not in the schema are dropped, missing columns and fields become nulls."""
    schema = RAW_SCHEMA if schema is None else schema
    if df.schema == pl.Schema(schema):
        return df
    try:
        return df.select(
            _conform_expr(pl.col(name), df.schema[name], dtype).alias(name)
            if name in df.columns
            else pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in schema.items()
        )
    except pl.exceptions.PolarsError as exc:
        raise InputDataError(
            f"works columns do not match the OpenAlex work schema ({exc})",
            hint="expected the nested work objects of the OpenAlex snapshot",
        ) from exc


# --------------------------------------------------------------------------------------------
# filters
# --------------------------------------------------------------------------------------------

_ID_KEYS = {
    "primary_topic.subfield.id": "subfield",
    "primary_topic.field.id": "field",
    "primary_topic.domain.id": "domain",
    "primary_topic.id": "topic",
}


@dataclass(frozen=True)
class WorkFilter:
    """Which works to keep; every set condition must hold (AND), values within one are OR.

    ``countries`` matches any author's ``authorships[].countries`` (litscan's default country
    source); ``institution_countries`` any ``authorships[].institutions[].country_code``.
    """

    year_from: int | None = None
    year_to: int | None = None
    subfields: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    institution_countries: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()

    SYNTAX = (
        "comma-separated key:value, '|' for OR, e.g. 'publication_year:2015-2024,"
        "primary_topic.subfield.id:1702|1707,authorships.countries:CN|US,type:article'; keys: "
        "publication_year (N, N-M, N-, -M, >N, <N), primary_topic.subfield.id, "
        "primary_topic.field.id, primary_topic.domain.id, primary_topic.id, authorships.countries, "
        "authorships.institutions.country_code (alias institutions.country_code), type, language"
    )

    @classmethod
    def parse(cls, text: str | None) -> WorkFilter:
        """Parse OpenAlex-style filter syntax (:attr:`SYNTAX`)."""
        if not text or not text.strip():
            return cls()
        kw: dict[str, Any] = {}
        for part in text.split(","):
            key, sep, value = part.strip().partition(":")
            key, value = key.strip(), value.strip()
            if not sep or not value:
                raise UsageError(
                    f"--filter: expected key:value, got {part.strip()!r}", hint=cls.SYNTAX
                )
            values = frozenset(v.strip() for v in value.split("|") if v.strip())
            if key == "publication_year":
                kw["year_from"], kw["year_to"] = _year_range(value)
            elif key in _ID_KEYS:
                level = _ID_KEYS[key]
                short = frozenset(v.rstrip("/").rsplit("/", 1)[-1] for v in values)
                kw[f"{level}s"] = short
            elif key == "authorships.countries":
                kw["countries"] = frozenset(v.upper() for v in values)
            elif key in ("authorships.institutions.country_code", "institutions.country_code"):
                kw["institution_countries"] = frozenset(v.upper() for v in values)
            elif key == "type":
                kw["types"] = values
            elif key == "language":
                kw["languages"] = values
            else:
                raise UsageError(f"--filter: unsupported key {key!r}", hint=cls.SYNTAX)
        return cls(**kw)

    def and_(self, other: WorkFilter) -> WorkFilter:
        """Both filters at once (a condition set in ``other`` replaces the same one here)."""
        kw = {k: v for k, v in other.__dict__.items() if v}
        return WorkFilter(**{**self.__dict__, **kw})

    def is_empty(self) -> bool:
        return not any(self.__dict__.values())

    def describe(self) -> str:
        """Canonical OpenAlex-style text (stable: used to check a resume uses the same filter)."""
        parts = []
        if self.year_from is not None or self.year_to is not None:
            a = "" if self.year_from is None else str(self.year_from)
            b = "" if self.year_to is None else str(self.year_to)
            parts.append(f"publication_year:{a}-{b}")
        names = {
            "subfields": "primary_topic.subfield.id",
            "fields": "primary_topic.field.id",
            "domains": "primary_topic.domain.id",
            "topics": "primary_topic.id",
            "countries": "authorships.countries",
            "institution_countries": "authorships.institutions.country_code",
            "types": "type",
            "languages": "language",
        }
        for attr, key in names.items():
            values = getattr(self, attr)
            if values:
                parts.append(f"{key}:{'|'.join(sorted(values))}")
        return ",".join(parts)

    def raw_expr(self) -> pl.Expr | None:
        """The filter as a polars expression over raw work columns (:data:`RAW_SCHEMA`)."""
        conds: list[pl.Expr] = []
        year = pl.col("publication_year")
        if self.year_from is not None:
            conds.append(year >= self.year_from)
        if self.year_to is not None:
            conds.append(year <= self.year_to)
        pt = pl.col("primary_topic")
        for attr, expr in (
            ("subfields", pt.struct.field("subfield").struct.field("id")),
            ("fields", pt.struct.field("field").struct.field("id")),
            ("domains", pt.struct.field("domain").struct.field("id")),
            ("topics", pt.struct.field("id")),
        ):
            values = getattr(self, attr)
            if values:
                conds.append(_short(expr).is_in(sorted(values)))
        if self.types:
            conds.append(pl.col("type").is_in(sorted(self.types)))
        if self.languages:
            conds.append(pl.col("language").is_in(sorted(self.languages)))
        au = pl.element().struct.field("countries")
        inst = pl.element().struct.field("institutions")
        for values, per_author in (
            (self.countries, au),
            (self.institution_countries, inst.list.eval(pl.element().struct.field("country_code"))),
        ):
            if values:
                hit = per_author.list.explode(keep_nulls=False, empty_as_null=False)
                hit = hit.str.to_uppercase().is_in(sorted(values))
                conds.append(pl.col("authorships").list.eval(hit).list.any())
        if not conds:
            return None
        return pl.all_horizontal(conds).fill_null(False)

    def apply_raw(self, raw: pl.DataFrame) -> pl.DataFrame:
        expr = self.raw_expr()
        return raw if expr is None else raw.filter(expr)

    def apply_tables(self, t: Tables) -> Tables:
        """The same filter on tidy tables (used when a batch had to take the record loop)."""
        if self.is_empty():
            return t
        w = t.works
        conds: list[pl.Expr] = []
        if self.year_from is not None:
            conds.append(pl.col("year") >= self.year_from)
        if self.year_to is not None:
            conds.append(pl.col("year") <= self.year_to)
        for attr, col in (
            ("subfields", "subfield_id"),
            ("fields", "field_id"),
            ("domains", "domain_id"),
            ("topics", "primary_topic_id"),
            ("types", "type"),
            ("languages", "language"),
        ):
            values = getattr(self, attr)
            if values:
                conds.append(pl.col(col).is_in(sorted(values)))
        if conds:
            w = w.filter(pl.all_horizontal(conds).fill_null(False))
        for values, col in (
            (self.countries, "countries"),
            (self.institution_countries, "institution_countries"),
        ):
            if values:
                hit = (
                    t.authorships.select("work_id", col)
                    .explode(col, keep_nulls=False)
                    .filter(pl.col(col).is_in(sorted(values)))
                    .get_column("work_id")
                )
                w = w.filter(pl.col("id").is_in(hit.unique().implode()))
        keep = w.get_column("id").implode()
        return Tables(
            works=w,
            authorships=t.authorships.filter(pl.col("work_id").is_in(keep)),
            work_countries=t.work_countries.filter(pl.col("work_id").is_in(keep)),
            work_topics=t.work_topics.filter(pl.col("work_id").is_in(keep)),
        )


def _year_range(value: str) -> tuple[int | None, int | None]:
    v = value.strip()
    try:
        if v.startswith(">"):
            return int(v[1:]) + 1, None
        if v.startswith("<"):
            return None, int(v[1:]) - 1
        if "-" in v:
            a, _, b = v.partition("-")
            return (int(a) if a.strip() else None), (int(b) if b.strip() else None)
        return int(v), int(v)
    except ValueError:
        raise UsageError(
            f"--filter: publication_year:{value} is not a year or range",
            hint="use 2020, 2015-2024, 2015-, -2024, >2014 or <2025",
        ) from None


# --------------------------------------------------------------------------------------------
# snapshot layout and reading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    """One input file: ``rel`` is its path relative to the works folder (``updated_date=…/part_…``)."""

    path: str
    rel: str
    size: int
    record_count: int | None = None

    @property
    def key(self) -> str:
        return hashlib.sha1(self.rel.encode()).hexdigest()[:16]

    @property
    def format(self) -> Literal["jsonl", "parquet"]:
        return "parquet" if self.rel.endswith(".parquet") else "jsonl"


def _works_dir(snapshot: Path) -> Path:
    for cand in (snapshot / "data" / "works", snapshot / "works", snapshot):
        if cand.is_dir() and ((cand / "manifest").is_file() or any(cand.glob("updated_date=*"))):
            return cand
    raise InputDataError(
        f"{snapshot}: no OpenAlex works partitions found (looked for data/works/, works/ and "
        "./updated_date=*/ with a manifest)",
        hint="point at the snapshot root (holding data/works/) or at its works folder",
    )


def list_partitions(snapshot: str | os.PathLike) -> list[Partition]:
    """The works partitions of a snapshot, in manifest order (or sorted when there is none).

    A manifest entry whose file is missing is an :class:`InputDataError` naming it (an incomplete
    download would otherwise be silently ignored).
    """
    root = Path(snapshot)
    if not root.exists():
        raise InputDataError(f"{root}: no such folder", hint="SNAPSHOT_DIR is the snapshot root")
    wdir = _works_dir(root)
    manifest = wdir / "manifest"
    parts: list[Partition] = []
    if manifest.is_file():
        try:
            entries = json.loads(manifest.read_text())["entries"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputDataError(
                f"{manifest}: not an OpenAlex manifest (expected JSON with 'entries')"
            ) from exc
        missing = []
        for e in entries:
            url = str(e.get("url", ""))
            rel = url.split("/works/", 1)[-1] if "/works/" in url else url.lstrip("/")
            p = wdir / rel
            if not p.is_file():
                missing.append(rel)
                continue
            meta = e.get("meta") or {}
            parts.append(Partition(str(p), rel, p.stat().st_size, meta.get("record_count")))
        if missing:
            raise InputDataError(
                f"{manifest}: {len(missing)} partition(s) listed in the manifest are missing, "
                f"e.g. {missing[:3]}",
                hint="finish the download (aws s3 sync) or remove them from the manifest",
            )
    else:
        pq_files = sorted(wdir.glob("updated_date=*/*.parquet"))
        have_pq = {p.with_suffix("") for p in pq_files}
        # the same partition in both formats (the 2026 transition): read the Parquet one only
        gz_files = [p for p in wdir.glob("updated_date=*/*.gz") if p.with_suffix("") not in have_pq]
        for p in sorted(gz_files + pq_files):
            parts.append(Partition(str(p), p.relative_to(wdir).as_posix(), p.stat().st_size))
    return parts


def iter_jsonl_batches(path: str, batch_bytes: int = DEFAULT_BATCH_BYTES) -> Iterator[bytes]:
    """Yield the decompressed JSON Lines of ``path`` in chunks of about ``batch_bytes``, each
    ending at a line boundary. Memory stays at about two chunks whatever the file size."""
    opener = gzip.open if str(path).endswith(".gz") else open
    read = min(batch_bytes, 8 * 1024 * 1024)
    with opener(path, "rb") as fh:
        pending: list[bytes] = []
        size = 0
        tail = b""
        while True:
            block = fh.read(read)
            if not block:
                break
            block = tail + block
            cut = block.rfind(b"\n")
            if cut < 0:
                tail = block
                continue
            tail = block[cut + 1 :]
            pending.append(block[: cut + 1])
            size += cut + 1
            if size >= batch_bytes:
                yield b"".join(pending)
                pending, size = [], 0
        if tail.strip():
            pending.append(tail)
        if pending:
            yield b"".join(pending)


def _prefetch(it: Iterator[bytes], depth: int = 1) -> Iterator[bytes]:
    """Run ``it`` (decompression: zlib releases the GIL) in a thread, ``depth`` items ahead, so
    it overlaps with parsing. Producer errors are re-raised in the consumer; memory grows by at
    most ``depth`` items."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in it:
                while not stop.is_set():
                    try:
                        q.put(("ok", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(("ok", done))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            q.put(("err", exc))

    thread = threading.Thread(target=produce, name="litscan-gunzip", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = q.get()
            if kind == "err":
                raise item
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(0.05)


def iter_partition_frames(
    part: Partition,
    *,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> Iterator[tuple[pl.DataFrame | list[Any], AbstractFormat]]:
    """Raw batches of one partition: a frame with :data:`RAW_SCHEMA`, or — for a JSON batch that
    polars cannot parse — the records as Python objects (they then take the record loop)."""
    if part.format == "parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(part.path)
        cols = [c for c in RAW_SCHEMA if c in pf.schema_arrow.names]
        for batch in pf.iter_batches(batch_size=batch_rows, columns=cols):
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            yield conform(frame), "json"
        return
    for buf in _prefetch(iter_jsonl_batches(part.path, batch_bytes)):
        try:
            yield parse_jsonl(buf), "polars"
        except pl.exceptions.PolarsError:
            yield _json_records(buf, part.rel), "polars"


# --------------------------------------------------------------------------------------------
# ingest
# --------------------------------------------------------------------------------------------


@dataclass
class PartitionResult:
    rel: str
    key: str
    status: Literal["done", "failed"]
    rows_in: int = 0
    rows_kept: int = 0
    bytes_in: int = 0
    seconds: float = 0.0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class IngestReport:
    out: str
    filter: str
    results: list[PartitionResult] = field(default_factory=list)
    skipped: int = 0
    seconds: float = 0.0
    duplicate_ids: int = 0  # works found in more than one partition of the output

    @property
    def failed(self) -> list[PartitionResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def bytes_in(self) -> int:
        return sum(r.bytes_in for r in self.results if r.status == "done")

    @property
    def rows_in(self) -> int:
        return sum(r.rows_in for r in self.results)

    @property
    def rows_kept(self) -> int:
        return sum(r.rows_kept for r in self.results)


class _PartWriter:
    """One parquet file per table for one partition, written batch by batch under a temp name
    and renamed into place only when the whole partition succeeded."""

    def __init__(self, out: Path, key: str) -> None:
        self.final = {t: out / t / f"part-{key}.parquet" for t in TABLE_NAMES}
        self.tmp = {t: p.with_name(p.name + ".tmp") for t, p in self.final.items()}
        self.writers: dict[str, Any] = {}
        self.buffer: list[Tables] = []
        self.buffered = 0

    def write(self, tables: Tables) -> None:
        """Buffer ``tables`` (as Arrow, zero-copy); flush them as one row group once about
        WRITE_BUFFER_BYTES are held (small batches parse fastest but make poor row groups)."""
        self.buffer.append({n: getattr(tables, n).to_arrow() for n in TABLE_NAMES})
        self.buffered += sum(t.nbytes for t in self.buffer[-1].values())
        if self.buffered >= WRITE_BUFFER_BYTES:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.buffer:
            return
        for name in TABLE_NAMES:
            table = pa.concat_tables([b[name] for b in self.buffer])
            w = self.writers.get(name)
            if w is None:
                self.tmp[name].parent.mkdir(parents=True, exist_ok=True)
                w = pq.ParquetWriter(self.tmp[name], table.schema, compression="zstd")
                self.writers[name] = w
            w.write_table(table, row_group_size=max(1, table.num_rows))
        self.buffer, self.buffered = [], 0

    def commit(self) -> None:
        self.flush()
        if not self.writers:  # nothing kept: still write empty tables so every part has files
            self.write(_empty_tables())
            self.flush()
        for w in self.writers.values():
            w.close()
        self.writers = {}
        for name in TABLE_NAMES:
            os.replace(self.tmp[name], self.final[name])

    def abort(self) -> None:
        self.buffer, self.buffered = [], 0
        for w in self.writers.values():
            try:
                w.close()
            except Exception:  # noqa: BLE001 - best effort cleanup
                pass
        self.writers = {}
        for p in self.tmp.values():
            p.unlink(missing_ok=True)


def _empty_tables() -> Tables:
    return Tables(
        works=pl.DataFrame(schema=schemas.WORKS),
        authorships=pl.DataFrame(schema=schemas.AUTHORSHIPS),
        work_countries=pl.DataFrame(schema=schemas.WORK_COUNTRIES),
        work_topics=pl.DataFrame(schema=schemas.WORK_TOPICS),
    )


def ingest_partition(
    part: Partition,
    out: str | os.PathLike,
    flt: WorkFilter | None = None,
    *,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> PartitionResult:
    """Read, filter, normalise and write one partition. Never raises for bad input: a partition
    that cannot be read is returned with ``status="failed"`` and the error message (a pure
    function of its arguments, so any engine can run it: see :func:`ingest`)."""
    flt = flt or WorkFilter()
    t0 = time.perf_counter()
    res = PartitionResult(part.rel, part.key, "done", bytes_in=part.size)
    writer = _PartWriter(Path(out), part.key)
    offset = 0
    try:
        for batch, fmt in iter_partition_frames(
            part, batch_bytes=batch_bytes, batch_rows=batch_rows
        ):
            source = f"{part.rel}"
            if isinstance(batch, list):
                tables = normalize_works(batch, source=f"{source}: batch at record {offset}")
                n = len(batch)
                tables = flt.apply_tables(tables)
            else:
                n = batch.height
                _check_ids(
                    batch.select(_short(pl.col("id"))).to_series(),
                    batch.get_column("id"),
                    source,
                    offset,
                )
                kept = flt.apply_raw(batch)
                tables = normalize_frame(kept, source=source, abstract_format=fmt, offset=offset)
            res.rows_in += n
            res.rows_kept += tables.works.height
            offset += n
            if tables.works.height:
                writer.write(tables)
        if part.record_count is not None and part.record_count != res.rows_in:
            raise InputDataError(
                f"{part.rel}: the manifest says {part.record_count} records, the file holds "
                f"{res.rows_in}",
                hint="the file is incomplete or stale; download it again",
            )
        writer.commit()
        _check_duplicates(writer.final["works"], part.rel)
    except (LitscanError, OSError, EOFError, zlib.error, pl.exceptions.PolarsError) as exc:
        writer.abort()
        for p in writer.final.values():
            p.unlink(missing_ok=True)
        res.status = "failed"
        res.error = f"{type(exc).__name__}: {exc}"
        if part.rel not in res.error:
            res.error = f"{part.rel}: {res.error}"
    res.seconds = time.perf_counter() - t0
    return res


def _check_duplicates(works_file: Path, rel: str) -> None:
    dup = (
        pl.scan_parquet(works_file)
        .select("id")
        .filter(pl.col("id").is_duplicated())
        .head(1)
        .collect()
    )
    if dup.height:
        raise MalformedRecordError(
            f"{rel}: work {dup.item(0, 0)} appears more than once in this partition",
            hint="the snapshot partition is corrupt; download it again",
        )


def _load_state(out: Path) -> dict[str, Any]:
    path = out / STATE_FILE
    if not path.is_file():
        return {"version": 1, "filter": None, "partitions": {}}
    try:
        state = json.loads(path.read_text())
        assert isinstance(state.get("partitions"), dict)
        return state
    except (ValueError, AssertionError, AttributeError) as exc:
        raise InputDataError(
            f"{path}: the ingest state file is unreadable",
            hint="delete it to start over (finished parts are rewritten)",
        ) from exc


def _save_state(out: Path, state: Mapping[str, Any]) -> None:
    path = out / STATE_FILE
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
    os.replace(tmp, path)


Engine = Literal["local", "dask", "spark"]
Progress = Callable[[int, int, PartitionResult], None]


def _run_local(todo: Sequence[Partition], task: Callable[[Partition], PartitionResult]):
    for part in todo:
        yield task(part)


def _run_dask(todo: Sequence[Partition], task, workers: int | None):
    try:
        import dask
    except ImportError:  # pragma: no cover - depends on the environment
        raise UsageError(
            "--engine dask needs the dask package", hint="pip install 'dask[distributed]'"
        ) from None
    try:  # a distributed Client (a cluster) is used when one is registered
        from distributed import as_completed, get_client

        client = get_client()
    except (ImportError, ValueError):
        client = None
    if client is not None:
        futures = client.map(task, list(todo), pure=False)
        for fut in as_completed(futures):
            yield fut.result()
        return
    step = max(1, (workers or os.cpu_count() or 1))
    for i in range(0, len(todo), step):
        chunk = [dask.delayed(task)(p) for p in todo[i : i + step]]
        yield from dask.compute(*chunk, scheduler="processes", num_workers=step)


def _run_spark(todo: Sequence[Partition], task, workers: int | None):
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the environment
        raise UsageError("--engine spark needs pyspark", hint="pip install pyspark") from None
    spark = SparkSession.getActiveSession()
    own = spark is None
    if own:  # local mode: executors run this interpreter (litscan must be importable there)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        spark = (
            SparkSession.builder.master(f"local[{workers or '*'}]")
            .appName("litscan-ingest")
            .config("spark.ui.enabled", "false")
            .getOrCreate()
        )
    sc = spark.sparkContext
    if own:
        sc.setLogLevel("ERROR")
    try:  # waves of defaultParallelism partitions, so the state file advances as they finish
        step = max(1, sc.defaultParallelism)
        for i in range(0, len(todo), step):
            chunk = list(todo[i : i + step])
            yield from sc.parallelize(chunk, len(chunk)).map(task).collect()
    finally:
        if own:
            spark.stop()


class _Task:
    """A picklable ``Partition -> PartitionResult`` closure for the engines."""

    def __init__(self, out: str, flt: WorkFilter, batch_bytes: int, batch_rows: int) -> None:
        self.out, self.flt, self.batch_bytes, self.batch_rows = out, flt, batch_bytes, batch_rows

    def __call__(self, part: Partition) -> PartitionResult:
        return ingest_partition(
            part, self.out, self.flt, batch_bytes=self.batch_bytes, batch_rows=self.batch_rows
        )


def ingest(
    snapshot: str | os.PathLike,
    out: str | os.PathLike,
    flt: WorkFilter | None = None,
    *,
    engine: Engine = "local",
    workers: int | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    restart: bool = False,
    limit: int | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest every works partition of ``snapshot`` into ``out`` (module docstring).

    Partitions already finished (per the state file) are skipped; failed ones are retried. A
    resume must use the same filter (else :class:`UsageError`); ``restart=True`` forgets the state.
    ``engine`` runs :func:`ingest_partition` on each partition unchanged: ``local`` (in this
    process, one after the other), ``dask`` (a registered ``distributed.Client`` — i.e. a cluster —
    or local processes) or ``spark`` (the active SparkSession, else ``local[workers]``).
    """
    flt = flt or WorkFilter()
    outp = Path(out)
    outp.mkdir(parents=True, exist_ok=True)
    parts = list_partitions(snapshot)
    if limit is not None:
        parts = parts[:limit]
    state = _load_state(outp)
    if restart:
        state = {"version": 1, "filter": None, "partitions": {}}
    desc = flt.describe()
    if state["partitions"] and state.get("filter") != desc:
        raise UsageError(
            f"{outp}: holds an ingest with filter {state.get('filter')!r}, this run asks for "
            f"{desc!r}",
            hint="use another --out, the same filter, or --restart",
        )
    state["filter"] = desc
    state["snapshot"] = str(Path(snapshot).resolve())
    done = {k for k, v in state["partitions"].items() if v.get("status") == "done"}
    todo = [p for p in parts if p.rel not in done]
    report = IngestReport(out=str(outp), filter=desc, skipped=len(parts) - len(todo))
    _save_state(outp, state)
    task = _Task(str(outp), flt, batch_bytes, batch_rows)
    runner: Iterable[PartitionResult]
    if engine == "local":
        runner = _run_local(todo, task)
    elif engine == "dask":
        runner = _run_dask(todo, task, workers)
    elif engine == "spark":
        runner = _run_spark(todo, task, workers)
    else:
        raise UsageError(f"unknown engine {engine!r}", hint="local, dask or spark")
    t0 = time.perf_counter()
    for i, res in enumerate(runner, 1):
        state["partitions"][res.rel] = res.to_json()
        _save_state(outp, state)
        report.results.append(res)
        if progress is not None:
            progress(i, len(todo), res)
    report.seconds = time.perf_counter() - t0
    report.duplicate_ids = count_duplicate_ids(outp)
    return report


def count_duplicate_ids(out: str | os.PathLike) -> int:
    """Works ids present in more than one partition of an ingest output (OpenAlex keeps each
    work in the partition of its last update, so this should be 0; within one partition a
    duplicate already fails that partition)."""
    files = sorted((Path(out) / "works").glob("part-*.parquet"))
    if not files:
        return 0
    ids = pl.scan_parquet(files).select("id")
    return int(
        ids.filter(pl.col("id").is_duplicated()).select(pl.col("id").n_unique()).collect().item()
    )


def stderr_progress(i: int, n: int, r: PartitionResult) -> None:
    """One line per partition on stderr."""
    if r.status == "done":
        mbs = r.bytes_in / 1e6 / r.seconds if r.seconds else 0.0
        msg = (
            f"{r.rows_in:,} works read, {r.rows_kept:,} kept, {r.bytes_in / 1e6:.1f} MB in "
            f"{r.seconds:.1f} s ({mbs:.1f} MB/s)"
        )
    else:
        msg = f"FAILED: {r.error}"
    print(f"[{i}/{n}] {r.rel}: {msg}", file=sys.stderr, flush=True)


def read_tables(out: str | os.PathLike) -> Tables:
    """Read an ingest output folder back as :class:`Tables` (all partitions)."""
    outp = Path(out)
    frames = {}
    for name in TABLE_NAMES:
        files = sorted((outp / name).glob("part-*.parquet"))
        schema = getattr(schemas, name.upper())
        frames[name] = (
            pl.concat([pl.read_parquet(f) for f in files]).cast(schema)
            if files
            else pl.DataFrame(schema=schema)
        )
    return Tables(**frames)
