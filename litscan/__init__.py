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

Every command of the ``litscan`` CLI is a thin wrapper over one of these.

``litscan.ingest`` and ``litscan.classify`` are also the names of modules
(:mod:`litscan.ingest`, :mod:`litscan.classify`). Python binds a package attribute to a submodule
once the submodule is imported, so those two attributes are the modules, made callable:
``litscan.ingest(...)`` calls :func:`litscan.pipeline.ingest` and ``litscan.classify(...)`` calls
:func:`litscan.pipeline.classify`, while ``litscan.classify.predict`` stays the module function.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import Any

from litscan.errors import LitscanError

__version__ = "0.1.0"

#: public name -> module that defines it
_API = {
    "run_preset": "litscan.run",
    "run_presets": "litscan.run",
    "RunResult": "litscan.run",
    "plan_preset": "litscan.run",
    "load_tables": "litscan.tables",
    "write_tables": "litscan.tables",
    "Tables": "litscan.tables",
    "fetch": "litscan.pipeline",
    "shares": "litscan.pipeline",
}

#: public functions whose name is also a submodule's: the submodule becomes callable
_CALLABLE_MODULES = {"ingest": "litscan.pipeline", "classify": "litscan.pipeline"}

__all__ = ["LitscanError", "__version__", *_API, *_CALLABLE_MODULES]


class _CallableModule(types.ModuleType):
    """A submodule that also is the public function of the same name (see the docstring)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        name = self.__name__.rsplit(".", 1)[1]
        return getattr(import_module(_CALLABLE_MODULES[name]), name)(*args, **kwargs)


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        # the import system binds ``litscan.<sub>`` here when a submodule is imported
        if name in _CALLABLE_MODULES and isinstance(value, types.ModuleType):
            value.__class__ = _CallableModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    if name in _CALLABLE_MODULES:
        return import_module(f"litscan.{name}")  # bound (and made callable) by the import
    raise AttributeError(f"module 'litscan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
