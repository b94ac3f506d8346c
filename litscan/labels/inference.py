"""Inference with the topic model: load the model file, label papers, build ``work_labels``.

:func:`predict` returns, for every label, ``<label>`` (Int8 0/1) and ``p_<label>`` (Float64):
the model's learned labels (``ai, cv, nlp, ml, ro, security``), then the rule and task labels
(``llm``, ``surveillance`` and the six surveillance tasks). ``face_recognition`` and
``surveillance`` come from the task model of :mod:`litscan.labels.tasks` when the model file carries one
(format 3); the other tasks and ``llm`` are term rules (:mod:`litscan.labels.catalog`). Surveillance
tasks count only within ``cv`` positives, as in CSET's brief.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl

from litscan.errors import InputDataError
from litscan.labels import tasks
from litscan.labels.catalog import (
    LLM_CONTEXT_TERMS,
    LLM_CUE_TERMS,
    LLM_TERMS,
    RULE_LABELS,
    TASK_LABELS,
    llm_context_hits,
    normalize_text,
    surveillance_terms,
    term_regex,
)
from litscan.labels.textfeatures import any_term, document_texts
from litscan.labels.textmodel import TopicClassifier

__all__ = [
    "MODEL_PATH",
    "load_model",
    "predict",
    "to_work_labels",
    "read_input",
    "rule_hits",
    "task_model",
]

MODEL_PATH = Path(str(resources.files("litscan").joinpath("data/models/topics.npz")))


@lru_cache(maxsize=8)
def _load_cached(path: str, size: int, mtime_ns: int) -> TopicClassifier:
    return TopicClassifier.load(path)


def load_model(path: str | Path | None = None) -> TopicClassifier:
    """The shipped model (cached per path and file version; package data, no network)."""
    p = Path(path) if path else MODEL_PATH
    if not p.is_file():
        return TopicClassifier.load(p)  # raises the one-line ModelError
    st = p.stat()  # a rewritten model file (retraining) is loaded again, never the old one
    return _load_cached(str(p), st.st_size, st.st_mtime_ns)


# -- input ----------------------------------------------------------------------------------
def read_input(path: str | Path) -> pl.DataFrame:
    """Read CSV, JSON lines (``.jsonl``/``.ndjson``/``.json``, ``.gz`` allowed) or parquet."""
    path = Path(path)
    if not path.is_file():
        raise InputDataError(
            f"input file {path} does not exist", hint="give a CSV, JSONL or parquet file"
        )
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            df = pl.read_parquet(path)
        elif name.endswith((".csv", ".csv.gz")):
            df = pl.read_csv(path, infer_schema_length=0)
        elif name.endswith((".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as fh:
                rows = _text_rows(
                    path, (json.loads(line) for line in _lines(fh, path) if line.strip())
                )
            df = (
                pl.DataFrame(rows, schema=dict.fromkeys(_TEXT_COLS, pl.Utf8))
                if rows
                else pl.DataFrame()
            )
        else:
            raise InputDataError(
                f"input file {path}: unknown format", hint="use .csv, .jsonl(.gz) or .parquet"
            )
    except InputDataError:
        raise
    except Exception as exc:  # polars / json raise many types; report them uniformly
        raise InputDataError(
            f"input file {path} could not be read: {exc}",
            hint="check the file format matches its extension",
        ) from exc
    return _check_columns(df, str(path))


_TEXT_COLS = ("id", "title", "abstract")
#: longest JSON line read (a gzip bomb or a line without end stops here, not in RAM)
MAX_LINE_BYTES = 64 << 20


def _lines(fh, path: Path, limit: int | None = None):
    """The lines of ``fh``; a line longer than ``limit`` characters (default
    :data:`MAX_LINE_BYTES`) is an error naming it."""
    limit = MAX_LINE_BYTES if limit is None else limit
    n = 0
    while line := fh.readline(limit + 1):
        n += 1
        if len(line) > limit and not line.endswith("\n"):
            raise InputDataError(
                f"{path}: line {n} is longer than {limit / 2**20:g} MiB (a JSON line per paper "
                "expected)",
                hint="check the file; huge lines are not read whole",
            )
        yield line


def _text_rows(path: Path, records) -> list[dict]:
    """``id, title, abstract`` of each JSON record; a record that is not an object, or whose
    id/title/abstract is not text (a number id is read as text), is skipped and counted in one
    warning naming the file and the first bad record (one bad record never stops the rest)."""
    import logging

    rows: list[dict] = []
    bad = 0
    first = ""
    for i, rec in enumerate(records, 1):
        why = ""
        if not isinstance(rec, dict):
            why = f"expected a JSON object, got {type(rec).__name__}"
        else:
            row = {}
            for col in _TEXT_COLS:
                v = rec.get(col)
                if isinstance(v, int | float) and not isinstance(v, bool) and col == "id":
                    v = str(v)
                if v is not None and not isinstance(v, str):
                    why = f"{col} is a {type(v).__name__}, expected text"
                    break
                if isinstance(v, str):
                    try:
                        v.encode("utf-8")
                    except UnicodeEncodeError:
                        why = f"{col} holds invalid Unicode (a lone surrogate)"
                        break
                row[col] = v
        if why:
            bad += 1
            first = first or f"record {i}: {why}"
            continue
        rows.append(row)
    if bad:
        logging.getLogger("litscan.labels.inference").warning(
            "skipped %d of %d record(s) in %s (first: %s)", bad, bad + len(rows), path, first
        )
    return rows


def _check_columns(df: pl.DataFrame, where: str) -> pl.DataFrame:
    missing = [c for c in ("id", "title") if c not in df.columns]
    if missing:
        raise InputDataError(
            f"{where}: missing column(s) {missing}; expected id, title, abstract; found {df.columns}",
            hint="rename the columns (abstract may be empty or absent)",
        )
    if "abstract" not in df.columns:
        df = df.with_columns(pl.lit(None, dtype=pl.Utf8).alias("abstract"))
    return df.with_columns(
        pl.col("id").cast(pl.Utf8), pl.col("title").cast(pl.Utf8), pl.col("abstract").cast(pl.Utf8)
    )


# -- prediction -----------------------------------------------------------------------------
@cache
def _rule_matcher() -> tuple:
    """One regex over every rule term (one pass per text) and term -> rule labels."""
    owner: dict[str, set[str]] = {}
    for label, terms in {"llm": LLM_TERMS, **surveillance_terms()}.items():
        for term in terms:
            owner.setdefault(normalize_text(term), set()).add(label)
    return term_regex(owner), owner


def rule_hits(texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Rule label -> boolean array: does a (normalised) text contain one of the label's terms."""
    rx, owner = _rule_matcher()
    out = {lab: np.zeros(len(texts), dtype=bool) for lab in ("llm", *TASK_LABELS)}
    # one Aho-Corasick pass finds the texts with any term; the regex runs on those only
    for i in np.flatnonzero(any_term(texts, owner)):
        t = texts[i]
        for term in set(rx.findall(t)):
            for lab in owner[term]:
                out[lab][i] = True
    return out


@cache
def _llm_context_terms() -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(map(normalize_text, LLM_CONTEXT_TERMS)), tuple(map(normalize_text, LLM_CUE_TERMS))


def _llm_context(texts: Sequence[str]) -> np.ndarray:
    """``llm_context_hits(texts)`` as an array; the regexes run only on texts where one
    Aho-Corasick pass finds both a context term and a cue."""
    ctx, cue = _llm_context_terms()
    out = np.zeros(len(texts), dtype=bool)
    idx = np.flatnonzero(any_term(texts, ctx) & any_term(texts, cue))
    if len(idx):
        out[idx] = llm_context_hits([texts[i] for i in idx])
    return out


def task_model(model: TopicClassifier) -> tasks.TaskModel | None:
    """The task-label model stored in the model file's metadata (``tasks``), or None."""
    spec = getattr(model, "meta_", {}).get("tasks")
    return tasks.TaskModel.from_dict(spec) if spec else None


def _apply_task_model(
    tm: tasks.TaskModel, df: pl.DataFrame, cv: np.ndarray, cols: dict[str, np.ndarray]
) -> None:
    """Overwrite the task model's labels in ``cols`` (computed on ``cv`` rows only)."""
    n = df.height
    idx = np.flatnonzero(cv)
    proba = tm.predict_proba(df[idx].select("title", "abstract")) if len(idx) else {}
    for label in tm.labels:
        p = np.zeros(n)
        if len(idx):
            p[idx] = proba[label]
        cols[f"p_{label}"] = p
        cols[label] = cv & (p >= float(tm.heads[label]["threshold"]))
    if "face_recognition" in tm.labels and "surveillance" in tm.labels:
        cols["surveillance"] = cols["surveillance"] | cols["face_recognition"]
        cols["p_surveillance"] = np.maximum(cols["p_surveillance"], cols["p_face_recognition"])


def predict(df, model: TopicClassifier | None = None) -> pl.DataFrame:
    """Label every row of ``df`` (polars or pandas; columns id, title, abstract).

    Returns ``id`` and, for every label (the model's learned labels, then the rule labels),
    ``<label>`` (Int8 0/1) and ``p_<label>`` (Float64 in [0, 1]). ``p_llm`` is 1.0/0.0 (term
    match); a term-rule task's score is ``p_cv`` when its terms match and 0 otherwise. With a
    task model in the model file (:func:`task_model`), ``face_recognition`` and ``surveillance``
    are its decisions and probabilities within ``cv`` positives (0 elsewhere), and
    ``surveillance`` also holds every ``face_recognition`` paper.
    """
    if not isinstance(df, pl.DataFrame):
        try:
            df = pl.from_pandas(df)
        except Exception as exc:
            raise InputDataError(
                f"predict() needs a polars or pandas DataFrame, got {type(df).__name__}"
            ) from exc
    df = _check_columns(df, "predict() input")
    model = model or load_model()
    texts = document_texts(df["title"], df["abstract"])  # = document_text(t, a) per row
    proba = model.predict_proba_documents(texts) if texts else np.zeros((0, len(model.labels)))
    flags = proba >= model.thresholds_
    cols: dict[str, np.ndarray] = {}
    for j, label in enumerate(model.labels):
        cols[label] = flags[:, j]
        cols[f"p_{label}"] = proba[:, j]
    hits = rule_hits(texts)
    cols["llm"] = hits["llm"] | _llm_context(texts)
    cols["p_llm"] = cols["llm"].astype(float)
    cv, p_cv = cols.get("cv", np.zeros(len(texts), bool)), cols.get("p_cv", np.zeros(len(texts)))
    surv, p_surv = np.zeros(len(texts), bool), np.zeros(len(texts))
    for label in TASK_LABELS:
        hit = hits[label]
        cols[label] = hit & cv
        cols[f"p_{label}"] = np.where(hit, p_cv, 0.0)
        surv |= cols[label]
        p_surv = np.maximum(p_surv, cols[f"p_{label}"])
    cols["surveillance"], cols["p_surveillance"] = surv, p_surv
    tm = task_model(model)
    if tm is not None:
        _apply_task_model(tm, df, cv, cols)
    out = {"id": df["id"]}
    for label in (*model.labels, *RULE_LABELS):
        out[label] = pl.Series(label, cols[label].astype(np.int8), dtype=pl.Int8)
        out[f"p_{label}"] = pl.Series(
            f"p_{label}", np.clip(cols[f"p_{label}"], 0.0, 1.0), dtype=pl.Float64
        )
    return pl.DataFrame(out)


def to_work_labels(predictions: pl.DataFrame, labels: Sequence[str] | None = None) -> pl.DataFrame:
    """``predict`` output -> the ``work_labels`` table (work_id, label, score, flag), one row per
    work x label (labels default: every ``<label>`` with a ``p_<label>`` column)."""
    if "id" not in predictions.columns:
        raise InputDataError(
            f"to_work_labels: no `id` column; found {predictions.columns}",
            hint="pass the DataFrame returned by litscan.labels.classify.predict",
        )
    if labels is None:
        labels = [
            c[2:]
            for c in predictions.columns
            if c.startswith("p_") and c[2:] in predictions.columns
        ]
    missing = [
        lab
        for lab in labels
        if lab not in predictions.columns or f"p_{lab}" not in predictions.columns
    ]
    if missing:
        raise InputDataError(
            f"to_work_labels: label column(s) {missing} (or their p_ scores) missing",
            hint=f"available: {predictions.columns}",
        )
    parts = [
        predictions.select(
            pl.col("id").cast(pl.Utf8).alias("work_id"),
            pl.lit(lab, dtype=pl.Utf8).alias("label"),
            pl.col(f"p_{lab}").cast(pl.Float64).alias("score"),
            (pl.col(lab).cast(pl.Int64) == 1).alias("flag"),
        )
        for lab in labels
    ]
    if not parts:
        return pl.DataFrame(
            schema={"work_id": pl.Utf8, "label": pl.Utf8, "score": pl.Float64, "flag": pl.Boolean}
        )
    return pl.concat(parts)
