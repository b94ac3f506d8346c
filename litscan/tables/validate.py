"""Validation of a tables folder's values, after its columns and dtypes are checked.

:func:`litscan.tables.folder.load_tables` calls :func:`validate_tables` on every folder it opens,
so ``shares``, ``run --tables``, ``classify`` and the Python API all see checked tables. Parquet
files are easy to write by hand or with another tool, and a table that lies double-counts
silently (a duplicated row) or gives shares of ``nan``, ``inf`` or above 1. The rules:

=================  ===================  ======================================================
table              column(s)            rule (violation = one-line :class:`InputDataError`)
=================  ===================  ======================================================
works              id                   present and unique
works              year                 null, or an integer in ``YEAR_RANGE`` (1000..2100)
works              cited_by_count       null, or finite in 0..``MAX_CITATIONS``; **NaN is read
                                        as missing** (null), never as "most cited"
work_countries     work_id              present
work_countries     work_id+country_code unique (one row per work and country)
work_countries     country_code         upper case (``cn`` is an error with the hint to
                                        upper-case); ISO 3166-1 alpha-2 or ``XK``: other codes
                                        (``ZZZ``, ``QQ``) are **reported and excluded**, as the
                                        records path does (a work left without a country gets
                                        one row with a null, i.e. unknown, country)
work_countries     whole, fractional    finite, in [0, 1] (+- ``TOLERANCE``)
work_countries     fractional           sums to at most 1 (+ ``TOLERANCE``) per work
work_labels        work_id+label        unique (one flag per work and label)
=================  ===================  ======================================================

Every error names the folder, the table, the column, how many rows break the rule, the first
``EXAMPLES`` of them (row numbers count from 1 over the table's files in name order, with the
offending values) and a hint. Reported (not fatal) findings are returned as one line each and
logged once as a warning.
"""

from __future__ import annotations

import logging
from pathlib import Path

import polars as pl

from litscan.errors import InputDataError

__all__ = ["validate_tables", "YEAR_RANGE", "MAX_CITATIONS", "TOLERANCE", "EXAMPLES"]

log = logging.getLogger("litscan.tables")

#: publication years litscan accepts (OpenAlex has works from the 1000s on; none after 2100)
YEAR_RANGE = (1000, 2100)
#: more citations than any work has (the most cited works have a few hundred thousand)
MAX_CITATIONS = 10_000_000
#: slack on "fractional weights of a work sum to at most 1" (float sums of 1/n)
TOLERANCE = 1e-6
#: example rows named in a message
EXAMPLES = 3


def _examples(bad: pl.DataFrame, cols: list[str]) -> str:
    parts = []
    for row in bad.head(EXAMPLES).iter_rows(named=True):
        shown = ", ".join(f"{c}={row[c]!r}" for c in cols)
        parts.append(f"row {row['_row']}: {shown}")
    return "; ".join(parts)


def _fail(
    root: Path,
    table: str,
    column: str,
    expected: str,
    bad: pl.DataFrame,
    cols: list[str],
    hint: str,
) -> InputDataError:
    return InputDataError(
        f"{root}: table {table}, column {column}: expected {expected}, got {bad.height:,} "
        f"row(s) that are not (e.g. {_examples(bad, cols)})",
        hint=hint,
    )


def _is_float(frame: pl.DataFrame, col: str) -> bool:
    return frame.schema[col].is_float()


def _check_works(root: Path, works: pl.DataFrame) -> int:
    """Raise on bad ids, years or citations; return how many citations are NaN (read as null)."""
    ids = works.filter(pl.col("id").is_null() | (pl.col("id") == ""))
    if ids.height:
        raise _fail(
            root,
            "works",
            "id",
            "a work id on every row",
            ids,
            ["id"],
            "drop the rows without an id",
        )
    dup = works.filter(pl.col("id").is_duplicated())
    if dup.height:
        raise _fail(
            root,
            "works",
            "id",
            "unique work ids (one row per work)",
            dup,
            ["id"],
            "deduplicate works (e.g. keep the first row of each id); a "
            "duplicated work is counted twice",
        )
    lo, hi = YEAR_RANGE
    year = pl.col("year")
    bad_year = works.filter(year.is_not_null() & ((year < lo) | (year > hi)))
    if bad_year.height:
        raise _fail(
            root,
            "works",
            "year",
            f"a publication year in {lo}..{hi}",
            bad_year,
            ["id", "year"],
            "fix or drop the rows; years are integers like 2021",
        )
    cites = pl.col("cited_by_count")
    nan = 0
    if _is_float(works, "cited_by_count"):
        nan = int(works.select(cites.is_nan().sum()).item() or 0)
        bad = works.filter(
            cites.is_not_null()
            & ~cites.is_nan()
            & (cites.is_infinite() | (cites < 0) | (cites > MAX_CITATIONS))
        )
    else:
        bad = works.filter(cites.is_not_null() & ((cites < 0) | (cites > MAX_CITATIONS)))
    if bad.height:
        raise _fail(
            root,
            "works",
            "cited_by_count",
            f"a citation count in 0..{MAX_CITATIONS:,} (or null when unknown)",
            bad,
            ["id", "cited_by_count"],
            "write null for an unknown count",
        )
    return nan


def _check_countries(root: Path, wc: pl.DataFrame, valid: tuple[str, ...]) -> pl.DataFrame:
    """Raise on structural errors; return the rows whose (upper-case) code is not ISO alpha-2."""
    missing = wc.filter(pl.col("work_id").is_null() | (pl.col("work_id") == ""))
    if missing.height:
        raise _fail(
            root,
            "work_countries",
            "work_id",
            "a work id on every row",
            missing,
            ["work_id", "country_code"],
            "drop the rows without a work id",
        )
    dup = wc.filter(pl.struct("work_id", "country_code").is_duplicated())
    if dup.height:
        raise _fail(
            root,
            "work_countries",
            "work_id, country_code",
            "one row per work and country",
            dup,
            ["work_id", "country_code"],
            "deduplicate the rows; a duplicated row counts the country twice",
        )
    code = pl.col("country_code")
    lower = wc.filter(code.is_not_null() & (code != code.str.to_uppercase()))
    if lower.height:
        raise _fail(
            root,
            "work_countries",
            "country_code",
            "ISO 3166-1 alpha-2 codes in upper case",
            lower,
            ["work_id", "country_code"],
            "upper-case the codes (CN, not cn), e.g. pl.col('country_code').str.to_uppercase()",
        )
    for col in ("whole", "fractional"):
        c = pl.col(col)
        cond = c.is_null() | (c < -TOLERANCE) | (c > 1 + TOLERANCE)  # float sums of 1/n
        if _is_float(wc, col):
            cond = cond | c.is_nan() | c.is_infinite()
        bad = wc.filter(cond)
        if bad.height:
            raise _fail(
                root,
                "work_countries",
                col,
                "a finite weight in [0, 1]",
                bad,
                ["work_id", "country_code", col],
                "whole is 1 per country of a work; fractional is the work's share "
                "credited to the country (docs/tables.md)",
            )
    sums = (
        wc.group_by("work_id", maintain_order=True)
        .agg(pl.col("fractional").sum().alias("sum"), pl.col("_row").first())
        .filter(pl.col("sum") > 1 + TOLERANCE)
    )
    if sums.height:
        raise InputDataError(
            f"{root}: table work_countries, column fractional: expected the weights of a work "
            f"to sum to at most 1, got {sums.height:,} work(s) above (e.g. "
            + "; ".join(
                f"{r['work_id']} sums to {r['sum']:.4g} (first at row {r['_row']})"
                for r in sums.head(EXAMPLES).iter_rows(named=True)
            )
            + ")",
            hint="fractional counting splits one work among its countries; recompute it or "
            "drop work_countries/ to derive it from authorships/",
        )
    return wc.filter(code.is_not_null() & ~code.is_in(list(valid)))


def _check_labels(root: Path, labels: pl.DataFrame) -> None:
    dup = labels.filter(pl.struct("work_id", "label").is_duplicated())
    if dup.height:
        raise _fail(
            root,
            "work_labels",
            "work_id, label",
            "one flag per work and label",
            dup,
            ["work_id", "label"],
            "deduplicate the rows",
        )


def validate_tables(
    root: Path, lazy: dict[str, pl.LazyFrame]
) -> tuple[dict[str, pl.LazyFrame], list[str]]:
    """Check the values of the tables in ``lazy`` (the rules in the module docstring).

    Returns the tables to use (citations that are NaN read as null; rows with unknown country
    codes excluded) and the findings reported rather than raised, one line each. Raises
    :class:`InputDataError` (one line) for every other violation. Reads only the checked columns.
    """
    from litscan.tables.normalize import valid_country_codes

    out = dict(lazy)
    notes: list[str] = []
    plans = {
        "works": lazy["works"].select("id", "year", "cited_by_count"),
        "work_countries": lazy["work_countries"].select(
            "work_id", "country_code", "whole", "fractional"
        ),
    }
    if lazy.get("work_labels") is not None:
        plans["work_labels"] = lazy["work_labels"].select("work_id", "label")
    try:
        frames = dict(zip(plans, pl.collect_all(list(plans.values())), strict=True))
    except pl.exceptions.PolarsError as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputDataError(
            f"{root}: the tables cannot be read ({first[:200]})",
            hint="every file of a table must be a parquet file with the same columns",
        ) from None
    frames = {k: v.with_row_index("_row", offset=1) for k, v in frames.items()}
    nan = _check_works(root, frames["works"])
    if nan:
        notes.append(
            f"{root}: table works, column cited_by_count: {nan:,} NaN value(s) read as "
            "missing (null)"
        )
        cites = pl.col("cited_by_count")
        out["works"] = lazy["works"].with_columns(
            pl.when(cites.is_nan()).then(None).otherwise(cites).alias("cited_by_count")
        )
    valid = valid_country_codes()
    unknown = _check_countries(root, frames["work_countries"], valid)
    if unknown.height:
        codes = unknown.get_column("country_code").unique(maintain_order=True).to_list()
        notes.append(
            f"{root}: table work_countries, column country_code: {unknown.height:,} row(s) "
            f"with code(s) that are not ISO 3166-1 alpha-2 excluded ({', '.join(codes[:5])}"
            f"{', ...' if len(codes) > 5 else ''}; e.g. {_examples(unknown, ['work_id'])})"
        )
        out["work_countries"] = _exclude_unknown(lazy["work_countries"], valid)
    if "work_labels" in frames:
        _check_labels(root, frames["work_labels"])
    for note in notes:
        log.warning(note)
    return out, notes


def _exclude_unknown(wc: pl.LazyFrame, valid: tuple[str, ...]) -> pl.LazyFrame:
    """``wc`` without rows of unknown codes; a work left with no row gets one null-country row
    (whole and fractional 1), as the records path gives a work without a known country."""
    code = pl.col("country_code")
    kept = wc.filter(code.is_null() | code.is_in(list(valid)))
    lost = (
        wc.select("work_id")
        .unique()
        .join(kept.select("work_id").unique(), on="work_id", how="anti")
        .with_columns(
            pl.lit(None, dtype=pl.Utf8).alias("country_code"),
            pl.lit(1.0).alias("whole"),
            pl.lit(1.0).alias("fractional"),
        )
    )
    return pl.concat([kept, lost], how="diagonal_relaxed")
