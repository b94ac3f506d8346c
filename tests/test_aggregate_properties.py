"""Property tests for litscan.stats on random small corpora."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from litscan import stats as ag
from litscan.tables.normalize import work_countries

COUNTRIES = ["CN", "US", "GB", "DE", "IN"]

author = st.lists(st.sampled_from(COUNTRIES), max_size=3)
work = st.tuples(st.lists(author, min_size=0, max_size=5), st.integers(2019, 2022),
                 st.integers(0, 20))
corpus = st.lists(work, min_size=2, max_size=40)


def _tables(works):
    auth, wrows = [], []
    for i, (authors, year, cites) in enumerate(works):
        wid = f"W{i}"
        wrows.append({"id": wid, "year": year, "cited_by_count": cites})
        for p, cs in enumerate(authors):
            auth.append({"work_id": wid, "position": p, "countries": cs,
                         "institution_countries": cs})
    works_df = pl.DataFrame(wrows, schema={"id": pl.Utf8, "year": pl.Int32,
                                           "cited_by_count": pl.Int64})
    auth_df = pl.DataFrame(auth, schema={"work_id": pl.Utf8, "position": pl.Int32,
                                         "countries": pl.List(pl.Utf8),
                                         "institution_countries": pl.List(pl.Utf8)})
    return works_df, work_countries(auth_df, works=works_df)


SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(corpus)
def test_share_sums_and_intervals(works):
    works_df, wc = _tables(works)
    if wc.filter(pl.col("country_code").is_not_null()).height == 0:
        return
    out = ag.country_shares(wc, works=works_df, by="country,year", counting="both",
                            n_resamples=30, seed=1)
    known = out.filter(pl.col("country_code").is_not_null())
    sums = known.group_by("counting", "year").agg(pl.col("share").sum())
    for row in sums.iter_rows(named=True):
        if row["counting"] == "fractional":
            assert abs(row["share"] - 1.0) < 1e-9
        else:
            assert row["share"] >= 1.0 - 1e-9
    ok = out.filter(pl.col("share").is_not_nan())
    assert (ok["lo"] <= ok["share"] + 1e-12).all() and (ok["share"] <= ok["hi"] + 1e-12).all()
    again = ag.country_shares(wc, works=works_df, by="country,year", counting="both",
                              n_resamples=30, seed=1)
    assert out.equals(again)


@SETTINGS
@given(corpus, st.sampled_from(["fractional", "include", "exclude"]))
def test_top_set_size(works, ties):
    works_df, wc = _tables(works)
    hc = ag.highly_cited(works_df, top=0.25, ties=ties, min_citations=0)
    for (_,), g in hc.group_by(["year"]):
        k = 0.25 * g.height
        total = g["top_weight"].sum()
        if ties == "fractional":
            assert abs(total - k) < 1e-9
        elif ties == "include":
            assert total >= k - 1e-9
        else:
            assert total <= k + 1e-9
