"""The BrainBench perplexity scorer: the scorer contract (``contract.py``) and its
backends (``backends.py``), BrainBench evaluation, counterfactual plausibility,
calibration and memorisation check.

Heavy modules (torch, transformers) load only when a model is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from brainweave.lazy import lazy_exports

if TYPE_CHECKING:
    from brainweave.scoring.backends import make_scorer
    from brainweave.scoring.contract import Scorer, TextScore
    from brainweave.scoring.perplexity import TransformersScorer
    from brainweave.scoring.plausibility import PlausibilityResult, score_hypotheses

__all__ = [
    "PlausibilityResult",
    "Scorer",
    "TextScore",
    "TransformersScorer",
    "brainbench_dois",
    "load_model",
    "make_scorer",
    "score_hypotheses",
]

_LAZY = {
    "Scorer": "brainweave.scoring.contract:Scorer",
    "TextScore": "brainweave.scoring.contract:TextScore",
    "TransformersScorer": "brainweave.scoring.perplexity:TransformersScorer",
    "make_scorer": "brainweave.scoring.backends:make_scorer",
    "load_model": "brainweave.scoring.models:load_model",
    "score_hypotheses": "brainweave.scoring.plausibility:score_hypotheses",
    "PlausibilityResult": "brainweave.scoring.plausibility:PlausibilityResult",
    "brainbench_dois": "brainweave.scoring.contamination:brainbench_dois",
}


__getattr__ = lazy_exports(__name__, _LAZY)
