"""``litscan shares INPUT --by country[,year][,label] --counting whole|fractional --out FILE.csv``.

INPUT is raw OpenAlex works (JSON lines, ``.gz`` allowed, or a JSON array), a folder of tidy
parquet tables (``works.parquet`` and ``authorships.parquet`` or ``work_countries.parquet``,
optionally ``work_labels.parquet`` / ``work_topics.parquet``), a single parquet table
(authorships, work_countries, or an aggregate count table -> the counts path), or one of the
embedded data sets ``@fixture``, ``@venues``, ``@counts``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import polars as pl

from litscan import aggregate
from litscan.errors import InputDataError, UsageError

FRACTIONAL_RULE = (
    "fractional counting: a work's weight of 1 is split equally among its authors with at least "
    "one country, each author's part equally among that author's countries"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "shares",
        help="country shares (whole/fractional counting) with bootstrap intervals, as CSV",
        description=__doc__.splitlines()[0],
    )
    p.add_argument("input", metavar="INPUT", help="works JSONL(.gz), tidy-table folder/parquet, "
                   "or @fixture / @venues / @counts")
    p.add_argument("--by", default="country", help="comma list: country, year, label or any "
                   "works column (default: country)")
    p.add_argument("--counting", default="fractional", choices=["whole", "fractional", "both"])
    p.add_argument("--country-source", default="authorships", choices=["authorships",
                   "institutions"], help="authorships[].countries (default) or institution "
                   "country codes")
    p.add_argument("--labels", default="subfield", help="where 'label' comes from: subfield, "
                   "field, topic, domain (OpenAlex primary topic) or a work_labels parquet file")
    p.add_argument("--top", type=float, default=None, help="restrict to the top x share by "
                   "citations within year (e.g. 0.10); ties split fractionally (Leiden)")
    p.add_argument("--unknown", default="report", choices=["report", "include"])
    p.add_argument("--truncated", default="flag", choices=["flag", "exclude"],
                   help="works with truncated author lists: flag (n_truncated column) or exclude")
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (0 = none)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--min-works", type=int, default=aggregate.DEFAULT_MIN_WORKS)
    p.add_argument("--out", required=True, help="output CSV file ('-' for stdout)")
    p.set_defaults(func=run)


def _read_records(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise InputDataError(f"{path}: cannot read ({exc})") from exc
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            return list(json.loads(stripped))
        if stripped.startswith("{") and '"results"' in stripped[:2000] and "\n{" not in stripped:
            return list(json.loads(stripped)["results"])
        return [json.loads(line) for line in text.split("\n") if line.strip()]
    except json.JSONDecodeError as exc:
        raise InputDataError(
            f"{path}: not JSON lines ({exc.msg} at line {exc.lineno})",
            hint="expected one OpenAlex work object per line",
        ) from exc


def _tables_from_parquet_dir(path: Path, source: str) -> dict[str, pl.DataFrame | None]:
    from litscan.normalize import work_countries

    def opt(name: str) -> pl.DataFrame | None:
        f = path / f"{name}.parquet"
        return pl.read_parquet(f) if f.is_file() else None

    works, auth, wc = opt("works"), opt("authorships"), opt("work_countries")
    if auth is not None:
        wc = work_countries(auth, source=source, works=works)
    elif wc is None:
        raise InputDataError(
            f"{path}: folder has neither authorships.parquet nor work_countries.parquet",
            hint="write the tidy tables of docs/tables.md into the folder",
        )
    elif source != "authorships":
        raise UsageError("--country-source institutions needs authorships.parquet in the folder")
    return {"works": works, "work_countries": wc, "work_labels": opt("work_labels"),
            "work_topics": opt("work_topics")}


def load_input(spec: str, source: str) -> dict[str, pl.DataFrame | None]:
    """Tables for INPUT; key ``counts`` is set for aggregate count tables."""
    from litscan import datasets
    from litscan.normalize import normalize_works, work_countries

    if spec.startswith("@"):
        name = spec[1:]
        if name == "counts":
            return {"counts": datasets.load_openalex_counts()}
        loaders = {"fixture": datasets.load_works_fixture, "venues": datasets.load_venue_papers}
        if name not in loaders:
            raise UsageError(f"unknown embedded data set {spec!r}",
                             hint="use @fixture, @venues or @counts")
        t = loaders[name]()
        wc = work_countries(t.authorships, source=source, works=t.works)
        return {"works": t.works, "work_countries": wc, "work_topics": t.work_topics,
                "work_labels": None}
    path = Path(spec)
    if not path.exists():
        raise InputDataError(f"{path}: no such file or folder",
                             hint="INPUT is a works JSONL(.gz), a parquet file or a folder")
    if path.is_dir():
        return _tables_from_parquet_dir(path, source)
    if path.suffix == ".parquet":
        frame = pl.read_parquet(path)
        cols = set(frame.columns)
        if {"country_code", "works"} <= cols and "work_id" not in cols:
            return {"counts": frame}
        if {"work_id", "countries"} <= cols:
            return {"work_countries": work_countries(frame, source=source), "works": None}
        if {"work_id", "country_code", "whole", "fractional"} <= cols:
            return {"work_countries": frame, "works": None}
        raise InputDataError(
            f"{path}: parquet with columns {sorted(cols)} is not an authorships, work_countries "
            "or aggregate count table", hint="see docs/tables.md")
    t = normalize_works(_read_records(path), source=str(path))
    wc = work_countries(t.authorships, source=source, works=t.works)
    return {"works": t.works, "work_countries": wc, "work_topics": t.work_topics,
            "work_labels": None}


def _labels(spec: str, tables: dict) -> pl.DataFrame:
    from litscan.normalize import topic_labels

    if spec in ("subfield", "field", "topic", "domain"):
        topics = tables.get("work_topics")
        if topics is None or topics.height == 0:
            if tables.get("work_labels") is not None:
                return tables["work_labels"]
            raise InputDataError(f"--by label with --labels {spec}: the input has no topics",
                                 hint="pass --labels FILE.parquet (a work_labels table)")
        return topic_labels(topics, level=spec)
    path = Path(spec)
    if not path.is_file():
        raise UsageError(f"--labels {spec!r} is neither a topic level nor a parquet file",
                         hint="subfield, field, topic, domain or FILE.parquet")
    return pl.read_parquet(path)


def run(args: argparse.Namespace) -> int:
    tables = load_input(args.input, args.country_source)
    by = aggregate._norm_by(args.by)
    if "counts" in tables:
        if args.counting != "whole":
            raise UsageError(
                f"{args.input} is an aggregate count table: only --counting whole is possible",
                hint="fractional counting needs work records")
        out = aggregate.shares_from_counts(tables["counts"], by=by, min_works=args.min_works)
        note = "counts path: whole counting, no bootstrap intervals"
    else:
        labels = _labels(args.labels, tables) if "label" in by else tables.get("work_labels")
        subset = None
        if args.top is not None:
            if tables.get("works") is None:
                raise UsageError("--top needs the works table (citations)")
            subset = aggregate.highly_cited(tables["works"], top=args.top)
        out = aggregate.country_shares(
            tables["work_countries"], works=tables.get("works"), work_labels=labels, by=by,
            counting=args.counting, subset=subset, unknown=args.unknown,
            truncated=args.truncated, n_resamples=args.resamples, seed=args.seed,
            min_works=args.min_works,
        )
        rule = FRACTIONAL_RULE if args.counting != "whole" else "whole counting: 1 per country"
        note = (f"records path; {rule}; country source: {args.country_source}; "
                f"{args.resamples} Poisson-bootstrap resamples over works, seed {args.seed}, "
                f"95 % percentile intervals")
    out = out.with_columns(pl.col("country_code").fill_null("unknown"))
    if args.out == "-":
        sys.stdout.write(out.write_csv())
    else:
        out.write_csv(args.out)
    n_low = int(out.get_column("low_n").sum())
    print(f"litscan shares: {out.height} rows ({n_low} low_n) -> {args.out}; {note}",
          file=sys.stderr)
    return 0
