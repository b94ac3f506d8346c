"""Live filters in OpenAlex's documented grammar: constraints on one key merged when planning
(single-valued attributes intersected, multi-valued ones kept as separate filters), and no
rendered filter value of any shipped preset mixes ``|`` (OR) and ``+`` (AND)."""

from __future__ import annotations

import tomllib
from urllib.parse import unquote, urlsplit

import pytest

from litscan.claims import plan
from litscan.claims.livefilters import EmptyFilter, combine_filters
from litscan.claims.presets import list_presets, load_preset, parse_preset
from litscan.openalex.query import build_query, render_query


def _filter_values(q: plan.Query) -> list[str]:
    if q.kind == "group_by":
        url = render_query(build_query(q.filter, group_by="authorships.countries"))
    else:
        url = render_query(build_query(q.filter, sample=q.sample, seed=q.seed))
    query = urlsplit("https://x/" + url).query
    flt = next(p for p in query.split("&") if p.startswith("filter="))[len("filter=") :]
    return [unquote(part.partition(":")[2]) for part in flt.split(",")]


def _queries(p):
    lf = plan.live_formulation(p)
    years = range(p.population.years[0], p.population.years[1] + 1)
    counts = {y: 50_000 for y in years}  # large counts: the plan samples per year
    return lf, plan.population_queries(lf) + plan.works_queries(lf, None) + plan.works_queries(
        lf, counts
    )


@pytest.mark.parametrize("path", list_presets(), ids=lambda p: p.stem)
def test_no_shipped_live_filter_mixes_or_and_and(path):
    lf, queries = _queries(load_preset(path))
    assert queries
    for q in queries:
        for value in _filter_values(q):
            assert not ("|" in value and "+" in value), (path.stem, q.filter)


def test_population_or_and_label_on_one_key_are_intersected():
    lf, queries = _queries(
        load_preset(next(p for p in list_presets() if p.stem == "surveillance-vs-deep-learning"))
    )
    vision = [q for q in queries if q.key == "[vision]"]
    assert vision and all("primary_topic.subfield.id:1707," in q.filter for q in vision)
    assert all("1702" not in q.filter for q in vision)


def test_combine_filters_rules():
    s = "primary_topic.subfield.id"
    assert combine_filters(f"{s}:1702|1707", f"{s}:1707") == f"{s}:1707"
    assert combine_filters(f"{s}:1702|1707,type:article", f"{s}:1707|1702") == (
        f"{s}:1702|1707,type:article"
    )
    with pytest.raises(EmptyFilter, match="no value in common"):
        combine_filters(f"{s}:1702|1707", f"{s}:1703")
    # multi-valued: a contained set is implied; otherwise separate filters
    assert combine_filters("concepts.id:C1|C2", "concepts.id:C1") == "concepts.id:C1"
    assert combine_filters("concepts.id:C1|C2", "concepts.id:C3") == (
        "concepts.id:C1|C2,concepts.id:C3"
    )
    assert combine_filters("is_oa:true", "is_oa:true") == "is_oa:true"


def test_multi_valued_or_and_and_render_as_repeated_filters():
    url = render_query(build_query("concepts.id:C1|C2,concepts.id:C3,publication_year:2020"))
    flt = unquote(url.split("filter=", 1)[1].split("&")[0])
    assert flt == "concepts.id:C1|C2,concepts.id:C3,publication_year:2020"
    single = render_query(build_query("concepts.id:C1,concepts.id:C3"))
    assert "concepts.id:C1+C3" in single  # unchanged: plain AND of two values is documented


EMPTY = """
schema_version = 1
claim = "x"
source = "live"
countries = ["CN", "US"]
[population]
years = [2020, 2021]
[labels]
ai = "subfield:1702"
[[claims]]
id = "cn-ai"
text = "CN share of AI > US share of AI"
a = { country = "CN", label = "ai" }
op = ">"
b = { country = "US", label = "ai" }
[live]
population = ["subfield:1707"]
"""


def test_empty_intersection_is_a_claim_not_testable_live():
    lf = plan.live_formulation(parse_preset(tomllib.loads(EMPTY)))
    r = lf.routes["cn-ai"]
    assert (
        r.unavailable and "no value in common" in r.unavailable and "1707 AND 1702" in r.unavailable
    )
    assert not plan.population_queries(lf)
