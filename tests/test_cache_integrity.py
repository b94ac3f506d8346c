"""Hostile input, round 3 (issue 25): cached pages edited after they were fetched, or bombs.

A local OpenAlex-like server (``fake_openalex``, serving the real fixture records) fills the cache;
then a page is edited on disk (every country changed to ``KP``, as in the issue) or replaced by
a gzip bomb. A live fetch refetches the query and returns exactly the server's records; a read
without network ends in one line naming the page; a bomb is never inflated beyond the cap.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
import tracemalloc
from pathlib import Path

import pytest
import requests
from fake_openalex import FakeOpenAlex

from litscan.cli import main
from litscan.config import resolve_settings
from litscan.errors import InputDataError
from litscan.openalex.cache import CachePageMismatch
from litscan.openalex.client import OpenAlexClient
from litscan.openalex.paging import fetch

KEY = "sk-hostile-Q7zX2pLm9"
FLT = "publication_year:2020"
SELECT = ["id", "authorships"]


@pytest.fixture
def server(raw_works, monkeypatch):
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    with FakeOpenAlex(raw_works) as srv:
        yield srv


def client_for(url: str, **kw) -> OpenAlexClient:
    return OpenAlexClient(resolve_settings(url, max_requests_per_second=None, **kw))


def no_network_client(url: str) -> OpenAlexClient:
    """A client that cannot reach anything (as ``source = "cache"`` reads the cache)."""

    class Refuse(requests.adapters.BaseAdapter):
        def send(self, *a, **k):
            raise requests.ConnectionError("no network in this test")

        def close(self):
            pass

    session = requests.Session()
    session.mount("http://", Refuse())
    return OpenAlexClient(resolve_settings(url, max_retries=0, max_requests_per_second=None),
                          session=session)


def countries(items: list[dict]) -> set[str]:
    return {c for w in items for a in w.get("authorships") or [] for c in a.get("countries") or []}


def fill(server, root: Path):
    with client_for(server.url) as client:
        return fetch(FLT, client=client, cache_dir=root, per_page=30, select=SELECT)


def edit_page(page: Path) -> None:
    """Change every country on the page to KP (valid gzip JSON, different bytes)."""
    data = json.loads(gzip.decompress(page.read_bytes()))
    for w in data["results"]:
        for a in w.get("authorships") or []:
            a["countries"] = ["KP"] * len(a.get("countries") or [])
    page.write_bytes(gzip.compress(json.dumps(data).encode()))


def test_manifest_records_a_sha256_per_page(server, tmp_path):
    res = fill(server, tmp_path)
    m = json.loads((res.cache_dir / "manifest.json").read_text())
    assert m["pages"] == 3 and sorted(m["page_sha256"]) == ["1", "2", "3"]
    import hashlib

    for n, digest in m["page_sha256"].items():
        page = res.cache_dir / "pages" / f"{int(n):06d}.json.gz"
        assert hashlib.sha256(page.read_bytes()).hexdigest() == digest


def test_edited_page_is_refetched_live_with_exactly_the_servers_records(server, tmp_path, caplog):
    first = fill(server, tmp_path)
    n_first = len(server.requests)
    truth = {w["id"].rsplit("/", 1)[-1] for w in first.items}
    assert truth == server.ids(FLT) and "KP" not in countries(first.items)
    edit_page(first.cache_dir / "pages" / "000002.json.gz")
    before = len(server.requests)
    with caplog.at_level(logging.WARNING):
        again = fill(server, tmp_path)
    assert {w["id"].rsplit("/", 1)[-1] for w in again.items} == truth and len(again.items) == len(truth)
    assert "KP" not in countries(again.items)
    assert len(server.requests) - before == n_first  # the query, fetched again from the start
    assert "000002.json.gz: expected the SHA-256" in caplog.text and "refetching" in caplog.text
    third = fill(server, tmp_path)  # the refetched cache is trusted again: no request
    assert len(server.requests) - before == n_first and len(third.items) == len(truth)


def test_edited_page_without_network_is_one_error_naming_it(server, tmp_path):
    first = fill(server, tmp_path)
    page = first.cache_dir / "pages" / "000001.json.gz"
    edit_page(page)
    with no_network_client(server.url) as client, pytest.raises(CachePageMismatch) as exc:
        fetch(FLT, client=client, cache_dir=tmp_path, per_page=30, select=SELECT)
    msg = str(exc.value)
    assert str(page) in msg and "SHA-256" in msg and "refetching the query failed" in msg
    assert "\n" not in msg and KEY not in msg
    assert page.read_bytes() != b"" and json.loads(gzip.decompress(page.read_bytes()))  # untouched


def test_edited_page_on_the_cli_offline_is_one_line(server, tmp_path, capsys):
    first = fill(server, tmp_path)
    edit_page(first.cache_dir / "pages" / "000003.json.gz")
    url = server.url
    server.__exit__(None, None, None)  # the server is gone: nothing can be refetched
    t0 = time.monotonic()
    rc = main(["fetch", "--filter", FLT, "--select", ",".join(SELECT), "--per-page", "30",
               "--base-url", url, "--cache-dir", str(tmp_path), "--retries", "0", "--max-rps",
               "0"])
    out, err = capsys.readouterr()
    errors = [ln for ln in err.splitlines() if ln.startswith("litscan: error:")]
    assert rc == 2 and len(errors) == 1 and time.monotonic() - t0 < 30, err
    assert "000003.json.gz: expected the SHA-256" in errors[0] and "Traceback" not in err


def test_bomb_page_is_never_inflated_beyond_the_cap(server, tmp_path):
    first = fill(server, tmp_path)
    manifest = first.cache_dir / "manifest.json"
    m = json.loads(manifest.read_text())
    del m["page_sha256"]  # a cache written before checksums: only the size cap protects it
    manifest.write_text(json.dumps(m))
    bomb = b'{"results":[' + b" " * (256 * 2**20) + b"]}"  # 256 MiB of JSON, ~256 KiB gzip
    (first.cache_dir / "pages" / "000001.json.gz").write_bytes(gzip.compress(bomb, 9))
    del bomb
    tracemalloc.start()
    t0 = time.monotonic()
    with client_for(server.url, max_response_bytes=2 * 2**20) as client:
        with pytest.raises(InputDataError) as exc:
            fetch(FLT, client=client, cache_dir=tmp_path, per_page=30, select=SELECT)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "000001.json.gz: expected at most 2 MiB once decompressed" in str(exc.value)
    assert peak < 16 * 2**20 and time.monotonic() - t0 < 10  # a few MiB, never 256


def test_bomb_page_with_checksums_is_refetched_without_inflating(server, tmp_path):
    first = fill(server, tmp_path)
    (first.cache_dir / "pages" / "000001.json.gz").write_bytes(
        gzip.compress(b" " * (64 * 2**20), 9))
    tracemalloc.start()
    again = fill(server, tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert {w["id"].rsplit("/", 1)[-1] for w in again.items} == server.ids(FLT)
    assert peak < 48 * 2**20  # the 64 MiB page was rejected by its checksum, never inflated
