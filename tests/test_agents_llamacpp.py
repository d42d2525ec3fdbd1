"""The real local LLM (SmolLM2-135M-Instruct GGUF through llama.cpp) behind the agents: slow."""

from __future__ import annotations

from pathlib import Path

import pytest

from brainweave.graphs.run import ask
from brainweave.retrieval import build_indexes
from brainweave.settings import load_settings
from tests.conftest import DATA_DIR


@pytest.mark.slow
def test_ask_with_the_packaged_local_llm(tmp_path: Path) -> None:
    # llama-cpp-python is a dependency: a missing one is a broken install, not a skip
    import llama_cpp  # noqa: F401

    s = load_settings(
        profile="fast",
        home=tmp_path / "home",
        data_dir=DATA_DIR,
        index={"max_docs_per_source": 150},
        llm={
            "provider": "llamacpp",
            "model": "smollm2-135m-instruct",
            "timeout_s": 120,
            "max_tokens": 96,
        },
        agents={"findings": "llm", "max_findings": 1, "max_hypotheses": 1, "k": 3},
    )
    build_indexes(s, ["neuroimaging", "clinical"])
    r = ask(
        "How does memory decline relate to Alzheimer's disease?",
        settings=s,
        agents="neuroimaging,clinical",
        rounds=0,
    )
    calls = r.provenance["llm_calls"]
    assert calls and all(c["ok"] for c in calls), calls
    assert sum(c["tokens_out"] or 0 for c in calls) > 0
    retrieved = {p["passage_id"] for p in r.provenance["retrieved"]}
    assert r.findings and all(set(f.passage_ids) <= retrieved for f in r.findings)
    for h in r.hypotheses:
        assert len(h.domains) >= 2 and set(h.passage_ids) <= retrieved
