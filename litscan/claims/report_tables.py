"""The frames a report shows beside the verdicts: shares by year, highly-cited shares,
before/after, coverage and example works (records), and the count tables (counts).
"""

from __future__ import annotations

import polars as pl

from litscan.claims.results import Evidence
from litscan.claims.specs import Preset
from litscan.errors import InputDataError, UsageError
from litscan.stats import robustness as rb
from litscan.stats.counts import shares_from_counts
from litscan.stats.shares import country_shares, highly_cited


def _records_tables(preset: Preset, base: dict) -> dict[str, pl.DataFrame]:
    """Descriptive tables for the report and figures (shares by year, highly-cited shares)."""
    works, wc, labels = base["works"], base["wc"], base["labels"]
    out: dict[str, pl.DataFrame] = {}
    if works.height == 0:
        return out
    countries = list(preset.countries)
    n_res = min(preset.resamples, 200)
    out["examples"] = _examples(works, wc, labels)
    cov = base["coverage"]
    if cov.height:
        out["coverage"] = cov
    panel_works = works
    if "source" in works.columns and cov.height:
        venues, (p0, p1) = rb.venue_panel(cov)
        if venues:
            panel_works = works.filter(
                pl.col("source").is_in(venues) & pl.col("year").is_between(p0, p1)
            )
            out["venue_panel"] = pl.DataFrame(
                {
                    "source": venues,
                    "first_year": [p0] * len(venues),
                    "last_year": [p1] * len(venues),
                }
            )
    try:
        by_year = country_shares(
            wc,
            works=panel_works,
            by=("year", "country"),
            counting="both",
            n_resamples=n_res,
            seed=preset.seed,
            min_works=preset.min_works,
        )
        out["shares_by_year"] = by_year.filter(pl.col("country_code").is_in(countries))
    except (InputDataError, UsageError):
        pass
    try:
        top = base["top_sets"].get(preset.highly_cited.top)
        if top is None:
            top = highly_cited(
                works, top=preset.highly_cited.top, within=preset.highly_cited.within
            )
        overall = country_shares(
            wc,
            works=works,
            subset=top,
            counting="both",
            n_resamples=n_res,
            seed=preset.seed,
            min_works=preset.min_works,
        ).with_columns(pl.lit("all").alias("label"))
        frames = [overall]
        if labels is not None and labels.height:
            frames.append(
                country_shares(
                    wc,
                    works=works,
                    work_labels=labels,
                    by=("label", "country"),
                    subset=top,
                    counting="both",
                    n_resamples=n_res,
                    seed=preset.seed,
                    min_works=preset.min_works,
                )
            )
        hc = pl.concat([f.select(overall.columns) for f in frames], how="vertical_relaxed")
        out["highly_cited_shares"] = hc.filter(pl.col("country_code").is_in(countries))
    except (InputDataError, UsageError):
        pass
    return out


def _examples(
    works: pl.DataFrame, wc: pl.DataFrame, labels: pl.DataFrame | None, n: int = 5
) -> pl.DataFrame:
    """The ``n`` most cited works per label (and overall), to let readers check the labels."""
    cols = ["id", "title", "source", "year", "cited_by_count"]
    cols = [c for c in cols if c in works.columns]
    countries = (
        wc.filter(pl.col("country_code").is_not_null())
        .group_by("work_id")
        .agg(pl.col("country_code").sort().str.join(" ").alias("countries"))
    )
    w = works.select(cols).join(countries, left_on="id", right_on="work_id", how="left")
    frames = [
        w.sort("cited_by_count", descending=True, nulls_last=True)
        .head(n)
        .with_columns(pl.lit("all").alias("label"))
    ]
    if labels is not None:
        for lab in sorted(set(labels.get_column("label").to_list())):
            ids = labels.filter(pl.col("label") == lab).select(pl.col("work_id").alias("id"))
            frames.append(
                w.join(ids, on="id", how="semi")
                .sort("cited_by_count", descending=True, nulls_last=True)
                .head(n)
                .with_columns(pl.lit(lab).alias("label"))
            )
    return pl.concat(frames, how="vertical_relaxed")


def _counts_tables(preset: Preset, ev: Evidence) -> dict[str, pl.DataFrame]:
    c = ev.counts.filter(pl.col("country_code").is_not_null())
    y0, y1 = preset.population.years
    c = c.filter(pl.col("year").is_between(y0, y1))
    specs = {lab.spec: name for name, lab in preset.labels.items()}
    if preset.population.ai_scope is not None:
        specs.setdefault(preset.population.ai_scope.spec, preset.population.ai_scope.name)
    c = c.filter(pl.col("label").is_in(list(specs)))
    if c.height == 0:
        return {}
    sh = shares_from_counts(c, by=("label", "year", "country"), min_works=preset.min_works)
    sh = sh.filter(pl.col("country_code").is_in(list(preset.countries))).with_columns(
        pl.col("label").replace(specs).alias("label_name")
    )
    return {"counts_shares_by_year": sh}
