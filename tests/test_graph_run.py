"""The controller end to end on real (small) indexes: fast profile, fake LLM, lexical scorer."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from brainweave.agents.builtin import ClinicalAgent
from brainweave.agents.llm import LLM
from brainweave.agents.registry import AgentRegistry, AgentSpec
from brainweave.errors import BrainweaveError, ConfigError, IndexMissingError
from brainweave.graphs.graph import build_graph
from brainweave.graphs.run import ask, resume
from brainweave.graphs.services import Services
from brainweave.io import FileHashes, sha256_file
from brainweave.retrieval import build_indexes
from brainweave.settings import Settings, load_settings
from tests.conftest import DATA_DIR
from tests.fakes import Constant, one_context

QUESTION = "How does memory decline relate to Alzheimer's disease?"
SNAPSHOT = Path(__file__).parent / "snapshots" / "graph.mmd"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("graph") / "home"
    s = load_settings(
        profile="fast",
        home=home,
        data_dir=DATA_DIR,
        index={"max_docs_per_source": 150},
        agents={"findings": "llm"},  # the agents' LLM path, with the deterministic fake
    )
    build_indexes(s)
    return s


@pytest.fixture(scope="module")
def result(settings: Settings) -> Any:
    return ask(QUESTION, settings=settings)


def test_ask_gives_ranked_cross_domain_hypotheses(result: Any) -> None:
    assert {f.domain for f in result.findings} == {"genetics", "neuroimaging", "clinical"}
    assert result.hypotheses, "the fast profile links Alzheimer's findings across domains"
    retrieved = {p["passage_id"] for p in result.provenance["retrieved"]}
    finding_ids = {f.id for f in result.findings}
    for h in result.hypotheses:
        assert len(h.domains) >= 2
        assert set(h.finding_ids) <= finding_ids and set(h.passage_ids) <= retrieved
        sc = h.scores
        assert sc.scorable and 0.0 <= sc.plausibility <= 1.0 and sc.perplexity > 0
        assert sc.counterfactuals and all(c.perplexity for c in sc.counterfactuals)
        assert sc.model == "lexical-overlap"
    scores = [h.scores.plausibility for h in result.hypotheses]
    assert scores == sorted(scores, reverse=True)
    assert [h.rank for h in result.hypotheses] == list(range(1, len(scores) + 1))
    for f in result.findings:  # every finding cites what its agent retrieved
        assert set(f.passage_ids) <= retrieved


def test_exchange_round_passes_findings_between_agents(result: Any) -> None:
    assert result.messages and {m.round for m in result.messages} == {1}
    assert all(m.sender != m.recipient for m in result.messages)
    assert any(f.round == 1 for f in result.findings)
    queries = result.provenance["queries"]
    assert any(q.startswith("genes associated with") for q in queries["genetics"])
    assert result.provenance["rounds"]["stop_reason"] == "round limit (1) reached"
    round0 = {p for f in result.findings if f.round == 0 for p in f.passage_ids}
    round1 = [f for f in result.findings if f.round == 1 and f.agent == "neuroimaging"]
    assert all(not set(f.passage_ids) & round0 for f in round1), "re-reads are excluded"


def test_json_shape_and_provenance_record(result: Any) -> None:
    doc = result.to_json()
    assert list(doc) == ["run_id", "question", "findings", "messages", "hypotheses", "provenance"]
    h = doc["hypotheses"][0]
    assert {"id", "statement", "domains", "passage_ids", "scores"} <= set(h)
    assert {"plausibility", "perplexity", "counterfactuals", "memorised", "model"} <= set(
        h["scores"]
    )
    assert set(h["scores"]["counterfactuals"][0]) >= {"text", "perplexity"}
    prov = doc["provenance"]
    assert prov["settings"]["llm"]["provider"] == "fake"
    assert set(prov["indexes"]) == {"genetics", "neuroimaging", "clinical"}
    assert prov["indexes"]["genetics"]["embedder"]["name"].startswith("hash")
    assert {"retrieve", "llm", "exchange_retrieve", "synthesis", "scoring"} <= set(
        prov["timings_s"]
    )
    assert prov["prompts"]["genetics"]["findings"].startswith("TASK: findings")
    assert prov["llm_calls"] and all(c["ok"] for c in prov["llm_calls"])
    saved = json.loads(Path(prov["record"]).read_text())
    assert saved == json.loads(json.dumps(doc, default=str)), "the record is what ask returned"


def test_the_run_is_deterministic(settings: Settings, result: Any) -> None:
    again = ask(QUESTION, settings=settings)
    assert [h.statement for h in again.hypotheses] == [h.statement for h in result.hypotheses]
    assert again.run_id != result.run_id


def test_zero_rounds_means_no_exchange(settings: Settings) -> None:
    r = ask(QUESTION, settings=settings, rounds=0, agents="genetics,clinical")
    assert r.messages == [] and {f.round for f in r.findings} == {0}
    assert {f.agent for f in r.findings} == {"genetics", "clinical"}


def test_more_rounds_are_bounded(settings: Settings) -> None:
    r = ask(QUESTION, settings=settings, rounds=3)
    rounds = r.provenance["rounds"]
    assert 1 <= rounds["reached"] <= 3 and rounds["stop_reason"]
    assert {m.round for m in r.messages} == set(range(1, rounds["reached"] + 1))
    assert max(f.round for f in r.findings) == rounds["reached"]


class _Broken:
    name = "broken"

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def structured(self, *a: Any, **k: Any) -> Any:
        raise TimeoutError("the LLM server timed out")


def test_an_llm_failure_is_reported_and_the_run_goes_on(settings: Settings) -> None:
    r = ask(QUESTION, settings=settings, llm=_Broken())
    assert r.findings and all(f.extractive for f in r.findings)
    stages = {(i.agent, i.stage) for i in r.issues}
    assert ("genetics", "llm") in stages and ("synthesis", "llm") in stages
    assert all(h.phrased_by == "template" for h in r.hypotheses)


def test_a_missing_index_is_reported_and_the_others_answer(
    settings: Settings, tmp_path: Path
) -> None:
    only = settings.model_copy(
        update={"index": settings.index.model_copy(update={"dir": tmp_path / "idx"})}
    )
    build_indexes(only, ["clinical"])
    r = ask(QUESTION, settings=only)
    assert {f.domain for f in r.findings} == {"clinical"}
    missing = {i.agent: i.message for i in r.issues if i.stage == "index"}
    assert set(missing) == {"genetics", "neuroimaging"}
    assert "brainweave index build --domain genetics" in missing["genetics"]
    assert r.hypotheses == []


def test_clear_errors(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(BrainweaveError, match="question is empty"):
        ask("   ", settings=settings)
    with pytest.raises(ConfigError, match="did you mean 'clinical'"):
        ask(QUESTION, settings=settings, agents=["clinicl"])
    empty = settings.model_copy(
        update={
            "home": tmp_path,
            "index": settings.index.model_copy(update={"dir": tmp_path / "none"}),
        }
    )
    with pytest.raises(IndexMissingError, match="no index is usable") as err:
        ask(QUESTION, settings=empty)
    assert "brainweave index build --domain clinical" in str(err.value)


def test_interrupted_run_resumes_from_its_checkpoint(settings: Settings) -> None:
    part = ask(QUESTION, settings=settings, interrupt_before=["synthesise"])
    assert part.findings and part.hypotheses == []
    done = resume(part.run_id, settings=settings)
    assert done.run_id == part.run_id and done.hypotheses
    assert [f.id for f in done.findings] == [f.id for f in part.findings]
    with pytest.raises(BrainweaveError, match="no run"):
        resume("no-such-run", settings=settings)


def test_graph_shape_snapshot(settings: Settings) -> None:
    mermaid = build_graph().get_graph().draw_mermaid()
    if os.environ.get("BRAINWEAVE_UPDATE_SNAPSHOTS"):  # after a deliberate change
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(mermaid)
    assert mermaid == SNAPSHOT.read_text()
    for edge in (
        "plan -.-> agent",
        "agent --> exchange",
        "exchange -.-> synthesise",
        "synthesise --> score",
        "score --> rank",
    ):
        assert edge in mermaid


def test_cli_ask_and_agents_list(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brainweave.cli import app

    monkeypatch.setenv("BRAINWEAVE_HOME", str(settings.home))
    monkeypatch.setenv("BRAINWEAVE_DATA_DIR", str(DATA_DIR))
    monkeypatch.setenv("BRAINWEAVE_INDEX__MAX_DOCS_PER_SOURCE", "150")
    out = tmp_path / "run.json"
    runner = CliRunner()
    res = runner.invoke(app, ["--profile", "fast", "ask", QUESTION, "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "plausibility" in res.output and "bridge:" in res.output
    doc = json.loads(out.read_text())
    assert doc["question"] == QUESTION and doc["hypotheses"]
    # a bridge reads as its name, with the id beside it ("Cognitive impairment (HP:0100543)")
    from brainweave import knowledge

    for b in doc["hypotheses"][0]["bridge"]:
        name = knowledge.label(b)
        assert (b if name == b else f"{name} ({b})") in res.output
    if doc["hypotheses"][0].get("novelty"):
        assert "novelty: " in res.output
    res = runner.invoke(app, ["--profile", "fast", "agents", "list", "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in json.loads(res.output)["agents"]}
    assert rows["genetics"]["origin"] == "builtin" and rows["genetics"]["index"] == "ok"
    assert set(AgentRegistry(plugins=False).names()) <= set(rows)


def test_each_llm_call_is_recorded_once(result: Any) -> None:
    calls = [c["purpose"] for c in result.provenance["llm_calls"]]
    per_agent_round = {(f.agent, f.round) for f in result.findings}
    assert sum(p.endswith(":findings#0") for p in calls) == len(per_agent_round)
    # one rewording call per hypothesis phrased from its template (not those shown as
    # their structure, whose template failed grounding)
    phrased = sum(h.phrased_by != "structure" for h in result.hypotheses)
    assert sum(p.startswith("synthesis") for p in calls) == phrased


def test_brainweave_ask_takes_settings_as_keywords(settings: Settings) -> None:
    import brainweave

    r = brainweave.ask(QUESTION, profile="fast", home=settings.home, agents=["clinical"], rounds=0)
    assert r.provenance["settings"]["profile"] == "fast"
    assert {f.agent for f in r.findings} == {"clinical"}
    with pytest.raises(TypeError, match="settings"):
        brainweave.ask(QUESTION, settings=settings, home=settings.home)


def test_extractive_findings_by_default(settings: Settings) -> None:
    assert load_settings().agents.findings == "extractive"
    s = settings.model_copy(
        update={"agents": settings.agents.model_copy(update={"findings": "extractive"})}
    )
    r = ask(QUESTION, settings=s, rounds=0)
    texts = {p["passage_id"]: p for p in r.provenance["retrieved"]}
    assert len({texts[f.passage_ids[0]]["doc_id"] for f in r.findings}) == len(r.findings)
    assert r.findings and all(f.extractive for f in r.findings)
    assert not [i for i in r.issues if i.stage == "llm"]
    calls = [c["purpose"] for c in r.provenance["llm_calls"]]
    assert calls and all(p.startswith("synthesis") for p in calls)  # the LLM only phrases


def test_progress_is_reported_as_each_step_ends(settings: Settings, result: Any) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    again = ask(QUESTION, settings=settings, on_update=lambda n, u: seen.append((n, u)))
    nodes = [n for n, _ in seen]
    assert nodes[0] == "plan" and nodes[-3:] == ["synthesise", "score", "rank"]
    assert nodes.count("agent") == 6, "3 agents, then 3 again in the exchange round"
    first_findings = [f for n, u in seen if n == "agent" for f in u.get("findings", [])]
    assert {f.domain for f in first_findings} == {"genetics", "neuroimaging", "clinical"}
    assert [h.statement for h in again.hypotheses] == [h.statement for h in result.hypotheses]


def test_a_run_id_is_not_reused_unless_replaced(settings: Settings) -> None:
    first = ask(QUESTION, settings=settings, run_id="fixed-id")
    with pytest.raises(BrainweaveError, match="already exists"):
        ask(QUESTION, settings=settings, run_id="fixed-id")
    again = ask(QUESTION, settings=settings, run_id="fixed-id", replace=True)
    assert first.messages and len(again.messages) == len(first.messages), (
        "a fresh run, not the old checkpoint continued"
    )
    assert [h.statement for h in again.hypotheses] == [h.statement for h in first.hypotheses]


# ----- one path through a run: services, resume, concurrency, plugin guard -------------
def _with_agents(settings: Settings, **update: Any) -> Settings:
    return settings.model_copy(update={"agents": settings.agents.model_copy(update=update)})


def test_resume_goes_on_with_the_runs_own_settings(settings: Settings) -> None:
    asked = _with_agents(settings, k=4)
    part = ask(QUESTION, settings=asked, interrupt_before=["synthesise"])
    with pytest.raises(BrainweaveError, match=r"agents\.k is 4 in the run, 2 here"):
        resume(part.run_id, settings=_with_agents(settings, k=2))
    done = resume(part.run_id, home=settings.home)  # where the run lives, nothing else
    assert done.hypotheses and done.provenance["settings"]["agents"]["k"] == 4
    assert done.provenance["settings"]["profile"] == "fast"


def test_resuming_a_finished_run_returns_it_without_rewriting_it(
    settings: Settings, result: Any
) -> None:
    record = Path(result.provenance["record"])
    before = record.read_bytes()
    again = resume(result.run_id, home=settings.home)
    assert record.read_bytes() == before, "a finished run's record is never rewritten"
    assert again.to_json() == json.loads(before)


def test_services_load_and_compile_once_per_process(settings: Settings) -> None:
    svc = Services()
    first = ask(QUESTION, settings=settings, rounds=0, services=svc)
    graph, retriever = svc.graph(settings.home), svc.retriever(settings)
    second = ask(QUESTION, settings=settings, rounds=0, services=svc)
    assert svc.graph(settings.home) is graph and svc.retriever(settings) is retriever
    assert svc.registry() is svc.registry()
    assert [h.statement for h in first.hypotheses] == [h.statement for h in second.hypotheses]


def test_index_files_are_hashed_again_only_when_they_change(tmp_path: Path) -> None:
    hashes = FileHashes()
    f = tmp_path / "index.faiss"
    f.write_bytes(b"one")
    first = hashes.sha256(f)
    assert hashes.sha256(f) == first == sha256_file(f)
    f.write_bytes(b"two!")  # another size: hashed again
    assert hashes.sha256(f) == sha256_file(f) != first


QueuedFake = one_context(Constant)


def test_three_asks_at_once_on_one_context_never_time_out(settings: Settings) -> None:
    model, svc = QueuedFake(pause=0.3), Services()
    results: list[Any] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            # a call takes 0.3 s; with 3 runs queued on the one context a call waits
            # seconds, which would overrun 1.5 s if waiting counted
            llm = LLM(model, timeout_s=1.5, name="queued-fake")
            results.append(ask(QUESTION, settings=settings, rounds=0, llm=llm, services=svc))
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(results) == 3
    calls = [c for r in results for c in r.provenance["llm_calls"]]
    assert len(calls) >= 9, "three findings calls per run at least"
    assert all(c["ok"] for c in calls), [c for c in calls if not c["ok"]]
    assert model.overlaps == 0
    assert not [i for r in results for i in r.issues if "did not answer" in i.message]


class FlakyAgent(ClinicalAgent):
    """A plugin whose requery raises."""

    name = "flaky"

    def requery(self, question: str, others: Any) -> list[str]:
        raise RuntimeError("the plugin's requery broke")


class SleepyAgent(ClinicalAgent):
    """A plugin whose retrieve hangs."""

    name = "sleepy"

    def retrieve(self, retriever: Any, queries: Any, k: int) -> list[Any]:
        time.sleep(120)
        return []


def test_a_plugin_that_raises_or_hangs_is_reported_and_the_run_goes_on(
    settings: Settings,
) -> None:
    svc = Services()
    specs = svc.registry().specs
    for name, cls in (("flaky", "FlakyAgent"), ("sleepy", "SleepyAgent")):
        specs[name] = AgentSpec(name, f"tests.test_graph_run:{cls}", "plugin (test)")
    s = _with_agents(settings, timeout_s=8.0, findings="extractive")
    t0 = time.perf_counter()
    r = ask(QUESTION, settings=s, agents="genetics,clinical,flaky,sleepy", services=svc)
    assert time.perf_counter() - t0 < 90, "the hung plugin held the run for its time limit only"
    found = {(i.agent, i.stage): i.message for i in r.issues}
    assert "requery broke" in found[("flaky", "requery")]
    assert "no answer within 8 s" in found[("sleepy", "retrieve")]
    assert {f.agent for f in r.findings} >= {"genetics", "clinical", "flaky"}
    assert r.hypotheses and r.messages


def test_a_question_has_a_length_limit(settings: Settings) -> None:
    with pytest.raises(BrainweaveError, match="at most 2,000"):
        ask("why? " * 1000, settings=settings)
