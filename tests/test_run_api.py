"""The notebook API: litscan.run_preset -> RunResult (frames, figures, files)."""

from __future__ import annotations

import json

import polars as pl
import pytest

import litscan
from litscan.errors import UsageError


@pytest.fixture(scope="module")
def surv():
    return litscan.run_preset("surveillance-vs-deep-learning", offline=True, resamples=200)


def test_to_frame_one_row_per_claim(surv):
    df = surv.to_frame()
    assert df.height == len(surv.preset.claims)
    assert {"id", "verdict", "diff", "lo", "hi"} <= set(df.columns)
    assert df.get_column("id").to_list() == [c.id for c in surv.preset.claims]
    testable = df.filter(pl.col("diff").is_not_null())
    assert (testable["lo"] <= testable["diff"]).all() and (testable["diff"] <= testable["hi"]).all()


def test_write_reports_atomically(surv, tmp_path):
    report = surv.write(tmp_path / "r")
    assert report.name == "report.html" and report.is_file()
    verdicts = json.loads((tmp_path / "r" / "verdicts.json").read_text())
    assert [c["verdict"] for c in verdicts["claims"]] == surv.to_frame()["verdict"].to_list()
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["data_source"] == "embedded" and manifest["resamples"] == 200
    assert not list((tmp_path / "r").rglob(".*.tmp"))


def test_truncated_plotly_js_is_replaced(tmp_path):
    out = tmp_path / "r"
    kw = dict(offline=True, resamples=20, shared_js=True)
    litscan.run_presets(["arxiv-half-chinese"], out, **kw)
    js = out / "plotly.min.js"
    full = js.read_bytes()
    js.write_bytes(full[: len(full) // 2])  # what a disk-full run used to leave behind
    litscan.run_presets(["arxiv-half-chinese"], out, **kw)
    assert js.read_bytes() == full


def test_single_report_is_self_contained(surv, tmp_path):
    report = surv.write(tmp_path / "r")
    assert not (tmp_path / "r" / "plotly.min.js").exists()
    assert report.stat().st_size > 3_000_000  # plotly.js inlined once


def test_repr_html_and_bad_arguments(surv):
    assert surv._repr_html_().startswith("<!DOCTYPE html>")
    with pytest.raises(UsageError, match="resamples"):
        litscan.run_preset("surveillance-vs-deep-learning", offline=True, resamples=-1)
    with pytest.raises(UsageError, match="source"):
        litscan.run_preset("surveillance-vs-deep-learning", source="nowhere")
