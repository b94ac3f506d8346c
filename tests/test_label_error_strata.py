"""Label error corrected per stratum, then standardised (issue 24): the verdicts' label-error
row equals a hand computation per venue-year stratum, for each claim kind.

Every table here is SYNTHETIC: two venues × two years, one country per work, a chosen number of
flagged (``surveillance``) and unflagged works per country and stratum. The precision is the
shipped audit's (``audit_summary.json``).
"""

from __future__ import annotations

import json
import tomllib

import polars as pl
import pytest

from litscan.claims.evaluate import evaluate
from litscan.claims.presets import parse_preset
from litscan.claims.results import Evidence
from litscan.labels import label_error as le
from litscan.labels.label_error_strata import corrected_text

#: (venue, year) -> country -> (flagged works, unflagged works)   SYNTHETIC
CELLS = {
    ("V1", 2020): {"CN": (12, 30), "US": (8, 50), "GB": (4, 20)},
    ("V1", 2021): {"CN": (20, 40), "US": (6, 45), "GB": (5, 25)},
    ("V2", 2020): {"CN": (9, 60), "US": (15, 35), "GB": (3, 30)},
    ("V2", 2021): {"CN": (14, 55), "US": (10, 40), "GB": (6, 20)},
}


def evidence() -> Evidence:
    works, wc, flags = [], [], []
    for (venue, year), by_country in CELLS.items():
        for code, (n_flag, n_other) in by_country.items():
            for i in range(n_flag + n_other):
                wid = f"{venue}{year}{code}{i}"
                works.append((wid, year, venue, i))
                wc.append((wid, code, 1.0, 1.0))
                if i < n_flag:
                    flags.append(wid)
    works = pl.DataFrame(works, schema={"id": pl.Utf8, "year": pl.Int32, "source": pl.Utf8,
                                        "cited_by_count": pl.Int64}, orient="row")  # fmt: skip
    wc = pl.DataFrame(wc, schema={"work_id": pl.Utf8, "country_code": pl.Utf8,
                                  "whole": pl.Float64, "fractional": pl.Float64},
                      orient="row")  # fmt: skip
    wl = pl.DataFrame({"work_id": flags, "label": "classifier:surveillance", "score": 1.0,
                       "flag": True})  # fmt: skip
    return Evidence(kind="records", name="synthetic", caveat="synthetic test data", works=works,
                    work_countries=wc, work_labels=wl, label_kinds=frozenset({"classifier"}),
                    source="tables")  # fmt: skip


def run(claim: str):
    text = f"""
schema_version = 1
claim = "synthetic"
countries = ["CN", "US"]
resamples = 200
min_works = 10
figures = ["comparison"]
[population]
years = [2020, 2021]
[labels]
surveillance = "classifier:surveillance"
[strata]
by = ["source", "year"]
[[claims]]
id = "c"
text = "synthetic"
{claim}
"""
    r = evaluate(parse_preset(tomllib.loads(text), "synthetic.toml"), {"records": evidence()})
    res = r.results[0]
    json.dumps(res.as_dict(), allow_nan=False)
    return res


PI = le.load_quality("surveillance").precision


def share(cell: dict, code: str, part: int | None) -> tuple[float, int]:
    """(CN/US share, works) among the flagged (part 0), unflagged (1) or all (None) works."""
    n = {c: (v[part] if part is not None else sum(v)) for c, v in cell.items()}
    return n[code] / sum(n.values()), sum(n.values())


def corr(s: float, u: float) -> float:
    return (s - (1 - PI) * u) / PI


def hand(strata: list, side_a, side_b) -> tuple[float, float]:
    """(observed, corrected) standardised A − B: weights = side A's works per stratum."""
    rows = [(side_a(k), side_b(k)) for k in strata]
    total = sum(a[2] for a, _ in rows)
    obs = sum(a[2] / total * (a[0] - b[0]) for a, b in rows)
    cor = sum(a[2] / total * (a[1] - b[1]) for a, b in rows)
    return obs, cor


def labelled(code: str, cells: dict = CELLS):
    def side(k):
        s, n = share(cells[k], code, 0)
        u, _ = share(cells[k], code, 1)
        return s, corr(s, u), n

    return side


def unlabelled(code: str):
    def side(k):
        s, n = share(CELLS[k], code, None)
        return s, s, n

    return side


def check(r, obs: float, cor: float) -> dict:
    row = r.label_error
    assert row["method"] == "per stratum"
    assert row["estimate"] == pytest.approx(r.primary.diff, abs=1e-12)  # = the headline
    assert row["estimate"] == pytest.approx(obs, abs=1e-12)
    assert row["estimate_corrected"] == pytest.approx(cor, abs=1e-12)
    assert row["lo_corrected"] <= row["estimate_corrected"] <= row["hi_corrected"]
    assert row["agrees"] is row["survives"]
    assert "recall is assumed equal across countries" in row["recall_assumption"]
    return row


def test_country_vs_country_per_stratum():
    r = run('a = { country = "CN", label = "surveillance" }\nop = ">"\n'
            'b = { country = "US", label = "surveillance" }')  # fmt: skip
    obs, cor = hand(list(CELLS), labelled("CN"), labelled("US"))
    row = check(r, obs, cor)
    assert len(row["strata"]) == 4
    v1 = next(s for s in row["strata"] if s["stratum"] == "V1 2020")
    assert v1["background_a"] == pytest.approx(30 / 100) and v1["share_a"] == pytest.approx(0.5)


def test_label_vs_all_per_stratum():
    r = run('a = { country = "CN", label = "surveillance" }\nop = ">"\nb = { country = "CN" }')
    obs, cor = hand(list(CELLS), labelled("CN"), unlabelled("CN"))
    row = check(r, obs, cor)
    assert row["background_b"] is None  # the unlabelled side is not corrected
    assert all(s["corrected_b"] == s["share_b"] for s in row["strata"])


def test_before_after_per_venue():
    r = run('a = { country = "CN", label = "surveillance", years = [2021, 2021] }\nop = ">"\n'
            'b = { country = "CN", label = "surveillance", years = [2020, 2020] }')  # fmt: skip
    # years are the contrast: strata are venues; each side corrected with its own years' background
    after = {v: CELLS[(v, 2021)] for v in ("V1", "V2")}
    before = {v: CELLS[(v, 2020)] for v in ("V1", "V2")}
    obs, cor = hand(["V1", "V2"], labelled("CN", after), labelled("CN", before))
    row = check(r, obs, cor)
    assert row["by"] == ["source"]


def test_corrected_text_states_verdict_and_agreement():
    row = {"verdict_corrected": "supported", "estimate_corrected": 0.12, "lo_corrected": 0.03,
           "hi_corrected": 0.233, "agrees": False, "verdict": "inconclusive",
           "verdicts_over_precision_interval": ["inconclusive", "supported"]}  # fmt: skip
    text = corrected_text(row)
    assert text.startswith("corrected: supported, +12.0 [+3.0, +23.3]; disagrees")
    assert "inconclusive, supported" in text
    assert le.survives_cell({**row, "corrected_text": text}) == text


def test_row_names_its_audit_and_counting():
    r = run('a = { country = "CN", label = "surveillance" }\nop = ">"\nb = { country = "CN" }')
    row = r.label_error
    assert row["counting"] == r.primary.counting
    assert "audit3_sheet.csv" in row["source"]
    assert "(surveillance;" in le.describe(row)


def test_recall_by_country_diagnostic_runs_on_the_shipped_audits():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "recall_by_country.py"
    spec = importlib.util.spec_from_file_location("recall_by_country", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rows = mod.recall_by_country("surveillance", "audit3_sheet.csv")
    assert [r["country"] for r in rows] == ["CN", "US"]
    for r in rows:
        assert r["positives"] > 10 and 0.0 < r["recall_weighted"] <= 1.0
