"""Reading an OpenAlex snapshot: its partitions, and each partition as decoded batches.

The snapshot keeps works as ``data/works/updated_date=YYYY-MM-DD/part_NNN.gz`` (gzip JSON Lines,
one work per line) with a ``manifest`` (JSON: ``entries[].url`` and ``meta.record_count``); newer
snapshots also ship the same partitions as Parquet (``part_NNN.parquet``).

* :func:`list_partitions` lists them in manifest order; an entry pointing outside the works
  folder (``../``, an absolute path), a partition that resolves outside the snapshot folder (a
  symbolic link, of the file or of its ``updated_date=`` folder, to elsewhere) or one with a
  malformed ``record_count`` is returned with an ``error`` (the runner marks it failed and goes
  on).
* :func:`iter_jsonl_batches` gunzips (``isal`` when installed, else ``gzip``) in chunks of about
  ``batch_bytes`` ending at line boundaries, in linear time; a line longer than
  ``max_line_bytes`` is not kept in memory but replaced by a marker that the decoder reports as a
  bad record, so memory is bounded by ``batch_bytes + max_line_bytes`` whatever the input.
* :func:`iter_decoded` yields :class:`litscan.tables.decode.Decoded` batches of one partition (JSON via
  the typed decoder; Parquet via :func:`decode_frame`), gunzip running one batch ahead in a thread.

Parquet snapshot assumption: the same nested work objects as the JSON (struct / list columns,
OpenAlex field names) with ``abstract_inverted_index`` stored as a JSON *string* (a map with
arbitrary keys has no fixed Parquet struct type); extra columns and struct fields are ignored and
missing ones become nulls (:func:`conform`); a column of another type fails the partition.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import posixpath
import queue
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import polars as pl

from litscan.config import DEFAULT_BATCH_BYTES, DEFAULT_MAX_LINE_BYTES
from litscan.errors import InputDataError, MalformedRecordError
from litscan.tables.abstracts import rebuild_strings
from litscan.tables.decode import (
    AUTHORSHIPS_RAW,
    TOPICS_RAW,
    WORKS_RAW,
    Decoded,
    OnBadRecord,
    RecordIssues,
    decode_jsonl,
    too_long_marker,
)

__all__ = [
    "RAW_SCHEMA",
    "DEFAULT_BATCH_BYTES",
    "DEFAULT_BATCH_ROWS",
    "DEFAULT_MAX_LINE_BYTES",
    "Partition",
    "list_partitions",
    "open_partition",
    "iter_jsonl_batches",
    "iter_decoded",
    "decode_frame",
    "conform",
    "gunzip_engine",
]

DEFAULT_BATCH_ROWS = 20_000

_S = pl.String
_ID_NAME = pl.Struct({"id": _S, "display_name": _S})
_TOPIC = pl.Struct(
    {
        "id": _S,
        "display_name": _S,
        "score": pl.Float64,
        "subfield": _ID_NAME,
        "field": _ID_NAME,
        "domain": _ID_NAME,
    }
)

#: The nested columns of a Parquet works partition that litscan reads (everything else is skipped).
RAW_SCHEMA: dict[str, pl.DataType] = {
    "id": _S,
    "doi": _S,
    "title": _S,
    "display_name": _S,
    "abstract_inverted_index": _S,  # JSON text
    "publication_year": pl.Int64,
    "publication_date": _S,
    "type": _S,
    "language": _S,
    "cited_by_count": pl.Int64,
    "fwci": pl.Float64,
    "citation_normalized_percentile": pl.Struct(
        {"value": pl.Float64, "is_in_top_1_percent": pl.Boolean, "is_in_top_10_percent": pl.Boolean}
    ),
    "primary_topic": _TOPIC,
    "topics": pl.List(_TOPIC),
    "primary_location": pl.Struct({"source": _ID_NAME}),
    "is_retracted": pl.Boolean,
    "is_authors_truncated": pl.Boolean,
    "authorships": pl.List(
        pl.Struct(
            {
                "author": pl.Struct({"id": _S}),
                "institutions": pl.List(pl.Struct({"id": _S, "country_code": _S})),
                "countries": pl.List(_S),
            }
        )
    ),
}


# ---- layout ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    """One input file: ``rel`` is its path relative to the works folder (``updated_date=…/part_…``).
    ``error`` is set for a manifest entry that must not be read (the runner fails it, naming it)."""

    path: str
    rel: str
    size: int
    record_count: int | None = None
    error: str | None = None

    @property
    def key(self) -> str:
        return hashlib.sha1(self.rel.encode()).hexdigest()[:16]

    @property
    def format(self) -> Literal["jsonl", "parquet"]:
        return "parquet" if self.rel.endswith(".parquet") else "jsonl"


def _works_dir(snapshot: Path) -> Path:
    for cand in (snapshot / "data" / "works", snapshot / "works", snapshot):
        if cand.is_dir() and ((cand / "manifest").is_file() or any(cand.glob("updated_date=*"))):
            return cand
    raise InputDataError(
        f"{snapshot}: no OpenAlex works partitions found (looked for data/works/, works/ and "
        "./updated_date=*/ with a manifest)",
        hint="point at the snapshot root (holding data/works/) or at its works folder",
    )


def _confined(rel: str) -> str | None:
    """``rel`` normalised if it stays inside the works folder, else None."""
    if not rel or "\\" in rel or "\x00" in rel:
        return None
    norm = posixpath.normpath(rel)
    if norm.startswith(("/", "../")) or norm in ("..", "."):
        return None
    return norm


def _entry(
    wdir: Path, e: Any, i: int, manifest: Path, root: Path
) -> tuple[Partition | None, str | None]:
    """(partition, missing rel) for one manifest entry."""
    where = f"{manifest}: entry {i}"
    if not isinstance(e, Mapping) or not isinstance(e.get("url"), str):
        return Partition("", f"<manifest entry {i}>", 0, None, f"{where}: no 'url' string"), None
    url = e["url"]
    raw_rel = url.split("/works/", 1)[-1] if "/works/" in url else url.lstrip("/")
    rel = _confined(raw_rel)
    if rel is None:
        return (
            Partition(
                "",
                raw_rel,
                0,
                None,
                f"{where}: {url!r} points outside the snapshot's works folder; refused",
            ),
            None,
        )
    meta = e.get("meta") or {}
    count = meta.get("record_count") if isinstance(meta, Mapping) else None
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
        return (
            Partition("", rel, 0, None, f"{where}: record_count {count!r} is not a count"),
            None,
        )
    p = wdir / rel
    if not p.is_file():
        return None, rel
    outside = _outside(p, root, rel)
    if outside is not None:
        return outside, None
    return Partition(str(p), rel, p.stat().st_size, count), None


def _outside(p: Path, root: Path, rel: str) -> Partition | None:
    """A failed partition when ``p`` resolves outside the snapshot folder ``root`` (through a
    symbolic link of the file or of a folder on its way), else None."""
    try:
        inside = p.resolve(strict=True).is_relative_to(root.resolve(strict=True))
    except (OSError, RuntimeError):  # a dangling link or a loop
        inside = False
    if inside:
        return None
    return Partition(
        "",
        rel,
        0,
        None,
        f"{p}: resolves outside the snapshot folder {root} (a symbolic link?); refused",
    )


def list_partitions(snapshot: str | os.PathLike) -> list[Partition]:
    """The works partitions of a snapshot, in manifest order (or sorted when there is none).

    A manifest entry whose file is missing is an :class:`InputDataError` naming it (an incomplete
    download would otherwise be silently ignored); an entry that must not be read is returned
    with its ``error`` set.
    """
    root = Path(snapshot)
    if not root.exists():
        raise InputDataError(f"{root}: no such folder", hint="SNAPSHOT_DIR is the snapshot root")
    if not root.is_dir():
        raise InputDataError(f"{root}: not a folder", hint="SNAPSHOT_DIR is the snapshot root")
    wdir = _works_dir(root)
    manifest = wdir / "manifest"
    parts: list[Partition] = []
    if manifest.is_file():
        try:
            entries = json.loads(manifest.read_bytes())["entries"]
            if not isinstance(entries, list):
                raise TypeError("entries is not a list")
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            raise InputDataError(
                f"{manifest}: not an OpenAlex manifest (expected JSON with an 'entries' list)",
                hint="download the manifest again",
            ) from exc
        missing, seen = [], set()
        for i, e in enumerate(entries):
            part, miss = _entry(wdir, e, i, manifest, root)
            if miss is not None:
                missing.append(miss)
            elif part is not None and part.rel not in seen:
                seen.add(part.rel)
                parts.append(part)
        if missing:
            raise InputDataError(
                f"{manifest}: {len(missing)} partition(s) listed in the manifest are missing, "
                f"e.g. {missing[:3]}",
                hint="finish the download (aws s3 sync) or remove them from the manifest",
            )
    else:
        pq_files = sorted(wdir.glob("updated_date=*/*.parquet"))
        have_pq = {p.with_suffix("") for p in pq_files}
        # the same partition in both formats (the 2026 transition): read the Parquet one only
        gz_files = [p for p in wdir.glob("updated_date=*/*.gz") if p.with_suffix("") not in have_pq]
        for p in sorted(gz_files + pq_files):
            rel = p.relative_to(wdir).as_posix()
            outside = _outside(p, root, rel) if (p.exists() or p.is_symlink()) else None
            if outside is not None:
                parts.append(outside)
            elif p.is_file():
                parts.append(Partition(str(p), rel, p.stat().st_size))
            elif p.exists() and not p.is_dir():  # a FIFO or device would hang: failed, not skipped
                parts.append(Partition("", rel, 0, None, f"{p}: not a regular file (a FIFO or "
                                       "device), not read"))  # fmt: skip
    return parts


# ---- JSON Lines --------------------------------------------------------------------------------


def gunzip_engine() -> str:
    """``isal`` (about 2-3x faster) when installed, else the standard library's ``gzip``."""
    try:
        import isal.igzip  # noqa: F401
    except ImportError:
        return "gzip"
    return "isal"


def open_partition(path: str) -> IO[bytes]:
    """Binary reader of a partition's bytes, decompressed when it ends in ``.gz``."""
    if not str(path).endswith(".gz"):
        return open(path, "rb")
    if gunzip_engine() == "isal":
        from isal import igzip

        return igzip.open(path, "rb")
    return gzip.open(path, "rb")


def iter_jsonl_batches(
    path: str,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Iterator[bytes]:
    """Yield the decompressed JSON Lines of ``path`` in chunks of about ``batch_bytes``, each
    ending at a line boundary, in linear time. A line longer than ``max_line_bytes`` is replaced by
    :func:`litscan.tables.decode.too_long_marker` (its bytes are read and dropped, never held whole)."""
    read = max(1, min(batch_bytes, max_line_bytes, 8 * 1024 * 1024))
    with open_partition(path) as fh:
        pending: list[bytes] = []
        size = 0
        tail: list[bytes] = []  # pieces of the current, unfinished line
        tail_len = 0
        long_head: bytes | None = None  # first bytes of a line being dropped for its length
        while True:
            block = fh.read(read)
            if not block:
                break
            first = block.find(b"\n")
            if first < 0:  # the whole block is inside one line
                tail_len += len(block)
                if long_head is None:
                    tail.append(block)
                    if tail_len > max_line_bytes:
                        long_head, tail = b"".join(tail)[:4096], []
                continue
            last = block.rfind(b"\n")
            line_len = tail_len + first
            if long_head is not None or line_len > max_line_bytes:
                head = long_head if long_head is not None else b"".join([*tail, block[:first]])
                pending.append(too_long_marker(line_len, max_line_bytes, head[:4096]) + b"\n")
            elif tail:
                pending.append(b"".join([*tail, block[: first + 1]]))
            else:
                pending.append(block[: first + 1])
            long_head = None
            pending.append(block[first + 1 : last + 1])
            size += last + 1
            tail = [block[last + 1 :]] if last + 1 < len(block) else []
            tail_len = len(block) - last - 1
            if size >= batch_bytes:
                yield b"".join(pending)
                pending, size = [], 0
        if long_head is not None or tail_len > max_line_bytes:
            head = long_head if long_head is not None else b"".join(tail)
            pending.append(too_long_marker(tail_len, max_line_bytes, head[:4096]) + b"\n")
        elif tail:
            pending.append(b"".join(tail))
        if pending:
            yield b"".join(pending)


def _prefetch(it: Iterator[bytes], depth: int = 1) -> Iterator[bytes]:
    """Run ``it`` (decompression: zlib and isal release the GIL) in a thread, ``depth`` items
    ahead, so it overlaps with decoding. Producer errors are re-raised in the consumer; memory
    grows by at most ``depth`` items."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in it:
                while not stop.is_set():
                    try:
                        q.put(("ok", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(("ok", done))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            q.put(("err", exc))

    thread = threading.Thread(target=produce, name="litscan-gunzip", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = q.get()
            if kind == "err":
                raise item
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(0.05)


# ---- Parquet -----------------------------------------------------------------------------------


def _conform_expr(expr: pl.Expr, src: pl.DataType, dst: pl.DataType) -> pl.Expr:
    if isinstance(dst, pl.Struct):
        if not isinstance(src, pl.Struct):
            return pl.lit(None, dtype=dst) if src == pl.Null else expr.cast(dst)
        have = {f.name: f.dtype for f in src.fields}
        fields = [
            _conform_expr(expr.struct.field(f.name), have[f.name], f.dtype).alias(f.name)
            if f.name in have
            else pl.lit(None, dtype=f.dtype).alias(f.name)
            for f in dst.fields
        ]
        return pl.when(expr.is_null()).then(None).otherwise(pl.struct(fields)).cast(dst)
    if isinstance(dst, pl.List) and isinstance(src, pl.List):
        if src == dst:
            return expr
        return expr.list.eval(_conform_expr(pl.element(), src.inner, dst.inner)).cast(dst)
    if src == dst:
        return expr
    return expr.cast(dst)


def conform(df: pl.DataFrame, schema: Mapping[str, pl.DataType] | None = None) -> pl.DataFrame:
    """Select and cast ``df`` to ``schema`` (default :data:`RAW_SCHEMA`), recursively: struct
    fields not in the schema are dropped, missing columns and fields become nulls."""
    schema = RAW_SCHEMA if schema is None else schema
    if df.schema == pl.Schema(schema):
        return df
    try:
        return df.select(
            _conform_expr(pl.col(name), df.schema[name], dtype).alias(name)
            if name in df.columns
            else pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in schema.items()
        )
    except pl.exceptions.PolarsError as exc:
        raise InputDataError(
            f"works columns do not match the OpenAlex work schema ({str(exc).splitlines()[0]})",
            hint="expected the nested work objects of the OpenAlex snapshot",
        ) from exc


def decode_frame(
    frame: pl.DataFrame,
    *,
    source: str = "records",
    offset: int = 0,
    on_bad_record: OnBadRecord = "skip",
) -> Decoded:
    """A nested works frame (Parquet snapshot, :data:`RAW_SCHEMA`) -> :class:`Decoded`, the same
    flat frames the JSON decoder builds. A malformed inverted index makes its record bad."""
    raw = conform(frame)
    issues = RecordIssues()
    text = raw.get_column("abstract_inverted_index").cast(pl.String)
    abstracts, errors = rebuild_strings(text)
    if errors:
        for i, why in errors.items():
            msg = f"{source}: record {offset + i} ({raw.item(i, 'id')}): {why}"
            if on_bad_record == "raise":
                raise MalformedRecordError(msg) from None
            issues.skip(msg)
    raw = raw.with_columns(
        pl.int_range(offset, offset + raw.height, dtype=pl.Int64).alias("record")
    )
    if errors:
        mask = pl.Series([i not in errors for i in range(raw.height)])
        raw = raw.filter(mask)
        abstracts = abstracts.filter(mask)
    pt = pl.col("primary_topic")
    pct = pl.col("citation_normalized_percentile")
    works = raw.select(
        "record",
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
        pct.struct.field("value").alias("pct_value"),
        pct.struct.field("is_in_top_1_percent").alias("pct_top1"),
        pct.struct.field("is_in_top_10_percent").alias("pct_top10"),
        pt.struct.field("id").alias("pt_id"),
        pt.struct.field("display_name").alias("pt_name"),
        *[
            e
            for level in ("subfield", "field", "domain")
            for e in (
                pt.struct.field(level).struct.field("id").alias(f"pt_{level}_id"),
                pt.struct.field(level).struct.field("display_name").alias(f"pt_{level}"),
            )
        ],
        pl.col("primary_location").struct.field("source").struct.field("id").alias("source_id"),
        pl.col("primary_location")
        .struct.field("source")
        .struct.field("display_name")
        .alias("source_name"),
        "is_retracted",
        "is_authors_truncated",
        pl.col("authorships").list.len().alias("n_authors"),
    ).cast(WORKS_RAW)
    au = pl.col("authorships")
    insts = au.struct.field("institutions")
    authorships = (
        raw.select(pl.int_range(0, pl.len(), dtype=pl.UInt32).alias("row"), "authorships")
        .filter(pl.col("authorships").list.len() > 0)
        .with_columns(pl.int_ranges(0, pl.col("authorships").list.len()).alias("position"))
        .explode("authorships", "position")
        .select(
            "row",
            "position",
            au.struct.field("author").struct.field("id").alias("author_id"),
            insts.list.eval(pl.element().struct.field("id")).alias("institution_ids"),
            insts.list.eval(pl.element().struct.field("country_code")).alias(
                "institution_countries"
            ),
            au.struct.field("countries").alias("countries"),
        )
        .cast(AUTHORSHIPS_RAW)
    )
    tp = pl.col("topics")
    topics = (
        raw.select(pl.int_range(0, pl.len(), dtype=pl.UInt32).alias("row"), "topics")
        .filter(pl.col("topics").list.len() > 0)
        .with_columns(pl.int_ranges(0, pl.col("topics").list.len()).alias("rank"))
        .explode("topics", "rank")
        .select(
            "row",
            "rank",
            tp.struct.field("id").alias("id"),
            tp.struct.field("display_name").alias("display_name"),
            tp.struct.field("score").alias("score"),
            *[
                e
                for level in ("subfield", "field", "domain")
                for e in (
                    tp.struct.field(level).struct.field("id").alias(f"{level}_id"),
                    tp.struct.field(level).struct.field("display_name").alias(level),
                )
            ],
        )
        .cast(TOPICS_RAW)
    )
    return Decoded(works, authorships, topics, abstracts, issues)


# ---- one partition -----------------------------------------------------------------------------


def iter_decoded(
    part: Partition,
    *,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    on_bad_record: OnBadRecord = "skip",
) -> Iterator[Decoded]:
    """Decoded batches of one partition, in order (records numbered across batches)."""
    offset = 0
    if part.format == "parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(part.path)
        cols = [c for c in RAW_SCHEMA if c in pf.schema_arrow.names]
        for batch in pf.iter_batches(batch_size=batch_rows, columns=cols):
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            dec = decode_frame(frame, source=part.rel, offset=offset, on_bad_record=on_bad_record)
            offset += frame.height
            yield dec
        return
    for buf in _prefetch(iter_jsonl_batches(part.path, batch_bytes, max_line_bytes)):
        dec = decode_jsonl(buf, source=part.rel, offset=offset, on_bad_record=on_bad_record)
        offset += dec.works.height + dec.issues.skipped
        yield dec
