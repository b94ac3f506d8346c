"""``litscan.compare``: an ad-hoc claim in one call, with the full robustness machinery.

::

    import litscan
    res = litscan.compare(a="KR", b="JP", label="venue_field:RO", years=(2018, 2025))
    res = litscan.compare(a="CN", before=(2020, 2021), after=(2023, 2024),
                          venues=["ACL", "NAACL", "COLING"])            # before/after
    res = litscan.compare(a="CN", b="US", label="classifier:surveillance",
                          years=(2013, 2019), top=0.10)                 # highly cited
    res                                     # verdict, estimate, what it rests on
    res.preset.to_toml()                    # the preset it ran, to save as a file

It builds a validated preset (:func:`litscan.claims.adhoc.compare_preset`; claim id and text
generated from the arguments), runs it with :func:`litscan.workflows.run.run_preset` and returns
the same :class:`~litscan.workflows.run.RunResult` a preset file gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from litscan.claims.adhoc import SAME, compare_preset
from litscan.workflows.run import RunResult, run_preset

__all__ = ["compare"]


def compare(
    a: str,
    b: str | float | None = None,
    *,
    label: str | None = None,
    label_b: str | None = SAME,
    years: Any = None,
    before: Any = None,
    after: Any = None,
    top: float | None = None,
    venues: Sequence[str] = (),
    op: str = ">",
    source: str | None = None,
    tables: str | Path | None = None,
    resamples: int = 1000,
    seed: int = 0,
    min_works: int = 30,
    per_year: bool = False,
    strata: Sequence[str] | None = None,
    settings: Any = None,
) -> RunResult:
    """Test "``a``'s share ``op`` ``b``'s share" and return a :class:`RunResult`.

    ``a``/``b`` are country codes (``b`` may be a constant share such as 0.5; it defaults to
    ``a`` for before/after claims); ``label`` restricts side A (and side B unless ``label_b``
    says otherwise) to a label (``classifier:surveillance``, ``venue_field:RO``,
    ``subfield:1702``); ``years`` is the population's years, or ``before``/``after`` the two
    periods of a before/after claim; ``top`` compares highly-cited sets (top share by citations
    within year); ``venues`` restricts to venues. Data: the embedded top-venue papers by
    default, ``tables=DIR`` a tables folder, ``source="live"`` OpenAlex.
    """
    src = source or ("tables" if tables is not None else "embedded")
    preset = compare_preset(
        a,
        b,
        label=label,
        label_b=label_b,
        years=years,
        before=before,
        after=after,
        top=top,
        venues=venues,
        op=op,
        source=src,
        resamples=resamples,
        seed=seed,
        min_works=min_works,
        per_year=per_year,
        strata=strata,
    )
    return run_preset(preset, source=src, tables=tables, settings=settings)
