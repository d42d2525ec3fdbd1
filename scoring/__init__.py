"""The BrainBench perplexity scorer: perplexity engine, BrainBench evaluation,
counterfactual plausibility, calibration and memorisation check.

Heavy modules (torch, transformers) load only when a model is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from brainweave.lazy import lazy_exports

if TYPE_CHECKING:
    from brainweave.scoring.perplexity import Scorer, TextScore
    from brainweave.scoring.plausibility import PlausibilityResult, score_hypotheses

__all__ = [
    "PlausibilityResult",
    "Scorer",
    "TextScore",
    "brainbench_dois",
    "load_model",
    "score_hypotheses",
]

_LAZY = {
    "Scorer": "brainweave.scoring.perplexity:Scorer",
    "TextScore": "brainweave.scoring.perplexity:TextScore",
    "load_model": "brainweave.scoring.models:load_model",
    "score_hypotheses": "brainweave.scoring.plausibility:score_hypotheses",
    "PlausibilityResult": "brainweave.scoring.plausibility:PlausibilityResult",
    "brainbench_dois": "brainweave.scoring.contamination:brainbench_dois",
}


__getattr__ = lazy_exports(__name__, _LAZY)
