"""normalize: raw OpenAlex JSON -> tidy tables. Expected numbers are computed here, from the raw
records, by code written independently of litscan.tables.normalize."""

from __future__ import annotations

import copy

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from litscan.errors import MalformedRecordError, UsageError
from litscan.tables import schemas
from litscan.tables.normalize import normalize_works, topic_labels, work_countries


@pytest.fixture(scope="module")
def tables(raw_works):
    return normalize_works(raw_works)


def _ids_with_country(raw_works, code, *, institutions):
    out = set()
    for w in raw_works:
        for a in w.get("authorships") or []:
            if institutions:
                codes = {i.get("country_code") for i in a.get("institutions") or []}
            else:
                codes = set(a.get("countries") or [])
            if code in codes:
                out.add(w["id"].split("/")[-1])
    return out


def test_schema_is_explicit(tables):
    assert tables.works.schema == pl.Schema(schemas.WORKS)
    assert tables.authorships.schema == pl.Schema(schemas.AUTHORSHIPS)
    assert tables.work_countries.schema == pl.Schema(schemas.WORK_COUNTRIES)
    assert tables.work_topics.schema == pl.Schema(schemas.WORK_TOPICS)


def test_one_row_per_work(raw_works, tables):
    assert tables.works.height == len(raw_works) == 1213
    assert tables.works["id"].n_unique() == 1213
    n_auth = sum(len(w.get("authorships") or []) for w in raw_works)
    assert tables.authorships.height == n_auth


@pytest.mark.parametrize("institutions", [False, True])
@pytest.mark.parametrize("code", ["CN", "US"])
def test_works_with_country_match_raw(raw_works, tables, code, institutions):
    expected = _ids_with_country(raw_works, code, institutions=institutions)
    source = "institutions" if institutions else "authorships"
    wc = work_countries(tables.authorships, source=source, works=tables.works)
    got = set(wc.filter(pl.col("country_code") == code)["work_id"])
    assert got == expected
    assert len(expected) > 20  # the fixture does hold CN and US works


def test_cn_us_overlap_string_parsed(raw_works, tables):
    cn = _ids_with_country(raw_works, "CN", institutions=False)
    us = _ids_with_country(raw_works, "US", institutions=False)
    wc = tables.work_countries
    both = wc.filter(pl.col("country_code").is_in(["CN", "US"])).group_by("work_id").len()
    assert set(both.filter(pl.col("len") == 2)["work_id"]) == cn & us


def test_fractional_weights_by_hand(raw_works, tables):
    """Default rule re-implemented here: 1/n authors-with-country, split over each one's countries."""
    expected: dict[tuple[str, str], float] = {}
    for w in raw_works:
        wid = w["id"].split("/")[-1]
        authors = [sorted(set(a.get("countries") or [])) for a in w.get("authorships") or []]
        authors = [c for c in authors if c]
        for cc in authors:
            for c in cc:
                expected[(wid, c)] = expected.get((wid, c), 0.0) + 1 / len(authors) / len(cc)
    got = {
        (r["work_id"], r["country_code"]): r["fractional"]
        for r in tables.work_countries.filter(pl.col("country_code").is_not_null()).iter_rows(
            named=True
        )
    }
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value)


def test_fractional_sums_to_one_and_unknown_kept(raw_works, tables):
    sums = tables.work_countries.group_by("work_id").agg(pl.col("fractional").sum())
    assert sums.height == 1213  # every work appears, with or without a country
    assert sums["fractional"].to_list() == pytest.approx([1.0] * 1213)
    no_country = {
        w["id"].split("/")[-1]
        for w in raw_works
        if not any(a.get("countries") for a in w.get("authorships") or [])
    }
    unknown = set(tables.work_countries.filter(pl.col("country_code").is_null())["work_id"])
    assert unknown == no_country and len(no_country) > 100


def test_abstract_rebuilt_in_index_order(raw_works, tables):
    abstracts = dict(zip(tables.works["id"], tables.works["abstract"], strict=True))
    checked = 0
    for w in raw_works:
        inv = w.get("abstract_inverted_index")
        if not inv:
            continue
        pairs = sorted((p, word) for word, ps in inv.items() for p in ps)
        assert abstracts[w["id"].split("/")[-1]] == " ".join(word for _, word in pairs)
        checked += 1
    assert checked > 600


def test_top_flags_and_topics(raw_works, tables):
    w = next(x for x in raw_works if (x.get("citation_normalized_percentile") or {}).get("value"))
    row = tables.works.filter(pl.col("id") == w["id"].split("/")[-1]).row(0, named=True)
    pct = w["citation_normalized_percentile"]
    assert row["citation_percentile"] == pytest.approx(pct["value"])
    assert row["is_top_10_percent"] == pct["is_in_top_10_percent"]
    n_ai = sum(
        1
        for x in raw_works
        if ((x.get("primary_topic") or {}).get("subfield") or {}).get("id", "").endswith("/1702")
    )
    labels = topic_labels(tables.work_topics, level="subfield")
    assert labels.filter(pl.col("label") == "subfield:1702").height == n_ai
    assert n_ai > 50


def test_missing_fields_normalise():
    t = normalize_works([{"id": "https://openalex.org/W1"}, {"id": "W2", "authorships": []}])
    assert t.works["id"].to_list() == ["W1", "W2"]
    assert t.works["abstract"].null_count() == 2
    assert t.work_countries["country_code"].null_count() == 2


@pytest.mark.parametrize(
    ("record", "match"),
    [
        ("not a dict", r"record 0: expected a JSON object"),
        ({"id": "https://openalex.org/A5063410350"}, r"record 0: expected an OpenAlex work id"),
        ({"id": "W1", "authorships": "x"}, r"record 0 \(W1\): wrong type: .*\$\.authorships"),
        ({"id": "W1", "publication_year": "2020"}, r"record 0 \(W1\): .*publication_year"),
        ({"id": "W1", "authorships": [3]}, r"record 0 \(W1\): .*authorships\[0\]"),
    ],
)
def test_malformed_record_names_the_record(record, match):
    with pytest.raises(MalformedRecordError, match=match):
        normalize_works([record], source="page.json", on_bad_record="raise")
    good = {"id": "https://openalex.org/W7", "publication_year": 2020}
    t = normalize_works([good, record], source="page.json")  # default: skipped and counted
    assert t.works["id"].to_list() == ["W7"]
    assert t.issues.skipped == 1
    assert t.issues.examples[0].startswith("page.json: record 1")


def test_duplicate_ids_are_an_error(raw_works):
    with pytest.raises(MalformedRecordError, match="duplicate work id"):
        normalize_works([raw_works[0], copy.deepcopy(raw_works[0])])


def test_unknown_country_source_is_an_error(tables):
    with pytest.raises(UsageError, match="unknown country source 'orcid'"):
        work_countries(tables.authorships, source="orcid")


countries = st.lists(st.sampled_from(["CN", "US", "GB", "DE", "FR", "JP"]), max_size=3)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(countries, max_size=6), min_size=1, max_size=8))
def test_property_fractional_weights_sum_to_one(works):
    rows = {"work_id": [], "position": [], "countries": []}
    for i, authors in enumerate(works):
        for pos, cc in enumerate(authors):
            rows["work_id"].append(f"W{i}")
            rows["position"].append(pos)
            rows["countries"].append(cc)
    auth = pl.DataFrame(
        rows, schema={"work_id": pl.Utf8, "position": pl.Int32, "countries": pl.List(pl.Utf8)}
    )
    ids = pl.DataFrame({"id": [f"W{i}" for i in range(len(works))]})
    wc = work_countries(auth, works=ids)
    sums = wc.group_by("work_id").agg(pl.col("fractional").sum(), pl.col("whole").sum())
    assert sums.height == len(works)
    assert all(abs(s - 1.0) < 1e-9 for s in sums["fractional"])
    for i, authors in enumerate(works):
        distinct = {c for cc in authors for c in cc}
        whole = sums.filter(pl.col("work_id") == f"W{i}")["whole"][0]
        assert whole == (len(distinct) if distinct else 1.0)


def test_country_coverage_by_hand(raw_works, tables):
    from litscan.tables.normalize import country_coverage

    cov = {r["work_id"]: r for r in country_coverage(tables.authorships).iter_rows(named=True)}
    for w in raw_works:
        auth = w.get("authorships") or []
        if not auth:
            continue
        r = cov[w["id"].split("/")[-1]]
        assert r["n_authors"] == len(auth)
        assert r["n_authors_no_country"] == sum(1 for a in auth if not a.get("countries"))
        assert r["n_countries"] == len({c for a in auth for c in a.get("countries") or []})
