"""Build litscan's embedded data (``litscan/data/*.parquet``) from the real files in ``../shared/data``.

Run: ``python scripts/build_data.py [--shared ../shared/data]``. Deterministic: the same input gives
byte-identical tables. What each output holds and where it comes from is in ``litscan/data/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

import polars as pl
import pycountry

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from litscan.tables import schemas  # noqa: E402
from litscan.tables.normalize import normalize_works  # noqa: E402

OUT = REPO / "litscan" / "data"

VENUE_NAMES = {
    "3dv": "3DV", "aaai": "AAAI", "acl": "ACL", "acml": "ACML", "aistats": "AISTATS", "alt": "ALT",
    "automl": "AutoML", "coling": "COLING", "colm": "COLM", "colt": "COLT", "corl": "CoRL",
    "cvpr": "CVPR", "eccv": "ECCV", "emnlp": "EMNLP", "iccv": "ICCV", "iclr": "ICLR",
    "icml": "ICML", "icra": "ICRA", "ijcai": "IJCAI", "iros": "IROS", "naacl": "NAACL",
    "nips": "NeurIPS", "rss": "RSS", "uai": "UAI", "wacv": "WACV",
}  # fmt: skip
# Submissions that were not accepted are not papers of the venue.
NOT_PAPERS = {"Reject", "Withdraw", "Desk Reject"}
# Country names in papercopilot's affiliation data that pycountry does not resolve exactly.
COUNTRY_OVERRIDES = {"Russia": "RU", "State of Palestine": "PS", "Kingdom of Saudi Arabia": "SA"}
NO_COUNTRY = {"", "Unknown"}


def country_code(name: str) -> str | None:
    name = name.strip()
    if name in NO_COUNTRY:
        return None
    if name in COUNTRY_OVERRIDES:
        return COUNTRY_OVERRIDES[name]
    return pycountry.countries.lookup(name).alpha_2  # LookupError = build fails loudly


def _split_index(field: str | None) -> list[list[int]]:
    if not field:
        return []
    return [[int(x) for x in part.split("+") if x != ""] for part in field.split(";")]


def build_venue(shared: Path) -> dict[str, int]:
    path = shared / "labeled-text" / "venue-papers-paperlists" / "paperlists_ai_venues.jsonl.gz"
    w = {name: [] for name in schemas.WORKS}
    a = {name: [] for name in schemas.AUTHORSHIPS}
    per_venue_year: Counter = Counter()
    stats: Counter = Counter()
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            key = (rec["venue"], rec["year"])
            n = per_venue_year[key]
            per_venue_year[key] += 1
            stats["rows"] += 1
            if rec.get("status") in NOT_PAPERS:
                stats["dropped_not_accepted"] += 1
                continue
            wid = f"pl:{rec['venue']}{rec['year']}:{n:05d}"
            names = (rec.get("aff_country_unique") or "").split(";")
            codes = [country_code(x) for x in names] if rec.get("aff_country_unique") else []
            insts = (rec.get("aff_unique_norm") or "").split(";")
            c_index = _split_index(rec.get("aff_country_unique_index"))
            i_index = _split_index(rec.get("aff_unique_index"))
            has_countries = bool(codes) and any(codes)
            n_auth = max(len(c_index), len(i_index)) or rec.get("author_num")
            row = dict.fromkeys(schemas.WORKS)
            row.update(
                id=wid,
                title=rec.get("title"),
                # abstracts are shipped only where the paper has country data (size budget)
                abstract=rec.get("abstract") if has_countries else None,
                year=rec["year"],
                type="conference-paper",
                cited_by_count=None
                if rec.get("gs_citation", -1) in (-1, None)
                else rec["gs_citation"],
                source_id=rec["venue"],
                source=VENUE_NAMES[rec["venue"]],
                n_authors=n_auth,
                venue_field=rec.get("field"),
                status=rec.get("status"),
                is_retracted=False,
                is_authors_truncated=False,
            )
            for k, v in row.items():
                w[k].append(v)
            if not c_index and not i_index:
                stats["no_author_fields"] += 1
                continue
            for pos in range(len(c_index) if c_index else len(i_index)):
                cc: list[str] = []
                for j in c_index[pos] if c_index else []:
                    if j >= len(codes):
                        stats["country_index_out_of_range"] += 1
                        continue
                    if codes[j] and codes[j] not in cc:
                        cc.append(codes[j])
                inst_names = [
                    insts[j] for j in (i_index[pos] if pos < len(i_index) else []) if j < len(insts)
                ]
                a["work_id"].append(wid)
                a["position"].append(pos)
                a["author_id"].append(None)
                a["institution_ids"].append([x for x in inst_names if x])
                a["institution_countries"].append(cc)
                a["countries"].append(cc)
    works = schemas.frame(w, schemas.WORKS)
    auth = schemas.frame(a, schemas.AUTHORSHIPS)
    _write(works, "venue_works")
    _write(auth, "venue_authorships")
    stats["papers"] = works.height
    stats["papers_with_country"] = auth.filter(pl.col("countries").list.len() > 0)[
        "work_id"
    ].n_unique()
    return dict(stats)


def _counts_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schemas.COUNTS, orient="row")


def build_aggregates(shared: Path) -> dict[str, int]:
    ref = shared / "reference"
    rows: list[dict] = []
    concept_files = {
        "ai_publication_counts.csv": ("concept:C154945302", "artificial intelligence"),
        "deep_learning_publication_counts.csv": ("concept:C108583219", "deep learning"),
    }
    for fname, (label, _) in concept_files.items():
        with open(ref / "openalex-groupby-country-ai-dl" / fname, newline="") as fh:
            for r in csv.DictReader(fh):
                rows.append(
                    dict(
                        country_code=r["country_code"].rsplit("/", 1)[-1].upper(),
                        year=int(r["year"]),
                        label=label,
                        works=int(r["count"]),
                        citations=None,
                        counting="whole",
                        source="openalex group_by authorships.institutions.country_code, "
                        "concepts.id filter (retrieved ~2025-05)",
                    )
                )
    sub = ref / "openalex-cs-subfield-country-counts-2015-2024"
    with open(sub / "combined_publication_counts.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            rows.append(
                dict(
                    country_code=r["country_code"].upper(),
                    year=int(r["publication_year"]),
                    label="subfield:" + r["subfield_id"].rsplit("/", 1)[-1],
                    works=int(r["count"]),
                    citations=int(r["citation_count"]),
                    counting="whole",
                    source="openalex meta.count, institutions.country_code + primary_topic.subfield "
                    "filter, types article|book-chapter (retrieved 2025-03)",
                )
            )
    counts = _counts_frame(rows).sort("label", "year", "country_code")
    _write(counts, "openalex_counts")
    subfields = pl.read_csv(sub / "openalex_unique_subfields.csv").select(
        pl.col("subfield_id").str.split("/").list.last().alias("subfield_id"),
        pl.col("subfield_display_name").alias("subfield"),
    )
    return {
        "count_rows": counts.height,
        "labels": counts["label"].n_unique(),
        "subfields": subfields.height,
    }


def build_fixture_and_taxonomy(shared: Path) -> dict[str, int]:
    path = shared / "openalex-works" / "fixture-derived-mixed-works.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        tables = normalize_works((json.loads(x) for x in fh), source=path.name)
    _write(tables.works, "fixture_works")
    _write(tables.authorships, "fixture_authorships")
    _write(tables.work_topics, "fixture_work_topics")
    topics = pl.read_csv(
        shared / "taxonomy" / "topics-2024-09" / "openalex_topics_flat_2024_09.csv"
    )
    topics = topics.select(
        *[
            pl.col(c).str.split("/").list.last().alias(c)
            for c in ("topic_id", "subfield_id", "field_id", "domain_id")
        ],
        "topic_name",
        "subfield_name",
        "field_name",
        "domain_name",
        "keywords",
        "topic_description",
        pl.col("topic_works_count").cast(pl.Int64),
    ).sort("topic_id")
    _write(topics, "taxonomy_topics")
    return {"fixture_works": tables.works.height, "topics": topics.height}


def _write(df: pl.DataFrame, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    df.write_parquet(
        OUT / f"{name}.parquet", compression="zstd", compression_level=19, statistics=False
    )


def build_labels() -> dict[str, int | str]:
    """The classifier labels of the embedded papers for the shipped model and rules
    (``venue_labels.parquet``, keyed: used at run time only while the key matches)."""
    from litscan.labels import cache as labelcache
    from litscan.tables import datasets

    key = labelcache.labels_key()
    datasets.load_venue_papers.cache_clear()  # the tables just written
    works = datasets.load_venue_papers(with_countries_only=True).works
    frame = labelcache.compute_labels(works.select("id", "title", "abstract"), progress=True)
    labelcache.write_labels(OUT / labelcache.PREBUILT, frame, key)
    return {"rows": frame.height, "model_sha256": key["model_sha256"][:12]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument(
        "--labels-only",
        action="store_true",
        help="only rebuild venue_labels.parquet (after retraining the model or editing a rule)",
    )
    args = parser.parse_args(argv)
    if args.labels_only:
        print(json.dumps({"labels": build_labels()}, indent=1))
        return 0
    if not args.shared.is_dir():
        print(f"build_data: {args.shared} not found; pass --shared DIR", file=sys.stderr)
        return 2
    report = {
        "venue": build_venue(args.shared),
        "aggregates": build_aggregates(args.shared),
        "fixture": build_fixture_and_taxonomy(args.shared),
    }
    report["labels"] = build_labels()
    sizes = {p.name: p.stat().st_size for p in sorted(OUT.glob("*.parquet"))}
    report["bytes"] = sizes
    report["total_mb"] = round(sum(sizes.values()) / 1e6, 2)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
