"""Explicit schemas of litscan's tidy tables (documented in ``docs/tables.md``)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from litscan.errors import InputDataError

Utf8List = pl.List(pl.Utf8)

WORKS: dict[str, pl.DataType] = {
    "id": pl.Utf8,
    "doi": pl.Utf8,
    "title": pl.Utf8,
    "abstract": pl.Utf8,
    "year": pl.Int32,
    "publication_date": pl.Date,
    "type": pl.Utf8,
    "language": pl.Utf8,
    "cited_by_count": pl.Int64,
    "fwci": pl.Float64,
    "citation_percentile": pl.Float64,
    "is_top_1_percent": pl.Boolean,
    "is_top_10_percent": pl.Boolean,
    "primary_topic_id": pl.Utf8,
    "primary_topic": pl.Utf8,
    "subfield_id": pl.Utf8,
    "subfield": pl.Utf8,
    "field_id": pl.Utf8,
    "field": pl.Utf8,
    "domain_id": pl.Utf8,
    "domain": pl.Utf8,
    "source_id": pl.Utf8,
    "source": pl.Utf8,
    "is_retracted": pl.Boolean,
    "is_authors_truncated": pl.Boolean,
    "n_authors": pl.Int32,
    "venue_field": pl.Utf8,
    "status": pl.Utf8,
}

AUTHORSHIPS: dict[str, pl.DataType] = {
    "work_id": pl.Utf8,
    "position": pl.Int32,
    "author_id": pl.Utf8,
    "institution_ids": Utf8List,
    "institution_countries": Utf8List,
    "countries": Utf8List,
}

WORK_COUNTRIES: dict[str, pl.DataType] = {
    "work_id": pl.Utf8,
    "country_code": pl.Utf8,
    "whole": pl.Float64,
    "fractional": pl.Float64,
}

WORK_TOPICS: dict[str, pl.DataType] = {
    "work_id": pl.Utf8,
    "topic_id": pl.Utf8,
    "topic": pl.Utf8,
    "score": pl.Float64,
    "rank": pl.Int32,
    "is_primary": pl.Boolean,
    "subfield_id": pl.Utf8,
    "subfield": pl.Utf8,
    "field_id": pl.Utf8,
    "field": pl.Utf8,
    "domain_id": pl.Utf8,
    "domain": pl.Utf8,
}

WORK_LABELS: dict[str, pl.DataType] = {
    "work_id": pl.Utf8,
    "label": pl.Utf8,
    "score": pl.Float64,
    "flag": pl.Boolean,
}

COUNTS: dict[str, pl.DataType] = {
    "country_code": pl.Utf8,
    "year": pl.Int32,
    "label": pl.Utf8,
    "works": pl.Int64,
    "citations": pl.Int64,
    "counting": pl.Utf8,
    "source": pl.Utf8,
}


def frame(columns: Mapping[str, list], schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Build a frame from column lists with exactly the columns and dtypes of ``schema``."""
    try:
        return pl.DataFrame({k: columns[k] for k in schema}, schema=dict(schema), strict=False)
    except (TypeError, pl.exceptions.PolarsError) as exc:  # pragma: no cover - defensive
        raise InputDataError(f"could not build a table with schema {list(schema)}: {exc}") from exc
