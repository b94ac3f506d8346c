"""OpenAlex snapshot -> litscan's tidy tables: the runner (streamed, filtered, resumable).

:func:`ingest` lists the works partitions (:mod:`litscan.tables.snapshot`), and runs
:func:`ingest_partition` on each: read and decode in batches of at most ``batch_bytes`` of JSON (or
``batch_rows`` Parquet rows, :func:`litscan.tables.snapshot.iter_decoded`), normalise each batch with the
one normaliser (:func:`litscan.tables.normalize.normalize_decoded`, filtering before abstracts are
rebuilt, :class:`litscan.tables.filters.WorkFilter`) and write it. Memory is bounded by the batch size,
never by the snapshot size. Locally, ``jobs`` partitions run at once in worker processes (default:
2 on a machine with 2 or more cores when there is enough input to pay for starting them).

Output: ``OUT/<table>/part-<hash>.parquet`` for ``works``, ``authorships``, ``work_countries`` and
``work_topics``, one file per input partition (``hash`` = first 16 hex digits of the SHA-1 of the
partition's path relative to the works folder), so a resumed run never duplicates rows. Each file
is written under a temporary name and renamed into place only when its whole partition succeeded
(:func:`litscan.fileio.atomic_path`). The state file ``OUT/_ingest_state.json`` (written
atomically) records finished and failed partitions with their bad-record counts; a rerun skips the
finished ones and retries the failed ones.

Failure model: any error inside a partition (unreadable gzip, a column of the wrong type, a
duplicate id, anything else) marks that partition failed with a one-line reason naming it (and the
record, where there is one), and the run goes on. A bad record is skipped and counted
(``on_bad_record="skip"``) or fails its partition (``"fail"``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from litscan.errors import InputDataError, LitscanError, UsageError
from litscan.fileio import atomic_path, atomic_write_text
from litscan.tables import schemas
from litscan.tables.decode import RecordIssues, no_gc
from litscan.tables.filters import WorkFilter
from litscan.tables.normalize import TABLE_NAMES, Tables, empty_tables, normalize_decoded
from litscan.tables.snapshot import (
    DEFAULT_BATCH_BYTES,
    DEFAULT_BATCH_ROWS,
    DEFAULT_MAX_LINE_BYTES,
    Partition,
    iter_decoded,
    list_partitions,
)

__all__ = [
    "TABLE_NAMES",
    "DEFAULT_BATCH_BYTES",
    "DEFAULT_BATCH_ROWS",
    "DEFAULT_MAX_LINE_BYTES",
    "WorkFilter",
    "Partition",
    "PartitionResult",
    "IngestReport",
    "list_partitions",
    "ingest_partition",
    "ingest",
    "default_jobs",
    "read_tables",
    "count_duplicate_ids",
    "stderr_progress",
]

STATE_FILE = "_ingest_state.json"
WRITE_BUFFER_BYTES = 32 * 1024 * 1024  # kept rows buffered per parquet row group
#: below this much input per extra worker, starting a process costs more than it saves (measured)
PARALLEL_MIN_BYTES = 32 * 1024 * 1024
OnBad = Literal["skip", "fail"]


@dataclass
class PartitionResult:
    rel: str
    key: str
    status: Literal["done", "failed"]
    rows_in: int = 0
    rows_kept: int = 0
    bytes_in: int = 0
    seconds: float = 0.0
    error: str | None = None
    bad_records: int = 0
    coerced: int = 0
    invalid_countries: int = 0
    issues: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class IngestReport:
    out: str
    filter: str
    results: list[PartitionResult] = field(default_factory=list)
    skipped: int = 0
    seconds: float = 0.0
    duplicate_ids: int = 0  # works found in more than one partition of the output

    @property
    def failed(self) -> list[PartitionResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def with_bad_records(self) -> list[PartitionResult]:
        return [r for r in self.results if r.status == "done" and r.bad_records]

    @property
    def bad_records(self) -> int:
        return sum(r.bad_records for r in self.results if r.status == "done")

    @property
    def bytes_in(self) -> int:
        return sum(r.bytes_in for r in self.results if r.status == "done")

    @property
    def rows_in(self) -> int:
        return sum(r.rows_in for r in self.results)

    @property
    def rows_kept(self) -> int:
        return sum(r.rows_kept for r in self.results)


class _PartWriter:
    """One parquet file per table for one partition, written batch by batch to a temporary file
    (:func:`litscan.fileio.atomic_path`) and renamed into place only when the whole partition
    succeeded."""

    def __init__(self, out: Path, key: str) -> None:
        self.final = {t: out / t / f"part-{key}.parquet" for t in TABLE_NAMES}
        self.stack = contextlib.ExitStack()
        self.tmp = {t: self.stack.enter_context(atomic_path(p)) for t, p in self.final.items()}
        self.writers: dict[str, Any] = {}
        self.buffer: list[dict[str, Any]] = []
        self.buffered = 0

    def write(self, tables: Tables) -> None:
        """Buffer ``tables`` (as Arrow, zero-copy); flush them as one row group once about
        WRITE_BUFFER_BYTES are held (small batches decode fastest but make poor row groups)."""
        self.buffer.append({n: getattr(tables, n).to_arrow() for n in TABLE_NAMES})
        self.buffered += sum(t.nbytes for t in self.buffer[-1].values())
        if self.buffered >= WRITE_BUFFER_BYTES:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.buffer:
            return
        for name in TABLE_NAMES:
            table = pa.concat_tables([b[name] for b in self.buffer])
            w = self.writers.get(name)
            if w is None:
                w = pq.ParquetWriter(self.tmp[name], table.schema, compression="zstd")
                self.writers[name] = w
            w.write_table(table, row_group_size=max(1, table.num_rows))
        self.buffer, self.buffered = [], 0

    def commit(self) -> None:
        self.flush()
        if not self.writers:  # nothing kept: still write empty tables so every part has files
            self.write(empty_tables())
            self.flush()
        for w in self.writers.values():
            w.close()
        self.writers = {}
        self.stack.close()  # fsync + rename each file into place

    def abort(self) -> None:
        self.buffer, self.buffered = [], 0
        for w in self.writers.values():
            with contextlib.suppress(Exception):
                w.close()
        self.writers = {}
        err = RuntimeError("partition aborted")
        with contextlib.suppress(BaseException):
            self.stack.__exit__(RuntimeError, err, None)  # removes the temporary files


def _issues_into(res: PartitionResult, issues: RecordIssues) -> None:
    res.bad_records += issues.skipped
    res.coerced += issues.coerced
    res.invalid_countries += issues.invalid_countries
    for msg in issues.examples:
        if len(res.issues) < 5:
            res.issues.append(msg)


def _one_line(exc: BaseException, rel: str) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) > 400:
        text = text[:400] + "…"
    if isinstance(exc, RecursionError):
        text = "nested too deeply to read"
    elif isinstance(exc, MemoryError):
        text = "out of memory (lower --batch-mb or --max-line-mb)"
    elif not isinstance(exc, LitscanError):
        text = f"{type(exc).__name__}: {text}"
    hint = getattr(exc, "hint", None)
    if hint and f"(hint: {hint})" not in text:  # a LitscanError's message already holds it
        text += f" (hint: {hint})"
    return text if rel in text else f"{rel}: {text}"


def _ingest_batches(
    part: Partition,
    writer: _PartWriter,
    res: PartitionResult,
    flt: WorkFilter,
    batch_bytes: int,
    batch_rows: int,
    max_line_bytes: int,
    policy: Literal["skip", "raise"],
) -> None:
    for dec in iter_decoded(
        part,
        batch_bytes=batch_bytes,
        batch_rows=batch_rows,
        max_line_bytes=max_line_bytes,
        on_bad_record=policy,
    ):
        n_in = dec.works.height + dec.issues.skipped
        tables = normalize_decoded(dec, source=part.rel, flt=flt, on_bad_record=policy)
        del dec  # freed while the cyclic GC is off: never scanned
        res.rows_in += n_in
        res.rows_kept += tables.works.height
        _issues_into(res, tables.issues)
        stop = RecordIssues(skipped=res.bad_records, examples=list(res.issues))
        stop.check_ratio(res.rows_in, part.rel)  # mostly bad: the partition fails here
        if tables.works.height:
            writer.write(tables)


def ingest_partition(
    part: Partition,
    out: str | os.PathLike,
    flt: WorkFilter | None = None,
    *,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    on_bad_record: OnBad = "skip",
) -> PartitionResult:
    """Read, filter, normalise and write one partition. Never raises for anything that goes wrong
    inside the partition: it is returned with ``status="failed"`` and a one-line error (a pure
    function of its arguments, so any engine can run it: see :func:`ingest`)."""
    flt = flt or WorkFilter()
    t0 = time.perf_counter()
    res = PartitionResult(part.rel, part.key, "done", bytes_in=part.size)
    if part.error:
        res.status, res.error, res.bytes_in = "failed", part.error, 0
        return res
    policy: Literal["skip", "raise"] = "raise" if on_bad_record == "fail" else "skip"
    writer = None
    try:
        writer = _PartWriter(Path(out), part.key)
        with no_gc():  # decoded batches hold millions of acyclic objects (see decode.no_gc)
            _ingest_batches(part, writer, res, flt, batch_bytes, batch_rows, max_line_bytes, policy)
        if part.record_count is not None and part.record_count != res.rows_in:
            raise InputDataError(
                f"{part.rel}: the manifest says {part.record_count} records, the file holds "
                f"{res.rows_in}",
                hint="the file is incomplete or stale; download it again",
            )
        writer.commit()
        _check_duplicates(writer.final["works"], part.rel)
    except Exception as exc:  # noqa: BLE001 - any error fails this partition only (docstring)
        if writer is not None:
            writer.abort()
            for p in writer.final.values():
                with contextlib.suppress(OSError):
                    p.unlink(missing_ok=True)
        res.status = "failed"
        res.error = _one_line(exc, part.rel)
    res.seconds = time.perf_counter() - t0
    return res


def _check_duplicates(works_file: Path, rel: str) -> None:
    dup = (
        pl.scan_parquet(works_file)
        .select("id")
        .filter(pl.col("id").is_duplicated())
        .head(1)
        .collect()
    )
    if dup.height:
        raise InputDataError(
            f"{rel}: work {dup.item(0, 0)} appears more than once in this partition",
            hint="the snapshot partition is corrupt; download it again",
        )


def _load_state(out: Path) -> dict[str, Any]:
    path = out / STATE_FILE
    if not path.is_file():
        return {"version": 1, "filter": None, "partitions": {}}
    try:
        state = json.loads(path.read_text())
        if not isinstance(state, dict) or not isinstance(state.get("partitions"), dict):
            raise ValueError("no partitions map")
        return state
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InputDataError(
            f"{path}: the ingest state file is unreadable ({exc})",
            hint="delete it to start over (finished parts are rewritten)",
        ) from None


def _save_state(out: Path, state: Mapping[str, Any]) -> None:
    atomic_write_text(out / STATE_FILE, json.dumps(state, indent=1, sort_keys=True))


Engine = Literal["local", "dask", "spark"]
Progress = Callable[[int, int, PartitionResult], None]


def _run_local(todo: Sequence[Partition], task: Callable[[Partition], PartitionResult], jobs: int):
    if jobs <= 1 or len(todo) <= 1:
        for part in todo:
            yield task(part)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn, not fork: forking a process that runs polars' thread pool can deadlock
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        futures = {pool.submit(task, p): p for p in todo}
        for fut in as_completed(futures):
            part = futures[fut]
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker died (killed, out of memory)
                yield PartitionResult(part.rel, part.key, "failed", error=_one_line(exc, part.rel))


def _run_dask(todo: Sequence[Partition], task, workers: int | None):
    try:
        import dask
    except ImportError:  # pragma: no cover - depends on the environment
        raise UsageError(
            "--engine dask needs the dask package", hint="pip install 'dask[distributed]'"
        ) from None
    try:  # a distributed Client (a cluster) is used when one is registered
        from distributed import as_completed, get_client

        client = get_client()
    except (ImportError, ValueError):
        client = None
    if client is not None:
        futures = client.map(task, list(todo), pure=False)
        for fut in as_completed(futures):
            yield fut.result()
        return
    step = max(1, (workers or os.cpu_count() or 1))
    for i in range(0, len(todo), step):
        chunk = [dask.delayed(task)(p) for p in todo[i : i + step]]
        yield from dask.compute(*chunk, scheduler="processes", num_workers=step)


def _run_spark(todo: Sequence[Partition], task, workers: int | None):
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the environment
        raise UsageError("--engine spark needs pyspark", hint="pip install pyspark") from None
    spark = SparkSession.getActiveSession()
    own = spark is None
    if own:  # local mode: executors run this interpreter (litscan must be importable there)
        from litscan.config import resolve_settings, use_spark_python

        use_spark_python(resolve_settings().spark_python)
        spark = (
            SparkSession.builder.master(f"local[{workers or '*'}]")
            .appName("litscan-ingest")
            .config("spark.ui.enabled", "false")
            .getOrCreate()
        )
    sc = spark.sparkContext
    if own:
        sc.setLogLevel("ERROR")
    try:  # waves of defaultParallelism partitions, so the state file advances as they finish
        step = max(1, sc.defaultParallelism)
        for i in range(0, len(todo), step):
            chunk = list(todo[i : i + step])
            yield from sc.parallelize(chunk, len(chunk)).map(task).collect()
    finally:
        if own:
            spark.stop()


class _Task:
    """A picklable ``Partition -> PartitionResult`` closure for the engines."""

    def __init__(
        self,
        out: str,
        flt: WorkFilter,
        batch_bytes: int,
        batch_rows: int,
        max_line_bytes: int,
        on_bad_record: OnBad,
    ) -> None:
        self.out, self.flt = out, flt
        self.batch_bytes, self.batch_rows = batch_bytes, batch_rows
        self.max_line_bytes, self.on_bad_record = max_line_bytes, on_bad_record

    def __call__(self, part: Partition) -> PartitionResult:
        return ingest_partition(
            part,
            self.out,
            self.flt,
            batch_bytes=self.batch_bytes,
            batch_rows=self.batch_rows,
            max_line_bytes=self.max_line_bytes,
            on_bad_record=self.on_bad_record,
        )


def default_jobs(todo: Sequence[Partition]) -> int:
    """Partitions run at once by the local engine: one per core (at most 2, the measured sweet
    spot on 2 cores, docs/scale.md), when there are several partitions and enough input."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    big = sum(p.size for p in todo) >= PARALLEL_MIN_BYTES * 2
    return max(1, min(2, cores or 1, len(todo))) if big else 1


def _positive_int(name: str, value: Any, *, allow_none: bool = True) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"{name} must be a whole number >= 1, got {value!r}")


def ingest(
    snapshot: str | os.PathLike,
    out: str | os.PathLike,
    flt: WorkFilter | None = None,
    *,
    engine: Engine = "local",
    workers: int | None = None,
    jobs: int | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    on_bad_record: OnBad = "skip",
    restart: bool = False,
    limit: int | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest every works partition of ``snapshot`` into ``out`` (module docstring).

    Partitions already finished (per the state file) are skipped; failed ones are retried. A
    resume must use the same filter (else :class:`UsageError`); ``restart=True`` forgets the state.
    ``engine`` runs :func:`ingest_partition` on each partition unchanged: ``local`` (in this
    process, or ``jobs`` worker processes; default :func:`default_jobs`), ``dask`` (a registered
    ``distributed.Client`` — i.e. a cluster — or local processes) or ``spark`` (the active
    SparkSession, else ``local[workers]``).
    """
    for name, value in (("limit", limit), ("workers", workers), ("jobs", jobs)):
        _positive_int(name, value)
    for name, value in (
        ("batch_bytes", batch_bytes),
        ("batch_rows", batch_rows),
        ("max_line_bytes", max_line_bytes),
    ):
        _positive_int(name, value, allow_none=False)
    if on_bad_record not in ("skip", "fail"):
        raise UsageError(f"on_bad_record must be 'skip' or 'fail', got {on_bad_record!r}")
    if engine not in ("local", "dask", "spark"):
        raise UsageError(f"unknown engine {engine!r}", hint="local, dask or spark")
    flt = flt or WorkFilter()
    outp = Path(out)
    if outp.exists() and not outp.is_dir():
        raise UsageError(f"{outp}: --out must be a folder, a file of that name exists")
    parts = list_partitions(snapshot)
    try:
        outp.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{outp}: cannot create the output folder ({exc.strerror})") from None
    if limit is not None:
        parts = parts[:limit]
    state = _load_state(outp)
    if restart:
        state = {"version": 1, "filter": None, "partitions": {}}
    desc = flt.describe()
    if state["partitions"] and state.get("filter") != desc:
        raise UsageError(
            f"{outp}: holds an ingest with filter {state.get('filter')!r}, this run asks for "
            f"{desc!r}",
            hint="use another --out, the same filter, or --restart",
        )
    state["filter"] = desc
    state["snapshot"] = str(Path(snapshot).resolve())
    done = {
        k
        for k, v in state["partitions"].items()
        if isinstance(v, dict) and v.get("status") == "done"
    }
    todo = [p for p in parts if p.rel not in done]
    report = IngestReport(out=str(outp), filter=desc, skipped=len(parts) - len(todo))
    _save_state(outp, state)
    task = _Task(str(outp), flt, batch_bytes, batch_rows, max_line_bytes, on_bad_record)
    runner: Iterable[PartitionResult]
    if engine == "local":
        runner = _run_local(todo, task, jobs if jobs is not None else default_jobs(todo))
    elif engine == "dask":
        runner = _run_dask(todo, task, workers)
    else:
        runner = _run_spark(todo, task, workers)
    t0 = time.perf_counter()
    for i, res in enumerate(runner, 1):
        state["partitions"][res.rel] = res.to_json()
        _save_state(outp, state)
        report.results.append(res)
        if progress is not None:
            progress(i, len(todo), res)
    report.seconds = time.perf_counter() - t0
    report.duplicate_ids = count_duplicate_ids(outp)
    return report


def count_duplicate_ids(out: str | os.PathLike) -> int:
    """Works ids present in more than one partition of an ingest output (OpenAlex keeps each
    work in the partition of its last update, so this should be 0; within one partition a
    duplicate already fails that partition)."""
    files = sorted((Path(out) / "works").glob("part-*.parquet"))
    if not files:
        return 0
    ids = pl.scan_parquet(files).select("id")
    return int(
        ids.filter(pl.col("id").is_duplicated()).select(pl.col("id").n_unique()).collect().item()
    )


def stderr_progress(i: int, n: int, r: PartitionResult) -> None:
    """One line per partition on stderr."""
    if r.status == "done":
        mbs = r.bytes_in / 1e6 / r.seconds if r.seconds else 0.0
        msg = (
            f"{r.rows_in:,} works read, {r.rows_kept:,} kept, {r.bytes_in / 1e6:.1f} MB in "
            f"{r.seconds:.1f} s ({mbs:.1f} MB/s)"
        )
        if r.bad_records:
            msg += f"; {r.bad_records} bad record(s) skipped, first: {r.issues[0]}"
    else:
        msg = f"FAILED: {r.error}"
    print(f"[{i}/{n}] {r.rel}: {msg}", file=sys.stderr, flush=True)


def read_tables(out: str | os.PathLike) -> Tables:
    """Read an ingest output folder back as :class:`Tables` (all partitions)."""
    outp = Path(out)
    frames = {}
    for name in TABLE_NAMES:
        files = sorted((outp / name).glob("part-*.parquet"))
        schema = getattr(schemas, name.upper())
        frames[name] = (
            pl.concat([pl.read_parquet(f) for f in files]).cast(schema)
            if files
            else pl.DataFrame(schema=schema)
        )
    return Tables(**frames)
