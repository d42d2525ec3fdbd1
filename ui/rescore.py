"""Re-score an edited hypothesis on the spot, the way the graph's score step does:
the same scorer (loaded once per process through ``graphs.run.shared``), the same
evidence context (``graphs.nodes.evidence_for``: the claims of the findings the
hypothesis cites), the same counterfactual variants."""

from __future__ import annotations

from typing import Any

from brainweave.settings import Settings
from brainweave.ui.store import Scores


def scorer_for(settings: Settings) -> Any:
    """The graph's scorer for these settings, shared with ``ask`` in this process."""
    from brainweave.graphs.run import shared_scorer

    return shared_scorer(settings)


def rescore(statement: str, hypothesis: dict[str, Any], run: dict[str, Any], scorer: Any) -> Scores:
    """Scores of ``statement`` under the evidence of ``hypothesis`` in ``run``."""
    from brainweave.graphs.nodes import evidence_for, score_fields
    from brainweave.scoring import score_hypotheses

    evidence = evidence_for(hypothesis, {"findings": run.get("findings") or []})
    res = score_hypotheses([statement], context=[evidence], scorer=scorer)[0]
    return Scores(**score_fields(res))
