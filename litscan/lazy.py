"""Package attributes imported on first use (PEP 562), for ``litscan``, ``litscan.stats`` and
``litscan.report.figures``: each maps a public name to the module that defines it, so importing
the package stays light and library code still imports from the defining module."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str,
    names: Mapping[str, str],
    modules: Mapping[str, str] | None = None,
    eager: tuple[str, ...] = (),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``names`` maps an attribute to the module
    (absolute, or relative to ``package`` when it has no dot) that defines it; ``modules`` maps an
    attribute to a module returned whole; ``eager`` lists attributes defined in the package itself
    (for ``dir``)."""
    modules = dict(modules or {})

    def _where(module: str) -> str:
        return module if "." in module else f"{package}.{module}"

    def __getattr__(name: str) -> Any:
        if name in names:
            return getattr(import_module(_where(names[name])), name)
        if name in modules:
            return import_module(modules[name])
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted([*eager, *names, *modules])

    return __getattr__, __dir__
