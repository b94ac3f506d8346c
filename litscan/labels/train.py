"""Training the topic model and its task-label model; reproducible with ``litscan classify --train``.

Data (``../shared/data`` or ``--data DIR``; see ``/work/shared/data/SOURCES.md`` of the project):

* category labels ``cv, nlp, ml, ro, security``: arXiv listings 2025, training split
  (``id_yymm <= 2510``), thresholds on the out-of-fold scores of :data:`THRESHOLD_MONTHS`;
* ``ai``: a dedicated head on CSET's dev file (80 %) + arXiv listings (:data:`AI_HEAD`);
* task labels ``face_recognition``, ``surveillance``: :class:`litscan.labels.tasks.TaskModel` on the
  hand labels shipped in ``litscan/data/handlabels/`` (:data:`TASK_TRAINING_SHEETS`; the
  round-2 audit sheet is never used for training), see :func:`train_tasks`.

Nothing is written unless a path is given: :func:`train_default` and :func:`train_tasks` return
the model; :func:`save_model` writes it (atomically).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl

from litscan.errors import InputDataError, UsageError
from litscan.labels import tasks
from litscan.labels.catalog import CATEGORY_LABELS, LEARNED_LABELS, document_text
from litscan.labels.textmodel import SEED, TopicClassifier

__all__ = [
    "ARXIV_FILE",
    "CSET_FILE",
    "VENUE_FILE",
    "LLM_FILE",
    "ARXIV_SPLIT",
    "THRESHOLD_MONTHS",
    "AI_HEAD",
    "TASK_HEAD",
    "HANDLABEL_DIR",
    "default_data_dir",
    "load_arxiv",
    "load_cset",
    "load_training_data",
    "load_ai_training_data",
    "load_task_training_data",
    "training_sheets",
    "TASK_TRAINING_SHEETS",
    "read_sheet_weights",
    "train_default",
    "train_tasks",
    "save_model",
]

#: Time-based split of the arXiv listings by id_yymm (ids older than 2503 are revised versions
#: that re-appeared in a listing: they go to the training pool).
ARXIV_SPLIT = {"train": ("0000", "2510"), "test": ("2511", "2512")}
CSET_TEST_FRACTION = 0.2
#: The category labels' thresholds are chosen on the out-of-fold scores of the latest training
#: months only: the crawl scope and the label priors drift by month (cs.CL: 25-47 % of the
#: listings in 2503-2508, 21 % in 2509-2510). Chosen on a 2509-2510 validation split (model card).
THRESHOLD_MONTHS = ("2509", "2510")
#: The ``ai`` label is predicted by a dedicated head trained on CSET's task (all of arXiv, 10 % AI):
#: CSET dev train part + the listings' non-AI papers and a fixed sample of their AI papers as extra
#: rows with a small weight. Settings chosen by 5-fold CV on the CSET train part (model card).
AI_HEAD = {"C": 64.0, "arxiv_weight": 1.0, "arxiv_positives": 4000, "class_weight": "balanced"}
#: Task model cross-validation (thresholds); per-label features and C: litscan.labels.tasks.HEAD_SETTINGS.
TASK_HEAD = {"folds": 5}
HANDLABEL_DIR = Path(str(resources.files("litscan").joinpath("data/handlabels")))


# -- training data --------------------------------------------------------------------------
ARXIV_FILE = "labeled-text/arxiv-daily-listings-2025-2026/arxiv_cs_listings_part1_upto2512.jsonl.gz"
CSET_FILE = "labeled-text/cset-arxiv-ai-binary-2010-2019/dev.jsonl.gz"
VENUE_FILE = "labeled-text/venue-papers-paperlists/paperlists_ai_venues.jsonl.gz"
LLM_FILE = "labeled-text/llm-papers-huggingarxiv/huggingarxiv_llm_papers_2024_2025.jsonl.gz"


def default_data_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def need_file(path: Path) -> Path:
    if not path.is_file():
        raise InputDataError(
            f"training file {path} does not exist",
            hint="pass --data DIR pointing at the shared data folder",
        )
    return path


def load_arxiv(data_dir: Path) -> pl.DataFrame:
    """arXiv listings with split (train/test by id_yymm) and learned-label truth columns."""
    df = pl.read_ndjson(need_file(data_dir / ARXIV_FILE), infer_schema_length=None)
    lo, hi = ARXIV_SPLIT["test"]
    df = df.sort("arxiv_id").with_columns(
        pl.when(pl.col("id_yymm").is_between(pl.lit(lo), pl.lit(hi)))
        .then(pl.lit("test"))
        .otherwise(pl.lit("train"))
        .alias("split"),
    )
    cats = df["categories"].str.split(" ")
    for label, wanted in CATEGORY_LABELS.items():
        df = df.with_columns(
            cats.list.eval(pl.element().is_in(list(wanted))).list.any().alias(f"y_{label}")
        )
    return df.rename({"arxiv_id": "id"})


def load_cset(data_dir: Path) -> pl.DataFrame:
    """CSET dev file -> id, title, abstract (split at the first '. '), y_ai, split (random 80/20)."""
    df = pl.read_ndjson(need_file(data_dir / CSET_FILE), infer_schema_length=None)
    text = df["text"]
    parts = text.str.splitn(". ", 2)
    df = pl.DataFrame(
        {
            "id": df["meta"].struct.field("id").cast(pl.Utf8),
            "year": df["meta"].struct.field("year"),
            "title": parts.struct.field("field_0"),
            "abstract": parts.struct.field("field_1"),
            "y_ai": df["label"] == "True",
        }
    ).sort("id")
    rng = np.random.default_rng(SEED)
    test = rng.random(df.height) < CSET_TEST_FRACTION
    return df.with_columns(pl.Series("split", np.where(test, "test", "train")))


def load_training_data(
    data_dir: str | Path | None = None,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Training pool of the category labels: arXiv listings, train split (id_yymm <= 2510).

    Returns texts, Y (int8; the ``ai`` column is -1 = unknown, as ``ai`` has its own head, see
    :func:`load_ai_training_data`) and the threshold rows (the months in :data:`THRESHOLD_MONTHS`)."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    ax = load_arxiv(data_dir).filter(pl.col("split") == "train")
    texts = [document_text(t, a) for t, a in zip(ax["title"], ax["abstract"], strict=True)]
    Y = np.full((len(texts), len(LEARNED_LABELS)), -1, dtype=np.int8)
    for j, label in enumerate(LEARNED_LABELS):
        if label != "ai":
            Y[:, j] = ax[f"y_{label}"].to_numpy()
    late = ax["id_yymm"].is_in(list(THRESHOLD_MONTHS)).to_numpy()
    thr_rows = (Y >= 0) & late[:, None]
    return texts, Y, thr_rows


def load_ai_training_data(
    data_dir: str | Path | None = None, arxiv_positives: int | None = None
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Training pool of the ``ai`` head: CSET dev train part (weight 1) + arXiv listings train split
    (every non-AI paper and ``arxiv_positives`` AI papers drawn with seed 0; weight
    ``AI_HEAD['arxiv_weight']``). Returns texts, y (n, 1) int8, threshold rows (CSET rows only) and
    sample weights."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    n_pos = AI_HEAD["arxiv_positives"] if arxiv_positives is None else arxiv_positives
    cs = load_cset(data_dir).filter(pl.col("split") == "train")
    ax = load_arxiv(data_dir).filter(pl.col("split") == "train")
    ya = ax["y_ai"].to_numpy()
    rng = np.random.default_rng(SEED)
    pos = np.flatnonzero(ya)
    keep = np.sort(np.r_[np.flatnonzero(~ya), rng.choice(pos, min(n_pos, len(pos)), replace=False)])
    ax = ax[keep]
    texts = [document_text(t, a) for t, a in zip(cs["title"], cs["abstract"], strict=True)]
    texts += [document_text(t, a) for t, a in zip(ax["title"], ax["abstract"], strict=True)]
    y = np.r_[cs["y_ai"].to_numpy(), ax["y_ai"].to_numpy()].astype(np.int8)[:, None]
    thr_rows = np.r_[np.ones(cs.height, bool), np.zeros(ax.height, bool)][:, None]
    weight = np.r_[np.ones(cs.height), np.full(ax.height, AI_HEAD["arxiv_weight"])]
    return texts, y, thr_rows, weight


def train_default(
    data_dir: str | Path | None = None, *, handlabel_dir: str | Path | None = None, **params
) -> TopicClassifier:
    """Rebuild the shipped model (category labels, ``ai`` head, task model) from ../shared/data
    (or ``data_dir``) and the shipped hand labels; deterministic. Writes nothing: pass the result
    to :func:`save_model`."""
    texts, Y, thr_rows = load_training_data(data_dir)
    model = TopicClassifier(**params).fit(texts, Y, threshold_rows=thr_rows)
    at, ay, athr, aw = load_ai_training_data(data_dir)
    head_params = {k: v for k, v in params.items() if k not in ("labels", "C")}
    head = TopicClassifier(
        labels=("ai",), C=AI_HEAD["C"], class_weight=AI_HEAD["class_weight"], **head_params
    ).fit(at, ay, threshold_rows=athr, sample_weight=aw)
    model.set_head("ai", head)
    meta = {
        "trained_on": {
            "arxiv_listings": f"id_yymm <= {ARXIV_SPLIT['train'][1]} (test {ARXIV_SPLIT['test']} held out); "
            f"category-label thresholds on id_yymm in {list(THRESHOLD_MONTHS)}",
            "ai_head": f"CSET dev random {1 - CSET_TEST_FRACTION:.0%} (seed {SEED}) + arXiv listings "
            f"train split: all non-AI + {AI_HEAD['arxiv_positives']} AI papers, weight "
            f"{AI_HEAD['arxiv_weight']}; C {AI_HEAD['C']}, class_weight {AI_HEAD['class_weight']}; "
            "threshold on CSET rows",
        },
        "n_docs": len(texts) + len(at),
        "fit_seconds": round(model.fit_seconds_ + head.fit_seconds_, 1),
    }
    model.meta_ = meta
    return train_tasks(model, handlabel_dir)


#: Metadata keys :func:`save_model` carries from ``model.meta_`` into the file (the rest of the
#: metadata is regenerated by :meth:`TopicClassifier.save`).
PROVENANCE_KEYS = ("trained_on", "n_docs", "fit_seconds", "tasks")


def save_model(model: TopicClassifier, path: str | Path) -> Path:
    """Write ``model`` (with its provenance and task model) to ``path`` atomically."""
    meta = {k: v for k, v in getattr(model, "meta_", {}).items() if k in PROVENANCE_KEYS}
    return model.save(path, meta=meta)


#: The task model's training sheets, in ``litscan/data/handlabels/``: (file, how its truth is read,
#: the task labels it trains). ``single``: one annotator's ``surveillance`` / ``face_recognition``
#: columns; ``adjudicated``: an audit sheet's two blind annotators (positive when A = 1 and B = 1,
#: the audits' strict rule). An audit sheet becomes training data only after the model it
#: audited has been reported, and only for the labels that have a newer held-out audit
#: (:data:`litscan.labels.evaluate.AUDIT_SHEETS`): round 1's audit since round 2, round 2's audit since
#: round 3 and for ``surveillance`` only (``face_recognition`` is still audited on it). The
#: round-3 audit sheet ``audit3_sheet.csv`` is never used for training.
TASK_TRAINING_SHEETS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("train_sheet.csv", "single", tasks.MODEL_LABELS),
    ("audit_sheet.csv", "adjudicated", tasks.MODEL_LABELS),
    ("train2_sheet.csv", "single", tasks.MODEL_LABELS),
    ("audit2_sheet.csv", "adjudicated", ("surveillance",)),
)


def read_sheet_weights(df: pl.DataFrame, path: Path) -> pl.DataFrame:
    """``df`` with its ``weight`` column as Float64; a weight that is not a positive number is
    an :class:`InputDataError` naming the sheet, the row and the value."""
    w = pl.col("weight").cast(pl.Float64, strict=False)
    bad = df.with_row_index("_row").filter(w.is_null() | (w <= 0) | w.is_nan())
    if bad.height:
        row = bad.row(0, named=True)
        raise InputDataError(
            f"{path}: row {row['_row'] + 2}: weight {row['weight']!r} is not a positive number",
            hint="weights are population_size / n_sampled, as the sampling scripts write them",
        )
    return df.with_columns(w)


def _read_sheet(path: Path, rule: str) -> pl.DataFrame:
    if not path.is_file():
        raise InputDataError(
            f"task training sheet {path} does not exist",
            hint="the hand labels ship in litscan/data/handlabels/; reinstall litscan",
        )
    df = pl.read_csv(path, infer_schema_length=0)
    cols = (
        list(tasks.MODEL_LABELS)
        if rule == "single"
        else [f"{a}_{lab}" for a in "AB" for lab in tasks.MODEL_LABELS]
    )
    missing = sorted({"work_id", "title", "abstract", "weight", *cols} - set(df.columns))
    if missing:
        raise InputDataError(f"{path}: missing column(s) {missing}; found {df.columns}")
    df = read_sheet_weights(df, path)
    if "population" in df.columns:
        df = df.filter(pl.col("population") == "cv")
    if rule == "adjudicated":
        df = df.with_columns(
            pl.when((pl.col(f"A_{lab}") == "1") & (pl.col(f"B_{lab}") == "1"))
            .then(pl.lit("1"))
            .otherwise(pl.lit("0"))
            .alias(lab)
            for lab in tasks.MODEL_LABELS
        )
    return df.select(
        pl.lit(path.name).alias("sheet"),
        "work_id",
        "title",
        "abstract",
        "weight",
        *tasks.MODEL_LABELS,
    )


def training_sheets(label: str) -> tuple[tuple[str, str], ...]:
    """(file, rule) of the sheets in :data:`TASK_TRAINING_SHEETS` that train ``label``."""
    if label not in tasks.MODEL_LABELS:
        raise UsageError(f"task label {label!r} is not one of {list(tasks.MODEL_LABELS)}")
    return tuple((name, rule) for name, rule, labs in TASK_TRAINING_SHEETS if label in labs)


def load_task_training_data(label: str, handlabel_dir: str | Path | None = None) -> pl.DataFrame:
    """The training rows of task label ``label``: the CV papers of every sheet in
    :data:`TASK_TRAINING_SHEETS` that trains it, stacked (columns sheet, work_id, title,
    abstract, weight and the ``1``/``0``/``b`` calls of each task label; see the folder's README).

    Each sheet is a stratified sample of (almost) the same population and its weights sum to that
    population's size, so the stacked weights are divided by the number of sheets: the pooled
    sample then also estimates the population, each sheet counting by its own design. A paper on
    two sheets is an error (each round's sheets exclude the earlier rounds' papers by
    construction)."""
    folder = Path(handlabel_dir) if handlabel_dir else HANDLABEL_DIR
    sheets = training_sheets(label)
    frames = [_read_sheet(folder / name, rule) for name, rule in sheets]
    df = pl.concat(frames).with_columns(pl.col("weight") / len(frames))
    dup = df.filter(pl.col("work_id").is_duplicated())
    if dup.height:
        raise InputDataError(
            f"{folder}: paper {dup['work_id'][0]} is on two training sheets "
            f"({', '.join(sorted(set(dup['sheet'])))})",
            hint="each paper is labelled for training once",
        )
    return df


def strict(values: pl.Series) -> np.ndarray:
    """Hand-label calls -> strict truth (``1`` is positive; ``0`` and ``b`` negative)."""
    return (values.cast(pl.Utf8).str.strip_chars() == "1").to_numpy()


def train_tasks(model: TopicClassifier, handlabel_dir: str | Path | None = None) -> TopicClassifier:
    """Fit the task model (:class:`litscan.labels.tasks.TaskModel`), one head per label on that label's
    training sheets' CV papers (:func:`load_task_training_data`; strict labels, sampling
    weights), and store it in ``model.meta_['tasks']``."""
    heads = {}
    for label in tasks.MODEL_LABELS:
        df = load_task_training_data(label, handlabel_dir)
        tm = tasks.fit_task_model(
            df.select("title", "abstract"),
            {label: strict(df[label])},
            df["weight"].to_numpy(),
            folds=TASK_HEAD["folds"],
            seed=SEED,
            meta={
                "trained_on": "litscan/data/handlabels/"
                + " + ".join(name for name, _ in training_sheets(label))
                + f", {df.height} CV papers, strict labels"
            },
        )
        heads.update(tm.to_dict()["heads"])
    model.meta_ = {**getattr(model, "meta_", {}), "tasks": tasks.TaskModel(heads).to_dict()}
    return model
