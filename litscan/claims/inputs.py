"""Read any input litscan's commands accept into tidy frames (the input edge of ``shares``).

An input is one of:

* a **tables folder** (``litscan ingest --out`` / ``litscan fetch --out DIR`` layout, or the flat
  ``works.parquet`` + ``work_countries.parquet`` / ``authorships.parquet`` layout), read through
  :func:`litscan.tables.folder.load_tables`;
* a single **parquet table**: authorships, work_countries, or an aggregate count table;
* raw **OpenAlex works**: JSON lines (``.gz`` allowed), a JSON array or one API page;
* an **embedded data set**: ``@fixture``, ``@venues``, ``@counts``;
* a :class:`litscan.tables.folder.Tables` or :class:`litscan.tables.normalize.Tables` object (library use);
* a :class:`litscan.workflows.run.RunResult`: the records its claims rest on, restricted to the preset's
  population (years, venues, AI scope), with their labels (``label`` = ``classifier:llm``, ...).

:func:`load_input` returns a dict of eager frames with keys ``works``, ``work_countries``,
``work_topics``, ``work_labels`` (``None`` when absent) and, for count tables, only ``counts``.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import polars as pl

from litscan.errors import InputDataError, UsageError
from litscan.fileio import check_input_file

__all__ = ["load_input", "read_records", "EMBEDDED", "COUNTRY_SOURCES"]

EMBEDDED = ("@fixture", "@venues", "@counts")
COUNTRY_SOURCES = ("authorships", "institutions")


#: decompressed text a works file may hold when read whole (a gzip bomb stops here, not in RAM);
#: bigger inputs go through ``litscan ingest`` (bounded memory) into a tables folder
MAX_RECORDS_BYTES = 1 << 30


def _read_bounded(fh, path: Path, max_bytes: int) -> str:
    parts: list[str] = []
    size = 0
    while chunk := fh.read(1 << 24):
        size += len(chunk)
        if size > max_bytes:
            raise InputDataError(
                f"{path}: more than {max_bytes / 2**20:g} MiB of text once decompressed; "
                "not read whole",
                hint="ingest big inputs into a tables folder (`litscan ingest`), then pass the folder",
            )
        parts.append(chunk)
    return "".join(parts)


def read_records(path: Path, max_bytes: int = MAX_RECORDS_BYTES) -> list[dict]:
    """OpenAlex work records from JSON lines (``.gz`` ok), a JSON array or one API page; at most
    ``max_bytes`` characters of (decompressed) text."""
    check_input_file(path, "works file")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            text = _read_bounded(fh, path, max_bytes)
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise InputDataError(f"{path}: cannot read ({exc})") from None
    stripped = text.lstrip()
    if not stripped:
        raise InputDataError(
            f"{path}: the works file is empty (0 records)",
            hint="expected one OpenAlex work object per line",
        )
    try:
        if stripped.startswith("["):
            return list(json.loads(stripped))
        if stripped.startswith("{") and '"results"' in stripped[:2000] and "\n{" not in stripped:
            return list(json.loads(stripped)["results"])
        return [json.loads(line) for line in text.split("\n") if line.strip()]
    except RecursionError:
        raise InputDataError(
            f"{path}: JSON nested too deeply to be an OpenAlex work",
            hint="check the file; OpenAlex works nest a few levels",
        ) from None
    except json.JSONDecodeError as exc:
        raise InputDataError(
            f"{path}: not JSON lines ({exc.msg} at line {exc.lineno})",
            hint="expected one OpenAlex work object per line",
        ) from None


def _from_tables(t: Any, source: str) -> dict[str, pl.DataFrame | None]:
    """Eager frames from a lazy :class:`litscan.tables.folder.Tables` (``source`` = country source)."""
    from litscan.tables.normalize import work_countries

    frames = t.collect()
    if source == "institutions":
        auth = frames.get("authorships")
        if auth is None or "institution_countries" not in auth.columns:
            where = f"{t.path}: " if t.path is not None else ""
            raise UsageError(
                f"{where}--country-source institutions needs an authorships table with "
                "institution_countries",
                hint="use --country-source authorships, or write authorships/ into the folder",
            )
        frames["work_countries"] = work_countries(auth, source=source, works=frames["works"])
    return {k: frames[k] for k in ("works", "work_countries", "work_labels", "work_topics")}


def _from_run(res: Any, source: str) -> dict[str, pl.DataFrame | None]:
    from litscan.claims.population import records_population

    ev = res.evaluation.evidence.get("records")
    if ev is None or ev.works is None:
        raise InputDataError(
            f"run of {res.preset.name}: no record-level evidence (its claims rest on counts)",
            hint="shares of a run need record-level claims; use @counts for the aggregates",
        )
    if source != "authorships":
        raise UsageError(
            "a run's records carry work_countries only: use country source authorships"
        )
    works, wc = records_population(res.preset, ev)
    labels = ev.work_labels
    if labels is not None:
        labels = labels.join(works.select(pl.col("id").alias("work_id")), on="work_id", how="semi")
    return {"works": works, "work_countries": wc, "work_labels": labels, "work_topics": None}


def _from_normalized(t: Any, source: str) -> dict[str, pl.DataFrame | None]:
    from litscan.tables.normalize import work_countries

    wc = work_countries(t.authorships, source=source, works=t.works)
    return {
        "works": t.works,
        "work_countries": wc,
        "work_topics": t.work_topics,
        "work_labels": None,
    }


def _parquet_file(path: Path, source: str) -> dict[str, pl.DataFrame | None]:
    from litscan.tables.normalize import work_countries

    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputDataError(f"{path}: cannot be read as parquet ({first})") from None
    cols = set(frame.columns)
    if {"country_code", "works"} <= cols and "work_id" not in cols:
        return {"counts": frame}
    if {"work_id", "countries"} <= cols:
        return {"work_countries": work_countries(frame, source=source), "works": None}
    if {"work_id", "country_code", "whole", "fractional"} <= cols:
        return {"work_countries": frame, "works": None}
    if {"id", "year"} <= cols:
        raise InputDataError(
            f"{path}: this is a works table; shares needs the countries too",
            hint="pass the tables folder that holds it (works/ + work_countries/ or authorships/)",
        )
    raise InputDataError(
        f"{path}: parquet with columns {sorted(cols)} is not an authorships, work_countries "
        "or aggregate count table",
        hint="pass a tables folder or see docs/tables.md",
    )


def load_input(spec: Any, country_source: str = "authorships") -> dict[str, pl.DataFrame | None]:
    """Tables for ``spec`` (see the module docstring); key ``counts`` for aggregate count tables."""
    from litscan.tables import datasets
    from litscan.tables.folder import Tables, load_tables
    from litscan.tables.normalize import Tables as Normalized
    from litscan.tables.normalize import normalize_works

    if country_source not in COUNTRY_SOURCES:
        raise UsageError(
            f"country source: expected one of {', '.join(COUNTRY_SOURCES)}, got {country_source!r}"
        )
    if isinstance(spec, Tables):
        return _from_tables(spec, country_source)
    if hasattr(spec, "evaluation") and hasattr(spec, "manifest"):  # a RunResult
        return _from_run(spec, country_source)
    if isinstance(spec, Normalized):
        return _from_normalized(spec, country_source)
    if not isinstance(spec, str | Path):
        raise UsageError(
            f"input: expected a path, an embedded data set or tables, got {type(spec).__name__}",
            hint="a tables folder, works JSONL(.gz), a parquet table, or @fixture/@venues/@counts",
        )
    text = str(spec)
    if text.startswith("@"):
        if text == "@counts":
            return {"counts": datasets.load_openalex_counts()}
        loaders = {"@fixture": datasets.load_works_fixture, "@venues": datasets.load_venue_papers}
        if text not in loaders:
            raise UsageError(
                f"unknown embedded data set {text!r}", hint=f"use {', '.join(EMBEDDED)}"
            )
        return _from_normalized(loaders[text](), country_source)
    path = Path(text)
    if not path.exists():
        raise InputDataError(
            f"{path}: no such file or folder",
            hint="INPUT is a tables folder, a works JSONL(.gz) or a parquet table",
        )
    check_input_file(path)
    if path.is_dir():
        return _from_tables(load_tables(path), country_source)
    if path.suffix == ".parquet":
        return _parquet_file(path, country_source)
    records = read_records(path)
    tables = normalize_works(records, source=str(path))
    if tables.works.height == 0:  # every record was bad: say so here, not as an empty selection
        raise InputDataError(
            f"{path}: no usable OpenAlex work among {len(records)} record(s) "
            f"({tables.issues.skipped} skipped)",
            hint="expected one OpenAlex work object per line; the lines above name the bad ones",
        )
    return _from_normalized(tables, country_source)
