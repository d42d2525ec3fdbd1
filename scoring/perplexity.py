"""Token log-likelihoods and perplexity of texts under a causal LM.

Two paths give the same numbers (within 1e-4 relative perplexity, tested):

* :meth:`TransformersScorer.score` is the straightforward computation the BrainBench
  reference uses: one full forward pass per text, ``log_softmax`` over the
  logits, the log-probability of each next token.
* :meth:`TransformersScorer.score_many` shares the work between texts that start alike
  (the A and B versions of a BrainBench item, the variants of a hypothesis under
  one evidence context): the common token prefix is run once and its KV cache
  reused for each continuation, the continuations batched (see ``prefix.py``).

Texts are tokenised with the tokenizer's defaults (Gemma adds its BOS token,
SmolLM2 adds none). Every token after the first is scored, as in the
reference; with a ``context``, only the tokens of the full tokenisation that
come after the context's tokens are scored. Texts longer than the window are
scored in rolling windows, as lm-evaluation-harness does for rolling
log-likelihood: the first window predicts its tokens 2..W, each later window
predicts ``stride`` new tokens conditioned on the ``W - stride`` tokens before
them (default stride ``W - 1``: disjoint windows, like the harness).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from brainweave.scoring.contract import TextScore
from brainweave.scoring.models import LoadedModel


def common_prefix_len(seqs: Sequence[Sequence[int]]) -> int:
    first = seqs[0]
    n = min(len(s) for s in seqs)
    for i in range(n):
        t = first[i]
        if any(s[i] != t for s in seqs[1:]):
            return i
    return n


def prepare_ids(
    encode: Callable[[str], list[int]], text: str, context: str | None = None
) -> tuple[list[int], int]:
    """Token ids of ``context + text`` and the index of the first scored token.

    The scored tokens are a suffix of the full tokenisation: those after the
    longest common prefix with the context's own tokenisation (a token that
    straddles the boundary is scored). Without a context every token after
    the first is scored. Every backend tokenises its own way and shares this rule.
    """
    if not context:
        return encode(text), 1
    ids = encode(context + text)
    ctx = encode(context)
    first = max(1, common_prefix_len([ids, ctx]))
    if first >= len(ids):
        raise ValueError("the text adds no token to the context")
    return ids, first


class TransformersScorer:
    """The ``transformers`` backend: scores texts with one loaded causal LM (fp32 or bf16)."""

    def __init__(
        self,
        loaded: LoadedModel,
        *,
        window: int | None = None,
        stride: int | None = None,
        batch_size: int = 8,
    ) -> None:
        self.loaded = loaded
        self.model = loaded.model
        self.tokenizer = loaded.tokenizer
        self.window = int(window or loaded.max_length)
        if self.window < 2:
            raise ValueError("the window must hold at least 2 tokens")
        self.stride = int(stride or self.window - 1)
        if not 1 <= self.stride <= self.window - 1:
            raise ValueError(f"stride must be in [1, window - 1], got {self.stride}")
        self.batch_size = batch_size

    @classmethod
    def from_settings(cls, settings: Any) -> TransformersScorer:
        from brainweave.scoring.models import (
            load_from_settings,
            load_with_adapter,
            resolve_adapter,
        )

        s = settings.scorer
        if s.threads:  # the scorer's share of the cores (sweep workers split them)
            import torch

            torch.set_num_threads(s.threads)
        if s.adapter:
            loaded = load_with_adapter(
                s.model,
                resolve_adapter(s.adapter, settings.home),
                dtype=s.dtype,
                cache_dir=s.cache_dir,
                trust_remote_code=s.trust_remote_code,
            )
        else:
            loaded = load_from_settings(settings)
        return cls(
            loaded,
            window=s.context_window,
            stride=s.window_stride,
            batch_size=s.batch_size,
        )

    @property
    def name(self) -> str:
        return self.loaded.name

    # -- tokenisation -------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer(text)["input_ids"])

    def prepare(self, text: str, context: str | None = None) -> tuple[list[int], int]:
        """Token ids of ``context + text`` and the first scored token (:func:`prepare_ids`)."""
        return prepare_ids(self.encode, text, context)

    # -- the straightforward path ------------------------------------------
    def score(self, text: str, context: str | None = None) -> TextScore:
        """One full forward pass per window, as the BrainBench reference does."""
        ids, first = self.prepare(text, context)
        lp = self.token_logprobs(ids)[first - 1 :]
        return TextScore.from_logprobs(lp, len(text.encode("utf-8")))

    def token_logprobs(self, ids: Sequence[int]) -> np.ndarray:
        """log p(ids[i] | ids[:i]) for i = 1..n-1 (rolling windows past the window)."""
        import torch

        n = len(ids)
        out = np.empty(max(n - 1, 0), dtype=np.float64)
        if n < 2:
            return out
        w = self.window
        tensor = torch.tensor([list(ids)], dtype=torch.long)
        end = min(n, w)
        out[: end - 1] = self._window_logprobs(tensor[:, :end])
        pos = end  # next position to predict
        while pos < n:
            end = min(pos + self.stride, n)
            start = end - w
            lp = self._window_logprobs(tensor[:, start:end])  # predicts start+1 .. end-1
            out[pos - 1 : end - 1] = lp[pos - start - 1 :]
            pos = end
        return out

    def _window_logprobs(self, input_ids: Any) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        with torch.inference_mode():
            logits = self.model(input_ids=input_ids, use_cache=False).logits
            shift = logits[0, :-1, :].float()
            labels = input_ids[0, 1:]
            lp = F.log_softmax(shift, dim=-1).gather(1, labels.view(-1, 1)).squeeze(1)
        return lp.double().numpy()

    # -- the fast path ---------------------------------------------------------
    def score_many(self, texts: Sequence[str], context: str | None = None) -> list[TextScore]:
        """Score texts that share a beginning (or one context) together."""
        from brainweave.scoring.prefix import shared_prefix_logprobs

        prepared = [self.prepare(t, context) for t in texts]
        seqs = [p[0] for p in prepared]
        firsts = [p[1] for p in prepared]
        if len(seqs) < 2 or max(len(s) for s in seqs) > self.window:
            lps = [self.token_logprobs(s)[f - 1 :] for s, f in prepared]
        else:
            lps = shared_prefix_logprobs(self.model, seqs, firsts, batch_size=self.batch_size)
        return [
            TextScore.from_logprobs(lp, len(t.encode("utf-8")))
            for lp, t in zip(lps, texts, strict=True)
        ]
