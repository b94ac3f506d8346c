"""Argument checks of the public workflow API (``litscan.run_preset`` and friends).

A notebook passes Python values, not command-line text: ``offline="no"`` is truthy and
``tables=5`` fails deep inside polars. Each check here turns a value of the wrong type, or a
contradictory combination, into one :class:`~litscan.errors.UsageError` line naming the
argument, what was expected and what arrived.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from os import PathLike
from typing import Any

from litscan.errors import UsageError

__all__ = ["check_run_args", "check_report_names"]

#: a preset's report folder name: letters, digits, ``.``, ``_``, ``-``; not starting with ``.``
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def _kind(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def check_run_args(*, source: Any, tables: Any, offline: Any) -> None:
    """Check ``run_preset``'s ``source``, ``tables`` and ``offline`` (types, and that ``tables``
    with ``offline=True`` is refused: the embedded data would silently replace the tables)."""
    if offline is not None and not isinstance(offline, bool):
        raise UsageError(
            f"offline: expected True, False or None, got {_kind(offline)}",
            hint="offline=True uses the embedded data; a string such as 'no' is not a boolean",
        )
    if source is not None and not isinstance(source, str):
        raise UsageError(f"source: expected a source name (str) or None, got {_kind(source)}")
    if tables is not None:
        from litscan.tables.folder import Tables

        is_path = isinstance(tables, str | PathLike) and not isinstance(tables, bytes)
        if not (is_path or isinstance(tables, Tables)):
            raise UsageError(
                f"tables: expected a tables folder (str or Path) or litscan.load_tables(...), "
                f"got {_kind(tables)}",
                hint="run_preset(preset, tables='tables/')",
            )
        if is_path and not str(tables).strip():
            raise UsageError("tables: expected a tables folder, got an empty path")
        if offline:
            raise UsageError(
                "--tables and --offline contradict each other: offline runs on the embedded "
                "data, which would silently replace the tables",
                hint="drop --offline to run on the tables folder (a tables run needs no network)",
            )
        if source is not None and source != "tables":
            raise UsageError(
                f"tables: given with source={source!r}; a tables folder is the source 'tables'",
                hint="drop source= or tables=",
            )


def check_report_names(names: Sequence[str], sources: Sequence[Any]) -> None:
    """Every preset of a multi-preset run writes ``out/<name>/``: each name must be a safe folder
    name (a preset file ``...toml`` has the name ``..``, the parent of ``out``) and no two presets
    may share one (they would overwrite each other's report)."""
    for name, src in zip(names, sources, strict=True):
        if not _SAFE_NAME.fullmatch(name) or name in (".", ".."):
            raise UsageError(
                f"preset {src}: its name {name!r} is not a safe folder name for its report",
                hint="rename the file to letters, digits, '.', '_' or '-' (not starting with '.')",
            )
    dup = [n for n, k in Counter(names).items() if k > 1]
    if dup:
        where = [str(s) for n, s in zip(names, sources, strict=True) if n == dup[0]]
        raise UsageError(
            f"presets {', '.join(where)}: expected one report folder per preset, got "
            f"{len(where)} presets named {dup[0]!r} (they would write the same {dup[0]}/)",
            hint="rename one of the files, or run them into different --out folders",
        )
