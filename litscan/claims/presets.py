"""Query presets: TOML files (shipped in ``litscan/queries/``) that state a claim from the debate and how to test it.

A preset is read with the standard library's :mod:`tomllib` and validated into frozen dataclasses
(:class:`Preset`, :class:`Claim`, :class:`Side`, ...). Every problem is a
:class:`~litscan.errors.PresetError` whose message is one line naming the file, the key path, what
was expected, what arrived and a suggestion, e.g.::

    queries/x.toml: countries[2]: unknown country code 'UK'; did you mean 'GB'?

The format is documented in ``docs/presets.md``. In short::

    schema_version = 1
    claim = "China's share of highly cited surveillance papers exceeds its overall share"
    source = "embedded"                     # embedded | cache | live | tables
    countries = ["CN", "US"]

    [population]
    years = [2013, 2019]
    venues = ["CVPR", "ICCV"]               # embedded top-venue papers only
    types = ["article", "proceedings-article"]   # live OpenAlex only
    ai_scope = "all"                        # or a label definition, e.g. "classifier:ai"

    [labels]
    surveillance = "classifier:surveillance"

    [counting]
    primary = "fractional"                  # whole | fractional
    report = "both"                         # whole | fractional | both

    [highly_cited]
    top = 0.10
    sensitivity = [0.01, 0.05, 0.25]

    [[claims]]
    id = "surveillance-top"
    text = "CN share of top-10 % surveillance > CN share of top-10 % overall"
    a = { country = "CN", label = "surveillance", top = true }
    op = ">"
    b = { country = "CN", top = true }
"""

from __future__ import annotations

import difflib
import hashlib
import re
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from litscan.claims.preset_values import (
    _V,
    MAX_PRESET_BYTES,
    MAX_SEED,
    _country,
    _live_spec,
    _live_specs,
    parse_label,
    suggest,
)
from litscan.claims.specs import (
    COUNTINGS,
    EVIDENCE,
    FIGURES,
    OPS,
    SCHEMA_VERSION,
    SOURCES,
    STRATA_BY,
    WITHIN,
    Claim,
    Counting,
    HighlyCited,
    LabelDef,
    LiveOptions,
    Population,
    Preset,
    Side,
    Strata,
)
from litscan.errors import PresetError

__all__ = [
    "load_preset",
    "parse_preset",
    "list_presets",
    "presets_dir",
]

# --------------------------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------------------------

TOP_KEYS = (
    "schema_version",
    "claim",
    "title",
    "description",
    "source",
    "countries",
    "population",
    "labels",
    "counting",
    "highly_cited",
    "claims",
    "live",
    "figures",
    "seed",
    "resamples",
    "min_works",
    "strata",
    "min_effect",
)
POP_KEYS = ("years", "types", "venues", "ai_scope")
COUNTING_KEYS = ("primary", "report")
HC_KEYS = ("top", "within", "sensitivity")
STRATA_KEYS = ("by", "i2_threshold", "agreement")
CLAIM_KEYS = (
    "id",
    "text",
    "a",
    "op",
    "b",
    "evidence",
    "live_only",
    "proxy_for",
    "per_year",
    "note",
    "min_effect",
)
SIDE_KEYS = ("country", "label", "years", "venues", "top", "value")
LIVE_KEYS = (
    "filter", "sample", "seed", "max_works", "population", "labels", "venues", "differs"
)  # fmt: skip
#: OpenAlex label kinds a live formulation may use (``source`` = OpenAlex source id ``S…``)
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _side(v: _V, raw: Any, key: str, labels: Mapping[str, LabelDef], evidence: str) -> Side:
    t = v.table(raw, key)
    v.keys(t, SIDE_KEYS, key)
    if "value" in t:
        others = [k for k in t if k != "value"]
        if others:
            raise v.fail(
                f"{key}.{others[0]}",
                "a constant side (value = ...) takes no other keys",
                f"remove {others[0]} or value",
            )
        val = t["value"]
        if isinstance(val, bool) or not isinstance(val, int | float) or not 0 <= val <= 1:
            raise v.fail(
                f"{key}.value",
                f"expected a share between 0 and 1, got {v.show(val)}",
                "e.g. value = 0.5 for 'more than half'",
            )
        return Side(value=float(val))
    country = _country(v, v.required(t, "country", key), f"{key}.country")
    label = None
    if "label" in t:
        label = v.string(t["label"], f"{key}.label")
        if label not in labels:
            hint = suggest(
                label,
                list(labels),
                f"define it under [labels] (defined: {', '.join(labels) or 'none'})",
            )
            raise v.fail(f"{key}.label", f"unknown label {label!r}", hint)
    years = v.years(t["years"], f"{key}.years") if "years" in t else None
    venues = tuple(v.str_list(t["venues"], f"{key}.venues")) if "venues" in t else ()
    top = v.boolean(t["top"], f"{key}.top") if "top" in t else False
    if evidence == "counts":
        if top:
            raise v.fail(
                f"{key}.top",
                "highly-cited sets need work records",
                'set evidence = "records" or remove top',
            )
        if venues:
            raise v.fail(
                f"{key}.venues",
                "aggregate counts have no venues",
                'set evidence = "records" or remove venues',
            )
        if label and labels[label].kind not in ("concept", "subfield", "field", "topic"):
            raise v.fail(
                f"{key}.label",
                f"label {label!r} ({labels[label].spec}) is not an "
                "OpenAlex concept/subfield/topic, so aggregate counts cannot have it",
                'set evidence = "records"',
            )
    return Side(country=country, label=label, years=years, venues=venues, top=top)


def _claim(v: _V, raw: Any, key: str, labels: Mapping[str, LabelDef]) -> Claim:
    t = v.table(raw, key)
    v.keys(t, CLAIM_KEYS, key)
    cid = v.string(v.required(t, "id", key), f"{key}.id")
    if not ID_RE.match(cid):
        raise v.fail(
            f"{key}.id",
            f"expected lower-case letters, digits, '-' or '_', got {v.show(cid)}",
            f"e.g. {re.sub(r'[^a-z0-9_-]+', '-', cid.lower())!r}",
        )
    text = v.string(v.required(t, "text", key), f"{key}.text", oneline=True)
    evidence = v.choice(t.get("evidence", "records"), EVIDENCE, f"{key}.evidence")
    op = v.choice(v.required(t, "op", key), OPS, f"{key}.op")
    a = _side(v, v.required(t, "a", key), f"{key}.a", labels, evidence)
    b = _side(v, v.required(t, "b", key), f"{key}.b", labels, evidence)
    if a.is_constant:
        raise v.fail(
            f"{key}.a",
            "the left side must be a share, not a constant",
            "put the constant on the right: b = { value = ... }",
        )
    if a == b:
        raise v.fail(
            f"{key}.b",
            "both sides select the same share",
            "change country, label, years, venues or top on one side",
        )
    live_only = v.boolean(t["live_only"], f"{key}.live_only") if "live_only" in t else False
    per_year = v.boolean(t["per_year"], f"{key}.per_year") if "per_year" in t else False
    proxy_for = v.string(t["proxy_for"], f"{key}.proxy_for") if "proxy_for" in t else None
    note = v.string(t["note"], f"{key}.note") if "note" in t else ""
    min_effect = v.points(t["min_effect"], f"{key}.min_effect") if "min_effect" in t else None
    return Claim(
        id=cid,
        text=text,
        a=a,
        op=op,
        b=b,
        evidence=evidence,
        live_only=live_only,
        proxy_for=proxy_for,
        per_year=per_year,
        note=note,
        min_effect=min_effect,
    )


def _strata(v: _V, raw: Any) -> Strata:
    st = v.table(raw, "strata")
    v.keys(st, STRATA_KEYS, "strata")
    by_raw = st.get("by", list(STRATA_BY))
    if isinstance(by_raw, str) or not isinstance(by_raw, list):
        raise v.fail(
            "strata.by",
            f"expected a list, got {v.tname(by_raw)} {v.show(by_raw)}",
            'e.g. by = ["source", "year"], ["source"] or []',
        )
    by: list[str] = []
    for i, item in enumerate(by_raw):
        key = f"strata.by[{i}]"
        if item in ("venue", "venues", "journal", "conference"):
            raise v.fail(
                key,
                f"expected one of {', '.join(STRATA_BY)}, got {item!r}",
                "did you mean 'source'?",
            )
        name = v.choice(item, STRATA_BY, key)
        if name in by:
            raise v.fail(key, f"{name!r} is listed twice", f"remove the second {name!r}")
        by.append(name)

    def share(name: str, default: float) -> float:
        x = st.get(name, default)
        key = f"strata.{name}"
        if isinstance(x, bool) or not isinstance(x, int | float):
            raise v.fail(
                key,
                f"expected a number in (0, 1], got {v.tname(x)} {v.show(x)}",
                f"e.g. {name} = {default}",
            )
        if not 0 < x <= 1:
            hint = f"did you mean {x / 100:g}?" if 1 < x <= 100 else f"e.g. {name} = {default}"
            raise v.fail(key, f"expected a number in (0, 1], got {x}", hint)
        return float(x)

    i2 = share("i2_threshold", 0.75)
    agree = share("agreement", 0.80)
    return Strata(by=tuple(b for b in STRATA_BY if b in by), i2_threshold=i2, agreement=agree)


def parse_preset(data: Any, path: str | Path = "<preset>", *, text: bytes = b"") -> Preset:
    """Validate a parsed TOML document into a :class:`Preset` (raises :class:`PresetError`)."""
    p = Path(path)
    v = _V(str(path))
    t = v.table(data, "")
    v.keys(t, TOP_KEYS, "")
    ver = v.required(t, "schema_version", "")
    if isinstance(ver, bool) or not isinstance(ver, int) or ver != SCHEMA_VERSION:
        raise v.fail(
            "schema_version",
            f"expected {SCHEMA_VERSION}, got {v.show(ver)}",
            f"this litscan reads schema_version = {SCHEMA_VERSION}",
        )
    if isinstance(t.get("claim"), list) and "claims" not in t:
        raise v.fail(
            "claim",
            "expected the preset's one-line claim (a string), got a list of tables",
            "the claim tables are written [[claims]]; did you mean [[claims]]?",
        )
    claim_line = v.string(v.required(t, "claim", ""), "claim", oneline=True)
    title = v.string(t.get("title", p.stem), "title", oneline=True)
    description = v.string(t.get("description", ""), "description", nonempty=False)
    source = v.choice(t.get("source", "embedded"), SOURCES, "source")
    raw_countries = v.str_list(v.required(t, "countries", ""), "countries")
    if not raw_countries:
        raise v.fail(
            "countries",
            "expected at least one country code, got []",
            'e.g. countries = ["CN", "US"]',
        )
    countries = tuple(_country(v, c, f"countries[{i}]") for i, c in enumerate(raw_countries))
    seed = v.integer(t.get("seed", 0), "seed", 0, MAX_SEED)
    resamples = v.integer(t.get("resamples", 1000), "resamples", 0, 100_000)
    min_works = v.integer(t.get("min_works", 30), "min_works", 1)

    # labels first: population.ai_scope and the claims refer to them
    labels: dict[str, LabelDef] = {}
    lt = v.table(t.get("labels", {}), "labels")
    for name, spec in lt.items():
        if not ID_RE.match(str(name)):
            raise v.fail(
                f"labels.{name}",
                "label names are lower-case words with '-' or '_'",
                f"e.g. {re.sub(r'[^a-z0-9_]+', '_', str(name).lower())!r}",
            )
        labels[name] = parse_label(spec, f"labels.{name}", v, name)

    pt = v.table(v.required(t, "population", ""), "population")
    v.keys(pt, POP_KEYS, "population")
    years = v.years(v.required(pt, "years", "population"), "population.years")
    types = tuple(v.str_list(pt.get("types", []), "population.types"))
    venues = tuple(v.str_list(pt.get("venues", []), "population.venues"))
    scope = None
    if "ai_scope" in pt and pt["ai_scope"] != "all":
        spec = pt["ai_scope"]
        if isinstance(spec, str) and spec in labels:
            scope = labels[spec]
        else:
            scope = parse_label(spec, "population.ai_scope", v, "ai_scope")
    population = Population(years=years, types=types, venues=venues, ai_scope=scope)

    ct = v.table(t.get("counting", {}), "counting")
    v.keys(ct, COUNTING_KEYS, "counting")
    primary = v.choice(ct.get("primary", "fractional"), COUNTINGS, "counting.primary")
    rep = v.choice(ct.get("report", "both"), (*COUNTINGS, "both"), "counting.report")
    report = COUNTINGS if rep == "both" else (rep,)
    if primary not in report:
        raise v.fail(
            "counting.report",
            f"{rep!r} does not include the primary counting {primary!r}",
            'use report = "both"',
        )
    counting = Counting(primary=primary, report=tuple(report))

    ht = v.table(t.get("highly_cited", {}), "highly_cited")
    v.keys(ht, HC_KEYS, "highly_cited")
    top = v.fraction(ht.get("top", 0.10), "highly_cited.top")
    within = tuple(
        v.choice(w, WITHIN, f"highly_cited.within[{i}]")
        for i, w in enumerate(v.str_list(ht.get("within", ["year"]), "highly_cited.within"))
    )
    sens_raw = ht.get("sensitivity", [0.01, 0.05, 0.25])
    if not isinstance(sens_raw, list):
        raise v.fail(
            "highly_cited.sensitivity",
            f"expected a list of numbers, got {v.tname(sens_raw)} {v.show(sens_raw)}",
            "e.g. [0.01, 0.05, 0.25]",
        )
    sens = tuple(v.fraction(x, f"highly_cited.sensitivity[{i}]") for i, x in enumerate(sens_raw))
    hc = HighlyCited(top=top, within=within, sensitivity=sens)

    raw_claims = v.required(t, "claims", "")
    if not isinstance(raw_claims, list) or not raw_claims:
        raise v.fail(
            "claims",
            f"expected one or more [[claims]] tables, got {v.show(raw_claims)}",
            "add [[claims]] with id, text, a, op, b",
        )
    claims = tuple(_claim(v, c, f"claims[{i}]", labels) for i, c in enumerate(raw_claims))
    ids = [c.id for c in claims]
    for i, c in enumerate(claims):
        if ids.index(c.id) != i:
            raise v.fail(f"claims[{i}].id", f"duplicate claim id {c.id!r}", "ids must be unique")
        if c.proxy_for is not None and c.proxy_for not in ids:
            hint = suggest(c.proxy_for, ids, f"claim ids: {', '.join(ids)}")
            raise v.fail(f"claims[{i}].proxy_for", f"unknown claim id {c.proxy_for!r}", hint)
        if c.proxy_for == c.id:
            raise v.fail(f"claims[{i}].proxy_for", "a claim cannot be a proxy for itself")

    lv = v.table(t.get("live", {}), "live")
    v.keys(lv, LIVE_KEYS, "live")
    live_labels = {}
    for name, specs in v.table(lv.get("labels", {}), "live.labels").items():
        if name not in labels and (scope is None or name != scope.name):
            hint = suggest(str(name), list(labels), f"defined labels: {', '.join(labels)}")
            raise v.fail(f"live.labels.{name}", f"unknown label {name!r}", hint)
        live_labels[name] = _live_specs(v, specs, f"live.labels.{name}")
    live_venues = {}
    for name, ids in v.table(lv.get("venues", {}), "live.venues").items():
        live_venues[name] = tuple(
            _live_spec(v, s if ":" in s else f"source:{s}", f"live.venues.{name}[{i}]")
            for i, s in enumerate(
                v.str_list(ids if isinstance(ids, list) else [ids], f"live.venues.{name}")
            )
        )
    live = LiveOptions(
        filter=v.string(lv.get("filter", ""), "live.filter", nonempty=False),
        sample=v.integer(lv["sample"], "live.sample", 1, 10_000) if "sample" in lv else None,
        seed=v.integer(lv.get("seed", 0), "live.seed", 0, MAX_SEED),
        max_works=v.integer(lv["max_works"], "live.max_works", 1) if "max_works" in lv else None,
        population=_live_specs(v, lv["population"], "live.population")
        if "population" in lv
        else (),
        labels=live_labels,
        venues=live_venues,
        differs=v.string(lv.get("differs", ""), "live.differs", nonempty=False),
    )
    strata = _strata(v, t.get("strata", {}))
    figs = tuple(
        v.choice(f, FIGURES, f"figures[{i}]")
        for i, f in enumerate(v.str_list(t.get("figures", list(FIGURES[:3])), "figures"))
    )
    return Preset(
        path=p,
        name=p.stem,
        claim=claim_line,
        title=title,
        description=description,
        source=source,
        countries=countries,
        population=population,
        labels=labels,
        counting=counting,
        highly_cited=hc,
        claims=claims,
        live=live,
        figures=figs,
        seed=seed,
        resamples=resamples,
        min_works=min_works,
        strata=strata,
        min_effect=v.points(t["min_effect"], "min_effect") if "min_effect" in t else None,
        sha256=hashlib.sha256(text).hexdigest() if text else "",
        raw=t,
    )


def load_preset(path: str | Path) -> Preset:
    """Read and validate one preset file; every problem is a one-line :class:`PresetError`.

    Devices, FIFOs and files over :data:`MAX_PRESET_BYTES` are refused before reading."""
    p = Path(path)
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):
            raise PresetError(
                f"{p}: expected a preset file (TOML), got "
                + ("a folder" if stat.S_ISDIR(st.st_mode) else "a device, FIFO or socket"),
                hint="give a .toml file or a preset name; `litscan presets` lists them",
            )
        if st.st_size > MAX_PRESET_BYTES:
            raise PresetError(
                f"{p}: expected a preset of at most {MAX_PRESET_BYTES:,} bytes, got {st.st_size:,}",
                hint="a preset is a short TOML file; is this the right file?",
            )
        text = p.read_bytes()
    except FileNotFoundError:
        here = presets_dir()
        names = [f.stem for f in here.glob("*.toml")] if here.is_dir() else []
        close = difflib.get_close_matches(p.stem, names, n=1, cutoff=0.5)
        hint = (
            f"did you mean {str(here / close[0]) + '.toml'!r}?"
            if close
            else "run `litscan presets` to list the presets"
        )
        raise PresetError(f"{p}: no such preset file; {hint}") from None
    except OSError as exc:
        raise PresetError(f"{p}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PresetError(
            f"{p}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        msg = " ".join(str(exc).split())
        if re.search(rb"^\s*\[\[\s*claim\s*\]\]", text, flags=re.MULTILINE):
            raise PresetError(
                f'{p}: [[claim]]: the claim tables are written [[claims]] (claim = "..." is '
                "the preset's one-line claim); did you mean [[claims]]?"
            ) from None
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        where = f"line {m.group(1)}, column {m.group(2)}" if m else "(document)"
        msg = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
        raise PresetError(
            f"{p}: {where}: invalid TOML: {msg}; check quotes, brackets and 'key = value' syntax"
        ) from None
    return parse_preset(data, p, text=text)


def presets_dir(folder: str | Path | None = None) -> Path:
    """The presets folder: ``folder`` if given, then ``LITSCAN_QUERIES``
    (:attr:`litscan.config.Settings.queries_dir`), then the presets shipped in the package
    (``litscan/queries/``; the repository's ``queries/`` points there)."""
    if folder:
        return Path(folder)
    from litscan.config import resolve_settings

    configured = resolve_settings().queries_dir
    if configured is not None:
        return configured
    return Path(__file__).resolve().parents[1] / "queries"


def resolve_preset_path(spec: str) -> Path:
    """A preset argument: a path, or a name in :func:`presets_dir` (with or without .toml)."""
    p = Path(spec)
    if p.is_file():
        return p
    for cand in (presets_dir() / spec, presets_dir() / f"{spec}.toml"):
        if cand.is_file():
            return cand
    return p


def list_presets(folder: str | Path | None = None) -> list[Path]:
    """The preset files in ``folder`` (default :func:`presets_dir`), sorted by name."""
    d = presets_dir(folder)
    return sorted(d.glob("*.toml"))
