"""The main figures, built from the data embedded in the package (no network).

The figures that illustrate a claim (``share_trend``, ``before_after``) are drawn from the same
objects as that preset's report: the preset is evaluated offline on the embedded data
(:func:`litscan.claims.evaluate.evaluate`, what ``litscan run --offline`` does) and its result is
drawn with :mod:`litscan.report.claim_figures`; each names the preset and the verdicts it
illustrates. The context figures (activity index, highly cited, co-authorship, OpenAlex trend,
classifier evaluation) compute descriptive numbers with :mod:`litscan.stats` on the top-venue
papers (:func:`litscan.tables.datasets.load_venue_papers`) and the real OpenAlex aggregates; they
illustrate no verdict and say so. ``litscan export --gallery DIR`` writes them; ``docs/img/*.png``
are its output.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import plotly.graph_objects as go
import polars as pl

from litscan.errors import InputDataError
from litscan.report.claim_figures import (
    before_after_figure,
    before_after_frame,
    share_trend_figure,
)
from litscan.report.figures.cited import plot_highly_cited
from litscan.report.figures.labels import plot_classifier_eval
from litscan.report.figures.shares import plot_activity_heatmap, plot_coauthorship, plot_share_trend
from litscan.stats import compare, shares
from litscan.stats.compare import activity_index
from litscan.stats.counts import shares_from_counts
from litscan.stats.shares import country_shares
from litscan.tables import datasets

__all__ = ["VENUE_SOURCE", "OPENALEX_SOURCE", "FIELD_NAMES", "main_figures", "FIGURES"]

VENUE_SOURCE = "top AI venues (papercopilot paperlists; papers with author countries)"
OPENALEX_SOURCE = "OpenAlex group_by counts (embedded)"
FIELD_NAMES = {
    "AI": "AI (general)",
    "CV": "Computer vision",
    "ML": "Machine learning",
    "NLP": "Language (NLP)",
    "RO": "Robotics",
}
YEARS = (2013, 2025)
#: said by every figure that illustrates no preset's verdict
CONTEXT = "context figure, descriptive: illustrates no preset's verdict"


def _venue():
    t = datasets.load_venue_papers(with_countries_only=True)
    works = t.works.filter(pl.col("year").is_between(*YEARS))
    # restrict the universe too: aggregate joins works by id, so papers outside ``works`` would
    # otherwise stay in (with null group values)
    wc = t.work_countries.join(
        works.select(pl.col("id").alias("work_id")), on="work_id", how="semi"
    )
    return wc, works


#: the presets whose runs the claim figures are drawn from
TREND_PRESET = "ai-output-cn-vs-us"
BEFORE_AFTER_PRESET = "export-controls"


@cache
def preset_run(name: str, n_resamples: int = 200):
    """The offline evaluation of shipped preset ``name`` (the object its report is drawn from)."""
    from dataclasses import replace

    from litscan.claims.evaluate import evaluate
    from litscan.claims.evidence import embedded_evidence
    from litscan.claims.presets import load_preset, resolve_preset_path

    p = load_preset(resolve_preset_path(name))
    if n_resamples != p.resamples:
        p = replace(p, resamples=n_resamples)
    return evaluate(p, embedded_evidence(p), offline=True)


def _verdicts(run, ids=None) -> str:
    return "; ".join(
        f"{r.claim.text}: {r.verdict}"
        for r in run.results
        if ids is None or r.claim.id in ids
    )


def share_trend(n_resamples: int = 200) -> go.Figure:
    """Country shares of top-venue papers by year over the fixed venue panel of preset
    :data:`TREND_PRESET` (the venues with works in every year: the mix does not move)."""
    run = preset_run(TREND_PRESET, n_resamples)
    rec = run.evidence["records"].name
    fig, why = share_trend_figure(
        run,
        source=rec,
        title="Country shares of top-venue AI papers by year, on a fixed venue panel",
        what="the panel's papers",
    )
    if fig is None:
        raise InputDataError(f"share_trend: preset {TREND_PRESET}: {why}")
    top = [r for r in run.results if r.claim.evidence == "records"]
    if top:
        sub = fig.layout.title.subtitle.text
        fig.layout.title.subtitle.text = sub + f"<br>illustrates: {_verdicts(run, {top[0].claim.id})}"
    return fig


def before_after(n_resamples: int = 200) -> go.Figure:
    """Shares before and after the October 2022 export controls: the claims of preset
    :data:`BEFORE_AFTER_PRESET`, each venue compared with itself (the verdicts' estimate)."""
    run = preset_run(BEFORE_AFTER_PRESET, n_resamples)
    df = before_after_frame(run)
    if df.height == 0:
        raise InputDataError(f"before_after: preset {BEFORE_AFTER_PRESET} has no per-country claim")
    return before_after_figure(
        run,
        df,
        source=run.evidence["records"].name,
        title="Around the October 2022 US export controls: shares before and after, within venue",
    )


def openalex_trend(n_resamples: int = 0) -> go.Figure:
    counts = datasets.load_openalex_counts().filter(
        pl.col("label") == "concept:C154945302"
    )  # Artificial intelligence (legacy concept)
    s = shares_from_counts(counts, by=("country", "year"))
    n = counts.get_column("country_code").drop_nulls().n_unique()
    return plot_share_trend(
        s,
        what=f"the sum of {n} countries' counts",
        source=OPENALEX_SOURCE + ", concept Artificial intelligence",
        extra=f"denominator: the sum of the whole counts of all {n} countries (a work with "
        f"two countries counts twice), not the number of works · {CONTEXT}",
        title="Country shares of OpenAlex AI works by year",
        interval_label="no interval",
    )


def activity(n_resamples: int = 200) -> go.Figure:
    wc, works = _venue()
    ai = activity_index(
        wc, works=works, by=("country", "venue_field"), reference=(), n_resamples=n_resamples
    )
    return plot_activity_heatmap(
        ai,
        label_col="venue_field",
        label_names=FIELD_NAMES,
        years=YEARS,
        source=f"{VENUE_SOURCE} · crude, pooled over venues · {CONTEXT}",
        n_countries=10,
        title="Where countries specialise: activity index by venue field",
    )


def highly_cited(n_resamples: int = 200) -> go.Figure:
    wc, works = _venue()
    top = shares.highly_cited(works, top=0.10, within=("year", "venue_field"))
    s = country_shares(
        wc,
        works=works,
        by=("country", "venue_field"),
        subset=top,
        counting="both",
        n_resamples=n_resamples,
    )
    s = s.filter(pl.col("venue_field").is_in(["CV", "ML"]))
    return plot_highly_cited(
        s,
        facet="venue_field",
        facet_names=FIELD_NAMES,
        threshold=0.10,
        years=YEARS,
        countries=["US", "CN", "GB", "DE", "CA", "KR"],
        source=f"{VENUE_SOURCE} · crude, pooled over venues · {CONTEXT}",
        title="Who writes the most-cited papers? Top 10 % by citations, within year and field",
    )


def coauthorship(n_resamples: int = 200) -> go.Figure:
    wc, works = _venue()
    co = compare.coauthorship(wc, works=works, a="CN", b="US", by="year", n_resamples=n_resamples)
    return plot_coauthorship(co, what="top-venue AI papers", source=f"{VENUE_SOURCE} · crude, pooled over venues · {CONTEXT}")


def classifier_eval() -> go.Figure | None:
    """Precision/recall of the shipped classifiers on the held-out (out-of-time) arXiv listings,
    with the keyword baseline; ``None`` when the labelled data (``../shared/data``) is absent."""
    from litscan.labels import classify
    from litscan.labels.catalog import LEARNED_LABELS, document_text

    data = classify.default_data_dir()
    if not (data / classify.ARXIV_FILE).is_file():
        return None
    test = classify.load_arxiv(data).filter(pl.col("split") == "test")
    pred = classify.predict(test.select("id", "title", "abstract"))
    texts = [document_text(t, a) for t, a in zip(test["title"], test["abstract"], strict=True)]
    rows = []
    for lab in LEARNED_LABELS:
        y = test[f"y_{lab}"].to_numpy()
        rows.append(
            {
                "dataset": "litscan classifier",
                "label": lab,
                **classify.prf(y, (pred[lab] == 1).to_numpy()),
            }
        )
        rows.append(
            {
                "dataset": "keyword baseline",
                "label": lab,
                **classify.prf(y, classify.keyword_baseline(texts, lab)),
            }
        )
    lo, hi = classify.ARXIV_SPLIT["test"]
    return plot_classifier_eval(
        pl.DataFrame(rows),
        title="Topic classifiers vs a keyword baseline: precision and recall per label",
        source=f"arXiv cs listings {lo}–{hi} held out by time ({test.height:,} papers; "
        "labels = arXiv categories)",
    )


FIGURES: dict[str, Callable[..., go.Figure | None]] = {
    "share_trend": share_trend,
    "openalex_trend": openalex_trend,
    "activity_index": activity,
    "highly_cited": highly_cited,
    "before_after": before_after,
    "coauthorship_cn_us": coauthorship,
    "classifier_eval": classifier_eval,
}


def main_figures(names: list[str] | None = None, *, n_resamples: int = 200) -> dict[str, go.Figure]:
    """``{name: figure}`` for the main figures (those whose inputs are available)."""
    out: dict[str, go.Figure] = {}
    for name, fn in FIGURES.items():
        if names is not None and name not in names:
            continue
        fig = fn() if name == "classifier_eval" else fn(n_resamples=n_resamples)
        if fig is not None:
            out[name] = fig
    return out
