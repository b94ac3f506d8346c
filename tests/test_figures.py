"""Figures built from the real embedded data: traces, values, labels, colours, input checks."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl
import pytest

from litscan import stats as ag
from litscan.errors import InputDataError, UsageError
from litscan.report import figures as F
from litscan.report.figures import style
from litscan.tables import datasets

R = 40  # bootstrap resamples: enough for intervals to exist, fast


@pytest.fixture(scope="module")
def venue():
    t = datasets.load_venue_papers(with_countries_only=True)
    works = t.works.filter(pl.col("year").is_between(2016, 2024))
    wc = t.work_countries.join(
        works.select(pl.col("id").alias("work_id")), on="work_id", how="semi"
    )
    return wc, works


@pytest.fixture(scope="module")
def shares(venue):
    wc, works = venue
    return ag.country_shares(
        wc, works=works, by=("country", "year"), counting="both", n_resamples=R
    )


def _lines(fig: go.Figure) -> dict[str, go.Scatter]:
    return {
        t.legendgroup: t
        for t in fig.data
        if isinstance(t, go.Scatter) and t.fill is None and t.mode and "lines" in t.mode
    }


def _close(a, b, tol=1e-9):
    return all(math.isclose(x, y, rel_tol=tol, abs_tol=tol) for x, y in zip(a, b, strict=True))


# -- palette -----------------------------------------------------------------------------------


def test_palette_is_okabe_ito_and_stable():
    assert F.country_color("CN") == F.OKABE_ITO["vermillion"]
    assert F.country_color("us") == F.OKABE_ITO["blue"]
    assert F.country_color("ZZ") == style.OTHER_COLOR
    assert F.country_color(None) == style.UNKNOWN_COLOR
    assert len(set(F.COUNTRY_COLORS.values())) == len(F.COUNTRY_COLORS)
    assert F.country_name("KR") == "South Korea"
    assert F.country_name("CN") == "China"


def test_describe_states_definitions():
    s = F.describe(
        counting="fractional", threshold=0.1, years=[2015, 2024, 2020], source="OpenAlex"
    )
    assert s == "fractional counting · top 10 % most cited · 2015–2024 · data: OpenAlex"


# -- share trend -------------------------------------------------------------------------------


def test_share_trend_values_bands_and_labels(shares):
    fig = F.plot_share_trend(
        shares, countries=["CN", "US"], counting="fractional", source="top AI venues"
    )
    lines = _lines(fig)
    assert set(lines) == {"CN", "US"}
    for code in ("CN", "US"):
        exp = shares.filter(
            (pl.col("country_code") == code) & (pl.col("counting") == "fractional")
        ).sort("year")
        tr = lines[code]
        assert list(tr.x) == exp["year"].to_list()
        assert _close(tr.y, [100 * v for v in exp["share"]])
        assert tr.line.color == F.country_color(code)
        band = next(t for t in fig.data if t.fill == "toself" and t.legendgroup == code)
        assert band.mode == "lines"  # no stray markers on the band outline
        n = exp.height
        assert _close(band.y[:n], [100 * v for v in exp["hi"]])
        assert _close(band.y[n:], [100 * v for v in exp["lo"]][::-1])
    # legend: largest latest share first, with names
    assert fig.data[1].name == "United States (US)"
    sub = fig.layout.title.subtitle.text
    assert "fractional counting" in sub and "2016–2024" in sub and "data: top AI venues" in sub
    assert "95 % bootstrap interval" in sub
    assert fig.layout.yaxis.title.text == "Share of papers (%)"
    assert fig.layout.xaxis.title.text == "Publication year"


def test_share_trend_whole_counting_and_years(shares):
    fig = F.plot_share_trend(shares, countries=["CN"], counting="whole", years=(2018, 2020))
    tr = _lines(fig)["CN"]
    assert list(tr.x) == [2018, 2019, 2020]
    exp = shares.filter(
        (pl.col("country_code") == "CN")
        & (pl.col("counting") == "whole")
        & pl.col("year").is_between(2018, 2020)
    ).sort("year")
    assert _close(tr.y, [100 * v for v in exp["share"]])
    assert "whole counting" in fig.layout.title.subtitle.text


def test_share_trend_from_openalex_counts_has_no_band():
    counts = datasets.load_openalex_counts().filter(pl.col("label") == "concept:C154945302")
    s = ag.shares_from_counts(counts, by=("country", "year"))
    fig = F.plot_share_trend(s, countries=["CN", "US", "IN"])
    assert not [t for t in fig.data if t.fill == "toself"]
    assert "no interval" in fig.layout.title.subtitle.text
    assert "whole counting" in fig.layout.title.subtitle.text
    cn = _lines(fig)["CN"]
    exp = s.filter(pl.col("country_code") == "CN").sort("year")
    assert _close(cn.y, [100 * v for v in exp["share"]])
    assert _lines(fig)["IN"].line.color == F.COUNTRY_COLORS["IN"]


def test_share_trend_missing_columns_named(shares):
    with pytest.raises(InputDataError, match=r"lacks column\(s\) \['year'\]"):
        F.plot_share_trend(shares.drop("year"))
    with pytest.raises(InputDataError, match="not in the frame"):
        F.plot_share_trend(shares, countries=["XX"])
    with pytest.raises(InputDataError, match="counting 'whole'"):
        F.plot_share_trend(shares.filter(pl.col("counting") == "fractional"), counting="whole")
    with pytest.raises(InputDataError, match="polars DataFrame"):
        F.plot_share_trend([1, 2, 3])


# -- activity heatmap --------------------------------------------------------------------------


def test_activity_heatmap(venue):
    wc, works = venue
    ai = ag.activity_index(
        wc, works=works, by=("country", "venue_field"), reference=(), n_resamples=R
    )
    fig = F.plot_activity_heatmap(
        ai,
        label_col="venue_field",
        countries=["CN", "US", "JP"],
        label_names={"CV": "Computer vision"},
        source="top AI venues",
    )
    hm = fig.data[0]
    assert isinstance(hm, go.Heatmap)
    assert list(hm.y) == ["China (CN)", "United States (US)", "Japan (JP)"]
    assert list(hm.x) == ["AI", "Computer vision", "ML", "NLP", "RO"]
    assert hm.zmid == 0
    row = ai.filter((pl.col("country_code") == "CN") & (pl.col("venue_field") == "CV")).row(
        0, named=True
    )
    assert math.isclose(hm.z[0][1], math.log2(row["activity_index"]))
    assert f"{row['activity_index']:.2f}" in hm.text[0][1]
    assert "activity index" in fig.layout.title.text.lower()
    assert "fractional counting" in fig.layout.title.subtitle.text
    with pytest.raises(InputDataError, match="activity_index"):
        F.plot_activity_heatmap(ai.drop("activity_index"), label_col="venue_field")


# -- highly cited ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def top_shares(venue):
    wc, works = venue
    top = ag.highly_cited(works, top=0.10, within=("year", "venue_field"))
    return ag.country_shares(
        wc, works=works, by=("country", "venue_field"), subset=top, counting="both", n_resamples=R
    )


def test_highly_cited_whole_vs_fractional(top_shares):
    cv = top_shares.filter(pl.col("venue_field").is_in(["CV", "ML"]))
    fig = F.plot_highly_cited(
        cv, facet="venue_field", countries=["US", "CN"], threshold=0.10, source="top AI venues"
    )
    bars = [t for t in fig.data if isinstance(t, go.Bar)]
    assert len(bars) == 4  # 2 facets x (whole, fractional)
    assert {b.name for b in bars} == {"whole counting", "fractional counting"}
    whole_cv = bars[0]
    assert list(whole_cv.x) == ["US", "CN"]
    exp = {
        r["country_code"]: r
        for r in cv.filter(
            (pl.col("venue_field") == "CV") & (pl.col("counting") == "whole")
        ).iter_rows(named=True)
    }
    assert _close(whole_cv.y, [100 * exp[c]["share"] for c in ("US", "CN")])
    assert _close(
        whole_cv.error_y.array, [100 * (exp[c]["hi"] - exp[c]["share"]) for c in ("US", "CN")]
    )
    assert whole_cv.marker.pattern.shape == "/"
    assert bars[1].marker.pattern.shape == ""
    assert list(bars[1].marker.color) == [F.country_color("US"), F.country_color("CN")]
    # whole counting gives each country at least its fractional share
    assert all(w >= f - 1e-9 for w, f in zip(bars[0].y, bars[1].y, strict=True))
    sub = fig.layout.title.subtitle.text
    assert "top 10 % most cited" in sub and "hatched: whole" in sub
    titles = [a.text for a in fig.layout.annotations]
    assert "CV" in titles and "ML" in titles


def test_highly_cited_pp_top_expected_line(venue):
    wc, works = venue
    pp = ag.pp_top(wc, works=works, top=0.10, counting="both", n_resamples=R)
    fig = F.plot_highly_cited(pp, countries=["CN", "US", "GB"])
    assert fig.layout.shapes[0].y0 == pytest.approx(10.0)
    assert "top 10 %" in fig.layout.title.text
    bars = [t for t in fig.data if isinstance(t, go.Bar)]
    frac = pp.filter((pl.col("counting") == "fractional") & (pl.col("country_code") == "CN"))
    assert bars[1].y[0] == pytest.approx(100 * frac["pp_top"][0])
    with pytest.raises(UsageError):
        F.plot_highly_cited(pp, value="nope")


# -- before / after ----------------------------------------------------------------------------


def test_before_after(venue):
    wc, works = venue
    rows = [
        ag.share_difference(
            wc,
            ag.Selection(c, pl.col("year") >= 2023),
            ag.Selection(c, pl.col("year") < 2023),
            works=works,
            n_resamples=R,
        ).with_columns(pl.lit(c).alias("country_code"))
        for c in ("US", "CN", "DE")
    ]
    frame = pl.concat(rows)
    fig = F.plot_before_after(
        frame, before_label="2016–2022", after_label="2023–2024", source="top AI venues"
    )
    diff = next(t for t in fig.data if isinstance(t, go.Bar))
    order = frame.sort("share_b", descending=True)
    assert list(diff.y) == [f"{F.country_name(c)} ({c})" for c in order["country_code"]]
    assert _close(diff.x, [100 * v for v in order["diff"]])
    assert list(diff.marker.color) == [F.country_color(c) for c in order["country_code"]]
    after = next(t for t in fig.data if t.name == "2023–2024" and t.x[0] is not None)
    assert _close(after.x, [100 * v for v in order["share_a"]])
    assert "2016–2022 vs 2023–2024" in fig.layout.title.text
    assert "paired bootstrap" in fig.layout.title.subtitle.text
    with pytest.raises(InputDataError, match="diff"):
        F.plot_before_after(frame.drop("diff"))


# -- co-authorship -----------------------------------------------------------------------------


def test_coauthorship_by_year_and_pooled(venue):
    wc, works = venue
    co = ag.coauthorship(wc, works=works, a="CN", b="US", by="year", n_resamples=R)
    fig = F.plot_coauthorship(co, source="top AI venues")
    lines = _lines(fig)
    assert set(lines) == {"share_ab", "share_ab_of_a", "share_ab_of_b"}
    assert lines["share_ab_of_a"].line.color == F.country_color("CN")
    assert lines["share_ab_of_b"].line.color == F.country_color("US")
    assert lines["share_ab_of_a"].name == "% of China's papers"
    assert lines["share_ab_of_b"].name == "% of United States' papers"
    exp = co.sort("year")
    assert _close(lines["share_ab"].y, [100 * v for v in exp["share_ab"]])
    assert "China–United States" in fig.layout.title.text
    assert "whole counting" in fig.layout.title.subtitle.text
    pooled = ag.coauthorship(wc, works=works, a="CN", b="US", n_resamples=R)
    fig2 = F.plot_coauthorship(pooled)
    bar = fig2.data[0]
    assert bar.y[2] == pytest.approx(100 * pooled["share_ab"][0])
    with pytest.raises(InputDataError, match="share_ab_of_b_hi"):
        F.plot_coauthorship(co.drop("share_ab_of_b_hi"))


# -- classifier evaluation ---------------------------------------------------------------------


def test_classifier_eval():
    ev = pl.DataFrame(
        {
            "dataset": ["arXiv test"] * 3 + ["venues"] * 3,
            "label": ["ai", "cv", "nlp"] * 2,
            "precision": [0.9, 0.8, 0.85, 0.7, 0.75, 0.8],
            "recall": [0.88, 0.7, 0.9, 0.6, 0.65, 0.7],
            "f1": [0.89, 0.75, 0.87, 0.65, 0.7, 0.75],
            "n_pos": [100, 50, 40, 30, 20, 10],
        }
    )
    fig = F.plot_classifier_eval(ev)
    bars = [t for t in fig.data if isinstance(t, go.Bar)]
    assert [b.name for b in bars] == ["precision", "recall"] * 2
    assert list(bars[0].y) == [0.9, 0.8, 0.85]
    assert list(bars[3].y) == [0.6, 0.65, 0.7]
    f1 = [t for t in fig.data if t.name == "F1"]
    assert list(f1[0].y) == [0.89, 0.75, 0.87]
    assert [a.text for a in fig.layout.annotations] == ["arXiv test", "venues"]
    one = F.plot_classifier_eval(ev, dataset="venues")
    assert len([t for t in one.data if isinstance(t, go.Bar)]) == 2
    with pytest.raises(InputDataError, match="recall"):
        F.plot_classifier_eval(ev.drop("recall"))
    with pytest.raises(InputDataError, match="empty"):
        F.plot_classifier_eval(ev.head(0))


def test_same_country_same_colour_across_figures(shares, top_shares):
    trend = F.plot_share_trend(shares, countries=["CN", "US"])
    hc = F.plot_highly_cited(
        top_shares.filter(pl.col("venue_field") == "CV"), countries=["CN", "US"]
    )
    assert _lines(trend)["CN"].line.color == hc.data[1].marker.color[0] == "#D55E00"
    assert _lines(trend)["US"].line.color == hc.data[1].marker.color[1] == "#0072B2"


# -- claims forest plot ------------------------------------------------------------------------


def test_plot_claims_marks_verdicts_by_colour_and_symbol():
    frame = pl.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "text": ["CN > US", "US > CN", "CN share fell", "arXiv half"],
            "diff": [0.05, -0.02, 0.001, None],
            "lo": [0.03, -0.03, -0.01, None],
            "hi": [0.07, -0.01, 0.012, None],
            "verdict": ["supported", "contradicted", "inconclusive", "not testable on this data"],
        }
    )
    fig = F.plot_claims(frame, source="embedded data")
    by_name = {t.name: t for t in fig.data if t.mode == "markers"}
    assert set(by_name) == {"supported", "contradicted", "inconclusive"}
    assert by_name["supported"].x == (5.0,)
    assert by_name["supported"].error_x.arrayminus == pytest.approx((2.0,))
    assert by_name["contradicted"].marker.symbol == "x"
    assert by_name["supported"].marker.color != by_name["contradicted"].marker.color
    text = next(t for t in fig.data if t.mode == "text")
    assert "not testable" in text.text[0]  # no point drawn for an untestable claim
    assert "data: embedded data" in fig.layout.title.subtitle.text
    with pytest.raises(InputDataError, match="verdict"):
        F.plot_claims(frame.drop("verdict"))
