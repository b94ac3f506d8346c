"""Topic classifiers: the public entry point (model, inference, training, evaluation).

The work is split by concern; this module re-exports the public names so that
``from litscan import classify; classify.predict(...)`` keeps working:

=======================  =====================================================================
:mod:`litscan.labels.textmodel` :class:`TopicClassifier` (scikit-learn estimator, raw text in) and the
                         model file format (``.npz`` + JSON, no pickle)
:mod:`litscan.labels.tasks`     task labels by what a paper is about (``face_recognition``,
                         ``surveillance``): features, the about-ness rule, the task model
:mod:`litscan.labels.inference` :func:`load_model`, :func:`predict`, :func:`to_work_labels`,
                         :func:`read_input`
:mod:`litscan.labels.train`     training data and :func:`train_default` (``litscan classify --train``)
:mod:`litscan.labels.evaluate`  :func:`evaluate` and :func:`model_card` (``classify --evaluate``)
=======================  =====================================================================

Labels and term rules live in :mod:`litscan.labels.catalog`.
"""

from __future__ import annotations

from litscan.labels.evaluate import VENUE_TO_LABEL, evaluate, keyword_baseline, model_card, prf
from litscan.labels.inference import (
    MODEL_PATH,
    load_model,
    predict,
    read_input,
    rule_hits,
    task_model,
    to_work_labels,
)
from litscan.labels.textmodel import (
    FORMAT_VERSION,
    SEED,
    TopicClassifier,
    as_documents,
    best_f1_threshold,
)
from litscan.labels.train import (
    AI_HEAD,
    ARXIV_FILE,
    ARXIV_SPLIT,
    CSET_FILE,
    LLM_FILE,
    THRESHOLD_MONTHS,
    VENUE_FILE,
    default_data_dir,
    load_ai_training_data,
    load_arxiv,
    load_cset,
    load_training_data,
    save_model,
    train_default,
    train_tasks,
)

__all__ = [
    "TopicClassifier",
    "as_documents",
    "best_f1_threshold",
    "load_model",
    "predict",
    "to_work_labels",
    "read_input",
    "rule_hits",
    "task_model",
    "load_training_data",
    "load_ai_training_data",
    "load_arxiv",
    "load_cset",
    "default_data_dir",
    "train_default",
    "train_tasks",
    "save_model",
    "evaluate",
    "model_card",
    "prf",
    "keyword_baseline",
    "MODEL_PATH",
    "FORMAT_VERSION",
    "SEED",
    "ARXIV_SPLIT",
    "ARXIV_FILE",
    "CSET_FILE",
    "VENUE_FILE",
    "LLM_FILE",
    "THRESHOLD_MONTHS",
    "AI_HEAD",
    "VENUE_TO_LABEL",
]
