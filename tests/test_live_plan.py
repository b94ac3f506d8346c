"""Live query planning (litscan.claims.plan, litscan.claims.live, run --plan) against the local OpenAlex-like
server serving the 1,213 real fixture works.

Expected numbers are recomputed here from the raw served records, by hand-written code that does
not use litscan's planner, normaliser or aggregation."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from fake_openalex import FakeOpenAlex

from litscan.claims import plan
from litscan.claims.presets import list_presets, load_preset, parse_preset
from litscan.cli import main
from litscan.config import resolve_settings
from litscan.errors import LitscanError
from litscan.workflows.run import plan_preset, run_preset

ROOT = Path(__file__).resolve().parent.parent

FLAG_PRESET = """
schema_version = 1
title = "flags"
claim = "US papers are over-represented among highly cited works"
source = "live"
countries = ["US", "GB", "CN"]
resamples = 100
seed = 2
min_works = 3
figures = ["comparison"]
[population]
years = [2000, 2025]
[labels]
ai = "subfield:1702"
vision = "classifier:cv"
[counting]
primary = "whole"
report = "both"
[highly_cited]
top = 0.10
[[claims]]
id = "us-top"
text = "US share of top-10 % works > US share of all works"
a = { country = "US", top = true }
op = ">"
b = { country = "US" }
[[claims]]
id = "us-ai-over-gb"
text = "US share of AI-subfield works > GB share"
a = { country = "US", label = "ai" }
op = ">"
b = { country = "GB", label = "ai" }
[[claims]]
id = "us-vision-over-gb"
text = "US share of works litscan calls vision > GB share"
a = { country = "US", label = "vision" }
op = ">"
b = { country = "GB", label = "vision" }
"""


def _countries(w: dict) -> set[str]:
    return {c for a in w.get("authorships") or [] for c in a.get("countries") or []}


def _top10(w: dict) -> bool:
    return bool((w.get("citation_normalized_percentile") or {}).get("is_in_top_10_percent"))


def _in_years(w: dict, y0: int, y1: int) -> bool:
    y = w.get("publication_year")
    return isinstance(y, int) and y0 <= y <= y1


def _whole_share(works: list[dict], country: str) -> tuple[int, int]:
    """(works with an author in ``country``, works with any known country)."""
    known = [w for w in works if _countries(w)]
    return sum(country in _countries(w) for w in known), len(known)


# ------------------------------------------------------------------------------------------
# pure planning
# ------------------------------------------------------------------------------------------


def test_every_shipped_preset_has_a_live_formulation():
    for path in list_presets(ROOT / "queries"):
        lf = plan.live_formulation(load_preset(path))
        ok = [cid for cid, r in lf.routes.items() if not r.unavailable]
        assert ok, (path.name, lf.routes)
        # every population query is a country group_by on an OpenAlex filter
        for q in plan.population_queries(lf):
            assert q.group_by == "authorships.countries" and "publication_year:" in q.filter


def test_highly_cited_sides_use_percentile_flags_and_unverified_venues_are_reported():
    lf = plan.live_formulation(load_preset(ROOT / "queries" / "surveillance-vs-deep-learning.toml"))
    top_keys = [k for (cid, _), k in lf.side_keys.items() if cid == "cn-surveillance-top"]
    assert len(top_keys) == 2
    for k in top_keys:
        assert plan.PERCENTILE_FLAGS[0.10] in lf.side_filters[k]
    assert "primary_topic.id:T10057|T11448|T10331|T10812" in lf.side_filters[top_keys[0]]
    ex = plan.live_formulation(load_preset(ROOT / "queries" / "export-controls.toml"))
    why = ex.routes["cn-share-fell-wacv-ijcai"].unavailable
    assert "WACV" in why and "source ids" in why
    assert not ex.routes["cn-share-fell"].unavailable


def test_a_threshold_openalex_does_not_flag_needs_works():
    text = FLAG_PRESET.replace("top = 0.10", "top = 0.05")
    import tomllib

    p = parse_preset(tomllib.loads(text), "x.toml")
    r = plan.live_formulation(p).routes["us-top"]
    assert not r.population and r.sample and "5 %" in r.why_sample


def test_allocate_sample_is_proportional_and_exact():
    counts = {2019: 500, 2020: 300, 2021: 200}
    got = plan.allocate_sample(counts, 101)
    assert sum(got.values()) == 101
    assert got == {2019: 51, 2020: 30, 2021: 20}  # 50.5 -> 51 by largest remainder
    assert plan.allocate_sample({2020: 5, 2021: 0}, 100) == {2020: 5, 2021: 0}


def test_works_are_fetched_in_full_up_to_the_sample_size_else_sampled_by_year():
    import tomllib

    text = FLAG_PRESET + "\n[live]\nsample = 100\nseed = 7\n"
    lf = plan.live_formulation(parse_preset(tomllib.loads(text), "x.toml"))
    full = plan.works_queries(lf, {2000: 60, 2001: 40})
    assert [q.kind for q in full] == ["works"] and "publication_year:2000-2025" in full[0].filter
    sampled = plan.works_queries(lf, {2000: 600, 2001: 400})
    assert [(q.year, q.sample, q.seed) for q in sampled] == [(2000, 60, 7), (2001, 40, 7)]
    assert all(f"publication_year:{q.year}" in q.filter for q in sampled)


def test_live_specs_are_validated():
    import tomllib

    from litscan.errors import PresetError

    bad = FLAG_PRESET + '\n[live]\npopulation = ["subfield:1702", "topic:T10057"]\n'
    with pytest.raises(PresetError, match="one kind"):
        parse_preset(tomllib.loads(bad), "x.toml")
    bad = FLAG_PRESET + '\n[live.labels]\nai = "source:X12"\n'
    with pytest.raises(PresetError, match="malformed source id"):
        parse_preset(tomllib.loads(bad), "x.toml")


# ------------------------------------------------------------------------------------------
# against the local server
# ------------------------------------------------------------------------------------------


def test_run_plan_makes_no_page_requests(tmp_path, raw_works, capsys):
    preset = ROOT / "queries" / "surveillance-vs-deep-learning.toml"
    with FakeOpenAlex(raw_works) as server:
        code = main(["run", str(preset), "--plan", "--base-url", server.url,
                     "--cache-dir", str(tmp_path / "cache")])
        log = list(server.requests)
    assert code == 0
    out = capsys.readouterr().out
    # only per_page=1 probes: no page of works or groups is fetched
    assert log and all(r["params"].get("per_page") == "1" for r in log)
    assert not any("cursor" in r["params"] for r in log)
    probes = re.search(r"this plan made (\d+) count probes", out)
    assert probes and int(probes.group(1)) == len(log)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())
    # the plan lists the group_by queries with the percentile flag, and a total cost
    assert "is_in_top_10_percent:true" in out and "group_by=authorships.countries" in out
    m = re.search(r"(\d+) queries, (\d+) requests, estimated \$(\d+\.\d+)", out)
    assert m and int(m.group(2)) >= int(m.group(1)) > 0
    assert float(m.group(3)) == pytest.approx(int(m.group(2)) * plan.PRICE_PER_LIST_REQUEST_USD)


@pytest.mark.slow
def test_live_run_highly_cited_from_percentile_flag_queries(tmp_path, raw_works):
    preset = tmp_path / "flags.toml"
    preset.write_text(FLAG_PRESET, encoding="utf-8")
    out = tmp_path / "out"
    with FakeOpenAlex(raw_works) as server:
        code = main(["run", str(preset), "--out", str(out), "--base-url", server.url,
                     "--cache-dir", str(tmp_path / "cache"), "--quiet"])
        log = list(server.requests)
    assert code == 0
    flag_queries = [r for r in log if "is_in_top_10_percent:true" in r["params"].get("filter", "")]
    assert flag_queries and all(
        r["params"].get("group_by") == "authorships.countries:include_unknown" for r in flag_queries
    )
    got = {c["id"]: c for c in json.loads((out / "verdicts.json").read_text())["claims"]}
    served = [w for w in raw_works if _in_years(w, 2000, 2025)]
    us_top, n_top = _whole_share([w for w in served if _top10(w)], "US")
    us_all, n_all = _whole_share(served, "US")
    p = got["us-top"]["primary"]
    assert p["counting"] == "whole" and p["basis"].startswith("full population")
    assert (p["n_a"], p["n_total_a"], p["n_b"], p["n_total_b"]) == (us_top, n_top, us_all, n_all)
    assert p["share_a"] == pytest.approx(us_top / n_top)
    # the sensitivity row with fractional counting comes from the works, and says so
    frac = [e for e in got["us-top"]["sensitivity"] if e["counting"] == "fractional"]
    assert frac and all("works" in e["basis"] for e in frac)
    page = (out / "report.html").read_text()
    assert "citation_normalized_percentile" in page and "full population" in page
    assert "is_in_top_10_percent" in page  # the query URLs are in the provenance section

    # provenance: data version, query URLs, model and data-file hashes
    m = json.loads((out / "manifest.json").read_text())
    ev = m["evidence"]
    assert set(ev) == {"counts", "records"}
    for e in ev.values():
        assert e["data_version"]["fetched_at"]
        assert e["queries"] and all("api_key" not in q["url"] for q in e["queries"])
        assert re.fullmatch(r"[0-9a-f]{64}", e["model_sha256"]["topics.npz"])
        assert re.fullmatch(r"[0-9a-f]{64}", e["data_files_sha256"]["taxonomy_topics.parquet"])
        assert re.fullmatch(r"[0-9a-f]{64}", e["data_files_sha256"]["surveillance_terms.tsv"])
        assert "2024-09" in e["taxonomy"]
    newest = max(str(w["updated_date"]) for w in served if w.get("updated_date"))
    assert ev["records"]["data_version"]["max_updated_date"] == newest
    assert m["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}", m["git_commit"])
    assert m["packages"]["polars"]


@pytest.mark.slow
def test_surveillance_preset_answers_live_on_the_fixture_works(tmp_path, raw_works):
    p = load_preset(ROOT / "queries" / "surveillance-vs-deep-learning.toml")
    # the fixture has ~100 AI works: the structure is what is tested, not the numbers
    p = replace(p, min_works=1, resamples=50)
    with FakeOpenAlex(raw_works) as server:
        settings = resolve_settings(server.url, cache_dir=tmp_path / "cache")
        planned = plan_preset(p, settings=settings)
        before = len(server.requests)
        res = run_preset(p, source="live", settings=settings)
        made = len(server.requests) - before
    # the plan printed every request the run then made
    assert made == planned.requests > 0
    assert planned.cost_usd == pytest.approx(made * plan.PRICE_PER_LIST_REQUEST_USD)
    verdicts = res.verdicts()
    assert set(verdicts) == {c.id for c in p.claims}
    assert any(v != "not testable on this data" for v in verdicts.values()), res.results
    for r in res.results:
        assert "top-venue papers" not in r.reason and "no live formulation" not in r.reason
        if r.primary is not None:
            assert r.primary.basis
    assert any("live formulation" in n for n in res.evaluation.notes)
    # the same run from the cache only: no server, same numbers
    again = run_preset(p, source="cache", settings=settings)
    assert again.verdicts() == verdicts
    assert [r.primary and r.primary.diff for r in again.results] == [
        r.primary and r.primary.diff for r in res.results
    ]
    other = replace(p, claims=p.claims[:1], live=replace(p.live, seed=p.live.seed + 1,
                                                           sample=5))
    with pytest.raises(LitscanError, match="not in the cache"):
        run_preset(other, source="cache", settings=settings)
