"""Classifier labels of the embedded papers are reused only under the exact same key."""

from __future__ import annotations

import shutil

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from litscan import config
from litscan.labels import cache as labelcache
from litscan.labels import inference
from litscan.labels.textmodel import TopicClassifier


@pytest.fixture(scope="module")
def papers() -> pl.DataFrame:
    from litscan.tables import datasets

    works = datasets.load_venue_papers(with_countries_only=True).works
    return works.gather_every(200).select("id", "title", "abstract")


@pytest.fixture
def model_copy(tmp_path):
    path = tmp_path / "model" / "topics.npz"
    path.parent.mkdir()
    shutil.copyfile(inference.MODEL_PATH, path)
    return path


def _expected(papers: pl.DataFrame, model_path) -> pl.DataFrame:
    """Separate code: predict everything at once, keep the flagged rows, prefix the labels."""
    pred = inference.predict(papers, model=TopicClassifier.load(model_path))
    wl = inference.to_work_labels(pred).filter(pl.col("flag"))
    return wl.with_columns(("classifier:" + pl.col("label")).alias("label"))


def _retrain_thresholds(path):
    """Change the model file the way retraining does: other weights -> other sha256 and labels."""
    m = TopicClassifier.load(path)
    m.thresholds_ = np.clip(m.thresholds_ - 0.3, 0.01, None)
    m.save(path, meta={k: v for k, v in m.meta_.items() if k not in ("thresholds",)})


def test_computed_once_then_reused_from_the_cache(papers, model_copy, tmp_path):
    cache = tmp_path / "labels"
    first, origin = labelcache.venue_labels(
        model_path=model_copy, cache_dir=cache, data_dir=tmp_path / "nodata", works=lambda: papers
    )
    assert origin == "computed"
    assert_frame_equal(
        first.sort("work_id", "label"), _expected(papers, model_copy).sort("work_id", "label")
    )
    assert len(list(cache.glob("venue_labels-*.parquet"))) == 1

    def fail():  # a cache hit must not classify again
        raise AssertionError("classified again")

    again, origin = labelcache.venue_labels(
        model_path=model_copy, cache_dir=cache, data_dir=tmp_path / "nodata", works=fail
    )
    assert origin == "cache"
    assert_frame_equal(again, first)


def test_changed_model_file_invalidates_cache_and_prebuilt(papers, model_copy, tmp_path):
    cache, data = tmp_path / "labels", tmp_path / "data"
    key = labelcache.labels_key(model_copy)
    old = labelcache.compute_labels(papers, model_copy, progress=False)
    labelcache.write_labels(data / labelcache.PREBUILT, old, key)
    got, origin = labelcache.venue_labels(
        model_path=model_copy, cache_dir=cache, data_dir=data, works=lambda: papers
    )
    assert origin == "prebuilt" and not cache.exists()
    assert_frame_equal(got, old)

    _retrain_thresholds(model_copy)
    new_key = labelcache.labels_key(model_copy)
    assert new_key["model_sha256"] != key["model_sha256"]
    assert labelcache.read_labels(data / labelcache.PREBUILT, new_key) is None
    got, origin = labelcache.venue_labels(
        model_path=model_copy, cache_dir=cache, data_dir=data, works=lambda: papers
    )
    assert origin == "computed"
    expected = _expected(papers, model_copy).sort("work_id", "label")
    assert_frame_equal(got.sort("work_id", "label"), expected)
    assert got.height > old.height  # lower thresholds flag more papers: the old labels were stale


def test_rule_code_is_part_of_the_key(model_copy, monkeypatch, tmp_path):
    key = labelcache.labels_key(model_copy)
    edited = tmp_path / "labels.py"
    edited.write_bytes(labelcache._package_file("labels/catalog.py").read_bytes() + b"\n# edited\n")
    real = labelcache._package_file
    monkeypatch.setattr(
        labelcache, "_package_file", lambda name: edited if name == "labels/catalog.py" else real(name)
    )
    assert labelcache.labels_key(model_copy)["rules_sha256"] != key["rules_sha256"]


def test_input_reading_code_is_not_part_of_the_key(model_copy, monkeypatch, tmp_path):
    """Editing read_input (not a rule) keeps the key; editing predict changes it."""
    key = labelcache.labels_key(model_copy)["rules_sha256"]
    src = labelcache._package_file("labels/inference.py").read_text("utf-8")
    real = labelcache._package_file
    for old, new, same in (
        ("def read_input(path", "def read_input(  path", True),
        ("def predict(df", "def predict(  df", False),
    ):
        assert old in src
        edited = tmp_path / f"inference_{same}.py"
        edited.write_text(src.replace(old, new), "utf-8")
        monkeypatch.setattr(
            labelcache,
            "_package_file",
            lambda name, e=edited: e if name == "labels/inference.py" else real(name),
        )
        assert (labelcache.labels_key(model_copy)["rules_sha256"] == key) is same


def test_unwritable_cache_still_returns_labels(papers, model_copy, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    got, origin = labelcache.venue_labels(
        model_path=model_copy, cache_dir=blocker / "labels", data_dir=tmp_path, works=lambda: papers
    )
    assert origin == "computed" and got.height > 0


def test_missing_model_is_a_model_error(tmp_path):
    from litscan.errors import ModelError

    with pytest.raises(ModelError, match="does not exist"):
        labelcache.labels_key(tmp_path / "none.npz")


def test_labels_cache_folder_is_resolved_in_settings(monkeypatch, tmp_path):
    monkeypatch.delenv("LITSCAN_LABELS_CACHE", raising=False)
    monkeypatch.delenv("LITSCAN_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert config.resolve_settings().labels_cache_dir == tmp_path / "xdg" / "litscan" / "labels"
    monkeypatch.setenv("LITSCAN_CACHE", str(tmp_path / "c"))
    assert config.resolve_settings().labels_cache_dir == tmp_path / "c" / "labels"
    monkeypatch.setenv("LITSCAN_LABELS_CACHE", str(tmp_path / "l"))
    assert config.resolve_settings().labels_cache_dir == tmp_path / "l"


def test_reading_the_labels_needs_no_classifier_import():
    """A warm run reads the labels without importing scikit-learn (seconds per process)."""
    import subprocess
    import sys

    code = (
        "import sys; from litscan.labels import cache as labelcache; labelcache.labels_key(); "
        "print('sklearn' in sys.modules, 'litscan.labels.inference' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
    assert labelcache._package_file(labelcache.MODEL_FILE) == inference.MODEL_PATH
