"""Abstracts rebuilt from OpenAlex's ``abstract_inverted_index``, one at a time or a batch at once.

OpenAlex ships an abstract as an inverted index, ``{"word": [positions], ...}``. The abstract is
its words placed at their positions and joined by single spaces (:func:`rebuild_abstract`, the
reference semantics):

* positions that no word claims are skipped;
* a position claimed twice keeps the later word (the word that comes later in the index);
* a missing or empty index, or one whose words claim no position, gives ``None``.

:func:`rebuild_raw` does the same for a whole batch of indexes kept as raw JSON text (the
decoder keeps the field as ``msgspec.Raw`` instead of building a dict of lists per work), in one
compiled pass (numba, no Python object per word): it parses each index, sorts its positions and
writes the words into one UTF-8 buffer that becomes a polars String column without copying
per row. An index the fast pass does not handle *exactly* — anything but an object of string
keys and arrays of plain integers, a duplicated key (JSON allows it; a dict keeps the last), an
integer too long for int64, invalid UTF-8, a lone UTF-16 surrogate escape — is decoded with
``msgspec`` and rebuilt by :func:`rebuild_abstract`, so the result is always the reference one;
an index that is not ``dict[str, list[int]]`` is reported as bad (``errors``), never guessed.
Without numba, every index takes that reference path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import msgspec
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)

try:  # optional accelerator: same results, faster
    import numba
except ImportError:  # pragma: no cover - exercised where numba is absent
    numba = None

__all__ = [
    "rebuild_abstract",
    "rebuild_raw",
    "rebuild_strings",
    "rebuild_buffer",
    "decode_inverted",
    "HAS_NUMBA",
]

HAS_NUMBA = numba is not None
_INVERTED = msgspec.json.Decoder(dict[str, list[int]] | None)

OK, EMPTY, SLOW = 0, 1, 2  # per-index status of the compiled pass


def rebuild_abstract(inverted_index: Mapping[str, Iterable[int]] | None) -> str | None:
    """Rebuild an abstract from OpenAlex's ``abstract_inverted_index`` (word -> positions).

    Words are placed at their positions and joined by single spaces; positions that no word claims
    are skipped; a position claimed twice keeps the later word. Returns None for a missing or
    empty index.
    """
    if not inverted_index:
        return None
    slots: dict[int, str] = {}
    for word, positions in inverted_index.items():
        for pos in positions:
            slots[pos] = word
    return " ".join([slots[i] for i in sorted(slots)]) or None


def decode_inverted(text: str | bytes) -> dict[str, list[int]] | None:
    """An ``abstract_inverted_index`` held as JSON text -> dict (``null`` -> None); raises
    ``msgspec.DecodeError``/``ValidationError`` for a malformed one."""
    return _INVERTED.decode(text)


def rebuild_raw(
    raws: Sequence[bytes | memoryview | None],
) -> tuple[pl.Series, dict[int, str]]:
    """Abstracts of a batch of raw JSON inverted indexes (``None`` or ``b"null"`` = no index).

    Returns the ``abstract`` String series (one row per input, null where there is no abstract
    or the index is bad) and ``errors``: input position -> why that index is not
    ``dict[str, list[int]]`` (msgspec's message); a caller treats those records as bad."""
    n = len(raws)
    chunks = [b"null" if r is None else r for r in raws]
    lengths = np.fromiter(map(len, chunks), dtype=np.int64, count=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    buf = np.frombuffer(b"".join(chunks), dtype=np.uint8)
    return rebuild_buffer(buf, offsets, lambda i: chunks[i])


def rebuild_strings(texts: pl.Series) -> tuple[pl.Series, dict[int, str]]:
    """:func:`rebuild_raw` for a String series of JSON texts (null = no index), read straight
    from its Arrow buffers (the Parquet snapshot keeps the index as JSON text)."""
    arr = texts.fill_null("null").cast(pl.String).to_arrow()
    arr = pa.compute.cast(arr, pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    _, off_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    buf = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return rebuild_buffer(buf, offsets, lambda i: texts[i])


def rebuild_buffer(
    buf: np.ndarray, offsets: np.ndarray, raw_of
) -> tuple[pl.Series, dict[int, str]]:
    """:func:`rebuild_raw` over one concatenated UTF-8 buffer and ``offsets`` (n + 1);
    ``raw_of(i)`` gives index ``i``'s raw text for the reference path."""
    n = offsets.size - 1
    if numba is not None and n:
        out, out_off, status = _rebuild_nb(buf, offsets)
    else:
        out = np.zeros(0, dtype=np.uint8)
        out_off = np.zeros(n + 1, dtype=np.int64)
        status = np.full(n, SLOW, dtype=np.uint8)
    valid = status == OK
    arr = pa.LargeStringArray.from_buffers(
        n,
        pa.py_buffer(out_off),
        pa.py_buffer(out),
        pa.py_buffer(np.packbits(valid, bitorder="little")),
    )
    series = pl.from_arrow(arr)
    assert isinstance(series, pl.Series)
    series = series.cast(pl.String).alias("abstract")
    errors: dict[int, str] = {}
    slow = np.flatnonzero(status == SLOW)
    if slow.size:
        idx: list[int] = []
        texts: list[str | None] = []
        for i in slow.tolist():
            raw = raw_of(i)
            try:
                inv = None if raw is None else decode_inverted(raw)
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
                errors[i] = f"abstract_inverted_index: {exc}"
                continue
            idx.append(i)
            texts.append(rebuild_abstract(inv))
        if idx:
            series = series.scatter(idx, pl.Series(texts, dtype=pl.String))
    return series, errors


# --------------------------------------------------------------------------------------------
# the compiled pass
# --------------------------------------------------------------------------------------------

if numba is not None:

    @numba.njit(cache=True, nogil=True)
    def _ws(buf, i, end):  # pragma: no cover - compiled
        while i < end and (buf[i] == 32 or buf[i] == 9 or buf[i] == 10 or buf[i] == 13):
            i += 1
        return i

    @numba.njit(cache=True, nogil=True)
    def _hex(c):  # pragma: no cover - compiled
        if 48 <= c <= 57:
            return c - 48
        if 97 <= c <= 102:
            return c - 87
        if 65 <= c <= 70:
            return c - 55
        return -1

    @numba.njit(cache=True, nogil=True)
    def _hex4(buf, i, end):  # pragma: no cover - compiled
        if i + 4 > end:
            return -1
        v = 0
        for k in range(4):
            h = _hex(buf[i + k])
            if h < 0:
                return -1
            v = v * 16 + h
        return v

    @numba.njit(cache=True, nogil=True)
    def _utf8_ok(buf, s, e):  # pragma: no cover - compiled
        """Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF) of buf[s:e] (raw bytes,
        escapes excluded by the caller)."""
        i = s
        while i < e:
            c = buf[i]
            if c < 0x20:  # a raw control character: not valid JSON text
                return False
            if c < 0x80:
                i += 1
                continue
            if 0xC2 <= c <= 0xDF:
                need, lo, hi = 1, 0x80, 0xBF
            elif c == 0xE0:
                need, lo, hi = 2, 0xA0, 0xBF
            elif 0xE1 <= c <= 0xEC or 0xEE <= c <= 0xEF:
                need, lo, hi = 2, 0x80, 0xBF
            elif c == 0xED:
                need, lo, hi = 2, 0x80, 0x9F
            elif c == 0xF0:
                need, lo, hi = 3, 0x90, 0xBF
            elif 0xF1 <= c <= 0xF3:
                need, lo, hi = 3, 0x80, 0xBF
            elif c == 0xF4:
                need, lo, hi = 3, 0x80, 0x8F
            else:
                return False
            if i + need >= e:
                return False
            b1 = buf[i + 1]
            if b1 < lo or b1 > hi:
                return False
            for k in range(2, need + 1):
                b = buf[i + k]
                if b < 0x80 or b > 0xBF:
                    return False
            i += need + 1
        return True

    @numba.njit(cache=True, nogil=True)
    def _key_bytes(buf, s, e, dst, d):  # pragma: no cover - compiled
        """Unescape the JSON string body buf[s:e] into dst[d:]; returns the new d, or -1 for
        an escape the fast pass does not take (a lone surrogate, a malformed escape)."""
        i = s
        while i < e:
            c = buf[i]
            if c != 92:  # backslash
                dst[d] = c
                d += 1
                i += 1
                continue
            if i + 1 >= e:
                return -1
            x = buf[i + 1]
            i += 2
            if x == 34 or x == 92 or x == 47:
                dst[d] = x
            elif x == 98:
                dst[d] = 8
            elif x == 102:
                dst[d] = 12
            elif x == 110:
                dst[d] = 10
            elif x == 114:
                dst[d] = 13
            elif x == 116:
                dst[d] = 9
            elif x == 117:
                cp = _hex4(buf, i, e)
                if cp < 0:
                    return -1
                i += 4
                if 0xD800 <= cp <= 0xDBFF:  # a high surrogate must be followed by a low one
                    if i + 6 > e or buf[i] != 92 or buf[i + 1] != 117:
                        return -1
                    lo = _hex4(buf, i + 2, e)
                    if lo < 0xDC00 or lo > 0xDFFF:
                        return -1
                    i += 6
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                elif 0xDC00 <= cp <= 0xDFFF:
                    return -1
                if cp < 0x80:
                    dst[d] = cp
                elif cp < 0x800:
                    dst[d] = 0xC0 | (cp >> 6)
                    d += 1
                    dst[d] = 0x80 | (cp & 0x3F)
                elif cp < 0x10000:
                    dst[d] = 0xE0 | (cp >> 12)
                    d += 1
                    dst[d] = 0x80 | ((cp >> 6) & 0x3F)
                    d += 1
                    dst[d] = 0x80 | (cp & 0x3F)
                else:
                    dst[d] = 0xF0 | (cp >> 18)
                    d += 1
                    dst[d] = 0x80 | ((cp >> 12) & 0x3F)
                    d += 1
                    dst[d] = 0x80 | ((cp >> 6) & 0x3F)
                    d += 1
                    dst[d] = 0x80 | (cp & 0x3F)
            else:
                return -1
            d += 1
        return d

    @numba.njit(cache=True, nogil=True)
    def _parse(buf, s, end, ks, ke, pos, who):  # pragma: no cover - compiled
        """Parse one index buf[s:end] into key spans (ks, ke) and (pos, who = key number)
        entries. Returns (status, n_keys, n_entries)."""
        i = _ws(buf, s, end)
        if i >= end:  # no JSON at all: the reference path names the error
            return SLOW, 0, 0
        if buf[i] == 110:  # null
            if (
                i + 4 <= end
                and buf[i + 1] == 117
                and buf[i + 2] == 108
                and buf[i + 3] == 108
                and _ws(buf, i + 4, end) == end
            ):
                return EMPTY, 0, 0
            return SLOW, 0, 0
        if buf[i] != 123:  # {
            return SLOW, 0, 0
        i = _ws(buf, i + 1, end)
        nk = 0
        ne = 0
        if i < end and buf[i] == 125:
            return EMPTY, 0, 0
        while True:
            if i >= end or buf[i] != 34:
                return SLOW, 0, 0
            i += 1
            a = i
            while i < end and buf[i] != 34:
                if buf[i] == 92:
                    i += 1
                i += 1
            if i >= end:
                return SLOW, 0, 0
            if nk >= ks.size:
                return SLOW, 0, 0
            ks[nk] = a
            ke[nk] = i
            i = _ws(buf, i + 1, end)
            if i >= end or buf[i] != 58:  # :
                return SLOW, 0, 0
            i = _ws(buf, i + 1, end)
            if i >= end or buf[i] != 91:  # [
                return SLOW, 0, 0
            i = _ws(buf, i + 1, end)
            if i < end and buf[i] == 93:  # empty list
                i += 1
            else:
                while True:
                    neg = False
                    if i < end and buf[i] == 45:
                        neg = True
                        i += 1
                    v = 0
                    nd = 0
                    while i < end and 48 <= buf[i] <= 57:
                        v = v * 10 + (buf[i] - 48)
                        nd += 1
                        i += 1
                    if nd == 0 or nd > 18 or (nd > 1 and buf[i - nd] == 48):
                        return SLOW, 0, 0
                    if ne >= pos.size:
                        return SLOW, 0, 0
                    pos[ne] = -v if neg else v
                    who[ne] = nk
                    ne += 1
                    i = _ws(buf, i, end)
                    if i < end and buf[i] == 44:
                        i = _ws(buf, i + 1, end)
                        continue
                    if i < end and buf[i] == 93:
                        i += 1
                        break
                    return SLOW, 0, 0
            nk += 1
            i = _ws(buf, i, end)
            if i < end and buf[i] == 44:
                i = _ws(buf, i + 1, end)
                continue
            if i < end and buf[i] == 125:
                break
            return SLOW, 0, 0
        if _ws(buf, i + 1, end) != end:
            return SLOW, 0, 0
        return OK, nk, ne

    @numba.njit(cache=True, nogil=True)
    def _fnv(buf, s, e):  # pragma: no cover - compiled
        h = np.uint64(14695981039346656037)
        for j in range(s, e):
            h = (h ^ np.uint64(buf[j])) * np.uint64(1099511628211)
        return h

    @numba.njit(cache=True, nogil=True)
    def _rebuild_nb(buf, offsets):  # pragma: no cover - compiled
        n = offsets.size - 1
        status = np.empty(n, dtype=np.uint8)
        out_off = np.zeros(n + 1, dtype=np.int64)
        cap = max(1024, buf.size + buf.size // 2)
        out = np.empty(cap, dtype=np.uint8)
        # scratch sized for the largest index: a key or a position takes >= 2 bytes of JSON
        widest = 0
        for r in range(n):
            widest = max(widest, offsets[r + 1] - offsets[r])
        room = widest // 2 + 2
        ks = np.empty(room, dtype=np.int64)
        ke = np.empty(room, dtype=np.int64)
        pos = np.empty(room, dtype=np.int64)
        who = np.empty(room, dtype=np.int64)
        hashes = np.empty(room, dtype=np.uint64)
        kbuf = np.empty(widest + 8, dtype=np.uint8)
        kstart = np.empty(room + 1, dtype=np.int64)
        table = np.zeros(16, dtype=np.uint64)
        slots = np.empty(1024, dtype=np.int64)
        d = 0
        for r in range(n):
            out_off[r] = d
            st, nk, ne = _parse(buf, offsets[r], offsets[r + 1], ks, ke, pos, who)
            if st == OK and ne == 0:
                st = EMPTY
            if st != OK:
                status[r] = st
                continue
            # unescape and validate every key once into kbuf; hash for duplicate detection
            kd = 0
            for k in range(nk):
                kstart[k] = kd
                if not _utf8_ok(buf, ks[k], ke[k]):
                    st = SLOW
                    break
                kd = _key_bytes(buf, ks[k], ke[k], kbuf, kd)
                if kd < 0:
                    st = SLOW
                    break
                hashes[k] = _fnv(kbuf, kstart[k], kd)
            if st != OK:
                status[r] = st
                continue
            kstart[nk] = kd
            # a repeated key (or a hash collision): the reference path decides
            size = 16
            while size < 2 * nk:
                size *= 2
            if size > table.size:
                table = np.zeros(size, dtype=np.uint64)
            table[:size] = 0
            dup = False
            mask = np.uint64(size - 1)
            for k in range(nk):
                h = hashes[k] | np.uint64(1)  # 0 marks an empty slot
                t = np.int64(h & mask)
                while table[t] != 0:
                    if table[t] == h:
                        dup = True
                        break
                    t = np.int64((t + 1) & (size - 1))
                if dup:
                    break
                table[t] = h
            if dup:
                status[r] = SLOW
                continue
            # positions -> slots (a later entry overwrites: the later word wins); an index whose
            # positions are spread far wider than its words takes the reference path
            lo = pos[0]
            hi = pos[0]
            for j in range(ne):
                lo = min(lo, pos[j])
                hi = max(hi, pos[j])
            span = hi - lo + 1
            if span > 4 * ne + 64:
                status[r] = SLOW
                continue
            if span > slots.size:
                slots = np.empty(2 * span, dtype=np.int64)
            slots[:span] = -1
            for j in range(ne):
                slots[pos[j] - lo] = who[j]
            need = 0
            for k in range(span):
                w = slots[k]
                if w >= 0:
                    need += kstart[w + 1] - kstart[w] + 1
            if d + need > out.size:
                bigger = np.empty(max(out.size * 2, d + need + 1024), dtype=np.uint8)
                bigger[:d] = out[:d]
                out = bigger
            first = True
            for k in range(span):
                w = slots[k]
                if w < 0:
                    continue
                if not first:
                    out[d] = 32
                    d += 1
                first = False
                for b in range(kstart[w], kstart[w + 1]):
                    out[d] = kbuf[b]
                    d += 1
            if d == out_off[r]:  # only empty words: " ".join gives "" -> None
                status[r] = EMPTY
            else:
                status[r] = OK
        out_off[n] = d
        return out[:d].copy(), out_off, status
