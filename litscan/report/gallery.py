"""The main figures, built from the data embedded in the package (no network).

:func:`main_figures` computes each number with :mod:`litscan.stats` on the top-venue papers
(:func:`litscan.tables.datasets.load_venue_papers`, papers with at least one author country) and the
real OpenAlex aggregates, and draws it with :mod:`litscan.report.figures`. ``litscan export --gallery
DIR`` writes them; ``docs/img/*.png`` are its output. The claim presets draw their own figures;
these are the overview a reader sees first.
"""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import polars as pl

from litscan.report.figures.cited import plot_before_after, plot_highly_cited
from litscan.report.figures.labels import plot_classifier_eval
from litscan.report.figures.shares import plot_activity_heatmap, plot_coauthorship, plot_share_trend
from litscan.stats import compare, shares
from litscan.stats.compare import Selection, activity_index, share_difference
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
COMPARE = ["US", "CN", "DE", "GB", "JP", "KR", "CA", "FR"]


def _venue():
    t = datasets.load_venue_papers(with_countries_only=True)
    works = t.works.filter(pl.col("year").is_between(*YEARS))
    # restrict the universe too: aggregate joins works by id, so papers outside ``works`` would
    # otherwise stay in (with null group values)
    wc = t.work_countries.join(
        works.select(pl.col("id").alias("work_id")), on="work_id", how="semi"
    )
    return wc, works


def share_trend(n_resamples: int = 200) -> go.Figure:
    wc, works = _venue()
    s = country_shares(
        wc, works=works, by=("country", "year"), counting="fractional", n_resamples=n_resamples
    )
    return plot_share_trend(
        s,
        what="top-venue AI papers",
        source=VENUE_SOURCE,
        title="Country shares of top-venue AI papers by year",
    )


def openalex_trend(n_resamples: int = 0) -> go.Figure:
    counts = datasets.load_openalex_counts().filter(
        pl.col("label") == "concept:C154945302"
    )  # Artificial intelligence (legacy concept)
    s = shares_from_counts(counts, by=("country", "year"))
    return plot_share_trend(
        s,
        what="AI works (country counts)",
        source=OPENALEX_SOURCE + ", concept Artificial "
        "intelligence; denominator = sum of country counts",
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
        source=VENUE_SOURCE,
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
        source=VENUE_SOURCE,
        title="Who writes the most-cited papers? Top 10 % by citations, within year and field",
    )


def before_after(n_resamples: int = 200) -> go.Figure:
    wc, works = _venue()
    after = pl.col("year").is_between(2023, 2025)
    before = pl.col("year").is_between(2020, 2022)
    rows = []
    for c in COMPARE:
        rows.append(
            share_difference(
                wc,
                Selection(c, after, name=f"{c} 2023-2025"),
                Selection(c, before, name=f"{c} 2020-2022"),
                works=works,
                n_resamples=n_resamples,
            ).with_columns(pl.lit(c).alias("country_code"))
        )
    return plot_before_after(
        pl.concat(rows),
        before_label="2020–2022",
        after_label="2023–2025",
        what="top-venue AI papers",
        source=VENUE_SOURCE,
        title="Around the October 2022 US export controls: shares before and after",
    )


def coauthorship(n_resamples: int = 200) -> go.Figure:
    wc, works = _venue()
    co = compare.coauthorship(wc, works=works, a="CN", b="US", by="year", n_resamples=n_resamples)
    return plot_coauthorship(co, what="top-venue AI papers", source=VENUE_SOURCE)


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
