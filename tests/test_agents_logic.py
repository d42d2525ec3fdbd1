"""Agents, pure logic: entities, LLM output handling, summarising, re-querying, registry."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from brainweave.agents.base import DomainAgent, FindingsOut, extractive
from brainweave.agents.builtin import ClinicalAgent, GeneticsAgent, NeuroimagingAgent
from brainweave.agents.conformance import check_agent, sample_hits
from brainweave.agents.llm import LLM, LLMError, extract_json, make_chat_model, strip_think
from brainweave.agents.models import Finding
from brainweave.agents.registry import AgentRegistry
from brainweave.errors import ConfigError
from brainweave.knowledge import find_entities, label
from brainweave.settings import LLMSettings, load_settings
from tests.fakes import one_context


def fake(*answers: str) -> LLM:
    return LLM(GenericFakeChatModel(messages=iter(answers)), timeout_s=5, retries=1)


class Recorder(BaseChatModel):
    """Answers in turn from a list and keeps every prompt it saw."""

    answers: list[str]
    seen: list[str] = []  # noqa: RUF012 (a pydantic field, copied per instance)
    delay: float = 0.0
    supports_json_schema: bool = False
    schemas: list[Any] = []  # noqa: RUF012 (a pydantic field, copied per instance)

    @property
    def _llm_type(self) -> str:
        return "recorder"

    def _generate(self, messages: list[BaseMessage], stop: Any = None, **kw: Any) -> ChatResult:
        time.sleep(self.delay)
        self.seen.append("\n".join(str(m.content) for m in messages))
        self.schemas.append(kw.get("json_schema"))
        text = self.answers[min(len(self.seen) - 1, len(self.answers) - 1)]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


# ----- entities -----------------------------------------------------------------------
def test_entities_are_vocabulary_ids_with_readable_labels() -> None:
    got = find_entities(
        "APOE e4 and PSEN1 carriers show hippocampal atrophy on MRI in Alzheimer's disease"
    )
    assert "NCBIGene:348" in got and "NCBIGene:5663" in got  # APOE, PSEN1
    assert "region:hippocampus" in got and "HP:0410170" in got  # hippocampal atrophy
    assert "HP:0002511" in got and label("HP:0002511") == "Alzheimer disease"
    assert {label(e) for e in got} >= {"APOE", "PSEN1", "hippocampus"}
    assert not any(label(e) in ("MRI", "AD") for e in got)


def test_entities_ignore_abbreviations_that_are_not_genes() -> None:
    got = find_entities("FDG PET and fMRI in STD clinics (NCT01234567), COVID-19 and ADHD")
    assert [e for e in got if e.startswith("NCBIGene:")] == []
    assert got == ["HP:0007018"] and label(got[0]) == "Attention deficit hyperactivity disorder"


# ----- LLM output handling ------------------------------------------------------------
def test_strip_think_and_extract_json() -> None:
    assert strip_think("<think>hmm {x}</think> ok") == "ok"
    assert strip_think("answer <think>never closed {") == "answer"
    assert extract_json('<think>{"a": 0}</think>```json\n{"a": 1}\n```') == {"a": 1}
    assert extract_json('Sure! {"a": [1, 2]} hope it helps') == {"a": [1, 2]}
    with pytest.raises(ValueError):
        extract_json("no json here")


def test_structured_retries_once_with_the_error() -> None:
    rec = Recorder(
        answers=["not json", '{"findings": [{"claim": "A gene claim.", "passage_ids": ["P1"]}]}']
    )
    llm = LLM(rec, timeout_s=5, retries=1)
    out = llm.structured("sys", "PROMPT", FindingsOut, purpose="t")
    assert out.findings[0].passage_ids == ["P1"]
    assert len(rec.seen) == 2
    assert "could not be used" in rec.seen[1] and "not json" in rec.seen[1]
    assert [c.ok for c in llm.calls] == [True, True]


def test_structured_output_is_constrained_where_the_model_supports_it() -> None:
    good = '{"findings": [{"claim": "A gene claim.", "passage_ids": ["P1"]}]}'
    plain = Recorder(answers=[good])
    LLM(plain).structured("s", "p", FindingsOut)
    assert plain.schemas == [None]  # a chat API that takes no schema gets none
    grammar = Recorder(answers=[good], supports_json_schema=True)
    LLM(grammar).structured("s", "p", FindingsOut)
    assert grammar.schemas == [FindingsOut.model_json_schema()]


def test_structured_gives_up_after_the_retry() -> None:
    llm = fake("nope", "still nope", '{"findings": []}')
    with pytest.raises(LLMError, match="no usable answer"):
        llm.structured("s", "p", FindingsOut, purpose="t")
    assert len(llm.calls) == 2  # one try, one retry


def test_every_call_is_time_limited() -> None:
    llm = LLM(Recorder(answers=["{}"], delay=2.0), timeout_s=0.2)
    start = time.perf_counter()
    with pytest.raises(LLMError, match=r"did not answer within 0\.2 s"):
        llm.complete("s", "p", "slow")
    assert time.perf_counter() - start < 1.5
    assert llm.calls[-1].error == "timeout"


OneAtATime = one_context(Recorder)


def test_the_time_limit_never_counts_the_queue_for_one_context() -> None:
    """Three runs (three wrappers, as three app sessions make) share one context."""
    model = OneAtATime(answers=["{}"], delay=0.3)
    wrappers = [LLM(model, timeout_s=0.6) for _ in range(3)]
    errors: list[Exception] = []

    def call(llm: LLM, i: int) -> None:
        try:
            llm.complete("s", "p", f"agent{i}")
        except LLMError as err:
            errors.append(err)

    threads = [threading.Thread(target=call, args=(w, i)) for i, w in enumerate(wrappers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [], "three 0.3 s calls queued behind each other all finish in time"
    assert [c.ok for w in wrappers for c in w.calls] == [True] * 3
    assert all(c.seconds < 0.6 for w in wrappers for c in w.calls)
    assert model.overlaps == 0, "no two calls ever ran on the context at once"


def test_a_timed_out_call_keeps_the_context_until_it_is_done() -> None:
    model = OneAtATime(answers=["{}"], delay=0.5)
    first, second = LLM(model, timeout_s=0.1), LLM(model, timeout_s=2.0)
    with pytest.raises(LLMError, match="did not answer"):
        first.complete("s", "p", "slow")
    assert second.complete("s", "p", "next") == "{}"
    assert model.overlaps == 0, "the next call waited for the timed-out one to finish"


def test_chat_model_from_settings() -> None:
    assert type(make_chat_model(LLMSettings(provider="fake"))).__name__ == "FakeChatModel"
    with pytest.raises(ConfigError, match=r"server address"):
        make_chat_model(LLMSettings(provider="openai", model="m"))
    with pytest.raises(ConfigError, match="GGUF"):
        make_chat_model(LLMSettings(provider="llamacpp", model="no/such/model"))
    s = load_settings(profile="fast")
    assert s.llm.provider == "fake" and s.scorer.provider == "lexical" and s.agents.rounds == 1


# ----- summarise -------------------------------------------------------------------------
def test_summarise_maps_labels_to_passage_ids() -> None:
    hits = sample_hits("genetics")
    llm = fake(
        '{"findings": [{"claim": "APOE e4 speeds hippocampal atrophy.", '
        '"passage_ids": ["P1", "P2"]}]}'
    )
    findings, reason = GeneticsAgent().summarise(llm, "q", hits, round=2)
    assert reason is None
    (f,) = findings
    assert f.passage_ids == [hits[0].passage_id, hits[1].passage_id]
    assert f.id == "genetics:r2:1" and f.round == 2 and not f.extractive
    assert "NCBIGene:348" in f.entities and "region:hippocampus" in f.entities  # APOE


def test_summarise_rejects_invented_citations_then_falls_back_to_extractive() -> None:
    hits = sample_hits("clinical")
    bad = '{"findings": [{"claim": "Something plausible.", "passage_ids": ["P9"]}]}'
    findings, reason = ClinicalAgent().summarise(fake(bad, bad), "hippocampal atrophy", hits)
    assert reason and "P9" in reason
    assert findings and all(f.extractive for f in findings)
    for f in findings:
        (pid,) = f.passage_ids
        assert f.claim in next(h.text for h in hits if h.passage_id == pid)


def test_extractive_picks_the_sentence_that_matches_the_question() -> None:
    hits = sample_hits("x")
    [(claim, pid)] = extractive("effect larger in women", hits[:1], 3)
    assert claim == "The effect is larger in women." and pid == hits[0].passage_id


def test_extractive_passes_over_lists_and_prefers_named_entities() -> None:
    card = sample_hits("neuroimaging")[0].model_copy(
        update={
            "doc_id": "PMID:1",
            "title": "Verbal memory impairment in Alzheimer's disease: an MRI study",
            "text": "(-22, -18, -8) left; (-52, -62, 24) left; (-24, 52, 2) left; (8, 24, 48).",
        }
    )
    prose = card.model_copy(
        update={
            "doc_id": "PMID:2",
            "passage_id": "p2#0",
            "text": "Key terms of its abstract: memory, atrophy, hippocampal, volume. "
            "We studied memory in a group of older adults over two years. "
            "Hippocampal atrophy predicted memory decline in APOE e4 carriers.",
        }
    )
    second_chunk = prose.model_copy(update={"passage_id": "p2#1"})
    found = extractive("memory decline and atrophy", [card, prose, second_chunk], 3)
    assert found == [
        ("Verbal memory impairment in Alzheimer's disease: an MRI study", card.passage_id),
        ("Hippocampal atrophy predicted memory decline in APOE e4 carriers.", "p2#0"),
    ], "coordinates give way to the title; one finding per record"


def test_requery_looks_up_other_domains_entities() -> None:
    imaging = Finding(
        id="neuroimaging:r0:1",
        domain="neuroimaging",
        claim="Hippocampal atrophy precedes memory decline in Alzheimer's disease.",
        passage_ids=["p#0"],
        agent="neuroimaging",
        entities=find_entities(
            "Hippocampal atrophy precedes memory decline in Alzheimer's disease."
        ),
    )
    assert GeneticsAgent().requery("q", [imaging]) == [
        "genes associated with Alzheimer disease",
        "genes associated with Hippocampal atrophy",
        "genes associated with Memory impairment",  # "memory decline"
    ]
    assert NeuroimagingAgent().requery("q", [imaging]) == []  # its own domain
    clinical = imaging.model_copy(update={"domain": "clinical", "agent": "clinical"})
    assert NeuroimagingAgent().requery("q", [clinical]) == [
        "brain imaging of Alzheimer disease",
        "brain imaging of Hippocampal atrophy",
        "brain imaging of Memory impairment",
    ]


def test_builtins_conform() -> None:
    for agent in (GeneticsAgent(), NeuroimagingAgent(), ClinicalAgent()):
        assert check_agent(agent) == []


def test_a_config_agent_conforms() -> None:
    agent = DomainAgent.from_config("sleep", "sleep-studies", "You know sleep research.")
    assert agent.name == "sleep" and check_agent(agent) == []


def test_conformance_catches_an_agent_that_cites_what_it_was_not_given() -> None:
    class Liar(GeneticsAgent):
        name = "liar"

        def summarise(self, llm: Any, question: str, hits: Any, **kw: Any) -> Any:
            f = Finding(
                id="liar:r0:1",
                domain=self.domain,
                claim="x",
                passage_ids=["made#0"],
                agent=self.name,
            )
            return [f], None

    problems = check_agent(Liar())
    assert any(p.startswith("summarise") for p in problems)


# ----- registry ----------------------------------------------------------------------------
def _plugin_dist(root: Path, name: str, entry: str, module: str | None = None) -> None:
    """A minimal installed distribution (dist-info) declaring one agent entry point."""
    info = root / f"{name}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[brainweave.agents]\n{entry}\n")
    if module:
        (root / f"{name}.py").write_text(module)


def test_registry_builtins_and_did_you_mean() -> None:
    reg = AgentRegistry(plugins=False)
    assert reg.names() == ["genetics", "neuroimaging", "clinical"]
    with pytest.raises(ConfigError, match="did you mean 'neuroimaging'"):
        reg.get("neuroimagin")


def test_broken_plugins_are_reported_by_name_and_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plugin_dist(tmp_path, "bw_missing", "ghost = bw_no_such_module:Agent")
    _plugin_dist(
        tmp_path,
        "bw_raises",
        "boom = bw_raises:make",
        "def make():\n    raise RuntimeError('plugin exploded')\n",
    )
    _plugin_dist(
        tmp_path,
        "bw_config",
        "sleep = bw_config:CONFIG",
        "CONFIG = {'name': 'sleep', 'domain': 'sleep', 'description': 'Sleep.'}\n",
    )
    _plugin_dist(tmp_path, "bw_dup", "genetics = bw_dup:X", "X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg = AgentRegistry()
    assert {"ghost", "boom", "sleep"} <= set(reg.names())
    assert reg.specs["sleep"].origin == "plugin (bw_config 0.1)"
    assert any("genetics" in i.message and "exists already" in i.message for i in reg.issues)
    agents, issues = reg.load(["genetics", "ghost", "boom", "sleep"])
    assert [a.name for a in agents] == ["genetics", "sleep"]
    by_name = {i.agent: i.message for i in issues if i.stage == "load"}
    assert "bw_no_such_module" in by_name["ghost"]
    assert "plugin exploded" in by_name["boom"]
