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


def _forward(model: Any, input_ids: Any, past: Any, keep_all: bool) -> Any:
    kwargs: dict[str, Any] = {"input_ids": input_ids, "use_cache": True}
    if past is not None:
        kwargs["past_key_values"] = past
    if not keep_all:
        kwargs["logits_to_keep"] = 1
    try:
        return model(**kwargs)
    except TypeError:  # a model without logits_to_keep
        kwargs.pop("logits_to_keep", None)
        return model(**kwargs)


def _gather_logprobs(logits: Any, targets: Any) -> np.ndarray:
    """log_softmax(logits)[targets] without materialising the whole log_softmax."""
    import torch

    logits = logits.float()
    lse = torch.logsumexp(logits, dim=-1)
    picked = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return (picked - lse).double().numpy()


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
    need_prefix = any(f < split for f in firsts)
    out: list[np.ndarray] = []
    with torch.inference_mode():
        prefix = torch.tensor([list(seqs[0][:split])], dtype=torch.long)
        pre = _forward(model, prefix, None, keep_all=need_prefix)
        cache = pre.past_key_values
        pre_logits = pre.logits[0]
        last = pre_logits[-1]  # predicts token `split` of every sequence
        prefix_lp = _gather_logprobs(pre_logits[:-1], prefix[0, 1:]) if need_prefix else np.empty(0)
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
            logits = _forward(model, batch, past, keep_all=True).logits
            for row, i in enumerate(chunk):
                n = lens[i] - split
                first_tok = batch[row, :1]
                lp0 = _gather_logprobs(last.unsqueeze(0), first_tok)
                rest = _gather_logprobs(logits[row, : n - 1], batch[row, 1:n])
                cont_lp[i] = np.concatenate([lp0, rest])
    for i, f in enumerate(firsts):
        full = np.concatenate([prefix_lp, cont_lp[i]]) if need_prefix else cont_lp[i]
        # `full` covers positions 1..n-1 (need_prefix) or split..n-1
        offset = 1 if need_prefix else split
        out.append(full[f - offset :])
    return out
