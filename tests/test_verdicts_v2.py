"""Verdicts v2 (issue 24): differences that matter, every decisive venue counted, exceptions
named, the k = 2 fallback, count claims over years.

Every table here is SYNTHETIC (built to the design stated in each test) and goes through the
public evaluation path (:func:`litscan.claims.evaluate.evaluate` on a small preset).
"""

from __future__ import annotations

import json
import tomllib

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from litscan.claims.evaluate import evaluate
from litscan.claims.presets import parse_preset
from litscan.claims.results import Evidence
from litscan.errors import PresetError
from litscan.stats import decisive
from litscan.stats.verdicts import (
    CONTRADICTED,
    INCONCLUSIVE,
    NEGLIGIBLE,
    SUPPORTED,
    VENUE_DEPENDENT,
    VERDICTS,
    YEAR_DEPENDENT,
    decide,
)

CN_VS_US = """
[[claims]]
id = "cn-over-us"
text = "CN share > US share"
a = { country = "CN" }
op = ">"
b = { country = "US" }
"""


def preset(claims: str = CN_VS_US, extra: str = "", years=(2020, 2021), min_works: int = 30):
    text = f"""
schema_version = 1
claim = "synthetic"
countries = ["CN", "US"]
resamples = 200
min_works = {min_works}
figures = ["comparison"]
{extra}
[population]
years = [{years[0]}, {years[1]}]
{claims}
"""
    return parse_preset(tomllib.loads(text), "synthetic.toml")


def build(cells):
    """Synthetic works/work_countries from ``cells`` = (venue, year, {country: n}): one country
    per work, n works of each country."""
    works, wc = [], []
    i = 0
    for venue, year, countries in cells:
        for code, n in countries.items():
            for _ in range(n):
                wid = f"W{i}"
                i += 1
                works.append((wid, year, venue, i % 97))
                wc.append((wid, code, 1.0, 1.0))
    works = pl.DataFrame(
        works,
        schema={"id": pl.Utf8, "year": pl.Int32, "source": pl.Utf8, "cited_by_count": pl.Int64},
        orient="row",
    )
    wc = pl.DataFrame(
        wc,
        schema={"work_id": pl.Utf8, "country_code": pl.Utf8, "whole": pl.Float64,
                "fractional": pl.Float64},
        orient="row",
    )  # fmt: skip
    return Evidence(kind="records", name="synthetic tables", caveat="synthetic test data",
                    works=works, work_countries=wc)  # fmt: skip


def two_years(venue, cn, us, gb=0):
    """A venue with ``cn`` CN, ``us`` US and ``gb`` GB works, split over 2020 and 2021."""
    return [(venue, y, {"CN": cn // 2, "US": us // 2, "GB": gb // 2}) for y in (2020, 2021)]


def run(cells, claims=CN_VS_US, **kw):
    r = evaluate(preset(claims, **kw), {"records": build(cells)}).results[0]
    json.dumps(r.as_dict(), allow_nan=False)  # the verdicts.json entry stays valid JSON
    return r


# --------------------------------------------------------------------------------------------
# differences that matter
# --------------------------------------------------------------------------------------------


def synthetic_counts(cn: int, us: int, total: int, years=(2020, 2020)) -> Evidence:
    """Synthetic aggregate counts: ``cn`` and ``us`` works of ``total`` in each year."""
    rows = [
        ("concept:C1", y, code, n)
        for y in range(years[0], years[1] + 1)
        for code, n in (("CN", cn), ("US", us), ("GB", total - cn - us))
    ]
    counts = pl.DataFrame(
        rows,
        schema={"label": pl.Utf8, "year": pl.Int64, "country_code": pl.Utf8, "works": pl.Int64},
        orient="row",
    )
    totals = pl.DataFrame(
        {"label": ["concept:C1"] * (years[1] - years[0] + 1),
         "year": list(range(years[0], years[1] + 1)),
         "works": [total] * (years[1] - years[0] + 1)}
    )  # fmt: skip
    return Evidence(kind="counts", name="synthetic counts", caveat="synthetic test data",
                    counts=counts, totals=totals)  # fmt: skip


COUNTS_CLAIM = """
[labels]
ai = "concept:C1"
[[claims]]
id = "cn-over-us-counts"
text = "CN share of AI works > US share"
evidence = "counts"
a = { country = "CN", label = "ai" }
op = ">"
b = { country = "US", label = "ai" }
"""


def test_point_two_points_on_a_million_works_is_negligible():
    # 10^6 works: CN 20.2 %, US 20.0 % -> +0.2 points with an interval of about ±0.1
    ev = synthetic_counts(202_000, 200_000, 1_000_000)
    r = evaluate(preset(COUNTS_CLAIM), {"counts": ev}).results[0]
    assert r.primary.diff == pytest.approx(0.002)
    assert 0 < r.primary.lo and r.primary.hi < 0.01  # decisive about 0, inside ±1 point
    assert r.primary.verdict == NEGLIGIBLE and r.verdict == NEGLIGIBLE
    assert "inside ±1.0 points" in r.reason
    d = r.as_dict()
    assert d["min_effect"] == pytest.approx(0.01) and "two countries" in d["min_effect_basis"]
    # without min_effect the same interval is "supported": the old rule
    r0 = evaluate(preset(COUNTS_CLAIM, extra="min_effect = 0"), {"counts": ev}).results[0]
    assert r0.verdict == SUPPORTED and r0.min_effect == 0


def test_min_effect_claim_key_overrides_preset_and_default():
    ev = synthetic_counts(202_000, 200_000, 1_000_000)
    claims = COUNTS_CLAIM + "min_effect = 0.1\n"
    r = evaluate(preset(claims, extra="min_effect = 5"), {"counts": ev}).results[0]
    assert r.min_effect == pytest.approx(0.001) and "this claim" in r.min_effect_basis
    assert r.verdict == SUPPORTED  # +0.2 [+0.1, +0.3] points: the interval is beyond ±0.1


def test_point_inside_interval_crossing_bound_is_inconclusive():
    assert decide(">", 0.001, 0.015, 0.01, 0.008) == INCONCLUSIVE  # point inside, reaches out
    assert decide(">", -0.002, 0.009, 0.01, 0.003) == NEGLIGIBLE
    assert decide(">", 0.011, 0.02, 0.01, 0.015) == SUPPORTED
    assert decide("<", 0.011, 0.02, 0.01, 0.015) == CONTRADICTED
    assert decide(">", 0.001, 0.015) == SUPPORTED  # min_effect 0: the plain interval rule
    assert NEGLIGIBLE in VERDICTS and YEAR_DEPENDENT in VERDICTS


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('min_effect = "1"', "min_effect: expected a number of percentage points, got a string"),
        ("min_effect = -1", "min_effect: expected a number of percentage points in [0, 100)"),
        ("min_effect = 100", "min_effect: expected a number of percentage points in [0, 100)"),
        ("min_effect = true", "min_effect: expected a number of percentage points, got a bool"),
    ],
)
def test_min_effect_validation_one_line(extra, message):
    with pytest.raises(PresetError) as exc:
        preset(extra=extra)
    assert message in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(PresetError) as exc:
        preset(CN_VS_US + extra.replace("min_effect", "min_effect") + "\n")
    assert "claims[0].min_effect" in str(exc.value)


# --------------------------------------------------------------------------------------------
# every decisive venue counted, degenerate ones not
# --------------------------------------------------------------------------------------------


def test_small_decisive_venue_against_large_supporting_venue_is_venue_dependent():
    # BIG: 2,000 works, CN 60 % vs US 20 % (for); SMALL: 20 works, CN 0 vs US 18 (against),
    # below min_works = 30 but well above the floor of 10; third venue MID supports mildly
    cells = two_years("BIG", 1200, 400, 400) + two_years("MID", 300, 200, 100)
    cells += two_years("SMALL", 0, 18, 2)
    r = run(cells)
    rob = r.robustness
    assert r.primary.verdict == SUPPORTED
    assert r.verdict == VENUE_DEPENDENT
    assert "SMALL" in r.reason and "below the 30-work gate" in r.reason
    assert rob.sub_gate == ("SMALL",)
    small = next(s for s in rob.strata if s["stratum"] == "SMALL")
    assert small["decisive"] and not small["eligible"] and small["verdict"] == CONTRADICTED


def test_quarter_weight_opposing_venue_is_not_an_exception():
    # four supporting venues of 600 works, one opposing of 800 works: ~25 % of side A's weight
    cells = [c for v in ("A", "B", "C", "D") for c in two_years(v, 360, 120, 120)]
    cells += two_years("OPP", 200, 500, 100)
    r = run(cells)
    rob = r.robustness
    assert r.primary.verdict == SUPPORTED and r.verdict == VENUE_DEPENDENT
    assert rob.opposing_weight == pytest.approx(800 / 3200)
    assert "OPP" in r.reason and "not an exception" in r.reason and "25.0 %" in r.reason
    assert rob.exceptions == ()


def test_one_paper_venues_never_count():
    # a supporting venue pair plus 1-paper and 6-paper venues that are "decisively" against
    cells = [c for v in ("A", "B", "C") for c in two_years(v, 300, 100, 100)]
    cells += [("ONE", 2020, {"US": 1}), ("SIX", 2021, {"US": 6})]
    r = run(cells)
    rob = r.robustness
    assert r.verdict == SUPPORTED and rob.venues_below == ()
    degen = {s["stratum"]: s["degenerate"] for s in rob.strata}
    assert "fewer than 10 works" in degen["ONE"] and "fewer than 10 works" in degen["SIX"]
    assert not any(s["decisive"] for s in rob.strata if s["stratum"] in ("ONE", "SIX"))


def test_zero_width_interval_is_degenerate():
    from litscan.stats.robustness import VenueEstimate

    flat = VenueEstimate("V", -0.5, -0.5, -0.5, 0.0, 40, 40, False, 0.1)
    assert "zero width" in decisive.degenerate(flat, constant=False)
    ok = VenueEstimate("V", -0.5, -0.6, -0.4, 0.01, 10, 10, False, 0.1)
    assert decisive.degenerate(ok, constant=False) == ""


# --------------------------------------------------------------------------------------------
# exceptions named, not overriding; the k = 2 fallback; equal weight per venue
# --------------------------------------------------------------------------------------------


def test_ten_supporting_venues_and_a_small_opposing_one_name_the_exception():
    # ten venues of 400 works, CN 50 % vs US 25 %; one venue of 200 works, CN 10 % vs US 60 %
    cells = [c for i in range(10) for c in two_years(f"V{i:02d}", 200, 100, 100)]
    cells += two_years("IROS", 20, 120, 60)
    r = run(cells)
    rob = r.robustness
    assert rob.opposing_weight == pytest.approx(200 / 4200)  # about 5 % of side A's weight
    assert r.verdict == SUPPORTED
    assert r.verdict_text == "supported; IROS against"
    assert [e["stratum"] for e in rob.exceptions] == ["IROS"]
    assert "IROS against" in r.reason and "exception" in r.reason
    assert rob.random_effects["lo"] > 0 and rob.agreement >= 0.9
    d = r.as_dict()
    assert d["verdict_text"] == "supported; IROS against"
    assert d["robustness"]["exceptions"][0]["weight"] == pytest.approx(200 / 4200)
    assert d["robustness"]["rule"]["exception_weight"] == decisive.EXCEPTION_WEIGHT
    from litscan.claims.results import claims_frame

    row = claims_frame([r]).row(0, named=True)
    assert row["verdict"] == SUPPORTED and row["verdict_text"] == "supported; IROS against"
    assert row["min_effect"] == pytest.approx(0.01)


def test_two_venues_take_the_fallback_and_say_so():
    cells = two_years("V1", 300, 100, 100) + two_years("V2", 250, 150, 100)
    r = run(cells)
    rob = r.robustness
    assert r.verdict == SUPPORTED
    assert rob.i2 is None and rob.random_effects is None
    assert "k = 2" in rob.fallback and "V1" in rob.fallback and "V2" in rob.fallback
    assert "falls back to the two venues' own intervals" in rob.reasons["random_effects"]
    assert rob.fallback in rob.notes


def test_equal_weight_per_venue_is_a_specification():
    # V1: 1,800 works, CN − US = +40 points; V2: 200 works, CN − US = -10 points
    cells = two_years("V1", 1000, 280, 520) + two_years("V2", 60, 80, 60)
    cells += two_years("V3", 200, 100, 100)
    r = run(cells)
    eq = [s for s in r.robustness.specifications if s["weighting"] == "equal per venue"]
    assert {s["counting"] for s in eq} == {"whole", "fractional"}
    expected = ((1000 - 280) / 1800 + (60 - 80) / 200 + (200 - 100) / 400) / 3
    assert eq[0]["diff"] == pytest.approx(expected)
    assert eq[0]["lo"] <= eq[0]["diff"] <= eq[0]["hi"]


# --------------------------------------------------------------------------------------------
# count claims over years
# --------------------------------------------------------------------------------------------


def test_count_claim_years_that_disagree_are_year_dependent():
    # synthetic counts: CN below the US in 2016-2017, above it in 2019-2020 (100,000 works a year)
    rows = []
    for y, cn, us in ((2016, 18_000, 22_000), (2017, 19_000, 21_000), (2018, 20_000, 20_000),
                      (2019, 22_000, 19_000), (2020, 23_000, 18_000)):  # fmt: skip
        rows += [("concept:C1", y, "CN", cn), ("concept:C1", y, "US", us),
                 ("concept:C1", y, "GB", 100_000 - cn - us)]  # fmt: skip
    counts = pl.DataFrame(
        rows,
        schema={"label": pl.Utf8, "year": pl.Int64, "country_code": pl.Utf8, "works": pl.Int64},
        orient="row",
    )
    totals = pl.DataFrame({"label": ["concept:C1"] * 5, "year": list(range(2016, 2021)),
                           "works": [100_000] * 5})  # fmt: skip
    ev = Evidence(kind="counts", name="synthetic counts", caveat="synthetic test data",
                  counts=counts, totals=totals)  # fmt: skip
    r = evaluate(preset(COUNTS_CLAIM, years=(2016, 2020)), {"counts": ev}).results[0]
    rob = r.robustness
    assert r.primary.diff == pytest.approx((102_000 - 100_000) / 500_000)
    assert r.verdict == YEAR_DEPENDENT
    assert "2016" in r.reason and "2020" in r.reason
    assert rob.unit == "year" and [s["stratum"] for s in rob.strata] == [
        "2016", "2017", "2018", "2019", "2020"
    ]
    y16 = rob.strata[0]
    assert y16["diff"] == pytest.approx(-0.04) and y16["verdict"] == CONTRADICTED
    assert rob.random_effects["k"] == 5 and rob.i2 > 0.9
    loo = {d["left_out"]: d for d in rob.leave_one_out}
    assert set(loo) == {2016, 2017, 2018, 2019, 2020} and loo[2016]["kind"] == "year"
    assert loo[2016]["diff"] == pytest.approx((84_000 - 78_000) / 400_000)
    d = r.as_dict()["robustness"]
    assert d["strata"][0]["stratum"] == "2016" and d["unit"] == "year"


def test_label_error_uses_the_claims_min_effect():
    from litscan.labels import label_error as le

    # synthetic shares: a label with perfect precision leaves the numbers as they are
    a, b = le.SideShares(0.302, 0.30, "x"), le.SideShares(0.300)
    q = {"x": le.LabelQuality("x", 1.0, 1.0, 1.0)}
    kw = dict(lo=0.001, hi=0.003, estimate=0.002, verdict=NEGLIGIBLE)
    row = le.label_error(a, b, ">", q, min_effect=0.01, **kw)
    assert row["verdict_corrected"] == NEGLIGIBLE and row["survives"] is True
    plain = le.label_error(a, b, ">", q, **kw)  # the plain interval rule: "supported"
    assert plain["verdict_corrected"] == SUPPORTED and plain["survives"] is False


@settings(max_examples=200, deadline=None)
@given(
    a=st.floats(-1, 1), b=st.floats(-1, 1), t=st.floats(0, 1), m=st.floats(0, 0.2),
)
def test_decide_properties(a, b, t, m):
    lo, hi = min(a, b), max(a, b)
    p = lo + t * (hi - lo)
    v = decide(">", lo, hi, m, p)
    assert (v == NEGLIGIBLE) == (m > 0 and -m < lo and hi < m)
    if v == SUPPORTED:
        assert lo > 0 and p >= m
    if v == CONTRADICTED:
        assert hi < 0 and p <= -m
    assert decide("<", -hi, -lo, m, -p) == v  # mirrored
    if m == 0:
        assert v == (SUPPORTED if lo > 0 else CONTRADICTED if hi < 0 else INCONCLUSIVE)


def test_two_venues_that_disagree_are_venue_dependent_with_the_fallback_once():
    # synthetic: V1 strongly for (400 works), V2 against (100 works, 20 % of side A's weight)
    cells = two_years("V1", 240, 80, 80) + two_years("V2", 10, 60, 30)
    r = run(cells)
    assert r.verdict == VENUE_DEPENDENT and r.robustness.random_effects is None
    assert "no random-effects interval (k = 2, below)" in r.reason
    assert r.reason.count("falls back") == 1
