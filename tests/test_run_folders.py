"""A rerun into the same ``--out`` replaces the whole run folder (issue 25, "Outputs").

The folder is built as a temporary sibling and swapped in (``litscan.fileio.replace_folder``):
no figure of an earlier run stays, a writer killed with SIGKILL at any point leaves a complete
folder (the old or the new one) plus at most a ``.NAME.litscan-*-PID`` sibling that the next run
removes, and a folder litscan did not write is refused (exit 2) and left untouched. Kills are real
``SIGKILL``s of a child Python process, sent from inside the step named by the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import litscan
from litscan import fileio
from litscan.cli import main
from litscan.errors import UsageError

REPO = Path(__file__).resolve().parents[1]
PRESET = "arxiv-half-chinese"


@pytest.fixture(scope="module")
def res():
    return litscan.run_preset(PRESET, offline=True, resamples=20)


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _complete(folder: Path) -> bool:
    names = {p.name for p in folder.iterdir()}
    report = (folder / "report.html").read_text(encoding="utf-8")
    return {"report.html", "verdicts.json", "manifest.json", "figures", ".litscan-run"} <= names \
        and report.rstrip().endswith("</html>")  # fmt: skip


def _siblings(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.parent.iterdir() if p.name.startswith(f".{dest.name}."))


def _killed_write(out: Path, hook: str) -> subprocess.CompletedProcess:
    """Write the preset's run into ``out`` in a child process that SIGKILLs itself where
    ``hook`` (Python run after ``fileio``, ``runmod``, ``kill()`` are defined) says."""
    script = textwrap.dedent("""
        import os, signal, sys
        import litscan
        from litscan import fileio
        import litscan.workflows.run as runmod
        def kill():
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        """) + textwrap.dedent(hook) + textwrap.dedent(f"""
        res = litscan.run_preset({PRESET!r}, offline=True, resamples=20)
        res.write({str(out)!r})
        print("not killed")
        """)  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip
    assert proc.returncode == -9, (proc.returncode, proc.stdout, proc.stderr)
    return proc


def test_rerun_with_fewer_figures_leaves_nothing_of_the_first_run(res, tmp_path):
    out = tmp_path / "o"
    res.write(out, formats=("json", "html"), html_js="cdn")
    first = {p.name for p in (out / "figures").iterdir()}
    assert any(n.endswith(".html") for n in first)
    (out / ".report.html.4242.tmp").write_text("left by a killed run of an older litscan")
    res.write(out, formats=("json",))
    second = {p.name for p in (out / "figures").iterdir()}
    assert second and not any(n.endswith(".html") for n in second)
    assert second < first  # the json figures and CSVs again, the html figures gone
    assert not list(out.glob(".*.tmp")) and _complete(out)
    assert _siblings(out) == []  # no temporary or old folder left beside it


def test_rerun_of_several_presets_replaces_the_whole_folder(tmp_path):
    out = tmp_path / "all"
    litscan.run_presets([PRESET, "export-controls"], out, offline=True, resamples=20)
    assert (out / "export-controls" / "report.html").is_file()
    litscan.run_presets([PRESET], out, offline=True, resamples=20)
    assert sorted(p.name for p in out.iterdir()) == [".litscan-run", PRESET, "index.html"]
    assert "export-controls" not in (out / "index.html").read_text(encoding="utf-8")
    # a report folder inside a multi-preset run can be rerun alone
    assert main(["run", PRESET, "--offline", "--resamples", "20", "--out", str(out / PRESET)]) == 0
    assert _complete(out / PRESET) and _siblings(out / PRESET) == []


def test_leftover_of_a_killed_run_is_removed_by_the_next_run(res, tmp_path):
    out = tmp_path / "o"
    res.write(out)
    before = _tree(out)
    # killed while writing the new folder (after report.html, before verdicts.json)
    _killed_write(out, """
        orig = runmod.atomic_write_text
        def write(path, text, *a, **k):
            if path.name == "verdicts.json":
                kill()
            return orig(path, text, *a, **k)
        runmod.atomic_write_text = write
        """)  # fmt: skip
    left = _siblings(out)
    assert len(left) == 1 and ".litscan-tmp-" in left[0]  # clearly named
    assert (tmp_path / left[0] / "report.html").is_file()  # the half-written new run
    assert _tree(out) == before  # the old run, complete and unchanged
    res.write(out)
    assert _siblings(out) == [] and _complete(out)


def test_kill_between_the_two_renames_leaves_a_complete_folder(res, tmp_path):
    out = tmp_path / "o"
    res.write(out)
    before = _tree(out)
    # the fallback swap (no renameat2): old renamed aside, then killed before the new goes in
    _killed_write(out, """
        fileio._exchange = lambda a, b: False
        orig = fileio.os.rename
        def rename(src, dst):
            if ".litscan-tmp-" in str(src):
                kill()
            return orig(src, dst)
        fileio.os.rename = rename
        """)  # fmt: skip
    left = _siblings(out)
    assert not out.exists() and len(left) == 2
    old = next(tmp_path / n for n in left if ".litscan-old-" in n)
    new = next(tmp_path / n for n in left if ".litscan-tmp-" in n)
    assert _tree(old) == before  # the old run, complete, under a clearly named name
    assert _complete(new)  # the new run, complete: never a mix of the two
    fileio._clean_leftovers(out)  # what the next writer does first
    assert _tree(out) == before and _siblings(out) == []


def test_kill_after_the_atomic_exchange_leaves_the_new_folder(res, tmp_path):
    out = tmp_path / "o"
    res.write(out)
    (out / "figures" / "stale.json").write_text("{}")
    _killed_write(out, """
        orig = fileio.shutil.rmtree
        def rmtree(path, *a, **k):
            if ".litscan-tmp-" in str(path) and (fileio.Path(path) / "report.html").exists():
                kill()
            return orig(path, *a, **k)
        fileio.shutil.rmtree = rmtree
        """)  # fmt: skip
    assert _complete(out) and not (out / "figures" / "stale.json").exists()  # the new run
    left = _siblings(out)
    assert len(left) == 1 and (tmp_path / left[0] / "figures" / "stale.json").exists()  # the old
    res.write(out)
    assert _siblings(out) == [] and _complete(out)


@pytest.mark.parametrize("several", [False, True])
def test_foreign_folder_is_refused_and_left_untouched(several, tmp_path, capsys):
    out = tmp_path / "thesis"
    (out / "chapters").mkdir(parents=True)
    (out / "notes.txt").write_text("my notes")
    (out / "chapters" / "one.tex").write_text("\\chapter{One}")
    (out / "manifest.json").write_text('{"not": "litscan"}')
    before = _tree(out)
    presets = [PRESET, "export-controls"] if several else [PRESET]
    rc = main(["run", *presets, "--offline", "--resamples", "20", "--out", str(out)])
    err = capsys.readouterr().err
    errors = [ln for ln in err.splitlines() if ln.startswith("litscan: error:")]
    assert rc == 2 and len(errors) == 1, err
    assert str(out) in errors[0] and "notes.txt" in errors[0] and "hint:" in errors[0]
    assert "Traceback" not in err
    assert _tree(out) == before and _siblings(out) == []


def test_guard_cases(res, tmp_path, monkeypatch):
    # an empty folder and a missing one are fine; a file, the current folder and a parent are not
    (tmp_path / "empty").mkdir()
    assert res.write(tmp_path / "empty") == tmp_path / "empty" / "report.html"
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="found a file"):
        res.write(tmp_path / "file")
    monkeypatch.chdir(tmp_path / "empty")
    for cwd_or_parent in (".", ".."):
        with pytest.raises(UsageError, match="current folder"):
            res.write(cwd_or_parent)
    # a folder an older litscan wrote (manifest.json with litscan's keys, no marker) is replaced
    (tmp_path / "empty" / fileio.RUN_MARKER).unlink()
    monkeypatch.chdir(tmp_path)
    res.write(tmp_path / "empty")
    assert _complete(tmp_path / "empty")
    # a sibling named like a leftover but not litscan's (no marker, not empty) is kept
    mine = tmp_path / ".empty.litscan-tmp-999999999"
    mine.mkdir()
    (mine / "keep.txt").write_text("keep")
    res.write(tmp_path / "empty")
    assert (mine / "keep.txt").read_text() == "keep"


def test_symlinked_out_keeps_its_link(res, tmp_path):
    real = tmp_path / "real"
    res.write(real, formats=("json", "html"), html_js="cdn")
    link = tmp_path / "link"
    link.symlink_to(real)
    res.write(link)
    assert link.is_symlink() and _complete(real)
    assert not any(p.name.endswith(".html") for p in (real / "figures").iterdir())


# --- litscan export --out: the same replacement and guard ----------------------------------


@pytest.fixture(scope="module")
def figure_jsons(res, tmp_path_factory):
    """Two run folders holding the preset's figures as JSON (same stems in both)."""
    root = tmp_path_factory.mktemp("runs")
    for name in ("run-a", "run-b"):
        res.write(root / name, formats=("json",))
    return sorted((root / "run-a" / "figures").glob("*.json")), root


def _export(*argv: str) -> int:
    return main(["export", *argv, "--html-js", "cdn"])


def test_export_rerun_replaces_its_own_earlier_figures(figure_jsons, tmp_path, capsys):
    files, _ = figure_jsons
    out = tmp_path / "slides"
    assert _export(*map(str, files[:2]), "--formats", "html,json", "--out", str(out)) == 0
    first = sorted(p.name for p in out.iterdir() if p.name != fileio.RUN_MARKER)
    assert len(first) == 4 and any(n.endswith(".html") for n in first)
    printed = capsys.readouterr().out.split()
    assert sorted(Path(p).name for p in printed) == first and all(str(out) in p for p in printed)
    # fewer figures, one format: nothing of the first export stays
    assert _export(str(files[0]), "--formats", "json", "--out", str(out)) == 0
    assert sorted(p.name for p in out.iterdir()) == [fileio.RUN_MARKER, files[0].name]
    assert _siblings(out) == []


def test_export_refuses_a_foreign_folder_unless_merge(figure_jsons, tmp_path, capsys):
    files, _ = figure_jsons
    out = tmp_path / "img"
    out.mkdir()
    (out / "screenshot.png").write_bytes(b"\x89PNG not ours")
    before = _tree(out)
    assert _export(str(files[0]), "--formats", "json", "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert "screenshot.png" in err and "--merge" in err and _tree(out) == before
    assert _export(str(files[0]), "--formats", "json", "--out", str(out), "--merge") == 0
    assert (out / "screenshot.png").read_bytes() == before["screenshot.png"]
    assert (out / files[0].name).is_file() and not (out / fileio.RUN_MARKER).exists()


def test_export_refuses_to_replace_the_folder_of_its_inputs(figure_jsons, tmp_path, capsys):
    files, _ = figure_jsons
    out = tmp_path / "figs"
    assert _export(str(files[0]), "--formats", "json", "--out", str(out)) == 0
    inside = out / files[0].name
    assert _export(str(inside), "--formats", "html", "--out", str(out)) == 2
    assert "holds the input figure" in capsys.readouterr().err and inside.is_file()


def test_export_names_shared_stems_after_their_run(figure_jsons, tmp_path):
    files, root = figure_jsons
    both = [root / run / "figures" / files[0].name for run in ("run-a", "run-b")]
    out = tmp_path / "slides"
    assert _export(*map(str, both), "--formats", "json", "--out", str(out)) == 0
    assert sorted(p.name for p in out.glob("*.json")) == [
        f"run-a_{files[0].name}", f"run-b_{files[0].name}"
    ]


def test_killed_export_leaves_the_earlier_folder_and_is_cleaned(figure_jsons, tmp_path):
    files, _ = figure_jsons
    out = tmp_path / "slides"
    assert _export(str(files[0]), "--formats", "json", "--out", str(out)) == 0
    before = _tree(out)
    script = textwrap.dedent(f"""
        import os, signal
        import litscan.report.export as ex
        from litscan.cli import main
        orig = ex.atomic_write_text
        def write(path, text, *a, **k):
            if path.name.endswith(".html"):
                os.kill(os.getpid(), signal.SIGKILL)
            return orig(path, text, *a, **k)
        ex.atomic_write_text = write
        main(["export", {str(files[0])!r}, {str(files[1])!r}, "--formats", "json,html",
              "--html-js", "cdn", "--out", {str(out)!r}])
        """)  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip
    assert proc.returncode == -9, proc.stderr
    assert _tree(out) == before and len(_siblings(out)) == 1
    assert _export(str(files[1]), "--formats", "json", "--out", str(out)) == 0
    assert sorted(p.name for p in out.iterdir()) == [fileio.RUN_MARKER, files[1].name]
    assert _siblings(out) == []


def test_merge_export_removes_only_dead_writers_temp_files(figure_jsons, tmp_path):
    files, _ = figure_jsons
    out = tmp_path / "img"
    out.mkdir()
    stem = files[0].stem
    dead = [out / f".{stem}.json.999999999.tmp", out / f".{stem}.999999999.tmp.png"]
    alive = out / f".{stem}.json.{os.getppid()}.tmp"  # a writer still running: kept
    other = out / ".notes.txt.999999999.tmp"  # not a figure this export writes: kept
    for p in (*dead, alive, other):
        p.write_text("partial")
    assert _export(str(files[0]), "--formats", "json,png", "--out", str(out), "--merge") == 0
    assert not any(p.exists() for p in dead) and alive.exists() and other.exists()
    assert (out / files[0].name).is_file() and (out / f"{stem}.png").is_file()
