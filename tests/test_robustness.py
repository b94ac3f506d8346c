"""Strata, standardisation, heterogeneity and robustness (litscan.stats.robustness via litscan.claims.evaluate).

Every data set here is SYNTHETIC, built to a stated design (venues, years, counts per country);
the expected standardised estimates are recomputed by plain loops over the same works
(:func:`hand_standardised`), not by litscan code.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections import defaultdict

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from litscan.claims.evaluate import evaluate
from litscan.claims.presets import parse_preset
from litscan.claims.results import Evidence
from litscan.errors import PresetError
from litscan.stats import robustness as rb
from litscan.stats.verdicts import (
    CONTRADICTED,
    INCONCLUSIVE,
    NOT_TESTABLE,
    SUPPORTED,
    VENUE_DEPENDENT,
)

# --------------------------------------------------------------------------------------------
# synthetic tables
# --------------------------------------------------------------------------------------------


def build(cells):
    """works, work_countries, work_labels from ``cells``: (venue, year, n_works, country
    counts {code: n}, labelled) — n_works works, the first n of them with country ``code``
    (one country per work, in the order given; the rest are GB), all labelled ``L`` if
    ``labelled``."""
    works, wc, wl = [], [], []
    i = 0
    for venue, year, n, countries, labelled in cells:
        codes = [c for c, k in countries.items() for _ in range(k)]
        codes += ["GB"] * (n - len(codes))
        for j in range(n):
            wid = f"W{i}"
            i += 1
            works.append((wid, year, venue, (i * 7919) % 101, "CV"))
            wc.append((wid, codes[j], 1.0, 1.0))
            if labelled:
                wl.append((wid, "L", True))
    works = pl.DataFrame(
        works,
        schema={"id": pl.Utf8, "year": pl.Int32, "source": pl.Utf8, "cited_by_count": pl.Int64,
                "venue_field": pl.Utf8},
        orient="row",
    )
    wc = pl.DataFrame(
        wc,
        schema={"work_id": pl.Utf8, "country_code": pl.Utf8, "whole": pl.Float64,
                "fractional": pl.Float64},
        orient="row",
    )  # fmt: skip
    wl = pl.DataFrame(
        wl, schema={"work_id": pl.Utf8, "label": pl.Utf8, "flag": pl.Boolean}, orient="row"
    )
    return works, wc, wl


def evidence(works, wc, wl) -> Evidence:
    labels = wl.select(
        "work_id", (pl.lit("work_labels:") + pl.col("label")).alias("label"), "flag"
    )
    return Evidence(
        kind="records",
        name="synthetic tables",
        caveat="synthetic test data",
        works=works,
        work_countries=wc,
        work_labels=labels,
        label_kinds=frozenset({"work_labels"}),
    )


def preset(claims: str, years=(2020, 2021), extra: str = "", min_works: int = 20):
    text = f"""
schema_version = 1
claim = "synthetic"
countries = ["CN", "US"]
resamples = 200
min_works = {min_works}
figures = ["comparison", "shares_over_time"]
[population]
years = [{years[0]}, {years[1]}]
[labels]
lab = "work_labels:L"
{extra}
{claims}
"""
    return parse_preset(tomllib.loads(text), "synthetic.toml")


def hand_standardised(works, wc, wl, sel_a, sel_b, country_a, country_b, by=("source", "year")):
    """A − B standardised over ``by`` strata with side A's weights, by plain loops.

    ``sel_a``/``sel_b``: predicates on (work row dict, labelled?) choosing a side's works."""
    labelled = set(wl.get_column("work_id").to_list())
    country = dict(zip(wc["work_id"].to_list(), wc["country_code"].to_list(), strict=True))
    count = {"a": defaultdict(int), "b": defaultdict(int)}
    hit = {"a": defaultdict(int), "b": defaultdict(int)}
    for w in works.iter_rows(named=True):
        key = tuple(w[k] for k in by)
        lab = w["id"] in labelled
        for side, sel, c in (("a", sel_a, country_a), ("b", sel_b, country_b)):
            if sel(w, lab):
                count[side][key] += 1
                hit[side][key] += country[w["id"]] == c
    shared = [k for k in count["a"] if count["b"].get(k)]
    total_a = sum(count["a"][k] for k in shared)
    return sum(
        count["a"][k] / total_a * (hit["a"][k] / count["a"][k] - hit["b"][k] / count["b"][k])
        for k in shared
    )


def per_year(cells):
    """The same cell in 2020 and 2021 (half the works each)."""
    out = []
    for venue, n, countries, labelled in cells:
        for y in (2020, 2021):
            out.append((venue, y, n // 2, {c: k // 2 for c, k in countries.items()}, labelled))
    return out


LABEL_VS_ALL = """
[[claims]]
id = "cn-specialises"
text = "CN share of L papers > CN share of all papers"
a = { country = "CN", label = "lab" }
op = ">"
b = { country = "CN" }
"""

CN_VS_US = """
[[claims]]
id = "cn-over-us"
text = "CN share > US share"
a = { country = "CN" }
op = ">"
b = { country = "US" }
"""

# --------------------------------------------------------------------------------------------
# (a) Simpson's reversal in label vs all
# --------------------------------------------------------------------------------------------

# V1: CN-heavy venue where most L papers are; V2: CN-light venue with few L papers. In each venue
# L papers have a LOWER CN share than the venue's other papers, yet pooled L looks CN-heavy.
SIMPSON = per_year(
    [
        ("V1", 600, {"CN": 510}, True),  # L: 85 % CN
        ("V1", 200, {"CN": 200}, False),  # others: 100 % CN
        ("V2", 200, {"CN": 8}, True),  # L: 4 % CN
        ("V2", 1800, {"CN": 200}, False),  # others: 11 % CN
    ]
)


@pytest.fixture(scope="module")
def simpson():
    works, wc, wl = build(SIMPSON)
    p = preset(LABEL_VS_ALL)
    return (works, wc, wl), evaluate(p, {"records": evidence(works, wc, wl)})


def test_simpson_verdict_follows_standardised(simpson):
    (works, wc, wl), ev = simpson
    r = ev.results[0]
    rob = r.robustness
    # crude pooled: L papers look more Chinese than all papers ...
    crude_a = (510 + 8) / 800
    crude_b = (510 + 200 + 8 + 200) / 2800
    assert rob.crude["diff"] == pytest.approx(crude_a - crude_b)
    assert rob.crude["lo"] > 0
    # ... but within every venue-year they are less Chinese
    expected = hand_standardised(
        works, wc, wl, lambda w, lab: lab, lambda w, lab: True, "CN", "CN"
    )
    assert expected < 0
    assert r.primary.diff == pytest.approx(expected)
    assert rob.standardised["diff"] == pytest.approx(expected)
    assert r.primary.hi < 0
    assert r.verdict == CONTRADICTED
    weights = {d["stratum"]: d["weight"] for d in rob.standardised["weights"]}
    assert weights["V1 2020"] == pytest.approx(300 / 800)
    assert weights["V2 2021"] == pytest.approx(100 / 800)


def test_simpson_report_shows_both(simpson):
    from litscan.report.html import render_html

    _, ev = simpson
    page = render_html(ev)
    rob = ev.results[0].robustness
    assert "standardised (the verdict's estimate)" in page and "crude, pooled over venues" in page
    assert f"{rob.crude['diff'] * 100:+.1f} pts" in page
    assert f"{rob.standardised['diff'] * 100:+.1f} pts" in page
    assert "<h2>Coverage</h2>" in page


# --------------------------------------------------------------------------------------------
# (b) two venues with strong opposite effects
# --------------------------------------------------------------------------------------------


def test_opposite_venues_are_venue_dependent():
    works, wc, wl = build(
        per_year([("V1", 400, {"CN": 320, "US": 80}, False),
                  ("V2", 400, {"CN": 80, "US": 320}, False)])
    )  # fmt: skip
    ev = evaluate(preset(CN_VS_US), {"records": evidence(works, wc, wl)})
    r = ev.results[0]
    assert r.primary.diff == pytest.approx(0.0, abs=1e-12)
    assert r.verdict == VENUE_DEPENDENT
    rob = r.robustness
    assert rob.venues_above == ("V1 +60.0",) and rob.venues_below == ("V2 -60.0",)
    # two venues: no I² or random effects on k = 2 (verdicts v2); the rule says it falls back
    assert rob.i2 is None and rob.random_effects is None
    assert "V1" in r.reason and "V2" in r.reason and "falls back" in r.reason
    d = r.as_dict()["robustness"]
    assert "k = 2" in d["reasons"]["random_effects"] and "k = 2" in d["fallback"]


# --------------------------------------------------------------------------------------------
# (c) a homogeneous effect
# --------------------------------------------------------------------------------------------


def test_homogeneous_effect_is_supported_everywhere():
    works, wc, wl = build(
        per_year([(v, 300, {"CN": 180, "US": 90}, False) for v in ("V1", "V2", "V3")])
    )
    ev = evaluate(preset(CN_VS_US), {"records": evidence(works, wc, wl)})
    r = ev.results[0]
    rob = r.robustness
    assert r.verdict == SUPPORTED
    assert r.primary.diff == pytest.approx(0.3)
    assert rob.agreement == 1.0 and rob.fragile is False
    # 2 countings x (all, 3 venues left out one at a time, 2 years left out, equal weight per
    # venue), all testable
    assert rob.n_specifications == 2 * (1 + 3 + 2 + 1)
    assert rob.i2 == pytest.approx(0.0, abs=1e-9)
    assert {d["left_out"] for d in rob.leave_one_out} == {"V1", "V2", "V3", 2020, 2021}
    assert rob.summary() == "holds in 14/14 specifications"


# --------------------------------------------------------------------------------------------
# (d) before/after with a venue that exists only after
# --------------------------------------------------------------------------------------------

BEFORE_AFTER = """
[[claims]]
id = "cn-rose"
text = "CN share 2023-2024 > CN share 2020-2022"
a = { country = "CN", years = [2023, 2024] }
op = ">"
b = { country = "CN", years = [2020, 2022] }
"""


def _before_after_cells():
    cells = []
    for y in range(2020, 2025):
        cells.append(("V1", y, 200, {"CN": 60}, False))  # 30 % CN every year
        cells.append(("V2", y, 100, {"CN": 10}, False))  # 10 % CN every year
        if y >= 2023:
            cells.append(("NEW", y, 300, {"CN": 240}, False))  # 80 % CN, only after
    return cells


def test_before_after_leaves_out_a_venue_present_only_after():
    works, wc, wl = build(_before_after_cells())
    ev = evaluate(
        preset(BEFORE_AFTER, years=(2020, 2024)), {"records": evidence(works, wc, wl)}
    )
    r = ev.results[0]
    rob = r.robustness
    assert rob.crude["lo"] > 0  # pooled, the new CN-heavy venue makes CN "rise"
    expected = hand_standardised(
        works, wc, wl,
        lambda w, lab: w["year"] >= 2023, lambda w, lab: w["year"] <= 2022, "CN", "CN",
        by=("source",),
    )  # fmt: skip
    assert expected == pytest.approx(0.0, abs=1e-12)
    assert r.primary.diff == pytest.approx(expected, abs=1e-12)
    assert r.verdict == INCONCLUSIVE
    assert rob.standardised["by"] == ["source"]
    assert {d["stratum"] for d in rob.standardised["weights"]} == {"V1", "V2"}
    assert any("side A only" in x and "NEW" in x for x in rob.excluded)
    from litscan.report.html import render_html

    page = render_html(ev)
    assert "NEW" in page and "side A only" in page


def test_before_after_refuses_pooling_nonoverlapping_venues():
    works, wc, wl = build(_before_after_cells())
    p = preset(BEFORE_AFTER, years=(2020, 2024), extra="[strata]\nby = []")
    r = evaluate(p, {"records": evidence(works, wc, wl)}).results[0]
    assert r.verdict == NOT_TESTABLE
    assert "refused" in r.reason and "NEW" in r.reason


# --------------------------------------------------------------------------------------------
# the verdicts.json contract and the run API
# --------------------------------------------------------------------------------------------

CONTRACT = ("crude", "standardised", "strata", "i2", "random_effects", "leave_one_out",
            "agreement", "fragile")  # fmt: skip


def test_contract_keys_never_missing(simpson):
    _, ev = simpson
    d = ev.results[0].as_dict()["robustness"]
    assert set(CONTRACT) <= set(d)
    assert {"diff", "lo", "hi"} <= set(d["crude"])
    assert {"diff", "lo", "hi", "weights"} <= set(d["standardised"])
    assert {"stratum", "diff", "lo", "hi", "n_a", "n_b"} <= set(d["strata"][0])
    assert {"left_out", "verdict"} <= set(d["leave_one_out"][0])
    assert 0 <= d["agreement"] <= 1 and isinstance(d["fragile"], bool)
    json.dumps(d, allow_nan=False)
    # a not-testable claim: every part null, each with a reason
    works, wc, wl = build(per_year([("V1", 10, {"CN": 6}, False)]))
    r = evaluate(preset(CN_VS_US), {"records": evidence(works, wc, wl)}).results[0]
    d = r.as_dict()["robustness"]
    assert r.verdict == NOT_TESTABLE
    for part in CONTRACT:
        assert part in d
        if d[part] is None:
            assert d["reasons"][part]


def test_one_venue_has_no_heterogeneity_with_reason():
    works, wc, wl = build(per_year([("V1", 400, {"CN": 240, "US": 120}, False)]))
    r = evaluate(preset(CN_VS_US), {"records": evidence(works, wc, wl)}).results[0]
    d = r.as_dict()["robustness"]
    assert d["i2"] is None and "fewer than 3 venues" in d["reasons"]["i2"]
    assert d["random_effects"] is None and d["reasons"]["random_effects"]


def test_run_api_frames_through_tables_folder(tmp_path):
    import litscan
    from litscan.tables.folder import write_tables

    works, wc, wl = build(SIMPSON)
    write_tables({"works": works, "work_countries": wc, "work_labels": wl}, tmp_path / "t")
    path = tmp_path / "p.toml"
    path.write_text(
        f"""schema_version = 1
claim = "synthetic"
countries = ["CN"]
source = "tables"
min_works = 20
figures = ["comparison", "shares_over_time"]
[population]
years = [2020, 2021]
[labels]
lab = "work_labels:L"
{LABEL_VS_ALL}""",
        encoding="utf-8",
    )
    res = litscan.run_preset(path, tables=tmp_path / "t", resamples=200)
    df = res.to_frame()
    assert df.height == 1
    row = df.row(0, named=True)
    assert row["verdict"] == CONTRADICTED and row["crude_diff"] > 0 > row["std_diff"]
    assert row["std_lo"] <= row["std_diff"] <= row["std_hi"] and row["fragile"] is False
    spec = res.robustness_frame()
    assert spec.height == res.results[0].robustness.n_specifications
    assert spec.get_column("agrees").mean() == pytest.approx(row["agreement"])
    res.write(tmp_path / "out")
    verdicts = json.loads((tmp_path / "out" / "verdicts.json").read_text())
    assert verdicts["claims"][0]["robustness"]["standardised"]["diff"] == pytest.approx(
        row["std_diff"]
    )
    assert (tmp_path / "out" / "figures" / "coverage.csv").is_file()


# --------------------------------------------------------------------------------------------
# presets
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[strata]\nby = ["source", "venue"]', "strata.by[1]: expected one of source, year"),
        ('[strata]\nby = ["year", "year"]', "strata.by[1]: 'year' is listed twice"),
        ('[strata]\nby = "source"', "strata.by: expected a list"),
        ("[strata]\ni2_threshold = 75", "strata.i2_threshold: expected a number in (0, 1]"),
        ("[strata]\nagreement = 0", "strata.agreement: expected a number in (0, 1]"),
        ("[strata]\nsize = 3", "strata.size: unknown key"),
    ],
)
def test_strata_validation_one_line(extra, message):
    with pytest.raises(PresetError) as exc:
        preset(CN_VS_US, extra=extra)
    text = str(exc.value)
    assert text.startswith("synthetic.toml: ") and message in text and "\n" not in text


def test_strata_defaults_and_choices():
    assert preset(CN_VS_US).strata.by == ("source", "year")
    p = preset(CN_VS_US, extra='[strata]\nby = ["year", "source"]\ni2_threshold = 0.5')
    assert p.strata.by == ("source", "year") and p.strata.i2_threshold == 0.5
    assert preset(CN_VS_US, extra="[strata]\nby = []").strata.by == ()


# --------------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------------


def _side_frame(n, k_whole, frac, year, source):
    return pl.DataFrame(
        {
            "work_id": [f"W{i}" for i in range(n)],
            "source": [source] * n,
            "year": [year] * n,
            "m": [1.0] * n,
            "whole": [1.0 if i < k_whole else 0.0 for i in range(n)],
            "fractional": [frac if i < k_whole else 0.0 for i in range(n)],
        }
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_a=st.integers(1, 40),
    n_b=st.integers(1, 40),
    k_a=st.integers(0, 40),
    k_b=st.integers(0, 40),
    frac=st.floats(0.1, 1.0),
)
def test_one_stratum_standardised_equals_crude(n_a, n_b, k_a, k_b, frac):
    a = _side_frame(n_a, min(k_a, n_a), frac, 2020, "V")
    b = _side_frame(n_b, min(k_b, n_b), frac, 2020, "V").with_columns(
        ("B" + pl.col("work_id")).alias("work_id")
    )
    sums = rb.strata_sums(a, b, keys=["source", "year"], resampler=None)
    for counting in ("whole", "fractional"):
        c = rb.compare(sums, counting, by=["source", "year"])
        assert c.diff == pytest.approx(c.crude_diff, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(
    y=st.lists(st.floats(-1, 1), min_size=2, max_size=12),
    v=st.lists(st.floats(1e-6, 1.0), min_size=12, max_size=12),
)
def test_i2_in_unit_interval(y, v):
    re = rb.random_effects(y, v[: len(y)])
    assert 0.0 <= re["i2"] <= 1.0
    assert re["tau2"] >= 0 and re["lo"] <= re["diff"] <= re["hi"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shares=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=2, max_size=4),
    seed=st.integers(0, 2**31),
)
def test_agreement_in_unit_interval_and_seed_reproduces(shares, seed):
    frames_a, frames_b = [], []
    for i, (ka, kb) in enumerate(shares):
        fa = _side_frame(30, ka, 0.5, 2020 + i % 2, f"V{i}")
        fb = _side_frame(30, kb, 0.5, 2020 + i % 2, f"V{i}")
        frames_a.append(fa.with_columns((pl.col("work_id") + f"-{i}").alias("work_id")))
        frames_b.append(fb.with_columns((pl.col("work_id") + f"-b{i}").alias("work_id")))
    a, b = pl.concat(frames_a), pl.concat(frames_b)
    ids = pl.concat([a.get_column("work_id"), b.get_column("work_id")])

    def grid():
        res = rb.Resampler(ids, 60, seed)
        sums = rb.strata_sums(a, b, keys=["source", "year"], resampler=res)
        return rb.specification_grid({None: sums}, ["whole", "fractional"], op=">",
                                     by=["source", "year"], min_works=5)  # fmt: skip

    g1, g2 = grid(), grid()
    assert [s.as_dict() for s in g1] == [s.as_dict() for s in g2]
    testable = [s for s in g1 if s.verdict != NOT_TESTABLE]
    full = next(s for s in g1 if s.left_out_venue is None and s.left_out_year is None)
    if testable and full.verdict != NOT_TESTABLE:
        agreement = sum(s.verdict == full.verdict for s in testable) / len(testable)
        assert 0.0 <= agreement <= 1.0
    for s in testable:
        assert s.lo <= s.diff <= s.hi and not math.isnan(s.lo)


def test_stratified_bootstrap_stays_within_strata():
    """With fixed weights, a stratum's replicate share only uses that stratum's works: a
    stratum where every work has the country keeps share 1 in every resample."""
    a = pl.concat([_side_frame(40, 40, 1.0, 2020, "V1"),
                   _side_frame(40, 0, 1.0, 2020, "V2").with_columns(
                       ("x" + pl.col("work_id")).alias("work_id"))])  # fmt: skip
    res = rb.Resampler(a.get_column("work_id"), 100, 3)
    sums = rb.strata_sums(a, None, keys=["source", "year"], resampler=res, constant=0.0)
    c = rb.compare(sums, "whole", by=["source", "year"])
    # fixed weights 1/2, 1/2: the standardised share of A is exactly 0.5 in every resample
    assert c.share_a == pytest.approx(0.5)
    assert np.allclose(c.reps, 0.5)
    assert c.lo == pytest.approx(0.5) and c.hi == pytest.approx(0.5)
    # the crude share moves with the resampled stratum sizes
    assert c.crude_lo < 0.5 < c.crude_hi


def test_figures_forest_spec_curve_coverage(simpson):
    from litscan.report.html import build_figures

    _, ev = simpson
    figs = {name: (caption, fig) for name, caption, fig in build_figures(ev)}
    forest = figs["cn-specialises_venues"][1]
    names = [t.name for t in forest.data]
    assert "standardised (the verdict's estimate)" in names
    assert "crude, pooled over venues" in names
    # two venues: no random effects on k = 2 (verdicts v2), so no random-effects row
    assert ev.results[0].robustness.random_effects is None
    assert "random effects (DerSimonian–Laird)" not in names
    std = next(t for t in forest.data if t.name == "standardised (the verdict's estimate)")
    assert std.x[0] == pytest.approx(100 * ev.results[0].robustness.standardised["diff"])
    curve = figs["cn-specialises_specs"][1]
    upper = [t for t in curve.data if t.mode == "markers" and t.yaxis == "y"]
    n_points = sum(len(t.x) for t in upper)
    assert n_points == ev.results[0].robustness.n_specifications
    xs = [x for t in upper for x in t.x]
    ys = [y for t in upper for y in t.y]
    assert [y for _, y in sorted(zip(xs, ys, strict=True))] == sorted(ys)  # sorted by A − B
    assert "coverage" in figs and "fixed venue panel" in figs["shares_by_year"][0]


def test_crude_is_share_difference_resample_by_resample():
    """The pooled estimate from the per-stratum sums and shared weights is exactly
    aggregate.share_difference (same Poisson weights by work id, same seed)."""
    from litscan import stats as ag

    works, wc, wl = build(
        per_year([("V1", 300, {"CN": 120, "US": 90}, False), ("V2", 100, {"CN": 10}, False)])
    )
    r = evaluate(preset(CN_VS_US), {"records": evidence(works, wc, wl)}).results[0]
    ref = ag.share_difference(
        wc, ag.Selection("CN"), ag.Selection("US"), works=works, n_resamples=200, seed=0
    ).row(0, named=True)
    crude = r.robustness.crude
    assert crude["diff"] == pytest.approx(ref["diff"])
    assert crude["lo"] == pytest.approx(ref["lo"], abs=1e-6)
    assert crude["hi"] == pytest.approx(ref["hi"], abs=1e-6)


def test_strata_key_drops_only_what_the_claim_contrasts():
    from litscan.claims.population import strata_key

    works, wc, wl = build(per_year([("V1", 100, {"CN": 50}, False), ("V2", 100, {}, False)]))
    extra = 'v1 = "venue:V1"'
    text = """
[[claims]]
id = "same-venue-label"
text = "CN share of V1 papers > US share of V1 papers"
a = { country = "CN", label = "v1" }
op = ">"
b = { country = "US", label = "v1" }
[[claims]]
id = "venue-vs-all"
text = "CN share of V1 papers > CN share of all papers"
a = { country = "CN", label = "v1" }
op = ">"
b = { country = "CN" }
"""
    p = parse_preset(
        tomllib.loads(f"""
schema_version = 1
claim = "synthetic"
countries = ["CN", "US"]
min_works = 20
[population]
years = [2020, 2021]
[labels]
{extra}
{text}"""),
        "synthetic.toml",
    )
    same, contrast = p.claims
    assert strata_key(p, same, works)[0] == ["source", "year"]
    by, notes = strata_key(p, contrast, works)
    assert by == ["year"] and "venues are the contrast" in notes[0]
    ev = evaluate(p, {"records": evidence(works, wc, wl)})
    r = ev.results[1]
    # V1 against all works, within years: CN 50 % at V1 vs 25 % overall
    assert r.primary.diff == pytest.approx(0.5 - 0.25)
    assert r.robustness.i2 is None and "compares venues" in r.robustness.reasons["i2"]


def test_top_claims_report_citation_coverage_and_leave_out_low_venue_years():
    works, wc, wl = build(per_year([("V1", 400, {"CN": 200, "US": 100}, False),
                                    ("V2", 400, {"CN": 100, "US": 200}, False)]))  # fmt: skip
    # V2 2021: no citation counts at all -> left out of the top-x sets
    works = works.with_columns(
        pl.when((pl.col("source") == "V2") & (pl.col("year") == 2021))
        .then(None)
        .otherwise(pl.col("cited_by_count"))
        .alias("cited_by_count")
    )
    text = CN_VS_US.replace('a = { country = "CN" }', 'a = { country = "CN", top = true }')
    text = text.replace('b = { country = "US" }', 'b = { country = "US", top = true }')
    p = preset(text, extra="[highly_cited]\ntop = 0.25\nsensitivity = [0.5]", min_works=10)
    r = evaluate(p, {"records": evidence(works, wc, wl)}).results[0]
    notes = " | ".join(r.robustness.excluded)
    assert "citation coverage per venue" in notes and "V1 100 %" in notes and "V2 50 %" in notes
    assert "left out of the top-x sets: V2 2021" in notes
    assert {d["stratum"] for d in r.robustness.standardised["weights"]} == {
        "V1 2020", "V1 2021", "V2 2020"
    }


@pytest.mark.parametrize(
    ("cells", "claims", "years", "expected"),
    [
        (  # (b) two venues with strong opposite effects
            per_year([("V1", 400, {"CN": 320, "US": 80}, False),
                      ("V2", 400, {"CN": 80, "US": 320}, False)]),
            CN_VS_US, (2020, 2021), VENUE_DEPENDENT,
        ),
        (  # (c) a homogeneous effect
            per_year([(v, 300, {"CN": 180, "US": 90}, False) for v in ("V1", "V2", "V3")]),
            CN_VS_US, (2020, 2021), SUPPORTED,
        ),
        (  # (d) before/after, NEW only after
            _before_after_cells(), BEFORE_AFTER, (2020, 2024), INCONCLUSIVE,
        ),
    ],
    ids=["opposite-venues", "homogeneous", "before-after"],
)  # fmt: skip
def test_cli_run_on_tables_folder(tmp_path, cells, claims, years, expected):
    from litscan.cli import main
    from litscan.tables.folder import write_tables

    works, wc, wl = build(cells)
    write_tables({"works": works, "work_countries": wc, "work_labels": wl}, tmp_path / "t")
    path = tmp_path / "p.toml"
    path.write_text(
        f"""schema_version = 1
claim = "synthetic"
countries = ["CN", "US"]
source = "tables"
min_works = 20
resamples = 200
figures = ["comparison"]
[population]
years = [{years[0]}, {years[1]}]
{claims}""",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code = main(["run", str(path), "--tables", str(tmp_path / "t"), "--out", str(out), "--quiet"])
    assert code == 0
    claim = json.loads((out / "verdicts.json").read_text())["claims"][0]
    assert claim["verdict"] == expected
    rob = claim["robustness"]
    page = (out / "report.html").read_text()
    assert "standardised (the verdict's estimate)" in page and "crude, pooled over venues" in page
    if expected == INCONCLUSIVE:
        assert any("NEW" in x for x in rob["excluded"]) and "NEW" in page
    if expected == SUPPORTED:
        assert rob["agreement"] == 1.0 and rob["fragile"] is False
    if expected == VENUE_DEPENDENT:  # two venues: the k = 2 fallback, stated
        assert rob["random_effects"] is None and "Why venue-dependent" in page
        assert "falls back" in claim["reason"]


def test_empty_sides_compare_to_nan_not_an_error():
    empty = _side_frame(0, 0, 1.0, 2020, "V")
    sums = rb.strata_sums(empty, empty, keys=["source", "year"], resampler=None)
    c = rb.compare(sums, "whole", by=["source", "year"])
    assert math.isnan(c.diff) and c.n_a == 0 and not c.testable(1, False)
    assert rb.per_venue(sums, "whole", by=["source"], min_works=1) == []
