"""End to end with the real default scorer (SmolLM2-135M perplexities): slow."""

from __future__ import annotations

from pathlib import Path

import pytest

from brainweave.graphs.run import ask
from brainweave.retrieval import build_indexes
from brainweave.settings import load_settings
from tests.conftest import DATA_DIR


@pytest.mark.slow
def test_ask_scores_with_the_brainbench_scorer(tmp_path: Path) -> None:
    s = load_settings(
        profile="fast",
        home=tmp_path / "home",
        data_dir=DATA_DIR,
        index={"max_docs_per_source": 150},
        scorer={"provider": "transformers"},
        agents={"max_hypotheses": 1, "max_findings": 2},
    )
    build_indexes(s, ["neuroimaging", "clinical"])
    r = ask(
        "How does memory decline relate to Alzheimer's disease?",
        settings=s,
        agents="neuroimaging,clinical",
        rounds=0,
    )
    (h,) = r.hypotheses
    sc = h.scores
    assert sc.model == s.scorer.model and r.provenance["scorer"] == s.scorer.model
    assert sc.scorable and 0.0 <= sc.plausibility <= 1.0
    assert sc.perplexity is not None and 1.0 < sc.perplexity < 1000
    assert sc.counterfactuals and all(c.perplexity and c.perplexity > 1 for c in sc.counterfactuals)
    assert isinstance(sc.memorised, bool)
    assert r.provenance["timings_s"]["scoring"] > 0
