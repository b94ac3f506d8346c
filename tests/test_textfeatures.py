"""The fast text features give exactly what the plain Python / scikit-learn path gives.

Expected values come from the reference implementations: ``sklearn.utils.murmurhash3_32``,
scikit-learn's ``HashingVectorizer`` (the estimator's own ``_hasher()``), ``labels.document_text``
and the rule regex run on every text.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils import murmurhash3_32

from litscan.labels import inference, textfeatures
from litscan.labels.catalog import document_text, normalize_text
from litscan.labels.textmodel import TopicClassifier

ENGINES = ["numpy", "numba"] if textfeatures.HAS_NUMBA else ["numpy"]

ODD = pl.DataFrame(
    {
        "title": [
            "Kelvin \u212a Test",
            "İstanbul Å",
            None,
            "  ",
            "a--b",
            "Façade ünï",
            "x",
            "GPT-4",
        ],
        "abstract": [None, "", "abc DEF", "\t tabs\nnl ", "Σ final σς", "", "y  z", "LLMs!"],
    }
)


@pytest.fixture(scope="module")
def real_texts() -> pl.DataFrame:
    """1,500 real top-venue papers (every 40th: CV, NLP, ML, robotics venues) + odd cases."""
    from litscan.tables import datasets

    venue = datasets.load_venue_papers(with_countries_only=True).works.gather_every(40).head(1500)
    odd = ODD.with_row_index("id").select(pl.col("id").cast(pl.Utf8), "title", "abstract")
    return pl.concat([venue.select("id", "title", "abstract"), odd])


def test_murmurhash_matches_sklearn_for_every_length():
    rng = np.random.default_rng(7)
    keys = [bytes(rng.integers(0, 256, size=n).astype(np.uint8)) for n in range(0, 70)] * 3
    buf = np.frombuffer(b"".join(keys), dtype=np.uint8)
    lengths = np.array([len(k) for k in keys])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    got = textfeatures.murmurhash3_32(buf, starts, lengths)
    assert got.tolist() == [murmurhash3_32(k, seed=0) for k in keys]


@pytest.mark.parametrize("engine", ["polars", *(["numba"] if textfeatures.HAS_NUMBA else [])])
def test_document_texts_equal_document_text(real_texts, engine):
    titles, abstracts = real_texts["title"].to_list(), real_texts["abstract"].to_list()
    expected = [document_text(t, a) for t, a in zip(titles, abstracts, strict=True)]
    assert textfeatures.document_texts(titles, abstracts, engine=engine) == expected
    assert expected[0] == document_text(titles[0], abstracts[0])  # not all empty
    assert textfeatures.document_texts(["Kelvin \u212a"], [None]) == ["kelvin k kelvin k"]


TEXT = st.one_of(
    st.none(), st.text(max_size=40), st.text(alphabet="aZ9 -\u212a\u0130é\u00df", max_size=20)
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT), max_size=6))
def test_document_texts_property(rows):
    """Any Unicode text (Kelvin sign, dotted I, sharp s, controls...) cleans like the rule."""
    titles, abstracts = [r[0] for r in rows], [r[1] for r in rows]
    expected = [document_text(t, a) for t, a in rows]
    for engine in ("polars", *(["numba"] if textfeatures.HAS_NUMBA else [])):
        assert textfeatures.document_texts(titles, abstracts, engine=engine) == expected
    docs = expected + ["x"]
    want = TopicClassifier(n_features=2**12)._hasher().transform(docs).tocsr()
    for engine in ENGINES:
        got = textfeatures.hashed_ngram_counts(docs, 2**12, (1, 2), engine=engine)
        assert (got != want).nnz == 0 and np.array_equal(got.indices, want.indices)


@pytest.mark.parametrize("engine", ENGINES)
def test_hashed_counts_equal_hashing_vectorizer(real_texts, engine):
    docs = [
        document_text(t, a)
        for t, a in zip(real_texts["title"], real_texts["abstract"], strict=True)
    ]
    docs += ["", "one", "two words", "Not Normalised Text", "two  spaces", "tab\there"]
    for ngram_range, n_features, n in (
        ((1, 2), 2**19, None),
        ((1, 3), 2**10, 300),
        ((2, 2), 2**18, 300),
    ):
        docs = docs[-n:] if n else docs
        model = TopicClassifier(n_features=n_features, ngram_range=ngram_range)
        expected = model._hasher().transform(docs).tocsr()
        got = textfeatures.hashed_ngram_counts(docs, n_features, ngram_range, engine=engine)
        assert got.dtype == np.float32 and got.shape == expected.shape
        assert np.array_equal(got.indptr, expected.indptr)
        assert np.array_equal(got.indices, expected.indices)
        assert np.array_equal(got.data, expected.data)


def test_rule_hits_equal_the_regex_on_every_text(real_texts):
    docs = [
        document_text(t, a)
        for t, a in zip(real_texts["title"], real_texts["abstract"], strict=True)
    ]
    docs += ["gpt 4 and face recognition", "Face Recognition", "llm", "a large language model"]
    rx, owner = inference._rule_matcher()
    got = inference.rule_hits(docs)
    for label, flags in got.items():
        expected = [any(label in owner[t] for t in rx.findall(d)) for d in docs]
        assert flags.tolist() == expected, label
    assert got["llm"][-1] and got["llm"][-2] and got["face_recognition"][-4]


def test_any_term_whole_words_only():
    docs = ["a face recognition b", "facerecognition", "face recognitions", "x", "Face Recognition"]
    got = textfeatures.any_term(docs, [normalize_text("face recognition")])
    assert got.tolist() == [True, False, False, False, True]  # the last is not normalised


def test_predict_identical_to_the_plain_python_path(real_texts, monkeypatch):
    """Scores and flags of the fast path equal those of the original per-text Python path."""
    model = inference.load_model()
    fast = inference.predict(real_texts, model=model)

    def python_docs(titles, abstracts):
        return [document_text(t, a) for t, a in zip(titles, abstracts, strict=True)]

    def sklearn_counts(self, texts):
        return self._hasher().transform(texts).tocsr()

    monkeypatch.setattr(inference, "document_texts", python_docs)
    monkeypatch.setattr(inference, "any_term", lambda docs, terms: np.ones(len(docs), bool))
    monkeypatch.setattr(TopicClassifier, "_counts", sklearn_counts)
    slow = inference.predict(real_texts, model=model)
    assert fast.columns == slow.columns and fast.height == real_texts.height
    for col in fast.columns:
        if col.startswith("p_"):
            np.testing.assert_allclose(
                fast[col].to_numpy(), slow[col].to_numpy(), rtol=0, atol=1e-12
            )
        else:
            assert fast[col].to_list() == slow[col].to_list(), col
    assert fast["cv"].sum() > 0 and fast["nlp"].sum() > 0
