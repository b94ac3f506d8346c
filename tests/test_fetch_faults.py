"""Fault scenarios against the local OpenAlex-like server serving the real 1,213 works.

After every scenario the fetched ids equal the server's ids exactly: none lost, none duplicated.
Backoffs are configured tiny (``backoff_base``) and the read timeout is 0.5 s, so the suite is fast.
"""

from __future__ import annotations

import logging
import math

import pytest
from fake_openalex import FakeOpenAlex, Fault

from litscan.config import resolve_settings
from litscan.errors import NetworkGaveUp, OpenAlexHTTPError, RateLimited
from litscan.openalex.client import OpenAlexClient
from litscan.openalex.groupby import count_by
from litscan.openalex.paging import fetch

KEY = "sk-litscan-TEST-7f3a9c"
LEAN = ["id", "publication_year", "type"]  # small pages keep the suite fast


def short_ids(records):
    ids = [r["id"].rsplit("/", 1)[-1] for r in records]
    assert len(ids) == len(set(ids)), "a work was returned twice"
    return set(ids)


def client_for(server, **kw):
    opts = dict(api_key=KEY, timeout=0.5, backoff_base=0.01, backoff_max=0.05,
                max_requests_per_second=None, max_retries=4)
    opts.update(kw)
    return OpenAlexClient(resolve_settings(server.url, **opts))


SCENARIOS = {
    "429 with Retry-After": [Fault("429", at=2, retry_after="0.05"), Fault("429", at=5, times=2,
                                                                          retry_after="0")],
    "429 without Retry-After": [Fault("429", at=3, times=3)],
    "503": [Fault("503", at=1), Fault("503", at=4, times=2)],
    "500 with Retry-After": [Fault("500", at=3, retry_after="0")],
    "timeout": [Fault("timeout", at=2, seconds=1.0), Fault("timeout", at=6, seconds=1.0)],
    "truncated body": [Fault("truncated", at=2), Fault("truncated", at=7)],
    "truncated JSON": [Fault("truncated_json", at=3)],
    "connection reset": [Fault("reset", at=2), Fault("reset", at=4, times=2)],
    "everything": [Fault("429", at=2), Fault("503", at=4), Fault("timeout", at=6, seconds=1.0),
                   Fault("truncated", at=8), Fault("reset", at=10), Fault("truncated_json", at=12)],
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_fault_scenario_fetches_exactly_the_server_ids(name, raw_works, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    flt = "publication_year:2000-2025"
    with FakeOpenAlex(raw_works, faults=SCENARIOS[name], require_key=KEY) as server:
        with client_for(server) as client:
            res = fetch(flt, client=client, cache_dir=tmp_path, per_page=50, select=LEAN)
            assert client.retries >= len(SCENARIOS[name])
        expected = server.ids(flt)
    assert len(expected) > 500
    assert short_ids(res.items) == expected
    assert res.manifest["complete"] and res.manifest["items"] == len(expected)
    assert KEY not in caplog.text
    assert any("retry" in r.getMessage() for r in caplog.records)


def test_whole_corpus_with_small_pages(raw_works, tmp_path):
    with FakeOpenAlex(raw_works, faults=[Fault("503", at=7), Fault("reset", at=20)]) as server:
        with client_for(server) as client:
            res = fetch(None, client=client, cache_dir=tmp_path, per_page=25)
        assert short_ids(res.items) == server.ids(None)
    assert len(res.items) == 1213
    # 49 full/partial pages and the final empty page
    assert res.manifest["pages"] == 49


def test_retry_after_is_honoured(raw_works, tmp_path):
    slept = []
    with FakeOpenAlex(raw_works, faults=[Fault("429", at=1, retry_after="7")]) as server:
        settings = resolve_settings(server.url, max_requests_per_second=None, backoff_base=0.01)
        with OpenAlexClient(settings, sleep=slept.append) as client:
            fetch("publication_year:2020", client=client, cache_dir=tmp_path)
    assert slept == [7.0]


def test_retry_after_too_long_stops(raw_works, tmp_path):
    with FakeOpenAlex(raw_works, faults=[Fault("429", at=1, retry_after="86400")]) as server:
        with client_for(server) as client, pytest.raises(RateLimited, match="Retry-After"):
            fetch("publication_year:2020", client=client, cache_dir=tmp_path)
        assert len(server.requests) == 1


def test_daily_budget_spent_stops_at_once_and_resumes(raw_works, tmp_path):
    flt = "publication_year:2000-2025"
    with FakeOpenAlex(raw_works, daily_budget=3, require_key=KEY) as server:
        with client_for(server) as client:
            with pytest.raises(RateLimited) as err:
                fetch(flt, client=client, cache_dir=tmp_path, per_page=50)
        msg = str(err.value)
        assert "daily budget" in msg and "X-RateLimit-Remaining: 0" in msg
        assert "Saved so far: 150 works in 3 pages" in msg and "resume" in msg
        assert KEY not in msg
        assert len(server.requests) == 4  # 3 pages + the one 429, no hammering
        server.budget_left = 10_000  # the budget resets
        with client_for(server) as client:
            res = fetch(flt, client=client, cache_dir=tmp_path, per_page=50)
            pages = math.ceil(len(server.ids(flt)) / 50) + 1  # + the final empty page
            assert res.requests_made == pages - 3  # resumed at page 4
        assert short_ids(res.items) == server.ids(flt)


def test_network_gives_up_after_retries_then_resumes(raw_works, tmp_path):
    flt = "publication_year:2000-2025"
    with FakeOpenAlex(raw_works, faults=[Fault("503", at=3, times=50)]) as server:
        with client_for(server, max_retries=2) as client, pytest.raises(NetworkGaveUp) as err:
            fetch(flt, client=client, cache_dir=tmp_path, per_page=50)
        assert "3 attempts" in str(err.value) and "100 works in 2 pages" in str(err.value)
        assert err.value.exit_code == 1
        server.faults.clear()
        with client_for(server) as client:
            res = fetch(flt, client=client, cache_dir=tmp_path, per_page=50)
        assert short_ids(res.items) == server.ids(flt)


@pytest.mark.parametrize(("kind", "status"), [("400", 400), ("401", 401), ("403", 403)])
def test_client_errors_fail_fast(raw_works, tmp_path, kind, status):
    with FakeOpenAlex(raw_works, faults=[Fault(kind, at=1, times=10)]) as server:
        with client_for(server) as client, pytest.raises(OpenAlexHTTPError) as err:
            fetch("publication_year:2020", client=client, cache_dir=tmp_path)
        assert len(server.requests) == 1
    assert err.value.status == status and "hint:" in str(err.value)


def test_missing_key_gives_401_with_hint(raw_works, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENALEX_API_KEY", raising=False)
    with FakeOpenAlex(raw_works, require_key=KEY) as server:
        with client_for(server, api_key=None) as client, pytest.raises(OpenAlexHTTPError) as err:
            fetch("publication_year:2020", client=client, cache_dir=tmp_path)
    assert "API key not found" in str(err.value) and "OPENALEX_API_KEY" in str(err.value)


def test_unknown_filter_from_server_is_a_usage_error(raw_works, tmp_path):
    with FakeOpenAlex(raw_works) as server:
        with client_for(server) as client, pytest.raises(OpenAlexHTTPError) as err:
            fetch("nonsense_field:1", client=client, cache_dir=tmp_path)
    assert err.value.exit_code == 2 and "nonsense_field is not a valid field" in str(err.value)


def test_max_works_and_select(raw_works, tmp_path):
    with FakeOpenAlex(raw_works) as server:
        with client_for(server) as client:
            res = fetch(None, client=client, cache_dir=tmp_path, per_page=40, max_works=95,
                        select=["id", "publication_year"])
            assert len(res.items) == 95 and all(set(r) <= {"id", "publication_year"}
                                                 for r in res.items)
            assert [r["params"]["per_page"] for r in server.requests] == ["40", "40", "15"]
            # asking for more later continues the same cursor run
            more = fetch(None, client=client, cache_dir=tmp_path, per_page=40, max_works=130,
                         select=["id", "publication_year"])
        assert len(more.items) == 130 and more.items[:95] == res.items
        assert short_ids(more.items) <= server.ids(None)


def test_sample_with_seed_is_reproducible(raw_works, tmp_path):
    with FakeOpenAlex(raw_works) as server:
        with client_for(server) as client:
            a = fetch(None, sample=120, seed=7, client=client, cache_dir=tmp_path / "a",
                      per_page=50)
            b = fetch(None, sample=120, seed=7, client=client, cache_dir=tmp_path / "b",
                      per_page=50)
            c = fetch(None, sample=120, seed=8, client=client, cache_dir=tmp_path / "c",
                      per_page=50)
        assert all("cursor" not in r["params"] for r in server.requests)
    assert len(a.items) == 120 and short_ids(a.items) == short_ids(b.items)
    assert short_ids(a.items) != short_ids(c.items)


def test_count_by_follows_cursor_past_200_groups(raw_works, tmp_path):
    with FakeOpenAlex(raw_works, faults=[Fault("503", at=2)]) as server:
        with client_for(server) as client:
            df = count_by(None, "authorships.author.id", client=client, cache_dir=tmp_path)
        truth = server.groups(None, "authorships.author.id", include_unknown=True)
    assert len(truth) > 1000
    assert df.height == len(truth)
    assert dict(zip(df["key"], df["count"], strict=True)) == {
        g["key"].rsplit("/", 1)[-1]: g["count"] for g in truth}


def test_count_by_reports_unknown(raw_works, tmp_path):
    with FakeOpenAlex(raw_works) as server:
        with client_for(server) as client:
            df = count_by(None, "authorships.countries", client=client, cache_dir=tmp_path,
                          per_page=10)
            years = count_by(None, "publication_year", client=client, cache_dir=tmp_path)
            clean = count_by("authorships.countries:US", "authorships.countries", client=client,
                             cache_dir=tmp_path)
    no_country = sum(1 for w in raw_works
                     if not any(a.get("countries") for a in w.get("authorships") or []))
    assert df.filter(df["key"] == "unknown")["count"].item() == no_country
    assert df.filter(df["key"] == "US")["count"].item() == 396  # SOURCES.md: US works 396
    assert years["count"].sum() == 1213  # single-valued key: groups + unknown = all works
    assert clean.filter(clean["key"] == "unknown")["count"].item() == 0  # explicit zero row
