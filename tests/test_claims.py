"""claims: verdict rule, numbers against hand-computed shares, not-testable paths, counts path."""

from __future__ import annotations

import math

import polars as pl
import pytest

from litscan.claims import formulate
from litscan.claims.evaluate import evaluate
from litscan.claims.presets import parse_preset
from litscan.claims.results import Evidence
from litscan.stats.verdicts import (
    CONTRADICTED,
    INCONCLUSIVE,
    NOT_TESTABLE,
    SUPPORTED,
    VENUE_DEPENDENT,
    decide,
)


def test_decide_rule():
    assert decide(">", 0.01, 0.2) == SUPPORTED
    assert decide(">", -0.2, -0.01) == CONTRADICTED
    assert decide(">", -0.1, 0.1) == INCONCLUSIVE
    assert decide("<", -0.2, -0.01) == SUPPORTED
    assert decide("<", 0.01, 0.2) == CONTRADICTED
    assert decide(">", float("nan"), 0.1) == NOT_TESTABLE


def _records(n_cn=100, n_us=60, n_both=40, title0="A paper") -> Evidence:
    """n_cn CN-only works, n_us US-only, n_both CN+US (fractional 1/2 each)."""
    rows, wc = [], []
    n = n_cn + n_us + n_both
    for i in range(n):
        wid = f"W{i}"
        rows.append(
            {
                "id": wid,
                "title": title0 if i == 0 else f"paper {i}",
                "year": 2020 + i % 2,
                "cited_by_count": i,
                "source": "CVPR" if i < 120 else "ICML",
                "venue_field": "CV" if i < 120 else "ML",
            }
        )
        if i < n_cn:
            wc.append((wid, "CN", 1.0, 1.0))
        elif i < n_cn + n_us:
            wc.append((wid, "US", 1.0, 1.0))
        else:
            wc += [(wid, "CN", 1.0, 0.5), (wid, "US", 1.0, 0.5)]
    works = pl.DataFrame(
        rows,
        schema={
            "id": pl.Utf8,
            "title": pl.Utf8,
            "year": pl.Int32,
            "cited_by_count": pl.Int64,
            "source": pl.Utf8,
            "venue_field": pl.Utf8,
        },
    )
    wcf = pl.DataFrame(
        wc,
        schema={
            "work_id": pl.Utf8,
            "country_code": pl.Utf8,
            "whole": pl.Float64,
            "fractional": pl.Float64,
        },
        orient="row",
    )
    return Evidence(
        kind="records",
        name="synthetic",
        caveat="synthetic test data",
        works=works,
        work_countries=wcf,
        label_kinds=frozenset(),
        unavailable={"classifier": "no model in this test"},
    )


def _preset(claims_toml: str, extra: str = "", min_works: int = 10):
    import tomllib

    text = f"""
schema_version = 1
claim = "test"
countries = ["CN", "US"]
resamples = 300
min_works = {min_works}
[population]
years = [2020, 2021]
[labels]
vision = "venue_field:CV"
surv = "classifier:surveillance"
ai = "concept:C154945302"
{extra}
{claims_toml}
"""
    return parse_preset(tomllib.loads(text), "t.toml")


def test_cn_vs_us_numbers_match_hand_computation():
    p = _preset("""
[[claims]]
id = "c"
text = "CN > US"
a = { country = "CN" }
op = ">"
b = { country = "US" }
""")
    r = evaluate(p, {"records": _records()}).results[0]
    e = r.primary
    assert e.counting == "fractional"
    assert e.share_a == pytest.approx(120 / 200)
    assert e.share_b == pytest.approx(80 / 200)
    assert e.diff == pytest.approx(0.2)
    assert e.lo > 0
    # the pooled +20 points hide two venues pulling apart: CVPR (works 0-119) has 100 CN-only and
    # 20 US-only works, ICML 40 US-only and 40 CN+US works; so the verdict is venue-dependent
    assert r.verdict == VENUE_DEPENDENT
    venues = {s["stratum"]: s for s in r.robustness.strata}
    assert venues["CVPR"]["diff"] == pytest.approx(100 / 120 - 20 / 120)
    assert venues["ICML"]["diff"] == pytest.approx(0.5 * 40 / 80 - (40 + 0.5 * 40) / 80)
    assert "CVPR" in r.reason and "ICML" in r.reason
    whole = next(s for s in r.sensitivity if s.counting == "whole")
    assert whole.share_a == pytest.approx(140 / 200)
    assert whole.share_b == pytest.approx(100 / 200)


def test_label_and_constant_side():
    p = _preset("""
[[claims]]
id = "c"
text = "CN share of vision > 0.5"
a = { country = "CN", label = "vision" }
op = ">"
b = { value = 0.5 }
""")
    r = evaluate(p, {"records": _records()}).results[0]
    assert r.primary.share_a == pytest.approx(100 / 120)
    assert r.primary.share_b == 0.5
    assert r.verdict == SUPPORTED


def test_top_set_uses_highly_cited():
    # citations = index: the top 10 % within each year are the highest ids (US/CN+US works)
    p = _preset("""
[[claims]]
id = "c"
text = "CN top > CN overall"
a = { country = "CN", top = true }
op = ">"
b = { country = "CN" }
""")
    r = evaluate(p, {"records": _records()}).results[0]
    assert r.primary.top == 0.10
    assert r.primary.n_total_a == 20  # 10 % of 100 works per year, two years
    assert r.primary.share_a == pytest.approx(0.5)  # all CN+US works: 1/2 each
    assert {s.top for s in r.sensitivity} >= {0.01, 0.05, 0.25}


def test_too_few_works_is_not_testable():
    p = _preset(
        """
[[claims]]
id = "c"
text = "CN > US"
a = { country = "CN" }
op = ">"
b = { country = "US" }
""",
        min_works=1000,
    )
    r = evaluate(p, {"records": _records()}).results[0]
    assert r.verdict == NOT_TESTABLE
    assert "fewer than 1000 works" in r.reason
    assert "litscan" in r.to_test


def test_unavailable_label_is_not_testable_with_hint():
    p = _preset("""
[[claims]]
id = "c"
text = "CN share of surveillance > US"
a = { country = "CN", label = "surv" }
op = ">"
b = { country = "US", label = "surv" }
[[claims]]
id = "d"
text = "CN share of AI concept > US"
a = { country = "CN", label = "ai" }
op = ">"
b = { country = "US", label = "ai" }
""")
    r1, r2 = evaluate(p, {"records": _records()}).results
    assert r1.verdict == NOT_TESTABLE and "no model" in r1.reason
    assert r2.verdict == NOT_TESTABLE and "concept" in r2.reason
    assert "concepts.id:C154945302" in r2.to_test


def test_live_only_offline():
    p = _preset(
        """
[[claims]]
id = "c"
text = "CN > 0.5 on arXiv"
live_only = true
a = { country = "CN" }
op = ">"
b = { value = 0.5 }
""",
        extra='[live]\nfilter = "locations.source.id:S4306400194"',
    )
    r = evaluate(p, {"records": _records()}, offline=True).results[0]
    assert r.verdict == NOT_TESTABLE
    assert "locations.source.id:S4306400194" in r.to_test
    assert "litscan counts" in r.to_test


def test_counts_path_shares_and_interval():
    counts = pl.DataFrame(
        {
            "country_code": ["CN", "US", "DE", "CN", "US", "DE"],
            "year": [2020, 2020, 2020, 2021, 2021, 2021],
            "label": ["concept:C154945302"] * 6,
            "works": [500, 400, 100, 600, 300, 100],
            "citations": [None] * 6,
            "counting": ["whole"] * 6,
            "source": ["t"] * 6,
        },
        schema_overrides={"year": pl.Int32, "citations": pl.Int64},
    )
    ev = Evidence(kind="counts", name="counts", caveat="c", counts=counts)
    p = _preset("""
[[claims]]
id = "c"
text = "CN > US"
evidence = "counts"
per_year = true
a = { country = "CN", label = "ai" }
op = ">"
b = { country = "US", label = "ai" }
""")
    r = evaluate(p, {"counts": ev}).results[0]
    e = r.primary
    assert e.counting == "whole"
    assert e.share_a == pytest.approx(1100 / 2000)
    assert e.share_b == pytest.approx(700 / 2000)
    se = math.sqrt(0.55 * 0.45 / 2000 + 0.35 * 0.65 / 2000)
    assert e.lo == pytest.approx(0.2 - 1.959963984540054 * se)
    assert r.verdict == SUPPORTED
    assert [y for y, _ in r.per_year] == [2020, 2021]
    assert r.per_year[0][1].share_a == pytest.approx(0.5)


def test_openalex_filter():
    p = _preset("""
[[claims]]
id = "c"
text = "CN > US"
a = { country = "CN", label = "ai", years = [2021, 2021] }
op = ">"
b = { country = "US" }
""")
    assert (
        formulate.openalex_filter(p, p.claims[0].a)
        == "publication_year:2021-2021,concepts.id:C154945302"
    )
