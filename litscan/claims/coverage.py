"""What the data covers, and what a preset's claims actually rest on.

Three things, all pure functions over polars frames:

* :func:`data_coverage`: works per venue × year (``source``, ``year``, ``works``,
  ``works_with_countries``) of a works table; works without a venue or year are their own row
  (null ``source`` / ``year``), never dropped.
* :func:`check_population`: a preset's venues and years checked against that coverage before any
  claim is evaluated: a venue that is not in the data is a :class:`~litscan.errors.PresetError`
  (exit 2) with a suggestion (``did you mean 'IROS'?``) and the venues that exist; years wholly
  outside the data are an error, years partly outside are returned as notes.
* :func:`claim_coverage` / :func:`annotate`: per claim, the venues and years requested, those
  that entered both sides, the works per side; a claim that rests on fewer venues than requested
  says so in its reason, and one resting on a single venue where several were requested is
  flagged ``narrow``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import polars as pl

from litscan.claims.specs import Claim, Preset, Side
from litscan.errors import LitscanError, PresetError

__all__ = [
    "data_coverage",
    "venues_in",
    "years_in",
    "check_population",
    "check_labels",
    "claim_coverage",
    "annotate",
    "NARROW",
]

#: a side's polars filter over the works (:func:`litscan.claims.evaluate.side_filter`)
SideFilter = Callable[[Side], "pl.Expr | None"]
#: the flag of a claim that rests on one venue where several were requested
NARROW = "narrow"
_SHOW = 40  # venues listed in a message before "and N more"

COVERAGE_SCHEMA = {
    "source": pl.Utf8, "year": pl.Int64, "works": pl.Int64, "works_with_countries": pl.Int64,
}  # fmt: skip


def data_coverage(works: pl.DataFrame, work_countries: pl.DataFrame | None = None) -> pl.DataFrame:
    """Works per venue × year: ``source, year, works, works_with_countries`` (works with at least
    one known author country; null when ``work_countries`` is not given). Works without a venue
    or year form their own rows with a null ``source`` / ``year``."""
    if works.height == 0 or "id" not in works.columns:
        return pl.DataFrame(schema=COVERAGE_SCHEMA)
    w = works.select(
        pl.col("id"),
        (
            pl.col("source").cast(pl.Utf8) if "source" in works.columns else pl.lit(None, pl.Utf8)
        ).alias("source"),
        (
            pl.col("year").cast(pl.Int64) if "year" in works.columns else pl.lit(None, pl.Int64)
        ).alias("year"),
    )
    if work_countries is not None and "country_code" in work_countries.columns:
        known = (
            work_countries.filter(pl.col("country_code").is_not_null())
            .select(pl.col("work_id").alias("id"))
            .unique()
            .with_columns(pl.lit(True).alias("_known"))
        )
        w = w.join(known, on="id", how="left")
        with_c = pl.col("_known").fill_null(False).sum().cast(pl.Int64)
    else:
        with_c = pl.lit(None, pl.Int64)
    return (
        w.group_by("source", "year")
        .agg(pl.len().cast(pl.Int64).alias("works"), with_c.alias("works_with_countries"))
        .sort("source", "year", nulls_last=True)
        .select(list(COVERAGE_SCHEMA))
    )


def _usable(cov: pl.DataFrame) -> pl.DataFrame:
    """Rows a record-level claim can use: works with an author country when that is known."""
    if cov.height == 0:
        return cov
    if (
        "works_with_countries" in cov.columns
        and cov.get_column("works_with_countries").null_count() < cov.height
    ):
        return cov.filter(pl.col("works_with_countries") > 0)
    return cov.filter(pl.col("works") > 0)


def venues_in(cov: pl.DataFrame) -> list[str]:
    """The venues with at least one usable work (with an author country when known), sorted."""
    if cov.height == 0:
        return []
    return sorted({str(v) for v in _usable(cov).get_column("source").drop_nulls().to_list()})


def years_in(cov: pl.DataFrame) -> list[int]:
    """The years with at least one usable work (nulls left out), sorted."""
    if cov.height == 0:
        return []
    return sorted({int(y) for y in _usable(cov).get_column("year").drop_nulls().to_list()})


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_SHOW])
    return shown + (f" and {len(names) - _SHOW} more" if len(names) > _SHOW else "")


def _venue_hint(name: str, known: Sequence[str]) -> str:
    lower = {k.lower(): k for k in known}
    if name.lower() in lower:
        return f"did you mean {lower[name.lower()]!r}?"
    close = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.6)
    return f"did you mean {lower[close[0]]!r}?" if close else ""


def _span(years: Sequence[int]) -> str:
    return f"{years[0]}–{years[-1]}" if years else "none"


def check_population(preset: Preset, cov: pl.DataFrame, data: str) -> list[str]:
    """Check ``preset``'s venues (population, sides, ``venue:`` labels) and years against the
    coverage ``cov`` of the data named ``data``. Raises :class:`PresetError` (names the file and
    key, suggests the closest venue, lists the venues that exist) for a venue the data does not
    have and for years wholly outside the data; returns notes for years partly outside."""
    where = str(preset.path)
    has_venues = cov.height > 0 and cov.get_column("source").null_count() < cov.height
    known = venues_in(cov)
    years = years_in(cov)

    all_venues = set(cov.get_column("source").drop_nulls().to_list()) if cov.height else set()

    def bad_venue(key: str, name: str) -> PresetError:
        hint = _venue_hint(name, known)
        what = (
            "has works in {data} but none with an author country"
            if name in all_venues
            else "is not in {data}"
        ).format(data=data)
        return PresetError(
            f"{where}: {key}: venue {name!r} {what}"
            + (f"; {hint}" if hint else "")
            + f" (venues in the data: {_listing(known)}; `litscan coverage` shows works per "
            "venue and year)"
        )

    asked: list[tuple[str, str]] = [
        (f"population.venues[{i}]", v) for i, v in enumerate(preset.population.venues)
    ]
    for i, c in enumerate(preset.claims):
        if c.evidence != "records":
            continue
        for s in ("a", "b"):
            side: Side = getattr(c, s)
            asked += [(f"claims[{i}].{s}.venues[{j}]", v) for j, v in enumerate(side.venues)]
    for name, lab in preset.labels.items():
        if lab.kind == "venue":
            asked.append((f"labels.{name}", lab.value))
    if asked and not has_venues:
        key, name = asked[0]
        raise PresetError(
            f"{where}: {key}: venue {name!r} asked for, but {data} has no venues (no 'source' "
            "values)",
            hint="remove the venues, or use data with venues (the embedded top-venue papers)",
        )
    for key, name in asked:
        if name not in known:
            raise bad_venue(key, name)
    pop = set(preset.population.venues)
    if pop:
        for key, name in asked:
            if key.startswith("claims[") and name not in pop:
                raise PresetError(
                    f"{where}: {key}: venue {name!r} is not in population.venues "
                    f"({', '.join(preset.population.venues)}), so no work of it enters",
                    hint=f"add {name!r} to population.venues",
                )
    notes: list[str] = []
    if not years:
        if cov.height == 0:
            return notes
        raise PresetError(
            f"{where}: population.years: {data} has no work with a publication year and an "
            "author country, so no share can be computed",
            hint="`litscan coverage` shows works per venue and year, with and without countries",
        )
    spans = [("population.years", preset.population.years)]
    for i, c in enumerate(preset.claims):
        if c.evidence != "records":
            continue
        for s in ("a", "b"):
            side = getattr(c, s)
            if side.years:
                spans.append((f"claims[{i}].{s}.years", side.years))
    for key, (y0, y1) in spans:
        inside = [y for y in years if y0 <= y <= y1]
        if not inside:
            raise PresetError(
                f"{where}: {key}: {y0}–{y1} is outside the years of {data} ({_span(years)}; "
                f"years with works: {', '.join(map(str, years))})",
                hint="choose years the data covers; `litscan coverage` shows them",
            )
        missing = [y for y in range(y0, y1 + 1) if y not in years]
        if missing and key == "population.years":
            notes.append(
                f"{key} {y0}–{y1}: {data} has no works in {_years_text(missing)} "
                f"(its years: {_span(years)})"
            )
    return notes


def check_labels(preset: Preset, available: Mapping[str, Iterable[str]], data: str) -> None:
    """Check the values of ``preset``'s labels of the kinds in ``available`` (kind -> the values
    the data has, e.g. ``{"work_labels": {"llm", "transformer"}}``): an unknown value is a
    :class:`PresetError` with the closest value and the list of what exists."""
    labels = dict(preset.labels)
    if preset.population.ai_scope is not None:
        labels.setdefault("population.ai_scope", preset.population.ai_scope)
    for name, lab in labels.items():
        if lab.kind not in available:
            continue
        have = sorted({str(v) for v in available[lab.kind] if v is not None})
        if lab.value in have:
            continue
        key = name if name.startswith("population.") else f"labels.{name}"
        hint = _venue_hint(lab.value, have)
        raise PresetError(
            f"{preset.path}: {key}: {lab.kind} value {lab.value!r} is not in {data}"
            + (f"; {hint}" if hint else "")
            + f" ({lab.kind} values in the data: {_listing(have) or 'none'})"
        )


def _years_text(years: Sequence[int]) -> str:
    """``2011, 2014–2016``: runs of consecutive years collapsed."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


# --------------------------------------------------------------------------------------------
# what one claim rests on
# --------------------------------------------------------------------------------------------


def _side_rows(
    side: Side, base: Mapping[str, Any], subset, side_filter: SideFilter
) -> pl.DataFrame:
    from litscan.stats.compare import Selection, selection_works

    works = base["works"]
    cols = [  # a column null for every work is no key (its works count as of unknown venue)
        c for c in ("source", "year") if c in works.columns and works[c].null_count() < works.height
    ]
    sel = Selection(side.country or "", side_filter(side), subset if side.top else None)
    try:
        rows = selection_works(base["wc"], sel, works=works, work_labels=base["labels"],
                               columns=cols)  # fmt: skip
    except LitscanError:  # e.g. a key null for every work of this side: count the works only
        try:
            rows = selection_works(base["wc"], sel, works=works, work_labels=base["labels"])
        except LitscanError:
            return pl.DataFrame(schema={"work_id": pl.Utf8, "m": pl.Float64})
    return rows.filter(pl.col("m") > 0)


def _label_venues(preset: Preset, claim: Claim, works: pl.DataFrame) -> set[str] | None:
    """The venues the sides' venue labels (``venue:``, ``venue_field:``) allow, None when no
    side has one (venues outside a venue label are left out by design, not narrowing)."""
    allowed: set[str] = set()
    found = False
    for side in (claim.a, claim.b):
        if side.is_constant:
            continue
        lab = preset.labels.get(side.label) if side.label else None
        if lab is None:
            return None  # a side without a venue label may draw on every venue
        if lab.kind == "venue":
            allowed.add(lab.value)
            found = True
        elif lab.kind == "venue_field" and {"venue_field", "source"} <= set(works.columns):
            rows = works.filter(pl.col("venue_field") == lab.value).get_column("source")
            allowed |= {str(v) for v in rows.drop_nulls().unique().to_list()}
            found = True
        else:
            return None
    return allowed if found else None


def _keys(rows: pl.DataFrame, cols: Sequence[str]) -> set[tuple]:
    if rows.height == 0 or not all(c in rows.columns for c in cols):
        return set()
    return set(rows.select(cols).unique().iter_rows())


def _names(values: Iterable[Any]) -> list[str]:
    return sorted({"(no venue)" if v is None else str(v) for v in values})


def claim_coverage(
    preset: Preset,
    claim: Claim,
    base: Mapping[str, Any],
    top: float | None,
    side_filter: SideFilter,
    by: Sequence[str] = ("source", "year"),
) -> dict[str, Any]:
    """The coverage object of one record-level claim whose stratum key is ``by``:

    ``venues_requested`` (explicit venues of the sides or the population, else ``"all"``),
    ``venues_considered`` (those, or every venue with works on a side, minus the venues a venue
    label excludes by design), ``years_requested``, ``venues_a`` / ``venues_b`` (with works on
    each side), ``venues_entered`` (venues that enter the comparison: with works on both sides
    in a stratum when venues are strata; with works on a side when they are not),
    ``years_entered``, ``works`` per side, ``venues_one_side`` and ``venues_missing``."""
    subset = base.get("top_sets", {}).get(top) if top is not None else None
    a = _side_rows(claim.a, base, subset, side_filter)
    constant = claim.b.is_constant
    b = a if constant else _side_rows(claim.b, base, subset, side_filter)
    pop = preset.population.years
    same_years = constant or (claim.a.years or pop) == (claim.b.years or pop)
    venues_a = {r[0] for r in _keys(a, ["source"])}
    venues_b = {r[0] for r in _keys(b, ["source"])}
    requested = list(dict.fromkeys([*claim.a.venues, *claim.b.venues])) or list(
        preset.population.venues
    )
    explicit = bool(requested)
    if not explicit:
        requested = _names(venues_a | venues_b)
    by_label = _label_venues(preset, claim, base["works"])
    considered = [v for v in requested if by_label is None or v in by_label]
    strata = [k for k in ("source", "year") if k in by and k in a.columns and k in b.columns]
    if "source" not in a.columns:
        entered_v: set = set()
    elif "source" in strata:  # venues are strata: a venue enters with a stratum on both sides
        both = _keys(a, strata) & _keys(b, strata)
        entered_v = {k[strata.index("source")] for k in both}
    else:  # pooled or contrasted: every venue with works on a side enters
        entered_v = venues_a | venues_b
    years_a = {r[0] for r in _keys(a, ["year"])}
    years_b = {r[0] for r in _keys(b, ["year"])}
    if same_years:
        years_entered = sorted(y for y in years_a & years_b if y is not None)
    else:
        years_entered = sorted(y for y in years_a | years_b if y is not None)
    entered = _names(entered_v)
    present = set(_names(venues_a | venues_b))
    one_side = [v for v in considered if v in present and v not in entered]
    missing = [v for v in considered if v not in present]
    req_years = [claim.a.years or pop] if same_years else [claim.a.years or pop,
                                                          claim.b.years or pop]  # fmt: skip
    return {
        "venues_requested": requested if explicit else "all",
        "venues_considered": considered,
        "years_requested": [list(y) for y in req_years],
        "venues_a": _names(venues_a),
        "venues_b": None if constant else _names(venues_b),
        "venues_entered": entered,
        "years_entered": years_entered,
        "works": {"a": a.height, "b": None if constant else b.height},
        "venues_one_side": one_side,
        "venues_missing": missing,
        "strata": strata,
    }


def narrowing(cov: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    """(a sentence for the verdict row, flags) when a claim rests on fewer venues than it
    considered; ("", ()) otherwise."""
    considered = cov["venues_considered"]
    entered = [v for v in cov["venues_entered"] if v in considered] if considered else []
    if len(considered) <= 1 or (len(entered) >= len(considered) and not cov["venues_missing"]):
        return "", ()
    parts = [f"rests on {', '.join(entered) if entered else 'no venue'}"
             + (" only" if entered else "")]  # fmt: skip
    if cov["venues_one_side"]:
        one = cov["venues_one_side"]
        parts.append(f"{_listing(one)} {'has' if len(one) == 1 else 'have'} no works on one side")
    if cov["venues_missing"]:
        miss = cov["venues_missing"]
        parts.append(
            f"{_listing(miss)} {'has' if len(miss) == 1 else 'have'} no works on either side"
        )
    flags = (NARROW,) if len(entered) <= 1 else ()
    return "; ".join(parts), flags


def _per_year_note(claim: Claim, cov: Mapping[str, Any], have: bool) -> str:
    if not claim.per_year or have:
        return ""
    if len(cov["years_requested"]) > 1:
        return (
            "per_year = true gave no rows: the sides cover different years (before/after), so no "
            "year has works on both sides"
        )
    if not cov["years_entered"]:
        return "per_year = true gave no rows: no year has works on both sides"
    return "per_year = true gave no rows: no year has enough works for an estimate"


def annotate(
    preset: Preset,
    results: Sequence[Any],
    base: Mapping[str, Any] | None,
    side_filter: SideFilter,
    strata_key: Callable[..., tuple[list[str], list[str]]] | None = None,
) -> tuple:
    """``results`` (ClaimResults) with ``coverage`` and ``flags`` set for record-level claims;
    a narrowed claim's reason starts with what it rests on, and ``per_year`` that yields nothing
    says why in the caveats."""
    out = []
    for r in results:
        c = r.claim
        if base is None or c.evidence != "records" or base["works"].height == 0:
            out.append(r)
            continue
        top = preset.highly_cited.top if (c.a.top or c.b.top) else None
        by = strata_key(preset, c, base["works"])[0] if strata_key else preset.strata.by
        cov = claim_coverage(preset, c, base, top, side_filter, by)
        text, flags = narrowing(cov)
        reason = r.reason
        if text:
            cov["narrowing"] = text
            reason = f"{text}. {reason}" if reason else text
        caveats = r.caveats
        note = _per_year_note(c, cov, bool(r.per_year)) if r.primary is not None else ""
        if note:
            cov["per_year"] = note
            caveats = (*caveats, note)
        out.append(replace(r, coverage=cov, flags=flags, reason=reason, caveats=caveats))
    return tuple(out)
