"""Validating the values of a preset: the validator that turns one TOML value into a typed field
or a :class:`~litscan.errors.PresetError` naming file, key, what was expected and what arrived
(:class:`_V`), suggestions for near misses (:func:`suggest`), country codes, label definitions
(:func:`parse_label`, with synonyms for near-miss labels) and live query specifications.
:mod:`litscan.claims.presets` assembles these values into a :class:`~litscan.claims.specs.Preset`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from litscan.claims.specs import (
    LABEL_KINDS,
    LIVE_KINDS,
    MAX_YEAR,
    MIN_YEAR,
    VENUE_FIELDS,
    LabelDef,
)
from litscan.errors import PresetError

__all__ = [
    "parse_label",
]

# --------------------------------------------------------------------------------------------
# frozen preset objects
# --------------------------------------------------------------------------------------------


def suggest(
    value: str,
    choices: Sequence[str],
    otherwise: str,
    *,
    show: Callable[[str], str] = repr,
    cutoff: float = 0.5,
) -> str:
    """A hint for a bad value: ``did you mean X?`` for the closest choice, else ``otherwise``."""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=cutoff)
    return f"did you mean {show(close[0])}?" if close else otherwise


#: largest accepted seed (numpy and polars take unsigned 64-bit seeds; we keep to signed 63 bits)
MAX_SEED = 2**63 - 1
#: largest preset file read (a preset is a few kB of TOML)
MAX_PRESET_BYTES = 1_000_000


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------


class _V:
    """Validator bound to one file: every error names the file and a key path."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str, msg: str, hint: str | None = None) -> PresetError:
        text = f"{self.path}: {key}: {msg}" if key else f"{self.path}: {msg}"
        if hint:
            text += f"; {hint}"
        return PresetError(" ".join(text.split()))

    @staticmethod
    def show(value: Any) -> str:
        s = repr(value)
        return s if len(s) <= 60 else s[:57] + "..."

    @staticmethod
    def tname(value: Any) -> str:
        return {
            bool: "a boolean",
            int: "an integer",
            float: "a number",
            str: "a string",
            list: "a list",
            dict: "a table",
        }.get(type(value), type(value).__name__)

    def table(self, value: Any, key: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(
                key,
                f"expected a table, got {self.tname(value)} {self.show(value)}",
                "write it as [section] or { key = value }",
            )
        return value

    def keys(self, table: Mapping, allowed: Sequence[str], key: str) -> None:
        for k in table:
            if k not in allowed:
                where = f"{key}.{k}" if key else str(k)
                hint = suggest(str(k), allowed, f"allowed keys: {', '.join(allowed)}", cutoff=0.6)
                raise self.fail(where, f"unknown key {k!r}", hint)

    def required(self, table: Mapping, name: str, key: str) -> Any:
        if name not in table:
            where = f"{key}.{name}" if key else name
            raise self.fail(where, "required key is missing", f"add {name} = ...")
        return table[name]

    def string(self, value: Any, key: str, *, nonempty: bool = True, oneline: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(
                key,
                f"expected a string, got {self.tname(value)} {self.show(value)}",
                'quote it, e.g. "..."',
            )
        if nonempty and not value.strip():
            raise self.fail(key, "expected a non-empty string, got ''")
        if oneline and len(value.strip().splitlines()) > 1:  # \n, \r, U+2028, U+2029, \x85 ...
            raise self.fail(key, "expected one line, got several", "keep the claim to one line")
        return value.strip()

    def choice(self, value: Any, allowed: Sequence[str], key: str) -> str:
        if not isinstance(value, str) or value not in allowed:
            hint = suggest(str(value), allowed, f"use one of {', '.join(allowed)}")
            raise self.fail(
                key, f"expected one of {', '.join(allowed)}, got {self.show(value)}", hint
            )
        return value

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(
                key,
                f"expected true or false, got {self.tname(value)} {self.show(value)}",
                "write true or false without quotes",
            )
        return value

    def integer(self, value: Any, key: str, lo: int | None = None, hi: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(
                key,
                f"expected an integer, got {self.tname(value)} {self.show(value)}",
                "write a whole number without quotes",
            )
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            rng = f"{lo}..{hi}" if hi is not None else f">= {lo}"
            raise self.fail(key, f"expected an integer in {rng}, got {value}")
        return value

    def points(self, value: Any, key: str) -> float:
        """A difference in percentage points (0 <= x < 100), returned as a fraction."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(
                key,
                f"expected a number of percentage points, got {self.tname(value)} "
                f"{self.show(value)}",
                "e.g. min_effect = 1.0 for one point (0 turns the rule off)",
            )
        if not 0 <= value < 100:
            raise self.fail(
                key,
                f"expected a number of percentage points in [0, 100), got {value}",
                "e.g. min_effect = 1.0 for one point (0 turns the rule off)",
            )
        return float(value) / 100.0

    def fraction(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(
                key,
                f"expected a number between 0 and 1, got {self.tname(value)} {self.show(value)}",
                "e.g. 0.10 for the top 10 %",
            )
        v = float(value)
        if not 0 < v < 1:
            hint = f"did you mean {v / 100:g}?" if 1 <= v < 100 else "e.g. 0.10 for the top 10 %"
            raise self.fail(key, f"expected a number strictly between 0 and 1, got {value}", hint)
        return v

    def str_list(self, value: Any, key: str) -> list[str]:
        if isinstance(value, str):
            raise self.fail(
                key,
                f"expected a list of strings, got a string {self.show(value)}",
                f"write [{value!r}]".replace("'", '"'),
            )
        if not isinstance(value, list):
            raise self.fail(
                key, f"expected a list of strings, got {self.tname(value)} {self.show(value)}"
            )
        out = []
        for i, item in enumerate(value):
            out.append(self.string(item, f"{key}[{i}]"))
        return out

    def years(self, value: Any, key: str) -> tuple[int, int]:
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value, value]
        if not isinstance(value, list) or len(value) != 2:
            raise self.fail(
                key,
                f"expected [first_year, last_year], got {self.show(value)}",
                "e.g. years = [2013, 2019]",
            )
        y0 = self.integer(value[0], f"{key}[0]")
        y1 = self.integer(value[1], f"{key}[1]")
        for i, y in enumerate((y0, y1)):
            if not MIN_YEAR <= y <= MAX_YEAR:
                raise self.fail(
                    f"{key}[{i}]", f"expected a year between {MIN_YEAR} and {MAX_YEAR}, got {y}"
                )
        if y0 > y1:
            raise self.fail(
                key, f"first year {y0} is after last year {y1}", f"did you mean [{y1}, {y0}]?"
            )
        return (y0, y1)


def _country_codes() -> dict[str, str]:
    import pycountry

    return {c.alpha_2: c.name for c in pycountry.countries}


def _country(v: _V, value: Any, key: str) -> str:
    code = v.string(value, key)
    codes = _country_codes()
    if code in codes:
        return code
    if code.upper() in codes:
        raise v.fail(
            key, f"country codes are upper case, got {code!r}", f"did you mean {code.upper()!r}?"
        )
    special = {"UK": "GB", "EL": "GR", "KO": "KR", "PRC": "CN", "USA": "US", "CHN": "CN"}
    guess = special.get(code.upper())
    if guess is None:
        import pycountry

        try:
            guess = pycountry.countries.lookup(code).alpha_2
        except LookupError:
            close = difflib.get_close_matches(code.upper(), list(codes), n=1, cutoff=0.5)
            guess = close[0] if close else None
    hint = f"did you mean {guess!r}?" if guess else "use ISO 3166-1 alpha-2 codes such as 'CN'"
    raise v.fail(key, f"unknown country code {code!r}", hint)


_LABEL_VALUE = {
    "concept": re.compile(r"^C\d+$"),
    "subfield": re.compile(r"^\d{4}$"),
    "field": re.compile(r"^\d{2}$"),
    "topic": re.compile(r"^T\d+$"),
}


def _taxonomy_ids(kind: str) -> set[str] | None:
    try:
        from litscan.tables.datasets import load_topics

        topics = load_topics()
    except Exception:  # pragma: no cover - taxonomy always ships
        return None
    col = {"topic": "topic_id", "subfield": "subfield_id", "field": "field_id"}[kind]
    if col not in topics.columns:  # pragma: no cover
        return None
    return {str(x).rsplit("/", 1)[-1] for x in topics.get_column(col).drop_nulls().to_list()}


#: plain-word names of the classifier labels (``classifier:robotics`` -> did you mean ``ro``?)
LABEL_SYNONYMS = {
    "robotics": "ro", "robot": "ro", "robots": "ro", "vision": "cv", "computer_vision": "cv",
    "language": "nlp", "natural_language_processing": "nlp", "computational_linguistics": "nlp",
    "machine_learning": "ml", "learning": "ml", "deep_learning": "ml",
    "artificial_intelligence": "ai", "large_language_models": "llm", "language_models": "llm",
    "large_language_model": "llm", "reid": "person_reid", "re_id": "person_reid",
    "re_identification": "person_reid", "face": "face_recognition", "faces": "face_recognition",
    "cybersecurity": "security", "crowd": "crowd_counting", "action": "action_recognition",
    "expression": "facial_expression_recognition", "anti_spoofing": "face_anti_spoofing",
    "spoofing": "face_anti_spoofing",
}  # fmt: skip
#: plain-word names of the venue fields (``venue_field:robotics`` -> ``RO``)
VENUE_FIELD_SYNONYMS = {
    "ROBOTICS": "RO", "ROBOT": "RO", "VISION": "CV", "COMPUTER_VISION": "CV",
    "LANGUAGE": "NLP", "CL": "NLP", "MACHINE_LEARNING": "ML", "LEARNING": "ML",
    "ARTIFICIAL_INTELLIGENCE": "AI",
}  # fmt: skip


def _synonym(value: str, table: Mapping[str, str], upper: bool = False) -> str | None:
    key = re.sub(r"[\s\-]+", "_", value.strip())
    key = key.upper() if upper else key.lower()
    return table.get(key)


def parse_label(spec: Any, key: str, v: _V | None = None, name: str = "") -> LabelDef:
    """Validate a label definition ``kind:value`` (see :data:`LABEL_KINDS`)."""
    v = v or _V("<preset>")
    s = v.string(spec, key)
    if ":" not in s:
        from litscan.labels.catalog import ALL_LABELS

        if s in ALL_LABELS:
            raise v.fail(key, f"expected kind:value, got {s!r}", f"did you mean 'classifier:{s}'?")
        raise v.fail(
            key,
            f"expected kind:value with kind in {', '.join(LABEL_KINDS)}, got {v.show(s)}",
            "e.g. 'classifier:surveillance' or 'concept:C108583219'",
        )
    kind, value = s.split(":", 1)
    kind, value = kind.strip(), value.strip()
    if kind not in LABEL_KINDS:
        hint = suggest(
            kind, LABEL_KINDS, f"kinds: {', '.join(LABEL_KINDS)}", show=lambda c: f"'{c}:{value}'"
        )
        raise v.fail(key, f"unknown label kind {kind!r}", hint)
    if kind == "classifier":
        from litscan.labels.catalog import ALL_LABELS

        if value not in ALL_LABELS:
            listing = f"classifier labels: {', '.join(ALL_LABELS)}"
            syn = _synonym(value, LABEL_SYNONYMS)
            if syn is None and value.lower() in ALL_LABELS:
                syn = value.lower()
            hint = (
                f"did you mean 'classifier:{syn}'? ({listing})"
                if syn
                else suggest(value, ALL_LABELS, listing, show=lambda c: f"'classifier:{c}'")
            )
            raise v.fail(key, f"unknown classifier label {value!r}", hint)
    elif kind == "venue_field":
        if value not in VENUE_FIELDS:
            syn = _synonym(value, VENUE_FIELD_SYNONYMS, upper=True)
            if syn is None and value.upper() in VENUE_FIELDS:
                syn = value.upper()
            hint = (
                f"did you mean 'venue_field:{syn}'?"
                if syn
                else suggest(
                    value.upper(),
                    VENUE_FIELDS,
                    f"venue fields: {', '.join(VENUE_FIELDS)}",
                    show=lambda c: f"'venue_field:{c}'",
                )
            )
            raise v.fail(key, f"unknown venue field {value!r}", hint)
    elif kind == "venue":
        if not value:
            raise v.fail(key, "expected a venue name after 'venue:'", "e.g. 'venue:CVPR'")
    elif kind == "work_labels":
        if not value:
            raise v.fail(
                key,
                "expected a label name after 'work_labels:'",
                "e.g. 'work_labels:llm' (the value of work_labels.label in the tables folder)",
            )
    else:
        pattern = _LABEL_VALUE[kind]
        if not pattern.match(value):
            raise v.fail(
                key,
                f"malformed {kind} id {value!r} (expected {pattern.pattern})",
                "ids are short OpenAlex ids, e.g. 'subfield:1707', 'concept:C154945302'",
            )
        if kind in ("topic", "subfield", "field"):
            ids = _taxonomy_ids(kind)
            if ids is not None and value not in ids:
                hint = suggest(
                    value,
                    sorted(ids),
                    "see the OpenAlex topic taxonomy (litscan.tables.datasets.load_topics)",
                    show=lambda c: f"'{kind}:{c}'",
                    cutoff=0.6,
                )
                raise v.fail(key, f"unknown OpenAlex {kind} {value!r}", hint)
    return LabelDef(name=name or s, kind=kind, value=value)


def _live_spec(v: _V, spec: Any, key: str) -> str:
    """One OpenAlex spec of a live formulation (``topic:T…``, ``source:S…``, ...)."""
    s = v.string(spec, key)
    kind = s.split(":", 1)[0].strip()
    if kind not in LIVE_KINDS:
        raise v.fail(
            key,
            f"expected kind:value with kind in {', '.join(LIVE_KINDS)}, got {v.show(s)}",
            "live formulations use OpenAlex ids, e.g. 'topic:T10057' or 'source:S4306400194'",
        )
    if kind == "source":
        value = s.split(":", 1)[1].strip()
        if not re.match(r"^S\d+$", value):
            raise v.fail(
                key,
                f"malformed source id {value!r} (expected S followed by digits)",
                "e.g. 'source:S4306400194' (arXiv)",
            )
        return f"source:{value}"
    return parse_label(s, key, v).spec


def _live_specs(v: _V, raw: Any, key: str) -> tuple[str, ...]:
    """A spec or a list of specs of one kind (OR-ed in one OpenAlex filter)."""
    items = [raw] if isinstance(raw, str) else v.str_list(raw, key)
    if not items:
        raise v.fail(key, "expected at least one OpenAlex spec, got []", "e.g. 'subfield:1707'")
    specs = tuple(_live_spec(v, s, f"{key}[{i}]") for i, s in enumerate(items))
    kinds = {s.split(":", 1)[0] for s in specs}
    if len(kinds) > 1:
        raise v.fail(
            key,
            f"expected specs of one kind (OpenAlex ORs values of one filter), "
            f"got {', '.join(sorted(kinds))}",
            "split it into two labels",
        )
    return specs
