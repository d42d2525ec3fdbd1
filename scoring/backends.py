"""The scoring backends, registered by name and chosen by the one setting
``scorer.provider``. Each entry is a lazy ``"module:attr"`` naming a class with
``from_settings(settings)`` that returns a :class:`~brainweave.scoring.contract.Scorer`;
nothing is imported until a backend is used."""

from __future__ import annotations

import difflib
import importlib
from typing import Any

from brainweave.errors import ConfigError
from brainweave.scoring.contract import Scorer

BACKENDS: dict[str, str] = {
    "transformers": "brainweave.scoring.perplexity:TransformersScorer",
    "llamacpp": "brainweave.scoring.llamacpp_scorer:LlamaCppScorer",
    "openai-logprobs": "brainweave.scoring.openai_logprobs_scorer:OpenAILogprobsScorer",
    "lexical": "brainweave.scoring.lexical:LexicalScorer",
}


def backend_class(provider: str) -> Any:
    """The class registered for ``provider`` (ConfigError with a did-you-mean)."""
    if provider not in BACKENDS:
        close = difflib.get_close_matches(provider, list(BACKENDS), n=1)
        raise ConfigError(
            f"unknown scorer provider {provider!r}",
            (f"did you mean {close[0]!r}? " if close else "")
            + f"known providers: {', '.join(BACKENDS)}",
        )
    module, attr = BACKENDS[provider].split(":")
    return getattr(importlib.import_module(module), attr)


def make_scorer(settings: Any) -> Scorer:
    """The scorer of these settings (loads its model: keep it, see Services)."""
    scorer: Scorer = backend_class(settings.scorer.provider).from_settings(settings)
    return scorer


def scorer_key(settings: Any) -> str:
    """What tells one scorer apart from another: its ``[scorer]`` section, less the
    machine-local thread count."""
    return settings.scorer.model_dump_json(exclude={"threads"})
