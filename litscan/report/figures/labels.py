"""Figures of classifier evaluation (precision and recall per label)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from litscan.errors import InputDataError
from litscan.report.figures.style import _METRIC_COLORS, _frame, _layout, _require, describe

__all__ = [
    "plot_classifier_eval",
]

# --------------------------------------------------------------------------------------------
# 6. classifier evaluation
# --------------------------------------------------------------------------------------------


def plot_classifier_eval(
    frame: pl.DataFrame,
    *,
    dataset: str | None = None,
    label_names: dict[str, str] | None = None,
    title: str | None = None,
    source: str | None = None,
    threshold: str | None = None,
) -> go.Figure:
    """Precision and recall per label (bars; F1 as a black diamond), one panel per dataset.

    ``frame``: ``label, precision, recall`` and optionally ``f1``, ``dataset``, ``support``
    (or ``n``) and ``precision_lo/hi``, ``recall_lo/hi`` (drawn as whiskers). ``dataset`` keeps
    only that dataset.
    """
    where = "plot_classifier_eval"
    df = _frame(frame, where)
    _require(df, ["label", "precision", "recall"], where, "the per-label evaluation of classify")
    if dataset is not None:
        if "dataset" not in df.columns:
            raise InputDataError(
                f"{where}: dataset={dataset!r} given but the frame has no 'dataset' column"
            )
        df = df.filter(pl.col("dataset") == dataset)
        if df.height == 0:
            raise InputDataError(f"{where}: no rows for dataset {dataset!r}")
    datasets = (
        [None]
        if "dataset" not in df.columns
        else list(dict.fromkeys(df.get_column("dataset").to_list()))
    )
    label_names = label_names or {}
    labels = list(dict.fromkeys(df.get_column("label").to_list()))
    fig = make_subplots(
        rows=len(datasets),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        subplot_titles=[str(d) for d in datasets] if datasets[0] else None,
    )
    support_col = next((c for c in ("support", "n", "n_pos") if c in df.columns), None)
    for i, ds in enumerate(datasets, start=1):
        part = df if ds is None else df.filter(pl.col("dataset") == ds)
        rows = {r["label"]: r for r in part.iter_rows(named=True)}
        xl = [label_names.get(lab, lab) for lab in labels]
        for metric in ("precision", "recall"):
            y, lo, hi = [], [], []
            for lab in labels:
                r = rows.get(lab)
                v = None if r is None else r[metric]
                y.append(v)
                rlo = None if r is None else r.get(f"{metric}_lo")
                rhi = None if r is None else r.get(f"{metric}_hi")
                lo.append(None if rlo is None or v is None else v - rlo)
                hi.append(None if rhi is None or v is None else rhi - v)
            err = (
                dict(
                    type="data",
                    symmetric=False,
                    array=hi,
                    arrayminus=lo,
                    color="#333333",
                    thickness=1.2,
                    width=3,
                )
                if any(h is not None for h in hi)
                else None
            )
            sup = [
                None if rows.get(lab) is None or not support_col else rows[lab][support_col]
                for lab in labels
            ]
            fig.add_trace(
                go.Bar(
                    x=xl,
                    y=y,
                    name=metric,
                    legendgroup=metric,
                    showlegend=i == 1,
                    marker=dict(color=_METRIC_COLORS[metric]),
                    error_y=err,
                    text=[None if v is None else f"{v:.2f}" for v in y],
                    textposition="outside",
                    textfont=dict(size=12),
                    cliponaxis=False,
                    customdata=sup,
                    hovertemplate=f"%{{x}} {metric}: %{{y:.3f}}"
                    + ("<br>positives: %{customdata}" if support_col else "")
                    + "<extra></extra>",
                ),
                row=i,
                col=1,
            )
        if "f1" in part.columns:
            fig.add_trace(
                go.Scatter(
                    x=xl,
                    y=[None if rows.get(lab) is None else rows[lab]["f1"] for lab in labels],
                    mode="markers",
                    name="F1",
                    legendgroup="f1",
                    showlegend=i == 1,
                    marker=dict(symbol="diamond", size=11, color="black"),
                    hovertemplate="%{x} F1: %{y:.3f}<extra></extra>",
                ),
                row=i,
                col=1,
            )
        fig.update_yaxes(
            range=[0, 1.12],
            tickvals=[0, 0.25, 0.5, 0.75, 1.0],
            showgrid=True,
            gridcolor="#EEEEEE",
            title_text="Score",
            row=i,
            col=1,
        )
    if title is None:
        title = "Classifier evaluation: precision and recall per label"
    sub = describe(
        threshold=threshold, source=source, extra="held-out evaluation" if source is None else None
    )
    _layout(fig, title, sub)
    fig.update_layout(
        barmode="group",
        bargap=0.25,
        legend=dict(orientation="h", x=1.0, xanchor="right", y=1.02, yanchor="bottom"),
    )
    fig.update_xaxes(ticks="", tickangle=0 if len(labels) <= 8 else -30)
    return fig
