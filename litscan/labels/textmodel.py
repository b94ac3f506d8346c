"""The topic model: a scikit-learn estimator over raw text, and its model file (``.npz``).

:class:`TopicClassifier` is a multi-label linear text classifier: text -> CSET's surface form
(lower case, every non-alphanumeric run -> one space; done *inside* the estimator, so raw and
pre-cleaned text get the same scores) -> hashed word 1-2-grams (no vocabulary to store) ->
sublinear tf-idf, L2 -> one L2-regularised logistic regression per label (liblinear, fixed
``random_state``). Each label's decision threshold maximises F1 on *out-of-fold* predictions over
the training pool (stratified K-fold), so thresholds never see test data.

Input ``X`` of ``fit``/``predict_proba``/``predict``: a polars or pandas frame with ``title`` and
``abstract`` columns (the document is the title twice + the abstract, see
:func:`litscan.labels.catalog.document_text`), a sequence of ``(title, abstract)`` pairs, or a sequence of
raw strings (each one normalised). ``classes_`` are the label names, in the column order of
``predict_proba`` and ``predict`` (a 0/1 indicator matrix, one column per label).

Model file format (``litscan/data/models/topics.npz``; ``numpy.savez_compressed``, read with
``allow_pickle=False``; its sha256 identifies a model):

==========================  ===============================================================
``meta``                    0-d unicode array: JSON with ``format_version`` (3), ``params``
                            (estimator parameters, ``labels`` as a list), ``thresholds``,
                            ``oof_f1``, ``n_train``, ``heads`` (per-label head parameters,
                            threshold, oof_f1, n_train), ``tasks`` (the task-label model of
                            :mod:`litscan.labels.tasks`, JSON only; absent in formats 1-2), training
                            provenance (``trained_on``, ``n_docs``, ``fit_seconds``)
``coef``                    float16 (n_labels, n_features): LR weights
``idf``                     float16 (n_features,): idf of the hashed n-grams
``intercept``               float64 (n_labels,)
``head_<label>_coef/idf/intercept``  the same three arrays for a dedicated one-label head
==========================  ===============================================================
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from litscan.errors import ModelError, UsageError
from litscan.fileio import atomic_path
from litscan.labels.catalog import LEARNED_LABELS, document_text, normalize_text
from litscan.labels.textfeatures import hashed_ngram_counts

__all__ = ["TopicClassifier", "best_f1_threshold", "as_documents", "FORMAT_VERSION", "SEED"]

FORMAT_VERSION = 3
READABLE_FORMATS = (1, 2, 3)
SEED = 0


def as_documents(X) -> list[str]:
    """Raw input -> normalised documents (see the module docstring for the accepted forms)."""
    if hasattr(X, "columns") and hasattr(X, "__getitem__") and not isinstance(X, (list, tuple)):
        cols = list(X.columns)
        if "title" not in cols:
            raise UsageError(
                f"X is a frame without a `title` column (found {cols})",
                hint="pass a frame with title and abstract columns, or a list of strings",
            )
        titles = list(X["title"])
        abstracts = list(X["abstract"]) if "abstract" in cols else [None] * len(titles)
        return [document_text(t, a) for t, a in zip(titles, abstracts, strict=True)]
    if isinstance(X, str):
        raise UsageError(
            "X is one string; expected a sequence of documents", hint="wrap it: [text]"
        )
    docs = []
    for x in X:
        if isinstance(x, tuple) and len(x) == 2:
            docs.append(document_text(x[0], x[1]))
        elif x is None or isinstance(x, str):
            docs.append(normalize_text(x))
        else:
            raise UsageError(
                f"X holds a {type(x).__name__}; expected str or (title, abstract) pairs",
                hint="pass raw text strings or a frame with title and abstract columns",
            )
    return docs


class _NgramAnalyzer:
    """Word n-grams of an already-normalised document (picklable, no regex: the estimator
    normalises once in :func:`as_documents`)."""

    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi

    def __call__(self, doc: str) -> list[str]:
        toks = doc.split()
        out = list(toks) if self.lo == 1 else []
        for n in range(max(self.lo, 2), self.hi + 1):
            out += [" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1)]
        return out


def best_f1_threshold(y: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    """The threshold maximising F1 of ``score >= t`` (and that F1). Ties: the lower threshold."""
    y = np.asarray(y, dtype=bool)
    order = np.argsort(-score, kind="mergesort")
    s, yy = score[order], y[order]
    tp = np.cumsum(yy)
    k = np.arange(1, len(s) + 1)
    last = np.r_[s[1:] != s[:-1], True]  # only cut between distinct scores
    f1 = np.where(last, 2 * tp / (k + y.sum()), -1.0)
    i = int(np.argmax(f1))
    return float(s[i]), float(f1[i])


class TopicClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label linear text classifier over hashed word n-grams (see module docstring).

    ``fit(X, Y)``: ``X`` raw text in any accepted form (cleaned inside), ``Y`` an int8 array
    (n_docs, n_labels) with 1/0 and -1 = unknown (the row is not used for that label).
    ``classes_``: the label names (columns of ``predict_proba`` / ``predict``).
    """

    def __init__(
        self,
        labels: Sequence[str] = LEARNED_LABELS,
        n_features: int = 2**19,
        ngram_range: tuple[int, int] = (1, 2),
        C: float = 8.0,
        cv_folds: int = 4,
        random_state: int = SEED,
        class_weight: str | None = None,
    ) -> None:
        self.labels = labels
        self.n_features = n_features
        self.ngram_range = ngram_range
        self.C = C
        self.cv_folds = cv_folds
        self.random_state = random_state
        self.class_weight = class_weight

    # -- features ---------------------------------------------------------------------------
    def _hasher(self) -> HashingVectorizer:
        # Documents are already normalised to [0-9a-z ] (document_text), so tokens are str.split();
        # a plain-Python analyzer is faster than the regex one and yields the same n-grams.
        lo, hi = self.ngram_range
        return HashingVectorizer(
            n_features=self.n_features,
            analyzer=_NgramAnalyzer(lo, hi),
            alternate_sign=False,
            norm=None,
            dtype=np.float32,
        )

    def _counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        # the same matrix as self._hasher().transform(texts), hashed on whole arrays
        return hashed_ngram_counts(texts, self.n_features, tuple(self.ngram_range))

    def _tfidf(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        X = counts.copy()
        X.data = 1.0 + np.log(X.data)
        X = X @ sp.diags(self.idf_.astype(np.float32))
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags((1.0 / norms).astype(np.float32)) @ X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags

    def transform(self, X) -> sp.csr_matrix:
        """The tf-idf feature matrix of raw documents ``X``."""
        return self._tfidf(self._counts(as_documents(X)))

    # -- fitting ----------------------------------------------------------------------------
    def _lr(self) -> LogisticRegression:
        return LogisticRegression(
            C=self.C,
            solver="liblinear",
            max_iter=1000,
            random_state=self.random_state,
            class_weight=self.class_weight,
        )

    def fit(
        self,
        X,
        Y: np.ndarray,
        threshold_rows: np.ndarray | None = None,
        sample_weight: np.ndarray | None = None,
    ) -> TopicClassifier:
        """``threshold_rows`` (n_docs, n_labels) bool, optional: rows whose out-of-fold scores
        choose each label's threshold (default: all rows with a known label). ``sample_weight``
        (n_docs,), optional: per-document weight in the logistic loss. A label without any known
        row is left untrained (zero weights; used when a dedicated head predicts it)."""
        texts = as_documents(X)
        Y = np.asarray(Y, dtype=np.int8)
        if Y.ndim == 1 and len(self.labels) == 1:
            Y = Y[:, None]
        if Y.shape != (len(texts), len(self.labels)):
            raise UsageError(f"Y has shape {Y.shape}; expected ({len(texts)}, {len(self.labels)})")
        t0 = time.perf_counter()
        counts = self._counts(texts)
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=self.n_features)
        self.idf_ = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        X = self._tfidf(counts)
        coef = np.zeros((len(self.labels), self.n_features), dtype=np.float32)
        intercept = np.zeros(len(self.labels))
        thresholds = np.full(len(self.labels), 0.5)
        oof_f1 = np.zeros(len(self.labels))
        for j, _label in enumerate(self.labels):
            rows = np.flatnonzero(Y[:, j] >= 0)
            if len(rows) == 0:
                continue
            Xj, yj = X[rows], Y[rows, j].astype(bool)
            wj = None if sample_weight is None else np.asarray(sample_weight, dtype=float)[rows]
            if self.cv_folds >= 2:  # cv_folds=0: no threshold search (0.5), e.g. for benchmarks
                oof = np.zeros(len(rows))
                folds = StratifiedKFold(self.cv_folds, shuffle=True, random_state=self.random_state)
                for tr, va in folds.split(np.zeros(len(rows)), yj):
                    m = self._lr().fit(Xj[tr], yj[tr], sample_weight=None if wj is None else wj[tr])
                    oof[va] = m.predict_proba(Xj[va])[:, 1]
                sel = (
                    np.ones(len(rows), bool) if threshold_rows is None else threshold_rows[rows, j]
                )
                thresholds[j], oof_f1[j] = best_f1_threshold(yj[sel], oof[sel])
            m = self._lr().fit(Xj, yj, sample_weight=wj)
            coef[j] = m.coef_[0]
            intercept[j] = m.intercept_[0]
        # the shipped model stores float16 weights: keep the fitted model identical to it
        self.coef_ = coef.astype(np.float16).astype(np.float32)
        self.idf_ = self.idf_.astype(np.float16).astype(np.float32)
        self.intercept_ = intercept
        self.thresholds_ = thresholds
        self.oof_f1_ = oof_f1
        self.n_train_ = (Y >= 0).sum(axis=0)
        self.classes_ = np.asarray(self.labels)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    # -- prediction -------------------------------------------------------------------------
    def predict_proba(self, X, batch_size: int = 20000) -> np.ndarray:
        """(n_docs, n_labels) probabilities of raw documents ``X`` (columns: ``classes_``)."""
        return self.predict_proba_documents(as_documents(X), batch_size)

    def predict_proba_documents(self, texts: Sequence[str], batch_size: int = 20000) -> np.ndarray:
        """:meth:`predict_proba` of documents already in normalised form (no second cleaning)."""
        if not hasattr(self, "coef_"):
            raise ModelError("the classifier is not fitted", hint="call fit() or load_model()")
        heads = getattr(self, "heads_", {})
        models = [(self, None), *((h, list(self.labels).index(lab)) for lab, h in heads.items())]
        # tf-idf + L2 + linear in one product per model: z = (L @ (idf * W)) / ||L * idf|| + b, with
        # L the sublinear tf of the counts, computed once and shared by heads that hash the same way
        weights = [(m.idf_[:, None] * m.coef_.T, m.idf_ * m.idf_) for m, _ in models]
        out = np.empty((len(texts), len(self.labels)))
        for start in range(0, len(texts), batch_size):
            batch = texts[start : start + batch_size]
            cache: dict[tuple, tuple] = {}
            for (m, col), (w_idf, idf2) in zip(models, weights, strict=True):
                key = (m.n_features, tuple(m.ngram_range))
                if key not in cache:
                    L = m._counts(batch)
                    L.data = 1.0 + np.log(L.data)
                    Lsq = L.copy()
                    Lsq.data **= 2
                    cache[key] = (L, Lsq)
                L, Lsq = cache[key]
                norms = np.sqrt(Lsq @ idf2)
                norms[norms == 0] = 1.0
                z = np.asarray(L @ w_idf) / norms[:, None] + m.intercept_
                p = 1.0 / (1.0 + np.exp(-z))
                if col is None:
                    out[start : start + batch_size] = p
                else:
                    out[start : start + batch_size, col] = p[:, 0]
        return out

    def set_head(self, label: str, head: TopicClassifier) -> TopicClassifier:
        """Let the fitted single-label model ``head`` (own features, training data and threshold)
        predict ``label`` in place of this model's column."""
        if label not in self.labels or tuple(head.labels) != (label,):
            raise UsageError(
                f"head for {label!r} must be a one-label model of a label in {self.labels}"
            )
        j = list(self.labels).index(label)
        self.heads_ = {**getattr(self, "heads_", {}), label: head}
        self.thresholds_ = self.thresholds_.copy()
        self.thresholds_[j] = head.thresholds_[0]
        self.oof_f1_ = self.oof_f1_.copy()
        self.oof_f1_[j] = head.oof_f1_[0]
        self.n_train_ = np.asarray(self.n_train_).copy()
        self.n_train_[j] = head.n_train_[0]
        return self

    def predict(self, X) -> np.ndarray:
        """0/1 indicator matrix (n_docs, n_labels): probability >= the label's threshold."""
        return (self.predict_proba(X) >= self.thresholds_).astype(np.int8)

    # -- persistence ------------------------------------------------------------------------
    def save(self, path: str | Path, meta: dict | None = None) -> Path:
        """Write the model file (format in the module docstring) atomically; ``meta`` is merged
        into the JSON metadata (training provenance, the ``tasks`` model)."""
        path = Path(path)
        info = {
            "format_version": FORMAT_VERSION,
            "params": {
                k: list(v) if isinstance(v, tuple) else v for k, v in self.get_params().items()
            },
            "thresholds": self.thresholds_.tolist(),
            "oof_f1": self.oof_f1_.tolist(),
            "n_train": [int(x) for x in self.n_train_],
            **(meta or {}),
        }
        info["params"]["labels"] = list(self.labels)
        arrays = {
            "coef": self.coef_.astype(np.float16),
            "idf": self.idf_.astype(np.float16),
            "intercept": self.intercept_,
        }
        info["heads"] = {}
        for label, head in getattr(self, "heads_", {}).items():
            hp = {k: list(v) if isinstance(v, tuple) else v for k, v in head.get_params().items()}
            hp["labels"] = [label]
            info["heads"][label] = {
                "params": hp,
                "threshold": float(head.thresholds_[0]),
                "oof_f1": float(head.oof_f1_[0]),
                "n_train": int(head.n_train_[0]),
                **getattr(head, "meta_", {}),
            }
            arrays[f"head_{label}_coef"] = head.coef_.astype(np.float16)
            arrays[f"head_{label}_idf"] = head.idf_.astype(np.float16)
            arrays[f"head_{label}_intercept"] = head.intercept_
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays, meta=np.array(json.dumps(info, sort_keys=True)))
        return path

    @classmethod
    def _from_params(cls, p: dict) -> TopicClassifier:
        return cls(
            labels=tuple(p["labels"]),
            n_features=p["n_features"],
            ngram_range=tuple(p["ngram_range"]),
            C=p["C"],
            cv_folds=p["cv_folds"],
            random_state=p["random_state"],
            class_weight=p.get("class_weight"),
        )

    @classmethod
    def load(cls, path: str | Path) -> TopicClassifier:
        path = Path(path)
        if path.exists() and not path.is_file():
            raise ModelError(
                f"model file {path} is not a regular file (a folder, device or FIFO)",
                hint="give the path of a .npz model file",
            )
        if not path.is_file():
            raise ModelError(
                f"model file {path} does not exist",
                hint="run `litscan classify --train` to build it",
            )
        try:
            with np.load(path, allow_pickle=False) as z:
                info = json.loads(str(z["meta"]))
                coef, idf, intercept = z["coef"], z["idf"], z["intercept"]
                head_arrays = {
                    lab: (z[f"head_{lab}_coef"], z[f"head_{lab}_idf"], z[f"head_{lab}_intercept"])
                    for lab in info.get("heads", {})
                }
        except (OSError, ValueError, KeyError, EOFError, TypeError) as exc:  # empty / not an npz
            raise ModelError(
                f"model file {path} does not load: {type(exc).__name__}: {exc}",
                hint="rebuild it with `litscan classify --train`",
            ) from exc
        if info.get("format_version") not in READABLE_FORMATS:
            raise ModelError(
                f"model file {path} has format {info.get('format_version')!r}; "
                f"this litscan reads formats {READABLE_FORMATS}",
                hint="rebuild it with `litscan classify --train`",
            )
        model = cls._from_params(info["params"])
        model.coef_ = coef.astype(np.float32)
        model.idf_ = idf.astype(np.float32)
        model.intercept_ = intercept
        model.thresholds_ = np.asarray(info["thresholds"])
        model.oof_f1_ = np.asarray(info["oof_f1"])
        model.n_train_ = np.asarray(info["n_train"])
        model.meta_ = info
        model.classes_ = np.asarray(model.labels)
        for lab, (hcoef, hidf, hint) in head_arrays.items():
            h = info["heads"][lab]
            head = cls._from_params(h["params"])
            head.coef_, head.idf_, head.intercept_ = (
                hcoef.astype(np.float32),
                hidf.astype(np.float32),
                hint,
            )
            head.thresholds_ = np.array([h["threshold"]])
            head.oof_f1_ = np.array([h["oof_f1"]])
            head.n_train_ = np.array([h["n_train"]])
            head.classes_ = np.asarray(head.labels)
            model.heads_ = {**getattr(model, "heads_", {}), lab: head}
        return model
