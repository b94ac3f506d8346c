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

Run folders (a report folder, or the folder of a multi-preset run) are replaced whole:
* :func:`replace_folder` yields a fresh temporary sibling ``.NAME.litscan-tmp-PID`` (it holds the
  marker file ``.litscan-run`` from the start); on success it is swapped in for ``NAME``. On Linux
  the swap is one ``renameat2(RENAME_EXCHANGE)``: ``NAME`` is always the old or the new complete
  folder. Elsewhere (or on a file system without it) the old folder is renamed aside to
  ``.NAME.litscan-old-PID`` and the new one renamed in; a failed second rename puts the old one back.
  Then the old folder is removed. A reader never sees a mix of two runs.
* Before writing, leftovers of a killed writer (``.NAME.litscan-tmp-PID`` / ``-old-PID`` whose
  process is gone) are removed; if ``NAME`` is missing (killed between the two renames) the old
  folder is first put back.
* :func:`check_run_folder` is the guard: only a missing or empty folder, or one litscan wrote (the
  marker, or a ``manifest.json`` / ``index.html`` of an older litscan), is ever replaced; anything
  else is a :class:`~litscan.errors.UsageError` naming the folder, and nothing is deleted.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from litscan.errors import ExportError, InputDataError, UsageError

__all__ = [
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "ensure_asset",
    "sha256_file",
    "check_input_file",
    "describe_os_error",
    "check_run_folder",
    "replace_folder",
    "mark_run_folder",
    "remove_stale_temps",
    "RUN_MARKER",
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


# --- run folders: built beside the destination, swapped in whole -------------------------------

#: the file that marks a folder as written by litscan (so a rerun may replace it)
RUN_MARKER = ".litscan-run"
_TMP_TAG, _OLD_TAG = "litscan-tmp", "litscan-old"
_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _has_marker(folder: Path) -> bool:
    try:
        return json.loads((folder / RUN_MARKER).read_text("utf-8")).get("written_by") == "litscan"
    except (OSError, ValueError, AttributeError):
        return False


def _legacy_report(folder: Path) -> bool:
    """A report folder of a litscan before the marker: its ``manifest.json`` has litscan's keys."""
    try:
        m = json.loads((folder / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(m, dict) and {"schema_version", "preset_sha256", "packages"} <= m.keys()


def _legacy_index(folder: Path) -> bool:
    """A multi-preset run folder of an older litscan: its ``index.html`` and report folders."""
    try:
        head = (folder / "index.html").read_text("utf-8")[:200]
    except (OSError, UnicodeDecodeError):
        return False
    if "<title>litscan reports</title>" not in head:
        return False
    for entry in folder.iterdir():
        if entry.name in ("index.html", "plotly.min.js") or entry.name.endswith(".tmp"):
            continue
        if not (entry.is_dir() and not entry.is_symlink() and _is_litscan_folder(entry)):
            return False
    return True


def _is_litscan_folder(folder: Path) -> bool:
    return _has_marker(folder) or _legacy_report(folder) or _legacy_index(folder)


def check_run_folder(path: str | os.PathLike, hint: str | None = None) -> Path:
    """Return the folder a run into ``path`` will replace (a symlink's target); raise a
    :class:`~litscan.errors.UsageError` naming it unless it is missing, empty or litscan's own.

    Also refused: a path that is the current folder or one of its parents (it cannot be swapped).
    ``hint`` replaces the hint of the "files litscan did not write" error."""
    given = Path(path)
    dest = given.resolve() if given.is_symlink() else given
    absolute = dest.resolve()
    if absolute == absolute.parent or Path.cwd().resolve().is_relative_to(absolute):
        raise UsageError(
            f"{given}: cannot replace the current folder or a folder that contains it",
            hint="give --out a subfolder, e.g. --out out",
        )
    if not dest.exists():
        return dest
    if not dest.is_dir():
        raise UsageError(
            f"{given}: expected a folder for the run's outputs, found a file",
            hint="choose another --out, or remove the file",
        )
    try:
        entries = sorted(e.name for e in dest.iterdir())
    except OSError as exc:
        raise UsageError(f"{given}: cannot read the folder: {describe_os_error(exc)}") from None
    if entries and not _is_litscan_folder(dest):
        shown = ", ".join(entries[:3]) + (
            f" and {len(entries) - 3} more" if len(entries) > 3 else ""
        )
        raise UsageError(
            f"{given}: the folder holds files litscan did not write ({shown}); a run replaces "
            f"its --out folder whole, so it only replaces a folder it wrote itself",
            hint=hint or "choose a new or empty --out folder, or move those files away",
        )
    return dest


def mark_run_folder(folder: str | os.PathLike, kind: str) -> Path:
    """Write the marker that lets a later run replace ``folder`` (``kind``: report, reports...)."""
    marker = {"written_by": "litscan", "kind": kind}
    return atomic_write_text(Path(folder) / RUN_MARKER, json.dumps(marker) + "\n")


def remove_stale_temps(path: str | os.PathLike) -> list[Path]:
    """Remove the temporary files a killed writer of ``path`` left beside it (``.NAME.PID.tmp``
    of :func:`atomic_path`, ``.STEM.PID.tmp.EXT`` of the image export) whose process is gone;
    returns what was removed. For writers into folders litscan does not replace whole."""
    dest = Path(path)
    pattern = re.compile(
        rf"\.(?:{re.escape(dest.name)}\.(\d+)\.tmp|{re.escape(dest.stem)}\.(\d+)\.tmp"
        rf"{re.escape(dest.suffix)})"
    )
    removed = []
    try:
        siblings = list(dest.parent.glob(f".{glob.escape(dest.stem)}*.tmp*"))
    except OSError:
        return removed
    for p in siblings:
        m = pattern.fullmatch(p.name)
        if m and p.is_file() and not p.is_symlink() and not _pid_alive(int(m[1] or m[2])):
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own leftover from an earlier, failed write
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _leftovers(dest: Path) -> list[tuple[str, Path]]:
    """``(tag, path)`` of the temporary siblings of ``dest`` whose writer is gone."""
    out = []
    prefix = f".{dest.name}."
    try:
        siblings = list(dest.parent.iterdir())
    except OSError:
        return []
    for p in siblings:
        tag, _, pid = p.name[len(prefix) :].rpartition("-")
        if (
            p.name.startswith(prefix)
            and tag in (_TMP_TAG, _OLD_TAG)
            and pid.isdigit()
            and p.is_dir()
            and not p.is_symlink()
            and not _pid_alive(int(pid))
        ):
            out.append((tag, p))
    return out


def _clean_leftovers(dest: Path) -> None:
    """Put back the old folder of a writer killed between its two renames (``dest`` missing),
    then remove every leftover temporary sibling litscan wrote (marker inside, or empty)."""
    left = _leftovers(dest)
    if not dest.exists():
        for tag, p in left:
            if tag == _OLD_TAG and _is_litscan_folder(p):
                with contextlib.suppress(OSError):
                    os.rename(p, dest)
                    break
    for _, p in left:
        if p.exists() and (_has_marker(p) or _is_litscan_folder(p) or not any(p.iterdir())):
            shutil.rmtree(p, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(new: Path, dest: Path) -> None:
    """Put the complete folder ``new`` at ``dest``; the folder that was there is removed."""
    if not dest.exists():
        os.rename(new, dest)
        return
    if _exchange(new, dest):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old folder
        return
    old = dest.with_name(f".{dest.name}.{_OLD_TAG}-{os.getpid()}")
    os.rename(dest, old)
    try:
        os.rename(new, dest)
    except BaseException:
        os.rename(old, dest)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def replace_folder(path: str | os.PathLike, *, kind: str = "report") -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; when the block completes it replaces
    ``path`` whole (see the module contract). ``kind`` is recorded in the marker file.

    Raises :class:`~litscan.errors.UsageError` (before anything is written) when ``path`` holds
    files litscan did not write; :class:`~litscan.errors.ExportError` when the swap fails."""
    dest = check_run_folder(path)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            f"{dest.parent}: cannot create the folder: {describe_os_error(exc)}"
        ) from None
    _clean_leftovers(dest)
    tmp = dest.with_name(f".{dest.name}.{_TMP_TAG}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        mark_run_folder(tmp, kind)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ExportError(f"{tmp}: cannot create the folder: {describe_os_error(exc)}") from None
    try:
        yield tmp
        check_run_folder(path)  # still ours (nobody wrote foreign files there meanwhile)
        _swap_in(tmp, dest)
    except ExportError as exc:  # name the destination, not the temporary folder
        shutil.rmtree(tmp, ignore_errors=True)
        raise ExportError(str(exc).replace(str(tmp), str(dest))) from None
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ExportError(f"{dest}: cannot replace the folder: {describe_os_error(exc)}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
