"""An installed wheel works on its own: built from the sources, installed into a fresh virtual
environment outside the repository, it lists the shipped presets and runs one offline, from a
folder with no ``queries/`` and no ``../shared`` next to it.

To stay fast and offline the wheel is built without build isolation (setuptools from the test
extra) and installed with ``--no-deps``; the new environment finds the dependencies (polars,
scikit-learn, ...) through a ``.pth`` line naming this environment's site-packages. litscan itself
comes only from the wheel (the test checks where it is imported from).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _copy_sources(dst: Path) -> None:
    """The files a build reads (an in-tree build would write build/ and *.egg-info here)."""
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, dst / name)
    shutil.copytree(
        REPO / "litscan", dst / "litscan", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITSCAN_", "PYTHON"))}
    env["HOME"] = str(home)
    return env


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_repository(tmp_path):
    src, dist, work = tmp_path / "src", tmp_path / "dist", tmp_path / "elsewhere"
    for d in (src, dist, work):
        d.mkdir()
    _copy_sources(src)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(dist), str(src)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("litscan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert len([n for n in names if n.startswith("litscan/queries/") and n.endswith(".toml")]) >= 6
    assert "litscan/data/handlabels/surveillance_sample.csv" in names
    for sheet in ("train2_sheet.csv", "audit2_sheet.csv", "audit3_sheet.csv"):  # rounds 2 and 3
        assert f"litscan/data/handlabels/{sheet}" in names
    assert "litscan/data/models/topics.npz" in names
    assert not [n for n in names if "templates" in n]

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index",
         "--quiet", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    # the dependencies only (a path line in a .pth does not run that folder's own .pth files,
    # so an editable litscan installed there stays invisible)
    (Path(site) / "zz_shared_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    env = _clean_env(tmp_path)
    where = subprocess.run(
        [str(py), "-c", "import litscan; print(litscan.__file__)"],
        capture_output=True, text=True, cwd=work, env=env, timeout=60,
    )  # fmt: skip
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(env_dir), where.stdout

    exe = str(env_dir / "bin" / "litscan")
    presets = subprocess.run(
        [exe, "presets"], capture_output=True, text=True, cwd=work, env=env, timeout=120
    )
    assert presets.returncode == 0, presets.stderr
    for name in ("arxiv-half-chinese", "surveillance-vs-deep-learning", "export-controls"):
        assert name in presets.stdout
    run = subprocess.run(
        [exe, "run", "arxiv-half-chinese", "--offline", "--resamples", "100", "--out", "out"],
        capture_output=True, text=True, cwd=work, env=env, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    verdicts = json.loads((work / "out" / "verdicts.json").read_text())
    assert verdicts["data_source"] == "embedded"
    assert {c["verdict"] for c in verdicts["claims"]} <= {
        "supported", "contradicted", "inconclusive", "venue-dependent",
        "not testable on this data",
    }  # fmt: skip
    manifest = json.loads((work / "out" / "manifest.json").read_text())
    assert manifest["git_commit"] is None  # an installed wheel, not a checkout
    assert not (work / "queries").exists() and not (tmp_path / "shared").exists()


def _make_plan(target: str) -> str:
    # run as a top-level make even inside `make test` (no "make[1]: Entering directory" lines)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", target, "VENV=/nonexistent/venv"],
        capture_output=True, text=True, cwd=REPO, timeout=60, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_run_installs_only_what_the_main_job_needs():
    run = _make_plan("run")
    # installed from the lock file (constraints), litscan alone: no extras
    assert "-c requirements.lock -e .\n" in run
    assert "[" not in run and "chromium" not in run and "apt-get" not in run
    test = _make_plan("test")
    assert '-c requirements.lock -e ".[test,lab,bench,engines]"' in test and "chromium" in test
    figures = _make_plan("figures")
    assert "chromium" in figures and "[test" not in figures
