"""Blind annotation sheets of the task-label rounds (issue 16), every round from one table.

    python scripts/build_annotation_sheets.py ROUND OUT_DIR [MODEL_NPZ] [--any-model]

draws the sheets of round ROUND (1, 2 or 3; parameters in ``ROUNDS`` below) and writes, per
sheet, what annotators see (``sheet_id, title, abstract``) and the sampling key (``sheet_id`` ->
work id, population, stratum, n_sampled, population_size, weight = population_size / n_sampled,
inclusion_probability). Given the same arguments it writes the same bytes; the sheets shipped in
``litscan/data/handlabels/`` were drawn this way and merged with ``scripts/merge_annotations.py``.

Layout of OUT_DIR:
  round 1  : ``sheet_<name>.csv`` and ``key_<name>.csv`` (names audit, train);
  rounds 2+: ``sheets/<name>_part{1,2}.csv`` (the sheet split in two halves) and
             ``key/key_<name>.csv`` (names audit2, train2; audit3).

Population: the embedded top-venue papers (``load_venue_papers``) with an abstract of more than
50 characters, minus the papers of the round's ``exclude`` sheets (the shipped merged sheets of
earlier rounds). Strata:
  ``keywords`` (round 1, no model): two populations, ``cv`` = venue field CV (CVPR, ICCV, WACV,
    3DV), all years, and ``nlpml`` = venue field NLP or ML, 2022-2025; a keyword net that does
    not depend on any classifier: cv_face ('face'/'facial'), cv_people (no face word; person,
    crowd, surveillance, tracking, action terms ...), cv_other, nl_llm (LLM, prompt,
    transformer ...), nl_other.
  ``model`` (rounds 2 and 3): the CV papers, by the flags of a frozen task model (MODEL_NPZ,
    the model shipped at the round's commit, checked by SHA-256) and the keyword net:
    F flagged face_recognition; S flagged surveillance, not face_recognition; near not flagged,
    but a task probability >= 0.1 or the about-ness rule fires; K the keyword net (face or
    people terms) hits; O the rest.

Sampling, with ``numpy.random.default_rng(seed)``: per stratum (in the table's order) one
permutation of its papers; the round's sheets take consecutive slices of it (round 1: audit
first, then train), so a paper is on at most one sheet. Then each sheet's rows are shuffled
(one more permutation per sheet, in the table's order) and numbered with the sheet's prefix
(A/T, R/U, V). A stratum smaller than its sample stops the draw (round 3 takes F whole).

Titles and abstracts are shown with runs of whitespace collapsed to one space. (Round 1's
original script only stripped the title's ends; no title among the 62,329 embedded papers with
an abstract has an inner run of whitespace, so both give the same bytes; tests check this.)

The model file of a round comes from git history, e.g. for round 2:

    git show 09ed03b:litscan/data/models/topics.npz > /tmp/topics-09ed03b.npz
    python scripts/build_annotation_sheets.py 2 OUT_DIR /tmp/topics-09ed03b.npz

A different model file is refused unless ``--any-model`` is given (then the draw is a new
sample, not the shipped sheets).

Rounds 1 and 3 reproduce the shipped sheets with the current package. Round 2 does not: since
commit a3a081d changed the task features, the 09ed03b model flags one paper (pl:cvpr2019:00131)
differently (stratum F -> near), so the round-2 draw differs from the shipped sheets; the package
at commit d5469f6 reproduces them (litscan/data/handlabels/README.md, "Rebuilding the sheets").
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import polars as pl

from litscan.errors import InputDataError, LitscanError, UsageError
from litscan.fileio import atomic_write_text, sha256_file

FACE = r"\bface|\bfacial"
PEOPLE = (
    r"person|people|pedestrian|crowd|surveillance|cctv|gait|re-?identification|\breid\b|re-id\b"
    r"|tracking|tracker|action recognition|activity recognition|anomal|biometric|identity"
    r"|expression recognition|emotion recogn|human action|spoof"
)
LLM = (
    r"language model|\bllms?\b|\bgpt|chatgpt|llama|\bprompt|instruction[- ]tun|\bmllm|\blvlm"
    r"|vision-language|chatbot|in-context|large reasoning|\bqwen|mistral|gemini|claude|deepseek"
    r"|foundation model|transformer"
)
SHEET_COLUMNS = ("sheet_id", "title", "abstract")
KEY_COLUMNS = (
    "sheet_id", "work_id", "population", "stratum", "n_sampled", "population_size", "weight",
    "inclusion_probability",
)  # fmt: skip


@dataclass(frozen=True)
class Sheet:
    """One sheet of a round: its name, its row prefix and its sample size per stratum."""

    name: str  #: key_<name>.csv; merged into litscan/data/handlabels/<name>_sheet.csv
    prefix: str  #: row ids <prefix>001, <prefix>002, ...
    sizes: Mapping[str, int]  #: stratum -> papers drawn, in sampling order


@dataclass(frozen=True)
class Round:
    """Everything that differs between rounds; the procedure itself is shared."""

    seed: int
    strata: str  #: "keywords" (cv + nlpml, keyword net) or "model" (CV papers, model flags)
    sheets: tuple[Sheet, ...]  #: drawn as consecutive slices of each stratum's permutation
    exclude: tuple[str, ...] = ()  #: shipped sheets whose papers leave the population
    model_commit: str | None = None  #: commit whose litscan/data/models/topics.npz gives strata
    model_sha256: str | None = None  #: SHA-256 of that file
    split: bool = True  #: False: OUT/sheet_<name>.csv + OUT/key_<name>.csv; True: parts + key/


def _sizes(**sizes: int) -> Mapping[str, int]:
    return MappingProxyType(dict(sizes))


ROUNDS: Mapping[int, Round] = MappingProxyType({
    1: Round(
        seed=20261202,
        strata="keywords",
        sheets=(
            Sheet("audit", "A", _sizes(cv_face=38, cv_people=36, cv_other=26, nl_llm=55, nl_other=45)),
            Sheet("train", "T", _sizes(cv_face=50, cv_people=45, cv_other=25, nl_llm=65, nl_other=55)),
        ),
        split=False,
    ),
    2: Round(
        seed=20261203,
        strata="model",
        sheets=(
            Sheet("audit2", "R", _sizes(F=50, S=80, near=30, K=40, O=15)),
            Sheet("train2", "U", _sizes(F=40, S=60, near=30, K=30, O=10)),
        ),
        exclude=("audit_sheet.csv", "train_sheet.csv"),
        model_commit="09ed03b",
        model_sha256="abe8ff3a53fe6f5658a316bf159717f394a3faf8221a8bfd6015fe09aca3eb06",
    ),
    3: Round(
        seed=20261204,
        strata="model",
        sheets=(Sheet("audit3", "V", _sizes(F=9, S=110, near=40, K=35, O=15)),),
        exclude=("audit_sheet.csv", "train_sheet.csv", "train2_sheet.csv", "audit2_sheet.csv"),
        model_commit="c48936c",
        model_sha256="633e35cb6bfc3972752d9f1c981c9b857cc4d552d7bd6d371ef05de6ce55a659",
    ),
})  # fmt: skip


def papers_with_abstracts() -> pl.DataFrame:
    """The embedded top-venue papers with an abstract of more than 50 characters."""
    from litscan.tables.datasets import load_venue_papers

    return load_venue_papers().works.filter(
        pl.col("abstract").is_not_null() & (pl.col("abstract").str.len_chars() > 50)
    )


def _text() -> pl.Expr:
    return (pl.col("title") + " " + pl.col("abstract")).str.to_lowercase()


def keyword_population(works: pl.DataFrame) -> pl.DataFrame:
    """Round 1: cv and nlpml papers, stratified by the keyword net; sorted by id."""
    txt = _text()
    cv = works.filter(pl.col("venue_field") == "CV").with_columns(
        stratum=pl.when(txt.str.contains(FACE))
        .then(pl.lit("cv_face"))
        .when(txt.str.contains(PEOPLE))
        .then(pl.lit("cv_people"))
        .otherwise(pl.lit("cv_other")),
        population=pl.lit("cv"),
    )
    nl = works.filter(
        pl.col("venue_field").is_in(["NLP", "ML"]) & pl.col("year").is_between(2022, 2025)
    ).with_columns(
        stratum=pl.when(txt.str.contains(LLM)).then(pl.lit("nl_llm")).otherwise(pl.lit("nl_other")),
        population=pl.lit("nlpml"),
    )
    return pl.concat([cv, nl]).select("id", "title", "abstract", "population", "stratum").sort("id")


def model_population(works: pl.DataFrame, model_path: Path) -> pl.DataFrame:
    """Rounds 2 and 3: CV papers sorted by id, stratified by a task model's flags (F/S/near/K/O)."""
    from litscan.labels import tasks
    from litscan.labels.inference import load_model, predict

    cv = works.filter(pl.col("venue_field") == "CV").sort("id")
    model = load_model(str(model_path))
    probs = tasks.TaskModel.from_dict(model.meta_["tasks"]).predict_proba(cv)
    flags = predict(cv.select("id", "title", "abstract"), model)
    rules = tasks.rule_flags(cv)
    txt = _text()
    df = cv.select("id", "title", "abstract").with_columns(
        f_face=pl.Series(flags["face_recognition"].to_numpy() == 1),
        f_surv=pl.Series(flags["surveillance"].to_numpy() == 1),
        near=pl.Series(
            (probs["face_recognition"] >= 0.1)
            | (probs["surveillance"] >= 0.1)
            | rules["face_recognition"]
            | rules["surveillance"]
        ),
        net=txt.str.contains(FACE) | txt.str.contains(PEOPLE),
    )
    return df.select(
        "id",
        "title",
        "abstract",
        population=pl.lit("cv"),
        stratum=pl.when(pl.col("f_face"))
        .then(pl.lit("F"))
        .when(pl.col("f_surv"))
        .then(pl.lit("S"))
        .when(pl.col("near"))
        .then(pl.lit("near"))
        .when(pl.col("net"))
        .then(pl.lit("K"))
        .otherwise(pl.lit("O")),
    )


def excluded_ids(names: tuple[str, ...], handlabel_dir: Path) -> set[str]:
    """Work ids on the given shipped sheets (``<handlabel_dir>/<name>``)."""
    used: set[str] = set()
    for name in names:
        path = handlabel_dir / name
        if not path.is_file():
            raise InputDataError(
                f"{path}: sheet to exclude not found", hint="run from a full litscan checkout"
            )
        used |= set(pl.read_csv(path, infer_schema_length=0)["work_id"])
    return used


def population(rnd: Round, model_path: Path | None, handlabel_dir: Path) -> pl.DataFrame:
    """The round's sampling frame: id, title, abstract, population, stratum; sorted by id."""
    works = papers_with_abstracts()
    if rnd.strata == "keywords":
        pop = keyword_population(works)
    else:
        assert model_path is not None  # checked by check_model
        pop = model_population(works, model_path)
    used = excluded_ids(rnd.exclude, handlabel_dir)
    return pop.filter(~pl.col("id").is_in(sorted(used))) if used else pop


def draw(pop: pl.DataFrame, rnd: Round) -> dict[str, tuple[list[dict], list[dict]]]:
    """Sample and shuffle every sheet of the round: sheet name -> (sheet rows, key rows)."""
    rng = np.random.default_rng(rnd.seed)
    picked: dict[str, list[tuple[str, str, int, int]]] = {s.name: [] for s in rnd.sheets}
    for stratum in rnd.sheets[0].sizes:
        ids = pop.filter(pl.col("stratum") == stratum)["id"].to_list()
        wanted = sum(s.sizes[stratum] for s in rnd.sheets)
        if wanted > len(ids):
            raise InputDataError(
                f"stratum {stratum}: {len(ids)} papers, cannot sample {wanted}",
                hint="the sample sizes in ROUNDS must fit the population",
            )
        perm = rng.permutation(len(ids))
        start = 0
        for sheet in rnd.sheets:
            n = sheet.sizes[stratum]
            picked[sheet.name] += [
                (ids[i], stratum, n, len(ids)) for i in sorted(perm[start : start + n])
            ]
            start += n
    by_id = {r["id"]: r for r in pop.iter_rows(named=True)}
    out = {}
    for sheet in rnd.sheets:
        rows = picked[sheet.name]
        text, key = [], []
        for k, j in enumerate(rng.permutation(len(rows)), 1):
            wid, stratum, n, big_n = rows[j]
            rec = by_id[wid]
            sid = f"{sheet.prefix}{k:03d}"
            text.append(
                {
                    "sheet_id": sid,
                    "title": " ".join(rec["title"].split()),
                    "abstract": " ".join(rec["abstract"].split()),
                }
            )
            key.append(
                {
                    "sheet_id": sid,
                    "work_id": wid,
                    "population": rec["population"],
                    "stratum": stratum,
                    "n_sampled": n,
                    "population_size": big_n,
                    "weight": big_n / n,
                    "inclusion_probability": n / big_n,
                }
            )
        out[sheet.name] = (text, key)
    return out


def csv_text(rows: list[dict], columns: tuple[str, ...]) -> str:
    """CSV as the csv module writes it (minimal quoting, CRLF line ends)."""
    buf = io.StringIO()
    wr = csv.DictWriter(buf, fieldnames=list(columns))
    wr.writeheader()
    wr.writerows(rows)
    return buf.getvalue()


def output_files(rnd: Round, drawn: dict[str, tuple[list[dict], list[dict]]]) -> dict[str, str]:
    """Relative path -> CSV text of every file the round writes."""
    files = {}
    for name, (text, key) in drawn.items():
        if rnd.split:
            half = (len(text) + 1) // 2
            files[f"sheets/{name}_part1.csv"] = csv_text(text[:half], SHEET_COLUMNS)
            files[f"sheets/{name}_part2.csv"] = csv_text(text[half:], SHEET_COLUMNS)
            files[f"key/key_{name}.csv"] = csv_text(key, KEY_COLUMNS)
        else:
            files[f"sheet_{name}.csv"] = csv_text(text, SHEET_COLUMNS)
            files[f"key_{name}.csv"] = csv_text(key, KEY_COLUMNS)
    return files


def check_model(rnd: Round, number: int, model: str | None, any_model: bool) -> Path | None:
    """The model file the round needs, refused if missing or not the round's model."""
    if rnd.model_commit is None:
        if model is not None:
            raise UsageError(f"round {number} strata use no model; drop MODEL_NPZ ({model})")
        return None
    fetch = f"git show {rnd.model_commit}:litscan/data/models/topics.npz > /tmp/topics-{rnd.model_commit}.npz"
    if model is None:
        raise UsageError(
            f"round {number} needs MODEL_NPZ, the model of commit {rnd.model_commit}", hint=fetch
        )
    path = Path(model)
    if not path.is_file():
        raise UsageError(f"{path}: model file not found", hint=fetch)
    digest = sha256_file(path)
    if digest != rnd.model_sha256 and not any_model:
        raise UsageError(
            f"{path}: SHA-256 {digest[:12]}..., expected {rnd.model_sha256[:12]}... (the model of commit "
            f"{rnd.model_commit}); another model draws other sheets",
            hint=f"{fetch}, or pass --any-model to draw a new sample",
        )
    if digest != rnd.model_sha256:
        print(f"note: {path} is not round {number}'s model: a new sample, not the shipped sheets")
    return path


def build(number: int, out: Path, model: str | None = None, any_model: bool = False,
          handlabel_dir: Path | None = None) -> dict[str, str]:  # fmt: skip
    """Draw round ``number`` and write its files under ``out``; returns relative path -> text."""
    if number not in ROUNDS:
        raise UsageError(f"round {number}: unknown, expected one of {', '.join(map(str, ROUNDS))}")
    rnd = ROUNDS[number]
    model_path = check_model(rnd, number, model, any_model)
    if handlabel_dir is None:
        from litscan.labels.train import HANDLABEL_DIR as handlabel_dir
    pop = population(rnd, model_path, handlabel_dir)
    files = output_files(rnd, draw(pop, rnd))
    for rel, text in files.items():
        atomic_write_text(out / rel, text)
    counts = dict(pop.group_by("stratum").len().iter_rows())
    print(f"round {number}: population {pop.height}, seed {rnd.seed}")
    for stratum in rnd.sheets[0].sizes:
        drawn = " ".join(f"{s.name} {s.sizes[stratum]}" for s in rnd.sheets)
        print(f"  {stratum}: {counts.get(stratum, 0)} papers; {drawn}")
    for rel in files:
        print(f"  wrote {out / rel}")
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="build_annotation_sheets.py",
        description="Draw the blind annotation sheets of one task-label round (see the docstring).",
    )
    ap.add_argument("round", type=int, choices=sorted(ROUNDS), metavar="ROUND", help="1, 2 or 3")
    ap.add_argument("out", type=Path, metavar="OUT_DIR")
    ap.add_argument(
        "model", nargs="?", metavar="MODEL_NPZ", help="rounds 2 and 3: the round's model"
    )
    ap.add_argument(
        "--any-model", action="store_true", help="accept a model file that is not the round's"
    )
    args = ap.parse_args(argv)
    try:
        build(args.round, args.out, args.model, args.any_model)
    except LitscanError as exc:
        print(f"build_annotation_sheets: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
