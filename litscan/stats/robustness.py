"""Strata, standardisation, heterogeneity and robustness of one comparison of two shares (pure).

A record-level claim compares A = a country's share of one selection of works with B = a share of
another selection (or a constant). When the two selections are spread differently over venues and
years, the pooled ("crude") difference mixes the comparison with that spread. This module computes,
from per-stratum sums over works:

* **standardised difference**: within each stratum *s* (``source`` × ``year`` by default) the shares
  p_A(s), p_B(s); pooled with fixed weights w_s = side A's share of works in *s*, over the strata
  where both sides have works: Σ w_s·(p_A(s) − p_B(s)). Strata with works on one side only are left
  out and listed. With one stratum (or the same works on both sides) it equals the crude difference.
* **bootstrap**: the paired Poisson bootstrap of :mod:`litscan.stats` (a work's weight depends
  only on seed, resample and work id, so both sides and all specifications share resamples); each
  stratum's share in a resample is a ratio of that stratum's own resampled works, and the weights
  stay fixed, so strata are resampled within themselves. A stratum whose resampled denominator is 0
  keeps its point share in that resample.
* **heterogeneity**: per-venue standardised differences (venues where each side has at least
  ``min_works`` works), Cochran's Q, I² and the DerSimonian–Laird random-effects interval;
* **robustness**: the specification grid (counting × highly-cited threshold × leave-one-venue-out ×
  leave-one-year-out), each specification's verdict, and the agreement with the primary verdict;
* **coverage**: works per venue × year, citation coverage, a fixed venue panel for trend figures.

Definitions and references are in ``docs/aggregation.md``. Nothing here reads files or decides the
final verdict (:mod:`litscan.claims.evaluate` does).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl

from litscan.stats import bootstrap
from litscan.stats.verdicts import NOT_TESTABLE, decide

__all__ = [
    "STRATA_KEYS",
    "Resampler",
    "StrataSums",
    "Comparison",
    "Spec",
    "strata_sums",
    "compare",
    "per_venue",
    "random_effects",
    "specification_grid",
    "leave_out_units",
    "coverage",
    "citation_coverage",
    "venue_panel",
    "unknown_venues",
    "NO_VENUE",
]

STRATA_KEYS = ("source", "year")
Z95 = 1.959963984540054
_NUM = {"whole": 0, "fractional": 1}
_DEN = 2
_SIDE_B = 3
#: up to this many venues every venue gets an estimate; beyond it only those with enough works
MAX_SMALL_VENUES = 40


# --------------------------------------------------------------------------------------------
# shared bootstrap weights
# --------------------------------------------------------------------------------------------


class Resampler:
    """The bootstrap weights of a population's works (:func:`litscan.stats.bootstrap.shared_weights`),
    hashed once and shared by every claim and specification computed on it: weight (work, r)
    depends only on seed, r and the work id, so these are the resamples of
    :mod:`litscan.stats` too."""

    def __init__(self, work_ids: pl.Series | Sequence[str], n_resamples: int, seed: int) -> None:
        ids = work_ids if isinstance(work_ids, pl.Series) else pl.Series(list(work_ids))
        ids = ids.cast(pl.Utf8).unique().sort()
        self.n_resamples = int(n_resamples)
        self.seed = int(seed)
        self.shared = bootstrap.shared_weights(ids, self.n_resamples, self.seed)

    def sums(self, work_id: pl.Series, key: np.ndarray, value: np.ndarray, n_keys: int):
        """(R, n_keys): Σ over rows of weight(work, r)·value, per key; None without resamples."""
        if not self.n_resamples:
            return None
        pos = self.shared.positions(work_id)
        return self.shared.group_sums(pos, key.astype(np.int64), value.astype(np.float64), n_keys)


# --------------------------------------------------------------------------------------------
# per-stratum sums
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StrataSums:
    """Sums of one comparison per stratum (row i of ``strata``), for both sides.

    ``point`` (6, S) rows: A whole numerator, A fractional numerator, A denominator (Σ m), then
    the same for B; ``reps`` (R, 6, S) the same per bootstrap resample (None without resamples);
    ``n`` (2, S) works per side (m > 0); ``k`` (2, S) of them with the country; ``constant`` is
    B's value when B is a constant share.
    """

    strata: pl.DataFrame
    point: np.ndarray
    reps: np.ndarray | None
    n: np.ndarray
    k: np.ndarray
    constant: float | None = None
    _groups: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_strata(self) -> int:
        return self.strata.height

    def column(self, name: str) -> np.ndarray | None:
        return self.strata.get_column(name).to_numpy() if name in self.strata.columns else None

    def groups(self, by: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """(group index per stratum, group labels) for the coarser key ``by``."""
        by = tuple(b for b in self.strata.columns if b in by)
        if by not in self._groups:
            if not by:
                self._groups[by] = (np.zeros(self.n_strata, dtype=np.int64), ["all strata"])
            else:
                t = self.strata.select(by).with_row_index("_i")
                u = t.select(by).unique().sort(list(by), nulls_last=True).with_row_index("_g")
                g = t.join(u, on=list(by), how="left", nulls_equal=True).sort("_i")
                labels = [
                    " ".join("–" if v is None else str(v) for v in row)
                    for row in u.select(by).iter_rows()
                ]
                self._groups[by] = (g.get_column("_g").to_numpy().astype(np.int64), labels)
        return self._groups[by]


def strata_sums(
    a: pl.DataFrame,
    b: pl.DataFrame | None,
    *,
    keys: Sequence[str],
    resampler: Resampler | None,
    constant: float | None = None,
) -> StrataSums:
    """Per-stratum sums of two :func:`litscan.stats.compare.selection_works` frames (``b`` None and
    ``constant`` set for a constant B), with bootstrap replicates from the shared ``resampler``."""
    keys = list(keys)
    frames = [a] if b is None else [a, b]
    if keys:
        strata = pl.concat([f.select(keys) for f in frames]).unique().sort(keys, nulls_last=True)
    else:
        strata = pl.DataFrame({"_all": [0]})
    n_s = strata.height
    idx = strata.with_row_index("_s")
    point = np.zeros((6, n_s))
    n = np.zeros((2, n_s))
    k = np.zeros((2, n_s))
    ids, key_parts, val_parts = [], [], []
    for side, f in enumerate(frames):
        if f.height == 0:
            continue
        f = (
            f.join(idx, on=keys, how="left", nulls_equal=True)
            if keys
            else f.with_columns(pl.lit(0, dtype=pl.UInt32).alias("_s"))
        )
        s = f.get_column("_s").to_numpy().astype(np.int64)
        m = f.get_column("m").to_numpy().astype(np.float64)
        wh = f.get_column("whole").to_numpy().astype(np.float64)
        fr = f.get_column("fractional").to_numpy().astype(np.float64)
        for j, v in enumerate((m * wh, m * fr, m)):
            row = _SIDE_B * side + j
            point[row] = np.bincount(s, weights=v, minlength=n_s)
            ids.append(f.get_column("work_id"))
            key_parts.append(row * n_s + s)
            val_parts.append(v)
        n[side] = np.bincount(s, weights=(m > 0).astype(float), minlength=n_s)
        k[side] = np.bincount(s, weights=((m > 0) & (wh > 0)).astype(float), minlength=n_s)
    reps = None
    if resampler is not None and resampler.n_resamples and ids:
        r = resampler.sums(
            pl.concat(ids), np.concatenate(key_parts), np.concatenate(val_parts), 6 * n_s
        )
        reps = r.reshape(r.shape[0], 6, n_s)
    elif resampler is not None and resampler.n_resamples:
        reps = np.zeros((resampler.n_resamples, 6, n_s))
    return StrataSums(strata, point, reps, n, k, constant)


# --------------------------------------------------------------------------------------------
# one standardised comparison
# --------------------------------------------------------------------------------------------


def _interval(point: float, reps: np.ndarray | None, level: float) -> tuple[float, float]:
    """Percentile interval of replicates, widened to contain the point (NaN-safe)."""
    if reps is None or not np.isfinite(point):
        return float("nan"), float("nan")
    ok = reps[np.isfinite(reps)]
    if ok.size == 0:
        return float("nan"), float("nan")
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(ok, [alpha, 1.0 - alpha])
    return float(min(lo, point)), float(max(hi, point))


def _reduce(x: np.ndarray, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(x[..., order], starts, axis=-1)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 (or a rounding residue of 0 after a subtraction)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = den > 1e-9
        return np.where(ok, num / np.where(ok, den, 1.0), np.nan)


def _rows(counting: str) -> list[int]:
    num = _NUM[counting]
    return [num, _DEN, _SIDE_B + num, _SIDE_B + _DEN]


def _group_sorted(gid: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(strata ``idx`` ordered by group, start of each group in that order, the groups)."""
    order = idx[np.argsort(gid[idx], kind="stable")]
    gs = gid[order]
    starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
    return order, starts, gs[starts]


def _grouped(
    sums: StrataSums,
    counting: str,
    by: Sequence[str],
    keep: np.ndarray | None,
    n_reps: int | None,
):
    """(labels, point sums (4, G), works (2, G), works with the country (2, G), replicate sums
    (R, 4, G) or None) of the strata ``keep`` grouped by ``by``.

    The grouping of all strata is computed once per (counting, key, resamples) and cached; a
    mask that drops a few strata (leave one venue or year out) subtracts their sums from it
    (work counts are integers, so a group that loses every work has exactly 0 works)."""
    rows = _rows(counting)
    gid, labels = sums.groups(by)
    key = ("grouped", counting, tuple(by), n_reps)
    if key not in sums._groups:
        order, starts, groups = _group_sorted(gid, np.arange(sums.n_strata))
        reps = None
        if sums.reps is not None:
            r = sums.reps if n_reps is None else sums.reps[:n_reps]
            reps = _reduce(r[:, rows, :], order, starts)
        sums._groups[key] = (
            np.array([labels[g] for g in groups], dtype=object),
            _reduce(sums.point[rows], order, starts),
            _reduce(sums.n, order, starts),
            _reduce(sums.k, order, starts),
            None if reps is None else _Reps(reps),
            groups,
        )
    glabels, p, ng, kg, rg, groups = sums._groups[key]
    if keep is None or keep.all():
        return glabels, p, ng, kg, rg
    drop = np.flatnonzero(~keep)
    if drop.size * 2 > sums.n_strata:  # most strata dropped: group the kept ones directly
        order, starts, g = _group_sorted(gid, np.flatnonzero(keep))
        reps = None
        if rg is not None:
            r = sums.reps if n_reps is None else sums.reps[:n_reps]
            reps = _Reps(_reduce(r[:, rows, :], order, starts))
        return (np.array([labels[x] for x in g], dtype=object),
                _reduce(sums.point[rows], order, starts),
                _reduce(sums.n, order, starts), _reduce(sums.k, order, starts), reps)  # fmt: skip
    order, starts, g = _group_sorted(gid, drop)
    at = np.searchsorted(groups, g)
    p = p.copy()
    ng = ng.copy()
    kg = kg.copy()
    p[:, at] -= _reduce(sums.point[rows], order, starts)
    ng[:, at] -= _reduce(sums.n, order, starts)
    kg[:, at] -= _reduce(sums.k, order, starts)
    if rg is not None:
        r = sums.reps if n_reps is None else sums.reps[:n_reps]
        rg = _Reps(rg.full, at, np.add.reduceat(r[:, :, order][:, rows], starts, axis=-1))
    return glabels, p, ng, kg, rg


class _Reps:
    """Replicate sums (R, 4, G) of grouped strata, minus the sums ``delta`` (R, 4, len(at)) of
    the groups ``at`` (strata left out), materialised only for the columns asked for."""

    def __init__(self, full: np.ndarray, at=None, delta=None) -> None:
        self.full, self.at, self.delta = full, at, delta

    def cols(self, mask: np.ndarray) -> np.ndarray:
        out = self.full[:, :, mask]
        if self.at is not None:
            sel = mask[self.at]
            if sel.any():
                pos = np.cumsum(mask) - 1
                out[:, :, pos[self.at[sel]]] -= self.delta[:, :, sel]
        return out

    def total(self) -> np.ndarray:
        t = self.full.sum(axis=2)
        return t if self.at is None else t - self.delta.sum(axis=2)


@dataclass(frozen=True)
class Comparison:
    """A − B standardised over strata (weights = side A's distribution over the strata both
    sides share), and the crude (pooled) A − B over every stratum kept, with 95 % intervals."""

    counting: str
    by: tuple[str, ...]
    diff: float
    lo: float
    hi: float
    share_a: float
    lo_a: float
    hi_a: float
    share_b: float
    lo_b: float
    hi_b: float
    n_a: int  # works on side A in the compared strata
    n_b: int
    k_a: int  # of them with the country
    k_b: int
    crude_diff: float
    crude_lo: float
    crude_hi: float
    crude_a: float
    crude_b: float
    crude_n_a: int
    crude_n_b: int
    weights: tuple[tuple[str, float], ...]
    only_a: tuple[str, ...]  # strata with works on side A only (left out)
    only_b: tuple[str, ...]
    reps: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: replicates of the standardised side shares (A, B), for corrections that act on one side
    #: (:mod:`litscan.labels.label_error_strata`); None without resamples
    reps_a: np.ndarray | None = field(default=None, repr=False, compare=False)
    reps_b: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def n_strata(self) -> int:
        return len(self.weights)

    def testable(self, min_works: int, constant: bool) -> bool:
        return self.n_a >= min_works and (constant or self.n_b >= min_works)


def compare(
    sums: StrataSums,
    counting: str,
    *,
    by: Sequence[str],
    keep: np.ndarray | None = None,
    n_reps: int | None = None,
    level: float = 0.95,
    intervals: bool = True,
) -> Comparison:
    """Standardised and crude A − B over the strata ``keep`` (bool mask; default all), with the
    strata coarsened to the key ``by`` (a subset of the sums' strata columns).
    ``intervals=False`` leaves every interval NaN and only keeps the replicates of A − B (the
    specification grid computes their intervals in one batch)."""
    const = sums.constant
    nan = float("nan")
    if sums.n_strata == 0 or (keep is not None and not keep.any()):
        return _empty(counting, by)
    glabels, p, ng, kg, rg = _grouped(sums, counting, by, keep, n_reps)
    n_a_g, n_b_g = ng
    k_a_g, k_b_g = kg
    has_a = n_a_g > 0
    has_b = np.ones_like(has_a) if const is not None else n_b_g > 0
    common = has_a & has_b
    only_a = tuple(glabels[has_a & ~has_b].tolist())
    only_b = () if const is not None else tuple(glabels[has_b & ~has_a].tolist())
    pa = _ratio(p[0], p[1])
    pb = np.full_like(pa, const) if const is not None else _ratio(p[2], p[3])
    ca = float(p[0].sum() / p[1].sum()) if p[1].sum() > 0 else nan
    cb = const if const is not None else (float(p[2].sum() / p[3].sum()) if p[3].sum() > 0 else nan)
    if common.any():
        w = np.where(common, p[1], 0.0)
        w = w / w.sum()
        sa = float(np.nansum(w * pa))
        sb = float(np.nansum(w * pb))
    else:
        w = np.zeros_like(pa)
        sa = sb = nan
    reps_d = reps_a = reps_b = None
    crude_reps = None
    if rg is not None:
        tot = rg.total()  # (R, 4)
        crude_b = (
            np.full(tot.shape[0], const) if const is not None else _ratio(tot[:, 2], tot[:, 3])
        )
        crude_reps = _ratio(tot[:, 0], tot[:, 1]) - crude_b
        if common.any():
            rc = rg.cols(common)  # (R, 4, common)
            ra = _ratio(rc[:, 0], rc[:, 1])
            ra = np.where(np.isnan(ra), pa[common][None, :], ra)
            if const is not None:
                rb = np.full_like(ra, const)
            else:
                rb = _ratio(rc[:, 2], rc[:, 3])
                rb = np.where(np.isnan(rb), pb[common][None, :], rb)
            wc = w[common]
            reps_a = ra @ wc
            reps_b = rb @ wc
            reps_d = reps_a - reps_b
    diff = sa - sb
    cd = ca - cb
    if intervals:
        lo, hi = _interval(diff, reps_d, level)
        lo_a, hi_a = _interval(sa, reps_a, level)
        lo_b, hi_b = (const, const) if const is not None else _interval(sb, reps_b, level)
        clo, chi = _interval(cd, crude_reps, level)
    else:
        lo = hi = lo_a = hi_a = lo_b = hi_b = clo = chi = nan
    return Comparison(
        counting=counting,
        by=tuple(b for b in sums.strata.columns if b in by),
        diff=diff, lo=lo, hi=hi,
        share_a=sa, lo_a=lo_a, hi_a=hi_a, share_b=sb, lo_b=lo_b, hi_b=hi_b,
        n_a=int(n_a_g[common].sum()), n_b=int(n_b_g[common].sum()),
        k_a=int(k_a_g[common].sum()), k_b=int(k_b_g[common].sum()),
        crude_diff=cd, crude_lo=clo, crude_hi=chi, crude_a=ca, crude_b=cb,
        crude_n_a=int(n_a_g.sum()), crude_n_b=int(n_b_g.sum()),
        weights=tuple(zip(glabels[common].tolist(), w[common].tolist(), strict=True)),
        only_a=only_a, only_b=only_b, reps=reps_d, reps_a=reps_a, reps_b=reps_b,
    )  # fmt: skip


def _empty(counting: str, by: Sequence[str]) -> Comparison:
    n = float("nan")
    return Comparison(counting, tuple(by), n, n, n, n, n, n, n, n, n, 0, 0, 0, 0,
                      n, n, n, n, n, 0, 0, (), (), (), None)  # fmt: skip


# --------------------------------------------------------------------------------------------
# heterogeneity between venues
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VenueEstimate:
    stratum: str
    diff: float
    lo: float
    hi: float
    var: float
    n_a: int
    n_b: int
    eligible: bool  # each side has at least min_works works (enters I² and random effects)
    weight: float = float("nan")  # the venue's share of side A's weight (works, or top weights)


def per_venue(
    sums: StrataSums,
    counting: str,
    *,
    by: Sequence[str],
    min_works: int,
    keep: np.ndarray | None = None,
    level: float = 0.95,
    floor: int | None = None,
) -> list[VenueEstimate]:
    """A − B within each venue (standardised over the rest of the key ``by`` inside it).

    Beyond :data:`MAX_SMALL_VENUES` venues only those with at least ``floor`` (default
    ``min_works``) works on each side get an estimate."""
    floor = min_works if floor is None else floor
    src = sums.column("source")
    if src is None:
        return []
    within = [b for b in by if b != "source"]
    base = np.ones(sums.n_strata, dtype=bool) if keep is None else keep
    out = []
    venues = sorted({s for s in src[base].tolist() if s is not None}, key=str)
    if len(venues) > MAX_SMALL_VENUES:  # many small venues (live journals): the big ones only
        const = sums.constant is not None
        venues = [v for v in venues
                  if sums.n[0, base & (src == v)].sum() >= floor
                  and (const or sums.n[1, base & (src == v)].sum() >= floor)]  # fmt: skip
    den_a = sums.point[_DEN]
    total_a = float(den_a[base].sum())
    for v in venues:
        c = compare(sums, counting, by=within, keep=base & (src == v), level=level)
        if not np.isfinite(c.diff):
            continue
        var = (
            float(np.nanvar(c.reps, ddof=1))
            if c.reps is not None and c.reps.size > 1
            else float("nan")
        )
        ok = c.testable(min_works, sums.constant is not None) and np.isfinite(var) and var > 0
        w = float(den_a[base & (src == v)].sum()) / total_a if total_a > 0 else float("nan")
        out.append(VenueEstimate(str(v), c.diff, c.lo, c.hi, var, c.n_a, c.n_b, bool(ok), w))
    return out


def random_effects(y: Sequence[float], v: Sequence[float], level: float = 0.95) -> dict:
    """Cochran's Q, I² and the DerSimonian–Laird (1986) random-effects mean with its interval.

    ``y``: per-venue estimates, ``v``: their variances (> 0). Needs at least two estimates.
    I² = max(0, (Q − (k − 1)) / Q) (0 when Q = 0); τ² = max(0, (Q − (k − 1)) / (Σw − Σw²/Σw));
    the random-effects mean weights each venue by 1 / (v + τ²); its interval is the normal one.
    """
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    k = len(y)
    if k < 2:
        raise ValueError("random_effects: needs at least two estimates")
    w = 1.0 / v
    mu_fe = float((w * y).sum() / w.sum())
    q = float((w * (y - mu_fe) ** 2).sum())
    df = k - 1
    c = float(w.sum() - (w**2).sum() / w.sum())
    tau2 = max(0.0, (q - df) / c) if c > 0 else 0.0
    i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
    ws = 1.0 / (v + tau2)
    mu = float((ws * y).sum() / ws.sum())
    se = math.sqrt(1.0 / ws.sum())
    z = _z(level)
    return {"k": k, "q": q, "i2": min(1.0, i2), "tau2": tau2, "diff": mu,
            "lo": mu - z * se, "hi": mu + z * se, "fixed": mu_fe}  # fmt: skip


def _z(level: float) -> float:
    from statistics import NormalDist

    return Z95 if level == 0.95 else NormalDist().inv_cdf(0.5 + level / 2)


# --------------------------------------------------------------------------------------------
# the specification grid
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One specification of the primary estimator and its verdict."""

    counting: str
    top: float | None
    left_out_venue: str | None
    left_out_year: int | None
    diff: float
    lo: float
    hi: float
    n_a: int
    n_b: int
    verdict: str
    #: how strata are weighted: ``side A`` (side A's distribution, the primary) or
    #: ``equal per venue`` (every venue with enough works counts the same)
    weighting: str = "side A"
    #: the task-label specification (:mod:`litscan.claims.label_specs`); None = the shipped
    #: labels (then left out of :meth:`as_dict`)
    label_spec: str | None = None

    def as_dict(self) -> dict:
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in self.__dict__.items()
            if not (k == "label_spec" and v is None)
        }


def spec_verdict(
    c: Comparison, op: str, min_works: int, constant: bool, min_effect: float = 0.0
) -> str:
    if not c.testable(min_works, constant) or not np.isfinite(c.diff):
        return NOT_TESTABLE
    return decide(op, c.lo, c.hi, min_effect, c.diff)


def leave_out_units(sums: StrataSums, min_works: int) -> tuple[list, list, int, int]:
    """(venues, years) to leave out one at a time: all of them when there are at most
    :data:`MAX_SMALL_VENUES`, else those where side A or side B has at least ``min_works`` works
    (a journal corpus has hundreds of small venues); plus how many were not left out alone."""
    out: list[list] = []
    skipped: list[int] = []
    for col in ("source", "year"):
        vals = sums.column(col)
        if vals is None:
            out.append([])
            skipped.append(0)
            continue
        keys = sorted({v for v in vals.tolist() if v is not None}, key=str)
        big = keys if len(keys) <= MAX_SMALL_VENUES else [
            k for k in keys
            if max(sums.n[0, vals == k].sum(), sums.n[1, vals == k].sum()) >= min_works
        ]  # fmt: skip
        out.append([int(k) if col == "year" else k for k in big])
        skipped.append(len(keys) - len(big))
    return out[0], out[1], skipped[0], skipped[1]


def specification_grid(
    sums_by_top: Mapping[float | None, StrataSums],
    countings: Sequence[str],
    *,
    op: str,
    by: Sequence[str],
    min_works: int,
    venues: Sequence | None = None,
    years: Sequence | None = None,
    n_reps: int | None = None,
    level: float = 0.95,
    min_effect: float = 0.0,
) -> list[Spec]:
    """Every counting × threshold × (all works, or one venue left out, or one year left out),
    each with its interval verdict (a specification curve, Simonsohn, Simmons & Nelson 2020).

    ``venues`` / ``years``: the units to leave out one at a time (default: those of
    :func:`leave_out_units` on the first sums)."""
    out: list[Spec] = []
    if venues is None or years is None:
        first = next(iter(sums_by_top.values()))
        v_auto, y_auto, _, _ = leave_out_units(first, min_works)
        venues = v_auto if venues is None else venues
        years = y_auto if years is None else years
    for top, sums in sums_by_top.items():
        src, yr = sums.column("source"), sums.column("year")
        cells: list[tuple] = [(None, None)]
        if src is not None:
            cells += [(v, None) for v in venues]
        if yr is not None:
            cells += [(None, y) for y in years]
        const = sums.constant is not None
        for cnt in countings:
            rows: list[tuple] = []
            for v, y in cells:
                keep = np.ones(sums.n_strata, dtype=bool)
                if v is not None:
                    keep &= src != v
                if y is not None:
                    keep &= yr != y
                c = compare(sums, cnt, by=by, keep=keep, n_reps=n_reps, intervals=False)
                rows.append((v, y, c))
            bounds = _batch_intervals([c.diff for _, _, c in rows],
                                      [c.reps for _, _, c in rows], level)  # fmt: skip
            for (v, y, c), (lo, hi) in zip(rows, bounds, strict=True):
                c = replace(c, lo=lo, hi=hi)
                out.append(Spec(cnt, top, v, y, c.diff, lo, hi, c.n_a, c.n_b,
                                spec_verdict(c, op, min_works, const, min_effect)))  # fmt: skip
    return out


def _batch_intervals(
    points: Sequence[float], reps: Sequence[np.ndarray | None], level: float
) -> list[tuple[float, float]]:
    """:func:`_interval` of many statistics at once (replicates of equal length)."""
    nan = float("nan")
    out = [(nan, nan)] * len(points)
    ok = [i for i, (p, r) in enumerate(zip(points, reps, strict=True))
          if r is not None and np.isfinite(p) and np.isfinite(r).all()]  # fmt: skip
    if ok:
        alpha = (1.0 - level) / 2.0
        q = np.quantile(np.stack([reps[i] for i in ok]), [alpha, 1.0 - alpha], axis=1)
        for j, i in enumerate(ok):
            out[i] = (float(min(q[0, j], points[i])), float(max(q[1, j], points[i])))
    for i, (p, r) in enumerate(zip(points, reps, strict=True)):
        if i not in set(ok):
            out[i] = _interval(p, r, level)
    return out


# --------------------------------------------------------------------------------------------
# coverage
# --------------------------------------------------------------------------------------------


def coverage(works: pl.DataFrame) -> pl.DataFrame:
    """Works per venue × year (``source``, ``year``, ``works``, ``with_citations``,
    ``citation_coverage`` = share of works with a known citation count)."""
    keys = [k for k in STRATA_KEYS if k in works.columns]
    if not keys or works.height == 0:
        return pl.DataFrame(schema={"source": pl.Utf8, "year": pl.Int64, "works": pl.Int64,
                                    "with_citations": pl.Int64,
                                    "citation_coverage": pl.Float64})  # fmt: skip
    cit = (
        pl.col("cited_by_count").is_not_null().sum()
        if "cited_by_count" in works.columns
        else pl.lit(0)
    )
    out = (
        works.group_by(keys)
        .agg(pl.len().cast(pl.Int64).alias("works"), cit.cast(pl.Int64).alias("with_citations"))
        .with_columns((pl.col("with_citations") / pl.col("works")).alias("citation_coverage"))
        .sort(keys, nulls_last=True)
    )
    if "source" not in out.columns:
        out = out.with_columns(pl.lit(None, dtype=pl.Utf8).alias("source"))
    if "year" not in out.columns:
        out = out.with_columns(pl.lit(None, dtype=pl.Int64).alias("year"))
    return out.select("source", pl.col("year").cast(pl.Int64), "works", "with_citations",
                      "citation_coverage")  # fmt: skip


def citation_coverage(cov: pl.DataFrame, threshold: float = 0.5) -> tuple[pl.DataFrame, list]:
    """(citation coverage per venue, the venue-years below ``threshold`` as (source, year))."""
    per_venue_cov = (
        cov.group_by("source")
        .agg(pl.col("works").sum(), pl.col("with_citations").sum())
        .with_columns((pl.col("with_citations") / pl.col("works")).alias("citation_coverage"))
        .sort("source", nulls_last=True)
    )
    low = cov.filter(pl.col("citation_coverage") < threshold).select("source", "year").rows()
    return per_venue_cov, low


#: the stratum of works without a venue (a null ``source``, as many OpenAlex works have)
NO_VENUE = "(no venue)"


def unknown_venues(works: pl.DataFrame) -> pl.DataFrame:
    """``works`` with a null ``source`` made the stratum :data:`NO_VENUE` (works without a venue
    are compared with each other, not dropped); when no work has a venue the column is dropped
    (then venue is no stratum at all)."""
    if "source" not in works.columns or works.height == 0:
        return works
    nulls = works.get_column("source").null_count()
    if nulls == works.height:
        return works.drop("source")
    if nulls:
        return works.with_columns(pl.col("source").cast(pl.Utf8).fill_null(NO_VENUE))
    return works


def venue_panel(cov: pl.DataFrame, *, min_years: int = 3) -> tuple[list[str], tuple[int, int]]:
    """A fixed venue panel for share-over-time figures: the venues with works in every year of a
    span of consecutive years, choosing the span (at least ``min_years`` years, or every year when
    there are fewer) whose panel has the most works. Returns (venues, (first, last year)).

    Works without a venue (null ``source`` or :data:`NO_VENUE`, as many OpenAlex works have)
    belong to no venue and never enter a panel; works without a year are likewise left out."""
    if cov.height == 0 or cov.get_column("source").null_count() == cov.height:
        return [], (0, 0)
    years = sorted({int(y) for y in cov.get_column("year").drop_nulls().to_list()})
    if not years:
        return [], (0, 0)
    present: dict[int, set] = {
        y: set(cov.filter((pl.col("year") == y) & (pl.col("works") > 0))
               .get_column("source").drop_nulls().to_list()) - {NO_VENUE}
        for y in years
    }  # fmt: skip
    counts = {(r[0], r[1]): r[2] for r in cov.select("source", "year", "works").iter_rows()}
    span_min = min(min_years, len(years), max(1, (years[-1] - years[0] + 2) // 2))
    best: tuple[float, list[str], tuple[int, int]] = (-1.0, [], (years[0], years[-1]))
    for i, y0 in enumerate(years):
        for y1 in years[i:]:
            span = list(range(y0, y1 + 1))
            if len(span) < span_min or any(y not in present for y in span):
                continue
            venues = set.intersection(*(present[y] for y in span))
            total = sum(counts.get((v, y), 0) for v in venues for y in span)
            if total > best[0]:
                best = (total, sorted(venues), (y0, y1))
    return best[1], best[2]
