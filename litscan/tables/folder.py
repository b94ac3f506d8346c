"""The tables folder: the hub every pipeline stage reads and writes.

Layout (what ``litscan ingest --out DIR`` and ``litscan fetch --out DIR`` write; columns in
``docs/tables.md``)::

    DIR/works/*.parquet            required: id, year, source, cited_by_count (nullable)
    DIR/work_countries/*.parquet   required unless authorships/ is there: work_id, country_code,
                                   whole, fractional
    DIR/authorships/*.parquet      optional: work_id, countries (+ institution_countries)
    DIR/work_topics/*.parquet      optional: work_id, topic_id, is_primary, subfield_id, field_id
    DIR/work_labels/*.parquet      optional: work_id, label, flag (+ score)

A single file ``DIR/<table>.parquet`` is accepted in place of ``DIR/<table>/`` (the older flat
layout). :func:`load_tables` returns :class:`Tables` of *lazy* frames (``pl.scan_parquet``): nothing
is read until collected, so a filter on years or venues reads only what it needs. It checks the
columns from the parquet metadata and fails with one line naming the folder, the table, the missing
column and a hint; then :func:`litscan.tables.validate.validate_tables` checks the values (unique
ids, weights, country codes, years, citations) and reports what it excluded in ``Tables.issues``.
:func:`write_tables` writes the same layout, every file atomically.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from os import PathLike
from pathlib import Path

import polars as pl

from litscan.errors import InputDataError, UsageError
from litscan.fileio import atomic_path, check_input_file
from litscan.tables.validate import validate_tables

__all__ = ["Tables", "TABLE_NAMES", "REQUIRED_COLUMNS", "load_tables", "write_tables", "PART_NAME"]

TABLE_NAMES = ("works", "authorships", "work_countries", "work_topics", "work_labels")
#: the name of the one part file :func:`write_tables` writes per table
PART_NAME = "part-0.parquet"

#: columns each table must have -> the dtype family they must belong to
REQUIRED_COLUMNS: dict[str, dict[str, str]] = {
    "works": {"id": "string", "year": "integer", "source": "string", "cited_by_count": "number"},
    "authorships": {"work_id": "string", "countries": "list"},
    "work_countries": {
        "work_id": "string",
        "country_code": "string",
        "whole": "number",
        "fractional": "number",
    },
    "work_topics": {"work_id": "string", "topic_id": "string", "is_primary": "boolean"},
    "work_labels": {"work_id": "string", "label": "string", "flag": "boolean"},
}

_HINTS = {
    "works": "write it with `litscan ingest --out DIR` or `litscan fetch --out DIR`, "
    "or see docs/tables.md",
    "work_countries": "add work_countries/ (work_id, country_code, whole, fractional) or "
    "authorships/ to derive it from; see docs/tables.md",
    "work_labels": "work_labels/*.parquet needs work_id, label, flag (+ optional score)",
}


def _family(dtype: pl.DataType) -> str:
    if dtype == pl.Null:
        return "null"
    if dtype in (pl.Utf8, pl.Categorical) or isinstance(dtype, pl.Enum):
        return "string"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float():
        return "float"
    if dtype == pl.Boolean:
        return "boolean"
    if isinstance(dtype, pl.List):
        return "list"
    return str(dtype)


def _fits(found: str, want: str) -> bool:
    if found == "null":  # an all-null column (e.g. no citations known) fits any type
        return True
    if want == "number":
        return found in ("integer", "float")
    return found == want


@dataclass(frozen=True)
class Tables:
    """The tidy tables of one tables folder as lazy frames (``None`` = the table is absent).

    ``works`` and ``work_countries`` are always present; ``work_countries`` is derived from
    ``authorships`` when the folder has only the latter. Collect what you need, e.g.
    ``t.works.filter(pl.col("year") >= 2020).collect()``.
    """

    works: pl.LazyFrame
    work_countries: pl.LazyFrame
    authorships: pl.LazyFrame | None = None
    work_topics: pl.LazyFrame | None = None
    work_labels: pl.LazyFrame | None = None
    path: Path | None = None
    #: what validation reported and excluded (one line each), e.g. unknown country codes
    issues: tuple[str, ...] = ()

    def present(self) -> list[str]:
        """Names of the tables that are present."""
        return [n for n in TABLE_NAMES if getattr(self, n) is not None]

    def collect(self) -> dict[str, pl.DataFrame | None]:
        """Every table read into memory (``None`` for the absent ones)."""
        frames = [getattr(self, n) for n in TABLE_NAMES]
        present = [f for f in frames if f is not None]
        done = iter(pl.collect_all(present))
        return {
            n: (next(done) if f is not None else None)
            for n, f in zip(TABLE_NAMES, frames, strict=True)
        }

    def __repr__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"Tables({where}{', '.join(self.present())}; lazy)"


def _table_files(root: Path, name: str) -> list[Path] | None:
    """The parquet files of one table, or None when the table is absent."""
    folder, flat = root / name, root / f"{name}.parquet"
    if folder.is_dir():
        files = sorted(p for p in folder.glob("*.parquet") if not p.name.startswith("."))
        if not files:
            raise InputDataError(
                f"{root}: table {name}/ holds no *.parquet files",
                hint=_HINTS.get(name, "remove the empty folder or write the table into it"),
            )
        return [check_input_file(f, f"{name} table") for f in files]
    if flat.exists():
        return [check_input_file(flat, f"{name} table")]
    return None


def _scan(root: Path, name: str, files: list[Path]) -> pl.LazyFrame:
    try:
        lf = pl.scan_parquet(files)
        schema = lf.collect_schema()
    except (OSError, pl.exceptions.PolarsError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputDataError(
            f"{root}: table {name} cannot be read as parquet ({first})",
            hint="every file under the folder must be a parquet file with the same columns",
        ) from None
    need = REQUIRED_COLUMNS[name]
    missing = [c for c in need if c not in schema]
    if missing:
        raise InputDataError(
            f"{root}: table {name} lacks column(s) {', '.join(missing)} "
            f"(has {', '.join(schema.names()) or 'none'})",
            hint=_HINTS.get(name, "see docs/tables.md for the columns of each table"),
        )
    for col, want in need.items():
        found = _family(schema[col])
        if not _fits(found, want):
            raise InputDataError(
                f"{root}: table {name}, column {col}: expected {want}, got {schema[col]}",
                hint="cast the column before writing the table (docs/tables.md lists the dtypes)",
            )
    return lf


def _derive_work_countries(authorships: pl.LazyFrame, works: pl.LazyFrame) -> pl.LazyFrame:
    from litscan.tables.normalize import work_countries

    # work_countries() is eager (it builds per-author weights); the folder had no such table
    return work_countries(
        authorships.select("work_id", "countries").collect(),
        works=works.select("id").collect(),
    ).lazy()


def load_tables(path: str | Path) -> Tables:
    """Open the tables folder ``path`` (layout in the module docstring) as lazy frames.

    Raises :class:`~litscan.errors.InputDataError` (one line: the folder, the table or column at
    fault, a hint) when the folder or a required table or column is missing.
    """
    if isinstance(path, bytes) or not isinstance(path, str | PathLike):
        raise UsageError(
            f"load_tables: expected the path of a tables folder (str or Path), got "
            f"{type(path).__name__}",
            hint="litscan.load_tables('tables/')",
        )
    if not str(path).strip():
        raise UsageError("load_tables: expected the path of a tables folder, got ''")
    root = Path(path)
    if not root.exists():
        raise InputDataError(
            f"{root}: no such tables folder",
            hint="write one with `litscan ingest --out DIR` or `litscan fetch --out DIR`",
        )
    if not root.is_dir():
        raise InputDataError(
            f"{root}: expected a tables folder (works/, work_countries/, ...), got a file",
            hint="pass the folder that holds works/ and work_countries/",
        )
    found = {name: _table_files(root, name) for name in TABLE_NAMES}
    if found["works"] is None:
        raise InputDataError(
            f"{root}: the tables folder has no works table (works/*.parquet)",
            hint=_HINTS["works"],
        )
    if found["work_countries"] is None and found["authorships"] is None:
        raise InputDataError(
            f"{root}: the tables folder has neither work_countries/ nor authorships/",
            hint=_HINTS["work_countries"],
        )
    lazy = {name: _scan(root, name, files) for name, files in found.items() if files is not None}
    if "work_countries" not in lazy:
        lazy["work_countries"] = _derive_work_countries(lazy["authorships"], lazy["works"])
    lazy, issues = validate_tables(root, lazy)
    return Tables(path=root, issues=tuple(issues), **lazy)


def _as_lazy(name: str, frame: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    if isinstance(frame, pl.DataFrame):
        return frame.lazy()
    if isinstance(frame, pl.LazyFrame):
        return frame
    raise UsageError(
        f"write_tables: table {name} must be a polars DataFrame or LazyFrame, "
        f"got {type(frame).__name__}"
    )


def write_tables(tables: Tables | Mapping[str, pl.LazyFrame | pl.DataFrame | None], path) -> Path:
    """Write ``tables`` (a :class:`Tables`, a ``litscan.tables.normalize.Tables`` or a mapping of table
    name -> DataFrame/LazyFrame) into the folder ``path`` as ``<table>/part-0.parquet``.

    Each file is written atomically. A table folder that already holds other parquet files (from
    another run or tool) is refused rather than silently merged. Returns ``path``.
    """
    root = Path(path)
    if isinstance(tables, Mapping):
        items = dict(tables)
    else:
        items = {f.name: getattr(tables, f.name) for f in fields(tables) if f.name in TABLE_NAMES}
    unknown = sorted(set(items) - set(TABLE_NAMES))
    if unknown:
        raise UsageError(
            f"write_tables: unknown table(s) {', '.join(unknown)}",
            hint=f"tables are {', '.join(TABLE_NAMES)}",
        )
    items = {k: _as_lazy(k, v) for k, v in items.items() if v is not None}
    if "works" not in items:
        raise UsageError("write_tables: a tables folder needs a works table")
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root}: expected a folder for the tables, got a file")
    for name in items:
        folder = root / name
        others = sorted(
            p.name
            for p in (folder.glob("*.parquet") if folder.is_dir() else [])
            if p.name != PART_NAME and not p.name.startswith(".")
        )
        if others:
            raise UsageError(
                f"{folder}: already holds other parquet files ({', '.join(others[:3])})",
                hint="write into an empty folder (they would be read as part of the table)",
            )
    for name, lf in items.items():
        try:
            frame = lf.collect()
        except pl.exceptions.PolarsError as exc:
            raise InputDataError(f"write_tables: table {name} cannot be computed ({exc})") from None
        with atomic_path(root / name / PART_NAME) as tmp:
            try:
                frame.write_parquet(tmp)
            except pl.exceptions.PolarsError as exc:  # pragma: no cover - polars I/O errors
                raise OSError(str(exc)) from None
    return root
