"""Hostile input, round 3 (issue 25): presets whose report folders would collide or escape ``--out``.

``run`` with several presets writes ``OUT/<preset name>/`` (the name is the file's stem): two
presets with one stem from different folders, or a file named ``...toml`` (stem ``..``, the
parent of ``OUT``) are usage errors before anything is written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from litscan.cli import main
from litscan.errors import UsageError
from litscan.workflows.args import check_report_names

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "litscan" / "queries" / "facial-recognition-lead.toml"


def _copy(dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(SHIPPED, dest))


@pytest.mark.parametrize(("files", "needle"), [
    (["a/x.toml", "b/x.toml"], "got 2 presets named 'x' (they would write the same x/)"),
    (["...toml", "b/y.toml"], "its name '..' is not a safe folder name"),
    ([".hidden.toml", "b/y.toml"], "its name '.hidden' is not a safe folder name"),
])
def test_colliding_or_escaping_report_folders_are_refused(files, needle, tmp_path, capsys):
    paths = [_copy(tmp_path / "p" / f) for f in files]
    out = tmp_path / "deep" / "out"
    rc = main(["run", *map(str, paths), "--offline", "--resamples", "20", "--out", str(out)])
    err = capsys.readouterr().err
    errors = [ln for ln in err.splitlines() if ln.startswith("litscan: error:")]
    assert rc == 2 and len(errors) == 1 and needle in errors[0], err
    assert not (tmp_path / "deep").exists()  # nothing written, not even plotly.min.js


def test_distinct_names_pass():
    check_report_names(["a", "b-1", "c_2.v3"], ["a.toml", "b-1.toml", "c_2.v3.toml"])
    with pytest.raises(UsageError, match="not a safe folder name"):
        check_report_names(["a/b"], ["x"])
