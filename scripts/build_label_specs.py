"""Build ``litscan/data/label_specs.parquet``: the audited alternative task labels of the embedded
CV-venue papers, for the label specifications of the robustness grid (docs/aggregation.md).

Run from the repository root: ``python scripts/build_label_specs.py [--repo /work/main]``.
Deterministic: the same commits and data give the same flags.

Specifications (``spec`` column; the shipped round-3 model is the headline and is not stored):

* ``round1`` / ``round2``: the task-label models of the first two audit rounds, each run with
  **its own package code** (the task features changed at commit a3a081d, so an old model file
  under today's feature code does not give its historical flags). For each round::

      git -C REPO archive <commit> litscan | tar -x -C /tmp/litscan-<round>
      PYTHONPATH=/tmp/litscan-<round> python -c <ROUND_CODE>

  which classifies the embedded venue papers with author countries of the CV venue field with
  that version's ``labelcache.compute_labels`` (its own model file, rules and data).
* ``cset_terms``: CSET's term rule (:func:`litscan.labels.inference.rule_hits`, the six task term
  lists of ``surveillance_terms.tsv`` + Papers-with-Code additions, within the shipped model's
  ``cv`` positives): what ``face_recognition`` / ``surveillance`` were before the task model.
* ``round3_lenient`` (surveillance only): the shipped round-3 surveillance head with its
  F1-optimal out-of-fold threshold instead of the 0.88 precision floor (the same coefficients:
  re-fitted here and checked equal to the shipped head), unioned with the shipped
  face-recognition flags as the shipped label is. face_recognition has one threshold rule
  (F0.7), so no lenient cut.

Only flagged rows are stored (work_id, label = ``classifier:<name>``, spec, flag).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from litscan.fileio import atomic_path  # noqa: E402

OUT = REPO / "litscan" / "data" / "label_specs.parquet"
ROUNDS = {"round1": "09ed03b", "round2": "c48936c"}
TASK_LABELS = ("classifier:surveillance", "classifier:face_recognition")

#: run inside an old package version (its own module names: litscan.datasets, litscan.labelcache)
ROUND_CODE = """
import sys, polars as pl
from litscan import datasets, labelcache
w = datasets.load_venue_papers(with_countries_only=True).works
w = w.filter(pl.col("venue_field") == "CV").select("id", "title", "abstract")
wl = labelcache.compute_labels(w, progress=False)
wl = wl.filter(pl.col("label").is_in(["classifier:surveillance", "classifier:face_recognition"]))
wl.select("work_id", "label", "flag").write_parquet(sys.argv[1])
print(w.height, wl.height)
"""


def round_flags(repo: Path, commit: str, spec: str, python: str) -> pl.DataFrame:
    """Flags of one audit round, computed by that round's own package code."""
    with tempfile.TemporaryDirectory(prefix=f"litscan-{spec}-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", commit, "litscan"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        out = Path(tmp) / "flags.parquet"
        done = subprocess.run(
            [python, "-c", ROUND_CODE, str(out)],
            env={"PYTHONPATH": tmp, "PATH": "/usr/bin:/bin", "HOME": tmp,
                 "LITSCAN_CACHE": str(Path(tmp) / "cache")},
            cwd=tmp, check=True, capture_output=True, text=True,
        )  # fmt: skip
        print(f"{spec} ({commit}): CV papers, flag rows = {done.stdout.strip()}")
        return pl.read_parquet(out).with_columns(pl.lit(spec).alias("spec"))


def cv_papers() -> pl.DataFrame:
    from litscan.tables import datasets

    w = datasets.load_venue_papers(with_countries_only=True).works
    return w.filter(pl.col("venue_field") == "CV").select("id", "title", "abstract")


def cset_flags(works: pl.DataFrame) -> pl.DataFrame:
    """CSET's term rule within the shipped model's cv positives (today's code): ``predict``
    with the task model left out of the model's metadata, i.e. the term-rule path."""
    import copy

    from litscan.labels import inference

    model = copy.copy(inference.load_model())
    model.meta_ = {k: v for k, v in model.meta_.items() if k != "tasks"}
    pred = inference.predict(works, model=model)
    flags = {f"classifier:{lab}": pred[lab].to_numpy() == 1
             for lab in ("surveillance", "face_recognition")}  # fmt: skip
    return _rows(works, flags, "cset_terms")


def lenient_flags(works: pl.DataFrame) -> pl.DataFrame:
    """The shipped surveillance head at its F1-optimal out-of-fold threshold."""
    from litscan.labels import inference, tasks, train
    from litscan.labels.textmodel import SEED

    model = inference.load_model()
    shipped = inference.task_model(model)
    head = shipped.heads["surveillance"]
    df = train.load_task_training_data("surveillance")
    y = train.strict(df["surveillance"])
    cfg = {"features": head["features"], "C": head["C"], "beta": head["beta"]}
    refit = tasks.fit_task_model(
        df.select("title", "abstract"), {"surveillance": y}, df["weight"].to_numpy(),
        settings={"surveillance": cfg}, folds=train.TASK_HEAD["folds"], seed=SEED,
    ).heads["surveillance"]  # fmt: skip
    if refit["coef"] != head["coef"] or refit["intercept"] != head["intercept"]:
        raise SystemExit("the re-fitted surveillance head differs from the shipped one")
    lenient = float(refit["threshold"])
    print(f"surveillance threshold: shipped (precision floor) {head['threshold']}, "
          f"lenient (F{head['beta']:g} out-of-fold) {lenient}")  # fmt: skip
    pred = inference.predict(works, model=model)
    cv = pred["cv"].to_numpy() == 1
    p = tasks.TaskModel({"surveillance": head}).predict_proba(works)["surveillance"]
    surv = (cv & (p >= lenient)) | (pred["face_recognition"].to_numpy() == 1)
    return _rows(works, {"classifier:surveillance": surv}, "round3_lenient")


def _rows(works: pl.DataFrame, flags: dict[str, np.ndarray], spec: str) -> pl.DataFrame:
    parts = [
        pl.DataFrame({"work_id": works["id"], "flag": f}).filter(pl.col("flag"))
        .select("work_id", pl.lit(label).alias("label"), "flag")
        for label, f in flags.items()
    ]  # fmt: skip
    return pl.concat(parts).with_columns(pl.lit(spec).alias("spec"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", default=str(REPO), help="git repository holding the round commits")
    ap.add_argument("--python", default=sys.executable, help="interpreter for the old rounds")
    args = ap.parse_args()
    works = cv_papers()
    parts = [round_flags(Path(args.repo), c, s, args.python) for s, c in ROUNDS.items()]
    parts += [cset_flags(works), lenient_flags(works)]
    out = (
        pl.concat([p.select("work_id", "label", "spec", "flag") for p in parts])
        .filter(pl.col("flag"))
        .sort("spec", "label", "work_id")
    )
    meta = {"rounds": ROUNDS, "cv_papers": works.height, "script": "scripts/build_label_specs.py"}
    table = out.to_arrow()
    table = table.replace_schema_metadata({b"litscan.label_specs": json.dumps(meta).encode()})
    import pyarrow.parquet as pq

    with atomic_path(OUT) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    print(out.group_by("spec", "label").len().sort("spec", "label"))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
