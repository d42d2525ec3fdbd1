"""Mentions stored at index build: they round-trip, the statistics agree with them, a
vocabulary change rebuilds, and `brainweave entities` reads them from real indexes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from brainweave import knowledge
from brainweave.knowledge import graph
from brainweave.retrieval import build_indexes
from brainweave.retrieval.store import IndexStore
from brainweave.settings import Settings
from tests.conftest import clean_env

BIN = Path(sys.executable).with_name("brainweave")


@pytest.fixture
def built(fast_settings: Settings) -> Settings:
    build_indexes(fast_settings, ["genetics", "neuroimaging"])
    return fast_settings


def test_stored_mentions_round_trip(built: Settings) -> None:
    store = IndexStore(built.index_dir)
    kn = knowledge.load(built.resolved_data_dir)
    idx = store.open("neuroimaging")
    eg = store.evidence_graph("neuroimaging")
    pid = eg.passages_mentioning("region:hippocampus", 1)[0]
    (p,) = idx.passages([pid])
    stored = [m for m in eg.mentions_of(pid) if m.field == "text"]
    fresh = kn.find(p["text"])
    assert [(m.entity_id, m.start, m.end, m.how, m.negated) for m in stored] == [
        (m.entity_id, m.start, m.end, m.how, m.negated) for m in fresh
    ]
    assert all(p["text"][m.start : m.end] == m.surface for m in stored)
    assert idx.manifest["entities"]["mentions"] > 0
    assert idx.manifest["depends_on"]["vocabularies"]["hpo_release"] == "2025-01-16"


def test_document_frequencies_and_co_mentions_agree_with_mentions(built: Settings) -> None:
    eg = IndexStore(built.index_dir).evidence_graph("genetics")
    db = eg.db_path
    con = sqlite3.connect(db)
    (top, n), *_ = eg.top_entities(1)
    (counted,) = con.execute(
        "SELECT COUNT(DISTINCT row) FROM mentions WHERE entity_id = ? AND negated = 0", (top,)
    ).fetchone()
    assert n == counted == eg.doc_frequency(top)
    other, both = eg.co_mentions(top, 1)[0]
    (together,) = con.execute(
        "SELECT COUNT(*) FROM (SELECT row FROM mentions WHERE entity_id = ? AND negated = 0 "
        "INTERSECT SELECT row FROM mentions WHERE entity_id = ? AND negated = 0)",
        (top, other),
    ).fetchone()
    con.close()
    assert both == together > 0


def test_a_vocabulary_change_rebuilds(built: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from brainweave.knowledge import build as kb

    [same] = build_indexes(built, ["genetics"])
    assert same.action == "reused"
    # what a new release of the matching rules does (KNOWLEDGE_VERSION is bumped)
    # (the packaged versions are computed once per process: a release is a new process)
    monkeypatch.setattr(kb, "KNOWLEDGE_VERSION", kb.KNOWLEDGE_VERSION + 1)
    kb._package_versions.cache_clear()
    try:
        [r] = build_indexes(built, ["genetics"])
    finally:
        monkeypatch.undo()
        kb._package_versions.cache_clear()
    assert r.action == "rebuilt" and r.reason == "changed: vocabularies"


def test_curated_hpo_edges_link_genes_phenotypes_and_diseases() -> None:
    edges = graph.curated_edges("NCBIGene:348")  # APOE
    assert edges and all(e.source == "HPO annotations" for e in edges)
    assert any(e.b == "OMIM:104310" and e.via == "" for e in edges)  # Alzheimer disease 2
    assert any(e.b == "HP:0002511" and e.via.startswith("OMIM:") for e in edges)


def _cli(*args: str, settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {
        **clean_env(),
        "BRAINWEAVE_HOME": str(settings.home),
        "BRAINWEAVE_PROFILE": "fast",
        "BRAINWEAVE_DATA_DIR": str(settings.resolved_data_dir),
        "HF_HUB_OFFLINE": "1",
        "BRAINWEAVE_KNOWLEDGE_CACHE": os.environ["BRAINWEAVE_KNOWLEDGE_CACHE"],
    }
    return subprocess.run(
        [str(BIN), "entities", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_entities_cli_on_real_indexes(built: Settings) -> None:
    r = _cli("hippocampal", "--domain", "neuroimaging", "--json", settings=built)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["id"], out["kind"], out["name"]) == ("region:hippocampus", "region", "hippocampus")
    info = out["domains"]["neuroimaging"]
    assert info["passages_mentioning"] == len(
        IndexStore(built.index_dir)
        .evidence_graph("neuroimaging")
        .passages_mentioning("region:hippocampus", 10_000)
    )
    assert info["passages"] and info["co_mentioned"]
    assert list(out["domains"]) == ["neuroimaging"]


def test_entities_cli_text_and_unknown_names(
    built: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from brainweave.cli import app
    from brainweave.errors import BrainweaveError

    monkeypatch.setenv("BRAINWEAVE_HOME", str(built.home))
    monkeypatch.setenv("BRAINWEAVE_DATA_DIR", str(built.resolved_data_dir))
    runner = CliRunner()
    r = runner.invoke(app, ["--profile", "fast", "entities", "APOE"])
    assert r.exit_code == 0, r.output
    assert "APOE  [NCBIGene:348, gene]" in r.output and "HPO annotations:" in r.output
    assert "genetics:" in r.output and "neuroimaging:" in r.output
    r = runner.invoke(app, ["--profile", "fast", "entities", "hipocampus"])
    assert isinstance(r.exception, BrainweaveError)
    assert "no entity" in str(r.exception) and "'hippocampus'" in str(r.exception)


def test_a_runs_knowledge_layer_reaches_its_agent_calls_and_no_other_run(data_dir: Path) -> None:
    """Two runs over other data directories in one process (two tabs of the app): each
    one's agent calls read its own vocabularies, never the other's."""
    import threading

    from brainweave.graphs.guard import call_agent

    packaged, corpora = knowledge.load(None), knowledge.load(data_dir)
    assert packaged is not corpora
    gene = "APBA2"  # a RefSeq gene of the corpora that no packaged vocabulary lists
    seen: dict[str, object] = {}
    started = threading.Barrier(2)

    def run(name: str, kn: knowledge.Knowledge) -> None:
        with knowledge.use(kn):
            started.wait()  # both runs are in progress at once
            found, issue = call_agent(name, "summarise", 30, knowledge.find_entities, gene)
            assert issue is None
            seen[name] = (knowledge.default(), found)

    threads = [
        threading.Thread(target=run, args=("packaged", packaged)),
        threading.Thread(target=run, args=("corpora", corpora)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["packaged"][0] is packaged and seen["corpora"][0] is corpora  # type: ignore[index]
    assert seen["corpora"][1] and not seen["packaged"][1], seen  # type: ignore[index]
