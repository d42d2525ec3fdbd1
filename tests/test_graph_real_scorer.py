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
        agents={"scorer": "brainbench", "max_hypotheses": 1, "max_findings": 2},
    )
    build_indexes(s, ["neuroimaging", "clinical"])
    r = ask(
        "How does memory decline relate to Alzheimer's disease?",
        settings=s,
        agents="neuroimaging,clinical",
        rounds=0,
    )
    (h,) = r.hypotheses
    assert h.scorer == s.scorer.model and r.provenance["scorer"] == s.scorer.model
    assert h.scorable and 0.0 <= h.plausibility <= 1.0
    assert h.perplexity is not None and 1.0 < h.perplexity < 1000
    assert h.counterfactuals and all(c.perplexity and c.perplexity > 1 for c in h.counterfactuals)
    assert isinstance(h.memorisation_flag, bool)
    assert r.provenance["timings_s"]["scoring"] > 0
