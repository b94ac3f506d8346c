"""Baselines for the ingest and normalise benchmarks, each starting from the same JSON Lines:

* :func:`decode_limit` — the *decode limit*: gunzip (``isal`` when installed, as litscan) and
  decode only the fields litscan uses into typed ``msgspec`` structs, every field fully typed
  (:class:`TypedWork`: litscan's ``Work`` with the inverted index as ``dict[str, list[int]]``,
  the limit issue 15 measured), nothing else: no tables, no abstracts, no writing. litscan itself
  keeps the index as raw JSON and rebuilds abstracts in a compiled pass, so it can get close to,
  but still has to build everything this limit skips.
* :func:`duckdb_tables` — what a careful data user would write instead: DuckDB's ``read_ndjson``
  with the same explicit nested columns, then the same four tables in SQL (short ids, abstracts
  rebuilt from the inverted index, distinct upper-case countries, whole and fractional country
  weights, topics) written to Parquet (zstd), with DuckDB's own threads (all cores).

Both take an optional scoped filter (publication years, any author country) like litscan's.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

_ID_NAME = "STRUCT(id VARCHAR, display_name VARCHAR)"
_TOPIC = (
    f"STRUCT(id VARCHAR, display_name VARCHAR, score DOUBLE, subfield {_ID_NAME}, "
    f"field {_ID_NAME}, domain {_ID_NAME})"
)
COLUMNS = {
    "id": "VARCHAR",
    "doi": "VARCHAR",
    "title": "VARCHAR",
    "display_name": "VARCHAR",
    "abstract_inverted_index": "MAP(VARCHAR, BIGINT[])",
    "publication_year": "BIGINT",
    "publication_date": "VARCHAR",
    "type": "VARCHAR",
    "language": "VARCHAR",
    "cited_by_count": "BIGINT",
    "fwci": "DOUBLE",
    "citation_normalized_percentile": "STRUCT(value DOUBLE, is_in_top_1_percent BOOLEAN, "
    "is_in_top_10_percent BOOLEAN)",
    "primary_topic": _TOPIC,
    "topics": f"{_TOPIC}[]",
    "primary_location": f"STRUCT(source {_ID_NAME})",
    "is_retracted": "BOOLEAN",
    "is_authors_truncated": "BOOLEAN",
    "authorships": "STRUCT(author STRUCT(id VARCHAR), institutions STRUCT(id VARCHAR, "
    "country_code VARCHAR)[], countries VARCHAR[])[]",
}


def typed_work() -> type:
    """litscan's ``Work`` struct with ``abstract_inverted_index: dict[str, list[int]] | None``."""
    from litscan.tables.decode import Work

    class TypedWork(Work):
        abstract_inverted_index: dict[str, list[int]] | None = None  # type: ignore[assignment]

    return TypedWork


def decode_limit(path: str, batch_bytes: int = 16 << 20) -> int:
    """Gunzip + typed decode of the fields litscan uses; returns the number of works."""
    import msgspec

    from litscan.tables.decode import no_gc
    from litscan.tables.snapshot import iter_jsonl_batches

    dec = msgspec.json.Decoder(typed_work())
    n = 0
    for buf in iter_jsonl_batches(path, batch_bytes):
        with no_gc():
            n += len(dec.decode_lines(buf))
    return n


def _short(expr: str) -> str:
    return f"nullif(regexp_extract(rtrim({expr}, '/'), '[^/]*$'), '')"


def duckdb_tables(
    files: Sequence[str],
    out: str,
    *,
    years: tuple[int, int] | None = None,
    countries: Sequence[str] | None = None,
    threads: int | None = None,
) -> dict[str, int]:
    """The four tables with DuckDB, written to ``out/<table>.parquet``; returns row counts."""
    import duckdb

    os.makedirs(out, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET threads={threads or os.cpu_count() or 1}")
    con.execute("SET preserve_insertion_order=false")
    con.execute("SET enable_progress_bar=false")
    cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items()) + "}"
    file_list = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    where = []
    if years:
        where.append(f"publication_year BETWEEN {years[0]} AND {years[1]}")
    if countries:
        cc = "[" + ", ".join(f"'{c}'" for c in countries) + "]"
        where.append(
            f"len(list_filter(authorships, lambda a: len(list_intersect(a.countries, {cc})) > 0)) > 0"
        )
    cond = ("WHERE " + " AND ".join(where)) if where else ""
    con.execute(
        f"""CREATE TEMP TABLE raw AS SELECT *, {_short("id")} AS wid
        FROM read_ndjson({file_list}, columns={cols}, maximum_object_size=268435456,
                         compression='auto') {cond}"""
    )
    con.execute(
        """CREATE TEMP TABLE abstracts AS
        WITH e AS (SELECT wid, unnest(map_entries(abstract_inverted_index)) AS kv FROM raw),
        p AS (SELECT wid, kv.key AS word, unnest(kv.value) AS pos FROM e)
        SELECT wid, string_agg(word, ' ' ORDER BY pos) AS abstract FROM p GROUP BY wid"""
    )
    pt = "primary_topic"
    con.execute(
        f"""CREATE TEMP TABLE works AS SELECT
        raw.wid AS id,
        nullif(regexp_replace(lower(trim(doi)), '^(https?://doi\\.org/|doi:)', ''), '') AS doi,
        coalesce(nullif(title, ''), display_name) AS title,
        abstracts.abstract,
        publication_year::INTEGER AS year,
        try_strptime(left(publication_date, 10), '%Y-%m-%d')::DATE AS publication_date,
        type, language, cited_by_count, fwci,
        citation_normalized_percentile.value AS citation_percentile,
        citation_normalized_percentile.is_in_top_1_percent AS is_top_1_percent,
        citation_normalized_percentile.is_in_top_10_percent AS is_top_10_percent,
        {_short(f"{pt}.id")} AS primary_topic_id, {pt}.display_name AS primary_topic,
        {_short(f"{pt}.subfield.id")} AS subfield_id, {pt}.subfield.display_name AS subfield,
        {_short(f"{pt}.field.id")} AS field_id, {pt}.field.display_name AS field,
        {_short(f"{pt}.domain.id")} AS domain_id, {pt}.domain.display_name AS domain,
        {_short("primary_location.source.id")} AS source_id,
        primary_location.source.display_name AS source,
        is_retracted, is_authors_truncated, len(authorships)::INTEGER AS n_authors
        FROM raw LEFT JOIN abstracts USING (wid)"""
    )
    con.execute(
        f"""CREATE TEMP TABLE authorships AS
        WITH a AS (SELECT wid, unnest(authorships) AS a,
                          generate_subscripts(authorships, 1) - 1 AS position FROM raw)
        SELECT wid AS work_id, position::INTEGER AS position,
        {_short("a.author.id")} AS author_id,
        list_transform(list_filter(a.institutions, lambda x: coalesce(x.id, '') <> ''),
                       lambda x: {_short("x.id")}) AS institution_ids,
        list_distinct(list_transform(list_filter(a.institutions,
            lambda x: coalesce(x.country_code, '') <> ''), lambda x: upper(x.country_code)))
            AS institution_countries,
        list_distinct(list_transform(list_filter(a.countries, lambda x: coalesce(x, '') <> ''),
            lambda x: upper(x))) AS countries
        FROM a"""
    )
    con.execute(
        """CREATE TEMP TABLE work_countries AS
        WITH au AS (SELECT work_id, countries FROM authorships WHERE len(countries) > 0),
        n AS (SELECT work_id, count(*) AS n_auth FROM au GROUP BY work_id),
        x AS (SELECT au.work_id, unnest(countries) AS c, 1.0 / (n_auth * len(countries)) AS w
              FROM au JOIN n USING (work_id))
        SELECT work_id, c AS country_code, 1.0 AS whole, sum(w) AS fractional
        FROM x GROUP BY work_id, c
        UNION ALL
        SELECT id AS work_id, NULL, 1.0, 1.0 FROM works
        WHERE id NOT IN (SELECT work_id FROM n)"""
    )
    con.execute(
        f"""CREATE TEMP TABLE work_topics AS
        WITH t AS (SELECT wid, {_short(f"{pt}.id")} AS primary_id, unnest(topics) AS t,
                          generate_subscripts(topics, 1) - 1 AS rank FROM raw)
        SELECT wid AS work_id, {_short("t.id")} AS topic_id, t.display_name AS topic,
        t.score, rank::INTEGER AS rank, coalesce({_short("t.id")} = primary_id, false)
            AS is_primary,
        {_short("t.subfield.id")} AS subfield_id, t.subfield.display_name AS subfield,
        {_short("t.field.id")} AS field_id, t.field.display_name AS field,
        {_short("t.domain.id")} AS domain_id, t.domain.display_name AS domain
        FROM t"""
    )
    counts = {}
    for name in ("works", "authorships", "work_countries", "work_topics"):
        target = Path(out) / f"{name}.parquet"
        con.execute(f"COPY {name} TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
        counts[name] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    con.close()
    return counts
