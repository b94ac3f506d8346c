"""The paired Poisson bootstrap over works: per-work replicate weights and weighted group sums.

This module is the resampling kernel under :mod:`litscan.stats`; it knows nothing of
countries or tables, only of work ids, integer group codes and float values.

The weight contract (unchanged since litscan 0.1, pinned by ``tests/test_bootstrap.py``)
-----------------------------------------------------------------------------------------
In resample ``r`` (0-based) the work with id ``s`` gets the Poisson(1) count ::

    h      = fmix64(fnv1a64(utf8(s)) ^ fmix64(2·seed + 1))        # hash_ids
    c_r    = fmix64((r + 1) · 0x9E3779B97F4A7C15 mod 2**64)         # resample constant
    x      = h ^ c_r;  x *= M1;  x ^= x >> 29;  x *= M2;  x >>= 44  # 20 bits
    u(s,r) = inverse CDF of Poisson(1) on the 2**20 grid, at x       # 0, 1, 2, ... (uint8)

so a weight is a pure function of (seed, work id, r): two selections of the same works, any two
calls, any subset or order of works, get the same weight for the same work in the same resample
(the bootstrap is *paired* work by work). Weights are never drawn from a stateful generator.

Group sums
----------
Every statistic of :mod:`litscan.stats` is a ratio of linear sums over works,
``S[r, k] = Σ_i u(work_i, r) · value_i`` over the rows ``i`` with ``code_i = k``. The kernel
computes them without materialising the (works × resamples) weight matrix: weights are generated
and multiplied in one pass (numba, both cores, resamples split across threads) or, when numba is
not installed or the problem is small, in blocks of resamples with numpy + a scipy sparse product.
Both paths add, for each (r, k), the rows in the same order (increasing work position, then the
given row order) with the same float operations (``acc += value · float(u)``), so they return
bit-identical sums.

Reuse: :func:`shared_weights` hashes a population once; its :meth:`SharedWeights.group_sums`
evaluates any number of statistics (per stratum, leave-one-out, ...) on the same resamples::

    sw = bootstrap.shared_weights(works["id"], n_resamples=1000, seed=0)
    pos = sw.positions(rows["work_id"])                   # each row's work, once per row set
    num = sw.group_sums(pos, codes, rows["x"].to_numpy(), n_groups)   # (1000, n_groups)
    den = sw.group_sums(pos, codes, rows["m"].to_numpy(), n_groups)
    share_reps = num / den                                # paired with litscan.stats's

The point estimate (every weight 1) is ``np.bincount(codes, values, n_groups)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from litscan.errors import InputDataError, UsageError

try:  # optional accelerator: same results, faster (see module docstring)
    import numba
except ImportError:  # pragma: no cover - exercised where numba is absent
    numba = None

__all__ = [
    "DEFAULT_BACKEND",
    "HAS_NUMBA",
    "SharedWeights",
    "csr_by_work_sums",
    "factorize_ids",
    "group_sums",
    "hash_ids",
    "resample_constants",
    "shared_weights",
    "weights",
]

HAS_NUMBA = numba is not None

_U64 = np.uint64
_FNV_OFFSET = _U64(0xCBF29CE484222325)
_FNV_PRIME = _U64(0x100000001B3)
_M1 = _U64(0xFF51AFD7ED558CCD)
_M2 = _U64(0xC4CEB9FE1A85EC53)
_GOLDEN = 0x9E3779B97F4A7C15
_TABLE_BITS = 20
# below this many (row × resample) products the numpy path is used: it needs no compilation
_NUMBA_MIN_WORK = 20_000_000
_NUMBA_MIN_IDS = 200_000
# what "auto" means for every call ("auto": numba for large problems when installed; "numba" or
# "numpy" force one path, e.g. in tests comparing the two)
DEFAULT_BACKEND = "auto"
_BLOCK_BYTES = 1 << 19  # one thread's accumulator block (n_groups × resamples × 8 bytes)


# --------------------------------------------------------------------------------------------
# hashing (numpy reference implementation; the numba kernels reproduce it bit for bit)
# --------------------------------------------------------------------------------------------


def _fmix(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, in place on a uint64 array."""
    x ^= x >> _U64(33)
    x *= _M1
    x ^= x >> _U64(33)
    x *= _M2
    x ^= x >> _U64(33)
    return x


def _fmix_int(v: int) -> int:
    return int(_fmix(np.array([v % 2**64], dtype=np.uint64))[0])


def _id_buffers(ids: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes and int64 offsets of string ids (refuses nulls)."""
    import pyarrow as pa

    arr = ids.cast(pl.Utf8).to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_string())
    if arr.null_count:
        raise InputDataError("bootstrap: work ids contain nulls", hint="every work needs an id")
    _, offsets_buf, data_buf = arr.buffers()
    n = len(arr)
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    return data, offsets


def _fnv_numpy(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    n = len(offsets) - 1
    starts, lens = offsets[:-1], np.diff(offsets)
    h = np.full(n, _FNV_OFFSET, dtype=np.uint64)
    for j in range(int(lens.max()) if n else 0):
        idx = np.flatnonzero(lens > j)
        hv = h[idx]
        hv ^= data[starts[idx] + j].astype(np.uint64)
        hv *= _FNV_PRIME
        h[idx] = hv
    return h


def _as_series(work_ids: pl.Series | Sequence[str]) -> pl.Series:
    if isinstance(work_ids, pl.Series):
        return work_ids
    return pl.Series("work_id", list(work_ids), dtype=pl.Utf8)


def hash_ids(work_ids: pl.Series | Sequence[str], seed: int, *, backend: str = "auto"):
    """Stable 64-bit hash of string ids (FNV-1a over UTF-8 bytes, then mixed with the seed).

    Returns a uint64 array aligned with ``work_ids``. Independent of the polars version and of
    which other ids are in the batch. Null ids raise :class:`InputDataError`.
    """
    data, offsets = _id_buffers(_as_series(work_ids))
    n = len(offsets) - 1
    if _pick(backend, n * _NUMBA_MIN_WORK // _NUMBA_MIN_IDS) == "numba":
        h = _fnv_nb(data, offsets)
    else:
        h = _fnv_numpy(data, offsets)
    h ^= _U64(_fmix_int(seed * 2 + 1))
    return _fmix(h)


def factorize_ids(work_ids: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """Distinct ids and each row's position among them (int64): ``distinct[pos] == ids``.

    The distinct ids come in the order of their FNV-1a hash, a canonical order that depends only
    on the set of ids (not on the row order), so sums taken work by work in that order are
    reproducible bit for bit. One hashing pass and one integer sort: no string sort or join.
    Every row is checked against the id it was mapped to; on a 64-bit hash collision (two ids,
    one hash) the distinct ids are sorted as strings instead.
    """
    ids = work_ids.cast(pl.Utf8).rename("work_id")
    data, offsets = _id_buffers(ids)
    n = len(offsets) - 1
    if n == 0:
        return ids.clear(), np.zeros(0, dtype=np.int64)
    fnv = _fnv_nb(data, offsets) if _pick("auto", n * 100) == "numba" else _fnv_numpy(data, offsets)
    order = np.argsort(fnv)  # any tie order will do: tied rows carry the same id (checked)
    sorted_h = fnv[order]
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(sorted_h[1:], sorted_h[:-1], out=new[1:])
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.cumsum(new) - 1
    distinct = ids.gather(order[new])
    if (distinct.gather(pos) != ids).any():  # a collision: two ids share a hash
        uniq = ids.unique().sort()
        pos = (
            pl.DataFrame({"work_id": ids})
            .join(
                pl.DataFrame({"work_id": uniq}).with_row_index("w"),
                on="work_id",
                how="left",
                maintain_order="left",
            )
            .get_column("w")
            .cast(pl.Int64)
            .to_numpy()
        )
        return uniq, pos
    return distinct, pos


def resample_constants(start: int, stop: int) -> np.ndarray:
    """The per-resample constants c_r for r in ``start..stop-1`` (uint64)."""
    return np.array([_fmix_int((r + 1) * _GOLDEN) for r in range(start, stop)], dtype=np.uint64)


def _poisson_table(bits: int = _TABLE_BITS) -> np.ndarray:
    """Inverse CDF of Poisson(1) on a 2**bits grid (probability error < 2**-bits per value)."""
    grid = (np.arange(2**bits, dtype=np.float64) + 0.5) / 2**bits
    cdf = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(20)])
    return np.searchsorted(cdf, grid, side="right").astype(np.uint8)


_POISSON = _poisson_table()
# the table is a non-decreasing step function: u = number of thresholds t_k <= x (t_k = first
# grid index with value >= k), which a vectorised loop computes without a 1 MB lookup
_THRESHOLDS = np.array(
    [np.searchsorted(_POISSON, k) for k in range(1, int(_POISSON.max()) + 1)], dtype=np.int64
)
_THRESHOLD_TUPLE = tuple(np.int64(t) for t in _THRESHOLDS)  # a compile-time constant for numba


def _weight_block(h: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Poisson(1) weights for hashed works ``h`` and resamples ``start..stop-1``: (W, stop-start)."""
    x = h[:, None] ^ resample_constants(start, stop)[None, :]
    x *= _M1
    x ^= x >> _U64(29)
    x *= _M2
    x >>= _U64(64 - _TABLE_BITS)
    return _POISSON[x]


# --------------------------------------------------------------------------------------------
# numba kernels (compiled on first use, cached on disk)
# --------------------------------------------------------------------------------------------

if numba is not None:
    _njit = numba.njit(cache=True, nogil=True)
    _njit_par = numba.njit(cache=True, nogil=True, parallel=True)

    @_njit
    def _fnv_nb(data, offsets):  # pragma: no cover - compiled
        n = offsets.size - 1
        out = np.empty(n, dtype=np.uint64)
        for i in range(n):
            h = _FNV_OFFSET
            for j in range(offsets[i], offsets[i + 1]):
                h ^= np.uint64(data[j])
                h *= _FNV_PRIME
            out[i] = h
        return out

    @_njit
    def _fill_weights(hw, consts, r0, m, buf):  # pragma: no cover - compiled
        for j in range(m):
            x = hw ^ consts[r0 + j]
            x *= _M1
            x ^= x >> np.uint64(29)
            x *= _M2
            x >>= np.uint64(64 - _TABLE_BITS)
            y = np.int64(x)  # < 2**20: a signed compare is exact and vectorises
            u = 0
            for t in _THRESHOLD_TUPLE:
                u += y >= t
            buf[j] = np.float64(u)

    @_njit_par
    def _sums_hashed_nb(h, consts, indptr, codes, values, n_groups, block):  # pragma: no cover
        n_res = consts.size
        n_works = indptr.size - 1
        out = np.zeros((n_res, n_groups))
        n_blocks = (n_res + block - 1) // block
        for b in numba.prange(n_blocks):
            r0 = b * block
            m = min(n_res, r0 + block) - r0
            acc = np.zeros((n_groups, m))
            buf = np.empty(m)
            for w in range(n_works):
                s, e = indptr[w], indptr[w + 1]
                if s == e:
                    continue
                _fill_weights(h[w], consts, r0, m, buf)
                for i in range(s, e):
                    k = codes[i]
                    v = values[i]
                    for j in range(m):
                        acc[k, j] += v * buf[j]
            for j in range(m):
                for k in range(n_groups):
                    out[r0 + j, k] = acc[k, j]
        return out

    @_njit_par
    def _sums_matrix_nb(wmat, indptr, codes, values, n_groups, block):  # pragma: no cover
        n_res = wmat.shape[1]
        n_works = indptr.size - 1
        out = np.zeros((n_res, n_groups))
        n_blocks = (n_res + block - 1) // block
        for b in numba.prange(n_blocks):
            r0 = b * block
            m = min(n_res, r0 + block) - r0
            acc = np.zeros((n_groups, m))
            buf = np.empty(m)
            for w in range(n_works):
                s, e = indptr[w], indptr[w + 1]
                if s == e:
                    continue
                for j in range(m):
                    buf[j] = wmat[w, r0 + j]
                for i in range(s, e):
                    k = codes[i]
                    v = values[i]
                    for j in range(m):
                        acc[k, j] += v * buf[j]
            for j in range(m):
                for k in range(n_groups):
                    out[r0 + j, k] = acc[k, j]
        return out
else:  # pragma: no cover - only where numba is absent
    _fnv_nb = _sums_hashed_nb = _sums_matrix_nb = None


def _pick(backend: str, work: int) -> str:
    """'numba' or 'numpy' for a problem of ``work`` row × resample products."""
    if backend == "auto":
        backend = DEFAULT_BACKEND
    if backend not in ("auto", "numba", "numpy"):
        raise UsageError(f"bootstrap: backend must be 'auto', 'numba' or 'numpy', got {backend!r}")
    if backend == "auto":
        return "numba" if HAS_NUMBA and work >= _NUMBA_MIN_WORK else "numpy"
    if backend == "numba" and not HAS_NUMBA:
        raise UsageError(
            "bootstrap: backend 'numba' asked for but numba is not installed",
            hint="pip install numba, or use backend='numpy'",
        )
    return backend


def _block(n_groups: int, n_resamples: int) -> int:
    """Resamples per thread block: the accumulator stays in cache, both threads get blocks."""
    b = _BLOCK_BYTES // (8 * max(1, n_groups))
    b = max(8, min(64, b // 8 * 8))
    half = -(-n_resamples // 2)
    return int(max(1, min(b, half)))


# --------------------------------------------------------------------------------------------
# rows -> work-major layout
# --------------------------------------------------------------------------------------------


def _by_work(
    work: np.ndarray, codes: np.ndarray, values: np.ndarray, n_works: int, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, codes, values) with rows ordered by work position, stable within a work."""
    work = np.asarray(work, dtype=np.int64)
    codes = np.asarray(codes, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if not (work.shape == codes.shape == values.shape) or work.ndim != 1:
        raise UsageError(
            "bootstrap.group_sums: work, codes and values must be 1-d and aligned",
            hint=f"got shapes {work.shape}, {codes.shape}, {values.shape}",
        )
    if work.size and (work.min() < 0 or work.max() >= n_works):
        raise UsageError(f"bootstrap.group_sums: work positions must be in [0, {n_works})")
    if codes.size and (codes.min() < 0 or codes.max() >= n_groups):
        raise UsageError(
            f"bootstrap.group_sums: codes must be in [0, {n_groups})",
            hint="n_groups is one more than the largest code",
        )
    order = np.argsort(work, kind="stable")
    indptr = np.zeros(n_works + 1, dtype=np.int64)
    np.cumsum(np.bincount(work, minlength=n_works), out=indptr[1:])
    return indptr, np.ascontiguousarray(codes[order]), np.ascontiguousarray(values[order])


def _sums_numpy(
    source: np.ndarray,
    hashed: bool,
    indptr: np.ndarray,
    codes: np.ndarray,
    values: np.ndarray,
    n_groups: int,
    start: int,
    stop: int,
) -> np.ndarray:
    """Blocked numpy path: weights for a block of resamples, then one sparse product."""
    from scipy import sparse

    n_works = indptr.size - 1
    n_res = stop - start
    out = np.empty((n_res, n_groups))
    if n_res == 0:
        return out
    # csc (groups × works) @ dense walks works in order, rows of a work in stored order: the
    # same addition order as the numba kernels
    mat = sparse.csc_matrix((values, codes, indptr), shape=(n_groups, n_works))
    step = int(max(1, min(64, 200_000_000 // max(1, 16 * n_works))))
    for r0 in range(start, stop, step):
        r1 = min(stop, r0 + step)
        if hashed:
            u = _weight_block(source, r0, r1).astype(np.float64)
        else:
            u = source[:, r0:r1].astype(np.float64)
        out[r0 - start : r1 - start] = (mat @ u).T
    return out


def _sums(
    source: np.ndarray,
    hashed: bool,
    indptr: np.ndarray,
    codes: np.ndarray,
    values: np.ndarray,
    n_groups: int,
    start: int,
    stop: int,
    backend: str,
) -> np.ndarray:
    n_res = stop - start
    if _pick(backend, codes.size * n_res) == "numpy" or n_res == 0 or n_groups == 0:
        return _sums_numpy(source, hashed, indptr, codes, values, n_groups, start, stop)
    codes = codes.astype(np.int64, copy=False)
    values = values.astype(np.float64, copy=False)
    block = _block(n_groups, n_res)
    if hashed:
        return _sums_hashed_nb(
            source, resample_constants(start, stop), indptr, codes, values, n_groups, block
        )
    wmat = np.ascontiguousarray(source[:, start:stop])
    return _sums_matrix_nb(wmat, indptr, codes, values, n_groups, block)


def csr_by_work_sums(
    hashes: np.ndarray,
    indptr: np.ndarray,
    codes: np.ndarray,
    values: np.ndarray,
    n_groups: int,
    n_resamples: int,
    *,
    backend: str = "auto",
) -> np.ndarray:
    """Low-level fused kernel: (n_resamples, n_groups) sums for rows already grouped by work.

    Work ``w`` (hash ``hashes[w]``) owns rows ``indptr[w]:indptr[w+1]`` of ``codes``/``values``.
    This is what :mod:`litscan.stats` calls; most callers want :func:`group_sums`.
    """
    return _sums(
        np.asarray(hashes, dtype=np.uint64),
        True,
        np.asarray(indptr, dtype=np.int64),
        np.asarray(codes, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
        int(n_groups),
        0,
        int(n_resamples),
        backend,
    )


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def weights(
    work_ids: pl.Series | Sequence[str], n_resamples: int, seed: int = 0, *, start: int = 0
) -> np.ndarray:
    """The bootstrap weights: uint8 array (n_works, n_resamples) of Poisson(1) counts.

    Row i belongs to ``work_ids[i]`` (duplicates get identical rows); column j is resample
    ``start + j``. Weight (work, r) depends only on (seed, r, work id), never on the other works:
    two calls on different subsets with the same seed are paired work by work. Memory is
    n_works × n_resamples bytes; :func:`shared_weights` avoids materialising it.
    """
    _check_resamples(n_resamples)
    return _weight_block(hash_ids(work_ids, seed), int(start), int(start) + int(n_resamples))


def _check_resamples(n_resamples: int) -> None:
    if (
        not isinstance(n_resamples, (int, np.integer))
        or isinstance(n_resamples, bool)
        or n_resamples < 0
    ):
        raise UsageError(f"bootstrap: n_resamples must be an integer >= 0, got {n_resamples!r}")


@dataclass(frozen=True)
class SharedWeights:
    """The bootstrap weights of one population of works, generated on demand, never stored.

    ``work_ids`` are the population (distinct, in the order given); ``hashes[i]`` is the hash of
    ``work_ids[i]`` under ``seed``. Every statistic computed through :meth:`group_sums` uses the
    same resamples 0..n_resamples-1, and those are exactly the resamples
    :func:`litscan.stats` uses for these works with this seed. Build with
    :func:`shared_weights`.
    """

    work_ids: pl.Series
    hashes: np.ndarray = field(repr=False)
    n_resamples: int
    seed: int

    @property
    def n_works(self) -> int:
        return len(self.work_ids)

    def positions(self, ids: pl.Series | Sequence[str]) -> np.ndarray:
        """Positions (int64) of ``ids`` in the population; an id outside it is an error."""
        ids = _as_series(ids).cast(pl.Utf8)
        pop = pl.DataFrame({"work_id": self.work_ids.cast(pl.Utf8)}).with_row_index("_pos")
        got = (
            pl.DataFrame({"work_id": ids})
            .join(pop, on="work_id", how="left", maintain_order="left")
            .get_column("_pos")
        )
        if got.null_count():
            missing = ids.filter(got.is_null()).head(3).to_list()
            raise UsageError(
                f"SharedWeights.positions: {got.null_count()} id(s) are not in the "
                f"population, e.g. {missing}",
                hint="build shared_weights over every work you will resample",
            )
        return got.cast(pl.Int64).to_numpy()

    def matrix(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """uint8 weights (n_works, stop - start) for resamples ``start..stop-1``."""
        stop = self.n_resamples if stop is None else stop
        return _weight_block(self.hashes, int(start), int(stop))

    def group_sums(
        self,
        work: np.ndarray,
        codes: np.ndarray,
        values: np.ndarray,
        n_groups: int,
        *,
        backend: str = "auto",
    ) -> np.ndarray:
        """(n_resamples, n_groups) float64: S[r, k] = Σ_i u(work[i], r)·values[i], code_i = k.

        ``work`` are positions in the population (see :meth:`positions`), ``codes`` integer group
        codes in [0, n_groups), ``values`` floats; all aligned 1-d. For each (r, k) rows are
        added in increasing work position, then in the given order. The point estimate (all
        weights 1) is ``np.bincount(codes, values, n_groups)``.
        """
        indptr, c, v = _by_work(work, codes, values, self.n_works, int(n_groups))
        return _sums(self.hashes, True, indptr, c, v, int(n_groups), 0, self.n_resamples, backend)


def shared_weights(
    work_ids: pl.Series | Sequence[str], n_resamples: int, seed: int = 0
) -> SharedWeights:
    """Hash a population of works once, for many statistics on the same resamples.

    ``work_ids`` must be distinct (a duplicate is an error: its position would be ambiguous).
    Cost: one hash per work; memory 8 bytes per work.
    """
    _check_resamples(n_resamples)
    ids = _as_series(work_ids).cast(pl.Utf8)
    if ids.n_unique() != len(ids):
        raise UsageError(
            "shared_weights: work ids must be distinct",
            hint="pass work_ids.unique() (the population, not the rows)",
        )
    return SharedWeights(ids, hash_ids(ids, seed), int(n_resamples), int(seed))


def group_sums(
    weights: np.ndarray | SharedWeights,
    codes: np.ndarray,
    values: np.ndarray,
    n_groups: int,
    *,
    work: np.ndarray | None = None,
    backend: str = "auto",
) -> np.ndarray:
    """Weighted group sums for every resample: (n_resamples, n_groups) float64.

    ``S[r, k] = Σ_i weights[work[i], r] · values[i]`` over rows ``i`` with ``codes[i] = k``.
    ``weights`` is a (n_works, n_resamples) matrix from :func:`weights` or a
    :class:`SharedWeights` (then nothing is materialised). ``work`` gives each row's work
    position (row of ``weights``); default: row i is work i. Same addition order and result
    whichever backend runs.
    """
    if work is None:
        work = np.arange(len(codes), dtype=np.int64)
    if isinstance(weights, SharedWeights):
        return weights.group_sums(work, codes, values, n_groups, backend=backend)
    wmat = np.asarray(weights)
    if wmat.ndim != 2:
        raise UsageError(f"bootstrap.group_sums: weights must be 2-d, got shape {wmat.shape}")
    indptr, c, v = _by_work(work, codes, values, wmat.shape[0], int(n_groups))
    return _sums(wmat, False, indptr, c, v, int(n_groups), 0, wmat.shape[1], backend)
