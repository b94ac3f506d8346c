"""The embedded data equals what the raw files in ../shared/data say (independent re-reading here)."""

from __future__ import annotations

import csv
import gzip
import json

import polars as pl
import pytest

from litscan.tables import datasets


@pytest.fixture(scope="module")
def raw_venue(shared_data):
    path = shared_data / "labeled-text/venue-papers-paperlists/paperlists_ai_venues.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(x) for x in fh]


@pytest.fixture(scope="module")
def venue():
    return datasets.load_venue_papers()


def _accepted(rows):
    return [r for r in rows if r.get("status") not in ("Reject", "Withdraw", "Desk Reject")]


def test_rejected_submissions_are_not_papers(raw_venue, venue):
    assert venue.works.height == len(_accepted(raw_venue))
    assert not venue.works["status"].is_in(["Reject", "Withdraw", "Desk Reject"]).any()
    assert len(raw_venue) - venue.works.height > 10_000  # ICLR rejects were there to drop


@pytest.mark.parametrize(("name", "code"), [("China", "CN"), ("United States", "US")])
def test_papers_with_a_country_match_raw(raw_venue, venue, name, code):
    """A paper has country X if some author's index points at X in aff_country_unique."""
    expected = 0
    for r in _accepted(raw_venue):
        names = (r.get("aff_country_unique") or "").split(";")
        idx = r.get("aff_country_unique_index") or ""
        hit = any(
            j != "" and int(j) < len(names) and names[int(j)] == name
            for part in idx.split(";")
            for j in part.split("+")
        )
        expected += hit
    got = venue.work_countries.filter(pl.col("country_code") == code)["work_id"].n_unique()
    assert got == expected
    assert expected > 5000


def test_cvpr_iccv_2013_2019_us_cn_counts(venue):
    """SOURCES.md: CVPR+ICCV 2013-2019 papers with a US affiliation 3,000, China 2,082, UK 481."""
    ids = venue.works.filter(
        pl.col("source").is_in(["CVPR", "ICCV"]) & pl.col("year").is_between(2013, 2019)
    ).select("id")
    wc = venue.work_countries.join(ids, left_on="work_id", right_on="id", how="semi")
    n = dict(wc.group_by("country_code").len().iter_rows())
    assert (n["US"], n["CN"], n["GB"]) == (3000, 2082, 481)


def test_citations_minus_one_is_null(raw_venue, venue):
    unknown = sum(1 for r in _accepted(raw_venue) if r.get("gs_citation") in (-1, None))
    assert venue.works["cited_by_count"].null_count() == unknown
    assert (venue.works["cited_by_count"].drop_nulls() >= 0).all()


def test_venue_fractional_weights_sum_to_one(venue):
    sums = venue.work_countries.group_by("work_id").agg(pl.col("fractional").sum())
    assert sums.height == venue.works.height
    assert (sums["fractional"] - 1.0).abs().max() < 1e-9


def test_openalex_counts_match_csv(shared_data):
    counts = datasets.load_openalex_counts()
    assert set(counts["counting"]) == {"whole"}
    path = shared_data / "reference/openalex-groupby-country-ai-dl/ai_publication_counts.csv"
    with open(path, newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["year"] == "2020"]
    expected = {r["country_code"].rsplit("/", 1)[-1]: int(r["count"]) for r in rows}
    got = counts.filter((pl.col("label") == "concept:C154945302") & (pl.col("year") == 2020))
    assert dict(got.select("country_code", "works").iter_rows()) == expected
    assert expected["CN"] == 133_717 and expected["US"] == 123_434
    cv = counts.filter(
        (pl.col("label") == "subfield:1707")
        & (pl.col("year") == 2019)
        & (pl.col("country_code") == "CN")
    ).row(0, named=True)
    assert (cv["works"], cv["citations"]) == (17_043, 437_629)


def test_fixture_and_topics():
    fx = datasets.load_works_fixture()
    assert fx.works.height == 1213
    topics = datasets.load_topics()
    assert topics.height == 4516 and topics["topic_id"].n_unique() == 4516
    assert topics.filter(pl.col("subfield_id") == "1707")["subfield_name"][0] == (
        "Computer Vision and Pattern Recognition"
    )


def test_shipped_data_is_compact():
    total = sum(p.stat().st_size for p in datasets.data_dir().rglob("*") if p.is_file())
    assert total < 40e6
