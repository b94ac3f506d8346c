"""The result types of a claims run (pure data; no I/O).

:class:`Evidence` is what a claim rests on, :class:`Estimate` one number with its interval,
:class:`ClaimResult` one claim's verdict with everything behind it, :class:`Evaluation` all claims
of a preset. They live apart from :mod:`litscan.claims` (which computes them) and
:mod:`litscan.report` (which renders them) so that neither imports the other.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from litscan.presets import Claim, Preset

__all__ = ["Evidence", "Estimate", "ClaimResult", "Evaluation", "claims_frame"]


@dataclass(frozen=True)
class Evidence:
    """One body of evidence a claim can rest on.

    ``kind`` is ``records`` (works + work_countries [+ work_labels]) or ``counts`` (an aggregate
    count table). ``label_kinds`` lists the label kinds (``classifier``, ``venue_field``, ...)
    the records can answer; for counts, ``counts.label`` values are the available labels.
    ``covers`` says what the evidence does not cover (shown with every verdict resting on it).
    """

    kind: str
    name: str
    caveat: str
    works: pl.DataFrame | None = None
    work_countries: pl.DataFrame | None = None
    work_labels: pl.DataFrame | None = None  # label = label spec ("classifier:cv", ...)
    counts: pl.DataFrame | None = None
    label_kinds: frozenset[str] = frozenset()
    unavailable: Mapping[str, str] = field(default_factory=dict)  # label kind -> why
    source: str = "embedded"
    version: str = ""
    #: counts only: works per ``label`` and ``year`` with at least one known country (the
    #: whole-counting denominator; OpenAlex ``meta.count`` minus the unknown group)
    totals: pl.DataFrame | None = None
    #: records only: precomputed highly-cited sets by threshold (e.g. OpenAlex's flags)
    top_sets: Mapping[float, pl.DataFrame] = field(default_factory=dict)
    #: data version and query provenance (fetched_at, newest updated_date, OpenAlex meta, URLs)
    provenance: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Estimate:
    """The numbers behind one verdict (one counting × threshold variant)."""

    counting: str
    top: float | None
    share_a: float
    lo_a: float
    hi_a: float
    share_b: float
    lo_b: float
    hi_b: float
    diff: float
    lo: float
    hi: float
    n_a: int
    n_total_a: int
    n_b: int
    n_total_b: int
    verdict: str
    interval: str
    low_n: bool = False
    #: what the number rests on: "full population (...)" or "sample of n works" ("" = the data)
    basis: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in self.__dict__.items()
        }


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    description_a: str
    description_b: str
    verdict: str
    primary: Estimate | None
    sensitivity: tuple[Estimate, ...] = ()
    per_year: tuple[tuple[int, Estimate], ...] = ()
    evidence: str = ""
    caveats: tuple[str, ...] = ()
    reason: str = ""
    to_test: str = ""

    @property
    def is_proxy(self) -> bool:
        return self.claim.proxy_for is not None

    def as_dict(self) -> dict[str, Any]:
        c = self.claim
        return {
            "id": c.id,
            "text": c.text,
            "op": c.op,
            "a": self.description_a,
            "b": self.description_b,
            "verdict": self.verdict,
            "evidence": self.evidence,
            "evidence_kind": c.evidence,
            "proxy_for": c.proxy_for,
            "primary": self.primary.as_dict() if self.primary else None,
            "sensitivity": [e.as_dict() for e in self.sensitivity],
            "per_year": [{"year": y, **e.as_dict()} for y, e in self.per_year],
            "caveats": list(self.caveats),
            "reason": self.reason,
            "to_test": self.to_test,
            "note": c.note,
        }

    def _repr_html_(self) -> str:
        from litscan.report import claim_html

        return claim_html(self)


@dataclass(frozen=True)
class Evaluation:
    """Every claim of one preset evaluated on its evidence: the pure outcome of
    :func:`litscan.claims.evaluate` (no files, no figures; :class:`litscan.run.RunResult` adds
    those)."""

    preset: Preset
    results: tuple[ClaimResult, ...]
    evidence: Mapping[str, Evidence]
    tables: Mapping[str, pl.DataFrame] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def verdicts(self) -> dict[str, str]:
        return {r.claim.id: r.verdict for r in self.results}

    def to_frame(self) -> pl.DataFrame:
        """One row per claim: id, text, op, verdict, primary estimate and interval, counting."""
        return claims_frame(self.results)

    def _repr_html_(self) -> str:
        from litscan.report import render_html

        return render_html(self, embed_figures=False)


CLAIMS_FRAME_SCHEMA = {
    "id": pl.Utf8, "text": pl.Utf8, "op": pl.Utf8, "diff": pl.Float64, "lo": pl.Float64,
    "hi": pl.Float64, "verdict": pl.Utf8, "counting": pl.Utf8,
}  # fmt: skip


def claims_frame(results: Sequence[ClaimResult]) -> pl.DataFrame:
    """One row per claim: ``id, text, op, diff, lo, hi, verdict, counting`` (primary estimate;
    null ``diff`` for claims not testable on this data)."""
    rows = []
    for r in results:
        e = r.primary
        rows.append(
            {
                "id": r.claim.id,
                "text": r.claim.text,
                "op": r.claim.op,
                "diff": None if e is None else e.diff,
                "lo": None if e is None else e.lo,
                "hi": None if e is None else e.hi,
                "verdict": r.verdict,
                "counting": None if e is None else e.counting,
            }
        )
    return pl.DataFrame(rows, schema=CLAIMS_FRAME_SCHEMA, orient="row")
