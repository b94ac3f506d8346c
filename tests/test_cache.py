"""The page cache: atomic writes, manifest as source of truth, locking, no secrets."""

from __future__ import annotations

import json

import pytest
from fake_openalex import FakeOpenAlex

from litscan.config import resolve_settings
from litscan.errors import InputDataError, UsageError
from litscan.openalex.cache import QueryCache, atomic_write_bytes
from litscan.openalex.client import OpenAlexClient
from litscan.openalex.paging import fetch

KEY = "sk-litscan-CACHE-91ab"


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "x" / "f.bin"
    atomic_write_bytes(target, b"old")
    atomic_write_bytes(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert [p.name for p in target.parent.iterdir()] == ["f.bin"]


def test_pages_beyond_manifest_are_ignored_and_overwritten(raw_works, tmp_path):
    """A kill between 'page written' and 'manifest written' must not double-count the page."""
    with FakeOpenAlex(raw_works) as server:
        settings = resolve_settings(server.url, api_key=KEY, max_requests_per_second=None)
        with OpenAlexClient(settings) as client:
            first = fetch("publication_year:2020", client=client, cache_dir=tmp_path,
                          per_page=30, max_works=30)
            cache_dir = first.cache_dir
            manifest = json.loads((cache_dir / "manifest.json").read_text())
            # simulate the crash window: an orphan page 2 on disk, manifest still says 1 page
            cache = QueryCache(tmp_path, manifest["url"])
            cache.write_page(2, {"meta": {}, "results": first.items, "request": {}})
            (cache_dir / "pages" / ".000003.json.gz.999.tmp").write_bytes(b"partial")
            full = fetch("publication_year:2020", client=client, cache_dir=tmp_path, per_page=30)
        ids = [r["id"] for r in full.items]
        assert len(ids) == len(set(ids)) == len(server.ids("publication_year:2020")) == 80
    assert not list(cache_dir.rglob("*.tmp"))


def test_manifest_fields_and_no_key(raw_works, tmp_path):
    with FakeOpenAlex(raw_works) as server:
        settings = resolve_settings(server.url, api_key=KEY, max_requests_per_second=None)
        with OpenAlexClient(settings) as client:
            res = fetch("authorships.countries:CN", client=client, cache_dir=tmp_path)
    m = json.loads((res.cache_dir / "manifest.json").read_text())
    assert m["url"].startswith(server.url + "/works?filter=authorships.countries:CN")
    assert m["count"] == 72 and m["items"] == 72 and m["complete"] and m["next"] is None
    assert m["fetched_at"] and m["data_version"]["max_updated_date"]
    text = "".join(p.read_text(errors="replace") for p in res.cache_dir.rglob("*") if p.is_file())
    assert KEY not in text and "api_key" not in m["url"]


def test_key_in_base_url_is_redacted_in_manifest(tmp_path):
    cache = QueryCache(tmp_path, "https://api.openalex.org/works?filter=x:1&api_key=SECRET9")
    cache.dir.mkdir(parents=True)
    cache.write_manifest(cache.new_manifest({}))
    assert "SECRET9" not in cache.manifest_path.read_text()


def test_second_process_on_same_query_is_refused(tmp_path):
    cache = QueryCache(tmp_path, "http://x/works?filter=a:1")
    other = QueryCache(tmp_path, "http://x/works?filter=a:1")
    with cache.lock(), pytest.raises(UsageError, match="another litscan|other fetch"):
        with other.lock():
            pass


def test_corrupt_manifest_names_file_and_fix(tmp_path):
    cache = QueryCache(tmp_path, "http://x/works?filter=a:1")
    cache.dir.mkdir(parents=True)
    cache.manifest_path.write_text("{not json")
    with pytest.raises(InputDataError, match="delete"):
        cache.load_manifest()


def test_refresh_refetches(raw_works, tmp_path):
    with FakeOpenAlex(raw_works) as server:
        settings = resolve_settings(server.url, max_requests_per_second=None)
        with OpenAlexClient(settings) as client:
            fetch("publication_year:2020", client=client, cache_dir=tmp_path)
            n = len(server.requests)
            fetch("publication_year:2020", client=client, cache_dir=tmp_path)
            assert len(server.requests) == n  # served from cache
            again = fetch("publication_year:2020", client=client, cache_dir=tmp_path,
                          refresh=True)
            assert len(server.requests) == 2 * n and len(again.items) == 80


def test_an_empty_complete_result_reloads_from_the_cache(raw_works, tmp_path):
    """A query matching nothing stores no page; its manifest must still load (no refetch)."""
    from litscan.openalex.groupby import count_by

    with FakeOpenAlex(raw_works) as server:
        settings = resolve_settings(server.url, max_requests_per_second=None)
        with OpenAlexClient(settings) as client:
            for _ in range(2):
                df = count_by("publication_year:1066", "authorships.countries", client=client,
                              cache_dir=tmp_path)
                assert df.filter(df["key"] != "unknown").height == 0
        assert len(server.requests) == 1
