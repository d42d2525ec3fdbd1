"""The ``lexical`` scoring backend: a deterministic stand-in with no model, for tests
and quick looks. log p(word) = log 0.5 if the context has the word, else log 0.02."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from brainweave.scoring.contract import TextScore

_WORD = re.compile(r"[A-Za-z0-9']+")


class LexicalScorer:
    """A word the context contains is likely, any other word is not."""

    name = "lexical-overlap"

    @classmethod
    def from_settings(cls, settings: Any) -> LexicalScorer:
        return cls()

    def score_many(self, texts: Sequence[str], context: str | None = None) -> list[TextScore]:
        known = {w.lower() for w in _WORD.findall(context or "")}
        out = []
        for t in texts:
            lp = [math.log(0.5 if w.lower() in known else 0.02) for w in _WORD.findall(t)]
            out.append(TextScore.from_logprobs(np.array(lp or [math.log(0.02)]), len(t.encode())))
        return out
