"""Label models as specifications (issue 24): a task-label claim under the audited alternative
labels of ``litscan/data/label_specs.parquet``.

The synthetic tests build SYNTHETIC works, countries and labels and inject a SYNTHETIC
alternative-label frame; the real-data tests read the shipped data and presets.
"""

from __future__ import annotations

import json
import tomllib

import polars as pl
import pytest

from litscan.claims import label_specs
from litscan.claims.evaluate import evaluate
from litscan.claims.evidence import embedded_evidence
from litscan.claims.presets import load_preset, parse_preset, presets_dir
from litscan.claims.results import Evidence
from litscan.stats.verdicts import CONTRADICTED, INCONCLUSIVE, SUPPORTED

PRESET = """
schema_version = 1
claim = "synthetic"
countries = ["CN", "US"]
resamples = 200
min_works = 20
figures = ["comparison"]

[population]
years = [2020, 2021]

[labels]
surveillance = "classifier:surveillance"

[[claims]]
id = "cn-leads-surveillance"
text = "CN share of surveillance papers > US share"
a = { country = "CN", label = "surveillance" }
op = ">"
b = { country = "US", label = "surveillance" }
"""


def synthetic(flag_cn: int, flag_us: int) -> tuple[Evidence, pl.DataFrame]:
    """SYNTHETIC: one CV venue, 2020-2021, 200 CN and 200 US papers per year; the shipped label
    flags ``flag_cn`` CN and ``flag_us`` US papers per year, the alternative ``round1`` the
    reverse, ``cset_terms`` the same papers as the shipped label."""
    works, wc, shipped, alt = [], [], [], []
    for year in (2020, 2021):
        for code, n_flag, n_alt in (("CN", flag_cn, flag_us), ("US", flag_us, flag_cn)):
            for i in range(200):
                wid = f"W{year}{code}{i}"
                works.append((wid, year, "CVPR", "CV", i))
                wc.append((wid, code, 1.0, 1.0))
                if i < n_flag:
                    shipped.append(wid)
                if i < n_alt:
                    alt.append(wid)
    works = pl.DataFrame(works, schema={"id": pl.Utf8, "year": pl.Int32, "source": pl.Utf8,
                                        "venue_field": pl.Utf8, "cited_by_count": pl.Int64},
                         orient="row")  # fmt: skip
    wc = pl.DataFrame(wc, schema={"work_id": pl.Utf8, "country_code": pl.Utf8,
                                  "whole": pl.Float64, "fractional": pl.Float64},
                      orient="row")  # fmt: skip
    wl = pl.DataFrame({"work_id": shipped, "label": "classifier:surveillance", "score": 1.0,
                       "flag": True})  # fmt: skip
    ev = Evidence(kind="records", name="synthetic", caveat="synthetic test data", works=works,
                  work_countries=wc, work_labels=wl, label_kinds=frozenset({"classifier"}))  # fmt: skip
    specs = pl.concat(
        [
            pl.DataFrame(
                {"work_id": ids, "label": "classifier:surveillance", "spec": spec, "flag": True}
            )  # fmt: skip
            for spec, ids in (("round1", alt), ("cset_terms", shipped))
        ]
    )
    return ev, specs


@pytest.fixture
def inject(monkeypatch):
    def use(specs: pl.DataFrame) -> None:
        monkeypatch.setattr(label_specs, "load_specs", lambda: specs)

    return use


def test_alternative_label_that_flips_the_verdict_is_reported(inject):
    ev, specs = synthetic(flag_cn=60, flag_us=20)
    inject(specs)
    r = evaluate(parse_preset(tomllib.loads(PRESET), "synthetic.toml"), {"records": ev}).results[0]
    assert r.primary.verdict == SUPPORTED
    # the agreement count covers the label specifications: round1's rows disagree, so fewer
    # than 80 % of the specifications agree and the claim is not "supported" any more
    assert r.verdict == INCONCLUSIVE and "specifications" in r.reason
    by_spec = {e["spec"]: e for e in r.label_specs}
    assert list(by_spec) == ["round3", "round1", "cset_terms"]
    assert by_spec["round1"]["verdict"] == CONTRADICTED and by_spec["round1"]["flips"]
    assert by_spec["round1"]["diff"] == pytest.approx(-by_spec["round3"]["diff"], abs=1e-9)
    assert by_spec["cset_terms"]["same_as_shipped"] and not by_spec["cset_terms"]["flips"]
    assert "round1 gives contradicted" in r.reason
    assert any("round1 gives contradicted" in n for n in r.robustness.notes)
    # the grid: round1's rows count (and disagree), cset_terms' (= the shipped labels) do not
    grid = [s for s in r.robustness.specifications if s.get("label_spec")]
    assert grid and {s["label_spec"] for s in grid} == {"round1"}
    assert r.robustness.n_agree < r.robustness.n_specifications
    out = json.loads(json.dumps(r.as_dict(), allow_nan=False))
    assert [e["spec"] for e in out["label_specs"]] == ["round3", "round1", "cset_terms"]


def test_no_flip_is_stated_as_such(inject):
    ev, specs = synthetic(flag_cn=60, flag_us=20)
    inject(specs.filter(pl.col("spec") == "cset_terms"))
    r = evaluate(parse_preset(tomllib.loads(PRESET), "synthetic.toml"), {"records": ev}).results[0]
    assert [e["spec"] for e in r.label_specs] == ["round3", "cset_terms"]
    assert not any(e["flips"] for e in r.label_specs)
    assert "label specification" not in r.reason
    assert any("no label specification flips the verdict" in n for n in r.robustness.notes)


def test_other_sources_get_no_label_specs(inject):
    ev, specs = synthetic(flag_cn=60, flag_us=20)
    inject(specs)
    from dataclasses import replace

    r = evaluate(
        parse_preset(tomllib.loads(PRESET), "synthetic.toml"),
        {"records": replace(ev, source="tables")},
    ).results[0]
    assert r.label_specs == ()


def test_shipped_flags_file_is_well_formed():
    specs = label_specs.load_specs()
    assert set(specs["spec"].unique()) == {"round1", "round2", "round3_lenient", "cset_terms"}
    assert set(specs["label"].unique()) == set(label_specs.TASK_SPECS)
    # the lenient cut exists for surveillance only (face_recognition has one threshold rule)
    lenient = specs.filter(pl.col("spec") == "round3_lenient")
    assert set(lenient["label"].unique()) == {"classifier:surveillance"}
    assert specs.select("work_id", "label", "spec").is_unique().all()
    assert specs["work_id"].str.starts_with("pl:").all()


@pytest.fixture(scope="module")
def face_lead():
    p = load_preset(presets_dir() / "facial-recognition-lead.toml")
    return evaluate(p, embedded_evidence(p), offline=True)


def test_real_claims_one_entry_per_spec_shipped_equals_headline(face_lead):
    for r in face_lead.results:
        if r.primary is None:
            assert r.label_specs == ()
            continue
        specs = [e["spec"] for e in r.label_specs]
        want = ["round3", "round1", "round2", "cset_terms"]
        if r.claim.id == "cn-leads-surveillance":
            want = ["round3", "round1", "round2", "round3_lenient", "cset_terms"]
        assert specs == want
        head = r.label_specs[0]
        assert head["shipped"] and head["verdict"] == r.primary.verdict
        assert (head["diff"], head["lo"], head["hi"]) == (r.primary.diff, r.primary.lo,
                                                          r.primary.hi)  # fmt: skip
        # the alternatives really differ from the shipped labels (the round-2 face head is the
        # shipped one: unchanged since round 2, so flagged as the same)
        for e in r.label_specs[1:]:
            assert e["same_as_shipped"] == (e["spec"] == "round2"
                                            and r.claim.id == "cn-leads-face-recognition")  # fmt: skip


def test_shipped_cset_flags_match_todays_term_rule():
    """The stored ``cset_terms`` flags are what today's term lists give (a drift guard: an edited
    term list must come with a rebuilt file); checked on 600 CV-venue papers."""
    import copy

    from litscan.labels import inference
    from litscan.tables import datasets

    works = datasets.load_venue_papers(with_countries_only=True).works
    cv = works.filter(pl.col("venue_field") == "CV").sort("id").head(600)
    model = copy.copy(inference.load_model())
    model.meta_ = {k: v for k, v in model.meta_.items() if k != "tasks"}
    pred = inference.predict(cv.select("id", "title", "abstract"), model=model)
    stored = label_specs.load_specs().filter(pl.col("spec") == "cset_terms")
    for lab in ("surveillance", "face_recognition"):
        want = set(pred.filter(pl.col(lab) == 1)["id"].to_list())
        got = set(stored.filter(pl.col("label") == f"classifier:{lab}")["work_id"].to_list())
        assert want, lab  # the sample has flagged papers, so the comparison can fail
        assert got & set(cv["id"].to_list()) == want, lab
