"""Strict grounding of a hypothesis statement in the passages it cites (fail closed).

A statement shown to a scientist may name only what its evidence says:

- ``ungrounded_entity``: every entity the statement names (any kind, by id) must
  be named by at least one passage it cites; the question's entities are not
  evidence;
- ``no_bridge``: it must name its bridge entity (by id: "muscle atrophy" does not
  name "brain atrophy");
- ``restates_question``: it must say something beyond the question: naming no
  entity the question does not name, or repeating the question's words, is a
  restatement;
- ``run_on``: a list of findings ("X links the genetics finding that ... and the
  clinical finding that ...") is not a hypothesis;
- ``empty``: nothing to check.

:func:`check` returns the first reason that applies (or None); the synthesis
step counts each reason in the run's ``dropped`` counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from brainweave import knowledge

REASONS = ("empty", "run_on", "ungrounded_entity", "no_bridge", "restates_question")

_RUN_ON = re.compile(r"\b(the|a) \w+ (finding|result|study)s? that\b|\blinks the\b", re.I)
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "in",
        "is",
        "it",
        "its",
        "may",
        "might",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "these",
        "this",
        "those",
        "through",
        "to",
        "via",
        "was",
        "were",
        "what",
        "which",
        "with",
        "within",
        "would",
        "relate",
        "relates",
        "related",
        "relation",
        "between",
        "role",
        "link",
        "links",
        "linked",
        "affect",
        "affects",
    ]
)
#: share of a statement's content words that the question already has, above which it
#: says nothing new
RESTATE_OVERLAP = 0.8


class Rejection(NamedTuple):
    reason: str  # one of REASONS
    detail: str  # what a scientist or the LLM's retry is told


def passage_text(p: Mapping[str, Any] | str) -> str:
    if isinstance(p, str):
        return p
    return f"{p.get('title', '')} :: {p.get('text', '')}"


def named_by_passages(passages: Mapping[str, Mapping[str, Any] | str]) -> dict[str, set[str]]:
    """The entity ids each passage names (title and text; negated mentions count: the
    passage does name the thing)."""
    kn = knowledge.default()
    return {pid: {m.entity_id for m in kn.find(passage_text(p))} for pid, p in passages.items()}


def statement_entities(statement: str) -> set[str]:
    """Every entity id a statement names (negated ones too: naming is naming)."""
    return set(knowledge.find_entities(statement, negated=True))


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def check(
    statement: str,
    cited: Iterable[str],
    named_by: Mapping[str, set[str]],
    question: str,
    bridge: Sequence[str] = (),
) -> Rejection | None:
    """Why ``statement`` may not be shown with the passages ``cited``, or None.

    ``named_by`` maps passage ids to the entity ids they name
    (:func:`named_by_passages`); a cited id it lacks names nothing.
    """
    text = " ".join(statement.split())
    if len(text) < 12:
        return Rejection("empty", "the statement is empty")
    if _RUN_ON.search(text):
        return Rejection("run_on", "the statement lists findings instead of stating a hypothesis")
    evidence: set[str] = set()
    for pid in cited:
        evidence |= named_by.get(pid, set())
    named = statement_entities(text)
    extra = sorted(named - evidence)
    if extra:
        names = ", ".join(knowledge.label(e) for e in extra)
        return Rejection(
            "ungrounded_entity", f"the statement names {names}, which no cited passage names"
        )
    if bridge and not named & set(bridge):
        want = ", ".join(knowledge.label(e) for e in bridge)
        return Rejection("no_bridge", f"the statement does not name the bridge ({want})")
    q_named = set(knowledge.find_entities(question, negated=True))
    kn = knowledge.default()
    specific = {e for e in named if not (kn.get(e) is not None and kn.entities[e].generic)}
    if not specific - q_named:
        return Rejection(
            "restates_question", "the statement names nothing beyond what the question names"
        )
    words = _content_words(text)
    if words and len(words & _content_words(question)) / len(words) >= RESTATE_OVERLAP:
        return Rejection("restates_question", "the statement repeats the question's words")
    return None
