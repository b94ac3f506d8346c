"""Replay tests: litscan's requests against the real recorded OpenAlex responses.

A requests transport adapter answers each request with the recorded interaction whose URI has the
same path and the same decoded query parameters (``api_key``/``mailto`` ignored: litscan sends the
key as a header). An unrecorded request fails the test, so these tests also prove that litscan
builds exactly the URLs the real API was asked, and stops paging where it should.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import yaml

from litscan.config import resolve_settings
from litscan.errors import OpenAlexHTTPError
from litscan.openalex.client import OpenAlexClient
from litscan.openalex.groupby import count, count_by
from litscan.openalex.paging import fetch

IGNORED = {"api_key", "mailto"}


def _params(uri: str) -> tuple[str, frozenset]:
    parts = urlsplit(uri)
    q = [(k.replace("-", "_"), v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return parts.path, frozenset((k, v) for k, v in q if k not in IGNORED)


def load_cassette(shared: Path, name: str) -> list[dict]:
    base = shared / "openalex-responses" / "openalexPro-vcr-cassettes"
    path = next(base.rglob(name))
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return yaml.safe_load(fh)["http_interactions"]


class ReplayAdapter(requests.adapters.BaseAdapter):
    """Serve recorded interactions; ``only`` restricts matching to those parameter names."""

    def __init__(self, interactions: list[dict], only: set[str] | None = None) -> None:
        super().__init__()
        self.table = []
        for it in interactions:
            path, params = _params(it["request"]["uri"])
            self.table.append((path, params, it["response"]))
        self.only = only
        self.seen: list[str] = []

    def _key(self, params: frozenset) -> frozenset:
        return params if self.only is None else frozenset(p for p in params if p[0] in self.only)

    def send(self, request, **kwargs):  # noqa: ANN001 - requests' adapter API
        self.seen.append(request.url)
        path, params = _params(request.url)
        for rpath, rparams, resp in self.table:
            if rpath == path and self._key(rparams) == self._key(params):
                out = requests.Response()
                status = resp["status"]
                out.status_code = status["status_code"] if isinstance(status, dict) else int(status)
                out.headers = requests.structures.CaseInsensitiveDict(
                    {k: str(v) for k, v in (resp.get("headers") or {}).items()
                     if k.lower() != "content-encoding"})
                out._content = resp["body"]["string"].encode("utf-8")
                out.url = request.url
                out.request = request
                return out
        raise AssertionError(f"no recorded interaction for {request.url}")

    def close(self) -> None:
        pass


@pytest.fixture
def replay(shared_data):
    """Make a client whose session replays the named cassette."""
    sessions = []

    def make(name: str, only: set[str] | None = None, api_key: str | None = "test-key"):
        adapter = ReplayAdapter(load_cassette(shared_data, name), only=only)
        session = requests.Session()
        session.mount("https://", adapter)
        sessions.append(session)
        settings = resolve_settings(
            "https://api.openalex.org", api_key=api_key, max_retries=0,
            max_requests_per_second=None, per_page=200,  # the cassettes were recorded with 200
        )
        return OpenAlexClient(settings, session=session), adapter

    yield make
    for s in sessions:
        s.close()


def test_first_cursor_page_matches_recorded_request(replay, tmp_path):
    client, adapter = replay("pro_request_search_biodiversity_AND_fiance.yml.gz")
    res = fetch(
        "title_and_abstract.search:biodiversity AND finance,to_publication_date:2010-01-01",
        select=None, max_works=200, client=client, cache_dir=tmp_path,
    )
    assert len(adapter.seen) == 1  # exactly the recorded first page, nothing else
    assert len(res.items) == 200 and len({w["id"] for w in res.items}) == 200
    m = res.manifest
    assert m["count"] == 422 and not m["complete"]
    assert m["next"]["cursor"].startswith("IlsyLjUyMzg5OTYs")  # the recorded next_cursor


def test_cursor_run_until_next_cursor_null(replay, tmp_path):
    client, adapter = replay("pro_snowball.yml.gz")
    res = fetch("openalex:W3045921891|W3046863325", select=None, client=client,
                cache_dir=tmp_path)
    # first page (2 works, next_cursor set), then the recorded empty page with next_cursor null
    assert len(adapter.seen) == 2
    assert "cursor=*" in adapter.seen[0] or "cursor=%2A" in adapter.seen[0]
    assert {w["id"].rsplit("/", 1)[-1] for w in res.items} == {"W3045921891", "W3046863325"}
    assert res.manifest["complete"] and res.manifest["next"] is None
    # a second call is served from the cache: no request at all
    again = fetch("openalex:W3045921891|W3046863325", select=None, client=client,
                  cache_dir=tmp_path)
    assert len(adapter.seen) == 2 and again.items == res.items


def test_group_by_with_cursor(replay, tmp_path):
    client, adapter = replay("pro_request_biodiversity_and_group_by_type.yml")
    df = count_by(
        "title_and_abstract.search:biodiversity,to_publication_date:2010-01-01", "type",
        include_unknown=False, client=client, cache_dir=tmp_path,
    )
    # the recorded page carries 17 groups, groups_count 17 and a non-null next_cursor:
    # litscan stops on groups_count instead of asking for an unrecorded page
    assert len(adapter.seen) == 1
    known = df.filter(df["key"] != "unknown")
    assert known.height == 17
    assert known.filter(known["key"] == "article")["count"].item() == 130804
    assert known["count"].is_sorted(descending=True)
    unknown = df.filter(df["key"] == "unknown")
    assert unknown.height == 1 and unknown["count"].item() is None  # not asked for: null


@pytest.mark.parametrize(
    ("cassette", "flt", "expected"),
    [
        ("pro_request_search_biodiversity_AND_fiance_count.yml",
         "title_and_abstract.search:biodiversity AND finance,to_publication_date:2010-01-01", 422),
        ("pro_request_list_count.yml",
         "title_and_abstract.search:biodiversity,to_publication_date:2010-01-01", 148174),
    ],
)
def test_count_probe(replay, cassette, flt, expected):
    client, adapter = replay(cassette)
    assert count(flt, client=client) == expected
    assert len(adapter.seen) == 1


def test_400_body_fails_fast_with_openalex_message(replay, tmp_path):
    client, adapter = replay("opt_filter_names.yml", only={"filter"})
    with pytest.raises(OpenAlexHTTPError) as err:
        fetch("DOESNTEXIST:1", client=client, cache_dir=tmp_path)
    assert len(adapter.seen) == 1  # no retry on 400
    msg = str(err.value)
    assert err.value.status == 400 and err.value.exit_code == 2
    assert "DOESNTEXIST is not a valid field" in msg and "hint:" in msg


def test_400_select_body(replay):
    client, _ = replay("opt_select_fields.yml", only={"select"})
    with pytest.raises(OpenAlexHTTPError, match="not a valid select field"):
        client.get_json("works/W1775749144?select=DOESNTEXIST")


def test_401_body_names_the_key_setting_without_leaking_it(replay):
    client, adapter = replay("pro_rate_limit_status_401.yml", api_key="sk-DISTINCTIVE-123")
    with pytest.raises(OpenAlexHTTPError) as err:
        client.rate_limit_status()
    assert err.value.status == 401 and len(adapter.seen) == 1
    msg = str(err.value)
    assert "API key not found" in msg and "OPENALEX_API_KEY" in msg
    assert "sk-DISTINCTIVE-123" not in msg and "sk-DISTINCTIVE-123" not in repr(client)


def test_rate_limit_headers_recorded(replay):
    client, _ = replay("pro_rate_limit_status_200.yml")
    body = client.rate_limit_status()
    assert body["rate_limit"]["daily_budget_usd"] == 200


def test_key_sent_as_documented_and_never_stored(replay, tmp_path):
    """OpenAlex's 2026 docs: ``api_key=`` on the request (we also send a Bearer header); the
    key is on the wire only: never in the cache, its manifest or the URLs litscan reports."""
    client, adapter = replay("pro_snowball.yml.gz", api_key="sk-DISTINCTIVE-123")
    captured = []
    orig = adapter.send

    def spy(request, **kw):
        captured.append((request.url, request.headers.get("Authorization")))
        return orig(request, **kw)

    adapter.send = spy
    res = fetch("openalex:W3045921891|W3046863325", client=client, cache_dir=tmp_path, select=None)
    assert captured
    assert all("api_key=sk-DISTINCTIVE-123" in u for u, _ in captured)
    assert all(h == "Bearer sk-DISTINCTIVE-123" for _, h in captured)
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert b"sk-DISTINCTIVE" not in f.read_bytes(), f
    assert "sk-DISTINCTIVE" not in json.dumps(res.manifest, default=str)
