"""litscan.stats.bootstrap against a frozen copy of the pre-kernel implementation (litscan 0.1).

``_ref_*`` below is the hashing, weight and sparse-product code that ``litscan/stats/``
used before the fused kernel, copied here in substance and written without the package, so a
change of the weight contract fails these tests. Weights are identical bit for bit; sums equal the
old ones to rounding (the works are now added in the order of their hash, not of their id
string), and the fused kernel, the numpy path and a sparse product in the same work order agree
bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from litscan import stats as ag
from litscan.errors import InputDataError, UsageError
from litscan.stats import bootstrap as bs
from litscan.stats import compare as stats_compare
from litscan.stats import replicates
from litscan.stats import shares as stats_shares

BACKENDS = ["numpy"] + (["numba"] if bs.HAS_NUMBA else [])
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---- reference: litscan 0.1's aggregate._hash_ids / _replicate_block / _linear_sums ----------

_U = np.uint64
_MASK = 2**64 - 1


def _ref_fmix_int(v: int) -> int:
    v %= 2**64
    v ^= v >> 33
    v = (v * 0xFF51AFD7ED558CCD) & _MASK
    v ^= v >> 33
    v = (v * 0xC4CEB9FE1A85EC53) & _MASK
    return v ^ (v >> 33)


def _ref_hash(ids: list[str], seed: int) -> np.ndarray:
    out = []
    for s in ids:
        h = 0xCBF29CE484222325
        for byte in s.encode("utf-8"):
            h = ((h ^ byte) * 0x100000001B3) & _MASK
        out.append(_ref_fmix_int(h ^ _ref_fmix_int(seed * 2 + 1)))
    return np.array(out, dtype=np.uint64)


def _ref_table() -> np.ndarray:
    grid = (np.arange(2**20, dtype=np.float64) + 0.5) / 2**20
    cdf = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(20)])
    return np.searchsorted(cdf, grid, side="right").astype(np.uint8)


_REF_TABLE = _ref_table()


def _ref_weights(h: np.ndarray, r0: int, r1: int) -> np.ndarray:
    consts = np.array([_ref_fmix_int((r + 1) * 0x9E3779B97F4A7C15) for r in range(r0, r1)],
                      dtype=np.uint64)
    x = h[:, None] ^ consts[None, :]
    x *= _U(0xFF51AFD7ED558CCD)
    x ^= x >> _U(29)
    x *= _U(0xC4CEB9FE1A85EC53)
    x >>= _U(44)
    return _REF_TABLE[x]


def _ref_linear_sums(rows: pl.DataFrame, n_keys: int, n_resamples: int, seed: int):
    if rows.height == 0:
        return replicates._Sums(np.zeros(n_keys), np.zeros((n_resamples, n_keys)) if n_resamples else None,
                        n_resamples, seed)
    uniq = rows.get_column("work_id").unique().sort()
    widx = (rows.select("work_id").join(pl.DataFrame({"work_id": uniq}).with_row_index("w"),
                                        on="work_id", how="left").get_column("w").to_numpy())
    keys = rows.get_column("key").to_numpy()
    vals = rows.get_column("value").cast(pl.Float64).to_numpy()
    mat = sparse.csr_matrix((vals, (keys, widx)), shape=(n_keys, len(uniq)))
    point = np.asarray(mat.sum(axis=1)).ravel()
    if not n_resamples:
        return replicates._Sums(point, None, 0, seed)
    h = _ref_hash(uniq.to_list(), seed)
    reps = np.empty((n_resamples, n_keys))
    for r0 in range(0, n_resamples, 7):  # a chunk size of its own: chunks must not matter
        r1 = min(n_resamples, r0 + 7)
        reps[r0:r1] = (mat @ _ref_weights(h, r0, r1).astype(np.float64)).T
    return replicates._Sums(point, reps, n_resamples, seed)


# ---- strategies ----------------------------------------------------------------------------

ids_st = st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=40, unique=True)
seed_st = st.integers(-(2**40), 2**40)


@st.composite
def rows_st(draw):
    pool = draw(ids_st)
    n_keys = draw(st.integers(1, 6))
    n = draw(st.integers(0, 80))
    work = draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n))
    keys = draw(st.lists(st.integers(0, n_keys - 1), min_size=n, max_size=n))
    vals = draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=n, max_size=n))
    rows = pl.DataFrame({"work_id": work, "key": keys, "value": vals},
                        schema={"work_id": pl.Utf8, "key": pl.Int64, "value": pl.Float64})
    return rows, n_keys


# ---- weights -------------------------------------------------------------------------------


@SETTINGS
@given(ids=ids_st, seed=seed_st, n_res=st.integers(0, 40), start=st.integers(0, 5000))
def test_weights_match_the_reference_contract(ids, seed, n_res, start):
    ref = _ref_weights(_ref_hash(ids, seed), start, start + n_res)
    assert np.array_equal(bs.weights(ids, n_res, seed, start=start), ref)
    for backend in BACKENDS:
        assert np.array_equal(bs.hash_ids(ids, seed, backend=backend), _ref_hash(ids, seed))


@SETTINGS
@given(ids=ids_st, seed=seed_st, data=st.data())
def test_weights_are_paired_work_by_work(ids, seed, data):
    """A work's weights do not depend on the other works, their order or the shared object."""
    sub = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    full = bs.weights(ids, 25, seed)
    pos = [ids.index(s) for s in sub]
    assert np.array_equal(bs.weights(sub, 25, seed), full[pos])
    shared = bs.shared_weights(ids, 25, seed)
    assert np.array_equal(shared.matrix(), full)
    assert np.array_equal(shared.matrix(10, 20), full[:, 10:20])
    assert np.array_equal(shared.positions(sub), pos)
    assert np.array_equal(ag.replicate_weights(ids, n_resamples=25, seed=seed), full)


def test_weights_are_poisson_one():
    w = bs.weights([f"W{i}" for i in range(20000)], 40, seed=5)
    assert w.dtype == np.uint8
    assert abs(w.mean() - 1) < 0.01 and abs(w.var() - 1) < 0.02
    assert abs((w == 0).mean() - math.exp(-1)) < 0.005


# ---- sums: aggregate._linear_sums against the old sparse product, bit for bit ---------------


def _close(got: np.ndarray, ref: np.ndarray, scale: np.ndarray) -> None:
    """Equal up to float rounding: |got - ref| <= 1e-12 · Σ|terms| (the sum of magnitudes)."""
    assert got.shape == ref.shape
    assert np.all(np.abs(got - ref) <= 1e-12 * scale + 1e-300)


@SETTINGS
@given(case=rows_st(), seed=seed_st, n_res=st.integers(0, 30), backend=st.sampled_from(BACKENDS))
def test_linear_sums_equal_the_old_product(case, seed, n_res, backend):
    rows, n_keys = case
    ref = _ref_linear_sums(rows, n_keys, n_res, seed)
    mag = _ref_linear_sums(rows.with_columns(pl.col("value").abs()), n_keys, n_res, seed)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bs, "DEFAULT_BACKEND", backend)
        got = replicates._linear_sums(rows, n_keys, n_res, seed)
    _close(got.point, ref.point, mag.point)
    if n_res == 0:
        assert got.reps is None and ref.reps is None
    else:
        _close(got.reps, ref.reps, mag.reps)


@SETTINGS
@given(case=rows_st(), seed=seed_st, n_res=st.integers(1, 30), backend=st.sampled_from(BACKENDS))
def test_linear_sums_bit_identical_to_a_product_in_the_same_order(case, seed, n_res, backend):
    """The old sparse product, fed the new canonical work order, gives the very same bits."""
    rows, n_keys = case
    uniq, pos = bs.factorize_ids(rows.get_column("work_id"))
    if len(uniq) == 0:
        return
    mat = sparse.csr_matrix((rows.get_column("value").to_numpy(),
                             (rows.get_column("key").to_numpy(), pos)),
                            shape=(n_keys, len(uniq)))
    ref = (mat @ _ref_weights(_ref_hash(uniq.to_list(), seed), 0, n_res).astype(np.float64)).T
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bs, "DEFAULT_BACKEND", backend)
        got = replicates._linear_sums(rows, n_keys, n_res, seed)
    assert np.array_equal(got.reps, ref)


@SETTINGS
@given(ids=st.lists(st.text(min_size=1, max_size=6), min_size=0, max_size=60), data=st.data())
def test_factorize_ids_is_canonical(ids, data):
    series = pl.Series("work_id", ids, dtype=pl.Utf8)
    uniq, pos = bs.factorize_ids(series)
    assert sorted(uniq.to_list()) == sorted(set(ids)) and len(uniq) == len(set(ids))
    assert uniq.gather(pos).to_list() == ids
    shuffled = data.draw(st.permutations(ids))
    assert bs.factorize_ids(pl.Series(shuffled, dtype=pl.Utf8))[0].to_list() == uniq.to_list()


def test_factorize_ids_survives_hash_collisions():
    ids = pl.Series(["b", "a", "c", "a", "b"])
    with pytest.MonkeyPatch.context() as mp:  # every id gets the same hash
        mp.setattr(bs, "_fnv_numpy", lambda data, offsets: np.zeros(len(offsets) - 1, np.uint64))
        mp.setattr(bs, "_NUMBA_MIN_WORK", 10**18)
        uniq, pos = bs.factorize_ids(ids)
    assert uniq.to_list() == ["a", "b", "c"] and pos.tolist() == [1, 0, 2, 0, 1]


@SETTINGS
@given(case=rows_st(), seed=seed_st, n_res=st.integers(1, 30))
def test_group_sums_equal_a_plain_loop(case, seed, n_res):
    rows, n_keys = case
    pool = rows.get_column("work_id").unique().sort()
    if pool.len() == 0:
        return
    shared = bs.shared_weights(pool, n_res, seed)
    work = shared.positions(rows.get_column("work_id"))
    codes = rows.get_column("key").to_numpy()
    vals = rows.get_column("value").to_numpy()
    wmat = bs.weights(pool, n_res, seed)
    expect = np.zeros((n_res, n_keys))
    for w, k, v in zip(work, codes, vals, strict=True):
        expect[:, k] += wmat[w].astype(np.float64) * v
    results = [bs.group_sums(src, codes, vals, n_keys, work=work, backend=b)
               for src in (shared, wmat) for b in BACKENDS]
    for got in results:
        assert np.array_equal(got, results[0])  # every path: the same additions, same order
        np.testing.assert_allclose(got, expect, rtol=1e-12, atol=1e-6)


def test_group_sums_per_work_default_and_errors():
    ids = ["a", "b", "c"]
    wmat = bs.weights(ids, 8, seed=1)
    got = bs.group_sums(wmat, np.array([0, 1, 0]), np.array([1.0, 2.0, 3.0]), 2)
    assert np.array_equal(got[:, 0], wmat[0] * 1.0 + wmat[2] * 3.0)
    assert np.array_equal(got[:, 1], wmat[1] * 2.0)
    with pytest.raises(UsageError, match="codes must be in"):
        bs.group_sums(wmat, np.array([0, 5, 0]), np.ones(3), 2)
    with pytest.raises(UsageError, match="aligned"):
        bs.group_sums(wmat, np.array([0, 1]), np.ones(3), 2)
    with pytest.raises(UsageError, match="distinct"):
        bs.shared_weights(["a", "a"], 5)
    with pytest.raises(UsageError, match="not in the population"):
        bs.shared_weights(ids, 5).positions(["a", "zz"])
    with pytest.raises(UsageError, match="n_resamples"):
        bs.weights(ids, -1)
    with pytest.raises(UsageError, match="backend"):
        bs.group_sums(wmat, np.zeros(3, int), np.ones(3), 1, backend="gpu")
    with pytest.raises(InputDataError, match="nulls"):
        bs.hash_ids(pl.Series([None, "a"], dtype=pl.Utf8), 0)


# ---- whole statistics: today's functions with the old sums, on random corpora ----------------

COUNTRIES = ["CN", "US", "GB", "DE"]
corpus_st = st.lists(
    st.tuples(st.lists(st.lists(st.sampled_from(COUNTRIES), max_size=2), max_size=4),
              st.integers(2019, 2021)),
    min_size=2, max_size=30,
)


def _corpus(spec):
    from litscan.tables.normalize import work_countries

    works, auth = [], []
    for i, (authors, year) in enumerate(spec):
        works.append({"id": f"W{i}", "year": year})
        for p, cs in enumerate(authors):
            auth.append({"work_id": f"W{i}", "position": p, "countries": cs,
                         "institution_countries": cs})
    w = pl.DataFrame(works, schema={"id": pl.Utf8, "year": pl.Int32})
    a = pl.DataFrame(auth, schema={"work_id": pl.Utf8, "position": pl.Int32,
                                   "countries": pl.List(pl.Utf8),
                                   "institution_countries": pl.List(pl.Utf8)})
    return w, work_countries(a, works=w)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=corpus_st, seed=st.integers(0, 1000), backend=st.sampled_from(BACKENDS))
def test_statistics_equal_the_old_implementation(spec, seed, backend):
    works, wc = _corpus(spec)
    if wc.filter(pl.col("country_code").is_not_null()).height == 0:
        return
    sel_a, sel_b = ag.Selection("US"), ag.Selection("CN", name="CN all years")

    def run():
        return (
            ag.country_shares(wc, works=works, by=("country", "year"), counting="both",
                              n_resamples=40, seed=seed),
            ag.share_difference(wc, sel_a, sel_b, works=works, n_resamples=40, seed=seed),
        )

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bs, "DEFAULT_BACKEND", backend)
        new = run()
        # every module that sums replicates takes the reference kernel
        for module in (stats_compare, stats_shares):
            mp.setattr(module, "_linear_sums", _ref_linear_sums)
        old = run()
    from polars.testing import assert_frame_equal

    for a, b in zip(new, old, strict=True):
        # p_gt0 counts resamples with diff > 0: a diff that is exactly 0 in one summation order
        # can be ±1e-17 in another, so it is compared to within a few resamples
        cols = [c for c in a.columns if c != "p_gt0"]
        assert_frame_equal(a.select(cols), b.select(cols), check_exact=False, rel_tol=1e-9,
                           abs_tol=1e-12)
        if "p_gt0" in a.columns:
            assert abs(a["p_gt0"][0] - b["p_gt0"][0]) <= 0.1
