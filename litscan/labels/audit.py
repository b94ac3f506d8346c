"""Label audits: blind annotation sheets from a stratified sample, and their scoring.

Sampling (:func:`draw_sample`)
    The population (papers with a title) is split into two strata by the label's flag: flagged
    and unflagged. Half of the sample (rounded up) is drawn from the flagged stratum and the rest
    from the unflagged one, each a simple random sample without replacement
    (``numpy.random.default_rng(seed)``; a stratum smaller than its share is taken whole and the
    other stratum gets the remainder). Every sampled paper carries its stratum's size ``N_h``, its
    sample size ``n_h`` and the weight ``N_h / n_h`` (inverse inclusion probability). The rows
    of the sheet are shuffled with the same generator, so the sheet does not reveal the strata.

Sheet (:func:`write_audit`)
    ``audit_sheet.csv`` (``sheet_id,title,abstract,<label>,reason,audit_id``: the label column
    blank, to be filled with ``1``, ``0`` or ``b`` = borderline), ``audit_form.html`` (the same
    rows as a self-contained form with radio buttons that downloads the filled CSV; no network)
    and ``audit_key.csv`` (``sheet_id,work_id,label,stratum,flag,n_sampled,population_size,
    weight,seed,audit_id``: keep it away from the annotator). ``audit_id`` (12 hex digits of
    the SHA-256 of label, seed and sampled work ids) ties a sheet to its key. The three files are
    written together or not at all (each to a temporary file first; renamed only when all are
    written), so a full disk never leaves a sheet without its key.

    Cells a spreadsheet would evaluate (text starting with ``=``, ``+``, ``-``, ``@``, TAB or CR)
    are written with a leading ``'`` (the OWASP CSV-injection rule), in the sheet, the key and the
    CSV the form downloads; the form itself escapes every text it shows.

Checks when scoring (:mod:`litscan.labels.audit_checks`)
    Key and sheet must be for the same label and the same ``audit_id``; ids unique and every key
    row present in the sheet exactly once (no rows of another audit); sheet values in
    {``1``, ``0``, ``b``}; key flags 0 or 1; weights finite and positive. Each violation is one
    line naming the file, the rows and a hint.

Scoring (:func:`score`, :func:`weighted_prf`)
    With truth ``y`` (strict: only ``1`` is positive; lenient: ``1`` and ``b``), flag ``f`` and
    weight ``w`` per labelled row, the population estimates are the weighted (Horvitz-Thompson)
    ratios precision = Σw·y·f / Σw·f and recall = Σw·y·f / Σw·y, and F1 = 2PR / (P + R).
    Intervals: Wilson score intervals (95 %) for the weighted proportion with Kish's effective
    sample size n_eff = (Σw)² / Σw² of the rows in the denominator; with equal weights (e.g.
    precision in a flagged stratum) this is the ordinary Wilson interval on k of n. F1's interval
    is the F1 of the two interval ends (an approximation, stated in the output).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import html
import io
import json
import math
from pathlib import Path

import numpy as np
import polars as pl

from litscan.errors import InputDataError, UsageError
from litscan.fileio import atomic_path, check_input_file
from litscan.labels.audit_checks import check_ids, check_key, check_pair

__all__ = [
    "Z95",
    "wilson",
    "weighted_prf",
    "draw_sample",
    "write_audit",
    "make_audit",
    "sheet_html",
    "read_sheet",
    "read_key",
    "score",
    "truth",
    "VALUES",
]

Z95 = 1.959963984540054
#: Accepted annotation values: 1 = yes, 0 = no, b = borderline.
VALUES = ("1", "0", "b")
SHEET_FILE, KEY_FILE, FORM_FILE = "audit_sheet.csv", "audit_key.csv", "audit_form.html"


def wilson(k: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes of ``n`` (both may be effective, non-integer).

    ``n == 0`` gives the uninformative interval (0, 1)."""
    if n <= 0:
        return (0.0, 1.0)
    p = min(max(k / n, 0.0), 1.0)
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _weighted_share(hit: np.ndarray, w: np.ndarray) -> tuple[float, float, float, float]:
    """Weighted share of ``hit`` among rows with weights ``w``; returns p, lo, hi, n_eff."""
    if len(w) == 0 or w.sum() <= 0:
        return (float("nan"), 0.0, 1.0, 0.0)
    p = float((w * hit).sum() / w.sum())
    n_eff = float(w.sum() ** 2 / (w * w).sum())
    lo, hi = wilson(p * n_eff, n_eff)
    return (p, lo, hi, n_eff)


def _f1(p: float, r: float) -> float:
    if not (p + r > 0):
        return 0.0 if p == p and r == r else float("nan")
    return 2 * p * r / (p + r)


def weighted_prf(y, flag, weight=None) -> dict:
    """Population precision, recall, F1 with Wilson intervals (see the module docstring)."""
    y = np.asarray(y, dtype=bool)
    f = np.asarray(flag, dtype=bool)
    w = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)
    if not (len(y) == len(f) == len(w)):
        raise UsageError(f"y, flag and weight differ in length ({len(y)}, {len(f)}, {len(w)})")
    p, p_lo, p_hi, p_n = _weighted_share(y[f], w[f])
    r, r_lo, r_hi, r_n = _weighted_share(f[y], w[y])
    return {
        "precision": p,
        "precision_lo": p_lo,
        "precision_hi": p_hi,
        "recall": r,
        "recall_lo": r_lo,
        "recall_hi": r_hi,
        "f1": _f1(p, r),
        "f1_lo": _f1(p_lo, r_lo),
        "f1_hi": _f1(p_hi, r_hi),
        "n": int(len(y)),
        "n_flagged": int(f.sum()),
        "n_positive": int(y.sum()),
        "n_true_positive": int((y & f).sum()),
        "n_eff_precision": round(p_n, 2),
        "n_eff_recall": round(r_n, 2),
        "population": float(w.sum()),
        "population_positive": float(w[y].sum()),
        "population_flagged": float(w[f].sum()),
    }


def draw_sample(population: pl.DataFrame, n: int, seed: int) -> pl.DataFrame:
    """Stratified sample (flagged / unflagged) of ``population`` (columns id, title, abstract,
    flag); returns the sampled rows, shuffled, with sheet_id, stratum, n_sampled,
    population_size and weight."""
    need = {"id", "title", "flag"}
    if missing := sorted(need - set(population.columns)):
        raise UsageError(f"audit population lacks column(s) {missing}; found {population.columns}")
    if n < 2:
        raise UsageError(f"--sample must be at least 2 (one per stratum), got {n}")
    pop = population.with_columns(pl.col("flag").cast(pl.Boolean)).sort("id")
    if "abstract" not in pop.columns:
        pop = pop.with_columns(pl.lit(None, dtype=pl.Utf8).alias("abstract"))
    flagged, unflagged = pop.filter(pl.col("flag")), pop.filter(~pl.col("flag"))
    if flagged.height == 0 or unflagged.height == 0:
        raise InputDataError(
            f"audit population has {flagged.height} flagged and {unflagged.height} unflagged "
            "papers; both strata need papers",
            hint="use a larger population (e.g. --offline or more tables)",
        )
    n_f = min(flagged.height, math.ceil(n / 2))
    n_u = min(unflagged.height, n - n_f)
    n_f = min(flagged.height, n - n_u)
    rng = np.random.default_rng(seed)
    parts = []
    for name, frame, k in (("flagged", flagged, n_f), ("unflagged", unflagged, n_u)):
        pick = np.sort(rng.choice(frame.height, size=k, replace=False))
        parts.append(
            frame[pick].with_columns(
                pl.lit(name).alias("stratum"),
                pl.lit(k).alias("n_sampled"),
                pl.lit(frame.height).alias("population_size"),
                pl.lit(frame.height / k).alias("weight"),
            )
        )
    sample = pl.concat(parts)
    order = rng.permutation(sample.height)
    width = max(3, len(str(sample.height)))
    return (
        sample[order]
        .with_columns(
            pl.format(
                "S{}", pl.int_range(1, sample.height + 1).cast(pl.Utf8).str.zfill(width)
            ).alias("sheet_id")
        )
        .select(
            "sheet_id",
            "id",
            "title",
            "abstract",
            "stratum",
            "flag",
            "n_sampled",
            "population_size",
            "weight",
        )
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` safe for a spreadsheet cell: a leading ``'`` when it starts with a character a
    spreadsheet would evaluate (``= + - @``, TAB, CR; the OWASP CSV-injection rule)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _cell(raw: str | None) -> str:
    """One line of text for the sheet: whitespace runs collapsed, then neutralised (a title
    ``"\t=cmd"`` becomes ``"'=cmd"``, never ``"=cmd"``)."""
    return neutralise(" ".join((raw or "").split()))


def audit_id(label: str, seed: int, work_ids: list[str]) -> str:
    """12 hex digits naming one audit (label, seed, the sampled works); sheet and key carry it."""
    text = "\n".join([label, str(seed), *sorted(str(w) for w in work_ids)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _csv(rows: list[dict], fields: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def sheet_html(sample: pl.DataFrame, label: str, guidance: str = "", audit: str = "") -> str:
    """A self-contained HTML form (no network): one radio group (1 / 0 / b) and a reason field
    per row; the button downloads ``audit_sheet.csv`` filled in (cells neutralised like the
    sheet's). Every text is HTML-escaped; the header row reaches the script as a JSON string."""
    rows = []
    for r in sample.iter_rows(named=True):
        sid = html.escape(str(r["sheet_id"]), quote=True)
        radios = " ".join(
            f'<label><input type="radio" name="{sid}" value="{v}"> {v}</label>' for v in VALUES
        )
        rows.append(
            f'<tr data-id="{sid}"><td>{sid}</td><td><b>{html.escape(r["title"] or "")}</b>'
            f"<p>{html.escape(r['abstract'] or '')}</p></td><td>{radios}<br>"
            f'<input type="text" class="reason" placeholder="reason" size="30"></td></tr>'
        )
    lab = html.escape(label, quote=True)

    def js(text: str) -> str:  # a JSON string literal that cannot close the <script> element
        return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e")

    script = (
        "function q(s){s=s||'';if(/^[=+\\-@\\t\\r]/.test(s))s=\"'\"+s;"
        "return /[\",\\n\\r]/.test(s)?'\"'+s.replace(/\"/g,'\"\"')+'\"':s}"
        f"function dl(){{var aid={js(audit)};var out=[{js('sheet_id,title,abstract,')}+q({js(label)})"
        "+',reason,audit_id'];"
        "document.querySelectorAll('tr[data-id]').forEach(function(tr){var id=tr.dataset.id;"
        "var c=tr.querySelector('input[type=radio]:checked');"
        "out.push([q(id),q(tr.querySelector('b').textContent),q(tr.querySelector('p').textContent),"
        "c?c.value:'',q(tr.querySelector('.reason').value),q(aid)].join(','))});"
        "var a=document.createElement('a');a.href=URL.createObjectURL(new Blob([out.join('\\n')+"
        "'\\n'],{type:'text/csv'}));a.download='audit_sheet.csv';a.click()}"
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>litscan audit: {lab}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "td{vertical-align:top;border-bottom:1px solid #ccc;padding:.5em}p{font-size:90%}"
        "</style></head><body>"
        f"<h1>Blind audit of the label <code>{lab}</code></h1>"
        f"<p>For each paper: is it about <b>{lab}</b>? 1 = yes, 0 = no, b = borderline. "
        f"{html.escape(guidance)} Then press the button and keep the downloaded CSV.</p>"
        f"<button onclick='dl()'>Download filled CSV</button><table>{''.join(rows)}</table>"
        f"<button onclick='dl()'>Download filled CSV</button><script>{script}</script>"
        "</body></html>\n"
    )


def write_audit(sample: pl.DataFrame, out_dir: str | Path, label: str, seed: int) -> list[Path]:
    """Write the blind sheet (CSV + HTML form) and the key to ``out_dir``, all three or none
    (module docstring); returns the paths."""
    out = Path(out_dir)
    aid = audit_id(label, seed, sample.get_column("id").to_list())
    sheet_rows = [
        {
            "sheet_id": r["sheet_id"],
            "title": _cell(r["title"]),
            "abstract": _cell(r["abstract"]),
            label: "",
            "reason": "",
            "audit_id": aid,
        }
        for r in sample.iter_rows(named=True)
    ]
    key = sample.select(
        "sheet_id",
        pl.col("id").cast(pl.Utf8).map_elements(_cell, return_dtype=pl.Utf8).alias("work_id"),
        pl.lit(label).alias("label"),
        "stratum",
        pl.col("flag").cast(pl.Int8),
        "n_sampled",
        "population_size",
        "weight",
        pl.lit(seed).alias("seed"),
        pl.lit(aid).alias("audit_id"),
    )
    files = [
        (
            out / SHEET_FILE,
            _csv(sheet_rows, ["sheet_id", "title", "abstract", label, "reason", "audit_id"]),
        ),
        (out / FORM_FILE, sheet_html(sample, label, audit=aid)),
        (out / KEY_FILE, key.write_csv()),  # innermost: renamed first, so never a sheet alone
    ]
    with contextlib.ExitStack() as stack:
        for path, text in files:
            tmp = stack.enter_context(atomic_path(path))
            tmp.write_text(text, encoding="utf-8")
    return [path for path, _ in files]


def make_audit(
    works: pl.DataFrame,
    label: str,
    out_dir: str | Path,
    *,
    sample: int,
    seed: int,
    within: str | None = None,
    model=None,
) -> tuple[pl.DataFrame, list[Path]]:
    """Classify ``works`` (``id, title, abstract``), draw a stratified sample of papers flagged
    and not flagged ``label`` (only among papers flagged ``within``, if given) and write the blind
    sheet, form and key to ``out_dir``. Returns the sample and the written paths.

    ``model`` is a loaded classifier (default: the shipped one)."""
    from litscan.labels.inference import load_model, predict

    pred = predict(works, model if model is not None else load_model())
    pop = works.with_columns((pred[label] == 1).alias("flag"))
    if within:
        pop = pop.filter(pred[within] == 1)
    drawn = draw_sample(pop, sample, seed)
    return drawn, write_audit(drawn, out_dir, label, seed)


def read_sheet(path: str | Path, label: str | None = None) -> tuple[pl.DataFrame, str]:
    """A filled sheet -> (frame with sheet_id and the label column as str, the label name).

    Without ``label`` the sheet must have exactly one label column besides sheet_id, title,
    abstract and reason."""
    p = check_input_file(path, "audit sheet")
    try:
        df = pl.read_csv(p, infer_schema_length=0)
    except Exception as exc:  # polars raises several types for malformed CSV
        raise InputDataError(f"{p}: not a readable CSV sheet ({exc})") from None
    if "sheet_id" not in df.columns:
        raise InputDataError(
            f"{p}: no sheet_id column; found {df.columns}",
            hint="score the audit_sheet.csv written by `litscan audit LABEL` (filled in)",
        )
    check_ids(df, f"audit sheet {p}")
    if label is None:
        extra = [
            c
            for c in df.columns
            if c not in ("sheet_id", "title", "abstract", "reason", "audit_id")
        ]
        if len(extra) != 1:
            raise UsageError(
                f"{p}: cannot tell the label column among {extra}", hint="pass --label LABEL"
            )
        label = extra[0]
    if label not in df.columns:
        raise InputDataError(f"{p}: no column {label!r}; found {df.columns}")
    vals = df[label].fill_null("").str.strip_chars().str.to_lowercase()
    bad = df.filter(~vals.is_in(list(VALUES)))
    if bad.height:
        first = bad.row(0, named=True)
        raise InputDataError(
            f"{p}: {bad.height} row(s) without a valid {label!r} value (first: sheet_id "
            f"{first['sheet_id']!r} has {first[label] or ''!r}); expected one of {list(VALUES)}",
            hint="fill every row with 1, 0 or b (borderline)",
        )
    keep = ["sheet_id", *(["audit_id"] if "audit_id" in df.columns else [])]
    return df.select(*keep, vals.alias(label)), label


def read_key(path: str | Path) -> pl.DataFrame:
    """The key written next to the sheet (sheet_id, work_id, flag, weight, ...)."""
    p = check_input_file(path, "audit key")
    try:
        df = pl.read_csv(p, infer_schema_length=0)
    except Exception as exc:  # polars raises several types for malformed CSV
        raise InputDataError(f"{p}: not a readable CSV key ({exc})") from None
    need = {"sheet_id", "flag", "weight"}
    if missing := sorted(need - set(df.columns)):
        raise InputDataError(f"{p}: key lacks column(s) {missing}; found {df.columns}")
    return check_key(df, f"audit key {p}")


def truth(values: pl.Series | list, *, lenient: bool = False) -> np.ndarray:
    """Annotation values -> truth: ``1`` positive; ``b`` positive only when ``lenient``."""
    s = pl.Series(values).cast(pl.Utf8).str.strip_chars().str.to_lowercase()
    pos = ["1", "b"] if lenient else ["1"]
    return s.is_in(pos).to_numpy()


def score(
    sheet: pl.DataFrame,
    key: pl.DataFrame,
    label: str,
    *,
    where: tuple[str, str] = ("the audit sheet", "the audit key"),
) -> dict:
    """Strict and lenient precision / recall / F1 of the key's flags against the sheet's calls.

    The pair is checked first (:mod:`litscan.labels.audit_checks`); ``where`` names the sheet and
    the key in messages."""
    check_ids(sheet, where[0])
    if key.schema.get("flag") != pl.Boolean or key.schema.get("weight") != pl.Float64:
        key = check_key(key, where[1])
    else:
        check_ids(key, where[1])
        w = key.get_column("weight")
        if not (w.is_finite() & (w > 0)).fill_null(False).all():
            key = check_key(key, where[1])  # raises, naming the rows
    check_pair(sheet, key, label, where)
    joined = key.join(sheet.drop("audit_id", strict=False), on="sheet_id", how="inner")
    missing = key.height - joined.height
    if missing:
        raise InputDataError(
            f"{missing} of {key.height} key rows have no row in the sheet "
            "(different audit, or rows deleted)",
            hint="score the sheet with the key written next to it (--key)",
        )
    f = joined["flag"].to_numpy()
    w = joined["weight"].to_numpy()
    out = {"label": label, "n_rows": joined.height}
    for mode, lenient in (("strict", False), ("lenient", True)):
        out[mode] = weighted_prf(truth(joined[label], lenient=lenient), f, w)
    out["n_borderline"] = int((joined[label] == "b").sum())
    out["note"] = (
        "population-weighted (weights = stratum size / sample size); 95% Wilson intervals with "
        "Kish effective n; F1 interval = F1 of the interval ends (approximate)"
    )
    return out


def format_score(result: dict) -> str:
    """Human-readable lines of :func:`score`'s result."""
    lines = [
        f"audit of {result['label']}: {result['n_rows']} rows, {result['n_borderline']} borderline"
    ]
    for mode in ("strict", "lenient"):
        m = result[mode]
        lines.append(
            f"  {mode:8s} precision {m['precision']:.3f} [{m['precision_lo']:.3f}, "
            f"{m['precision_hi']:.3f}]  recall {m['recall']:.3f} [{m['recall_lo']:.3f}, "
            f"{m['recall_hi']:.3f}]  F1 {m['f1']:.3f} [{m['f1_lo']:.3f}, {m['f1_hi']:.3f}]"
        )
    lines.append(f"  ({result['note']})")
    return "\n".join(lines)


def score_json(result: dict) -> str:
    return json.dumps(result, indent=2, sort_keys=True, default=float) + "\n"
