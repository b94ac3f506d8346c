"""Fuzz: many malformed presets, each a one-line PresetError naming file and key, never anything
else (no traceback, no other exception type)."""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from litscan.claims.presets import list_presets, load_preset, parse_preset
from litscan.errors import PresetError

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "litscan" / "queries"
BASES = [tomllib.loads(p.read_text(encoding="utf-8")) for p in list_presets(QUERIES)]

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.lists(st.text(max_size=4), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


def _set(doc, path, value):
    cur = doc
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value


def _del(doc, path):
    cur = doc
    for k in path[:-1]:
        cur = cur[k]
    del cur[path[-1]]


LINE = re.compile(r"^fuzz\.toml: \S.*$")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_presets_fail_with_one_line(data):
    doc = copy.deepcopy(data.draw(st.sampled_from(BASES)))
    paths = [p for p in _paths(doc) if p]
    path = data.draw(st.sampled_from(paths))
    action = data.draw(st.sampled_from(["replace", "delete", "add_key"]))
    if action == "replace":
        _set(doc, path, data.draw(JUNK))
    elif action == "delete":
        _del(doc, path)
    else:
        cur = doc
        for k in path[:-1]:
            cur = cur[k]
        if isinstance(cur, dict):
            cur[data.draw(st.sampled_from(["countrys", "yeers", "claim_", "lable", "x"]))] = 1
        else:
            _set(doc, path, {"bogus": 1})
    try:
        parse_preset(doc, "fuzz.toml")
    except PresetError as exc:
        msg = str(exc)
        assert "\n" not in msg
        assert LINE.match(msg), msg
        # names a key path (or the document for whole-file problems)
        assert msg.split(": ", 2)[1], msg
    # a mutation may leave a valid preset (e.g. deleting an optional key): that is fine


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200))
def test_random_text_is_a_preset_error(tmp_path_factory, text):
    p = tmp_path_factory.mktemp("fz") / "fuzz.toml"
    p.write_text(text, encoding="utf-8")
    try:
        load_preset(p)
    except PresetError as exc:
        assert "\n" not in str(exc)
        assert str(exc).startswith(str(p) + ": ")
