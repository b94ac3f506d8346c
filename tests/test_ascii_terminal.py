"""Hostile input, round 3 (issue 25): litscan on an ASCII-only terminal (``LC_ALL=C``, no UTF-8).

Subprocesses with ``LC_ALL=C PYTHONIOENCODING=ascii`` and UTF-8 mode off: what cannot be printed
is replaced (``\\u2019``), never an internal error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "litscan" / "queries" / "facial-recognition-lead.toml"


def ascii_litscan(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "LC_ALL": "C", "LANG": "C",
           "PYTHONIOENCODING": "ascii", "PYTHONUTF8": "0"}
    return subprocess.run([sys.executable, "-X", "utf8=0", "-m", "litscan", *args], env=env,
                          capture_output=True, timeout=120)


def test_presets_with_non_ascii_claims_print_on_an_ascii_terminal(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8").splitlines()
    text = [('claim = "China\u2019s share \u2014 \u4e2d\u56fd leads"' if ln.startswith("claim =")
             else ln) for ln in text]
    (tmp_path / "p.toml").write_text("\n".join(text) + "\n", encoding="utf-8")
    proc = ascii_litscan("presets", "--dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("ascii")  # nothing but ASCII reached the terminal
    assert "China\\u2019s share \\u2014 \\u4e2d\\u56fd leads" in out
    assert b"internal error" not in proc.stderr


def test_shipped_presets_and_errors_with_non_ascii_paths(tmp_path):
    proc = ascii_litscan("presets")
    assert proc.returncode == 0 and b"facial-recognition-lead" in proc.stdout, proc.stderr
    proc = ascii_litscan("shares", str(tmp_path / "t\u00e4bles-\u043a"), "--out", "-")
    err = proc.stderr.decode("ascii")
    assert proc.returncode == 2 and err.count("litscan: error:") == 1
    # under LC_ALL=C the file name's bytes arrive as surrogate escapes; shown escaped, not fatal
    assert "bles-\\udcd0\\udcba: no such file or folder" in err and "Traceback" not in err
