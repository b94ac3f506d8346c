"""Plotly figures of litscan's results: pure functions, a frame in, a figure out.

Every function takes the frame an :mod:`litscan.stats` (or :mod:`litscan.labels.classify`) function
returns, checks the columns it needs (an :class:`~litscan.errors.InputDataError` names the missing
ones), and returns a :class:`plotly.graph_objects.Figure`. Nothing is computed here that changes a
number; figures only select, scale (shares are shown in %) and draw.

Titles say what the figure is; the subtitle states the definitions the numbers depend on
(counting, highly-cited threshold, years, interval, data source), built from the keyword arguments
``counting``, ``threshold``, ``years`` and ``source``.

Colours: the Okabe-Ito palette (colour-blind safe), with a fixed colour per country so that China
and the United States look the same in every figure (:data:`COUNTRY_COLORS`,
:func:`country_color`). Countries outside the fixed map are drawn in grey with distinct dashes.

=========================  =================================================================
function                   input frame (required columns)
=========================  =================================================================
plot_share_trend           ``country_code, year, share`` (+ ``lo, hi, counting, low_n, n_total``)
                           — :func:`litscan.stats.shares.country_shares` by country × year, or
                           :func:`~litscan.stats.counts.shares_from_counts`
plot_activity_heatmap      ``country_code, <label_col>, activity_index`` (+ ``lo, hi, low_n,
                           n_works, counting``) — :func:`litscan.stats.compare.activity_index`
plot_highly_cited          ``country_code, counting, share|pp_top, lo, hi`` (+ a facet column)
                           — ``country_shares(..., subset=highly_cited(...), counting="both")``
                           or :func:`litscan.stats.shares.pp_top`
plot_before_after          ``country_code, share_a, lo_a, hi_a, share_b, lo_b, hi_b, diff, lo,
                           hi`` (+ ``counting, cutoff``) — :func:`litscan.stats.compare.before_after`
plot_coauthorship          ``a, b, share_ab, share_ab_of_a, share_ab_of_b`` and their ``_lo`` /
                           ``_hi`` (+ ``year``) — :func:`litscan.stats.compare.coauthorship`
plot_classifier_eval       ``label, precision, recall`` (+ ``f1, dataset, support``) —
                           the per-label evaluation of :mod:`litscan.labels.classify`
plot_claims                ``id, diff, lo, hi, verdict`` (+ ``text, counting``) — each claim's
                           primary estimate (A − B) from :mod:`litscan.claims.evaluate`
=========================  =================================================================


The plot functions live in one module per family (``style``, ``shares``, ``cited``,
``labels``, ``robustness``, ``coverage``); they are also reachable here, imported lazily.
"""

from __future__ import annotations

from litscan.lazy import lazy_attributes

#: public name -> submodule that defines it
_API = {
    "OKABE_ITO": "style",
    "COUNTRY_COLORS": "style",
    "country_color": "style",
    "country_name": "style",
    "describe": "style",
    "plot_share_trend": "shares",
    "plot_activity_heatmap": "shares",
    "plot_highly_cited": "cited",
    "plot_before_after": "cited",
    "plot_coauthorship": "shares",
    "plot_classifier_eval": "labels",
    "plot_claims": "robustness",
    "VERDICT_STYLES": "robustness",
    "plot_venue_forest": "robustness",
    "plot_spec_curve": "robustness",
    "plot_coverage": "coverage",
}

__all__ = list(_API)


__getattr__, __dir__ = lazy_attributes(__name__, _API)
