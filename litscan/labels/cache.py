"""Classifier labels of the embedded papers: computed once per model, kept on disk, reused.

Every preset with ``classifier:`` labels needs litscan's labels of the ~62k embedded top-venue
papers that have author countries. Classifying them takes tens of seconds, so the result is kept:

1. **on disk, on first use** (the mechanism that always works): a small parquet file in the
   labels cache folder (:attr:`litscan.config.Settings.labels_cache_dir`, by default
   ``$LITSCAN_CACHE/labels`` or the user cache folder), named by its key;
2. **shipped with the data** (an optimisation): ``litscan/data/venue_labels.parquet``, written by
   ``make data`` (``scripts/build_data.py``), used only while its key matches.

The **key** (:func:`labels_key`) is the sha256 of the model file, a sha256 of the code and term
lists that turn a model's scores into labels (``labels.py``, ``tasks.py``, ``inference.py``,
``textmodel.py``, ``textfeatures.py``, this module, ``surveillance_terms.tsv``), the sha256 of
the embedded paper tables and the stored frame's format. It is written into the parquet file's
metadata and compared in full on every read: a retrained model, an edited rule or term, or new
data gives a new key, and the labels are recomputed, never silently reused. Files are written
atomically (:mod:`litscan.fileio`); a cache folder that cannot be written only costs the reuse.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from litscan.errors import ExportError, ModelError
from litscan.fileio import atomic_path, sha256_file

__all__ = [
    "FORMAT",
    "PREBUILT",
    "rules_sha256",
    "labels_key",
    "read_labels",
    "write_labels",
    "compute_labels",
    "venue_labels",
]

log = logging.getLogger("litscan.labels.cache")

#: version of the stored frame (work_id, label = ``classifier:<name>``, score, flag; flagged rows)
FORMAT = 1
#: the prebuilt labels shipped with the package data (``make data``)
PREBUILT = "venue_labels.parquet"
_META_KEY = b"litscan.labels_key"
#: package files whose content decides the labels, besides the model file
RULE_FILES = (
    "labels/catalog.py",
    "labels/tasks.py",
    "labels/inference.py",
    "labels/textmodel.py",
    "labels/textfeatures.py",
    "labels/cache.py",
    "data/surveillance_terms.tsv",
)
#: functions left out of a rule file's hash: they read input files or fit models (a new model
#: changes the model file's sha256), never turn a model's scores into labels. Everything else in
#: the file, including any function added later, is hashed.
NOT_RULES: dict[str, frozenset[str]] = {
    "labels/inference.py": frozenset({"read_input"}),
    "labels/textmodel.py": frozenset({"fit", "save", "best_f1_threshold", "_lr"}),
    "labels/tasks.py": frozenset(
        {"fit_task_model", "_weighted_fbeta", "best_threshold", "precision_threshold"}
    ),
}
#: the shipped model (``litscan.labels.inference.MODEL_PATH``)
MODEL_FILE = "data/models/topics.npz"
#: the embedded tables the papers come from
DATA_FILES = ("data/venue_works.parquet", "data/venue_authorships.parquet")
#: rows per progress step when classifying
CHUNK = 5000
#: labels already read or computed in this process, by key (a new key is never served from here)
_MEMORY: dict[tuple, pl.DataFrame] = {}


def _package_file(name: str) -> Path:
    return Path(str(resources.files("litscan").joinpath(name)))


def _rule_source(name: str) -> bytes:
    """The bytes of a rule file, less the functions named in :data:`NOT_RULES` (found with
    :mod:`ast`, without importing the module)."""
    data = _package_file(name).read_bytes()
    skip = NOT_RULES.get(name)
    if not skip:
        return data
    lines = data.decode("utf-8").splitlines(keepends=True)
    drop: set[int] = set()
    for node in ast.walk(ast.parse(data)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in skip:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            drop.update(range(first - 1, node.end_lineno or node.lineno))
    return "".join(line for i, line in enumerate(lines) if i not in drop).encode("utf-8")


def rules_sha256() -> str:
    """sha256 over the name and content of every file in :data:`RULE_FILES` (less the functions
    in :data:`NOT_RULES`)."""
    h = hashlib.sha256()
    for name in RULE_FILES:
        h.update(name.encode() + b"\0" + _rule_source(name) + b"\0")
    return h.hexdigest()


@cache
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(path)


def _sha(path: Path) -> str:
    st = path.stat()
    return _file_sha256(str(path), st.st_size, st.st_mtime_ns)


def labels_key(model_path: str | Path | None = None) -> dict[str, str | int]:
    """What the venue labels depend on (see the module docstring)."""
    # the shipped model's path without importing litscan.labels.inference (and scikit-learn): a warm
    # run reads the labels and never needs the classifier
    model = Path(model_path) if model_path else _package_file(MODEL_FILE)
    if not model.is_file():
        raise ModelError(
            f"model file {model} does not exist", hint="run `litscan classify --train` to build it"
        )
    return {
        "format": FORMAT,
        "subset": "venue papers with author countries",
        "model_sha256": _sha(model),
        "rules_sha256": rules_sha256(),
        "data_sha256": hashlib.sha256(
            "".join(_sha(_package_file(f)) for f in DATA_FILES).encode()
        ).hexdigest(),
    }


def _key_id(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def read_labels(path: str | Path, key: dict) -> pl.DataFrame | None:
    """The labels stored in ``path`` if the file exists and was written under exactly ``key``;
    None otherwise (missing, unreadable, or another key: a stale file is never used)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        meta = pq.read_schema(path).metadata or {}
        stored = json.loads(meta.get(_META_KEY, b"null"))
        if stored != key:
            log.info("labels in %s are for another model or rule version; not used", path)
            return None
        return pl.read_parquet(path)
    except (OSError, ValueError) as exc:
        log.warning("labels file %s is unreadable (%s); recomputing", path, exc)
        return None


def write_labels(path: str | Path, frame: pl.DataFrame, key: dict) -> Path:
    """Write ``frame`` atomically to ``path`` with ``key`` in the parquet metadata."""
    table = frame.to_arrow()
    meta = dict(table.schema.metadata or {})
    meta[_META_KEY] = json.dumps(key, sort_keys=True).encode()
    table = table.replace_schema_metadata(meta)
    path = Path(path)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return path


def _progress(total: int, enabled: bool | None):
    from tqdm.auto import tqdm

    # shown only when classifying takes more than a few seconds (and on a terminal or notebook)
    return tqdm(
        total=total,
        desc="classifying the embedded papers",
        unit="papers",
        delay=3,
        disable=False if enabled else None if enabled is None else True,
        leave=False,
    )


def compute_labels(
    works: pl.DataFrame,
    model_path: str | Path | None = None,
    *,
    progress: bool | None = None,
    chunk: int = CHUNK,
) -> pl.DataFrame:
    """Classify ``works`` (id, title, abstract): the flagged ``work_labels`` rows with labels
    named ``classifier:<label>``. ``progress``: a tqdm bar (None = only on a terminal or in a
    notebook, after a few seconds)."""
    from litscan.labels import inference

    model = inference.load_model(model_path)
    parts = []
    with _progress(works.height, progress) as bar:
        for start in range(0, works.height, chunk):
            part = works.slice(start, chunk)
            parts.append(inference.to_work_labels(inference.predict(part, model=model)))
            bar.update(part.height)
    wl = pl.concat(parts) if parts else inference.to_work_labels(inference.predict(works, model))
    return wl.filter(pl.col("flag")).with_columns(
        (pl.lit("classifier:") + pl.col("label")).alias("label")
    )


def _default_cache_dir() -> Path:
    from litscan.config import resolve_settings

    return resolve_settings().labels_cache_dir


def venue_labels(
    *,
    model_path: str | Path | None = None,
    cache_dir: str | Path | None = None,
    data_dir: str | Path | None = None,
    progress: bool | None = None,
    works: Callable[[], pl.DataFrame] | None = None,
) -> tuple[pl.DataFrame, str]:
    """The classifier labels of the embedded papers with author countries, and where they came
    from: ``"prebuilt"`` (shipped file, key matches), ``"cache"`` (labels cache folder) or
    ``"computed"`` (classified now, then stored in the cache folder), or ``"memory"`` (already
    read in this process under the same key).

    ``cache_dir`` defaults to :attr:`Settings.labels_cache_dir`; ``data_dir`` (the folder of the
    prebuilt file) to the package data; ``works`` returns the papers to classify (default: the
    embedded ones)."""
    key = labels_key(model_path)
    folder = Path(cache_dir) if cache_dir else _default_cache_dir()
    prebuilt = Path(data_dir) if data_dir else _package_file("data")
    memo = (_key_id(key), str(folder), str(prebuilt), works is None)
    if memo in _MEMORY:
        return _MEMORY[memo], "memory"
    path = folder / f"venue_labels-{_key_id(key)}.parquet"
    for origin, candidate in (("prebuilt", prebuilt / PREBUILT), ("cache", path)):
        wl = read_labels(candidate, key)
        if wl is not None:
            if works is None:
                _MEMORY[memo] = wl
            return wl, origin
    if works is None:
        from litscan.tables import datasets

        frame = datasets.load_venue_papers(with_countries_only=True).works
    else:
        frame = works()
    wl = compute_labels(frame.select("id", "title", "abstract"), model_path, progress=progress)
    try:
        write_labels(path, wl, key)
        for old in folder.glob("venue_labels-*.parquet"):
            if old != path:
                old.unlink(missing_ok=True)
    except (ExportError, OSError) as exc:
        log.warning(
            "could not keep the classifier labels in %s (%s); they will be recomputed", folder, exc
        )
    if works is None:
        _MEMORY[memo] = wl
    return wl, "computed"
