"""Conformance checks a plugin author runs against their agent.

In the plugin's tests::

    from brainweave.agents.conformance import AgentConformance
    from my_plugin import MyAgent

    class TestMyAgent(AgentConformance):
        agent_factory = MyAgent
        entry_point_name = "my-agent"   # optional: also check the entry point

Or without pytest: ``problems = check_agent(MyAgent())`` (an empty list means it
conforms). The checks need no index and no model: they feed the agent made-up
passages and the deterministic fake LLM, and check that it returns typed
findings that cite only the passages it was given, falls back to extractive
findings when its LLM fails, and turns other agents' findings into queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from brainweave.agents.base import DomainAgent
from brainweave.agents.models import Finding
from brainweave.retrieval.documents import Hit

QUESTION = "How do APOE variants relate to hippocampal atrophy in Alzheimer's disease?"


def sample_hits(domain: str) -> list[Hit]:
    """Three stand-in passages in the agent's domain."""
    texts = [
        "APOE e4 carriers show faster hippocampal atrophy. The effect is larger in women.",
        "Memory decline in Alzheimer's disease follows entorhinal and hippocampal loss.",
        "Donepezil slightly improved cognition in a randomised trial of mild dementia.",
    ]
    return [
        Hit(
            passage_id=f"conformance/doc{i}#0",
            doc_id=f"conformance/doc{i}",
            domain=domain,
            source="conformance",
            title=f"Passage {i}",
            text=t,
            url=None,
            license="CC0",
            score=1.0 - i / 10,
        )
        for i, t in enumerate(texts, start=1)
    ]


class _FailingLLM:
    name = "failing"
    calls: ClassVar[list[Any]] = []

    def structured(self, *args: Any, **kwargs: Any) -> Any:
        from brainweave.agents.llm import LLMError

        raise LLMError("conformance: the LLM is down")


def _fake_llm() -> Any:
    from brainweave.agents.fake_llm import FakeChatModel
    from brainweave.agents.llm import LLM

    return LLM(FakeChatModel(), timeout_s=10)


def check_identity(agent: DomainAgent) -> None:
    assert isinstance(agent, DomainAgent), f"{agent!r} is not a DomainAgent"
    assert agent.name and agent.name == agent.name.strip(), "the agent needs a name"
    assert agent.domain, "the agent needs a domain (the index it searches)"
    assert agent.description, "the agent needs a description"


def check_prompts(agent: DomainAgent) -> None:
    fmt = {
        "name": agent.name,
        "description": agent.description,
        "domain": agent.domain,
        "question": QUESTION,
        "passages": "[P1] x",
        "max_findings": 3,
    }
    agent.prompts.system.format(**fmt)
    text = agent.prompts.findings.format(**fmt)
    assert QUESTION in text, "the findings prompt must include {question}"
    assert "[P1] x" in text, "the findings prompt must include {passages}"


def check_summarise(agent: DomainAgent) -> None:
    hits = sample_hits(agent.domain)
    findings, reason = agent.summarise(_fake_llm(), QUESTION, hits, round=0, max_findings=2)
    assert findings, f"no findings from three passages (reason: {reason})"
    assert len(findings) <= 2, "more findings than max_findings"
    given = {h.passage_id for h in hits}
    for f in findings:
        assert isinstance(f, Finding)
        assert f.domain == agent.domain and f.agent == agent.name
        assert set(f.passage_ids) <= given, f"{f.id} cites passages it was not given"
    assert len({f.id for f in findings}) == len(findings), "finding ids must be unique"


def check_fallback(agent: DomainAgent) -> None:
    hits = sample_hits(agent.domain)
    chosen, reason = agent.summarise(None, QUESTION, hits, round=0, max_findings=2)
    assert chosen and all(f.extractive for f in chosen) and reason is None, (
        "with no LLM (settings agents.findings = 'extractive') findings must be extractive"
    )
    findings, reason = agent.summarise(_FailingLLM(), QUESTION, hits, round=0, max_findings=2)
    assert reason, "an LLM failure must be reported"
    assert findings and all(f.extractive for f in findings), "expected extractive findings"
    for f in findings:
        hit = next(h for h in hits if h.passage_id == f.passage_ids[0])
        assert f.claim in f"{hit.title}\n{hit.text}", (
            "an extractive claim must be a verbatim sentence (or the title) of its passage"
        )


def check_requery(agent: DomainAgent) -> None:
    other = Finding(
        id="other:r0:1",
        domain=agent.domain + "-other",
        claim="APOE is linked to hippocampal atrophy in Alzheimer's disease.",
        passage_ids=["x#0"],
        agent="other",
        entities=["condition:Alzheimer's disease", "gene:APOE", "region:hippocampus"],
    )
    queries = agent.requery(QUESTION, [other])
    assert isinstance(queries, list) and all(isinstance(q, str) and q for q in queries)
    own = other.model_copy(update={"domain": agent.domain})
    assert agent.requery(QUESTION, [own]) == [], "an agent re-queries only from other domains"


CHECKS: dict[str, Callable[[DomainAgent], None]] = {
    "identity": check_identity,
    "prompts": check_prompts,
    "summarise": check_summarise,
    "fallback": check_fallback,
    "requery": check_requery,
}


def check_agent(agent: DomainAgent) -> list[str]:
    """Every failed check as 'name: why'; empty when the agent conforms."""
    problems = []
    for name, check in CHECKS.items():
        try:
            check(agent)
        except Exception as err:
            problems.append(f"{name}: {type(err).__name__}: {err}")
    return problems


class AgentConformance:
    """Subclass in a test module, set ``agent_factory`` (and ``entry_point_name``)."""

    agent_factory: ClassVar[Callable[[], DomainAgent]]
    entry_point_name: ClassVar[str | None] = None

    def _agent(self) -> DomainAgent:
        return type(self).agent_factory()

    def test_identity(self) -> None:
        check_identity(self._agent())

    def test_prompts(self) -> None:
        check_prompts(self._agent())

    def test_summarise_cites_only_given_passages(self) -> None:
        check_summarise(self._agent())

    def test_falls_back_to_extractive_findings(self) -> None:
        check_fallback(self._agent())

    def test_requery_from_other_domains(self) -> None:
        check_requery(self._agent())

    def test_entry_point(self) -> None:
        if not self.entry_point_name:
            return
        from brainweave.agents.registry import AgentRegistry

        registry = AgentRegistry()
        assert self.entry_point_name in registry.specs, (
            f"no entry point {self.entry_point_name!r} in the group 'brainweave.agents'"
        )
        agent = registry.get(self.entry_point_name)
        assert type(agent).__name__ == type(self._agent()).__name__
