"""The perplexity scorer on a server's prompt log-probabilities.

``scorer.provider = "openai-logprobs"``, ``scorer.base_url = "http://host:8000/v1"``:
every text is sent to the OpenAI-compatible ``/completions`` endpoint with
``echo: true`` and ``logprobs``, which servers that support it answer with the
log-probability of every prompt token (vLLM; llama-cpp-python's
``python -m llama_cpp.server``). ``scorer.model`` is the served model's name.

The server tokenises. The first prompt token has no log-probability (the OpenAI
convention), so as in-process every token after the first is scored; with a
``context`` (sent as ``context + text``), the scored tokens are those that end
after the context's last character. A server that is down, answers with an
error, or returns no prompt log-probabilities (llama.cpp's own ``llama-server``
returns them for generated tokens only) is a clear error, not a score.
"""

from __future__ import annotations

import json
import logging
import math
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

import numpy as np

from brainweave.errors import BrainweaveError, ConfigError
from brainweave.scoring.contract import TextScore

log = logging.getLogger(__name__)

PROVIDER = "openai-logprobs"
NO_LOGPROBS_HINT = (
    "the server must return prompt log-probabilities for echo=true: vLLM and "
    "llama-cpp-python's server (python -m llama_cpp.server, logits_all on) do; llama.cpp's "
    "llama-server does not (it returns them for generated tokens only)"
)


class OpenAILogprobsScorer:
    """Scores texts with a served model's prompt log-probabilities (the scorer protocol)."""

    provider = PROVIDER

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        timeout_s: float = 120.0,
        api_key: str | None = None,
    ) -> None:
        if not base_url:
            raise ConfigError(
                "scorer.provider = 'openai-logprobs' needs scorer.base_url",
                "set scorer.base_url, e.g. http://127.0.0.1:8000/v1 (BRAINWEAVE_SCORER__BASE_URL)",
            )
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout_s = timeout_s
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")

    @classmethod
    def from_settings(cls, settings: Any) -> OpenAILogprobsScorer:
        s = settings.scorer
        if s.adapter:
            raise ConfigError(
                f"scorer.adapter applies to the transformers backend, not {s.provider!r}",
                "unset scorer.adapter, or merge the adapter into the model and convert it to "
                "GGUF (llama.cpp's convert_lora_to_gguf.py) or serve it with its base model",
            )
        return cls(s.base_url or "", s.model, timeout_s=s.timeout_s)

    @property
    def name(self) -> str:
        return f"{self.model} ({self.base_url})"

    # -- HTTP -------------------------------------------------------------------
    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base_url}/completions"
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(
            url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as err:
            detail = err.read()[:500].decode("utf-8", errors="replace")
            raise BrainweaveError(
                f"the scoring server {url} answered HTTP {err.code}: {detail}",
                f"check scorer.model ({self.model!r}) is the served model's name; "
                + NO_LOGPROBS_HINT,
            ) from err
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            reason = getattr(err, "reason", err)
            raise BrainweaveError(
                f"the scoring server {url} is not answering ({reason})",
                "start it (e.g. python -m llama_cpp.server --model FILE.gguf, or vllm serve "
                "MODEL) or fix scorer.base_url",
            ) from err
        try:
            data = json.loads(raw)
        except ValueError as err:
            raise BrainweaveError(
                f"the scoring server {url} did not answer with JSON", NO_LOGPROBS_HINT
            ) from err
        if not isinstance(data, dict):
            raise BrainweaveError(f"the scoring server {url} answered {data!r}", NO_LOGPROBS_HINT)
        return data

    def prompt_logprobs(self, prompt: str) -> list[tuple[int, str, float | None]]:
        """(character offset, token text, log-probability) of each prompt token."""
        data = self._post(
            {
                "model": self.model,
                "prompt": prompt,
                "echo": True,
                "logprobs": 1,
                "max_tokens": 1,
                "temperature": 0.0,
            }
        )
        try:
            lp = data["choices"][0]["logprobs"]
            offsets = list(lp["text_offset"])
            tokens = list(lp["tokens"])
            values = list(lp["token_logprobs"])
        except (KeyError, IndexError, TypeError) as err:
            raise BrainweaveError(
                f"the scoring server {self.base_url} returned no log-probabilities "
                f"for the prompt (answer: {json.dumps(data)[:300]})",
                NO_LOGPROBS_HINT,
            ) from err
        rows = [
            (int(o), str(t), None if v is None else float(v))
            for o, t, v in zip(offsets, tokens, values, strict=False)
            if int(o) < len(prompt)  # the echoed prompt, not the generated token
        ]
        if sum(v is not None for _, _, v in rows) == 0 and len(prompt) > 0:
            raise BrainweaveError(
                f"the scoring server {self.base_url} returned no log-probabilities for the "
                f"prompt's tokens (only {len(values)} for a {len(prompt)}-character prompt)",
                NO_LOGPROBS_HINT,
            )
        return rows

    # -- the scorer protocol ------------------------------------------------------
    def score(self, text: str, context: str | None = None) -> TextScore:
        ctx = context or ""
        rows = self.prompt_logprobs(ctx + text)
        if ctx:
            # tokens that end after the context (one that straddles the boundary is scored)
            picked = [v for o, t, v in rows if o + len(t) > len(ctx)]
            if not picked:
                raise ValueError("the text adds no token to the context")
            if picked[0] is None:  # the very first prompt token: nothing predicts it
                picked = picked[1:]
        else:
            picked = [v for _, _, v in rows][1:]
        if any(v is None for v in picked):
            raise BrainweaveError(
                f"the scoring server {self.base_url} left out the log-probability of some "
                "prompt tokens",
                NO_LOGPROBS_HINT,
            )
        vals = np.array([v for v in picked if v is not None], dtype=np.float64)
        if not np.all(np.isfinite(vals)):
            bad = next(v for v in vals if not math.isfinite(v))
            raise BrainweaveError(
                f"the scoring server {self.base_url} returned a log-probability of {bad}",
                "check the served model",
            )
        return TextScore.from_logprobs(vals, len(text.encode("utf-8")))

    def score_many(self, texts: Sequence[str], context: str | None = None) -> list[TextScore]:
        """One request per text (the server's own prefix cache shares the work)."""
        return [self.score(t, context) for t in texts]
