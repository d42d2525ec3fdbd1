"""Plausibility of hypotheses: the statement against its counterfactual variants.

For each hypothesis, :func:`~brainweave.scoring.counterfactuals.make_variants`
alters its claimed result the way BrainBench's experts did. The statement and
its variants are scored under the same prompt (the BrainBench persona, the
evidence context, then the finding); only the statement's tokens are scored,
and the shared prompt is computed once (shared-prefix KV cache). For each
variant, ``gap = logprob(statement) - logprob(variant)`` (nats) and the
calibrated probability that the statement, not that variant, is the real
finding. ``plausibility`` is their mean: the probability of winning a BrainBench
comparison against a randomly chosen variant. ``p_vs_all`` is the probability
that the statement is the real one among itself and all its variants (the same
calibrated slope, a softmax over all candidates). A statement for which no
variant can be formed is returned as not scorable, with no number.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from brainweave.agents.models import Counterfactual, Scores
from brainweave.scoring.calibration import CalibrationParams, load_params
from brainweave.scoring.contract import Scorer, TextScore
from brainweave.scoring.counterfactuals import make_variants
from brainweave.scoring.memorisation import DEFAULT_THRESHOLD, memorisation_ratio

log = logging.getLogger(__name__)

PERSONA = "You are a neuroscientist with deep knowledge in neuroscience. "


def build_context(evidence: str | None) -> str:
    """The prompt every candidate is scored after (the candidate's tokens only are scored)."""
    ctx = PERSONA
    if evidence and evidence.strip():
        ctx += "Here is the evidence: " + evidence.strip() + "\n"
    return ctx + "Here is a finding from a neuroscience publication: "


class ScoredText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    kind: str  # "hypothesis", "edit" or "entity:<kind>"
    original: str | None = None  # the words altered (variants only)
    altered: str | None = None
    n_tokens: int
    sum_logprob: float
    mean_nll: float
    perplexity: float
    memorisation_ratio: float
    memorised: bool
    gap: float | None = None  # logprob(hypothesis) - logprob(this variant), nats
    p_real: float | None = None  # calibrated P(hypothesis is real | this pair)


class PlausibilityResult(BaseModel):
    """Everything behind one plausibility number."""

    model_config = ConfigDict(extra="forbid")

    hypothesis: str
    scorable: bool
    reason: str | None = None
    plausibility: float | None = None
    p_vs_all: float | None = None
    calibrated: bool = False
    calibration: str  # where the mapping came from
    model: str
    context_chars: int
    score: ScoredText | None = None
    variants: list[ScoredText] = []
    memorised: bool = False

    def to_scores(self) -> Scores:
        """The score fields a hypothesis carries (the graph's score step and the app's
        re-scoring of an edited statement both use this one mapping)."""
        return Scores(
            scorable=self.scorable,
            reason=self.reason,
            plausibility=self.plausibility,
            p_vs_all=self.p_vs_all,
            perplexity=self.score.perplexity if self.score else None,
            counterfactuals=[
                Counterfactual(
                    text=v.text,
                    perplexity=v.perplexity,
                    kind=v.kind,
                    original=v.original,
                    altered=v.altered,
                )
                for v in self.variants
            ],
            memorised=self.memorised,
            model=self.model,
        )


def _scored(
    text: str, s: TextScore, kind: str, threshold: float, context: str, **extra: Any
) -> ScoredText:
    ratio = memorisation_ratio(s.sum_logprob, text, context)
    return ScoredText(
        text=text,
        kind=kind,
        n_tokens=s.n_tokens,
        sum_logprob=s.sum_logprob,
        mean_nll=s.mean_nll,
        perplexity=s.perplexity,
        memorisation_ratio=ratio,
        memorised=ratio < threshold,
        **extra,
    )


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def score_hypotheses(
    hypotheses: Sequence[str],
    context: str | Sequence[str | None] | None = None,
    *,
    scorer: Scorer | None = None,
    settings: Any = None,
    max_variants: int = 8,
) -> list[PlausibilityResult]:
    """Score each hypothesis against its counterfactual variants under its evidence.

    ``context`` is one evidence text for all hypotheses, or one per hypothesis.
    """
    if scorer is None:
        from brainweave.scoring.backends import make_scorer

        if settings is None:
            from brainweave.settings import load_settings

            settings = load_settings()
        scorer = make_scorer(settings)
    if context is None or isinstance(context, str):
        contexts: list[str | None] = [context] * len(hypotheses)
    else:
        contexts = list(context)
        if len(contexts) != len(hypotheses):
            raise ValueError("give one context, or one per hypothesis")
    params: CalibrationParams | None = load_params(scorer.name)
    threshold = params.memorisation_threshold if params else DEFAULT_THRESHOLD
    if params:
        slope, intercept = params.slope, params.intercept
        how = f"fitted on BrainBench for {params.model} (5-fold CV ECE {params.ece_cv:.3f})"
    else:
        slope, intercept = 1.0, 0.0
        how = f"none for {scorer.name}: raw likelihood ratio, sigmoid(gap)"
    return [
        _score_one(
            scorer, h.strip(), ctx, max_variants, slope, intercept, threshold, how, bool(params)
        )
        for h, ctx in zip(hypotheses, contexts, strict=True)
    ]


def _score_one(
    scorer: Scorer,
    hypothesis: str,
    evidence: str | None,
    max_variants: int,
    slope: float,
    intercept: float,
    threshold: float,
    how: str,
    calibrated: bool,
) -> PlausibilityResult:
    base = {
        "hypothesis": hypothesis,
        "model": scorer.name,
        "context_chars": len(evidence or ""),
        "calibration": how,
        "calibrated": calibrated,
    }
    if not hypothesis:
        return PlausibilityResult(scorable=False, reason="the statement is empty", **base)
    variants = make_variants(hypothesis, max_variants=max_variants)
    if not variants:
        return PlausibilityResult(
            scorable=False,
            reason="no counterfactual variant can be formed: the statement names no result "
            "direction (increased/decreased, anterior/posterior, ...) and no known gene, "
            "region, condition or transmitter to swap",
            **base,
        )
    ctx = build_context(evidence)
    scores = scorer.score_many([hypothesis] + [v.text for v in variants], ctx)
    h = _scored(hypothesis, scores[0], "hypothesis", threshold, ctx)
    scored_variants = []
    for v, s in zip(variants, scores[1:], strict=True):
        gap = h.sum_logprob - s.sum_logprob
        scored_variants.append(
            _scored(
                v.text,
                s,
                v.kind,
                threshold,
                ctx,
                original=v.original,
                altered=v.altered,
                gap=gap,
                p_real=_sigmoid(slope * gap + intercept),
            )
        )
    pairs = [v.p_real or 0.0 for v in scored_variants]
    logits = [0.0] + [-(slope * (v.gap or 0.0)) for v in scored_variants]
    top = max(logits)
    p_all = math.exp(-top) / sum(math.exp(z - top) for z in logits)
    return PlausibilityResult(
        scorable=True,
        plausibility=sum(pairs) / len(pairs),
        p_vs_all=p_all,
        score=h,
        variants=scored_variants,
        memorised=h.memorised,
        **base,
    )
