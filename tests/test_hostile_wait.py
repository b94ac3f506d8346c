"""Hostile input, round 3 (issue 25): waiting and parsing.

A scripted local server asks for long waits (``Retry-After``), answers ``200 text/html`` like a
captive portal, or sends ``group_by`` answers whose ``meta.count`` contradicts its groups. Every
case ends within its time limit with exit 1, one line, no traceback and no key.
"""

from __future__ import annotations

import json
import logging
import time

import pytest
from scripted_server import ScriptedServer

from litscan.cli import main
from litscan.config import resolve_settings
from litscan.errors import OpenAlexError
from litscan.openalex.client import OpenAlexClient
from litscan.openalex.groupby import count_by

KEY = "sk-hostile-Q7zX2pLm9"
FLT = "publication_year:2020"


def cli(argv, capsys, caplog, tmp_path, server) -> tuple[int, str, str, float]:
    caplog.clear()
    t0 = time.monotonic()
    with caplog.at_level(logging.WARNING):
        rc = main([*argv, "--base-url", server.url(), "--cache-dir", str(tmp_path / "cache")])
    took = time.monotonic() - t0
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err
    for blob in (out, err, caplog.text):
        assert KEY not in blob
    errors = [ln for ln in err.splitlines() if ln.startswith("litscan: error:")]
    assert len(errors) == 1, err
    return rc, errors[0], caplog.text, took


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)


def rate_limited(seconds: str):
    body = json.dumps({"error": "Rate limit exceeded", "message": "slow down"}).encode()
    return ScriptedServer(lambda path, headers: (429, {"Retry-After": seconds}, body))


def test_retry_after_beyond_max_wait_stops_at_once_saying_when(tmp_path, capsys, caplog):
    with rate_limited("301") as srv:  # the default --max-wait is 300 s
        rc, line, log, took = cli(["fetch", "--filter", FLT, "--retries", "2", "--max-rps", "0"],
                                  capsys, caplog, tmp_path, srv)
        assert len(srv.requests) == 1
    assert rc == 1 and took < 10
    assert "Retry-After 301 s" in line and "300 s litscan waits (--max-wait)" in line
    assert "retry after 20" in line and "UTC (in 301 s)" in line and "--max-wait" in line


def test_waits_adding_up_beyond_max_wait_stop_with_one_line(tmp_path, capsys, caplog):
    with rate_limited("0.6") as srv:  # each wait is short, the sum passes --max-wait 1
        rc, line, log, took = cli(["fetch", "--filter", FLT, "--retries", "5", "--max-rps", "0",
                                   "--max-wait", "1"], capsys, caplog, tmp_path, srv)
        assert len(srv.requests) == 2  # waited 0.6 s once, not a second time
    assert rc == 1 and took < 10
    assert "would make 1 s for this request, longer than the 1 s litscan waits" in line
    assert "retry after" in line and "retry 1/5 in 0.60 s" in log


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "1e9"])
def test_max_wait_is_validated(value, tmp_path, capsys, caplog):
    with rate_limited("1") as srv:
        rc, line, log, took = cli(["fetch", "--filter", FLT, "--max-wait", value], capsys,
                                  caplog, tmp_path, srv)
        assert srv.requests == []
    assert rc == 2 and "--max-wait: expected a number in 0..86400" in line


PORTAL = b"<!doctype html><html><title>Hotel WiFi</title><body>Please log in</body></html>"


@pytest.mark.parametrize("argv", [
    ["fetch", "--filter", FLT, "--retries", "3", "--max-rps", "0"],
    ["counts", "--filter", FLT, "--group-by", "publication_year", "--retries", "3"],
    ["run", "surveillance-vs-deep-learning", "--plan"],  # the probes of --plan hung before
], ids=["fetch", "counts", "run-plan"])
def test_captive_portal_200_html_is_named_at_once(argv, tmp_path, capsys, caplog):
    with ScriptedServer(lambda p, h: (200, {"Content-Type": "text/html; charset=utf-8"},
                                      PORTAL)) as srv:
        rc, line, log, took = cli(argv, capsys, caplog, tmp_path, srv)
        assert len(srv.requests) == 1  # not retried: a portal does not go away by itself
    assert rc == 1 and took < 10
    assert "Content-Type 'text/html'" in line and "captive portal" in line
    assert "Hotel WiFi" in line  # what arrived, shortened


def groups_page(count: int, groups: list[tuple[str, int]]) -> bytes:
    return json.dumps({
        "meta": {"count": count, "groups_count": len(groups), "next_cursor": None,
                 "per_page": 200, "page": None},
        "results": [],
        "group_by": [{"key": k, "key_display_name": k, "count": c} for k, c in groups],
    }).encode()


GROUPS = [("https://openalex.org/countries/US", 600), ("https://openalex.org/countries/CN", 500),
          ("unknown", 100)]


@pytest.mark.parametrize(("total", "needle"), [
    (1_000, None),  # consistent: 1,000 works, US on 600, CN on 500 (co-authored), 100 unknown
    (1_000_000_000, "expected meta.count (works matching) at most 1,200 (the sum of all groups)"),
    (650, "at least 700 (the largest group, 600, plus the unknown group, 100), got 650"),
    (599, "at least 700"),
])
def test_group_by_count_must_fit_its_groups(total, needle, tmp_path):
    with ScriptedServer(lambda p, h: (200, {}, groups_page(total, GROUPS))) as srv:
        client = OpenAlexClient(resolve_settings(srv.url(), cache_dir=tmp_path, max_retries=0,
                                                 max_requests_per_second=None))
        if needle is None:
            df = count_by(FLT, "authorships.countries", client=client, cache_dir=tmp_path)
            assert dict(zip(df["key"], df["count"], strict=True)) == {"US": 600, "CN": 500,
                                                                      "unknown": 100}
            return
        with pytest.raises(OpenAlexError) as exc:
            count_by(FLT, "authorships.countries", client=client, cache_dir=tmp_path)
    msg = str(exc.value)
    assert needle in msg and "group_by" in msg and "authorships.countries" in msg
    assert "--refresh" in msg and "\n" not in msg


def test_group_by_inconsistent_count_on_the_cli_is_one_line(tmp_path, capsys, caplog):
    with ScriptedServer(lambda p, h: (200, {}, groups_page(650, GROUPS))) as srv:
        rc, line, log, took = cli(["counts", "--filter", FLT, "--group-by",
                                   "authorships.countries", "--max-rps", "0"],
                                  capsys, caplog, tmp_path, srv)
    assert rc == 1 and "at least 700" in line and "math domain" not in line
