"""Static export: real PNG/SVG files via kaleido + the system Chromium; HTML; the error path."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import polars as pl
import pytest

from litscan import stats as ag
from litscan.cli import main
from litscan.errors import ExportError, UsageError
from litscan.report import figures as F
from litscan.report.export import find_chromium, read_figure, write_figure, write_figures
from litscan.tables import datasets


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_root(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    return root


@pytest.fixture(scope="module")
def figs():
    t = datasets.load_works_fixture()
    s = ag.country_shares(
        t.work_countries, works=t.works, by=("country", "year"), counting="both", n_resamples=20
    )
    trend = F.plot_share_trend(
        s, countries=["US", "CN"], years=(2015, 2024), source="litscan works fixture"
    )
    ev = pl.DataFrame({"label": ["ai", "cv"], "precision": [0.9, 0.8], "recall": [0.7, 0.6]})
    return {"trend": trend, "eval": F.plot_classifier_eval(ev)}


@pytest.fixture(scope="module")
def exported(figs, tmp_path_factory):
    out = tmp_path_factory.mktemp("fig")
    paths = write_figures(
        [(figs["trend"], out / "trend"), (figs["eval"], out / "sub" / "eval")],
        ("html", "png", "svg", "json"),
        width=800,
        height=450,
        scale=1,
    )
    return out, paths


def test_png_and_svg_are_valid_images(exported):
    out, paths = exported
    names = sorted(p.relative_to(out).as_posix() for p in paths)
    assert names == [
        "sub/eval.html",
        "sub/eval.json",
        "sub/eval.png",
        "sub/eval.svg",
        "trend.html",
        "trend.json",
        "trend.png",
        "trend.svg",
    ]
    assert png_size(out / "trend.png") == (800, 450)
    assert png_size(out / "sub" / "eval.png") == (800, 450)
    root = svg_root(out / "trend.svg")
    assert root.get("width") == "800" and root.get("height") == "450"
    text = (out / "trend.svg").read_text()
    assert "Country share of papers by year" in text  # the title is rendered text
    assert "fractional counting" in text


def test_html_cdn_and_inline(figs, tmp_path):
    cdn = write_figure(figs["eval"], tmp_path / "cdn", formats="html", html_js="cdn")[0]
    inline = write_figure(figs["eval"], tmp_path / "inline", formats=["html"])[0]  # the default
    assert "cdn.plot.ly" in cdn.read_text()
    assert cdn.stat().st_size < 100_000
    assert inline.stat().st_size > 1_000_000  # plotly.js embedded: opens offline
    assert "cdn.plot.ly" not in inline.read_text()[:5000]
    with pytest.raises(UsageError, match="html_js"):
        write_figure(figs["eval"], tmp_path / "x", formats="html", html_js="local")
    with pytest.raises(UsageError, match="unknown figure format 'gif'"):
        write_figure(figs["eval"], tmp_path / "x", formats="png,gif")


def test_json_roundtrip(exported, figs):
    out, _ = exported
    back = read_figure(out / "trend.json")
    assert back.layout.title.text == figs["trend"].layout.title.text
    assert list(back.data[1].y) == list(figs["trend"].data[1].y)


def test_no_chromium_is_a_clear_error(figs, tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(ExportError, match=r"apt-get install -y chromium"):
        find_chromium()
    with pytest.raises(ExportError, match="no Chromium found"):
        write_figure(figs["eval"], tmp_path / "x", formats="png")
    assert not (tmp_path / "x.png").exists()
    # HTML needs no browser
    assert write_figure(figs["eval"], tmp_path / "x", formats="html")[0].is_file()


def test_browser_path_override(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "nope"))
    with pytest.raises(ExportError, match="BROWSER_PATH="):
        find_chromium()
    monkeypatch.setenv("BROWSER_PATH", "/usr/bin/chromium")
    assert find_chromium() == "/usr/bin/chromium"


def test_cli_reexports_json(exported, tmp_path, capsys):
    out, _ = exported
    rc = main(
        [
            "export",
            str(out / "trend.json"),
            "--formats",
            "png",
            "--out",
            str(tmp_path),
            "--width",
            "600",
            "--height",
            "400",
        ]
    )
    assert rc == 0
    assert png_size(tmp_path / "trend.png") == (600, 400)
    assert str(tmp_path / "trend.png") in capsys.readouterr().out


def test_cli_errors(tmp_path, capsys):
    assert main(["export", "--formats", "png"]) == 2
    assert "FIGURE_JSON" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["export", str(bad), "--formats", "png"]) == 2
    assert "not a plotly figure JSON" in capsys.readouterr().err


def test_cli_no_chromium_exit_code(exported, tmp_path, monkeypatch, capsys):
    out, _ = exported
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["export", str(out / "trend.json"), "--out", str(tmp_path)]) == 2
    assert "apt-get install -y chromium" in capsys.readouterr().err


@pytest.mark.slow
def test_gallery_cli_writes_every_main_figure(tmp_path):
    rc = main(
        [
            "export",
            "--gallery",
            "--formats",
            "png,svg",
            "--out",
            str(tmp_path),
            "--resamples",
            "20",
            "--only",
            "share_trend,activity_index,highly_cited,before_after,coauthorship_cn_us",
        ]
    )
    assert rc == 0
    for name in (
        "share_trend",
        "activity_index",
        "highly_cited",
        "before_after",
        "coauthorship_cn_us",
    ):
        assert png_size(tmp_path / f"{name}.png") == (1200, 675)
        svg_root(tmp_path / f"{name}.svg")
