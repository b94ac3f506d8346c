"""litscan: test claims about the geography of AI research against OpenAlex.

The notebook API (imported lazily, so ``import litscan`` stays light)::

    import litscan
    res = litscan.run_preset("facial-recognition-lead", offline=True)
    res.to_frame()
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from litscan.errors import LitscanError

__version__ = "0.1.0"

#: public name -> module that defines it
_API = {
    "run_preset": "litscan.run",
    "run_presets": "litscan.run",
    "RunResult": "litscan.run",
}

__all__ = ["LitscanError", "__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'litscan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
