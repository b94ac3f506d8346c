"""Statistics: pure functions over polars frames -- country shares, highly-cited sets,
comparisons with paired bootstrap intervals, the bootstrap kernel, robustness (standardisation,
heterogeneity, leave-one-out) and the verdict vocabulary.

May import: the top-level ``litscan.errors`` and ``litscan.config`` only. Never ``claims``,
``report``, ``workflows`` or the CLI.

The aggregation functions (``country_shares``, ``highly_cited``, ``pp_top``,
``share_difference``, ``before_after``, ``activity_index``, ``coauthorship``, ``trend``,
``shares_from_counts``, ...) live in ``shares``, ``compare`` and ``counts`` and are also
reachable here, imported lazily: ``from litscan import stats; stats.country_shares(...)``.
"""

from __future__ import annotations

from litscan.lazy import lazy_attributes

#: public name -> submodule that defines it
_API = {
    "COUNTINGS": "frames",
    "Selection": "compare",
    "replicate_weights": "replicates",
    "country_shares": "shares",
    "highly_cited": "shares",
    "pp_top": "shares",
    "activity_index": "compare",
    "coauthorship": "compare",
    "share_difference": "compare",
    "selection_works": "compare",
    "before_after": "compare",
    "trend": "compare",
    "shares_from_counts": "counts",
}

__all__ = list(_API)


__getattr__, __dir__ = lazy_attributes(__name__, _API)
