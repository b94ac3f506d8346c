"""The annotation-sheet builder and the merge script in ``scripts/`` (one of each, every round).

Round 1 needs no model, so it is run end to end here: twice (same bytes), against the shipped
round-1 sheets (same papers, strata, weights and text), and back through the merge (the shipped
sheets byte for byte, from label files taken out of them). Rounds 2 and 3 need model files from
git history (commits 09ed03b, c48936c), which a clean clone without history cannot provide: for
them the tests check the parameter table against the shipped sheets and that any other model
file (the shipped one) is refused.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
HANDLABELS = REPO / "litscan" / "data" / "handlabels"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"scripts_{name}", SCRIPTS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, str(SCRIPTS / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.csv"))}


def test_round_table_covers_rounds_1_to_3_and_matches_the_shipped_sheets():
    build = _module("build_annotation_sheets")
    merge = _module("merge_annotations")
    assert sorted(build.ROUNDS) == [1, 2, 3]
    assert sorted(merge.ROUNDS) == ["1", "2", "3"]
    seeds = [r.seed for r in build.ROUNDS.values()]
    assert len(set(seeds)) == 3
    prefixes = [s.prefix for r in build.ROUNDS.values() for s in r.sheets]
    assert len(set(prefixes)) == len(prefixes) == 5  # A T / R U / V: no sheet id on two sheets
    earlier: list[str] = []
    for number, rnd in build.ROUNDS.items():
        names = [s.name for s in rnd.sheets]
        # the merge knows the same sheets per round
        assert names == list(merge.ROUNDS[str(number)].sheets)
        # each round excludes exactly the sheets of the rounds before it
        assert sorted(rnd.exclude) == sorted(f"{n}_sheet.csv" for n in earlier)
        earlier += names
        assert (rnd.model_commit is None) == (rnd.strata == "keywords")
        for sheet in rnd.sheets:
            assert list(sheet.sizes) == list(rnd.sheets[0].sizes)
            shipped = pl.read_csv(HANDLABELS / f"{sheet.name}_sheet.csv", infer_schema_length=0)
            drawn = dict(shipped.group_by("stratum").len().iter_rows())
            assert drawn == dict(sheet.sizes), sheet.name
            assert set(shipped["n_sampled"].cast(int)) == set(sheet.sizes.values())
            assert shipped["sheet_id"].str.starts_with(sheet.prefix).all()


def test_round1_builds_the_same_bytes_twice_and_reproduces_the_shipped_sheets(tmp_path):
    for out in ("a", "b"):
        done = _run("build_annotation_sheets.py", "1", str(tmp_path / out))
        assert done.returncode == 0, done.stderr
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(first) == ["key_audit.csv", "key_train.csv", "sheet_audit.csv", "sheet_train.csv"]
    assert first == second
    # the drawn papers, strata, weights and text are those of the shipped round-1 sheets
    for name in ("audit", "train"):
        key = pl.read_csv(tmp_path / "a" / f"key_{name}.csv", infer_schema_length=0)
        text = pl.read_csv(tmp_path / "a" / f"sheet_{name}.csv", infer_schema_length=0)
        built = key.join(text, on="sheet_id", validate="1:1").sort("sheet_id")
        shipped = pl.read_csv(HANDLABELS / f"{name}_sheet.csv", infer_schema_length=0)
        assert shipped.select(built.columns).equals(built), name
    # merged with label files cut out of the shipped sheets, round 1 gives them byte for byte
    labels = tmp_path / "labels"
    labels.mkdir()
    for name, annotators in (("audit", ("A", "B")), ("train", ("A",))):
        shipped = pl.read_csv(HANDLABELS / f"{name}_sheet.csv", infer_schema_length=0)
        cols = ["surveillance", "face_recognition", "llm", "reason"]
        for ann in annotators:
            src = cols if len(annotators) == 1 else [f"{ann}_{c}" for c in cols]
            lab = shipped.select(
                "sheet_id", *[pl.col(s).alias(c) for s, c in zip(src, cols, strict=True)]
            )
            lab[:90].write_csv(labels / f"{ann}_{name}_1.csv")
            lab[90:].write_csv(labels / f"{ann}_{name}_2.csv")
    out = tmp_path / "merged"
    built = str(tmp_path / "a")  # round 1: key and sheet files side by side
    done = _run("merge_annotations.py", "1", built, str(labels), built, str(out))
    assert done.returncode == 0, done.stderr
    for name in ("audit", "train"):
        assert (out / f"{name}_sheet.csv").read_bytes() == (
            HANDLABELS / f"{name}_sheet.csv"
        ).read_bytes()


def test_builder_refuses_a_missing_or_wrong_model_in_one_line(tmp_path):
    shipped_model = REPO / "litscan" / "data" / "models" / "topics.npz"
    for args, words in (
        (("2", str(tmp_path / "o")), ("needs MODEL_NPZ", "git show 09ed03b")),
        (("3", str(tmp_path / "o"), str(shipped_model)), ("SHA-256", "c48936c", "--any-model")),
        (("3", str(tmp_path / "o"), str(tmp_path / "nope.npz")), ("not found",)),
        (("1", str(tmp_path / "o"), str(shipped_model)), ("use no model",)),
    ):
        done = _run("build_annotation_sheets.py", *args)
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
        assert all(w in lines[0] for w in words), lines[0]
    assert not (tmp_path / "o").exists()  # nothing written


def test_collapsing_title_whitespace_equals_round1_strip_on_the_embedded_papers():
    # round 1's original script stripped titles, rounds 2-3 collapsed whitespace; the one builder
    # collapses, which is the same on every embedded title with an abstract
    build = _module("build_annotation_sheets")
    titles = build.papers_with_abstracts()["title"].to_list()
    assert len(titles) > 60_000
    assert [t.strip() for t in titles] == [" ".join(t.split()) for t in titles]
