"""Label models as specifications: a task-label claim re-estimated under the audited alternative
labels that ship with litscan (``litscan/data/label_specs.parquet``, built by
``scripts/build_label_specs.py``; provenance in ``litscan/data/README.md``).

For a records claim whose side(s) rest on ``classifier:surveillance`` or
``classifier:face_recognition`` (:data:`TASK_SPECS`), each alternative label specification
(:data:`SPECS`) replaces the shipped flags of those labels **within the CV-venue papers** (the
papers the alternatives were computed on; outside the CV venues the shipped flags are kept) and
the claim's primary estimator is computed again: the same strata, weights, counting, seed and
resamples. The result is

* one ``label_specs`` entry per specification (the shipped model first, equal to the headline
  estimate): the standardised A − B with its interval and its verdict, whether that verdict
  differs from the headline's (``flips``), the number of flagged works per label, and
  ``same_as_shipped`` (the alternative flags exactly the shipped works of the population, e.g.
  round 2's face-recognition head, unchanged in round 3);
* extra rows of the specification grid (every counting × threshold under each alternative
  label that differs from the shipped one), so the agreement count covers the label
  specifications without counting the headline twice.

Everything here is pure: the sums of a claim under a label frame come from a callable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

import polars as pl

from litscan.errors import InputDataError
from litscan.stats import robustness as rb
from litscan.stats.verdicts import NOT_TESTABLE

__all__ = [
    "SPECS_FILE",
    "SHIPPED",
    "SPECS",
    "TASK_SPECS",
    "LabelSpecs",
    "load_specs",
    "task_labels",
    "relabel",
    "evaluate_specs",
    "flip_text",
    "claim_label_specs",
]

SPECS_FILE = "data/label_specs.parquet"
#: the headline's label specification (the shipped model, audit round 3)
SHIPPED = "round3"
#: label specification -> what it is, in report order (the shipped one first)
SPECS: dict[str, str] = {
    SHIPPED: "shipped task model (audit round 3)",
    "round1": "task model of audit round 1 (commit 09ed03b, its own feature code)",
    "round2": "task model of audit round 2 (commit c48936c, its own feature code)",
    "round3_lenient": "shipped surveillance head at its F1-optimal out-of-fold threshold "
    "(lenient) instead of the 0.88 precision floor",
    "cset_terms": "CSET term rule: a task term anywhere in a CV paper's text",
}
#: the label specs whose alternatives ship (the task model's labels)
TASK_SPECS: tuple[str, ...] = ("classifier:surveillance", "classifier:face_recognition")
_COLUMNS = {"work_id": pl.Utf8, "label": pl.Utf8, "spec": pl.Utf8, "flag": pl.Boolean}


@dataclass(frozen=True)
class LabelSpecs:
    """A claim's label specifications: ``entries`` (one dict per specification, for
    ``verdicts.json``) and the extra specification-grid rows."""

    entries: tuple[Mapping, ...] = ()
    grid: tuple[rb.Spec, ...] = ()

    @property
    def flips(self) -> tuple[Mapping, ...]:
        return tuple(e for e in self.entries if e.get("flips"))


@cache
def load_specs() -> pl.DataFrame:
    """The shipped alternative flags (work_id, label, spec, flag; flagged rows only)."""
    path = resources.files("litscan").joinpath(SPECS_FILE)
    if not path.is_file():
        raise InputDataError(
            f"litscan/{SPECS_FILE} is missing from the installed package",
            hint="rebuild it with `python scripts/build_label_specs.py` or reinstall litscan",
        )
    frame = pl.read_parquet(str(path))
    wrong = {c: str(frame.schema.get(c)) for c, t in _COLUMNS.items() if frame.schema.get(c) != t}
    unknown = sorted(set(frame["spec"].unique()) - set(SPECS)) if "spec" in frame.columns else []
    if wrong or unknown:
        found = f"columns {wrong}" if wrong else f"unknown specs {unknown}"
        raise InputDataError(
            f"litscan/{SPECS_FILE}: expected columns work_id, label, spec (strings) and flag "
            f"(boolean), specs among {sorted(SPECS)}; found {found}",
            hint="rebuild it with `python scripts/build_label_specs.py`",
        )
    return frame.filter(pl.col("flag"))


def task_labels(preset_labels: Mapping[str, str], claim) -> dict[str, str]:
    """The claim's side labels (preset name -> spec) that have alternative specifications."""
    names = [s.label for s in (claim.a, claim.b) if getattr(s, "label", None)]
    return {n: preset_labels[n] for n in names if preset_labels.get(n) in TASK_SPECS}


def relabel(
    labels: pl.DataFrame,
    names: Mapping[str, str],
    spec: str,
    specs: pl.DataFrame,
    within: pl.Series,
) -> pl.DataFrame:
    """``labels`` (work_id, label = preset name, score, flag) with the preset labels in ``names``
    (name -> spec) replaced, for the works in ``within``, by ``spec``'s flags in ``specs``."""
    ids = within.implode()
    keep = labels.filter(~(pl.col("label").is_in(list(names)) & pl.col("work_id").is_in(ids)))
    parts = [keep]
    for name, lab in names.items():
        rows = specs.filter(
            (pl.col("spec") == spec) & (pl.col("label") == lab) & pl.col("work_id").is_in(ids)
        )
        parts.append(
            rows.select(
                "work_id",
                pl.lit(name).alias("label"),
                pl.lit(None, dtype=labels.schema["score"]).alias("score"),
                pl.col("flag"),
            )
        )
    return pl.concat(parts)


def _flag_set(labels: pl.DataFrame, names: Mapping[str, str]) -> set[tuple[str, str]]:
    rows = labels.filter(pl.col("label").is_in(list(names)) & pl.col("flag"))
    return set(zip(rows["work_id"].to_list(), rows["label"].to_list(), strict=True))


def _entry(spec: str, c: rb.Comparison, verdict: str, headline: str, flagged: dict) -> dict:
    def num(x: float) -> float | None:
        return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)

    return {
        "spec": spec,
        "description": SPECS[spec],
        "shipped": spec == SHIPPED,
        "diff": num(c.diff), "lo": num(c.lo), "hi": num(c.hi),
        "share_a": num(c.share_a), "share_b": num(c.share_b), "n_a": c.n_a, "n_b": c.n_b,
        "verdict": verdict,
        "flips": verdict not in (headline, NOT_TESTABLE) and headline != NOT_TESTABLE,
        "flagged": flagged,
    }  # fmt: skip


def evaluate_specs(
    *,
    labels: pl.DataFrame | None,
    names: Mapping[str, str],
    cv_ids: pl.Series,
    sums: Callable[[pl.DataFrame, float | None], rb.StrataSums],
    tops: Sequence[float | None],
    top: float | None,
    by: Sequence[str],
    primary: rb.Comparison,
    headline: str,
    op: str,
    counting: str,
    countings: Sequence[str],
    min_works: int,
    min_effect: float,
    constant: bool,
    n_reps: int | None,
    grid_reps: int | None,
    specs: pl.DataFrame | None = None,
) -> LabelSpecs:
    """The claim under every label specification (module docstring).

    ``labels``: the claim's work_labels (preset names); ``names``: the task labels to vary
    (:func:`task_labels`); ``cv_ids``: the population's CV-venue works; ``sums(labels, top)``:
    the claim's strata sums under a label frame; ``primary``/``headline``: the shipped estimate
    and its interval verdict; ``n_reps``: resamples of each entry (the headline's);
    ``grid_reps``: of the grid rows. ``specs`` defaults to :func:`load_specs`."""
    if not names or labels is None:
        return LabelSpecs()
    specs = load_specs() if specs is None else specs

    def flagged(frame: pl.DataFrame) -> dict:
        return {n: frame.filter((pl.col("label") == n) & pl.col("flag"))["work_id"].n_unique()
                for n in names}  # fmt: skip

    entries = [{**_entry(SHIPPED, primary, headline, headline, flagged(labels)),
                "same_as_shipped": True}]  # fmt: skip
    grid: list[rb.Spec] = []
    present = set(specs["spec"].unique())
    for spec in SPECS:
        if spec == SHIPPED or spec not in present:
            continue
        if not specs.filter((pl.col("spec") == spec) & pl.col("label").is_in(list(names.values()))
                            ).height:  # fmt: skip
            continue  # e.g. no lenient cut of face_recognition
        alt = relabel(labels, names, spec, specs, cv_ids)
        by_top = {t: sums(alt, t) for t in tops}
        c = rb.compare(by_top[top], counting, by=by, n_reps=n_reps)
        verdict = rb.spec_verdict(c, op, min_works, constant, min_effect)
        same = _flag_set(alt, names) == _flag_set(labels, names)
        entries.append({**_entry(spec, c, verdict, headline, flagged(alt)),
                        "same_as_shipped": same})  # fmt: skip
        if same:
            continue  # the shipped labels again: counting it would only repeat the headline
        rows = rb.specification_grid(by_top, countings, op=op, by=by, min_works=min_works,
                                     venues=[], years=[], n_reps=grid_reps,
                                     min_effect=min_effect)  # fmt: skip
        grid += [replace(sp, label_spec=spec) for sp in rows]
    return LabelSpecs(tuple(entries), tuple(grid))


def _pts(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:+.1f}"


def flip_text(ls: LabelSpecs, headline: str) -> str:
    """One sentence: which label specification flips the headline's verdict, or that none does
    ('' without label specifications)."""
    alts = [e for e in ls.entries if not e["shipped"]]
    if not alts:
        return ""
    if not ls.flips:
        return (
            f"no label specification flips the verdict ({headline} under all "
            f"{len(ls.entries)}: {', '.join(e['spec'] for e in ls.entries)})"
        )
    parts = [f"{e['spec']} gives {e['verdict']}, {_pts(e['diff'])} [{_pts(e['lo'])}, "
             f"{_pts(e['hi'])}]" for e in ls.flips]  # fmt: skip
    return f"label specification flips the verdict ({headline} with the shipped model): " + (
        "; ".join(parts)
    )


def claim_label_specs(
    preset,
    claim,
    source: str,
    base: Mapping,
    sums: Callable[[Mapping, float | None], rb.StrataSums],
    tops: Sequence[float | None],
    top: float | None,
    by: Sequence[str],
    primary: rb.Comparison,
    headline: str,
    min_effect: float,
    grid_reps: int | None,
) -> LabelSpecs:
    """:func:`evaluate_specs` of a records claim of ``preset`` (a
    :class:`~litscan.claims.presets.Preset`) on evidence from ``source``: only the embedded
    top-venue papers carry the alternative labels (their work ids), so any other source gives
    no label specifications. ``base``: the records base (works, labels, ...); ``sums(base, top)``
    the claim's strata sums."""
    names = task_labels({n: lab.spec for n, lab in preset.labels.items()}, claim)
    works = base["works"]
    if source != "embedded" or not names or "venue_field" not in works.columns:
        return LabelSpecs()
    cv_ids = works.filter(pl.col("venue_field") == "CV")["id"]
    return evaluate_specs(
        labels=base["labels"], names=names, cv_ids=cv_ids,
        sums=lambda labels, t: sums({**base, "labels": labels}, t),
        tops=tops, top=top, by=by, primary=primary, headline=headline, op=claim.op,
        counting=preset.counting.primary, countings=preset.counting.report,
        min_works=preset.min_works, min_effect=min_effect, constant=claim.b.is_constant,
        n_reps=None, grid_reps=grid_reps,
    )  # fmt: skip


def annotate(reason: str, rob, ls: LabelSpecs, headline: str) -> tuple[str, object]:
    """(reason, robustness) with the label specifications' outcome: a note on the robustness
    (:class:`~litscan.claims.results.Robustness`) always, the reason only when a label
    specification flips the headline's verdict."""
    text = flip_text(ls, headline)
    if not text:
        return reason, rob
    rob = replace(rob, notes=(*rob.notes, text))
    if ls.flips:
        reason = f"{reason}; {text}" if reason else text
    return reason, rob
