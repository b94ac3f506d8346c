"""The compiled abstract rebuild gives exactly the reference rebuild (or the reference error)."""

from __future__ import annotations

import json

import msgspec
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from litscan.tables import abstracts
from litscan.tables.abstracts import rebuild_abstract, rebuild_raw, rebuild_strings


def reference(raw: bytes | None) -> str | None | type:
    """The reference: msgspec decode into dict[str, list[int]] then :func:`rebuild_abstract`;
    an index of the wrong type (or not JSON) -> the exception type."""
    if raw is None:
        return None
    try:
        inv = msgspec.json.decode(raw, type=dict[str, list[int]] | None)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return type(exc)
    return rebuild_abstract(inv)


EDGE = [
    None,
    b"null",
    b"{}",
    b'{"a":[]}',
    b'{"b": [1], "a": [0, 2], "c": [2]}',  # position 2 claimed twice: the later word
    json.dumps({'say "hi"\r\n': [0], "x\\y": [3], "é": [1]}).encode(),  # escapes, \u00e9
    json.dumps({"é": [1], "ü": [0]}, ensure_ascii=False).encode(),  # raw UTF-8
    b'{"a":[0],"a":[1]}',  # a repeated key: a dict keeps the last
    b'{"a":3}',
    b'{"a":[1.5]}',
    b'{"a":["1"]}',
    b"[1]",
    b'{"\\ud800":[0]}',  # a lone surrogate
    b'{"\\ud83d\\ude00":[0], "x":[1]}',  # a surrogate pair
    b'{"":[0]}',
    b'{"":[0,1]}',
    b'{"a":[-1, 5], "b":[0]}',
    b'{"a":[99999999999999999999]}',
    b'{"a":[01]}',
    b'{"\xff":[0]}',
    b'{"a\x01":[0]}',
    b' { "a" : [ 0 , 1 ] , "b" : [ 2 ] } ',
    b'{"a":[0]} x',
    b'{"a":[0]',
]


def check(raws: list[bytes | None]) -> None:
    got, errors = rebuild_raw(raws)
    assert got.dtype == pl.String and got.len() == len(raws)
    for i, raw in enumerate(raws):
        ref = reference(raw)
        if isinstance(ref, type):
            assert i in errors and got[i] is None, (raw, errors.get(i))
            assert errors[i].startswith("abstract_inverted_index: ")
        else:
            assert i not in errors and got[i] == ref, (raw, got[i], ref)


def test_edge_cases_match_the_reference():
    check(EDGE)
    got, errors = rebuild_raw(EDGE)
    assert (
        got[4] == "a b c"
        and got[7] == "a"
        and got[15] == " "
        and got[14] is None
        and got[13] == "😀 x"
    )
    assert sorted(errors) == [8, 9, 10, 11, 12, 18, 19, 20, 22, 23]


def test_without_numba_every_index_takes_the_reference_path(monkeypatch):
    monkeypatch.setattr(abstracts, "numba", None)
    check(EDGE)


def test_json_text_series_parquet_path():
    texts = pl.Series([None if r is None else r.decode("utf-8", "replace") for r in EDGE[:8]])
    got, errors = rebuild_strings(texts.slice(1))  # a sliced series: offsets do not start at 0
    assert not errors
    assert got.to_list() == [reference(None if t is None else t.encode()) for t in texts.slice(1)]


WORDS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=6
)
INDEX = st.dictionaries(WORDS, st.lists(st.integers(-3, 40), max_size=4), max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(INDEX, st.booleans()), max_size=20))
def test_random_indexes_match_the_reference(items):
    raws = [json.dumps(d, ensure_ascii=ascii_).encode() for d, ascii_ in items]
    check(raws)


@pytest.mark.parametrize("n", [1, 5000])
def test_large_batches_and_long_abstracts(n):
    words = {f"w{i}": [i] for i in range(n)}
    raws = [json.dumps(words).encode()] * 3
    got, errors = rebuild_raw(raws)
    assert not errors and got[0] == " ".join(f"w{i}" for i in range(n)) and got.null_count() == 0


def test_json_text_that_is_not_json_is_an_error_not_empty():
    got, errors = rebuild_strings(pl.Series(["nope", "null", " null ", "", '{"a":[0]}']))
    assert sorted(errors) == [0, 3] and got.to_list() == [None, None, None, None, "a"]


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": 1, "b": [1.5, "x", null, true]}',
        b'{"t": "a\\ud800b"}',  # msgspec refuses a lone surrogate; json keeps it
        b'{"x": NaN, "y": 1e400}',
        b'{"big": 1000000000000000000000000000000, "big": 2}',
        '{"é": "ü"}',
    ],
)
def test_jsontext_loads_is_json_loads(text):
    import math

    from litscan import jsontext

    got, ref = jsontext.loads(text), json.loads(text)
    if isinstance(ref.get("x"), float) and math.isnan(ref["x"]):
        assert math.isnan(got["x"]) and got["y"] == ref["y"]
    else:
        assert got == ref and type(got) is type(ref)


def test_jsontext_loads_raises_like_json_for_bad_json():
    from litscan import jsontext

    with pytest.raises(ValueError):
        jsontext.loads(b'{"a": ')
