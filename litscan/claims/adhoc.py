"""Ad-hoc claims: a validated preset built from a few arguments, and presets changed in place.

:func:`compare_preset` builds the preset behind :func:`litscan.compare` (one claim, its id and
text generated from the arguments); :func:`override_preset` changes a preset's countries, years
or venues and regenerates the ids and texts of the claims it changed. Both go through
:func:`~litscan.claims.presets.parse_preset`, so what they return validates exactly as a preset
file would (``p.to_toml()`` saves it as one).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from litscan.claims.preset_values import parse_label
from litscan.claims.presets import parse_preset
from litscan.claims.specs import Claim, Preset, Side
from litscan.errors import PresetError, UsageError

__all__ = ["compare_preset", "override_preset", "claim_text", "SAME"]

#: ``label_b`` default: side B has the same label as side A
SAME = "same"
_OPS = (">", "<")


def _years(name: str, value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        y0, y1 = int(value[0]), int(value[1])
        if y0 > y1:
            raise UsageError(f"{name}: first year {y0} is after last year {y1}",
                             hint=f"did you mean ({y1}, {y0})?")  # fmt: skip
        return (y0, y1)
    raise UsageError(
        f"{name}: expected a year or (first_year, last_year), got {value!r}",
        hint=f"e.g. {name}=(2018, 2025)",
    )


def _label_name(spec: str) -> str:
    kind, _, value = spec.partition(":")
    name = re.sub(r"[^a-z0-9_]+", "_", value.lower()).strip("_") or kind
    if kind in ("subfield", "field", "topic", "concept"):
        name = f"{kind}_{name}"
    return name


def _short(years: tuple[int, int]) -> str:
    return str(years[0]) if years[0] == years[1] else f"{years[0]}–{years[1]}"


def claim_text(preset: Preset, claim: Claim) -> str:
    """A claim's text generated from its sides: ``KR share of works labelled ro > JP share of
    works labelled ro (2018–2025)``."""
    top = preset.highly_cited.top
    a = claim.a.describe(preset.labels, top)
    b = claim.b.describe(preset.labels, top)
    text = f"{a} {claim.op} {b}"
    context = []
    if not (claim.a.years or claim.b.years):
        context.append(_short(preset.population.years))
    if preset.population.venues and not (claim.a.venues or claim.b.venues):
        context.append(", ".join(preset.population.venues))
    return text + (f" ({'; '.join(context)})" if context else "")


def _claim_id(a: Side, b: Side, label: str | None, label_b: str | None, top: bool) -> str:
    parts = [a.country.lower() if a.country else "a"]
    if a.years and a.years != b.years:
        parts.append(_short(a.years).replace("–", "-"))
    if label and label != label_b:
        parts.append(label)
    parts.append("vs")
    if b.is_constant:
        parts.append(f"{b.value:g}".replace(".", "p"))
    else:
        if b.country != a.country or not (a.years and a.years != b.years):
            parts.append(b.country.lower() if b.country else "b")
        if b.years and a.years != b.years:
            parts.append(_short(b.years).replace("–", "-"))
        if label_b and label_b != label:
            parts.append(label_b)
    if label and label == label_b:
        parts.append(label)
    if top:
        parts.append("top")
    return re.sub(r"[^a-z0-9_-]+", "-", "-".join(parts)).strip("-")


def compare_preset(
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
    source: str = "embedded",
    countries: Sequence[str] = (),
    resamples: int = 1000,
    seed: int = 0,
    min_works: int = 30,
    per_year: bool = False,
    strata: Sequence[str] | None = None,
) -> Preset:
    """The one-claim preset of ``a``'s share ``op`` ``b``'s share (see :func:`litscan.compare`).

    * two countries: ``a="KR", b="JP", label="venue_field:RO", years=(2018, 2025)``;
    * before/after: ``a="CN", after=(2023, 2024), before=(2020, 2021)`` (``b`` defaults to ``a``:
      the same country's share in the two periods);
    * highly cited: ``top=0.10`` compares the shares of the top 10 % by citations within year;
    * a constant: ``b=0.5`` (``a``'s share > one half).

    ``label`` is a label spec (``classifier:surveillance``, ``venue_field:RO``, ``subfield:1702``)
    restricting side A; ``label_b`` side B (default: the same label; None = no label).
    """
    if op not in _OPS:
        raise UsageError(f"op: expected '>' or '<', got {op!r}")
    if not isinstance(a, str):
        raise UsageError(f"a: expected a country code such as 'CN', got {a!r}")
    y = _years("years", years)
    yb, ya = _years("before", before), _years("after", after)
    if (yb is None) != (ya is None):
        raise UsageError("before/after: give both periods", hint="e.g. before=(2020, 2021), "
                         "after=(2023, 2024)")  # fmt: skip
    if yb is not None and ya is not None:
        pop = y or (min(yb[0], ya[0]), max(yb[1], ya[1]))
    elif y is not None:
        pop = y
    else:
        raise UsageError(
            "years: say which years to compare",
            hint="years=(2018, 2025), or before=(...) and after=(...) for a before/after claim",
        )
    labels: dict[str, str] = {}
    names: dict[str, str] = {}
    for key, spec in (("label", label), ("label_b", None if label_b == SAME else label_b)):
        if spec is None:
            continue
        if not isinstance(spec, str):
            raise UsageError(f"{key}: expected a label spec such as 'venue_field:RO', got {spec!r}")
        try:
            lab = parse_label(spec, key)  # a one-line PresetError with a suggestion when wrong
        except PresetError as exc:
            raise PresetError(str(exc).replace("<preset>: ", "compare: ", 1)) from None
        name = _label_name(lab.spec)
        labels[name] = lab.spec
        names[key] = name
    name_a = names.get("label")
    name_b = name_a if label_b == SAME else names.get("label_b")
    side_a: dict[str, Any] = {"country": a}
    if b is None:
        b = a
    if isinstance(b, int | float) and not isinstance(b, bool):
        side_b: dict[str, Any] = {"value": float(b)}
    elif isinstance(b, str):
        side_b = {"country": b}
    else:
        raise UsageError(f"b: expected a country code or a share in [0, 1], got {b!r}")
    for side, name in ((side_a, name_a), (side_b, name_b)):
        if "value" in side:
            continue
        if name:
            side["label"] = name
        if venues:
            side["venues"] = list(venues)
        if top is not None:
            side["top"] = True
    if ya is not None and yb is not None:
        side_a["years"] = list(ya)
        if "value" not in side_b:
            side_b["years"] = list(yb)
    codes = [c for c in (a, b if isinstance(b, str) else None) if c]
    data: dict[str, Any] = {
        "schema_version": 1,
        "claim": "(generated)",
        "title": "",
        "source": source,
        "countries": list(dict.fromkeys([*codes, *countries])),
        "seed": seed,
        "resamples": resamples,
        "min_works": min_works,
        "population": {"years": list(pop), "venues": list(venues)},
        "labels": labels,
        "claims": [
            {
                "id": "claim",
                "text": "(generated)",
                "a": side_a,
                "op": op,
                "b": side_b,
                "per_year": per_year,
            }
        ],  # fmt: skip
        "figures": ["comparison", "shares_over_time"] + (["highly_cited"] if top else []),
    }
    if ya is not None:
        data["figures"].append("before_after")
    if top is not None:
        data["highly_cited"] = {"top": top}
    if strata is not None:
        data["strata"] = {"by": list(strata)}
    data["title"] = "ad-hoc comparison"
    p = parse_preset(data, "compare")
    c = p.claims[0]
    cid = _claim_id(c.a, c.b, name_a, name_b, top is not None)
    c = replace(c, id=cid)
    text = claim_text(p, c)
    c = replace(c, text=text)
    p = replace(p, claims=(c,), claim=text, title=f"compare: {text}", name=cid,
                path=Path(f"{cid}.toml"))  # fmt: skip
    return _revalidate(p)


def _revalidate(p: Preset) -> Preset:
    """``p`` through its TOML form and :func:`parse_preset` again: every field validated."""
    q = parse_preset(tomllib.loads(p.to_toml()), p.path)
    return replace(q, name=p.name)


def _country_map(preset: Preset, countries: Any) -> dict[str, str]:
    used = list(
        dict.fromkeys(s.country for c in preset.claims for s in (c.a, c.b) if s.country is not None)
    )
    if isinstance(countries, Mapping):
        bad = [k for k in countries if k not in used]
        if bad:
            raise UsageError(
                f"countries: {bad[0]!r} is not a country of {preset.name}'s claims",
                hint=f"its claims compare {', '.join(used)}",
            )
        return {str(k): str(v) for k, v in countries.items()}
    if isinstance(countries, str) or not isinstance(countries, Sequence):
        raise UsageError(
            f"countries: expected a list of codes or a mapping, got {countries!r}",
            hint=f"e.g. countries={{'{used[0]}': 'KR'}} or a list of {len(used)} codes "
            f"replacing {', '.join(used)}",
        )
    if len(countries) != len(used):
        raise UsageError(
            f"countries: {preset.name}'s claims compare {len(used)} countries "
            f"({', '.join(used)}), got {len(countries)} codes",
            hint=f"give {len(used)} codes in that order, or a mapping such as "
            f"{{'{used[0]}': 'KR'}}",
        )
    return dict(zip(used, (str(c) for c in countries), strict=True))


def _swap_id(cid: str, mapping: Mapping[str, str]) -> str:
    out = cid
    for old, new in mapping.items():
        out = re.sub(rf"(?<![a-z0-9]){re.escape(old.lower())}(?![a-z0-9])", new.lower(), out)
    return out


def override_preset(
    preset: Preset,
    *,
    countries: Any = None,
    years: Any = None,
    venues: Sequence[str] | None = None,
) -> Preset:
    """``preset`` with its claims' countries replaced (a mapping ``{"CN": "KR"}`` or a list
    replacing the claims' countries in order of first appearance), its population years or its
    population venues replaced; the changed claims get generated ids and texts."""
    if countries is None and years is None and venues is None:
        return preset
    mapping = _country_map(preset, countries) if countries is not None else {}
    pop = preset.population
    y = _years("years", years) if years is not None else None
    if venues is not None and (isinstance(venues, str) or not isinstance(venues, Sequence)):
        raise UsageError(f"venues: expected a list of venue names, got {venues!r}",
                         hint='e.g. venues=["ICRA", "IROS"]')  # fmt: skip
    new_pop = replace(pop, years=y or pop.years,
                      venues=tuple(venues) if venues is not None else pop.venues)  # fmt: skip
    p = replace(preset, population=new_pop)
    suffix = ""
    if y is not None:
        suffix += f"-{y[0]}-{y[1]}" if y[0] != y[1] else f"-{y[0]}"
    if venues is not None:
        suffix += "-" + "-".join(re.sub(r"[^a-z0-9]+", "", v.lower()) for v in venues)[:40]
    claims = []
    for c in p.claims:
        a, b = c.a, c.b
        if mapping:
            a = replace(a, country=mapping.get(a.country, a.country)) if a.country else a
            b = replace(b, country=mapping.get(b.country, b.country)) if b.country else b
        changed = (a, b) != (c.a, c.b) or (c.evidence == "records" and (y or venues is not None))
        if not changed:
            claims.append(c)
            continue
        nc = replace(c, a=a, b=b, id=_swap_id(c.id, mapping) + suffix)
        claims.append(replace(nc, text=claim_text(p, nc)))
    ids = {c.id: n.id for c, n in zip(p.claims, claims, strict=True)}
    claims = [replace(c, proxy_for=ids.get(c.proxy_for, c.proxy_for)) if c.proxy_for else c
              for c in claims]  # fmt: skip
    codes = list(dict.fromkeys([mapping.get(c, c) for c in p.countries] + list(mapping.values())))
    p = replace(p, claims=tuple(claims), countries=tuple(codes))
    return _revalidate(p)
