"""The real data that ships inside the package, loaded as polars frames (no network, no ../shared).

=====================  ===================================================================
``load_venue_papers``  ~135k accepted papers of top AI venues (CVPR, ICCV, NeurIPS, ICML, ACL,
                       ICRA, IROS, IJCAI, WACV, ...) as :class:`~litscan.tables.normalize.Tables`; per-author
                       countries for ~62k of them, Google Scholar citations (crawl-time snapshot).
``load_openalex_counts`` real OpenAlex country aggregates (whole counting): AI and deep-learning
                       concept counts 2010-2020; CS subfield counts and citation sums for
                       BR/CN/IN/US 2015-2024.
``load_works_fixture`` the 1,213 real OpenAlex work records (a mixed bag, not a sample).
``load_topics``        the OpenAlex topic taxonomy (4,516 topics -> subfield -> field -> domain).
=====================  ===================================================================

Provenance, licences and caveats: ``litscan/data/README.md``. Rebuilt by ``scripts/build_data.py``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import polars as pl

from litscan.errors import InputDataError
from litscan.tables import schemas
from litscan.tables.normalize import Tables, work_countries

__all__ = [
    "data_dir",
    "load_venue_papers",
    "load_openalex_counts",
    "load_works_fixture",
    "load_topics",
    "VENUE_CAVEAT",
    "COUNTS_CAVEAT",
    "FIXTURE_CAVEAT",
]

VENUE_CAVEAT = (
    "top-venue papers only (papercopilot paperlists: accepted papers of CVPR, ICCV, NeurIPS, ICML, "
    "ACL, ICRA, IROS, IJCAI, WACV, ...), not all AI literature; countries from affiliation matching; "
    "citations are Google Scholar counts at crawl time (2024-2026)"
)
COUNTS_CAVEAT = (
    "real OpenAlex aggregates, whole counting only (a work counts once for each country on it); "
    "legacy concepts for 2010-2020, v1 topic model subfields for 2015-2024 (BR/CN/IN/US only)"
)
FIXTURE_CAVEAT = (
    "1,213 real OpenAlex records gathered from other projects' recorded queries: far too small and "
    "too arbitrary to settle any country claim"
)


def data_dir() -> Path:
    """The folder holding the shipped parquet files."""
    return Path(str(resources.files("litscan") / "data"))


def _read(name: str) -> pl.DataFrame:
    path = data_dir() / f"{name}.parquet"
    if not path.is_file():
        raise InputDataError(
            f"embedded data file {path} is missing",
            hint="reinstall litscan, or rebuild it with `python scripts/build_data.py`",
        )
    return pl.read_parquet(path)


@lru_cache(maxsize=4)
def load_venue_papers(*, with_countries_only: bool = False) -> Tables:
    """Top-venue papers as tidy tables (``work_topics`` is empty: venues have no OpenAlex topics).

    ``works.venue_field`` is the venue's field (CV, NLP, ML, RO, AI), ``works.source`` the venue,
    ``works.status`` the acceptance type; rejected and withdrawn submissions are not included.
    With ``with_countries_only`` only papers with at least one author country are kept.
    """
    works = _read("venue_works")
    auth = _read("venue_authorships")
    if with_countries_only:
        ids = auth.filter(pl.col("countries").list.len() > 0).select("work_id").unique()
        works = works.join(ids, left_on="id", right_on="work_id", how="semi")
        auth = auth.join(ids, on="work_id", how="semi")
    topics = pl.DataFrame(schema=schemas.WORK_TOPICS)
    return Tables(
        works=works,
        authorships=auth,
        work_countries=work_countries(auth, works=works),
        work_topics=topics,
    )


@lru_cache(maxsize=1)
def load_openalex_counts() -> pl.DataFrame:
    """Real OpenAlex country aggregates as an aggregate count table (``docs/tables.md``)."""
    return _read("openalex_counts")


@lru_cache(maxsize=1)
def load_works_fixture() -> Tables:
    """The 1,213 real OpenAlex works, normalised (see :data:`FIXTURE_CAVEAT`)."""
    works = _read("fixture_works")
    auth = _read("fixture_authorships")
    return Tables(
        works=works,
        authorships=auth,
        work_countries=work_countries(auth, works=works),
        work_topics=_read("fixture_work_topics"),
    )


@lru_cache(maxsize=1)
def load_topics() -> pl.DataFrame:
    """OpenAlex topics (Sept 2024 taxonomy) with subfield, field, domain names and keywords."""
    return _read("taxonomy_topics")
