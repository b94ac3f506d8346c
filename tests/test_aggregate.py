"""litscan.stats on the real works fixture; expected values come from independent code that
reads the raw OpenAlex dicts directly (never from the code under test)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import polars as pl
import pytest

from litscan import stats as ag
from litscan.cli import main
from litscan.errors import InputDataError, UsageError
from litscan.tables.normalize import normalize_works, topic_labels


def _short(url: str) -> str:
    return url.rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def works_raw(raw_works):
    # every record is a work for normalize (autocomplete hits without authorships have no country)
    return raw_works


@pytest.fixture(scope="module")
def tables(raw_works):
    return normalize_works(raw_works)


def _hand_weights(works_raw):
    """work id -> ({country: fractional}, set of countries) from authorships[].countries."""
    out = {}
    for w in works_raw:
        frac: dict[str, float] = defaultdict(float)
        authors = []
        for a in w.get("authorships") or []:
            cs = []
            for c in a.get("countries") or []:
                if c not in cs:
                    cs.append(c)
            if cs:
                authors.append(cs)
        for cs in authors:
            for c in cs:
                frac[c] += 1.0 / len(authors) / len(cs)
        out[_short(w["id"])] = (dict(frac), set(frac))
    return out


def _get(frame: pl.DataFrame, **keys) -> dict:
    sel = frame
    for k, v in keys.items():
        sel = sel.filter(pl.col(k).is_null() if v is None else pl.col(k) == v)
    assert sel.height == 1, (keys, sel)
    return sel.row(0, named=True)


def test_whole_and_fractional_shares_match_hand_count(tables, works_raw):
    hand = _hand_weights(works_raw)
    with_country = [w for w, (_, cs) in hand.items() if cs]
    no_country = len(hand) - len(with_country)
    out = ag.country_shares(tables.work_countries, works=tables.works, counting="both",
                            n_resamples=0)
    for c in ("US", "CN", "GB"):
        frac = sum(hand[w][0].get(c, 0.0) for w in with_country)
        whole = sum(1 for w in with_country if c in hand[w][1])
        rf = _get(out, country_code=c, counting="fractional")
        rw = _get(out, country_code=c, counting="whole")
        assert rf["share"] == pytest.approx(frac / len(with_country), rel=1e-12)
        assert rw["share"] == pytest.approx(whole / len(with_country), rel=1e-12)
        assert rw["n_works"] == whole and rw["n_total"] == len(with_country)
    unk = _get(out, country_code=None, counting="whole")
    assert unk["works"] == no_country and unk["n_total"] == len(hand)
    assert out.get_column("path").unique().to_list() == ["records"]


def test_shares_by_year_hand_count(tables, works_raw):
    hand = _hand_weights(works_raw)
    year = {_short(w["id"]): w.get("publication_year") for w in works_raw}
    ids = [w for w in hand if hand[w][1] and year[w] == 2020]
    expected = sum(hand[w][0].get("US", 0.0) for w in ids) / len(ids)
    out = ag.country_shares(tables.work_countries, works=tables.works, by="country,year",
                            n_resamples=0)
    assert _get(out, country_code="US", year=2020)["share"] == pytest.approx(expected)


def _hand_top(cits: list[int], top: float) -> list[float]:
    """Leiden fractional top-x% by slots: position p (0-based, descending) holds
    clip(k - p, 0, 1) of a top slot; tied works share their positions' slots equally."""
    n = len(cits)
    k = top * n
    order = sorted(range(n), key=lambda i: -cits[i])
    slot = [min(1.0, max(0.0, k - p)) for p in range(n)]
    weights = [0.0] * n
    p = 0
    while p < n:
        q = p
        while q < n and cits[order[q]] == cits[order[p]]:
            q += 1
        share = sum(slot[p:q]) / (q - p)
        for j in range(p, q):
            weights[order[j]] = share
        p = q
    return weights


def test_top10_with_ties_matches_slot_algorithm(tables, works_raw):
    by_year = defaultdict(list)
    for w in works_raw:
        if w.get("cited_by_count") is not None and w.get("publication_year") is not None:
            by_year[w["publication_year"]].append((_short(w["id"]), w["cited_by_count"]))
    expected = {}
    ties_seen = 0
    for items in by_year.values():
        cits = [c for _, c in items]
        for (wid, c), wt in zip(items, _hand_top(cits, 0.10), strict=True):
            expected[wid] = wt if c >= 1 else 0.0
            ties_seen += 0 < wt < 1
    assert ties_seen > 0  # the fixture really has ties at the threshold
    hc = ag.highly_cited(tables.works, top=0.10, within="year")
    got = dict(zip(hc["work_id"], hc["top_weight"], strict=True))
    for wid, wt in expected.items():
        assert got[wid] == pytest.approx(wt, abs=1e-9), wid
    inc = ag.highly_cited(tables.works, top=0.10, ties="include")
    exc = ag.highly_cited(tables.works, top=0.10, ties="exclude")
    assert set(inc.filter("is_top")["work_id"]) >= set(hc.filter(pl.col("top_weight") == 1)[
        "work_id"]) >= set(exc.filter("is_top")["work_id"])


def test_highly_cited_share_and_pp_top(tables, works_raw):
    hand = _hand_weights(works_raw)
    hc = ag.highly_cited(tables.works, top=0.10)
    tw = dict(zip(hc["work_id"], hc["top_weight"], strict=True))
    ids = [w for w in hand if hand[w][1] and w in tw]
    num = sum(tw[w] * hand[w][0].get("US", 0.0) for w in ids)
    den = sum(tw[w] for w in ids)
    out = ag.country_shares(tables.work_countries, works=tables.works, subset=hc, n_resamples=0)
    assert _get(out, country_code="US")["share"] == pytest.approx(num / den)
    pp = ag.pp_top(tables.work_countries, works=tables.works, top_set=hc, n_resamples=0)
    us_all = sum(hand[w][0].get("US", 0.0) for w in ids)
    assert _get(pp, country_code="US")["pp_top"] == pytest.approx(num / us_all)


def test_activity_index_hand(tables, works_raw):
    hand = _hand_weights(works_raw)
    labels = topic_labels(tables.work_topics, level="field")
    field = {}
    for w in works_raw:
        pt = w.get("primary_topic") or {}
        if pt.get("field"):
            field[_short(w["id"])] = "field:" + _short(pt["field"]["id"])
    known = [w for w in hand if hand[w][1]]
    lab = [w for w in known if field.get(w) == "field:17"]
    share_l = sum(hand[w][0].get("US", 0.0) for w in lab) / len(lab)
    share_all = sum(hand[w][0].get("US", 0.0) for w in known) / len(known)
    out = ag.activity_index(tables.work_countries, works=tables.works, work_labels=labels,
                            n_resamples=0)
    assert _get(out, country_code="US", label="field:17")["activity_index"] == pytest.approx(
        share_l / share_all)


def test_coauthorship_hand(tables, works_raw):
    hand = _hand_weights(works_raw)
    known = [w for w in hand if hand[w][1]]
    n_cn = sum("CN" in hand[w][1] for w in known)
    n_ab = sum({"CN", "US"} <= hand[w][1] for w in known)
    out = ag.coauthorship(tables.work_countries, a="CN", b="US", n_resamples=0).row(0, named=True)
    assert (out["n_total"], out["n_a"], out["n_ab"]) == (len(known), n_cn, n_ab)
    assert out["share_ab_of_a"] == pytest.approx(n_ab / n_cn)
    part = np.mean([hand[w][0]["CN"] for w in known if {"CN", "US"} <= hand[w][1]])
    assert out["a_part_ab"] == pytest.approx(part)


def test_paired_difference_and_reproducibility(tables):
    wc, works = tables.work_countries, tables.works
    same = ag.share_difference(wc, ag.Selection("US"), ag.Selection("US"), works=works,
                               n_resamples=200)
    assert same["diff"][0] == 0 and same["lo"][0] == 0 and same["hi"][0] == 0
    one = ag.share_difference(wc, ag.Selection("US"), ag.Selection("CN"), works=works,
                              n_resamples=200, seed=3)
    two = ag.share_difference(wc, ag.Selection("US"), ag.Selection("CN"), works=works,
                              n_resamples=200, seed=3)
    assert one.equals(two)
    assert one["lo"][0] <= one["diff"][0] <= one["hi"][0]
    ba = ag.before_after(wc, works=works, countries=["US"], n_resamples=100)
    assert ba["n_undated"][0] >= 0 and ba["lo"][0] <= ba["diff"][0] <= ba["hi"][0]


def test_replicate_weights_are_per_work_and_poisson():
    ids = [f"W{i}" for i in range(20000)]
    a = ag.replicate_weights(ids, n_resamples=50, seed=1)
    b = ag.replicate_weights(ids[::-1][:100], n_resamples=50, seed=1)
    assert np.array_equal(a[::-1][:100], b)  # a work's weights do not depend on the others
    assert abs(a.mean() - 1) < 0.01 and abs(a.var() - 1) < 0.02
    assert not np.array_equal(a, ag.replicate_weights(ids, n_resamples=50, seed=2))


def test_shares_from_counts_path():
    counts = pl.DataFrame({
        "country_code": ["CN", "US", "CN", "US"], "year": [2020, 2020, 2021, 2021],
        "label": ["x"] * 4, "works": [30, 10, 5, 15], "counting": ["whole"] * 4,
    })
    out = ag.shares_from_counts(counts, by="country,year")
    assert _get(out, country_code="CN", year=2020)["share"] == pytest.approx(0.75)
    assert out["path"].unique().to_list() == ["counts"] and out["lo"].null_count() == 4
    tot = pl.DataFrame({"year": [2020, 2021], "works": [35, 20]})
    out = ag.shares_from_counts(counts, by="country,year", totals=tot)
    assert _get(out, country_code="US", year=2021)["share"] == pytest.approx(0.75)
    with pytest.raises(UsageError):
        ag.shares_from_counts(counts, counting="fractional")


def test_errors_are_clear(tables):
    wc, works = tables.work_countries, tables.works
    with pytest.raises(UsageError, match="unknown counting"):
        ag.country_shares(wc, works=works, counting="harmonic")
    with pytest.raises(InputDataError, match="bogus"):
        ag.country_shares(wc, works=works, by="country,bogus")
    empty = pl.DataFrame({"work_id": ["W0"], "label": ["x"], "score": [None], "flag": [False]},
                         schema={"work_id": pl.Utf8, "label": pl.Utf8, "score": pl.Float64,
                                 "flag": pl.Boolean})
    with pytest.raises(InputDataError, match="empty"):
        ag.country_shares(wc, works=works, work_labels=empty, by="country,label")
    with pytest.raises(UsageError):
        ag.highly_cited(works, top=10)


def test_cli_shares(tmp_path, shared_data, capsys):
    src = shared_data / "openalex-works" / "fixture-derived-mixed-works.jsonl.gz"
    out = tmp_path / "s.csv"
    rc = main(["shares", str(src), "--by", "country,year", "--counting", "whole",
               "--resamples", "20", "--out", str(out)])
    assert rc == 0
    frame = pl.read_csv(out)
    assert {"year", "country_code", "works", "share", "lo", "hi", "low_n"} <= set(frame.columns)
    assert "unknown" in frame["country_code"].to_list()
    with pytest.raises(SystemExit) as exc:
        main(["shares", str(src), "--counting", "harmonic", "--out", str(out)])
    assert exc.value.code == 2
    capsys.readouterr()
    assert main(["shares", str(src), "--by", "nope", "--out", str(out)]) == 2
    assert "nope" in capsys.readouterr().err


def test_filtered_works_table_narrows_the_population():
    """A works table filtered to some years is the population: no null-year group appears and
    the counts equal those of a work_countries table filtered to the same works by hand."""
    from litscan.tables.datasets import load_venue_papers

    t = load_venue_papers()
    recent = t.works.filter(pl.col("year") >= 2023)
    got = ag.country_shares(t.work_countries, works=recent, by="year", n_resamples=0)
    assert set(got["year"].drop_nulls()) == {2023, 2024, 2025}
    assert got["year"].null_count() == 0
    ids = set(recent["id"])
    by_hand = t.work_countries.filter(
        pl.col("work_id").is_in(list(ids)) & (pl.col("country_code") == "CN")
    )["fractional"].sum()
    cn = got.filter(pl.col("country_code") == "CN")["works"].sum()
    assert cn == pytest.approx(by_hand)


def test_before_after_with_window():
    from litscan.tables.datasets import load_venue_papers

    t = load_venue_papers()
    works = t.works.with_columns(pl.date(pl.col("year"), 6, 1).alias("publication_date"))
    out = ag.before_after(
        t.work_countries, works=works, window_years=2, countries=["CN"], n_resamples=50
    )
    assert out.height == 1 and out["country_code"][0] == "CN"
    assert out["lo"][0] <= out["diff"][0] <= out["hi"][0]
