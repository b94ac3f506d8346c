"""Preset validation: every shipped preset loads; every bad preset is a one-line PresetError
naming the file and the key path; the CLI exits 2 without a traceback."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from litscan.claims.presets import list_presets, load_preset, parse_preset
from litscan.cli import main
from litscan.errors import PresetError

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "litscan" / "queries"  # the shipped presets (queries/ links here)

MINIMAL = """
schema_version = 1
claim = "CN share > US share"
countries = ["CN", "US"]
[population]
years = [2013, 2019]
[labels]
surveillance = "classifier:surveillance"
[[claims]]
id = "c1"
text = "CN share > US share"
a = { country = "CN", label = "surveillance" }
op = ">"
b = { country = "US", label = "surveillance" }
"""


def _write(tmp_path: Path, text: str, name: str = "x.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_every_shipped_preset_loads():
    paths = list_presets(QUERIES)
    assert len(paths) >= 6
    for p in paths:
        preset = load_preset(p)
        assert preset.claim and "\n" not in preset.claim
        assert preset.claims
        assert len(preset.sha256) == 64


def test_minimal_preset_is_frozen(tmp_path):
    preset = load_preset(_write(tmp_path, MINIMAL))
    assert preset.countries == ("CN", "US")
    assert preset.claims[0].a.label == "surveillance"
    assert preset.counting.report == ("whole", "fractional")
    with pytest.raises(AttributeError):
        preset.countries = ("US",)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        (
            'countries = ["CN", "US"]',
            'countries = ["CN", "US", "UK"]',
            r"x\.toml: countries\[2\]: unknown country code 'UK'; did you mean 'GB'\?",
        ),
        (
            'countries = ["CN", "US"]',
            'countries = ["cn"]',
            r"countries\[0\]: country codes are upper case.*'CN'",
        ),
        (
            "schema_version = 1",
            "schema_version = 1\ncountrys = []",
            r"x\.toml: countrys: unknown key 'countrys'; did you mean 'countries'\?",
        ),
        (
            "years = [2013, 2019]",
            "years = [2019, 2013]",
            r"population\.years: first year 2019 is after last year 2013",
        ),
        (
            "years = [2013, 2019]",
            "years = [13, 2019]",
            r"population\.years\[0\]: expected a year between",
        ),
        (
            "years = [2013, 2019]",
            'years = "2013-2019"',
            r"population\.years: expected \[first_year, last_year\]",
        ),
        (
            '"classifier:surveillance"',
            '"classifier:survelance"',
            r"labels\.surveillance: unknown classifier label 'survelance'; did you mean "
            r"'classifier:surveillance'\?",
        ),
        (
            '"classifier:surveillance"',
            '"subfield:9999"',
            r"labels\.surveillance: unknown OpenAlex subfield",
        ),
        (
            'label = "surveillance" }\nop',
            'label = "surveilance" }\nop',
            r"claims\[0\]\.a\.label: unknown label 'surveilance'; did you mean 'surveillance'\?",
        ),
        ('op = ">"', 'op = ">="', r"claims\[0\]\.op: expected one of >, <, got '>='"),
        (
            'a = { country = "CN", label',
            'a = { country = "CN", tpo = true, label',
            r"claims\[0\]\.a\.tpo: unknown key 'tpo'; did you mean 'top'\?",
        ),
    ],
)
def test_bad_presets_name_file_and_key(tmp_path, old, new, match):
    assert old in MINIMAL
    p = _write(tmp_path, MINIMAL.replace(old, new, 1))
    with pytest.raises(PresetError, match=match) as info:
        load_preset(p)
    assert "\n" not in str(info.value)


def test_toml_syntax_error_names_line(tmp_path):
    p = _write(tmp_path, MINIMAL.replace('op = ">"', "op = >"))
    with pytest.raises(PresetError, match=r"x\.toml: line \d+, column \d+: invalid TOML"):
        load_preset(p)


def test_missing_file_suggests_preset(tmp_path):
    with pytest.raises(PresetError, match="no such preset file"):
        load_preset(tmp_path / "nope.toml")


def test_counts_claims_reject_top(tmp_path):
    text = MINIMAL.replace(
        'a = { country = "CN", label = "surveillance" }', 'a = { country = "CN", top = true }'
    ).replace('id = "c1"', 'id = "c1"\nevidence = "counts"')
    with pytest.raises(PresetError, match=r"claims\[0\]\.a\.top: highly-cited sets need work"):
        load_preset(_write(tmp_path, text))


def test_cli_bad_preset_exits_2_one_line(tmp_path, capsys):
    p = _write(tmp_path, MINIMAL.replace('"US"]', '"UK"]'))
    assert main(["run", str(p), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "countries[1]: unknown country code 'UK'; did you mean 'GB'?" in err
    assert "Traceback" not in err


def test_cli_subprocess_no_traceback(tmp_path):
    p = _write(tmp_path, MINIMAL.replace("schema_version = 1", "schema_version = 7"))
    r = subprocess.run(
        [sys.executable, "-m", "litscan", "run", str(p)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "schema_version: expected 1, got 7" in r.stderr


def test_presets_command_lists_claims(capsys):
    assert main(["presets", "--dir", str(QUERIES)]) == 0
    out = capsys.readouterr().out
    assert "surveillance-vs-deep-learning" in out
    assert "arXiv" in out


def test_parse_preset_roundtrip_of_shipped():
    for p in list_presets(QUERIES):
        data = tomllib.loads(p.read_text(encoding="utf-8"))
        assert parse_preset(data, p).name == p.stem
