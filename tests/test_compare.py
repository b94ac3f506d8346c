"""litscan.compare (one call for an ad-hoc claim), Preset.to_toml round trips and run_preset
overrides, on the embedded top-venue papers."""

from __future__ import annotations

import tomllib
from dataclasses import replace

import pytest

import litscan
from litscan.claims.adhoc import compare_preset
from litscan.claims.presets import list_presets, load_preset, parse_preset
from litscan.errors import LitscanError, PresetError, UsageError

ROBOTICS = """
schema_version = 1
claim = "KR share of robotics papers > JP share"
countries = ["KR", "JP"]
resamples = 200
[population]
years = [2018, 2025]
[labels]
robotics = "venue_field:RO"
[[claims]]
id = "kr-over-jp-robotics"
text = "KR share of robotics-venue papers > JP share"
a = { country = "KR", label = "robotics" }
op = ">"
b = { country = "JP", label = "robotics" }
"""

BEFORE_AFTER = """
schema_version = 1
claim = "CN share at NLP venues rose"
countries = ["CN"]
resamples = 200
[population]
years = [2020, 2024]
venues = ["ACL", "NAACL", "COLING"]
[[claims]]
id = "cn-nlp-rose"
text = "CN share 2023-2024 > 2020-2021"
a = { country = "CN", years = [2023, 2024], venues = ["ACL", "NAACL", "COLING"] }
op = ">"
b = { country = "CN", years = [2020, 2021], venues = ["ACL", "NAACL", "COLING"] }
"""


def _numbers(res):
    r = res.results[0]
    e = r.primary
    return r.verdict, r.flags, (e.diff, e.lo, e.hi, e.n_total_a, e.n_total_b)


def test_compare_two_countries_equals_the_hand_written_preset():
    res = litscan.compare(a="KR", b="JP", label="venue_field:RO", years=(2018, 2025),
                          resamples=200)
    hand = litscan.run_preset(parse_preset(tomllib.loads(ROBOTICS)))
    assert _numbers(res) == _numbers(hand)
    assert res.results[0].robustness.as_dict() == hand.results[0].robustness.as_dict()
    c = res.preset.claims[0]
    assert c.id == "kr-vs-jp-ro"
    assert c.text.startswith("KR share of works labelled ro > JP share")
    assert res.preset.claim == c.text and res.source == "embedded"


def test_compare_before_after_equals_the_hand_written_preset():
    res = litscan.compare(a="CN", before=(2020, 2021), after=(2023, 2024),
                          venues=["ACL", "NAACL", "COLING"], resamples=200)
    hand = litscan.run_preset(parse_preset(tomllib.loads(BEFORE_AFTER)))
    assert _numbers(res) == _numbers(hand)
    assert res.verdicts() == {"cn-2023-2024-vs-2020-2021": hand.verdicts()["cn-nlp-rose"]}
    # the narrowing of the issue: only NAACL has works in both periods
    assert res.results[0].flags == ("narrow",)
    assert "rests on NAACL only" in res.results[0].reason


def test_compare_highly_cited_form_builds_top_sides():
    p = compare_preset("CN", "US", label="classifier:surveillance", years=(2013, 2019), top=0.05)
    c = p.claims[0]
    assert c.a.top and c.b.top and p.highly_cited.top == 0.05
    assert c.id == "cn-vs-us-surveillance-top" and "top-5 %" in c.text


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(a="CN", b="US"), "years"),
        (dict(a="CN", b="US", years=(2019, 2013)), "did you mean"),
        (dict(a="CN", before=(2020, 2021)), "both periods"),
        (dict(a="UK", b="US", years=2019), "did you mean 'GB'"),
        (dict(a="CN", b="US", years=2019, label="classifier:robotics"), "'classifier:ro'"),
        (dict(a="CN", years=2019), "same share"),
        (dict(a="CN", b="US", years=2019, op=">="), "op"),
    ],
)
def test_compare_bad_arguments_are_one_line_errors(kwargs, match):
    with pytest.raises((UsageError, PresetError), match=match) as exc:
        compare_preset(**kwargs)
    assert isinstance(exc.value, LitscanError) and "\n" not in str(exc.value)


def test_compare_unknown_venue_suggests_the_real_one():
    with pytest.raises(PresetError, match="did you mean 'IROS'"):
        litscan.compare(a="CN", b="US", years=(2020, 2023), venues=["ICRA", "IROSS"])


@pytest.mark.parametrize("path", list_presets(), ids=lambda p: p.stem)
def test_every_shipped_preset_round_trips_through_to_toml(path):
    p = load_preset(path)
    again = parse_preset(tomllib.loads(p.to_toml()), p.path)
    assert again == replace(p, sha256="")


def test_round_trip_of_a_generated_preset():
    p = compare_preset("CN", 0.5, years=(2020, 2022), venues=["WACV"], per_year=True)
    assert parse_preset(tomllib.loads(p.to_toml()), p.path) == p
    q = parse_preset(tomllib.loads(ROBOTICS))
    assert parse_preset(tomllib.loads(q.to_toml())) == q


def test_public_names():
    assert litscan.presets.parse_preset is parse_preset
    assert litscan.parse_preset is parse_preset and callable(litscan.compare)


def test_run_preset_overrides_regenerate_ids_and_texts():
    res = litscan.run_preset("export-controls", offline=True, resamples=20,
                             countries={"CN": "KR"}, venues=["WACV", "IJCAI"])
    ids = list(res.verdicts())
    assert "kr-share-fell-wacv-ijcai" in ids[1] and ids[0].startswith("kr-share-fell-wacv")
    first = res.preset.claims[0]
    assert first.a.country == "KR" and "KR share" in first.text and "WACV" in first.text
    assert res.preset.population.venues == ("WACV", "IJCAI")
    assert res.preset.claims[3].evidence == "counts" and res.preset.claims[3].a.country == "KR"
    with pytest.raises(UsageError, match="compare 2 countries"):
        litscan.run_preset("export-controls", offline=True, countries=["KR"])
    p = litscan.run_preset("surveillance-vs-deep-learning", offline=True, resamples=20,
                           years=(2014, 2018)).preset
    assert p.population.years == (2014, 2018)
    assert p.claims[0].id == "cn-surveillance-top-2014-2018" and "2014–2018" in p.claims[0].text


def test_claim_instead_of_claims_suggests_claims(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text(ROBOTICS.replace("[[claims]]", "[[claim]]"))
    with pytest.raises(PresetError, match=r"did you mean \[\[claims\]\]\?"):
        load_preset(path)
    doc = tomllib.loads(ROBOTICS.replace("[[claims]]", "[[claim]]").replace(
        'claim = "KR share of robotics papers > JP share"\n', ""))
    with pytest.raises(PresetError, match=r"did you mean \[\[claims\]\]\?"):
        parse_preset(doc)


@pytest.mark.parametrize("spec, hint", [("classifier:robotics", "'classifier:ro'"),
                                        ("classifier:Vision", "'classifier:cv'"),
                                        ("classifier:NLP", "'classifier:nlp'"),
                                        ("venue_field:robotics", "'venue_field:RO'"),
                                        ("venue_field:ro", "'venue_field:RO'")])
def test_near_miss_labels_are_suggested(spec, hint):
    from litscan.claims.preset_values import parse_label

    with pytest.raises(PresetError, match=f"did you mean {hint}"):
        parse_label(spec, "labels.x")


def test_run_result_is_friendly():
    res = litscan.run_preset("surveillance-vs-deep-learning", offline=True, resamples=50)
    text = repr(res)
    assert len(text) < 1000 and "surveillance-vs-deep-learning" in text
    assert all(f"{c.id}: {v}" in text for c, v in zip(res.preset.claims,
                                                       res.verdicts().values(), strict=True))
    figs = res.figures()
    assert isinstance(figs, dict) and figs and all(f is not None for f in figs.values())
    assert set(figs) <= set(res.captions())
    frac, pp = res.to_frame(), res.to_frame(unit="pp")
    assert "diff_pp" in pp.columns and "diff" not in pp.columns
    d, p = frac.get_column("diff").to_list(), pp.get_column("diff_pp").to_list()
    assert all((x is None and y is None) or abs(x * 100 - y) < 1e-9 for x, y in zip(d, p,
                                                                                  strict=True))
    with pytest.raises(UsageError, match="unit"):
        res.to_frame(unit="percent")


def test_compare_on_a_tables_folder_and_its_live_formulation(tmp_path):
    from litscan.claims import plan
    from litscan.tables import datasets

    t = datasets.load_works_fixture()  # 1,213 real OpenAlex works
    folder = litscan.write_tables({"works": t.works, "authorships": t.authorships,
                                   "work_countries": t.work_countries,
                                   "work_topics": t.work_topics}, tmp_path / "t")
    res = litscan.compare(a="CN", b="US", years=(2015, 2025), tables=folder, resamples=50,
                          min_works=5)
    assert res.source == "tables" and res.preset.source == "tables"
    assert res.results[0].coverage["works"]["a"] > 0
    live = compare_preset("CN", "US", label="subfield:1702", years=(2020, 2021), source="live")
    route = plan.live_formulation(live).routes[live.claims[0].id]
    assert route.population and not route.unavailable
