"""The robustness block's per-stratum and label-specification tables (litscan.report.strata_html):
on the shipped presets, every stratum row and every label specification is shown with its numbers,
and a count claim's strata are headed as years."""

from __future__ import annotations

import re

import pytest

import litscan
from litscan.report.html import claim_html, robustness_html
from litscan.report.strata_html import label_specs_table, strata_table


@pytest.fixture(scope="module")
def surveillance():
    return litscan.run_preset("surveillance-vs-deep-learning", offline=True, resamples=100)


def test_every_stratum_is_a_row_with_its_weight_and_decisiveness(surveillance):
    r = next(r for r in surveillance.evaluation.results if r.claim.id == "cn-surveillance-top")
    block = robustness_html(r)
    strata = r.robustness.strata
    assert len(strata) >= 2
    table = block[block.index("<summary>Per venue</summary>") :]
    for s in strata:
        assert f"<td>{s['stratum']}</td>" in table
        assert f"{s['n_a']:,}</td><td class='num'>{s['n_b']:,}" in table
    weights = re.findall(r"<td class='num'>(\d+\.\d) %</td>", table)
    assert len(weights) == len(strata)
    assert sum(float(w) for w in weights) == pytest.approx(100, abs=0.1 * len(strata))


def test_label_specifications_are_listed_with_the_shipped_one_first(surveillance):
    r = next(r for r in surveillance.evaluation.results if r.claim.id == "cn-surveillance-top")
    assert len(r.label_specs) >= 3
    table = label_specs_table(r.label_specs)
    rows = re.findall(r"<tr><td>(.*?)</td><td class='num'>(.*?)</td>", table)
    assert len(rows) == len(r.label_specs)
    assert rows[0][0].endswith("(shipped)")
    shipped = r.label_specs[0]
    assert rows[0][1].startswith(f"{shipped['diff'] * 100:+.1f} pts")
    assert "Label specifications" in claim_html(r) or "Label specifications" in robustness_html(r)


def test_count_claims_head_their_strata_as_years():
    res = litscan.run_preset("ai-output-cn-vs-us", offline=True, resamples=50)
    r = next(r for r in res.evaluation.results if r.robustness and r.robustness.unit == "year")
    block = robustness_html(r)
    assert "<summary>Per year</summary>" in block and "this year's verdict" in block
    assert "Per venue" not in block


def test_empty_inputs_give_no_table():
    assert strata_table((), "venue") == ""
    assert label_specs_table(({"spec": "round3", "diff": 0.1, "lo": 0.0, "hi": 0.2},)) == ""
