"""Checks of a filled audit sheet and its key before scoring (:mod:`litscan.labels.audit`).

A sheet comes back from annotators after days in a spreadsheet: rows deleted or pasted twice,
the sheet of another label or another audit, a key whose weights were "fixed" by hand. Scoring
such a pair would print a precision with exit 0 (``nan`` for a NaN weight, a plausible number for
a sheet of another audit). Every check below raises one line naming the file, the rows at fault
(up to ``EXAMPLES`` sheet ids) and a hint:

* sheet and key: ``sheet_id`` present on every row and unique;
* key: ``flag`` 0 or 1 (``true``/``false`` accepted), ``weight`` a finite number > 0, one
  ``label`` and one ``audit_id`` (when the columns are there);
* pair: the sheet's label column is the key's label; the sheet's ``audit_id`` (when present)
  is the key's; every key row is in the sheet exactly once and the sheet has no other rows.
"""

from __future__ import annotations

import math

import polars as pl

from litscan.errors import InputDataError

__all__ = ["check_ids", "check_key", "check_pair", "EXAMPLES"]

EXAMPLES = 3
_HINT = "score the sheet with the key written next to it (--key), as `litscan audit` wrote them"


def _few(values: list) -> str:
    shown = ", ".join(repr(v) for v in values[:EXAMPLES])
    return shown + (f" and {len(values) - EXAMPLES} more" if len(values) > EXAMPLES else "")


def check_ids(df: pl.DataFrame, where: str) -> None:
    """``sheet_id`` on every row and unique."""
    ids = df.get_column("sheet_id").cast(pl.Utf8).str.strip_chars()
    empty = int((ids.is_null() | (ids == "")).sum())
    if empty:
        raise InputDataError(
            f"{where}: expected a sheet_id on every row, got {empty} row(s) without one",
            hint="do not edit the sheet_id column",
        )
    dup = ids.filter(ids.is_duplicated()).unique(maintain_order=True).to_list()
    if dup:
        raise InputDataError(
            f"{where}: expected unique sheet ids, got {len(dup)} repeated ({_few(dup)})",
            hint="remove the rows pasted twice; each paper is judged once",
        )


def check_key(df: pl.DataFrame, where: str) -> pl.DataFrame:
    """The key with ``flag`` as booleans and ``weight`` as floats, after the checks above."""
    check_ids(df, where)
    flags = df.get_column("flag").cast(pl.Utf8).str.strip_chars().str.to_lowercase()
    ok = flags.is_in(["0", "1", "true", "false"])
    if not ok.all():
        bad = df.filter(~ok)
        raise InputDataError(
            f"{where}: column flag: expected 0 or 1, got {bad.height} other value(s) (e.g. "
            + "; ".join(
                f"{r['sheet_id']}: {r['flag']!r}" for r in bad.head(EXAMPLES).iter_rows(named=True)
            )
            + ")",
            hint="the key's flags are the classifier's; regenerate the key instead of editing it",
        )
    weights = []
    bad_rows = []
    for sid, raw in df.select("sheet_id", pl.col("weight").cast(pl.Utf8)).iter_rows():
        try:
            w = float(raw)
        except (TypeError, ValueError):
            w = math.nan
        if not (math.isfinite(w) and w > 0):
            bad_rows.append(f"{sid}: {raw!r}")
        weights.append(w)
    if bad_rows:
        raise InputDataError(
            f"{where}: column weight: expected finite numbers > 0, got {len(bad_rows)} other "
            f"value(s) (e.g. {'; '.join(bad_rows[:EXAMPLES])})",
            hint="weights are stratum size / sample size; regenerate the key instead of editing it",
        )
    for col in ("label", "audit_id"):
        if col in df.columns:
            values = df.get_column(col).cast(pl.Utf8).unique().to_list()
            if len(values) != 1:
                raise InputDataError(
                    f"{where}: column {col}: expected one value for the whole key, got "
                    f"{len(values)} ({_few(sorted(map(str, values)))})",
                    hint="a key belongs to one audit; do not merge keys",
                )
    return df.with_columns(
        flags.is_in(["1", "true"]).alias("flag"), pl.Series("weight", weights, dtype=pl.Float64)
    )


def check_pair(sheet: pl.DataFrame, key: pl.DataFrame, label: str, where: tuple[str, str]) -> None:
    """Same label, same audit, and the same rows exactly once (see the module docstring)."""
    sheet_at, key_at = where
    if "label" in key.columns:
        key_label = str(key.get_column("label")[0]) if key.height else label
        if key_label != label:
            raise InputDataError(
                f"{sheet_at}: expected a sheet for the key's label {key_label!r}, got a sheet "
                f"of {label!r} ({key_at})",
                hint=_HINT,
            )
    if "audit_id" in key.columns and "audit_id" in sheet.columns and key.height:
        want = str(key.get_column("audit_id")[0])
        got = sheet.get_column("audit_id").cast(pl.Utf8).fill_null("").str.strip_chars()
        bad = sheet.filter(got != want)
        if bad.height:
            other = got.filter(got != want).unique(maintain_order=True).to_list()
            raise InputDataError(
                f"{sheet_at}: expected rows of audit {want} ({key_at}), got {bad.height} row(s) "
                f"of audit(s) {_few(other)} (e.g. sheet ids "
                f"{_few(bad.get_column('sheet_id').to_list())})",
                hint=_HINT,
            )
    k_ids = set(key.get_column("sheet_id").cast(pl.Utf8).str.strip_chars().to_list())
    s_ids = set(sheet.get_column("sheet_id").cast(pl.Utf8).str.strip_chars().to_list())
    missing, extra = sorted(k_ids - s_ids), sorted(s_ids - k_ids)
    if missing:
        raise InputDataError(
            f"{sheet_at}: expected every one of the {len(k_ids)} key rows, got {len(missing)} "
            f"missing ({_few(missing)}; rows deleted, or a sheet of another audit)",
            hint=_HINT,
        )
    if extra:
        raise InputDataError(
            f"{sheet_at}: expected only the {len(k_ids)} rows of the key, got {len(extra)} "
            f"other(s) ({_few(extra)}; rows pasted from another audit?)",
            hint=_HINT,
        )
