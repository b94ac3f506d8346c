"""Hostile input, round 3 (issue 25): audit sheets that run formulas, and sheets that score nonsense.

Synthetic populations (named as such: "paper i" titles, 12 flagged and 300 unflagged). A sheet is
written by :func:`litscan.labels.audit.write_audit`, filled, then damaged the way a spreadsheet
session does; ``litscan audit --score`` must end with exit 2 and one line naming the file and the
rows, never print a precision.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from litscan.cli import main
from litscan.labels import audit

REPO = Path(__file__).resolve().parents[1]
EVIL = ["=HYPERLINK(\"http://x\",\"click\")", "+1+1", "-2+3", "@SUM(A1:A9)", "\t=cmd|' /C calc'!A0",
        "\r=1+1", "  =spaced", "plain title"]


def population(n_flag: int = 12, n_unflag: int = 300, titles: list[str] | None = None):
    n = n_flag + n_unflag
    titles = titles or [f"paper {i}" for i in range(n)]
    return pl.DataFrame({
        "id": [f"W{i:04d}" for i in range(n)],
        "title": (titles * n)[:n],
        "abstract": [f"abstract {i}" for i in range(n)],
        "flag": [True] * n_flag + [False] * n_unflag,
    })


def read_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, rows: list[dict], fields: list[str] | None = None) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields or list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


# --- formulas -----------------------------------------------------------------------------------
def test_cells_a_spreadsheet_would_evaluate_are_neutralised(tmp_path):
    pop = population(4, 4, titles=EVIL)
    pop = pop.with_columns(pl.Series("id", ["=1+2", *[f"W{i}" for i in range(1, 8)]]))
    sample = audit.draw_sample(pop, 8, seed=1)
    audit.write_audit(sample, tmp_path, "surveillance", seed=1)
    rows = read_rows(tmp_path / audit.SHEET_FILE)
    titles = {r["title"] for r in rows}
    assert titles == {"'=HYPERLINK(\"http://x\",\"click\")", "'+1+1", "'-2+3", "'@SUM(A1:A9)",
                      "'=cmd|' /C calc'!A0", "'=1+1", "'=spaced", "plain title"}
    for r in rows:
        for cell in r.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), r
    key = read_rows(tmp_path / audit.KEY_FILE)
    assert "'=1+2" in {r["work_id"] for r in key}
    form = (tmp_path / audit.FORM_FILE).read_text(encoding="utf-8")
    assert "/^[=+\\-@\\t\\r]/" in form  # the form's download neutralises cells the same way


def test_the_form_escapes_everything(tmp_path):
    titles = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(2)>", "a & b", "x"]
    sample = audit.draw_sample(population(4, 4, titles=titles), 8, seed=1)
    form = audit.sheet_html(sample, "sur</script><script>alert(3)//", audit="abc")
    body = form.split("<script>")
    assert len(body) == 2  # only litscan's own script element
    assert "<img" not in form and "alert(1)</script>" not in form
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in form and "a &amp; b" in form
    assert "\\u003c/script\\u003e" in body[1]  # the label inside the script is a JSON string


# --- scoring ------------------------------------------------------------------------------------
@pytest.fixture
def filled(tmp_path) -> tuple[Path, list[dict]]:
    sample = audit.draw_sample(population(), 10, seed=3)
    audit.write_audit(sample, tmp_path, "surveillance", seed=3)
    rows = read_rows(tmp_path / audit.SHEET_FILE)
    for r in rows:
        r["surveillance"] = "1" if int(r["title"].split()[1]) % 3 else "0"
    return tmp_path, rows


def score_cli(sheet: Path, key: Path, capsys) -> tuple[int, str, str]:
    rc = main(["audit", "--score", str(sheet), "--key", str(key)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err
    return rc, out, err


def test_a_good_sheet_scores(filled, capsys):
    d, rows = filled
    rc, out, err = score_cli(write_rows(d / "f.csv", rows), d / audit.KEY_FILE, capsys)
    assert rc == 0 and "strict" in out and "nan" not in out


def _key_with(d: Path, column: str, value: str, row: int = 0) -> Path:
    rows = read_rows(d / audit.KEY_FILE)
    rows[row][column] = value
    return write_rows(d / "key2.csv", rows)


@pytest.mark.parametrize(("damage", "needles"), [
    ("deleted", ["expected every one of the 10 key rows", "2 missing"]),
    ("pasted-twice", ["expected unique sheet ids", "1 repeated"]),
    ("duplicate-id", ["expected unique sheet ids"]),
    ("other-label", ["key's label 'surveillance'", "'face_recognition'"]),
    ("other-audit", ["expected rows of audit"]),
    ("extra-row", ["expected only the 10 rows of the key", "'S999'"]),
    ("flag-2", ["column flag: expected 0 or 1", "'2'"]),
    ("flag-yes", ["column flag: expected 0 or 1", "'yes'"]),
    ("weight-nan", ["column weight: expected finite numbers > 0", "'nan'"]),
    ("weight-neg", ["column weight", "'-3'"]),
    ("weight-zero", ["column weight", "'0'"]),
    ("weight-inf", ["column weight", "'inf'"]),
    ("weight-text", ["column weight", "'heavy'"]),
    ("value-2", ["without a valid 'surveillance' value", "expected one of"]),
    ("no-id", ["expected a sheet_id on every row"]),
])
def test_damaged_sheet_or_key_is_one_line(damage, needles, filled, capsys):
    d, rows = filled
    key = d / audit.KEY_FILE
    sheet_rows, fields = [dict(r) for r in rows], list(rows[0])
    if damage == "deleted":
        sheet_rows = sheet_rows[2:]
    elif damage == "pasted-twice":
        sheet_rows = sheet_rows + sheet_rows[:1]
    elif damage == "duplicate-id":
        sheet_rows[1]["sheet_id"] = sheet_rows[0]["sheet_id"]
    elif damage == "other-label":
        fields = [("face_recognition" if f == "surveillance" else f) for f in fields]
        sheet_rows = [{("face_recognition" if k == "surveillance" else k): v
                       for k, v in r.items()} for r in sheet_rows]
    elif damage == "other-audit":
        other = audit.draw_sample(population(), 10, seed=4)
        audit.write_audit(other, d / "other", "surveillance", seed=4)
        sheet_rows = read_rows(d / "other" / audit.SHEET_FILE)
        for r in sheet_rows:
            r["surveillance"] = "1"
    elif damage == "extra-row":
        sheet_rows.append({**sheet_rows[0], "sheet_id": "S999"})
    elif damage.startswith(("flag-", "weight-")):
        column, value = damage.split("-")
        value = {"yes": "yes", "2": "2", "nan": "nan", "neg": "-3", "zero": "0", "inf": "inf",
                 "text": "heavy"}[value]
        key = _key_with(d, column, value, row=3)
    elif damage == "value-2":
        sheet_rows[4]["surveillance"] = "2"
    elif damage == "no-id":
        sheet_rows[5]["sheet_id"] = ""
    rc, out, err = score_cli(write_rows(d / "f.csv", sheet_rows, fields), key, capsys)
    errors = [ln for ln in err.splitlines() if ln.startswith("litscan: error:")]
    assert rc == 2 and len(errors) == 1, err
    assert "precision" not in out
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])


def test_sheet_and_key_are_written_together_or_not_at_all(tmp_path):
    # abstracts of ~20 KB make the sheet and form ~200 KB while the key stays ~1 KB; a 64 KiB
    # file-size limit (ulimit -f 64) makes the sheet's write fail (EFBIG), as a full disk would
    script = (
        "import polars as pl, sys\n"
        "from litscan.labels import audit\n"
        "n = 40\n"
        "pop = pl.DataFrame({'id': [f'W{i}' for i in range(n)], 'title': [f't{i}' for i in range(n)],"
        " 'abstract': ['word ' * 4000] * n, 'flag': [i < 20 for i in range(n)]})\n"
        "audit.write_audit(audit.draw_sample(pop, 10, 1), sys.argv[1], 'surveillance', 1)\n"
    )
    out = tmp_path / "a"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = f"ulimit -f 64; exec {sys.executable} -c \"$0\" {out}"
    proc = subprocess.run(["bash", "-c", cmd, script], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode != 0 and "cannot write" in proc.stderr
    assert not out.exists() or sorted(p.name for p in out.iterdir()) == []  # no key, no sheet, no tmp
    proc = subprocess.run(["bash", "-c", f"exec {sys.executable} -c \"$0\" {out}", script],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [audit.SHEET_FILE, audit.KEY_FILE, audit.FORM_FILE])
