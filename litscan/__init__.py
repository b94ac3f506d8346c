"""litscan: test claims about the geography of AI research against OpenAlex.

The public API (imported lazily, so ``import litscan`` stays light)::

    import litscan
    res = litscan.run_preset("facial-recognition-lead", offline=True)   # -> RunResult
    res.to_frame()                        # one row per claim: verdict, estimate, interval
    litscan.run_presets(["a", "b"], "out")   # several presets + index.html
    print(litscan.plan_preset("surveillance-vs-deep-learning").format())  # live queries + cost
    t = litscan.load_tables("tables/")    # a tables folder as lazy polars frames
    litscan.fetch("publication_year:2024", out="tables/", max_works=500)
    litscan.ingest("snapshot/", "tables/", filter="publication_year:2024")
    litscan.shares("tables/", by="country,year")
    litscan.classify("tables/")           # labels for the works' titles and abstracts
    litscan.compare(a="KR", b="JP", label="venue_field:RO", years=(2018, 2025))  # one claim
    litscan.coverage()                    # works per venue x year (embedded data or a folder)
    p = litscan.parse_preset(tomllib.loads(text)); p.to_toml()   # presets in and out

Every command of the ``litscan`` CLI is a thin wrapper over one of these.

Each name is imported from the module that defines it on first use; the stages live in the
subpackages ``openalex``, ``tables``, ``stats``, ``labels``, ``claims``, ``report`` and
``workflows`` (``docs/architecture.md``).
"""

from __future__ import annotations

from litscan.errors import LitscanError
from litscan.lazy import lazy_attributes

__version__ = "0.1.0"

#: public name -> module that defines it
_API = {
    "run_preset": "litscan.workflows.run",
    "run_presets": "litscan.workflows.run",
    "RunResult": "litscan.workflows.run",
    "plan_preset": "litscan.workflows.run",
    "load_tables": "litscan.tables.folder",
    "write_tables": "litscan.tables.folder",
    "Tables": "litscan.tables.folder",
    "fetch": "litscan.workflows.pipeline",
    "shares": "litscan.workflows.pipeline",
    "ingest": "litscan.workflows.pipeline",
    "classify": "litscan.workflows.pipeline",
    "compare": "litscan.workflows.compare",
    "coverage": "litscan.workflows.coverage",
    "coverage_figure": "litscan.workflows.coverage",
    "parse_preset": "litscan.claims.presets",
    "load_preset": "litscan.claims.presets",
    "Preset": "litscan.claims.presets",
}
#: public submodules reachable as attributes (``litscan.presets.parse_preset``)
_MODULES = {"presets": "litscan.claims.presets"}

__all__ = ["LitscanError", "__version__", *_API]


__getattr__, __dir__ = lazy_attributes(__name__, _API, _MODULES, eager=tuple(__all__))
