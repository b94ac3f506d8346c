"""Hostile input, round 3 (issue 25): the API key never leaves for another host and is never shown.

A scripted local server answers every request with a redirect to a second local server reached
under another host name (``localhost`` instead of ``127.0.0.1``); the second server records what
it receives. Keys holding ``"``, ``\\`` and ``'`` are echoed back escaped (JSON, ``repr``); a key
with non-Latin letters must be refused before any request. Every case: exit 1 or 2, one line, no
traceback, no form of the key in stdout, stderr, the log or any written file.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from scripted_server import ScriptedServer

from litscan.cli import main
from litscan.config import resolve_settings
from litscan.errors import OpenAlexError, UsageError, scrub
from litscan.openalex.client import OpenAlexClient

KEY = "sk-hostile-Q7zX2pLm9"
ODD_KEY = 'sk-"quo\\te\'d-Z9'  # a double quote, a backslash and a single quote
FLT = "publication_year:2020"
FAST = ["--retries", "1", "--backoff", "0.01", "--max-rps", "0"]
EMPTY_PAGE = json.dumps({"meta": {"count": 0, "next_cursor": None, "per_page": 100},
                         "results": [], "group_by": []}).encode()


def key_forms(key: str) -> list[str]:
    """Every spelling of ``key`` that must never appear (raw, cases, URL, base64, escaped)."""
    forms = [key, key.upper(), key.lower(), quote(key, safe=""), quote_plus(key),
             base64.b64encode(key.encode()).decode(), json.dumps(key)[1:-1], repr(key)[1:-1],
             json.dumps(json.dumps(key))[1:-1], key.encode("unicode_escape").decode()]
    return sorted(set(forms))


def assert_no_key(key: str, *texts: str, root: Path | None = None) -> None:
    blobs = list(texts)
    for f in root.rglob("*") if root is not None else ():
        if f.is_file():
            data = f.read_bytes()
            blobs.append((gzip.decompress(data) if f.suffix == ".gz" else data).decode(
                "utf-8", errors="replace"))
    for blob in blobs:
        for form in key_forms(key):
            assert form not in blob, f"key form {form!r} leaked"


def run_cli(argv, capsys, caplog, key, root):
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        rc = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert_no_key(key, out, err, caplog.text, root=root)
    errors = [ln for ln in err.splitlines() if ln.startswith("litscan: error:")]
    return rc, out, err, errors


@pytest.fixture
def elsewhere():
    """The other host: records every request, answers an empty page."""
    with ScriptedServer(lambda path, headers: (200, {}, EMPTY_PAGE)) as srv:
        yield srv


def redirecting(status: int, target: ScriptedServer, host: str = "localhost") -> ScriptedServer:
    """A server that answers ``status`` with ``Location`` = the same path and query on ``target``."""
    return ScriptedServer(lambda path, headers: (status, {"Location": target.url(host) + path}, b""))


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_cross_host_redirect_is_refused_and_the_other_host_gets_nothing(
        status, elsewhere, tmp_path, capsys, caplog, monkeypatch):
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    with redirecting(status, elsewhere) as api:
        rc, out, err, errors = run_cli(
            ["fetch", "--filter", FLT, *FAST, "--base-url", api.url(), "--cache-dir",
             str(tmp_path / "cache")], capsys, caplog, KEY, tmp_path)
        assert len(api.requests) == 1  # refused, not retried
    assert rc == 1 and len(errors) == 1, err
    assert f"localhost:{elsewhere.port}" in errors[0] and "not followed" in errors[0]
    assert "--base-url" in errors[0]  # the hint
    assert elsewhere.requests == []  # the other host never saw a request, so never the key


def test_cross_host_redirect_without_a_key_is_followed_without_credentials(elsewhere, monkeypatch):
    monkeypatch.delenv("OPENALEX_API_KEY", raising=False)
    with redirecting(302, elsewhere) as api:
        client = OpenAlexClient(resolve_settings(api.url(), max_retries=0,
                                                 max_requests_per_second=None))
        assert client.get_json("works?filter=x")["meta"]["count"] == 0
    (path, headers), = elsewhere.requests
    assert "api_key" not in path and "Authorization" not in headers


def test_same_origin_redirect_keeps_the_key(monkeypatch):
    monkeypatch.delenv("OPENALEX_API_KEY", raising=False)

    def answer(path, headers):
        if path.startswith("/old/"):
            return 301, {"Location": "/new/" + path.removeprefix("/old/")}, b""
        return 200, {}, EMPTY_PAGE

    with ScriptedServer(answer) as api:
        client = OpenAlexClient(resolve_settings(api.url() + "/old", api_key=KEY, max_retries=0,
                                                 max_requests_per_second=None))
        assert client.get_json("works?filter=x")["meta"]["count"] == 0
        path, headers = api.requests[-1]
    assert path.startswith("/new/works") and headers["Authorization"] == f"Bearer {KEY}"


def test_https_downgrade_and_other_port_are_refused_with_a_key(elsewhere, monkeypatch):
    monkeypatch.delenv("OPENALEX_API_KEY", raising=False)
    with redirecting(302, elsewhere, host="127.0.0.1") as api:  # same host name, other port
        client = OpenAlexClient(resolve_settings(api.url(), api_key=KEY, max_retries=0,
                                                 max_requests_per_second=None))
        with pytest.raises(OpenAlexError, match="not followed") as exc:
            client.get_json("works?filter=x")
    assert elsewhere.requests == [] and KEY not in str(exc.value)


def test_key_with_quotes_and_backslash_echoed_escaped_is_scrubbed(tmp_path, capsys, caplog,
                                                                  monkeypatch):
    monkeypatch.setenv("OPENALEX_API_KEY", ODD_KEY)

    def answer(path, headers):
        sent = headers.get("Authorization", "").removeprefix("Bearer ")
        # not valid JSON, so litscan shows the text as it came: JSON- and repr-escaped key
        body = (f'{{"error": "Invalid API key {json.dumps(sent)[1:-1]}", "seen": {sent!r}, '
                f'"twice": {json.dumps(json.dumps(sent))}').encode()
        return 401, {}, body

    with ScriptedServer(answer) as api:
        rc, out, err, errors = run_cli(
            ["fetch", "--filter", FLT, *FAST, "--base-url", api.url(), "--cache-dir",
             str(tmp_path / "cache")], capsys, caplog, ODD_KEY, tmp_path)
    assert rc == 1 and len(errors) == 1, err
    assert "401" in errors[0] and "Invalid API key ***" in errors[0]


def test_scrub_covers_escaped_forms():
    for form in key_forms(ODD_KEY) + [repr(ODD_KEY.encode())[2:-1]]:
        shown = scrub(f"prefix {form} suffix", [ODD_KEY])
        assert "***" in shown and "quo" not in shown and "Z9" not in shown, form
    nonlatin = "sk-abc-\u043a\u043b\u044e\u0447"
    for form in (json.dumps(nonlatin)[1:-1], repr(nonlatin.encode())[2:-1],
                 nonlatin.encode("unicode_escape").decode()):
        assert "***" in scrub(form, [nonlatin]) and "043a" not in scrub(form, [nonlatin])


@pytest.mark.parametrize("key", ["sk-abc-\u043a\u043b\u044e\u0447", "sk-\u201cquoted\u201d-x",
                                 "sk-with space-x", "sk-tab\tx", "sk-\x7fdel"])
def test_key_a_header_cannot_carry_is_a_usage_error(key, tmp_path, capsys, caplog, monkeypatch):
    monkeypatch.setenv("OPENALEX_API_KEY", key)
    with ScriptedServer(lambda path, headers: (200, {}, EMPTY_PAGE)) as api:
        rc, out, err, errors = run_cli(
            ["fetch", "--filter", FLT, *FAST, "--base-url", api.url(), "--cache-dir",
             str(tmp_path / "cache")], capsys, caplog, key, tmp_path)
        assert api.requests == []  # refused before anything is sent
    assert rc == 2 and len(errors) == 1, err
    assert "OPENALEX_API_KEY" in errors[0] and "printable ASCII" in errors[0]
    assert "not shown" in errors[0] and "internal error" not in err
    with pytest.raises(UsageError, match="printable ASCII"):
        resolve_settings(api_key=key)
