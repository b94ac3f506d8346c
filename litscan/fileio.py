"""Every file litscan writes goes through here: atomically, with one-line errors.

Crash-safety contract
---------------------
* A file is written to a temporary sibling (``.NAME.PID.tmp`` in the same folder), flushed and
  ``fsync``-ed, then renamed over the destination with :func:`os.replace`. A reader therefore sees
  either the old complete file or the new complete file, never a truncated one, even after a
  crash, ``kill -9``, a full disk or ``ulimit -f``.
* On any failure the temporary file is removed and a :class:`~litscan.errors.ExportError` naming
  the destination is raised (disk full, file too large, read-only folder, "is a directory").
* :func:`ensure_asset` re-writes a shared asset (``plotly.min.js``) unless the file on disk has
  exactly the expected size and SHA-256, so a truncated copy left by an older run is never reused.
* :func:`check_input_file` refuses devices, FIFOs and sockets as inputs (reading them can hang
  or never end) and names the path.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from litscan.errors import ExportError, InputDataError

__all__ = [
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "ensure_asset",
    "sha256_file",
    "check_input_file",
    "describe_os_error",
]

_HINTS = {
    errno.ENOSPC: "the disk is full; free space and run again",
    errno.EFBIG: "the file is larger than allowed (ulimit -f?); raise the limit and run again",
    errno.EROFS: "the file system is read-only; choose another --out",
    errno.EACCES: "no permission to write there; choose another --out",
    errno.EPERM: "no permission to write there; choose another --out",
    errno.EISDIR: "a folder of that name exists; choose another name",
    errno.ENOTDIR: "a file stands where a folder is needed; choose another --out",
    errno.EDQUOT: "the disk quota is exceeded",
}


def describe_os_error(exc: OSError) -> str:
    """One short phrase for an ``OSError`` plus a hint, without a traceback."""
    what = exc.strerror or exc.__class__.__name__
    hint = _HINTS.get(exc.errno or -1)
    return f"{what}" + (f" (hint: {hint})" if hint else "")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it is renamed over ``path``.

    For writers that want a file name (``DataFrame.write_parquet``, kaleido): write to the
    yielded path; nothing appears at ``path`` unless the block completes.
    """
    dest = Path(path)
    if dest.is_dir():
        raise ExportError(f"{dest}: cannot write a file: a folder of that name exists")
    if dest.exists() and not dest.is_file():  # /dev/null, a FIFO: never renamed over
        raise ExportError(
            f"{dest}: cannot write a file: it is a device, FIFO or socket, not a regular file",
            hint="give a file path (for stdout, use '-' where the command allows it)",
        )
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            f"{dest.parent}: cannot create the folder: {describe_os_error(exc)}"
        ) from None
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, dest)
    except OSError as exc:
        _discard(tmp)
        raise ExportError(f"{dest}: cannot write: {describe_os_error(exc)}") from None
    except BaseException:
        _discard(tmp)
        raise


def _fsync_file(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink()


def _write(path: str | os.PathLike, opener: Callable[[Path], IO], data) -> Path:
    dest = Path(path)
    with atomic_path(dest) as tmp, opener(tmp) as fh:
        fh.write(data)
    return dest


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see the module contract)."""
    return _write(path, lambda p: open(p, "wb"), data)


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see the module contract)."""
    return _write(path, lambda p: open(p, "w", encoding=encoding, newline=""), text)


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def ensure_asset(path: str | os.PathLike, text: str) -> Path:
    """Make ``path`` hold exactly ``text`` (UTF-8), re-writing it atomically unless it already does.

    Checks size first, then SHA-256, so a truncated or altered copy is replaced.
    """
    dest = Path(path)
    data = text.encode("utf-8")
    try:
        if (
            dest.is_file()
            and dest.stat().st_size == len(data)
            and sha256_file(dest) == hashlib.sha256(data).hexdigest()
        ):
            return dest
    except OSError:
        pass
    return atomic_write_bytes(dest, data)


def check_input_file(path: str | os.PathLike, what: str = "input") -> Path:
    """Return ``path`` if it is a regular file (or folder); refuse devices, FIFOs and sockets.

    Raises :class:`~litscan.errors.InputDataError` naming the path when it is missing or is not
    something that can be read to its end.
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputDataError(f"{p}: {what} not found") from None
    except OSError as exc:
        raise InputDataError(f"{p}: cannot read the {what}: {describe_os_error(exc)}") from None
    mode = st.st_mode
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return p
    kind = (
        "a FIFO"
        if stat.S_ISFIFO(mode)
        else "a character device"
        if stat.S_ISCHR(mode)
        else "a block device"
        if stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    raise InputDataError(
        f"{p}: expected a regular file as the {what}, got {kind}",
        hint="copy the data to a file first",
    )
