"""CLI polish: every command's help is plain text with every option explained and its default
shown, every command takes --verbose/--quiet, and `litscan cache list|clear` work."""

from __future__ import annotations

import argparse

import pytest
from fake_openalex import FakeOpenAlex

import litscan
from litscan.cli import _leaf_parsers, build_parser, main, plain
from litscan.config import resolve_settings

MARKUP = ("``", ":func:", ":mod:", ":class:", ":meth:", ":data:", ":attr:")


def _leaves() -> list[argparse.ArgumentParser]:
    return [p for p in _leaf_parsers(build_parser()) if p.prog != "litscan"]


def test_plain_strips_rest_markup():
    assert plain("see :func:`litscan.workflows.run.run_preset` and ``--out``") == (
        "see litscan.workflows.run.run_preset and --out"
    )
    assert plain(":class:`~litscan.tables.folder.Tables`") == "Tables"


def test_every_command_has_plain_help_with_every_option_explained():
    leaves = _leaves()
    progs = {p.prog for p in leaves}
    for name in ("run", "shares", "fetch", "ingest", "classify", "presets", "export", "counts"):
        assert f"litscan {name}" in progs, name
    assert {"litscan cache list", "litscan cache clear"} <= progs
    for parser in leaves:
        text = parser.format_help()
        assert not [m for m in MARKUP if m in text], parser.prog
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._VersionAction):
                continue
            assert action.help, f"{parser.prog} {action.option_strings or action.dest}: no help"
        opts = parser._option_string_actions
        assert "--verbose" in opts and "--quiet" in opts, parser.prog


def test_defaults_are_shown_once():
    leaves = {p.prog: p for p in _leaves()}
    shares = leaves["litscan shares"].format_help()
    assert "(default: 1000)" in shares and "(default: fractional)" in shares
    export = leaves["litscan export"].format_help()
    assert "(1200) (default: 1200)" not in " ".join(export.split())


@pytest.fixture()
def cache(tmp_path, raw_works):
    root = tmp_path / "cache"
    with FakeOpenAlex(raw_works) as server:
        s = resolve_settings(server.url, cache_dir=root, max_requests_per_second=None)
        litscan.fetch("publication_year:2019", settings=s)  # complete
        litscan.fetch("publication_year:2020-2023", settings=s, max_works=30)  # partial
    (root / "notes").mkdir()  # not a cache folder: never listed, never removed
    return root


def test_cache_list_and_clear(cache, capsys):
    assert main(["cache", "list", "--cache-dir", str(cache)]) == 0
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert len(lines) == 2 and "2 cached queries" in out.err
    assert sum("complete" in ln for ln in lines) == 1 and sum("partial" in ln for ln in lines) == 1
    assert main(["cache", "clear", "--cache-dir", str(cache), "--incomplete", "--dry-run"]) == 0
    assert "would remove 1 query" in capsys.readouterr().err
    assert len(list(cache.glob("works-*"))) == 2
    assert main(["cache", "clear", "--cache-dir", str(cache), "--incomplete"]) == 0
    capsys.readouterr()
    assert main(["cache", "list", "--cache-dir", str(cache), "--format", "csv"]) == 0
    csv = capsys.readouterr().out
    assert csv.count("\n") == 2 and "publication_year:2019" in csv and ",true," in csv
    assert main(["cache", "clear", "--cache-dir", str(cache)]) == 0
    assert "removed 1 query" in capsys.readouterr().err
    assert not list(cache.glob("works-*")) and (cache / "notes").is_dir()


def test_cache_list_names_a_corrupt_manifest(cache, capsys):
    (m,) = [p for p in cache.glob("works-*/manifest.json") if '"complete": true' in p.read_text()]
    m.write_text('{"url": 5}')
    assert main(["cache", "list", "--cache-dir", str(cache)]) == 2
    assert f"{m.parent.name}  PROBLEM" in capsys.readouterr().out
    assert main(["cache", "list", "--cache-dir", str(cache / "nowhere"), "--quiet"]) == 0
