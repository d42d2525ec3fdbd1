"""The scorer the graph's score step uses, chosen by ``agents.scorer``.

Anything with a ``name`` and ``score_many(texts, context) -> list[TextScore]``
works (the protocol of :class:`brainweave.scoring.Scorer`). ``brainbench`` is
the real perplexity scorer of the ``[scorer]`` settings; ``lexical`` is a
deterministic stand-in with no model, for tests and quick looks: a word the
context contains is likely, any other word is not.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from brainweave.errors import ConfigError

_WORD = re.compile(r"[A-Za-z0-9']+")


class TextScorer(Protocol):
    @property
    def name(self) -> str: ...

    def score_many(self, texts: Sequence[str], context: str | None = None) -> list[Any]: ...


class LexicalScorer:
    """log p(word) = log 0.5 if the context has the word, else log 0.02 (no model)."""

    name = "lexical-overlap"

    def score_many(self, texts: Sequence[str], context: str | None = None) -> list[Any]:
        from brainweave.scoring.perplexity import TextScore

        known = {w.lower() for w in _WORD.findall(context or "")}
        out = []
        for t in texts:
            lp = [math.log(0.5 if w.lower() in known else 0.02) for w in _WORD.findall(t)]
            out.append(TextScore.from_logprobs(np.array(lp or [math.log(0.02)]), len(t.encode())))
        return out


def make_scorer(settings: Any) -> TextScorer:
    kind = settings.agents.scorer
    if kind == "lexical":
        return LexicalScorer()
    if kind == "brainbench":
        from brainweave.scoring import Scorer

        return Scorer.from_settings(settings)
    raise ConfigError(f"unknown scorer {kind!r}", "use 'brainbench' or 'lexical'")
