"""Replicate weights and linear sums for the Poisson bootstrap over works (the kernel is
:mod:`litscan.stats.bootstrap`), and percentile intervals.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from litscan.stats import bootstrap

__all__ = [
    "replicate_weights",
]

DEFAULT_RESAMPLES = 1000

# --------------------------------------------------------------------------------------------
# replicate weights and linear sums (the kernel is litscan.stats.bootstrap)
# --------------------------------------------------------------------------------------------


def replicate_weights(work_ids: pl.Series | Sequence[str], *, n_resamples: int, seed: int = 0):
    """The bootstrap weights litscan uses: array (n_works, n_resamples) of Poisson(1) counts.

    Weight (work, r) depends only on (seed, r, work id), never on the other works: two calls on
    different subsets with the same seed are paired work by work.
    """
    return bootstrap.weights(work_ids, n_resamples, seed)


@dataclass(frozen=True)
class _Sums:
    """Point values and bootstrap replicates of K linear sums over works."""

    point: np.ndarray  # (K,)
    reps: np.ndarray | None  # (R, K)
    n_resamples: int
    seed: int


def _linear_sums(rows: pl.DataFrame, n_keys: int, n_resamples: int, seed: int) -> _Sums:
    """Σ_w u_w·value over ``rows`` (work_id, key, value) for u = 1 and each bootstrap replicate."""
    from scipy import sparse

    if rows.height == 0:
        point = np.zeros(n_keys)
        reps = np.zeros((n_resamples, n_keys)) if n_resamples else None
        return _Sums(point, reps, n_resamples, seed)
    uniq, widx = bootstrap.factorize_ids(rows.get_column("work_id"))  # canonical work order
    keys = rows.get_column("key").to_numpy()
    vals = rows.get_column("value").cast(pl.Float64).to_numpy()
    mat = sparse.csr_matrix((vals, (keys, widx)), shape=(n_keys, len(uniq)))
    point = np.asarray(mat.sum(axis=1)).ravel()
    if not n_resamples:
        return _Sums(point, None, 0, seed)
    # work-major copy (keys ascending within a work): the kernel adds, for each key, the works in
    # the same order as ``mat @ u`` would, so the replicates are bit-identical to that product
    by_work = mat.tocsc()
    reps = bootstrap.csr_by_work_sums(
        bootstrap.hash_ids(uniq, seed),
        by_work.indptr,
        by_work.indices,
        by_work.data,
        n_keys,
        n_resamples,
    )
    return _Sums(point, reps, n_resamples, seed)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _interval(
    point: np.ndarray, reps: np.ndarray | None, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of replicate statistics (R, S), widened to contain the point."""
    if reps is None:
        nan = np.full(point.shape, np.nan)
        return nan, nan
    alpha = (1.0 - level) / 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanquantile(reps, [alpha, 1.0 - alpha], axis=0)
        lo = np.where(np.isnan(point), np.nan, np.fmin(lo, point))
        hi = np.where(np.isnan(point), np.nan, np.fmax(hi, point))
    return lo, hi


def _prob_positive(reps: np.ndarray | None, n: int) -> np.ndarray:
    if reps is None:
        return np.full(n, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        valid = ~np.isnan(reps)
        pos = np.where(valid, reps > 0, False).sum(axis=0)
        cnt = valid.sum(axis=0)
        return np.where(cnt > 0, pos / np.maximum(cnt, 1), np.nan)
