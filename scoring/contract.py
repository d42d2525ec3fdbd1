"""The scorer contract: what every scoring backend gives the rest of brainweave.

Like lm-evaluation-harness's ``LM``, a backend is anything with a ``name`` and
``score_many``: the summed token log-probability of each text, optionally after a
shared context whose own tokens are not scored. Plausibility, BrainBench and the
graph's score step are written against this protocol only; the backends
(``transformers``, ``lexical``, ...) are registered in :mod:`brainweave.scoring.backends`
and chosen by the one setting ``scorer.provider``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict


class TextScore(BaseModel):
    """The log-likelihood of one text (its scored tokens)."""

    model_config = ConfigDict(extra="forbid")

    n_tokens: int
    sum_logprob: float
    mean_nll: float
    perplexity: float
    n_bytes: int  # UTF-8 bytes of the scored text (for the memorisation ratio)

    @classmethod
    def from_logprobs(cls, logprobs: np.ndarray, n_bytes: int) -> TextScore:
        n = int(logprobs.size)
        total = float(logprobs.sum(dtype=np.float64))
        mean = -total / n if n else float("nan")
        return cls(
            n_tokens=n,
            sum_logprob=total,
            mean_nll=mean,
            perplexity=math.exp(mean) if n else float("nan"),
            n_bytes=n_bytes,
        )


@runtime_checkable
class Scorer(Protocol):
    """A language model that scores texts by their token log-probabilities."""

    @property
    def name(self) -> str:
        """The model's name as cards and calibration files know it."""
        ...

    def score_many(self, texts: Sequence[str], context: str | None = None) -> list[TextScore]:
        """One score per text; with a ``context``, only the text's own tokens count."""
        ...
