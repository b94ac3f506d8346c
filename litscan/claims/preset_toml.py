"""A :class:`~litscan.claims.specs.Preset` written back as a TOML preset file.

``preset_to_toml(p)`` (also ``p.to_toml()``) writes every setting explicitly, so that::

    parse_preset(tomllib.loads(p.to_toml()), p.path) == p

holds for every valid preset (the file hash ``sha256`` aside, which belongs to the file read).
A notebook that built or changed a preset (:func:`litscan.compare`, ``run_preset(...,
countries=...)``) saves it with this and runs it later with ``litscan run FILE``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

# litscan.claims.presets imports this module (Preset.to_toml), so nothing here imports it back:
# Preset, Claim and Side are read by attribute
Preset = Claim = Side = Any

__all__ = ["preset_to_toml", "toml_value"]

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k, ensure_ascii=False)


def toml_value(v: Any) -> str:
    """One TOML value: strings, booleans, integers, finite floats, lists and inline tables."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"TOML presets take finite numbers, got {v!r}")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a TOML basic string (same escapes)
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, Sequence):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"no TOML form for {type(v).__name__}")


def _table(name: str, items: Mapping[str, Any]) -> list[str]:
    lines = [f"[{name}]"]
    lines += [f"{_key(k)} = {toml_value(v)}" for k, v in items.items() if v is not None]
    return lines


def _side(s: Side) -> dict[str, Any]:
    if s.value is not None:
        return {"value": s.value}
    out: dict[str, Any] = {"country": s.country}
    if s.label:
        out["label"] = s.label
    if s.years:
        out["years"] = list(s.years)
    if s.venues:
        out["venues"] = list(s.venues)
    if s.top:
        out["top"] = True
    return out


def _claim(c: Claim) -> dict[str, Any]:
    out: dict[str, Any] = {"id": c.id, "text": c.text, "evidence": c.evidence}
    out.update(a=_side(c.a), op=c.op, b=_side(c.b))
    if c.live_only:
        out["live_only"] = True
    if c.per_year:
        out["per_year"] = True
    if c.proxy_for is not None:
        out["proxy_for"] = c.proxy_for
    if c.note:
        out["note"] = c.note
    return out


def preset_to_toml(p: Preset, *, schema_version: int = 1) -> str:
    """``p`` as the text of a preset file (``docs/presets.md``), every setting written out."""
    head: dict[str, Any] = {
        "schema_version": schema_version,
        "title": p.title,
        "claim": p.claim,
        "description": p.description,
        "source": p.source,
        "countries": list(p.countries),
        "seed": p.seed,
        "resamples": p.resamples,
        "min_works": p.min_works,
        "figures": list(p.figures),
    }
    if not p.description:
        del head["description"]
    lines = [f"{_key(k)} = {toml_value(v)}" for k, v in head.items()]
    pop = p.population
    scope = pop.ai_scope
    scope_text = None
    if scope is not None:
        named = p.labels.get(scope.name)
        scope_text = scope.name if named == scope else scope.spec
    lines += [""] + _table(
        "population",
        {
            "years": list(pop.years),
            "types": list(pop.types),
            "venues": list(pop.venues),
            "ai_scope": scope_text,
        },
    )
    if p.labels:
        lines += [""] + _table("labels", {n: lab.spec for n, lab in p.labels.items()})
    both = len(p.counting.report) > 1
    report = "both" if both else p.counting.report[0]
    lines += [""] + _table("counting", {"primary": p.counting.primary, "report": report})
    hc = p.highly_cited
    lines += [""] + _table(
        "highly_cited",
        {"top": hc.top, "within": list(hc.within), "sensitivity": list(hc.sensitivity)},
    )
    st = p.strata
    lines += [""] + _table(
        "strata",
        {"by": list(st.by), "i2_threshold": st.i2_threshold, "agreement": st.agreement},
    )
    for c in p.claims:
        lines += ["", "[[claims]]"]
        lines += [f"{_key(k)} = {toml_value(v)}" for k, v in _claim(c).items()]
    lv = p.live
    lines += [""] + _table(
        "live",
        {
            "filter": lv.filter,
            "sample": lv.sample,
            "seed": lv.seed,
            "max_works": lv.max_works,
            "population": list(lv.population) or None,
            "differs": lv.differs,
        },
    )
    if lv.labels:
        lines += [""] + _table("live.labels", {k: list(v) for k, v in lv.labels.items()})
    if lv.venues:
        lines += [""] + _table("live.venues", {k: list(v) for k, v in lv.venues.items()})
    return "\n".join(lines) + "\n"
