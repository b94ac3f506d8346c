"""Coverage you can see, and presets that cannot silently narrow (embedded top-venue papers)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import litscan
from litscan.claims.coverage import check_population, data_coverage
from litscan.claims.presets import parse_preset
from litscan.errors import PresetError
from litscan.workflows.coverage import source_coverage

REPO = Path(__file__).resolve().parents[1]


def _preset(venues, years=(2018, 2023), claims=None, **extra) -> dict:
    return {
        "schema_version": 1,
        "claim": "test",
        "countries": ["CN", "US"],
        "resamples": 50,
        "population": {"years": list(years), "venues": list(venues)},
        "claims": claims
        or [
            {
                "id": "cn-us",
                "text": "CN > US",
                "a": {"country": "CN"},
                "op": ">",
                "b": {"country": "US"},
            }
        ],
        **extra,
    }


ROBOTS = """
schema_version = 1
claim = "CN share of robotics papers > US share"
countries = ["CN", "US"]
resamples = 50
[population]
years = [2018, 2023]
venues = ["ICRA", "IROSS"]
[[claims]]
id = "cn-us"
text = "CN > US"
a = { country = "CN" }
op = ">"
b = { country = "US" }
"""


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "litscan", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def test_mistyped_venue_exits_2_suggesting_the_real_one(tmp_path):
    path = tmp_path / "robots.toml"
    path.write_text(ROBOTS)
    r = _cli("run", str(path), "--offline", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    line = r.stderr.strip().splitlines()[-1]
    assert "population.venues[1]" in line and "'IROSS'" in line
    assert "did you mean 'IROS'?" in line and "ICRA" in line and "Traceback" not in r.stderr
    assert not (tmp_path / "out" / "robots" / "verdicts.json").exists()


def test_venue_without_countries_and_years_outside_are_named():
    cov = source_coverage()
    p = parse_preset(_preset(["ICRA", "EMNLP"]))
    with pytest.raises(PresetError, match="'EMNLP' has works .* but none with an author country"):
        check_population(p, cov, "embedded")
    with pytest.raises(PresetError, match=r"population.years: 1990–1995 is outside"):
        check_population(parse_preset(_preset(["ICRA"], years=(1990, 1995))), cov, "embedded")
    notes = check_population(parse_preset(_preset(["ICRA"], years=(2020, 2030))), cov, "data")
    assert notes and "2026–2030" in notes[0]
    with pytest.raises(PresetError, match="did you mean 'ICRA'"):
        check_population(parse_preset(_preset(["icra"])), cov, "embedded")


def test_narrowed_claim_is_flagged_and_names_the_dropped_venues(tmp_path):
    """CN share at ACL/NAACL/COLING 2024 vs 2021: only NAACL has works in both periods."""
    claims = [
        {
            "id": "cn-nlp-up",
            "text": "CN share 2024 > 2021",
            "a": {"country": "CN", "years": [2024, 2024]},
            "op": ">",
            "b": {"country": "CN", "years": [2021, 2021]},
            "per_year": True,
        }
    ]
    p = parse_preset(_preset(["ACL", "NAACL", "COLING"], years=(2021, 2024), claims=claims))
    res = litscan.run_preset(p, offline=True)
    r = res.results[0]
    assert r.flags == ("narrow",)
    assert r.coverage["venues_entered"] == ["NAACL"]
    assert r.coverage["venues_one_side"] == ["ACL"] and r.coverage["venues_missing"] == ["COLING"]
    assert r.reason.startswith("rests on NAACL only; ACL has no works on one side; COLING")
    assert any("per_year = true gave no rows" in c for c in r.caveats)
    res.write(tmp_path / "out")
    d = json.loads((tmp_path / "out" / "verdicts.json").read_text())["claims"][0]
    assert d["flags"] == ["narrow"] and d["coverage"]["years_requested"] == [
        [2024, 2024],
        [2021, 2021],
    ]
    assert d["coverage"]["works"]["a"] > 0 and d["coverage"]["works"]["b"] > 0


def test_claim_on_every_requested_venue_is_not_narrow():
    p = parse_preset(_preset(["ICRA", "IROS"], years=(2020, 2023)))
    r = litscan.run_preset(p, offline=True).results[0]
    assert r.flags == () and r.coverage["venues_entered"] == ["ICRA", "IROS"]
    assert r.coverage["years_entered"] == [2020, 2021, 2022, 2023]
    assert not r.reason.startswith("rests on")


def test_data_coverage_keeps_works_without_venue_or_year():
    works = pl.DataFrame(
        {"id": ["W1", "W2", "W3"], "source": ["A", None, None], "year": [2020, 2020, None]}
    )
    wc = pl.DataFrame({"work_id": ["W1", "W2", "W3"], "country_code": ["CN", None, "US"]})
    cov = data_coverage(works, wc)
    assert cov.rows() == [("A", 2020, 1, 1), (None, 2020, 1, 0), (None, None, 1, 1)]


def test_cli_coverage_table_and_heatmap(tmp_path):
    r = _cli("coverage", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "source,year,works,works_with_countries"
    rows = {tuple(x.split(",")[:2]): x.split(",")[2:] for x in lines[1:]}
    assert ("IROS", "2023") in rows and not any(v == "IROSS" for v, _ in rows)
    assert rows[("AAAI", "2021")][1] == "0"  # works there, but none with an author country
    assert "25 venues" in r.stderr
    r = _cli("coverage", "@fixture", "--out", str(tmp_path / "c.html"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "without a venue" in r.stderr and "Heatmap" in (tmp_path / "c.html").read_text()


def test_cli_shares_writes_to_stdout_without_out(tmp_path):
    r = _cli("shares", "@fixture", "--resamples", "0", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("country_code") or "country_code" in r.stdout.splitlines()[0]
    assert "-> stdout" in r.stderr


def test_fetch_progress_shows_an_eta(capsys):
    from litscan.openalex.paging import _Progress

    bar = _Progress(True, "fetch works")
    bar.update(100, 1000, 1)
    bar.update(300, 1000, 3, final=True)
    err = capsys.readouterr().err
    assert "fetch works" in err and "300/1.00k" in err and "<" in err and "3 pages" in err


def test_default_cache_is_the_user_cache_folder(monkeypatch, tmp_path):
    from litscan.config import resolve_settings

    monkeypatch.delenv("LITSCAN_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert resolve_settings().cache_dir == tmp_path / "xdg" / "litscan" / "openalex"
    monkeypatch.setenv("LITSCAN_CACHE", str(tmp_path / "mine"))
    assert resolve_settings().cache_dir == tmp_path / "mine"
    assert resolve_settings(cache_dir=tmp_path / "arg").cache_dir == tmp_path / "arg"


def test_venue_contrast_claims_are_not_called_narrow():
    """Side A selects robotics venues, side B all: venues are the contrast, not strata, so every
    venue with works on a side enters and nothing is 'dropped'."""
    claims = [{"id": "cn-ro", "text": "CN share at robotics venues > CN share overall",
               "a": {"country": "CN", "label": "ro"}, "op": ">", "b": {"country": "CN"}}]
    p = parse_preset(_preset(["ICRA", "IROS", "ACL"], years=(2021, 2022), claims=claims,
                             labels={"ro": "venue_field:RO"}))
    r = litscan.run_preset(p, offline=True).results[0]
    assert r.coverage["strata"] == ["year"] and r.flags == ()
    assert r.coverage["venues_entered"] == ["ACL", "ICRA", "IROS"]
    assert r.coverage["venues_a"] == ["ICRA", "IROS"] and not r.reason.startswith("rests on")


def test_unknown_work_labels_value_is_named_with_what_exists(tmp_path):
    from litscan.tables import datasets

    t = datasets.load_works_fixture()
    wl = pl.DataFrame({"work_id": t.works["id"][:50], "label": ["transformer"] * 50,
                       "flag": [True] * 50})
    folder = litscan.write_tables({"works": t.works, "work_countries": t.work_countries,
                                   "work_labels": wl}, tmp_path / "t")
    claims = [{"id": "cn-tr", "text": "CN > US", "a": {"country": "CN", "label": "tr"}, "op": ">",
               "b": {"country": "US", "label": "tr"}}]
    bad = {**_preset([], years=(2015, 2025), claims=claims), "labels": {"tr": "work_labels:transformers"}}
    bad["population"].pop("venues")
    with pytest.raises(PresetError, match=r"labels.tr: work_labels value 'transformers' .* "
                       r"did you mean 'transformer'\?"):
        litscan.run_preset(parse_preset(bad), tables=folder)
    ok = {**bad, "labels": {"tr": "work_labels:transformer"}, "min_works": 1}
    assert litscan.run_preset(parse_preset(ok), tables=folder).results[0].claim.id == "cn-tr"
