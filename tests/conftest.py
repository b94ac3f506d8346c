"""Shared fixtures. Tests are offline; they may read the real data in ``../shared/data``."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: the tests read the real data in ../shared/data")
    return SHARED


@pytest.fixture(scope="session")
def raw_works(shared_data: Path) -> list[dict]:
    """The 1,213 real OpenAlex work records, as the API returned them."""
    path = shared_data / "openalex-works" / "fixture-derived-mixed-works.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
