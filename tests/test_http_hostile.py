"""The HTTP edge against a hostile OpenAlex-like server: one scenario per URL path.

Every case checks: it ends within its time limit, exit code 1 or 2, exactly one error line on
stderr, no traceback, and the key in no form (raw, upper/lower case, URL-encoded, base64) in
stdout, stderr, the log or any file written under ``tmp_path``. Backoffs are tiny so the suite
is fast; one case (the trickling server) runs the CLI in a subprocess to measure wall time.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import math
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from fake_openalex import FakeOpenAlex

from litscan.cli import main
from litscan.config import resolve_settings
from litscan.errors import InputDataError, OpenAlexError, UsageError, scrub
from litscan.openalex.cache import QueryCache
from litscan.openalex.client import OpenAlexClient
from litscan.openalex.cost import plan_query
from litscan.openalex.groupby import count_by
from litscan.openalex.paging import fetch, provenance

REPO = Path(__file__).resolve().parents[1]
KEY = "sk-hostile-Q7zX2pLm9"
FLT = "publication_year:2020"
FAST = ["--retries", "2", "--backoff", "0.01", "--max-rps", "0"]  # not --quiet: logs checked


def key_forms(key: str = KEY) -> list[str]:
    """Every spelling of the key that must never appear."""
    return [key, key.upper(), key.lower(), quote(key, safe=""), quote_plus(key),
            base64.b64encode(key.encode()).decode(),
            base64.b64encode(f"user:{key}".encode()).decode()[8:]]


def assert_no_key(*texts: str, root: Path | None = None) -> None:
    blobs = list(texts)
    if root is not None:
        for f in root.rglob("*"):
            if f.is_file():
                data = f.read_bytes()
                if f.suffix == ".gz":
                    data = gzip.decompress(data)
                blobs.append(data.decode("utf-8", errors="replace"))
    for blob in blobs:
        for form in key_forms():
            assert form not in blob, f"key form {form!r} leaked"


def run_cli(args, capsys, caplog, tmp_path, *, base=None, scenario=None):
    """``litscan ARGS`` in-process against ``base/s/scenario``; returns (rc, out, err, log)."""
    argv = list(args)
    if base is not None:
        argv += ["--base-url", f"{base}/s/{scenario}" if scenario else base,
                 "--cache-dir", str(tmp_path / "cache")]
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        t0 = time.monotonic()
        rc = main(argv)
        took = time.monotonic() - t0
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert_no_key(out, err, caplog.text, root=tmp_path)
    return rc, out, err, caplog.text, took


def one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("litscan: error:")]
    assert len(errors) == 1, err
    return errors[0]


@pytest.fixture
def server(raw_works, monkeypatch):
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    with FakeOpenAlex(raw_works) as srv:
        yield srv


# --- rate limits and keys ----------------------------------------------------------------------
def test_rate_limit_403_is_retried_and_completes(server, tmp_path, capsys, caplog):
    rc, out, err, log, took = run_cli(["fetch", "--filter", FLT, *FAST], capsys, caplog,
                                      tmp_path, base=server.url, scenario="ratelimit-403")
    assert rc == 0, err
    assert server.scenario_requests["ratelimit-403"] == 2 + 1 + 1  # two 403s, a page, the end
    assert "80 works (complete" in err
    assert "rate limited" in log and took < 20


def test_auth_403_fails_at_once_with_openalex_message(server, tmp_path, capsys, caplog):
    rc, out, err, log, took = run_cli(["fetch", "--filter", FLT, *FAST], capsys, caplog,
                                      tmp_path, base=server.url, scenario="auth-403")
    line = one_error_line(err)
    assert rc == 1 and server.scenario_requests["auth-403"] == 1  # no retry
    assert "403" in line and "Invalid API key ***: access denied" in line
    assert "OPENALEX_API_KEY" in line  # the hint


def test_daily_budget_spent_stops_and_says_when_it_resets(server, tmp_path, capsys, caplog):
    rc, out, err, log, took = run_cli(["fetch", "--filter", FLT, *FAST], capsys, caplog,
                                      tmp_path, base=server.url, scenario="budget")
    line = one_error_line(err)
    assert rc == 1 and server.scenario_requests["budget"] == 1
    assert "daily budget" in line and "resets in 11 h 35 min" in line and "resume" in line


def test_key_reflected_in_reason_headers_and_body_is_scrubbed(server, tmp_path, capsys, caplog):
    rc, out, err, log, took = run_cli(["fetch", "--filter", FLT, *FAST], capsys, caplog,
                                      tmp_path, base=server.url, scenario="leaky")
    line = one_error_line(err)
    assert rc == 1 and "budget" in line and "***" in line
    assert "Unavailable for ***" in log  # the 5xx reason phrase, logged scrubbed


def test_user_key_in_base_url_is_never_shown(server, tmp_path, capsys, caplog):
    host = server.url.removeprefix("http://")
    base = f"http://user:{quote(KEY, safe='')}@{host}"
    rc, out, err, log, took = run_cli(["fetch", "--filter", FLT, *FAST], capsys, caplog,
                                      tmp_path, base=base, scenario="auth-403")
    line = one_error_line(err)
    assert rc == 1 and f"GET {server.url}/s/auth-403/works" in line  # userinfo dropped
    assert "credentials in the URL are ignored" in log and "***@" in log
    assert resolve_settings(base).base_url == server.url


@pytest.mark.parametrize("url", ["http://", "ftp://x.org", "http://[::1", "http://h:99999",
                                 "http://h:port", "http://exa mple.org", "http://h/?api_key=" + KEY])
def test_malformed_base_url_is_one_line(url, tmp_path, capsys, caplog, monkeypatch):
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    rc, out, err, log, took = run_cli(["fetch", "--filter", FLT, "--base-url", url,
                                       "--cache-dir", str(tmp_path)], capsys, caplog, tmp_path)
    assert rc == 2 and "base URL" in one_error_line(err)


def test_scrubber_covers_every_encoding():
    text = " | ".join([*key_forms(), f"https://u:{KEY}@h/x?api_key={KEY}&mailto=a@b.c",
                       f"Authorization: Bearer {KEY}"])
    clean = scrub(text, [KEY])
    for form in key_forms():
        assert form not in clean
    assert "https://***@h/x?api_key=***&mailto=***" in clean
    assert str(UsageError(f"bad {KEY.upper()}")) == "bad ***"


# --- page size ----------------------------------------------------------------------------------
def test_per_page_falls_back_once_after_a_400(server, tmp_path, capsys, caplog):
    rc, out, err, log, took = run_cli(["fetch", "--filter", FLT, "--per-page", "200", *FAST],
                                      capsys, caplog, tmp_path, base=server.url,
                                      scenario="per-page-100")
    assert rc == 0, err
    sizes = [r["params"]["per_page"] for r in server.requests]
    assert sizes == ["200", "100", "100"]  # refused, then the whole fetch at 100
    assert "refused per_page=200" in log and "per_page=100" in log
    manifest = json.loads(next((tmp_path / "cache").glob("works-*/manifest.json")).read_text())
    assert manifest["per_page_fallback"]["from"] == 200
    assert manifest["per_page_fallback"]["to"] == 100 and manifest["items"] == 80


def test_default_page_size_is_100(server, tmp_path):
    with OpenAlexClient(resolve_settings(server.url, max_requests_per_second=None)) as client:
        fetch(None, client=client, cache_dir=tmp_path, select=["id"])
    assert {r["params"]["per_page"] for r in server.requests} == {"100"}
    assert len(server.requests) == math.ceil(1213 / 100) + 1


# --- dry run -----------------------------------------------------------------------------------
def test_dry_run_makes_one_request_and_prints_the_plan(server, tmp_path, capsys, caplog):
    flt = "publication_year:2000-2025"
    rc, out, err, log, took = run_cli(["fetch", "--filter", flt, "--dry-run", *FAST],
                                      capsys, caplog, tmp_path, base=server.url, scenario=None)
    assert rc == 0, err
    assert len(server.requests) == 1
    probe = server.requests[0]["params"]
    assert probe["per_page"] == "1" and probe["select"] == "id"
    fields = dict(line.split("\t", 1) for line in out.splitlines())
    n = len(server.ids(flt))
    assert int(fields["works"]) == n
    assert int(fields["pages"]) == int(fields["requests"]) == math.ceil(n / 100) + 1
    # the fake sends meta.cost_usd 0.0001 and no cost header
    assert fields["price_source"] == "meta.cost_usd"
    assert float(fields["cost_usd"]) == pytest.approx((math.ceil(n / 100) + 1) * 0.0001)
    # a second dry run after a real fetch makes no request at all
    assert main(["fetch", "--filter", flt, "--base-url", server.url, "--cache-dir",
                 str(tmp_path / "cache"), "--select", "id", *FAST]) == 0
    before = len(server.requests)
    assert main(["fetch", "--filter", flt, "--base-url", server.url, "--cache-dir",
                 str(tmp_path / "cache"), "--select", "id", "--dry-run", *FAST]) == 0
    assert len(server.requests) == before
    assert "requests\t0" in capsys.readouterr().out


def test_counts_dry_run_makes_one_request(server, tmp_path, capsys, caplog):
    rc, out, err, log, took = run_cli(["counts", "--group-by", "authorships.countries",
                                       "--per-page", "20", "--dry-run", *FAST], capsys, caplog,
                                      tmp_path, base=server.url)
    assert rc == 0 and len(server.requests) == 1
    assert server.requests[0]["params"]["per_page"] == "1"
    fields = dict(line.split("\t", 1) for line in out.splitlines())
    known = [g for g in server.groups(None, "authorships.countries", True) if g["key"] != "unknown"]
    assert int(fields["groups"]) == len(known)
    assert int(fields["requests"]) == math.ceil((len(known) + 1) / 20)


def test_plan_query_counts_match_a_real_fetch(server, tmp_path):
    with OpenAlexClient(resolve_settings(server.url, max_requests_per_second=None)) as client:
        for kwargs in ({"max_works": 130, "per_page": 40}, {"sample": 90, "seed": 3, "per_page": 25},
                       {"per_page": 50}):
            n_before = len(server.requests)
            plan = plan_query("publication_year:2000-2025", client=client,
                              cache_dir=tmp_path / "c", select=["id"], **kwargs)
            assert len(server.requests) - n_before == plan.probe_requests == 1
            res = fetch("publication_year:2000-2025", client=client, cache_dir=tmp_path / "c",
                        select=["id"], **kwargs)
            assert res.requests_made == plan.requests, kwargs
            assert len(res.items) == plan.fetch_items
        for pp in (20, 43, 86):  # 86 known groups: 43 and 86 put the unknown group on a page alone
            groups = plan_query(None, group_by="authorships.countries", client=client,
                                cache_dir=tmp_path / f"g{pp}", per_page=pp)
            n_before = len(server.requests)
            df = count_by(None, "authorships.countries", client=client,
                          cache_dir=tmp_path / f"g{pp}", per_page=pp)
            assert len(server.requests) - n_before == groups.requests, pp
            assert groups.groups == df.filter(df["key"] != "unknown").height == 86
            assert df.filter(df["key"] == "unknown")["count"].item() > 0
    assert "api_key" not in plan.url and plan.cost_usd > 0


# --- bounded paging and hostile pages ----------------------------------------------------------
@pytest.mark.parametrize(("scenario", "cmd", "words"), [
    ("cursor-repeat", "fetch", "cursor repeats"),
    ("cursor-repeat", "counts", "cursor repeats"),
    ("no-new-ids", "fetch", "no new works"),
    ("group-five", "counts", "'five'"),
    ("results-not-list", "fetch", "'results' to be a list"),
    ("redirect-loop", "fetch", "redirect"),
    ("deep-json", "fetch", "not a JSON object"),
])
def test_hostile_pages_end_in_one_line(server, tmp_path, capsys, caplog, scenario, cmd, words):
    args = (["fetch", "--filter", "publication_year:2000-2025", "--per-page", "20"]
            if cmd == "fetch" else ["counts", "--group-by", "authorships.countries",
                                    "--per-page", "20"])
    rc, out, err, log, took = run_cli([*args, *FAST], capsys, caplog, tmp_path, base=server.url,
                                      scenario=scenario)
    line = one_error_line(err)
    assert rc in (1, 2) and words in line, line
    assert took < 20 and server.scenario_requests[scenario] <= 12
    # nothing bad is cached as if it were good: a rerun fails the same way, never exits 0
    rc2, *_ = run_cli([*args, *FAST], capsys, caplog, tmp_path, base=server.url,
                      scenario=scenario)
    assert rc2 == rc


def test_max_works_is_honoured_even_when_the_cursor_repeats(server, tmp_path):
    with OpenAlexClient(resolve_settings(f"{server.url}/s/cursor-repeat",
                                         max_requests_per_second=None)) as client:
        res = fetch("publication_year:2000-2025", client=client, cache_dir=tmp_path,
                    max_works=10, per_page=10, select=["id"])
    assert len(res.items) == 10 and len(server.requests) == 1


def test_gzip_bomb_is_refused_fast_with_little_memory(server, tmp_path):
    settings = resolve_settings(f"{server.url}/s/gzip-bomb", max_requests_per_second=None,
                                max_response_bytes=4 * 2**20, max_retries=0)
    with OpenAlexClient(settings) as client:
        tracemalloc.start()
        t0 = time.monotonic()
        with pytest.raises(OpenAlexError, match="at most 4 MiB"):
            client.get_json("works?per_page=1")
        took = time.monotonic() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert took < 10
    assert peak < 32 * 2**20  # the bomb expands to 128 MiB


def test_trickling_server_hits_the_deadline(raw_works, tmp_path):
    env = dict(os.environ, OPENALEX_API_KEY=KEY, PYTHONPATH=str(REPO))
    with FakeOpenAlex(raw_works) as srv:
        t0 = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "litscan", "fetch", "--filter", FLT, "--base-url",
             f"{srv.url}/s/trickle", "--cache-dir", str(tmp_path / "cache"), "--timeout", "1",
             "--retries", "1", "--backoff", "0.01", "--max-rps", "0", "--quiet"],
            env=env, capture_output=True, text=True, timeout=60)
        took = time.monotonic() - t0
        assert srv.scenario_requests["trickle"] == 2  # the first try and one retry
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    line = one_error_line(proc.stderr)
    assert "deadline of 1 s passed" in line
    assert took < 15  # two 1 s deadlines plus start-up; the body alone would take minutes
    assert_no_key(proc.stdout, proc.stderr, root=tmp_path)


def test_trickled_headers_hit_the_deadline_too(server, tmp_path):
    settings = resolve_settings(f"{server.url}/s/trickle-headers", max_requests_per_second=None,
                                max_retries=0, timeout=(1.0, 1.0), deadline=1.5)
    t0 = time.monotonic()
    with OpenAlexClient(settings) as client, pytest.raises(OpenAlexError, match="deadline"):
        client.get_json("works?per_page=1")
    assert time.monotonic() - t0 < 5  # each header byte comes within the 1 s read timeout


# --- the cache ----------------------------------------------------------------------------------
def _complete_cache(server, tmp_path):
    with OpenAlexClient(resolve_settings(server.url, max_requests_per_second=None)) as client:
        res = fetch(FLT, client=client, cache_dir=tmp_path, per_page=30, select=["id"])
    return res


@pytest.mark.parametrize(("field", "value"), [
    ("pages", 2.5), ("pages", "2"), ("pages", -1), ("items", True), ("complete", "yes"),
    ("next", {"cursor": 5}), ("count", "many"), ("pages", 99), ("items", 79),
])
def test_corrupt_manifest_is_detected(server, tmp_path, capsys, caplog, field, value):
    res = _complete_cache(server, tmp_path)
    path = res.cache_dir / "manifest.json"
    m = json.loads(path.read_text())
    m[field] = value
    if field == "next":
        m["complete"] = False
    path.write_text(json.dumps(m))
    with OpenAlexClient(resolve_settings(server.url, max_requests_per_second=None)) as client:
        with pytest.raises(InputDataError, match="corrupt|expected") as err:
            fetch(FLT, client=client, cache_dir=tmp_path, per_page=30, select=["id"])
    assert "--refresh" in str(err.value) or "delete" in str(err.value)
    # and --refresh gets past it
    with OpenAlexClient(resolve_settings(server.url, max_requests_per_second=None)) as client:
        again = fetch(FLT, client=client, cache_dir=tmp_path, per_page=30, select=["id"],
                      refresh=True)
    assert len(again.items) == 80


def test_read_only_complete_cache_is_readable(server, tmp_path, monkeypatch):
    res = _complete_cache(server, tmp_path)
    n = len(server.requests)

    def refuse(*args, **kwargs):
        raise OSError(30, "Read-only file system")  # EROFS, as a read-only mount answers

    # root ignores chmod, so the read-only mount is simulated where litscan would write
    monkeypatch.setattr("litscan.openalex.cache.open", refuse, raising=False)
    monkeypatch.setattr("litscan.fileio.atomic_write_bytes", refuse)
    with OpenAlexClient(resolve_settings(server.url, max_requests_per_second=None)) as client:
        again = fetch(FLT, client=client, cache_dir=tmp_path, per_page=30, select=["id"])
        assert again.items == res.items and len(server.requests) == n
        # an incomplete query cannot be fetched into a read-only cache: one clear error
        with pytest.raises(InputDataError, match="(?i)read-only"):
            fetch("publication_year:2021", client=client, cache_dir=tmp_path, select=["id"])


def test_stale_temp_cleanup_never_follows_a_symlink(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / ".precious.tmp"
    victim.write_text("keep me")
    cache = QueryCache(tmp_path / "cache", "http://x/works?filter=a:1")
    cache.root.mkdir()
    cache.dir.symlink_to(outside, target_is_directory=True)
    (outside / "pages").mkdir()
    (outside / "pages" / ".also.tmp").write_text("keep me too")
    with cache.lock():
        pass
    assert victim.exists() and (outside / "pages" / ".also.tmp").exists()
    real = QueryCache(tmp_path / "cache2", "http://x/works?filter=a:1")
    real.pages_dir.mkdir(parents=True)
    stale = real.pages_dir / ".000001.json.gz.123.tmp"
    stale.write_text("partial")
    with real.lock():
        pass
    assert not stale.exists()


# --- numeric options -----------------------------------------------------------------------------
@pytest.mark.parametrize("opt", [["--timeout", "-1"], ["--timeout", "inf"], ["--timeout", "nan"],
                                 ["--max-works", "0"], ["--max-works", "-5"],
                                 ["--per-page", "0"], ["--per-page", "201"],
                                 ["--retries", "-1"], ["--backoff", "nan"], ["--max-rps", "-1"],
                                 ["--max-response-mb", "0"], ["--sample", "20000"],
                                 ["--seed", str(2**64)]])
def test_numeric_options_are_validated(opt, tmp_path, capsys, caplog, monkeypatch):
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    rc, out, err, log, took = run_cli(["fetch", "--filter", FLT, "--cache-dir", str(tmp_path),
                                       *opt], capsys, caplog, tmp_path)
    line = one_error_line(err)
    assert rc == 2 and opt[0] in line and "expected" in line


# --- provenance ---------------------------------------------------------------------------------
def test_provenance_carries_meta_versions_and_newest_updated_date(raw_works, tmp_path):
    extra = {"data_version": "2026-11-30", "taxonomy_version": "topics-2026-10"}
    with FakeOpenAlex(raw_works, meta_extra=extra) as srv:
        with OpenAlexClient(resolve_settings(srv.url, max_requests_per_second=None)) as client:
            res = fetch(FLT, client=client, cache_dir=tmp_path, per_page=30)
        served = srv.matching(FLT)
    p = provenance(res)
    newest = sorted(str(w["updated_date"]) for w in served if w.get("updated_date"))[-1]
    assert p["max_updated_date"] == newest
    assert p["meta_versions"] == extra
    assert p["fetched_at"] and p["server_date"] and p["complete"] and p["items"] == len(served)
    stored = json.loads((res.cache_dir / "manifest.json").read_text())
    assert stored["data_version"]["meta_versions"] == extra


def test_key_reflection_scrubbed_on_the_real_stderr(raw_works, tmp_path):
    """The CLI's own log handler (retry warnings with the 5xx reason phrase) is scrubbed too."""
    env = dict(os.environ, OPENALEX_API_KEY=KEY, PYTHONPATH=str(REPO))
    with FakeOpenAlex(raw_works) as srv:
        proc = subprocess.run(
            [sys.executable, "-m", "litscan", "fetch", "--filter", FLT, "--base-url",
             f"{srv.url}/s/leaky", "--cache-dir", str(tmp_path / "cache"), *FAST],
            env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.count("Unavailable for ***") == 2  # both retry warnings, scrubbed
    assert "daily budget" in one_error_line(proc.stderr)
    assert_no_key(proc.stdout, proc.stderr, root=tmp_path)
