"""Re-score an edited hypothesis on the spot, the way the graph's score step does:
the same scorer (the process's :class:`~brainweave.graphs.services.Services`), the
same evidence context (``graphs.nodes.evidence_for``: the claims of the findings the
hypothesis cites), the same counterfactual variants, the same mapping to
:class:`~brainweave.agents.models.Scores`."""

from __future__ import annotations

from typing import Any

from brainweave.agents.models import Finding, Hypothesis, Scores
from brainweave.settings import Settings


def scorer_for(settings: Settings) -> Any:
    """The graph's scorer for these settings, shared with ``ask`` in this process."""
    from brainweave.graphs.services import default_services

    return default_services().scorer(settings)


def rescore(statement: str, hypothesis: dict[str, Any], run: dict[str, Any], scorer: Any) -> Scores:
    """Scores of ``statement`` under the evidence of ``hypothesis`` in ``run``."""
    from brainweave.graphs.nodes import evidence_for
    from brainweave.scoring.plausibility import score_hypotheses

    findings = [Finding.model_validate(f) for f in run.get("findings") or []]
    evidence = evidence_for(Hypothesis.model_validate(hypothesis), findings)
    return score_hypotheses([statement], context=[evidence], scorer=scorer)[0].to_scores()
