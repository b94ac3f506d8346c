"""The typed decoder: OpenAlex work JSON -> flat raw frames, validated record by record.

Only the fields litscan uses are materialised (``msgspec`` structs: :class:`Work`); everything else
in a record is skipped by the parser. A batch of JSON Lines is decoded in one call; when that call
fails, the batch is decoded line by line so that each bad record is named (its record number and,
when it can be found, its work id) and either skipped and counted in :class:`RecordIssues`
(``on_bad_record="skip"``, the default) or raised as :class:`MalformedRecordError` (``"raise"``).

What a bad record is (and what is coerced instead), the guarantees of ``docs/scale.md``:

* a field of the wrong JSON type (``primary_topic`` as a list, ``primary_location.source`` as a
  string, abstract positions as an int, a string ``publication_year``), invalid JSON, invalid
  Unicode (a lone UTF-16 surrogate), nesting deeper than the parser's limit, a line longer than
  the reader's limit: the record is bad;
* ``authorships[].countries`` given as one string (``"US"``) is *coerced* to one code
  (``["US"]``, never ``["U", "S"]``) and counted as a coercion, with a logged warning.

The abstract's inverted index is kept as raw JSON (``msgspec.Raw``: no dict of lists per work)
and rebuilt for the whole batch in one compiled pass (:func:`litscan.tables.abstracts.rebuild_raw`); an
index that is not ``dict[str, list[int]]`` makes its record bad, as any other wrong type.

The result, :class:`Decoded`, holds three flat polars frames (works, authorships, topics; raw
values, not yet normalised) and the rebuilt abstracts, one per works row, for
:mod:`litscan.tables.normalize` (the one normaliser).
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Annotated, Any, Literal

import msgspec
import polars as pl
import pyarrow as pa

from litscan.errors import MalformedRecordError
from litscan.tables.abstracts import decode_inverted, rebuild_raw
from litscan.tables.issues import (  # noqa: F401 - re-exported (older imports)
    LOG_FIRST,
    MAX_BAD_RATIO,
    MAX_EXAMPLES,
    MIN_BAD_TO_STOP,
    RecordIssues,
)

__all__ = [
    "Work",
    "RecordIssues",
    "Decoded",
    "OnBadRecord",
    "WORKS_RAW",
    "AUTHORSHIPS_RAW",
    "TOPICS_RAW",
    "decode_jsonl",
    "encode_records",
    "from_structs",
    "empty_decoded",
    "guess_work_id",
    "too_long_marker",
    "decode_inverted",
    "no_gc",
]

log = logging.getLogger("litscan.tables.decode")
OnBadRecord = Literal["skip", "raise"]


# ---- the fields litscan reads ------------------------------------------------------------------


class IdName(msgspec.Struct, gc=False):
    id: str | None = None
    display_name: str | None = None


class Topic(msgspec.Struct, gc=False):
    id: str | None = None
    display_name: str | None = None
    score: float | None = None
    subfield: IdName | None = None
    field: IdName | None = None
    domain: IdName | None = None


class Institution(msgspec.Struct, gc=False):
    id: str | None = None
    country_code: str | None = None


class Author(msgspec.Struct, gc=False):
    id: str | None = None


class Authorship(msgspec.Struct):
    author: Author | None = None
    institutions: list[Institution] | None = None
    countries: list[str | None] | str | None = None  # a string is coerced to one code


class Percentile(msgspec.Struct, gc=False):
    value: float | None = None
    is_in_top_1_percent: bool | None = None
    is_in_top_10_percent: bool | None = None


class Location(msgspec.Struct, gc=False):
    source: IdName | None = None


Year = Annotated[int, msgspec.Meta(ge=-9999, le=9999)]
Count = Annotated[int, msgspec.Meta(ge=0, le=2**62)]


class Work(msgspec.Struct):
    """The fields of an OpenAlex work that litscan uses, with their JSON types."""

    id: str | None = None
    doi: str | None = None
    title: str | None = None
    display_name: str | None = None
    #: raw JSON (``null`` when absent), rebuilt in bulk by :func:`litscan.tables.abstracts.rebuild_raw`
    abstract_inverted_index: msgspec.Raw = msgspec.Raw(b"null")
    publication_year: Year | None = None
    publication_date: str | None = None
    type: str | None = None
    language: str | None = None
    cited_by_count: Count | None = None
    fwci: float | None = None
    citation_normalized_percentile: Percentile | None = None
    primary_topic: Topic | None = None
    topics: list[Topic] | None = None
    primary_location: Location | None = None
    is_retracted: bool | None = None
    is_authors_truncated: bool | None = None
    authorships: list[Authorship] | None | msgspec.UnsetType = msgspec.UNSET


_DECODER = msgspec.json.Decoder(Work)
_ENCODER = msgspec.json.Encoder()
_S = pl.String

#: flat raw works: one row per decoded record (``record`` = its number in the source)
WORKS_RAW: dict[str, pl.DataType] = {
    "record": pl.Int64,
    "id": _S,
    "doi": _S,
    "title": _S,
    "display_name": _S,
    "publication_year": pl.Int64,
    "publication_date": _S,
    "type": _S,
    "language": _S,
    "cited_by_count": pl.Int64,
    "fwci": pl.Float64,
    "pct_value": pl.Float64,
    "pct_top1": pl.Boolean,
    "pct_top10": pl.Boolean,
    "pt_id": _S,
    "pt_name": _S,
    "pt_subfield_id": _S,
    "pt_subfield": _S,
    "pt_field_id": _S,
    "pt_field": _S,
    "pt_domain_id": _S,
    "pt_domain": _S,
    "source_id": _S,
    "source_name": _S,
    "is_retracted": pl.Boolean,
    "is_authors_truncated": pl.Boolean,
    "n_authors": pl.Int64,
}
#: flat raw authorships: one row per authorship (``row`` = the work's row in the works frame)
AUTHORSHIPS_RAW: dict[str, pl.DataType] = {
    "row": pl.UInt32,
    "position": pl.Int64,
    "author_id": _S,
    "institution_ids": pl.List(_S),
    "institution_countries": pl.List(_S),
    "countries": pl.List(_S),
}
#: flat raw topics: one row per topic of a work
TOPICS_RAW: dict[str, pl.DataType] = {
    "row": pl.UInt32,
    "rank": pl.Int64,
    "id": _S,
    "display_name": _S,
    "score": pl.Float64,
    "subfield_id": _S,
    "subfield": _S,
    "field_id": _S,
    "field": _S,
    "domain_id": _S,
    "domain": _S,
}


# ---- what went wrong ---------------------------------------------------------------------------


@dataclass
class Decoded:
    """A decoded batch: flat raw frames (:data:`WORKS_RAW`, :data:`AUTHORSHIPS_RAW`,
    :data:`TOPICS_RAW`) and ``abstracts`` (String, the rebuilt abstract of each works row)."""

    works: pl.DataFrame
    authorships: pl.DataFrame
    topics: pl.DataFrame
    abstracts: pl.Series
    issues: RecordIssues = field(default_factory=RecordIssues)


def empty_decoded() -> Decoded:
    return Decoded(
        works=pl.DataFrame(schema=WORKS_RAW),
        authorships=pl.DataFrame(schema=AUTHORSHIPS_RAW),
        topics=pl.DataFrame(schema=TOPICS_RAW),
        abstracts=pl.Series("abstract", [], dtype=pl.String),
    )


# ---- decoding ----------------------------------------------------------------------------------

_ID_RE = re.compile(rb'"id"\s*:\s*"([^"\\]{1,200})"')


def guess_work_id(line: bytes) -> str | None:
    """The first ``"id": "…"`` of a raw line (a work's own id comes first in OpenAlex records),
    short form; used only to name a record that could not be decoded."""
    if line.startswith(TOO_LONG):
        return line[len(TOO_LONG) :].decode().split(":", 2)[2] or None
    m = _ID_RE.search(line[:4096])
    if not m:
        return None
    return m.group(1).decode("utf-8", "replace").rstrip("/").rsplit("/", 1)[-1] or None


TOO_LONG = b"\x00litscan-too-long:"


def too_long_marker(n_bytes: int, limit: int, head: bytes) -> bytes:
    """The line the reader puts in place of a line longer than ``limit`` (never valid JSON):
    its length, the limit and the work id found in its first bytes."""
    return TOO_LONG + f"{n_bytes}:{limit}:{guess_work_id(head) or ''}".encode()


def _reason(exc: BaseException, line: bytes) -> str:
    if line.startswith(TOO_LONG):
        n, limit, _ = line[len(TOO_LONG) :].decode().split(":", 2)
        return (
            f"line of {int(n):,} bytes is longer than the limit ({int(limit):,} bytes; "
            "--max-line-mb), not read"
        )
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, msgspec.ValidationError):
        return f"wrong type: {exc}"
    if isinstance(exc, msgspec.DecodeError):
        if b"\\ud" in line.lower() and _lone_surrogate(line):
            return "invalid Unicode (a lone UTF-16 surrogate escape)"
        return f"not valid JSON ({exc})"
    return f"{type(exc).__name__}: {exc}"


_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _lone_surrogate(line: bytes) -> bool:
    return _SURROGATE.search(line) is not None


@contextmanager
def no_gc() -> Iterator[None]:
    """Decoding allocates millions of small containers; the cyclic GC would rescan them all
    (they cannot form cycles), so it is paused for the batch."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def decode_jsonl(
    buf: bytes,
    *,
    source: str = "records",
    offset: int = 0,
    numbers: Sequence[int] | None = None,
    on_bad_record: OnBadRecord = "skip",
    issues: RecordIssues | None = None,
) -> Decoded:
    """JSON Lines bytes -> :class:`Decoded`. Blank lines are ignored. Record ``k`` (0-based, among
    the non-blank lines) is called ``numbers[k]`` in messages when ``numbers`` is given, else
    ``offset + k``. A line the reader cut for its length (:func:`too_long_marker`) is a bad
    record like any other."""
    issues = RecordIssues() if issues is None else issues

    def number_of(k: int) -> int:
        return numbers[k] if numbers is not None else offset + k

    with no_gc():
        try:
            works: list[Work] = _DECODER.decode_lines(buf)
            kept = range(len(works))
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            works, kept = [], []
            k = 0
            for line in buf.split(b"\n"):
                if not line.strip():
                    continue
                try:
                    works.append(_DECODER.decode(line))
                    kept.append(k)
                except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
                    msg = (
                        f"{source}: record {number_of(k)}{_named(guess_work_id(line))}: "
                        f"{_reason(exc, line)}"
                    )
                    _bad(issues, on_bad_record, msg)
                k += 1
        records = [number_of(k) for k in kept]
        abstracts, errors = rebuild_raw([w.abstract_inverted_index for w in works])
        if errors:  # an inverted index of the wrong type: the record is bad
            for i, why in errors.items():
                wid = works[i].id
                _bad(
                    issues,
                    on_bad_record,
                    f"{source}: record {records[i]}{_named(wid)}: wrong type: {why}",
                )
            good = [i for i in range(len(works)) if i not in errors]
            works = [works[i] for i in good]
            records = [records[i] for i in good]
            abstracts = abstracts.gather(good)
        return from_structs(
            works, records=records, source=source, issues=issues, abstracts=abstracts
        )


def _named(wid: Any) -> str:
    if not isinstance(wid, str) or not wid:
        return ""
    return f" ({wid.rstrip('/').rsplit('/', 1)[-1][:60]})"


def _bad(issues: RecordIssues, policy: OnBadRecord, msg: str) -> None:
    if policy == "raise":
        raise MalformedRecordError(
            msg, hint="fix or drop that record, or rerun with bad records skipped (the default)"
        )
    issues.skip(msg)


def encode_records(
    records: Iterable[Any], *, source: str, on_bad_record: OnBadRecord, issues: RecordIssues
) -> tuple[bytes, list[int]]:
    """Python records (the API path) -> JSON Lines bytes for :func:`decode_jsonl`, and the
    original number of each encoded record. A record that is not a JSON object or cannot be
    encoded (invalid Unicode, nesting too deep) is bad."""
    recs = records if isinstance(records, list) else list(records)
    if all(isinstance(r, Mapping) for r in recs):
        try:
            return _ENCODER.encode_lines(recs), list(range(len(recs)))
        except (TypeError, ValueError, UnicodeEncodeError, RecursionError, OverflowError):
            pass
    lines: list[bytes] = []
    numbers: list[int] = []
    for i, rec in enumerate(recs):
        if not isinstance(rec, Mapping):
            _bad(
                issues,
                on_bad_record,
                f"{source}: record {i}: expected a JSON object (an OpenAlex work), got "
                f"{type(rec).__name__}",
            )
            continue
        try:
            lines.append(_ENCODER.encode(rec))
            numbers.append(i)
        except UnicodeEncodeError:
            wid = rec.get("id")
            _bad(
                issues,
                on_bad_record,
                f"{source}: record {i}{_named(wid)}: invalid Unicode (a lone UTF-16 surrogate)",
            )
        except (TypeError, ValueError, RecursionError, OverflowError) as exc:
            wid = rec.get("id")
            what = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            _bad(
                issues,
                on_bad_record,
                f"{source}: record {i}{_named(wid)}: cannot be read ({what})",
            )
    return b"\n".join(lines) + b"\n" if lines else b"", numbers


# ---- structs -> flat frames --------------------------------------------------------------------


def _list_series(name: str, offsets: list[int], values: list[Any]) -> pl.Series:
    """A List(String) column from flat values and offsets (no per-row Python lists)."""
    # through polars' own arrays: pyarrow.array() on Python lists would import pandas
    arr = pa.LargeListArray.from_arrays(
        pl.Series(offsets, dtype=pl.Int64).to_arrow(),
        pl.Series(values, dtype=pl.String).to_arrow(),
    )
    out = pl.from_arrow(arr)
    assert isinstance(out, pl.Series)
    return out.alias(name).cast(pl.List(pl.String))


_PLAIN = (
    "id",
    "doi",
    "title",
    "display_name",
    "publication_year",
    "publication_date",
    "type",
    "language",
    "cited_by_count",
    "fwci",
    "is_retracted",
    "is_authors_truncated",
)
_PCT = attrgetter("citation_normalized_percentile")
_PT = attrgetter("primary_topic")
_LOC = attrgetter("primary_location")


def from_structs(
    works: Sequence[Work],
    *,
    records: Sequence[int] | None = None,
    source: str = "records",
    issues: RecordIssues | None = None,
    abstracts: pl.Series | None = None,
) -> Decoded:
    """Decoded :class:`Work` structs -> :class:`Decoded` (flat, raw values). ``records`` are the
    records' numbers in their source, for messages (default 0..n-1); ``abstracts`` the rebuilt
    abstracts when the caller has them (else rebuilt here; a bad index raises
    :class:`MalformedRecordError`)."""
    issues = RecordIssues() if issues is None else issues
    if abstracts is None:
        abstracts, errors = rebuild_raw([w.abstract_inverted_index for w in works])
        if errors:
            i, why = next(iter(errors.items()))
            raise MalformedRecordError(f"{source}: record {i}{_named(works[i].id)}: {why}")
    n = len(works)
    nums = list(range(n)) if records is None else list(records)
    w: dict[str, list[Any]] = {"record": nums}
    for name in _PLAIN:
        w[name] = list(map(attrgetter(name), works))
    pcts = list(map(_PCT, works))
    w["pct_value"] = [None if p is None else p.value for p in pcts]
    w["pct_top1"] = [None if p is None else p.is_in_top_1_percent for p in pcts]
    w["pct_top10"] = [None if p is None else p.is_in_top_10_percent for p in pcts]
    pts = list(map(_PT, works))
    w["pt_id"] = [None if p is None else p.id for p in pts]
    w["pt_name"] = [None if p is None else p.display_name for p in pts]
    for level in ("subfield", "field", "domain"):
        get = attrgetter(level)
        vals = [None if p is None else get(p) for p in pts]
        w[f"pt_{level}_id"] = [None if v is None else v.id for v in vals]
        w[f"pt_{level}"] = [None if v is None else v.display_name for v in vals]
    locs = list(map(_LOC, works))
    srcs = [None if loc is None else loc.source for loc in locs]
    w["source_id"] = [None if v is None else v.id for v in srcs]
    w["source_name"] = [None if v is None else v.display_name for v in srcs]
    a_row: list[int] = []
    a_pos: list[int] = []
    a_author: list[str | None] = []
    i_off = [0]
    i_id: list[str | None] = []
    i_cc: list[str | None] = []
    c_off = [0]
    c_val: list[str | None] = []
    t: dict[str, list[Any]] = {name: [] for name in TOPICS_RAW}
    n_authors: list[int | None] = []
    for row, (rec, k) in enumerate(zip(works, nums, strict=True)):
        aus = rec.authorships
        if aus is msgspec.UNSET:
            n_authors.append(None)
        elif not aus:
            n_authors.append(0)
        else:
            n_authors.append(len(aus))
            for pos, au in enumerate(aus):
                a_row.append(row)
                a_pos.append(pos)
                a_author.append(None if au.author is None else au.author.id)
                if au.institutions:
                    for inst in au.institutions:
                        i_id.append(inst.id)
                        i_cc.append(inst.country_code)
                i_off.append(len(i_id))
                cc = au.countries
                if cc:
                    if isinstance(cc, str):
                        issues.coerce(
                            f"{source}: record {k}{_named(rec.id)}: "
                            f"authorships[{pos}].countries is the string {cc[:20]!r}, read as "
                            "one country code"
                        )
                        c_val.append(cc)
                    else:
                        c_val.extend(cc)
                c_off.append(len(c_val))
        if rec.topics:
            for rank, tp in enumerate(rec.topics):
                t["row"].append(row)
                t["rank"].append(rank)
                t["id"].append(tp.id)
                t["display_name"].append(tp.display_name)
                t["score"].append(tp.score)
                for level, v in (
                    ("subfield", tp.subfield),
                    ("field", tp.field),
                    ("domain", tp.domain),
                ):
                    t[f"{level}_id"].append(None if v is None else v.id)
                    t[level].append(None if v is None else v.display_name)
    w["n_authors"] = n_authors
    works_df = pl.DataFrame({name: w[name] for name in WORKS_RAW}, schema=WORKS_RAW)
    au_df = pl.DataFrame(
        [
            pl.Series("row", a_row, pl.UInt32),
            pl.Series("position", a_pos, pl.Int64),
            pl.Series("author_id", a_author, pl.String),
            _list_series("institution_ids", i_off, i_id),
            _list_series("institution_countries", i_off, i_cc),
            _list_series("countries", c_off, c_val),
        ]
    )
    topics_df = pl.DataFrame(t, schema=TOPICS_RAW)
    return Decoded(
        works=works_df,
        authorships=au_df.cast(AUTHORSHIPS_RAW),
        topics=topics_df,
        abstracts=abstracts,
        issues=issues,
    )
