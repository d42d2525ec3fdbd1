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

Every number goes out with what it is (:data:`MEANING`), a band (low / medium /
high, :func:`band_of`) with its 95% interval over the counterfactuals, and how good
the scorer is (:func:`quality_sentence`, read from the shipped
``data/scorer_quality.json``, which benchmarks/plausibility.py and ``bench
brainbench`` figures fill). A scorer with no shipped calibration (the ``lexical``
stand-in, an unpackaged model) gives a ranking score, not a probability: it goes out
with :func:`rank_meaning`, no band and no interval (:func:`describe`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from brainweave.agents.models import Counterfactual, Scores
from brainweave.scoring.calibration import CalibrationParams, load_params
from brainweave.scoring.contract import Scorer, TextScore
from brainweave.scoring.counterfactuals import Variant, make_variants
from brainweave.scoring.memorisation import DEFAULT_THRESHOLD, memorisation_ratio

log = logging.getLogger(__name__)

MEANING = (
    "the probability that this statement, not an altered version of it, is the real "
    "finding, under this evidence and this model"
)


class BenchFigure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    correct: int
    n: int
    source: str
    auc: float | None = None
    auc_interval: list[float] | None = None
    with_evidence: bool | None = None

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0


class ScorerQuality(BaseModel):
    """A packaged scorer's measured accuracy (``data/scorer_quality.json``)."""

    model_config = ConfigDict(extra="forbid")

    brainbench: BenchFigure | None = None
    single_finding: BenchFigure | None = None


def wilson(k: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson 95% interval of a proportion k/n."""
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


_quality_cache: dict[str, ScorerQuality] | None = None


def _qualities() -> dict[str, ScorerQuality]:
    global _quality_cache
    if _quality_cache is None:
        import json
        from importlib import resources

        raw = resources.files("brainweave.scoring").joinpath("data/scorer_quality.json")
        doc = json.loads(raw.read_text(encoding="utf-8"))
        _quality_cache = {
            k: ScorerQuality.model_validate(v) for k, v in (doc.get("models") or {}).items()
        }
    return _quality_cache


def scorer_quality(model: str | None) -> ScorerQuality | None:
    """The shipped figures for ``model`` ('smollm2-135m-instruct', 'hf:...:name' too)."""
    if not model:
        return None
    q = _qualities()
    return q.get(model) or q.get(model.split(":")[-1])


def _figure(f: BenchFigure, unit: str = "") -> str:
    lo, hi = wilson(f.correct, f.n)
    return f"{f.accuracy:.1%} (n = {f.n}{unit}, 95% interval {lo:.0%}–{hi:.0%})"


def quality_sentence(model: str | None) -> str:
    """How good the scorer is, in one sentence a reviewer can weigh the number by."""
    q = scorer_quality(model)
    if q is None:
        return (
            f"scorer {model or 'unknown'}: no measured accuracy shipped for it; "
            "read its number as a ranking aid only"
        )
    parts = []
    if q.single_finding is not None:
        sf = q.single_finding
        auc = f", ROC AUC {sf.auc:.2f}" if sf.auc is not None else ""
        parts.append(
            f"{_figure(sf, ' sentence pairs')}{auc} at telling single findings from their "
            "counterfactuals"
        )
    else:
        parts.append("not yet measured on single findings (benchmarks/plausibility.py)")
    if q.brainbench is not None:
        parts.append(f"{_figure(q.brainbench)} on BrainBench abstracts (human experts 63.4%)")
    params = load_params(model) if model else None
    if params is not None and params.n_items:
        parts.append(
            f"probabilities calibrated on {params.n} sentence pairs ({params.n_items} items), "
            f"cross-validated calibration error {params.ece_cv:.3f}"
        )
    return f"scorer {model}: " + "; ".join(parts)


def interval_of(p_reals: Sequence[float]) -> list[float] | None:
    """95% interval of the mean pairwise probability over the counterfactuals (normal
    approximation of the mean; None for fewer than two)."""
    n = len(p_reals)
    if n < 2:
        return None
    m = sum(p_reals) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in p_reals) / (n - 1))
    h = 1.96 * sd / math.sqrt(n)
    return [max(0.0, m - h), min(1.0, m + h)]


def rank_meaning(model: str | None) -> str:
    """What an uncalibrated scorer's number is: an order, not a probability."""
    return (
        f"a ranking score, not a probability: {model or 'this scorer'} has no calibration "
        "and no measured accuracy, so it only orders statements scored the same way"
    )


def describe(p: float | None, band: str | None, interval: Sequence[float] | None) -> str:
    """The number as the CLI prints it: '0.73 (high, 95% interval 0.61–0.85)', or
    '1.00 (rank only, uncalibrated)' where there is no band."""
    if p is None:
        return "n/a"
    if band is None:
        return f"{p:.2f} (rank only, uncalibrated)"
    ci = f", 95% interval {interval[0]:.2f}–{interval[1]:.2f}" if interval else ""
    return f"{p:.2f} ({band}{ci})"


def band_of(p: float | None, interval: Sequence[float] | None = None) -> str | None:
    """'high' (>= 0.6 and the interval clear of 0.5), 'low' (<= 0.4, likewise) or
    'medium' (near chance: the scorer does not tell it from its alterations)."""
    if p is None:
        return None
    lo, hi = (interval[0], interval[1]) if interval else (p, p)
    if p >= 0.6 and lo > 0.5:
        return "high"
    if p <= 0.4 and hi < 0.5:
        return "low"
    return "medium"


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
    interval: list[float] | None = None  # 95% over the counterfactuals
    meaning: str = MEANING

    @property
    def band(self) -> str | None:
        """None for an uncalibrated scorer: its number is an order, not a probability."""
        return band_of(self.plausibility, self.interval) if self.calibrated else None

    @property
    def quality(self) -> str:
        return quality_sentence(self.model)

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
            interval=self.interval,
            band=self.band,
            meaning=self.meaning if self.scorable else None,
            scorer_quality=quality_sentence(self.model),
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
    variants: Sequence[Sequence[Variant]] | None = None,
) -> list[PlausibilityResult]:
    """Score each hypothesis against its counterfactual variants under its evidence.

    ``context`` is one evidence text for all hypotheses, or one per hypothesis;
    ``variants``, one list per hypothesis, replaces the ones :func:`make_variants`
    would make (a benchmark's own altered sentences).
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
        logit = params.logit
        how = (
            f"fitted on {params.fitted_on} for {params.model} ({params.n} "
            f"{'pairs' if params.n_items else 'items'}, "
            f"{params.folds}-fold CV ECE {params.ece_cv:.3f})"
        )
    else:

        def logit(gap: float) -> float:
            return gap

        how = f"none for {scorer.name}: raw likelihood ratio, sigmoid(gap), a ranking only"
    given: list[Sequence[Variant] | None] = (
        list(variants) if variants is not None else [None] * len(hypotheses)
    )
    if len(given) != len(hypotheses):
        raise ValueError("give one list of variants per hypothesis")
    return [
        _score_one(scorer, h.strip(), ctx, max_variants, logit, threshold, how, bool(params), vs)
        for h, ctx, vs in zip(hypotheses, contexts, given, strict=True)
    ]


def _score_one(
    scorer: Scorer,
    hypothesis: str,
    evidence: str | None,
    max_variants: int,
    logit: Callable[[float], float],
    threshold: float,
    how: str,
    calibrated: bool,
    given: Sequence[Variant] | None = None,
) -> PlausibilityResult:
    base = {
        "hypothesis": hypothesis,
        "model": scorer.name,
        "context_chars": len(evidence or ""),
        "calibration": how,
        "calibrated": calibrated,
        "meaning": MEANING if calibrated else rank_meaning(scorer.name),
    }
    if not hypothesis:
        return PlausibilityResult(scorable=False, reason="the statement is empty", **base)
    variants = (
        list(given) if given is not None else make_variants(hypothesis, max_variants=max_variants)
    )
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
                p_real=_sigmoid(logit(gap)),
            )
        )
    pairs = [v.p_real or 0.0 for v in scored_variants]
    logits = [0.0] + [-logit(v.gap or 0.0) for v in scored_variants]
    top = max(logits)
    p_all = math.exp(-top) / sum(math.exp(z - top) for z in logits)
    return PlausibilityResult(
        scorable=True,
        plausibility=sum(pairs) / len(pairs),
        interval=interval_of(pairs) if calibrated else None,
        p_vs_all=p_all,
        score=h,
        variants=scored_variants,
        memorised=h.memorised,
        **base,
    )
