"""The public API (``import litscan``): every name resolves, the library functions behind the
commands take paths, tables folders and lazy frames, and chain through a tables folder."""

from __future__ import annotations

import gzip
import json
import types

import polars as pl
import pytest
from fake_openalex import FakeOpenAlex

import litscan
from litscan.config import resolve_settings
from litscan.errors import UsageError


def test_every_public_name_resolves():
    for name in litscan.__all__:
        assert getattr(litscan, name) is not None, name
    for name in ("run_preset", "run_presets", "load_tables", "fetch", "shares"):
        assert callable(getattr(litscan, name)), name
    with pytest.raises(AttributeError):
        litscan.no_such_thing  # noqa: B018


def test_ingest_and_classify_are_the_workflow_functions():
    """``litscan.ingest`` and ``litscan.classify`` are plain functions: the modules of the same
    stage live in subpackages (``litscan.tables.ingest``, ``litscan.labels.classify``), so no
    attribute of ``litscan`` is both a module and a function."""
    from litscan.labels import classify as C
    from litscan.tables import ingest as ing
    from litscan.workflows import pipeline

    assert litscan.ingest is pipeline.ingest and litscan.classify is pipeline.classify
    assert isinstance(ing, types.ModuleType) and hasattr(ing, "ingest_partition")
    assert callable(C.predict) and litscan.classify is not C


@pytest.fixture(scope="module")
def folder(tmp_path_factory, raw_works):
    """A tables folder fetched from the local OpenAlex-like server (in process)."""
    tmp = tmp_path_factory.mktemp("api")
    with FakeOpenAlex(raw_works) as server:
        settings = resolve_settings(
            server.url, cache_dir=tmp / "cache", max_requests_per_second=None
        )
        done = litscan.fetch("publication_year:2015-2020", out=tmp / "t", settings=settings)
        expected = server.ids("publication_year:2015-2020")
    assert done.out == tmp / "t"
    assert set(done.tables.works["id"]) == expected
    return tmp / "t"


def test_fetch_writes_the_ingest_layout(folder):
    t = litscan.load_tables(folder)
    assert t.present() == ["works", "authorships", "work_countries", "work_topics"]
    assert isinstance(t.works, pl.LazyFrame)
    years = t.works.select(pl.col("year").min().alias("lo"), pl.col("year").max().alias("hi"))
    assert years.collect().row(0) == (2015, 2020)


def test_shares_takes_a_folder_or_lazy_tables_alike(folder):
    by_path = litscan.shares(folder, by="country,year", resamples=20, seed=1)
    by_tables = litscan.shares(litscan.load_tables(folder), by="country,year", resamples=20, seed=1)
    assert by_path.height > 0 and by_path.equals(by_tables)
    with pytest.raises(UsageError, match="resamples: expected an integer 0..100000"):
        litscan.shares(folder, resamples=-5)
    with pytest.raises(UsageError, match="counting: expected one of"):
        litscan.shares(folder, counting="harmonic")
    with pytest.raises(UsageError, match="top: expected a share between 0 and 1"):
        litscan.shares(folder, top=1.5)


def test_shares_by_label_reads_the_folder_topics(folder):
    out = litscan.shares(folder, by="country,label", labels="field", resamples=0)
    assert out.get_column("label").str.starts_with("field:").all()


def test_classify_takes_a_folder_or_a_frame(folder):
    t = litscan.load_tables(folder)
    works = t.works.select("id", "title", "abstract").head(40).collect()
    from_frame = litscan.classify(works)
    assert from_frame.height == 40 and "p_ai" in from_frame.columns
    from_folder = litscan.classify(folder)
    assert from_folder.height == t.works.select(pl.len()).collect().item()
    assert (
        from_folder.filter(pl.col("id").is_in(works["id"].to_list()))
        .sort("id")
        .equals(from_frame.sort("id"))
    )


def test_ingest_writes_a_folder_load_tables_opens(tmp_path, raw_works):
    snap = tmp_path / "snap" / "data" / "works" / "updated_date=2025-01-01"
    snap.mkdir(parents=True)
    with gzip.open(snap / "part_000.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps(r) for r in raw_works[:200]) + "\n")
    years = [r.get("publication_year") for r in raw_works[:200]]
    year = max(set(years) - {None}, key=years.count)
    report = litscan.ingest(tmp_path / "snap", tmp_path / "out", filter=f"publication_year:{year}")
    assert not report.failed
    t = litscan.load_tables(tmp_path / "out")
    assert t.works.select("year").unique().collect()["year"].to_list() == [year]
    assert t.works.collect().height == years.count(year) > 1


def test_presets_folder_resolution(tmp_path, monkeypatch):
    from litscan.claims.presets import list_presets, presets_dir

    monkeypatch.delenv("LITSCAN_QUERIES", raising=False)
    shipped = presets_dir()
    assert shipped.parent.name == "litscan" and len(list_presets()) >= 6
    monkeypatch.setenv("LITSCAN_QUERIES", str(tmp_path))
    assert presets_dir() == tmp_path and list_presets() == []
    assert presets_dir(shipped) == shipped  # an argument wins over the environment
    monkeypatch.chdir(tmp_path)  # the working directory plays no part
    monkeypatch.delenv("LITSCAN_QUERIES")
    assert presets_dir() == shipped
