"""Extractive findings: the best sentence of each retrieved record, verbatim.

They are the agents' findings when no LLM writes them (settings
``agents.findings = "extractive"``, the default on the packaged 135M model) and
the fallback when an LLM's findings are unusable. A sentence is chosen for what
a cross-domain hypothesis needs: the question's terms and entities, and named
genes, brain regions, conditions or interventions to link on. Lines that are
not prose (lists of coordinates, keyword lists) are passed over; a record with
no usable sentence offers its title, which is also its own verbatim text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from brainweave import knowledge

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")
_WORD = re.compile(r"[a-z0-9]+")
_LABEL = re.compile(r"^[A-Z][A-Za-z ]{2,40}: (?=[A-Z])")  # "Neuroimaging study: Title ..."
_NOT_PROSE = re.compile(r"^(key terms|keywords|it reports \d+)", re.I)
_LINKING_KINDS = ("gene", "region", "phenotype", "disease", "intervention", "transmitter")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "how",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "what",
        "which",
        "with",
        "do",
        "does",
        "did",
        "can",
        "may",
        "might",
        "relate",
        "relates",
        "related",
    ]
)


def clip(text: str, n: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``n`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + " ..."


def terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def _digit_share(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    return sum(c.isdigit() or c in "(),;-" for c in chars) / max(1, len(chars))


def sentence_score(q_terms: set[str], q_entities: set[str], sentence: str) -> float:
    """How well a sentence serves as a finding for the question (higher is better)."""
    if _digit_share(sentence) > 0.25 or _NOT_PROSE.match(sentence):
        return float("-inf")
    named = set(knowledge.find_entities(sentence))
    linking = {
        e for e in named if knowledge.kind(e) in _LINKING_KINDS and not knowledge.is_generic(e)
    }
    score = 2.0 * len(q_terms & terms(sentence)) + 3.0 * len(q_entities & named)
    score += 1.0 * len(linking)
    if len(sentence) < 40:
        score -= 2.0
    if sentence.split(" ", 1)[0] in {"This", "These", "It", "We", "They", "Our"}:
        score -= 1.0  # leans on the sentences before it
    return score


def sentences(text: str) -> list[str]:
    """The sentences of a passage that start like one (a chunk may begin mid-sentence)."""
    out = []
    for s in _SENT.split(text):
        s = _LABEL.sub("", s.strip())
        if len(s) >= 20 and not s.endswith("?") and (s[0].isupper() or s[0].isdigit()):
            out.append(s)
    return out


def best_sentence(question: str, text: str, limit: int = 400, title: str = "") -> str:
    """The sentence of ``text`` that best serves the question (ties: the earlier one);
    the title when no sentence is prose; the start of the text when there is neither."""
    q_terms, q_entities = terms(question), set(knowledge.find_entities(question))
    scored = [
        (sentence_score(q_terms, q_entities, s), -i, s) for i, s in enumerate(sentences(text))
    ]
    scored = [x for x in scored if x[0] != float("-inf")]
    if scored:
        return clip(max(scored)[2], limit)
    if title.strip():
        return clip(title, limit)
    return clip(text, limit)


def extractive(question: str, hits: Sequence[Any], n: int) -> list[tuple[str, str]]:
    """Up to ``n`` (sentence, passage id) findings, one per record, best hit first."""
    out: list[tuple[str, str]] = []
    docs: set[str] = set()
    for h in hits:
        if h.doc_id in docs:  # two chunks of one record make one finding
            continue
        docs.add(h.doc_id)
        out.append((best_sentence(question, h.text, title=h.title), h.passage_id))
        if len(out) >= n:
            break
    return out


def lower_first(text: str) -> str:
    """A sentence to follow "that ...": its full stop dropped and its first letter
    lowered (unless it starts an acronym or symbol, as in "APOE" or "MRI")."""
    text = text.strip().rstrip(".")
    return text[0].lower() + text[1:] if len(text) > 1 and not text[:2].isupper() else text
