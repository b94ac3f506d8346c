"""Label error in a verdict: a share difference recomputed with a task label corrected.

A claim such as "CN share of facial-recognition papers > US share" is decided on the papers a
label *flags*. With precision π < 1 the flagged set mixes true papers with false positives, and
the observed country share ``s`` is

    s = π · s_true + (1 − π) · s_fp.

Assumptions (stated in every result): false positives are drawn from the papers that are not
about the task, so their country mix is that of the *unflagged* papers of the same universe
(``u``, the background share); and recall does not depend on the country (non-differential
misses), so missed papers have the country mix of the true ones. Then the
misclassification-corrected share is

    s_true = (s − (1 − π) · u) / π,

and recall cancels out (it is reported, not used). The correction moves a share **away from the
background**: up when the country is over-represented among the flagged papers (s > u), down
when under-represented; it is zero when π = 1. A difference of two shares is corrected side by
side; the claim's bootstrap interval is mapped through the same (affine) correction. Bounds
come from the ends of the audit's precision interval (Wilson, 95 %); the corrected verdict
*agrees* with the headline when the corrected interval gives the headline's verdict at both
ends and at the point estimate (``agrees``; ``survives`` is kept as an alias).

The verdicts use the per-stratum version of this correction
(:mod:`litscan.labels.label_error_strata`: each venue-year stratum with its own background,
then standardised); the pooled one here serves callers that only have pooled shares.

Measured precision and recall ship in ``litscan/data/handlabels/audit_summary.json``
(:func:`load_quality`); everything else here is a pure function of numbers or polars frames.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache
from importlib import resources

import polars as pl

from litscan.errors import InputDataError, UsageError
from litscan.stats.verdicts import NOT_TESTABLE, decide

__all__ = [
    "LabelQuality",
    "SideShares",
    "load_quality",
    "qualities",
    "corrected_share",
    "side_shares",
    "records_side",
    "records_claim_row",
    "label_error",
    "describe",
    "survives_cell",
    "ASSUMPTION",
]

ASSUMPTION = (
    "false positives have the country mix of the unflagged papers; misses are "
    "country-independent (recall cancels)"
)
SUMMARY_FILE = "data/handlabels/audit_summary.json"


@dataclass(frozen=True)
class LabelQuality:
    """A label's measured precision and recall with 95 % intervals (strict scoring)."""

    label: str
    precision: float
    precision_lo: float
    precision_hi: float
    recall: float = float("nan")
    recall_lo: float = float("nan")
    recall_hi: float = float("nan")
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("precision", "precision_lo", "precision_hi"):
            v = getattr(self, name)
            if not (0.0 < v <= 1.0):
                raise UsageError(f"label {self.label!r}: {name} must be in (0, 1], got {v!r}")
        if not self.precision_lo <= self.precision <= self.precision_hi:
            raise UsageError(
                f"label {self.label!r}: precision {self.precision} outside its interval "
                f"[{self.precision_lo}, {self.precision_hi}]"
            )


@dataclass(frozen=True)
class SideShares:
    """One side of a claim: the observed share, and for a labelled side the background share
    (same country, same universe, papers *not* flagged) and the label's name."""

    share: float
    background: float | None = None
    label: str | None = None


@cache
def _summary() -> dict:
    path = resources.files("litscan").joinpath(SUMMARY_FILE)
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text("utf-8"))
    except ValueError as exc:
        raise InputDataError(f"{SUMMARY_FILE} is not valid JSON ({exc})") from None


def load_quality(label: str, summary: Mapping | None = None) -> LabelQuality | None:
    """The shipped audit's strict precision/recall of ``label`` (the label name or its spec
    ``classifier:<name>``), or None when the label was not audited."""
    name = label.split(":", 1)[1] if label.startswith("classifier:") else label
    data = _summary() if summary is None else summary
    entry = data.get("labels", {}).get(name)
    if not entry:
        return None
    m = entry["strict"]
    return LabelQuality(
        label=name,
        precision=m["precision"],
        precision_lo=m["precision_lo"],
        precision_hi=m["precision_hi"],
        recall=m.get("recall", float("nan")),
        recall_lo=m.get("recall_lo", float("nan")),
        recall_hi=m.get("recall_hi", float("nan")),
        source=data.get("source", SUMMARY_FILE),
    )


def qualities(labels: Mapping[str, str], summary: Mapping | None = None) -> dict[str, LabelQuality]:
    """Preset label name -> quality, for the preset labels (name -> spec) that were audited."""
    out = {}
    for name, spec in labels.items():
        if not spec.startswith("classifier:"):
            continue
        q = load_quality(spec, summary)
        if q is not None:
            out[name] = q
    return out


def corrected_share(share: float, background: float, precision: float) -> float:
    """(share − (1 − precision) · background) / precision, clipped to [0, 1]."""
    if not 0.0 < precision <= 1.0:
        raise UsageError(f"precision must be in (0, 1], got {precision!r}")
    return min(1.0, max(0.0, (share - (1.0 - precision) * background) / precision))


def side_shares(
    work_countries: pl.DataFrame,
    universe: pl.DataFrame,
    flagged: pl.DataFrame | None,
    country: str,
    counting: str = "fractional",
    label: str | None = None,
) -> SideShares:
    """A side's observed share (among ``flagged`` works, or the whole ``universe`` when
    ``flagged`` is None) and background share (among universe works not flagged).

    ``universe``: ``work_id`` (+ optional ``weight``, e.g. a highly-cited weight) of the works the
    side ranges over, label aside; ``flagged``: ``work_id`` of the works the label flags;
    ``work_countries``: ``work_id, country_code, <counting>``. A work counts with the largest
    ``counting`` value of ``country`` on it (0 if absent), weighted by ``weight``; works without
    any country are left out, as in :mod:`litscan.stats`."""
    if counting not in work_countries.columns:
        raise UsageError(
            f"work_countries has no {counting!r} column; found {work_countries.columns}"
        )
    u = universe.select(
        "work_id",
        (pl.col("weight") if "weight" in universe.columns else pl.lit(1.0))
        .cast(pl.Float64)
        .alias("m"),
    )
    per_work = (
        work_countries.filter(pl.col("country_code").is_not_null())
        .join(u, on="work_id", how="inner")
        .group_by("work_id")
        .agg(
            pl.col("m").first(),
            (pl.col(counting) * (pl.col("country_code") == country)).max().alias("x"),
        )
    )

    def share(frame: pl.DataFrame) -> float:
        den = float(frame["m"].sum())
        return float((frame["m"] * frame["x"]).sum()) / den if den > 0 else float("nan")

    if flagged is None:
        return SideShares(share(per_work), None, label)
    is_flag = pl.col("work_id").is_in(flagged["work_id"].implode())
    return SideShares(share(per_work.filter(is_flag)), share(per_work.filter(~is_flag)), label)


def records_side(
    works: pl.DataFrame,
    work_countries: pl.DataFrame,
    work_labels: pl.DataFrame | None,
    *,
    country: str | None,
    label: str | None = None,
    where: pl.Expr | None = None,
    subset: pl.DataFrame | None = None,
    counting: str = "fractional",
    value: float | None = None,
) -> SideShares:
    """:func:`side_shares` of one side of a records claim.

    ``works``: the population's works (``id`` + the columns ``where`` uses); ``where``: the
    side's selection *without* its label; ``subset``: a highly-cited frame (``work_id``,
    ``top_weight``) or None; ``work_labels``: ``work_id, label, flag`` with ``label`` the preset
    label name; ``value``: a constant side (returned as is)."""
    if value is not None:
        return SideShares(float(value))
    w = works if where is None else works.filter(where)
    universe = w.select(pl.col("id").alias("work_id"))
    if subset is not None:
        universe = universe.join(
            subset.select("work_id", pl.col("top_weight").alias("weight")), on="work_id"
        ).filter(pl.col("weight") > 0)
    flagged = None
    if label is not None:
        if work_labels is None:
            raise UsageError(f"side labelled {label!r} but no work_labels were given")
        flagged = work_labels.filter((pl.col("label") == label) & pl.col("flag")).select("work_id")
    return side_shares(work_countries, universe, flagged, country or "", counting, label)


def records_claim_row(
    claim,
    label_specs: Mapping[str, str],
    works: pl.DataFrame,
    work_countries: pl.DataFrame,
    work_labels: pl.DataFrame | None,
    *,
    side_where: Callable,
    counting: str,
    subset: pl.DataFrame | None,
    lo: float | None,
    hi: float | None,
    verdict: str | None,
    estimate: float | None = None,
    summary: Mapping | None = None,
    min_effect: float = 0.0,
    by: Sequence[str] | None = None,
    comparison=None,
) -> dict | None:
    """The label-error row of a records claim (None when no side rests on an audited label).

    With ``by`` (the claim's standardisation key) and ``comparison`` (its headline
    :class:`~litscan.stats.robustness.Comparison`), each stratum is corrected with its own
    background and then standardised (:mod:`litscan.labels.label_error_strata`, the method of
    the verdicts); without them, the pooled correction below (kept for callers with pooled
    shares only).

    ``claim`` has sides ``a`` and ``b`` (``country, label, top, value, is_constant``; a preset
    :class:`~litscan.claims.specs.Claim`); ``label_specs``: preset label name -> spec;
    ``side_where(side)``: the side's works filter (called with the label removed); ``subset``:
    the highly-cited frame of top sides; ``lo, hi, verdict``: the claim's primary interval and
    verdict."""
    quality = qualities(label_specs, summary)
    sides = (claim.a, claim.b)
    if not any(s.label in quality for s in sides if s.label):
        return None
    if by is not None and comparison is not None:
        from litscan.labels.label_error_strata import strata_claim_row

        row = strata_claim_row(
            claim, quality, label_specs, works, work_countries, work_labels,
            side_where=side_where, counting=counting, subset=subset, by=by,
            comparison=comparison, verdict=verdict, min_effect=min_effect,
        )  # fmt: skip
        return {**row, "counting": counting, "source": next(iter(quality.values())).source}

    def shares(s) -> SideShares:
        if s.is_constant:
            return SideShares(float(s.value))
        return records_side(
            works,
            work_countries,
            work_labels,
            country=s.country,
            label=s.label,
            where=side_where(replace(s, label=None)),
            subset=subset if s.top else None,
            counting=counting,
        )

    row = label_error(
        shares(claim.a),
        shares(claim.b),
        claim.op,
        quality,
        lo=lo,
        hi=hi,
        verdict=verdict,
        estimate=estimate,
        min_effect=min_effect,
    )
    if row is not None:
        row["counting"] = counting
        row["source"] = next(iter(quality.values())).source
    return row


def _corrected_diff(a: SideShares, b: SideShares, pa: float | None, pb: float | None) -> float:
    sa = a.share if pa is None else corrected_share(a.share, a.background, pa)
    sb = b.share if pb is None else corrected_share(b.share, b.background, pb)
    return sa - sb


def label_error(
    a: SideShares,
    b: SideShares,
    op: str,
    quality: Mapping[str, LabelQuality],
    *,
    lo: float | None = None,
    hi: float | None = None,
    verdict: str | None = None,
    estimate: float | None = None,
    min_effect: float = 0.0,
) -> dict | None:
    """The label-error row of a claim, or None when neither side rests on an audited label.

    ``estimate``, ``lo``/``hi``: the claim's own difference (A − B) and interval (e.g. a
    standardised difference); ``verdict``: its verdict. The correction is derived from the
    pooled shares of ``a`` and ``b`` and applied to the claim's numbers through the same map.
    Returns the observed and corrected difference, the corrected interval at the point
    precision and the widest interval over the precision interval's ends, the verdict with the
    label corrected and whether it agrees with the claim's verdict (``agrees``)."""
    qa = quality.get(a.label) if a.label else None
    qb = quality.get(b.label) if b.label else None
    if qa is None and qb is None:
        return None
    for side, q in (("A", qa), ("B", qb)):
        s = a if side == "A" else b
        if q is not None and (s.background is None or math.isnan(s.background)):
            raise UsageError(f"side {side} rests on {q.label} but has no background share")
    observed = a.share - b.share
    same = qa is not None and qb is not None and qa.label == qb.label

    def ends(q: LabelQuality | None) -> list[float | None]:
        return [None] if q is None else [q.precision_lo, q.precision, q.precision_hi]

    def mapped(pa: float | None, pb: float | None) -> tuple:
        """(pooled corrected diff, corrected lo, hi, corrected claim estimate)."""
        d = _corrected_diff(a, b, pa, pb)
        if pa is not None and pb is not None and not same:

            def fn(x):  # two labels with different precisions: a shift (approximation)
                return None if x is None else x + (d - observed)
        else:
            p = pa if pa is not None else pb
            c = d * p - observed  # one precision p scales the labelled side(s)

            def fn(x):  # d_true = (d_obs + c) / p, c fixed
                return None if x is None else (x + c) / p

        if lo is None or hi is None:
            return d, None, None, fn(estimate)
        return d, fn(lo), fn(hi), fn(estimate)

    if same:
        combos = [(p, p) for p in ends(qa)]
    else:
        combos = [(pa, pb) for pa in ends(qa) for pb in ends(qb)]
    point = mapped(qa.precision if qa else None, qb.precision if qb else None)
    results = [mapped(pa, pb) for pa, pb in combos]
    corrected_min = min(r[0] for r in results)
    corrected_max = max(r[0] for r in results)
    row = {
        "labels": sorted({q.label for q in (qa, qb) if q is not None}),
        "precision": {
            q.label: [q.precision, q.precision_lo, q.precision_hi] for q in (qa, qb) if q
        },
        "recall": {q.label: [q.recall, q.recall_lo, q.recall_hi] for q in (qa, qb) if q},
        "share_a": a.share,
        "share_b": b.share,
        "background_a": a.background,
        "background_b": b.background,
        "diff_observed": observed,
        "diff_corrected": point[0],
        "diff_corrected_min": corrected_min,
        "diff_corrected_max": corrected_max,
        "direction": _direction(observed, point[0]),
        "assumption": ASSUMPTION,
    }
    if estimate is not None:
        row.update(
            estimate=estimate,
            estimate_corrected=point[3],
            estimate_corrected_min=min(r[3] for r in results),
            estimate_corrected_max=max(r[3] for r in results),
        )
    if lo is not None and hi is not None:
        lows = [r[1] for r in results]
        highs = [r[2] for r in results]
        row.update(
            lo_corrected=point[1],
            hi_corrected=point[2],
            lo_corrected_min=min(lows),
            hi_corrected_max=max(highs),
        )
        # the claim's min_effect applies to the corrected numbers too (docs/aggregation.md)
        per_end = {decide(op, r[1], r[2], min_effect, r[3]) for r in results}
        row["verdict_corrected"] = decide(op, point[1], point[2], min_effect, point[3])
        row["verdicts_over_precision_interval"] = sorted(per_end)
        if verdict is not None:
            row["verdict"] = verdict
            row["agrees"] = None if verdict == NOT_TESTABLE else per_end == {verdict}
            row["survives"] = row["agrees"]  # alias read by older tests and reports
    return row


def describe(row: Mapping | None) -> str:
    """One sentence for a report: the difference with the label corrected, the corrected verdict
    and whether it agrees with the headline's (empty for None)."""
    if not row:
        return ""
    labs = ", ".join(
        f"{lab} precision {p[0]:.2f} [{p[1]:.2f}, {p[2]:.2f}]"
        for lab, p in row["precision"].items()
    )
    key = "estimate" if "estimate" in row else "diff"
    obs = row["estimate"] if key == "estimate" else row["diff_observed"]
    text = (
        f"Label error ({labs}; {row.get('source', 'audit')}): A − B {obs * 100:+.1f}"
        f" points as flagged, {row[f'{key}_corrected'] * 100:+.1f} with the label corrected"
        f" ({row[f'{key}_corrected_min'] * 100:+.1f} to {row[f'{key}_corrected_max'] * 100:+.1f}"
        " over the precision interval)"
    )
    if "lo_corrected_min" in row:
        text += (
            f"; corrected interval [{row['lo_corrected'] * 100:+.1f}, {row['hi_corrected'] * 100:+.1f}],"
            f" widest [{row['lo_corrected_min'] * 100:+.1f}, {row['hi_corrected_max'] * 100:+.1f}]"
        )
    agrees = row.get("agrees", row.get("survives"))
    if row.get("corrected_text"):
        text += f"; {row['corrected_text']}"
    elif agrees is not None:
        ends = ", ".join(row["verdicts_over_precision_interval"])
        text += (
            f"; the corrected verdict agrees with the headline ({row.get('verdict')})"
            if agrees
            else f"; the corrected verdict disagrees with the headline (corrected verdicts: {ends})"
        )
    extra = f"; {row['recall_assumption']}" if row.get("recall_assumption") else ""
    return text + f". Assumes {row['assumption']}{extra}."


def survives_cell(row: Mapping | None) -> str:
    """Short table cell: the corrected verdict in words and whether it agrees with the
    headline (``corrected: supported, +12.0 [+3.0, +23.3]; agrees with the headline
    (supported)``), ``agrees`` / ``disagrees`` for a pooled row, ``-`` without an audited label."""
    agrees = None if not row else row.get("agrees", row.get("survives"))
    if agrees is None:
        return "-"
    if row.get("corrected_text"):
        return str(row["corrected_text"])
    return "agrees" if agrees else "disagrees"


def _direction(observed: float, corrected: float) -> str:
    if math.isclose(observed, corrected, abs_tol=1e-12):
        return "unchanged"
    return "larger" if corrected > observed else "smaller"


def to_json(row: dict | None) -> str:
    return json.dumps(row, sort_keys=True, default=lambda o: asdict(o))
