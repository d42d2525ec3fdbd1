"""Shared-prefix scoring: run the common token prefix once, reuse its KV cache.

The texts are split on a token boundary of their own full tokenisations (the
longest common prefix of the token id lists), so every text is scored on
exactly the tokens the straightforward path scores. Continuations are
right-padded into batches: with causal attention a real token never attends to
the padding after it, so no attention mask is needed and the real positions
are computed exactly as alone.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np

from brainweave.scoring.perplexity import common_prefix_len


def _forward(model: Any, input_ids: Any, past: Any, keep: int) -> Any:
    """Forward pass; ``keep`` > 0 computes the logits of the last ``keep`` positions only."""
    kwargs: dict[str, Any] = {"input_ids": input_ids, "use_cache": True}
    if past is not None:
        kwargs["past_key_values"] = past
    if keep:
        kwargs["logits_to_keep"] = keep
    try:
        return model(**kwargs)
    except TypeError:  # a model without logits_to_keep: all logits, sliced below
        kwargs.pop("logits_to_keep", None)
        out = model(**kwargs)
        if keep:
            out.logits = out.logits[:, -keep:]
        return out


def gather_logprobs(logits: Any, targets: Any) -> np.ndarray:
    """log_softmax(logits)[targets] without materialising the whole log_softmax."""
    import torch

    logits = logits.float()
    lse = torch.logsumexp(logits, dim=-1)
    picked = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return (picked - lse).double().numpy()


def log_softmax(row: Any) -> np.ndarray:
    """The log-softmax of one logits row, in float64 (same arithmetic as gather_logprobs)."""
    import torch

    row = row.float()
    return (row - torch.logsumexp(row, dim=-1)).double().numpy()


def shared_prefix_logprobs(
    model: Any,
    seqs: Sequence[Sequence[int]],
    firsts: Sequence[int],
    *,
    batch_size: int = 8,
) -> list[np.ndarray]:
    """For each token list, the log-probabilities of tokens ``first..n-1``."""
    import torch

    lens = [len(s) for s in seqs]
    # keep at least one token after the prefix in every sequence
    split = min(common_prefix_len(seqs), min(lens) - 1)
    if split < 1:
        raise ValueError("sequences need at least two tokens")
    # the prefix positions whose predictions are scored: tokens lo..split-1, where lo is the
    # first scored token of any sequence; the lm head runs on those positions only
    lo = min(min(firsts), split)
    with torch.inference_mode():
        prefix = torch.tensor([list(seqs[0][:split])], dtype=torch.long)
        pre = _forward(model, prefix, None, keep=split - lo + 1)
        cache = pre.past_key_values
        pre_logits = pre.logits[0]
        last = pre_logits[-1]  # predicts token `split` of every sequence
        prefix_lp = gather_logprobs(pre_logits[:-1], prefix[0, lo:])
        cont_lp: list[np.ndarray] = [np.empty(0)] * len(seqs)
        order = list(range(len(seqs)))
        chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        for ci, chunk in enumerate(chunks):
            past = cache if ci == len(chunks) - 1 else copy.deepcopy(cache)
            if len(chunk) > 1:
                past.batch_repeat_interleave(len(chunk))
            width = max(lens[i] for i in chunk) - split
            batch = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, i in enumerate(chunk):
                cont = seqs[i][split:]
                batch[row, : len(cont)] = torch.tensor(cont, dtype=torch.long)
            logits = _forward(model, batch, past, keep=0).logits
            for row, i in enumerate(chunk):
                n = lens[i] - split
                lp0 = gather_logprobs(last.unsqueeze(0), batch[row, :1])
                rest = gather_logprobs(logits[row, : n - 1], batch[row, 1:n])
                cont_lp[i] = np.concatenate([lp0, rest])
    # each sequence's log-probabilities of tokens lo..n-1, cut to its own first..n-1
    return [np.concatenate([prefix_lp, cont_lp[i]])[f - lo :] for i, f in enumerate(firsts)]
