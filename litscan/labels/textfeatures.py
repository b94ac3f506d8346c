"""Fast, exact text features for the topic model: cleaning, hashed n-gram counts, term prefilter.

The topic model (:mod:`litscan.labels.textmodel`) hashes word n-grams of CSET-style normalised text
(:func:`litscan.labels.catalog.document_text`) with scikit-learn's ``HashingVectorizer`` (MurmurHash3,
seed 0, ``abs(h) % n_features``, no alternate sign). Done in Python, that is one string object per
n-gram and one regex pass per text. Here the same numbers come from whole-batch array work:

* :func:`document_texts` cleans titles and abstracts column-wise in polars (Rust), giving exactly
  ``document_text(title, abstract)`` for every row;
* :func:`hashed_ngram_counts` joins a batch of normalised documents into one byte buffer, finds
  the tokens with numpy, and hashes every n-gram *in place* (in normalised text an n-gram
  ``"w1 w2"`` is a contiguous slice of the buffer) with a vectorised MurmurHash3_x86_32; the
  count matrix is the one ``HashingVectorizer(...).transform(docs)`` returns (same indices,
  summed float32 counts, sorted column indices). Documents that are not in normalised form
  (anything but ``[0-9a-z ]``, or two spaces between words) go through scikit-learn instead, so
  the result is identical for any input;
* :func:`any_term` tells, with one Aho-Corasick pass (polars ``str.contains_any``), which
  normalised documents contain at least one of a set of terms as whole words: the rule regexes
  then only run on those.

:func:`murmurhash3_32` is the vectorised hash itself (equal to
``sklearn.utils.murmurhash3_32(bytes, seed=0)`` for every key).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl
import pyarrow as pa
import scipy.sparse as sp

try:  # optional accelerator: the same numbers, faster (the numpy/polars paths are the reference)
    import numba
except ImportError:  # pragma: no cover - exercised where numba is absent
    numba = None

__all__ = [
    "document_texts",
    "murmurhash3_32",
    "hashed_ngram_counts",
    "is_normalised",
    "any_term",
    "HAS_NUMBA",
]

HAS_NUMBA = numba is not None

_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)
_M5 = np.uint32(5)
_N1 = np.uint32(0xE6546B64)
_F1 = np.uint32(0x85EBCA6B)
_F2 = np.uint32(0xC2B2AE35)
_SPACE = 32


def _clean(col: pl.Expr) -> pl.Expr:
    """``labels.normalize_text`` as a polars expression (lower, non-[0-9a-z] runs -> ' ', strip)."""
    return (
        col.cast(pl.Utf8)
        .fill_null("")
        .str.to_lowercase()
        .str.replace_all(r"[^0-9a-z]+", " ")
        .str.strip_chars(" ")
    )


def _polars_document_texts(titles: pl.Series, abstracts: pl.Series) -> list[str]:
    t, a = _clean(pl.col("t")), _clean(pl.col("a"))
    doc = (
        pl.when(a == "")
        .then(pl.concat_str([t, t], separator=" "))
        .otherwise(pl.concat_str([t, t, a], separator=" "))
    )
    return pl.DataFrame({"t": titles, "a": abstracts}).select(doc.alias("doc"))["doc"].to_list()


def _kernel_normalise(col: pl.Series, nonascii_is_space: bool) -> tuple[list[str], np.ndarray]:
    """Run the byte kernel over a string column: the normalised strings and, unless
    ``nonascii_is_space``, which rows hold non-ASCII bytes (their result is left empty)."""
    arr = col.fill_null("").to_arrow().cast(pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data_buf = arr.buffers()[2]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    out = np.empty(max(int(offsets[-1] - offsets[0]), 1), dtype=np.uint8)
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    nonascii = np.zeros(n, dtype=np.bool_)
    _normalise_kernel(data, offsets, out, out_offsets, nonascii, nonascii_is_space)
    text = out[: out_offsets[-1]].tobytes().decode("ascii")
    return [text[out_offsets[i] : out_offsets[i + 1]] for i in range(n)], nonascii


def _normalise_column(col: pl.Series) -> list[str]:
    """``[normalize_text(x) for x in col]`` in the byte kernel. A string with non-ASCII
    characters is lower-cased by Python first (its Unicode rules can make ASCII letters, e.g.
    KELVIN SIGN -> k); every byte of a non-ASCII character (>= 0x80 in UTF-8) is then one of the
    ``[^0-9a-z]`` characters the rule turns into a space, so the kernel gives the same string."""
    res, nonascii = _kernel_normalise(col, nonascii_is_space=False)
    if nonascii.any():
        idx = np.flatnonzero(nonascii)
        lowered = pl.Series([x.lower() for x in col.gather(idx).to_list()], dtype=pl.Utf8)
        for i, text in zip(idx, _kernel_normalise(lowered, nonascii_is_space=True)[0], strict=True):
            res[i] = text
    return res


def document_texts(
    titles: Sequence | pl.Series, abstracts: Sequence | pl.Series, *, engine: str = "auto"
) -> list[str]:
    """``[labels.document_text(t, a) for t, a in zip(titles, abstracts)]``, computed column-wise:
    the normalised title twice, then the normalised abstract when it is not empty.

    ``engine``: ``"numba"`` (byte kernel for ASCII texts), ``"polars"`` (Rust string
    expressions) or ``"auto"`` (numba when installed)."""
    if engine not in ("auto", "numba", "polars"):
        raise ValueError(f"engine must be auto, numba or polars, got {engine!r}")
    t = pl.Series("t", titles, dtype=pl.Utf8, strict=False)
    a = pl.Series("a", abstracts, dtype=pl.Utf8, strict=False)
    if len(t) != len(a):
        raise ValueError(f"{len(t)} titles but {len(a)} abstracts")
    if engine == "polars" or (engine == "auto" and not HAS_NUMBA):
        return _polars_document_texts(t, a)
    if not HAS_NUMBA:
        raise ValueError("engine='numba' needs numba installed")
    nt, na = _normalise_column(t), _normalise_column(a)
    return [f"{x} {x} {y}" if y else f"{x} {x}" for x, y in zip(nt, na, strict=True)]


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _fmix(h: np.ndarray) -> np.ndarray:
    h ^= h >> np.uint32(16)
    h *= _F1
    h ^= h >> np.uint32(13)
    h *= _F2
    h ^= h >> np.uint32(16)
    return h


def murmurhash3_32(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """MurmurHash3_x86_32 (seed 0) of the byte slices ``buf[s:s+n]``, as int32.

    ``buf`` is a uint8 array, ``starts``/``lengths`` integer arrays. Every key is processed at once
    per 4-byte block: keys are visited longest first so block ``k`` is a prefix of the order."""
    buf = np.ascontiguousarray(buf, dtype=np.uint8)
    n = len(starts)
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    padded = np.concatenate([buf, np.zeros(4, dtype=np.uint8)])
    # the little-endian uint32 that starts at every byte (an unaligned, zero-copy view)
    words = np.ndarray(
        shape=(len(buf) + 1,), dtype="<u4", buffer=padded.data, offset=0, strides=(1,)
    )
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    nblocks = lengths >> 2
    key = -nblocks
    if len(key) and key.min() > np.iinfo(np.int16).min:
        key = key.astype(np.int16)  # a radix sort: linear time
    order = np.argsort(key, kind="stable")
    s_sorted = starts[order]
    nb_sorted = nblocks[order]
    h = np.zeros(n, dtype=np.uint32)
    max_blocks = int(nb_sorted[0]) if n else 0
    # active[k] = number of keys with more than k blocks (a prefix of the sorted order)
    active = np.searchsorted(-nb_sorted, -np.arange(max_blocks), side="left")
    for k in range(max_blocks):
        m = int(active[k])
        k1 = words[s_sorted[:m] + 4 * k]
        k1 *= _C1
        k1 = _rotl(k1, 15)
        k1 *= _C2
        hk = h[:m]
        hk ^= k1
        hk = _rotl(hk, 13)
        hk *= _M5
        hk += _N1
        h[:m] = hk
    out = np.empty(n, dtype=np.uint32)
    out[order] = h
    # tail: the last len % 4 bytes, little-endian
    rem = lengths & 3
    tail_at = starts + (nblocks << 2)
    k1 = words[tail_at]
    mask = (np.uint64(1) << (rem.astype(np.uint64) * np.uint64(8))) - np.uint64(1)
    k1 = (k1.astype(np.uint64) & mask).astype(np.uint32)
    has_tail = rem > 0
    k1 *= _C1
    k1 = _rotl(k1, 15)
    k1 *= _C2
    out ^= np.where(has_tail, k1, np.uint32(0))
    out ^= lengths.astype(np.uint32)
    return _fmix(out).view(np.int32)


def is_normalised(buf: np.ndarray) -> bool:
    """Whether a byte buffer holds only ``[0-9a-z ]`` (the normalised surface form)."""
    table = np.zeros(256, dtype=bool)
    table[ord("0") : ord("9") + 1] = True
    table[ord("a") : ord("z") + 1] = True
    table[_SPACE] = True
    return bool(table[buf].all())


def _sklearn_counts(docs: Sequence[str], n_features: int, ngram_range: tuple[int, int]):
    """The reference: scikit-learn's HashingVectorizer over ``str.split()`` n-grams."""
    from sklearn.feature_extraction.text import HashingVectorizer

    lo, hi = ngram_range

    def analyzer(doc: str) -> list[str]:
        toks = doc.split()
        out = list(toks) if lo == 1 else []
        for n in range(max(lo, 2), hi + 1):
            out += [" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1)]
        return out

    hv = HashingVectorizer(
        n_features=n_features, analyzer=analyzer, alternate_sign=False, norm=None, dtype=np.float32
    )
    return sp.csr_matrix(hv.transform(docs))


def _numpy_counts(
    buf: np.ndarray, doc_start: np.ndarray, n_features: int, ngram_range: tuple[int, int]
) -> sp.csr_matrix | None:
    """The numpy path of :func:`hashed_ngram_counts` (None: not in normalised form)."""
    lo, hi = ngram_range
    n_docs = len(doc_start)
    if not is_normalised(buf):
        return None
    is_tok = buf != _SPACE
    edges = np.diff(np.concatenate([[False], is_tok, [False]]).astype(np.int8))
    tok_start = np.flatnonzero(edges == 1)
    tok_end = np.flatnonzero(edges == -1)
    tok_doc = np.searchsorted(doc_start, tok_start, side="right") - 1
    if len(tok_start) > 1:
        same = tok_doc[1:] == tok_doc[:-1]
        if np.any(same & (tok_start[1:] - tok_end[:-1] != 1)):
            return None  # two spaces between words
    starts, lengths, owners = [], [], []
    for n in range(lo, hi + 1):
        if len(tok_start) < n:
            continue
        first = np.arange(len(tok_start) - n + 1)
        last = first + (n - 1)
        ok = tok_doc[first] == tok_doc[last]
        first, last = first[ok], last[ok]
        starts.append(tok_start[first])
        lengths.append(tok_end[last] - tok_start[first])
        owners.append(tok_doc[first])
    if not starts:
        return sp.csr_matrix((n_docs, n_features), dtype=np.float32)
    s = np.concatenate(starts)
    ln = np.concatenate(lengths)
    owner = np.concatenate(owners)
    h = murmurhash3_32(buf, s, ln).astype(np.int64)
    col = np.abs(h) % n_features  # abs(-2**31) % n == (2**31 - 1 - (n - 1)) % n, as sklearn
    m = sp.csr_matrix(
        (np.ones(len(col), dtype=np.float32), (owner, col)),
        shape=(n_docs, n_features),
        dtype=np.float32,
    )
    m.sum_duplicates()
    return m


# --------------------------------------------------------------------------------------------
# numba kernels (same numbers as the numpy / scikit-learn paths above; compiled once, cached)
# --------------------------------------------------------------------------------------------
if numba is not None:
    _njit = numba.njit(cache=True, nogil=True)
    _U = np.uint64
    _M32 = _U(0xFFFFFFFF)
    _K1, _K2, _K5, _KN = _U(0xCC9E2D51), _U(0x1B873593), _U(5), _U(0xE6546B64)
    _KF1, _KF2 = _U(0x85EBCA6B), _U(0xC2B2AE35)
    _S8, _S13, _S15, _S16, _S17, _S19, _S24 = _U(8), _U(13), _U(15), _U(16), _U(17), _U(19), _U(24)

    @_njit
    def _mm3(buf, s, n):  # pragma: no cover - compiled
        h = _U(0)
        nb = n >> 2
        for b in range(nb):
            p = s + 4 * b
            k = (
                _U(buf[p])
                | (_U(buf[p + 1]) << _S8)
                | (_U(buf[p + 2]) << _S16)
                | (_U(buf[p + 3]) << _S24)
            )
            k = (k * _K1) & _M32
            k = ((k << _S15) | (k >> _S17)) & _M32
            k = (k * _K2) & _M32
            h ^= k
            h = ((h << _S13) | (h >> _S19)) & _M32
            h = (h * _K5 + _KN) & _M32
        r = n & 3
        if r > 0:
            p = s + 4 * nb
            k = _U(0)
            if r == 3:
                k ^= _U(buf[p + 2]) << _S16
            if r >= 2:
                k ^= _U(buf[p + 1]) << _S8
            k ^= _U(buf[p])
            k = (k * _K1) & _M32
            k = ((k << _S15) | (k >> _S17)) & _M32
            k = (k * _K2) & _M32
            h ^= k
        h ^= _U(n)
        h ^= h >> _S16
        h = (h * _KF1) & _M32
        h ^= h >> _S13
        h = (h * _KF2) & _M32
        h ^= h >> _S16
        return h

    @_njit
    def _normalise_kernel(
        data, offsets, out, out_offsets, nonascii, nonascii_is_space
    ):  # pragma: no cover
        """Strings -> ASCII lower case, non-[0-9a-z] runs -> one space, stripped. A byte >= 0x80
        marks the row ``nonascii`` (left empty) unless ``nonascii_is_space``."""
        o = 0
        for i in range(len(offsets) - 1):
            out_offsets[i] = o
            a, b = offsets[i], offsets[i + 1]
            pending = False
            start = o
            for j in range(a, b):
                c = data[j]
                if c >= 128 and not nonascii_is_space:
                    nonascii[i] = True
                    break
                if 65 <= c <= 90:
                    c += 32
                if (48 <= c <= 57) or (97 <= c <= 122):
                    if pending and o > start:
                        out[o] = 32
                        o += 1
                    pending = False
                    out[o] = c
                    o += 1
                else:
                    pending = True
            if nonascii[i]:
                o = start
        out_offsets[len(offsets) - 1] = o

    @_njit
    def _count_kernel(buf, doc_start, doc_end, n_features, lo, hi):  # pragma: no cover
        """Hashed n-gram counts per document as CSR arrays; ok=False if not normalised."""
        n_docs = len(doc_start)
        ub = 0
        max_tok = 0
        for d in range(n_docs):
            ntok = 0
            prev_space = True
            for j in range(doc_start[d], doc_end[d]):
                c = buf[j]
                if c == 32:
                    prev_space = True
                else:
                    if not ((48 <= c <= 57) or (97 <= c <= 122)):
                        return (
                            np.zeros(1, np.int64),
                            np.zeros(0, np.int32),
                            np.zeros(0, np.float32),
                            False,
                        )
                    if prev_space:
                        ntok += 1
                    prev_space = False
            if ntok > max_tok:
                max_tok = ntok
            ub += ntok * (hi - lo + 1)
        indptr = np.zeros(n_docs + 1, np.int64)
        cols = np.empty(ub, np.int32)
        vals = np.empty(ub, np.float32)
        ts = np.empty(max_tok + 1, np.int64)
        te = np.empty(max_tok + 1, np.int64)
        tmp = np.empty(max_tok * (hi - lo + 1) + 1, np.int64)
        nnz = 0
        for d in range(n_docs):
            ntok = 0
            prev_space = True
            for j in range(doc_start[d], doc_end[d]):
                if buf[j] == 32:
                    if not prev_space:
                        te[ntok - 1] = j
                    prev_space = True
                else:
                    if prev_space:
                        ts[ntok] = j
                        ntok += 1
                    prev_space = False
            if not prev_space:
                te[ntok - 1] = doc_end[d]
            for i in range(ntok - 1):
                if ts[i + 1] - te[i] != 1:  # two spaces between words: not normalised
                    return (
                        np.zeros(1, np.int64),
                        np.zeros(0, np.int32),
                        np.zeros(0, np.float32),
                        False,
                    )
            m = 0
            for n in range(lo, hi + 1):
                for i in range(ntok - n + 1):
                    s = ts[i]
                    h = np.int64(_mm3(buf, s, te[i + n - 1] - s))
                    if h >= 2147483648:
                        h -= 4294967296
                    tmp[m] = abs(h) % n_features
                    m += 1
            if m > 0:
                srt = np.sort(tmp[:m])
                cur = srt[0]
                cnt = 1
                for i in range(1, m):
                    if srt[i] == cur:
                        cnt += 1
                    else:
                        cols[nnz] = cur
                        vals[nnz] = cnt
                        nnz += 1
                        cur = srt[i]
                        cnt = 1
                cols[nnz] = cur
                vals[nnz] = cnt
                nnz += 1
            indptr[d + 1] = nnz
        return indptr, cols[:nnz], vals[:nnz], True


def _threads(n_items: int, min_per_thread: int = 2000) -> int:
    """Worker threads for a batch: both cores (at most 2) when each gets enough work."""
    return max(1, min(os.cpu_count() or 1, 2, n_items // min_per_thread))


def _numba_counts(buf, doc_start, doc_end, n_features, lo, hi) -> sp.csr_matrix | None:
    n_docs = len(doc_start)
    k = _threads(n_docs)
    bounds = np.linspace(0, n_docs, k + 1).astype(np.int64)

    def run(i):
        a, b = bounds[i], bounds[i + 1]
        return _count_kernel(buf, doc_start[a:b], doc_end[a:b], n_features, lo, hi)

    if k == 1:
        parts = [run(0)]
    else:
        with ThreadPoolExecutor(k) as ex:
            parts = list(ex.map(run, range(k)))
    if not all(p[3] for p in parts):
        return None
    indptr = [parts[0][0]]
    for p in parts[1:]:
        indptr.append(p[0][1:] + indptr[-1][-1])
    m = sp.csr_matrix(
        (
            np.concatenate([p[2] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate(indptr),
        ),
        shape=(n_docs, n_features),
    )
    m.has_sorted_indices = True
    return m


def hashed_ngram_counts(
    docs: Sequence[str],
    n_features: int,
    ngram_range: tuple[int, int] = (1, 2),
    *,
    engine: str = "auto",
) -> sp.csr_matrix:
    """Hashed word n-gram counts of normalised documents: the float32 CSR matrix that
    ``HashingVectorizer(n_features, analyzer=<str.split() n-grams>, alternate_sign=False,
    norm=None, dtype=float32).transform(docs)`` returns (sorted indices, summed counts).

    ``engine``: ``"numba"`` (compiled kernel, both cores), ``"numpy"`` (whole-array hashing) or
    ``"sklearn"`` (the reference); ``"auto"`` = numba when installed, else numpy. Documents not in
    normalised form (``[0-9a-z]`` words separated by one space) always go through scikit-learn.
    """
    if engine not in ("auto", "numba", "numpy", "sklearn"):
        raise ValueError(f"engine must be auto, numba, numpy or sklearn, got {engine!r}")
    lo, hi = ngram_range
    n_docs = len(docs)
    if n_docs == 0:
        return sp.csr_matrix((0, n_features), dtype=np.float32)
    if engine == "auto":
        engine = "numba" if HAS_NUMBA else "numpy"
    if engine == "numba" and not HAS_NUMBA:
        raise ValueError("engine='numba' needs numba installed")
    joined = " ".join(docs) if engine != "sklearn" else ""
    m = None
    if engine != "sklearn" and joined.isascii():
        buf = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
        lens = np.fromiter((len(d) for d in docs), dtype=np.int64, count=n_docs)
        doc_start = np.concatenate([[0], np.cumsum(lens + 1)[:-1]]).astype(np.int64)
        if engine == "numba":
            m = _numba_counts(buf, doc_start, doc_start + lens, n_features, lo, hi)
        else:
            m = _numpy_counts(buf, doc_start, n_features, ngram_range)
    return m if m is not None else _sklearn_counts(docs, n_features, ngram_range)


def any_term(docs: Sequence[str], terms: Iterable[str]) -> np.ndarray:
    """For each normalised document, whether one of the normalised ``terms`` occurs in it as
    whole words (one Aho-Corasick pass; a document not in normalised form is reported True so the
    caller's exact matcher decides)."""
    pats = sorted({f" {t} " for t in terms if t})
    docs_s = pl.Series("d", list(docs), dtype=pl.Utf8)
    if not pats:
        return np.zeros(len(docs_s), dtype=bool)
    frame = pl.DataFrame({"d": docs_s})
    padded = pl.lit(" ") + pl.col("d") + pl.lit(" ")
    out = frame.select(
        padded.str.contains_any(pats).alias("hit"),
        pl.col("d").str.contains(r"[^0-9a-z ]").alias("odd"),
    )
    return (out["hit"] | out["odd"]).to_numpy()
