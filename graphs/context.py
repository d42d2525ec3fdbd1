"""What the controller's nodes get besides the state: the run context.

LangGraph passes it to every node as ``runtime.context`` (the graph's
``context_schema``), so the graph is compiled once per process with no services
bound into it, and each run brings its own context: the agents that answer, the
shared retriever, scorer and knowledge layer, this run's LLM wrapper (its call records are this
run's) and the run's settings that the nodes act on. Nothing here is stored in
a checkpoint; :func:`brainweave.graphs.run.resume` builds it again from the
run's own settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brainweave.agents.base import DomainAgent
    from brainweave.agents.llm import LLM
    from brainweave.knowledge import Knowledge
    from brainweave.retrieval.service import Retriever
    from brainweave.scoring.contract import Scorer


@dataclass(frozen=True)
class RunContext:
    """One run's dependencies and the settings its nodes act on."""

    agents: dict[str, DomainAgent]
    retriever: Retriever
    llm: LLM
    scorer: Callable[[], Scorer]  # loaded on first use: a run with no hypothesis never loads it
    knowledge: Knowledge  # the vocabularies the run's indexes were annotated with
    index_ok: Callable[[str], str | None] = lambda domain: None  # why it is unusable, or None
    rounds: int = 1  # exchange rounds at most
    k: int = 5
    max_findings: int = 3
    max_hypotheses: int = 8
    llm_findings: bool = False  # True: the agent's LLM writes findings; False: extractive
    retry_ungrounded: bool = False  # send an ungrounded statement back once with the reason
    agent_timeout_s: float = 120.0  # wall-clock limit of one call into an agent

    @classmethod
    def of(cls, settings: Any, **objects: Any) -> RunContext:
        """The context for ``settings`` (the ``[agents]`` section) with the given objects."""
        a = settings.agents
        return cls(
            **objects,
            rounds=a.rounds,
            k=a.k,
            max_findings=a.max_findings,
            max_hypotheses=a.max_hypotheses,
            llm_findings=a.findings == "llm",
            retry_ungrounded=a.retry_ungrounded,
            agent_timeout_s=a.timeout_s,
        )
