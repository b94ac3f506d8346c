"""Hostile input to `litscan run` and to presets: one line, exit 1 or 2, no traceback, and
complete outputs after a failed write (disk full / file too large)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PRESET = REPO / "queries" / "arxiv-half-chinese.toml"


def _litscan(*args: str, tmp: Path, shell_prefix: str = "", timeout: float = 120):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("LITSCAN_DEBUG", None)
    cmd = [sys.executable, "-m", "litscan", *args]
    if shell_prefix:
        quoted = " ".join(f"'{c}'" for c in cmd)
        return subprocess.run(
            ["bash", "-c", f"{shell_prefix}; exec {quoted}"],
            capture_output=True, text=True, cwd=tmp, env=env, timeout=timeout,
        )  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, env=env, timeout=timeout)


def _one_line_error(proc, *needles: str) -> None:
    assert proc.returncode in (1, 2), proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("litscan: ")]
    assert len(lines) == 1, proc.stderr
    for n in needles:
        assert n in lines[0], lines[0]


def _variant(tmp: Path, name: str, old: str, new: str) -> Path:
    text = PRESET.read_text(encoding="utf-8")
    assert old in text
    p = tmp / f"{name}.toml"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("name", "old", "new", "needle"),
    [
        ("cr", 'title = "', 'title = "a\\rb ', "title: expected one line"),
        ("u2028", 'title = "', 'title = "a\\u2028b ', "title: expected one line"),
        (
            "seed",
            "schema_version = 1",
            "schema_version = 1\nseed = 123456789012345678901234567890",
            "seed",
        ),
        ("nested", 'countries = ["', 'countries = [["CN"], "', "countries[0]"),
    ],
)
def test_bad_preset_values_one_line(tmp_path, name, old, new, needle):
    p = _variant(tmp_path, name, old, new)
    proc = _litscan("run", str(p), "--offline", "--out", "o", tmp=tmp_path)
    _one_line_error(proc, str(p), needle)


def test_fifo_and_device_refused_without_hanging(tmp_path):
    fifo = tmp_path / "preset.toml"
    os.mkfifo(fifo)
    for target in (fifo, Path("/dev/zero")):
        proc = _litscan("run", str(target), "--offline", "--out", "o", tmp=tmp_path, timeout=30)
        _one_line_error(proc, str(target), "FIFO")


def test_file_too_large_then_rerun_complete(tmp_path):
    # report.html inlines plotly.js (~4.8 MB); a 1 MB file-size limit makes the write fail (EFBIG)
    out = tmp_path / "o"
    proc = _litscan(
        "run", str(PRESET), "--offline", "--resamples", "50", "--out", str(out),
        tmp=tmp_path, shell_prefix="ulimit -f 1024",
    )  # fmt: skip
    _one_line_error(proc, "report.html")
    assert not (out / "report.html").exists()  # nothing truncated left in place
    assert not list(out.glob(".*.tmp"))
    proc = _litscan(
        "run", str(PRESET), "--offline", "--resamples", "50", "--out", str(out), tmp=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    from plotly.offline import get_plotlyjs

    assert get_plotlyjs()[:2000] in (out / "report.html").read_text(encoding="utf-8")
    assert (out / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")


def test_out_is_a_file(tmp_path):
    (tmp_path / "o").write_text("x")
    proc = _litscan(
        "run", str(PRESET), "--offline", "--resamples", "50", "--out", "o", tmp=tmp_path
    )
    _one_line_error(proc, "o")
