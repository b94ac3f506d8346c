"""What a reader sees instead of litscan's internal names: one mapping for labels, concepts,
sources and preset keys, and one definition and one colour per verdict word.

Report (:mod:`litscan.report.html`), figures (:mod:`litscan.report.figures`) and tables all go
through these functions, so ``classifier:surveillance`` reads "visual surveillance (classifier)"
everywhere and a verdict has the same colour in a table badge and in the claims figure. Verdict
words come from :data:`litscan.stats.verdicts.VERDICTS`; a word litscan does not know yet still
gets a definition and a colour (:func:`verdict_definition`, :func:`verdict_style`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from litscan.stats import verdicts as _v

__all__ = [
    "label_name",
    "side_text",
    "verdict_definition",
    "verdict_style",
    "verdict_color",
    "verdict_words",
    "INTERNAL_ID",
]

# --------------------------------------------------------------------------------------------
# labels, concepts, sources
# --------------------------------------------------------------------------------------------

_TOPICS = {
    "surveillance": "visual surveillance",
    "face_recognition": "face recognition",
    "facial_expression_recognition": "facial expression recognition",
    "face_anti_spoofing": "face anti-spoofing",
    "person_reid": "person re-identification",
    "action_recognition": "action recognition",
    "crowd_counting": "crowd counting",
    "llm": "large language models",
    "ai": "AI",
    "cv": "computer vision",
    "nlp": "language (NLP)",
    "ml": "machine learning",
    "ro": "robotics",
    "security": "security",
}
_CONCEPTS = {
    "C154945302": "Artificial intelligence",
    "C108583219": "Deep learning",
    "C41008148": "Computer science",
    "C31972630": "Computer vision",
    "C119857082": "Machine learning",
    "C204321447": "Natural language processing",
}
_SUBFIELDS = {
    "1702": "Artificial Intelligence",
    "1707": "Computer Vision and Pattern Recognition",
    "1712": "Software",
}
_VENUE_FIELDS = {
    "AI": "general-AI venues",
    "CV": "computer-vision venues",
    "ML": "machine-learning venues (NeurIPS, ICML)",
    "NLP": "language (NLP) venues",
    "RO": "robotics venues",
}
_KEYS = {
    "ai_scope": "AI scope",
    "dl_concept": "deep learning (OpenAlex concept)",
    "ai_concept": "Artificial intelligence (OpenAlex concept)",
    "ai_subfield": "Artificial Intelligence (OpenAlex subfield)",
}

#: what an internal id looks like (a test checks that no figure or axis title matches)
INTERNAL_ID = re.compile(
    r"classifier:|concept:C\d|subfield:\d|venue_field:|topic:T\d|\bai_scope\b|\bdl_concept\b"
    r"|\bai_subfield\b|\bai_concept\b"
)


def label_name(label: str | None, labels: Mapping[str, Any] | None = None) -> str:
    """Display name of a label spec (``classifier:llm``) or a preset's label key (``llm``, looked
    up in ``labels``: name -> LabelDef or spec)."""
    if not label:
        return ""
    label = str(label)
    if labels and label in labels:
        spec = getattr(labels[label], "spec", labels[label])
        if str(spec) != label:
            return label_name(str(spec))
    kind, sep, value = label.partition(":")
    if not sep:
        if label in _KEYS:
            return _KEYS[label]
        return _TOPICS.get(label, _VENUE_FIELDS.get(label, label.replace("_", " ")))
    if kind == "classifier" or kind == "task":
        return f"{_TOPICS.get(value, value.replace('_', ' '))} ({kind})"
    if kind == "concept":
        name = _CONCEPTS.get(value)
        return f"{name} (OpenAlex concept)" if name else f"OpenAlex concept {value}"
    if kind == "subfield":
        name = _SUBFIELDS.get(value)
        return f"{name} (OpenAlex subfield)" if name else f"OpenAlex subfield {value}"
    if kind == "topic":
        return f"OpenAlex topic {value}"
    if kind == "venue_field":
        return _VENUE_FIELDS.get(value, f"{value} venues")
    if kind in ("field", "domain"):
        return f"OpenAlex {kind} {value}"
    return label.replace("_", " ")


def side_text(side: Any, labels: Mapping[str, Any] | None, top: float) -> str:
    """One side of a claim in words (``CN share of top-10 % works labelled large language
    models (classifier), 2023–2025``), or the constant it is compared with."""
    if getattr(side, "value", None) is not None:
        return f"{side.value:g}"
    parts = [f"{side.country} share of"]
    parts.append(f"top-{top * 100:g} % works" if side.top else "works")
    if side.label:
        parts.append(f"labelled {label_name(side.label, labels)}")
    if side.years:
        parts.append(f"{side.years[0]}–{side.years[1]}")
    if side.venues:
        parts.append("at " + ", ".join(side.venues))
    return " ".join(parts)


def readable(text: str, labels: Mapping[str, Any] | None = None) -> str:
    """``text`` with every internal id it contains replaced by its display name."""
    def repl(m: re.Match) -> str:
        return label_name(m.group(0), labels)

    return re.sub(
        r"\b(?:classifier|concept|subfield|venue_field|topic|task):[A-Za-z0-9_]+"
        r"|\b(?:ai_scope|dl_concept|ai_subfield|ai_concept)\b",
        repl,
        text,
    )


# --------------------------------------------------------------------------------------------
# verdict words: one definition and one colour (and symbol) each
# --------------------------------------------------------------------------------------------

_DEFINITIONS = {
    "supported": "the 95 % interval of A − B lies entirely on the claimed side of 0",
    "contradicted": "the 95 % interval of A − B lies entirely on the other side of 0: the data "
    "show the opposite of the claim",
    "inconclusive": "the 95 % interval of A − B contains 0, or the robustness checks do not agree "
    "(the reason is given under the claim)",
    "venue-dependent": "the answer depends on the venue: venues with decisive intervals disagree "
    "in sign, or the venues differ too much (I² above the threshold); no single verdict holds "
    "for all venues, so rows inside such a claim can say supported or contradicted",
    "not testable on this data": "a side has too few works, or data the claim needs is absent; "
    "what would make it testable is said under the claim",
    "negligible": "the interval of A − B lies within the preset's margin around 0: any "
    "difference is too small to matter",
    "year-dependent": "the answer depends on the year: years with decisive intervals disagree "
    "in sign",
    "fragile": "the verdict flips when one venue or one year is left out (said in the "
    "robustness column)",
}
#: colour (Okabe-Ito, distinct from the country colours' roles) and marker symbol, so that a
#: verdict reads without colour vision
_STYLES = {
    "supported": ("#009E73", "circle"),
    "contradicted": ("#CC79A7", "x"),
    "inconclusive": ("#777777", "diamond-open"),
    "venue-dependent": ("#E69F00", "square"),
    "not testable on this data": ("#AAAAAA", "circle-open"),
    "negligible": ("#56B4E9", "diamond"),
    "year-dependent": ("#D55E00", "triangle-up"),
    "fragile": ("#F0E442", "star"),
}
_FALLBACK = ("#999999", "circle-open")
_SPARE = ("#0072B2", "#B8A800", "#8C564B", "#17BECF")


def _base(verdict: str) -> str:
    v = str(verdict).removeprefix("proxy: ")
    if v.startswith("not testable"):
        return _v.NOT_TESTABLE
    return v


def verdict_words() -> tuple[str, ...]:
    """Every verdict word litscan can print (:data:`~litscan.stats.verdicts.VERDICTS` first)."""
    words = list(getattr(_v, "VERDICTS", ()))
    return tuple(words)


def verdict_definition(verdict: str) -> str:
    """What a verdict word means, in one sentence (a fallback for words litscan does not know)."""
    v = _base(verdict)
    if v in _DEFINITIONS:
        return _DEFINITIONS[v]
    return (
        f"“{v}”: a verdict of the interval rule and its robustness checks; the reason is given "
        "under each claim that has it"
    )


def verdict_style(verdict: str) -> tuple[str, str]:
    """``(colour, marker symbol)`` of a verdict, the same in tables, badges and figures."""
    v = _base(verdict)
    if v in _STYLES:
        return _STYLES[v]
    words = [w for w in verdict_words() if w not in _STYLES]
    if v in words:
        return _SPARE[words.index(v) % len(_SPARE)], "hexagon"
    return _FALLBACK


def verdict_color(verdict: str) -> str:
    """The colour of a verdict (see :func:`verdict_style`)."""
    return verdict_style(verdict)[0]
