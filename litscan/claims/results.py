"""The result types of a claims run (pure data; no I/O).

:class:`Evidence` is what a claim rests on, :class:`Estimate` one number with its interval,
:class:`ClaimResult` one claim's verdict with everything behind it, :class:`Evaluation` all claims
of a preset. They live apart from :mod:`litscan.claims.evaluate` (which computes them) and
:mod:`litscan.report.html` (which renders them) so that neither imports the other: the HTML a
notebook shows for a result comes from the renderers :mod:`litscan.report.html` registers with
:func:`set_html_renderer` when it is imported (``litscan.run_preset`` imports it; without it a result
shows its plain ``repr``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from litscan.claims.specs import Claim, Preset
from litscan.stats import decisive

__all__ = [
    "Evidence",
    "Estimate",
    "Robustness",
    "ClaimResult",
    "Evaluation",
    "claims_frame",
    "set_html_renderer",
]

#: kind ("claim" or "evaluation") -> function rendering one result as HTML; filled by
#: :mod:`litscan.report.html` so that result types never import the report layer
_HTML_RENDERERS: dict[str, Callable[[Any], str]] = {}


def set_html_renderer(kind: str, render: Callable[[Any], str]) -> None:
    """Register the HTML renderer of a result kind (``"claim"`` or ``"evaluation"``)."""
    if kind not in ("claim", "evaluation"):
        raise ValueError(f"unknown result kind {kind!r}: expected 'claim' or 'evaluation'")
    _HTML_RENDERERS[kind] = render


def _html(kind: str, obj: Any) -> str | None:
    render = _HTML_RENDERERS.get(kind)
    return render(obj) if render is not None else None


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


def _clean(value: Any) -> Any:
    """JSON-safe copy: NaN -> None, tuples -> lists, recursively."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


ROBUSTNESS_PARTS = (
    "crude", "standardised", "strata", "i2", "random_effects", "leave_one_out", "agreement",
    "fragile",
)  # fmt: skip


def _rule_constants() -> dict[str, Any]:
    """The fixed gates of the decisive-strata rule, stated in every ``verdicts.json`` entry."""
    return {
        "decisive_floor": decisive.DECISIVE_FLOOR,
        "exception_weight": decisive.EXCEPTION_WEIGHT,
        "exception_agreement": decisive.EXCEPTION_AGREEMENT,
        "min_re_strata": decisive.MIN_RE_STRATA,
    }


@dataclass(frozen=True)
class Robustness:
    """How a record-level verdict holds up (see ``docs/aggregation.md``).

    ``crude`` / ``standardised``: ``{diff, lo, hi, ...}`` (``standardised`` also ``weights``:
    ``[{stratum, weight}]`` and ``by``); ``strata``: per-venue ``[{stratum, diff, lo, hi, n_a,
    n_b, eligible}]``; ``i2``; ``random_effects``: ``{diff, lo, hi, tau2, k}``;
    ``leave_one_out``: ``[{left_out, kind, verdict, diff, lo, hi}]``; ``agreement`` (0..1);
    ``fragile``. A part that could not be computed is None and ``reasons[part]`` says why.
    ``unit`` says what the strata are (``venue``, or ``year`` for count claims); each stratum
    also has ``weight`` (share of side A's weight), ``verdict``, ``decisive`` and
    ``degenerate`` (why it cannot be decisive, or None); ``exceptions``, ``sub_gate``,
    ``fallback`` and ``opposing_weight`` come from :func:`litscan.stats.decisive.apply_rule`.
    ``specifications`` holds every specification of the grid; ``excluded`` the strata and
    venue-years left out, with why; ``notes`` further statements for the report.
    """

    crude: Mapping[str, Any] | None = None
    standardised: Mapping[str, Any] | None = None
    strata: tuple[Mapping[str, Any], ...] | None = None
    i2: float | None = None
    random_effects: Mapping[str, Any] | None = None
    leave_one_out: tuple[Mapping[str, Any], ...] | None = None
    agreement: float | None = None
    fragile: bool | None = None
    reasons: Mapping[str, str] = field(default_factory=dict)
    specifications: tuple[Mapping[str, Any], ...] = ()
    excluded: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    venues_above: tuple[str, ...] = ()
    venues_below: tuple[str, ...] = ()
    i2_threshold: float = 0.75
    agreement_threshold: float = 0.80
    n_agree: int = 0
    n_specifications: int = 0
    #: what the strata are: ``venue`` (record claims) or ``year`` (count claims over years)
    unit: str = "venue"
    #: opposing decisive strata the verdict stands despite (``[{stratum, diff, lo, hi, weight,
    #: n_a, n_b}]``, :mod:`litscan.stats.decisive`)
    exceptions: tuple[Mapping[str, Any], ...] = ()
    #: decisive strata below the ``min_works`` gate of I² (counted by the rule all the same)
    sub_gate: tuple[str, ...] = ()
    #: the k = 2 statement: I² and random effects not computed, the two strata's intervals used
    fallback: str = ""
    #: share of side A's weight carried by the decisive strata opposing the verdict
    opposing_weight: float | None = None

    @classmethod
    def absent(cls, reason: str) -> Robustness:
        """Every part null, each with ``reason``."""
        return cls(reasons={p: reason for p in ROBUSTNESS_PARTS})

    def summary(self) -> str:
        """One line for tables: ``holds in 14/14 specifications`` / ``fragile: leaving out …``."""
        if self.agreement is None:
            return "–"
        flips = [d["left_out"] for d in (self.leave_one_out or ()) if d.get("flips")]
        head = f"holds in {self.n_agree}/{self.n_specifications} specifications"
        if flips:
            shown = ", ".join(str(f) for f in flips[:3]) + (" …" if len(flips) > 3 else "")
            return f"fragile: leaving out {shown} flips it ({head})"
        return head

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {p: _clean(getattr(self, p)) for p in ROBUSTNESS_PARTS}
        reasons = {p: self.reasons.get(p, "not computed") for p in ROBUSTNESS_PARTS
                   if out[p] is None}  # fmt: skip
        out.update(
            reasons=reasons,
            summary=self.summary(),
            n_agree=self.n_agree,
            n_specifications=self.n_specifications,
            i2_threshold=self.i2_threshold,
            agreement_threshold=self.agreement_threshold,
            venues_above=list(self.venues_above),
            venues_below=list(self.venues_below),
            excluded=list(self.excluded),
            notes=list(self.notes),
            specifications=_clean(list(self.specifications)),
            unit=self.unit,
            exceptions=_clean(list(self.exceptions)),
            sub_gate=list(self.sub_gate),
            fallback=self.fallback or None,
            opposing_weight=_clean(self.opposing_weight),
            rule=_rule_constants(),
        )
        return out


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
    robustness: Robustness | None = None
    #: the verdict recomputed with a task label corrected for its audited error
    #: (:func:`litscan.labels.label_error.records_claim_row`); None when no side rests on an audited label
    label_error: Mapping[str, Any] | None = None
    #: the claim under each task-label specification (:mod:`litscan.claims.label_specs`): the
    #: shipped model first (= the headline estimate), then the audited alternatives; () when no
    #: side rests on a task label with alternatives
    label_specs: tuple[Mapping[str, Any], ...] = ()
    #: the smallest difference worth a verdict (fraction, like ``diff``) and where it comes from
    min_effect: float | None = None
    min_effect_basis: str = ""
    #: what the claim rests on (:func:`litscan.claims.coverage.claim_coverage`): venues and years
    #: requested and entered on both sides, works per side; None for output-level claims
    coverage: Mapping[str, Any] | None = None
    #: flags beside the verdict, e.g. ``narrow`` (rests on one venue where several were asked)
    flags: tuple[str, ...] = ()

    @property
    def is_proxy(self) -> bool:
        return self.claim.proxy_for is not None

    @property
    def verdict_text(self) -> str:
        """The verdict with its named exceptions: ``supported; IROS against``."""
        exc = self.robustness.exceptions if self.robustness is not None else ()
        if not exc:
            return self.verdict
        return f"{self.verdict}; {', '.join(str(e['stratum']) for e in exc)} against"

    def as_dict(self) -> dict[str, Any]:
        c = self.claim
        return {
            "id": c.id,
            "text": c.text,
            "op": c.op,
            "a": self.description_a,
            "b": self.description_b,
            "verdict": self.verdict,
            "verdict_text": self.verdict_text,
            "min_effect": _clean(self.min_effect),
            "min_effect_basis": self.min_effect_basis,
            "flags": list(self.flags),
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
            "robustness": (
                self.robustness or Robustness.absent(self.reason or "no record-level estimate")
            ).as_dict(),
            "label_error": dict(self.label_error) if self.label_error else None,
            "label_specs": [_clean(dict(e)) for e in self.label_specs],
            "coverage": _clean(dict(self.coverage)) if self.coverage else None,
        }

    def _repr_html_(self) -> str | None:
        return _html("claim", self)


@dataclass(frozen=True)
class Evaluation:
    """Every claim of one preset evaluated on its evidence: the pure outcome of
    :func:`litscan.claims.evaluate.evaluate` (no files, no figures; :class:`litscan.workflows.run.RunResult` adds
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

    def _repr_html_(self) -> str | None:
        return _html("evaluation", self)


CLAIMS_FRAME_SCHEMA = {
    "id": pl.Utf8, "text": pl.Utf8, "op": pl.Utf8, "diff": pl.Float64, "lo": pl.Float64,
    "hi": pl.Float64, "verdict": pl.Utf8, "counting": pl.Utf8, "crude_diff": pl.Float64,
    "std_diff": pl.Float64, "std_lo": pl.Float64, "std_hi": pl.Float64, "i2": pl.Float64,
    "agreement": pl.Float64, "fragile": pl.Boolean, "robustness": pl.Utf8,
    "label_error": pl.Utf8, "verdict_text": pl.Utf8, "min_effect": pl.Float64,
}  # fmt: skip


def _label_error_cell(row: Mapping[str, Any] | None) -> str | None:
    """``agrees`` / ``disagrees``: does the label-corrected verdict agree with the headline's
    (the label-error row), null without one."""
    agrees = None if not row else row.get("agrees", row.get("survives"))
    if agrees is None:
        return None
    return "agrees" if agrees else "disagrees"


def claims_frame(results: Sequence[ClaimResult]) -> pl.DataFrame:
    """One row per claim: ``id, text, op, diff, lo, hi, verdict, counting`` (primary estimate;
    null ``diff`` for claims not testable on this data), then the robustness summary:
    ``crude_diff``, ``std_diff/std_lo/std_hi`` (standardised), ``i2``, ``agreement``, ``fragile``
    and ``robustness`` (one line), ``label_error`` (whether the verdict corrected for its task
    label's audited error agrees with the headline), ``verdict_text`` (the verdict with named exceptions, "supported;
    IROS against") and ``min_effect`` (the smallest difference worth a verdict, a fraction),
    null where not computed."""
    rows = []
    for r in results:
        e = r.primary
        rb = r.robustness
        crude = (rb.crude or {}) if rb else {}
        std = (rb.standardised or {}) if rb else {}
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
                "crude_diff": _clean(crude.get("diff")),
                "std_diff": _clean(std.get("diff")),
                "std_lo": _clean(std.get("lo")),
                "std_hi": _clean(std.get("hi")),
                "i2": None if rb is None else _clean(rb.i2),
                "agreement": None if rb is None else _clean(rb.agreement),
                "fragile": None if rb is None else rb.fragile,
                "robustness": None if rb is None else rb.summary(),
                "label_error": _label_error_cell(r.label_error),
                "verdict_text": r.verdict_text,
                "min_effect": _clean(r.min_effect),
            }
        )
    return pl.DataFrame(rows, schema=CLAIMS_FRAME_SCHEMA, orient="row")
