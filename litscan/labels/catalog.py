"""Label definitions, text normalisation and term rules for litscan's topic classifiers.

Two kinds of labels:

* **learned labels** (``ai, cv, nlp, ml, ro, security``) are defined by arXiv categories and
  predicted by the scikit-learn model in :mod:`litscan.labels.classify`;
* **rule labels** have no independent ground truth, so they are *defined* by term lists:
  ``llm`` (LLM vocabulary anywhere in title/abstract), and the six CSET visual-surveillance
  tasks, ``face_recognition`` and ``surveillance`` (any task), which count only *within CV
  positives*, as CSET did (their SciBERT CV classifier + task terms).

Every text goes through :func:`normalize_text` first, so CSET's lower-cased, punctuation-stripped
text and ordinary abstracts end up in the same surface form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources

__all__ = [
    "CATEGORY_LABELS",
    "LEARNED_LABELS",
    "TASK_LABELS",
    "RULE_LABELS",
    "ALL_LABELS",
    "LLM_TERMS",
    "LLM_CONTEXT_TERMS",
    "LLM_CUE_TERMS",
    "llm_context_hits",
    "KEYWORD_BASELINE",
    "normalize_text",
    "document_text",
    "labels_from_categories",
    "surveillance_terms",
    "term_regex",
    "match_terms",
]

#: learned label -> arXiv categories (the paper has at least one of them anywhere in its list).
#: ``ai`` is CSET's "Any_AI" rule.
CATEGORY_LABELS: dict[str, frozenset[str]] = {
    "ai": frozenset({"cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.MA", "cs.RO", "stat.ML"}),
    "cv": frozenset({"cs.CV"}),
    "nlp": frozenset({"cs.CL"}),
    "ml": frozenset({"cs.LG", "stat.ML"}),
    "ro": frozenset({"cs.RO"}),
    "security": frozenset({"cs.CR"}),
}
LEARNED_LABELS: tuple[str, ...] = tuple(CATEGORY_LABELS)

#: surveillance task label -> name of the task in CSET's TSV.
TASK_LABELS: dict[str, str] = {
    "face_recognition": "face recognition",
    "facial_expression_recognition": "facial expression recognition",
    "face_anti_spoofing": "face anti-spoofing",
    "person_reid": "person re-identification",
    "action_recognition": "action recognition",
    "crowd_counting": "crowd counting",
}

#: Terms added from the Papers with Code CV task tree (taxonomy/pwc-tasks-2025-07), children and
#: synonyms of CSET's six tasks. Kept short on purpose: each addition is an unambiguous name.
PWC_ADDITIONS: dict[str, tuple[str, ...]] = {
    "face_recognition": ("face verification", "face identification", "face recognition system"),
    "facial_expression_recognition": (
        "micro expression recognition",
        "facial action unit detection",
    ),
    "face_anti_spoofing": ("face presentation attack", "face liveness"),
    "person_reid": ("pedestrian re identification", "pedestrian retrieval", "gait recognition"),
    "action_recognition": ("group activity recognition", "skeleton based action recognition"),
    "crowd_counting": ("crowd localization", "dense crowd"),
}

RULE_LABELS: tuple[str, ...] = ("llm", "surveillance", *TASK_LABELS)
ALL_LABELS: tuple[str, ...] = (*LEARNED_LABELS, *RULE_LABELS)

#: The ``llm`` label: a paper is LLM work when its normalised title/abstract names a large language
#: model (or a well-known family) explicitly. Validated against the HuggingArxivLLM digest.
LLM_TERMS: tuple[str, ...] = (
    "large language model",
    "large language models",
    "llm",
    "llms",
    "mllm",
    "mllms",
    "multimodal large language model",
    "multimodal large language models",
    "large vision language model",
    "large vision language models",
    "lvlm",
    "lvlms",
    "large reasoning model",
    "large reasoning models",
    "lrm",
    "lrms",
    "chatgpt",
    "gpt",
    "gpt 3",
    "gpt 3 5",
    "gpt 4",
    "gpt 4o",
    "gpt 5",
    "gpt 4v",
    "llama",
    "llama 2",
    "llama 3",
    "qwen",
    "deepseek",
    "mistral",
    "gemini",
    "claude",
    "instruction tuned language model",
    "foundation language model",
    "language agent",
    "llm agent",
    "llm agents",
)

#: Second ``llm`` rule: "language model(s)" together with an LLM-usage cue (prompting, in-context
#: learning, instructions, chain of thought, chatbots) anywhere in the text. "pretrained language
#: model" alone no longer counts (BERT-scale work; chosen on the training sheet, model card).
LLM_CONTEXT_TERMS: tuple[str, ...] = ("language model", "language models")
LLM_CUE_TERMS: tuple[str, ...] = (
    "prompt",
    "prompts",
    "prompting",
    "prompted",
    "in context learning",
    "instruction",
    "instructions",
    "instruction tuning",
    "instruction following",
    "chain of thought",
    "chatbot",
    "chatbots",
)

#: Keyword-rule baseline for the learned labels (a paper gets the label when any term occurs).
KEYWORD_BASELINE: dict[str, tuple[str, ...]] = {
    "ai": (
        "artificial intelligence",
        "machine learning",
        "neural network",
        "neural networks",
        "deep learning",
        "reinforcement learning",
        "computer vision",
        "natural language",
        "language model",
        "robot",
        "classifier",
        "learning",
    ),
    "cv": (
        "image",
        "images",
        "video",
        "videos",
        "visual",
        "vision",
        "segmentation",
        "object detection",
        "pixel",
        "camera",
        "point cloud",
        "3d reconstruction",
    ),
    "nlp": (
        "language",
        "text",
        "linguistic",
        "translation",
        "sentence",
        "corpus",
        "question answering",
        "llm",
        "llms",
        "dialogue",
        "nlp",
    ),
    "ml": (
        "machine learning",
        "neural network",
        "neural networks",
        "deep learning",
        "gradient",
        "optimization",
        "generalization",
        "reinforcement learning",
        "training",
        "kernel",
    ),
    "ro": (
        "robot",
        "robots",
        "robotic",
        "robotics",
        "manipulation",
        "locomotion",
        "grasping",
        "uav",
        "drone",
        "autonomous driving",
        "navigation",
        "humanoid",
    ),
    "security": (
        "security",
        "attack",
        "attacks",
        "privacy",
        "malware",
        "vulnerability",
        "vulnerabilities",
        "jailbreak",
        "encryption",
        "intrusion",
        "adversary",
    ),
}

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize_text(text: str | None) -> str:
    """CSET-style surface form: lower case, every run of non-alphanumerics -> one space.

    >>> normalize_text("Face Anti-Spoofing: a Survey (2024).")
    'face anti spoofing a survey 2024'
    """
    if not text:
        return ""
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def document_text(title: str | None, abstract: str | None) -> str:
    """The text the model sees: normalised title twice (titles are short and dense) + abstract."""
    t = normalize_text(title)
    a = normalize_text(abstract)
    return f"{t} {t} {a}" if a else f"{t} {t}"


def labels_from_categories(categories: str | Sequence[str]) -> dict[str, bool]:
    """Learned-label truth from an arXiv category list (space-separated string or sequence)."""
    cats = set(categories.split() if isinstance(categories, str) else categories)
    return {label: bool(cats & wanted) for label, wanted in CATEGORY_LABELS.items()}


@cache
def surveillance_terms() -> dict[str, tuple[str, ...]]:
    """Task label -> normalised terms: CSET's TSV (``litscan/data/surveillance_terms.tsv``) + PwC."""
    text = resources.files("litscan").joinpath("data/surveillance_terms.tsv").read_text("utf-8")
    by_task: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("task\t"):
            continue
        task, terms = line.split("\t", 1)
        by_task[task.strip()] = [normalize_text(t) for t in terms.split(",") if t.strip()]
    out: dict[str, tuple[str, ...]] = {}
    for label, task in TASK_LABELS.items():
        terms = by_task[task] + [normalize_text(t) for t in PWC_ADDITIONS.get(label, ())]
        out[label] = tuple(dict.fromkeys(terms))
    return out


def term_regex(terms: Iterable[str]) -> re.Pattern[str]:
    """One compiled regex matching any normalised term as whole words (longest first)."""
    alts = sorted({normalize_text(t) for t in terms if normalize_text(t)}, key=len, reverse=True)
    body = "|".join(re.escape(t) for t in alts)
    return re.compile(rf"(?<![0-9a-z])(?:{body})(?![0-9a-z])")


def llm_context_hits(texts: Iterable[str]) -> list[bool]:
    """For each *normalised* text: a "language model" term and an LLM-usage cue both occur."""
    ctx, cue = term_regex(LLM_CONTEXT_TERMS), term_regex(LLM_CUE_TERMS)
    return [ctx.search(t) is not None and cue.search(t) is not None for t in texts]


def match_terms(texts: Iterable[str], terms: Iterable[str]) -> list[bool]:
    """For each *normalised* text, whether any term occurs as whole words."""
    rx = term_regex(terms)
    return [rx.search(t) is not None for t in texts]
