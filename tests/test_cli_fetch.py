"""``litscan fetch`` / ``litscan counts`` end to end, including a SIGKILL mid-fetch and a resume."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
from fake_openalex import FakeOpenAlex, Fault

from litscan.cli import main

REPO = Path(__file__).resolve().parents[1]
KEY = "sk-litscan-CLI-5e1d0b"


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(OPENALEX_API_KEY=KEY, PYTHONPATH=str(REPO), LITSCAN_CACHE=str(tmp_path / "cache"))
    env.pop("LITSCAN_OPENALEX_URL", None)
    return env


def _manifest_pages(cache: Path) -> int:
    found = list(cache.glob("works-*/manifest.json"))
    if not found:
        return 0
    try:
        return json.loads(found[0].read_text())["pages"]
    except (ValueError, OSError):
        return 0


def test_kill_mid_fetch_then_resume_gives_exact_ids(raw_works, tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "works.parquet"
    with FakeOpenAlex(raw_works, require_key=KEY, delay=0.01) as server:
        cmd = [sys.executable, "-m", "litscan", "fetch", "--filter", "publication_year:1900-2030",
               "--base-url", server.url, "--cache-dir", str(cache), "--per-page", "20",
               "--max-rps", "0", "--quiet"]
        for kill_after in (3, 17):  # two SIGKILLs at different points
            proc = subprocess.Popen(cmd, env=_env(tmp_path), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            deadline = time.monotonic() + 30
            while _manifest_pages(cache) < kill_after and time.monotonic() < deadline:
                time.sleep(0.005)
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=10)
            assert proc.returncode == -signal.SIGKILL
        killed_at = _manifest_pages(cache)
        assert 17 <= killed_at < 57  # really interrupted mid-run
        before = len(server.requests)
        done = subprocess.run([*cmd, "--out", str(out)], env=_env(tmp_path),
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        resumed_requests = len(server.requests) - before
        expected = server.ids("publication_year:1900-2030")
        auths = {r["authorization"] for r in server.requests}
    assert auths == {f"Bearer {KEY}"}
    assert resumed_requests <= 57 - killed_at + 2  # resumed, did not start over
    ids = pl.read_parquet(out)["id"].to_list()
    assert len(ids) == len(set(ids)) == len(expected) == 1134
    assert set(ids) == expected
    # no work stored twice across the cached pages
    stored = []
    manifest = json.loads(next(cache.glob("works-*/manifest.json")).read_text())
    for n in range(1, manifest["pages"] + 1):
        page_file = next(cache.glob(f"works-*/pages/{n:06d}.json.gz"))
        page = json.loads(gzip.decompress(page_file.read_bytes()))
        stored += [r["id"] for r in page["results"]]
    assert len(stored) == len(set(stored)) == 1134
    # the key is nowhere in the cache, the output or the logs
    for f in cache.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            if f.suffix == ".gz":
                data = gzip.decompress(data)
            assert KEY.encode() not in data, f
    assert KEY not in done.stderr and KEY not in done.stdout


def test_network_gives_up_exit_1_with_resume_hint(raw_works, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    with FakeOpenAlex(raw_works, faults=[Fault("503", at=2, times=100)]) as server:
        rc = main(["fetch", "--filter", "publication_year:2020", "--base-url", server.url,
                   "--cache-dir", str(tmp_path), "--per-page", "20", "--retries", "1",
                   "--backoff", "0.01", "--max-rps", "0", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "Saved so far: 20 works in 1 pages" in err and "resume" in err
    assert KEY not in err


def test_bad_usage_exit_2(tmp_path, capsys):
    assert main(["fetch", "--filter", "nocolon", "--cache-dir", str(tmp_path)]) == 2
    assert "key:value" in capsys.readouterr().err
    assert main(["fetch", "--filter", "type:article", "--per-page", "500",
                 "--cache-dir", str(tmp_path)]) == 2
    try:
        main(["fetch"])
    except SystemExit as exc:  # argparse: missing --filter
        assert exc.code == 2
    else:
        raise AssertionError("argparse accepted a missing --filter")


def test_invalid_filter_from_server_exit_2(raw_works, tmp_path, capsys):
    with FakeOpenAlex(raw_works) as server:
        rc = main(["fetch", "--filter", "bogus_field:1", "--base-url", server.url,
                   "--cache-dir", str(tmp_path), "--quiet"])
    assert rc == 2 and "bogus_field is not a valid field" in capsys.readouterr().err


def test_counts_cli_csv_and_parquet(raw_works, tmp_path, capsys):
    with FakeOpenAlex(raw_works) as server:
        base = ["counts", "--group-by", "authorships.countries", "--base-url", server.url,
                "--cache-dir", str(tmp_path / "c"), "--per-page", "15", "--max-rps", "0",
                "--quiet"]
        assert main(base) == 0
        printed = capsys.readouterr().out
        assert main([*base, "--out", str(tmp_path / "c.parquet")]) == 0
        truth = server.groups(None, "authorships.countries", include_unknown=True)
    assert printed.startswith("key,key_display_name,count\n")
    df = pl.read_parquet(tmp_path / "c.parquet")
    assert df.height == len(truth) and df["count"].sum() == sum(g["count"] for g in truth)
    assert "unknown" in df["key"].to_list()
