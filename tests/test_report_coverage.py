"""The report shows what a claim rests on (issue 26): the ``narrow`` flag beside the verdict (summary
table and claim block) with its definition in the verdict-word list, and a "Rests on …" sentence
when fewer venues or years entered than the preset requested. Embedded top-venue papers."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import litscan
from litscan.claims.presets import parse_preset
from litscan.report.claim_text import coverage_sentence, flags_html, without_narrowing
from litscan.report.html import render_html

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_coverage import _preset  # noqa: E402  (the embedded preset builder of the adhoc work)


@pytest.fixture(scope="module")
def narrowed():
    """CN share at ACL/NAACL/COLING 2024 vs 2021: only NAACL has works in both periods."""
    claims = [{"id": "cn-nlp-up", "text": "CN share 2024 > 2021", "op": ">",
               "a": {"country": "CN", "years": [2024, 2024]},
               "b": {"country": "CN", "years": [2021, 2021]}}]  # fmt: skip
    p = parse_preset(_preset(["ACL", "NAACL", "COLING"], years=(2021, 2024), claims=claims))
    return litscan.run_preset(p, offline=True, resamples=20)


def _summary_row(page: str, claim_id: str) -> str:
    table = page[page.index("<h2>Verdicts</h2>") : page.index("<h2>Definitions</h2>")]
    return next(r for r in table.split("<tr>") if f"#claim-{claim_id}'" in r)


def test_narrow_flag_beside_the_verdict_and_dropped_venues_named(narrowed, tmp_path):
    assert narrowed.results[0].flags == ("narrow",)
    page = narrowed.write(tmp_path / "out").read_text(encoding="utf-8")
    # summary table: the badge, then the flag in the same cell
    row = _summary_row(page, "cn-nlp-up")
    verdict = narrowed.results[0].verdict
    assert re.search(rf'class="verdict"[^>]*>{re.escape(verdict)}</span> <span class="flag"'
                     r'[^>]*>narrow</span>', row), row  # fmt: skip
    # claim block: heading badge + flag, and the coverage sentence naming the dropped venues
    block = page[page.index('id="claim-cn-nlp-up"') :]
    block = block[: block.index("</div>")]
    head = block[block.index("<h3>") : block.index("</h3>")]
    assert f">{verdict}</span> <span class=\"flag\"" in head and ">narrow</span>" in head
    rests = re.search(r"<p class='coverage'>(.*?)</p>", block).group(1)
    assert rests.startswith("Rests on 1 of the 3 venues requested: NAACL")
    assert "ACL (works on one side only)" in rests and "COLING (no works on either side)" in rests
    assert "narrow = rests on a single venue where several were requested" in block
    # the reason no longer repeats the sentence (verdicts.json keeps it whole)
    assert block.count("COLING") == 1
    # the verdict-word list defines the flag
    words = page[page.index("id='verdict-words'") :]
    words = words[: words.index("</ul>")]
    assert "narrow</span> a flag beside a verdict: rests on a single venue where several were " \
        "requested." in words  # fmt: skip


def test_claim_on_every_requested_venue_shows_no_flag_and_no_sentence():
    p = parse_preset(_preset(["ICRA", "IROS"]))
    res = litscan.run_preset(p, offline=True, resamples=20)
    assert res.results[0].flags == ()
    page = render_html(res.evaluation, embed_figures=False)
    assert "<p class='coverage'>" not in page
    assert 'class="flag"' not in _summary_row(page, "cn-us")
    assert "a flag beside a verdict" in page  # the definition is listed all the same


def test_years_that_did_not_enter_are_named():
    """ICCV is held every other year, and its 2021 papers carry no author country in the
    embedded data (source_coverage: works_with_countries 0): 2016–2021 rests on 2017 and 2019."""
    res = litscan.run_preset(parse_preset(_preset(["ICCV"], years=(2016, 2021))), offline=True,
                             resamples=20)  # fmt: skip
    page = render_html(res.evaluation, embed_figures=False)
    rests = re.search(r"<p class='coverage'>(.*?)</p>", page).group(1)
    assert "years 2017, 2019 of the 2016–2021 requested" in rests
    assert "venues" not in rests and res.results[0].flags == ()


def test_coverage_sentence_cases():
    base = {"venues_requested": "all", "venues_considered": ["A", "B", "C"],
            "venues_entered": ["A", "B"], "venues_one_side": ["C"], "venues_missing": [],
            "years_requested": [[2020, 2022]], "years_entered": [2020, 2021, 2022],
            "works": {"a": 1234, "b": None}}  # fmt: skip
    assert coverage_sentence(base) == (
        "Rests on 2 of the 3 venues with works on either side: A, B; dropped C (works on one "
        "side only); works: 1,234 on side A"
    )
    full = {**base, "venues_entered": ["A", "B", "C"], "venues_one_side": []}
    assert coverage_sentence(full) == "" and coverage_sentence(None) == ""
    before_after = {**full, "years_requested": [[2024, 2024], [2019, 2020]],
                    "years_entered": [2019, 2024]}  # fmt: skip
    assert "years 2019, 2024 of the 2019–2020, 2024 requested" in coverage_sentence(before_after)
    none = {**base, "venues_entered": [], "venues_missing": ["A", "B"], "venues_one_side": ["C"]}
    assert coverage_sentence(none).startswith("Rests on none of the 3 venues")
    assert without_narrowing("rests on X only. too few works", {"narrowing": "rests on X only"}) \
        == "too few works"  # fmt: skip
    assert without_narrowing("too few works", {}) == "too few works"


def test_flag_marks_escape_and_unknown_flags_get_a_definition():
    mark = flags_html(["<b>odd</b>"])
    assert "<b>" not in mark and "&lt;b&gt;odd&lt;/b&gt;" in mark and "title=" in mark
    assert flags_html([]) == ""
