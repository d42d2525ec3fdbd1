"""The controller's state: a TypedDict with reducers, holding the typed domain objects.

Findings, passages, messages, issues and hypotheses are the pydantic models of
:mod:`brainweave.agents.models` and :mod:`brainweave.retrieval.documents`,
validated once where they enter (an agent's findings, the synthesiser's
hypotheses, the scorer's result) and passed on as they are; LangGraph's
checkpoint serializer stores and restores them as the same types.

The run's own settings travel in the state (``settings``), so a resumed run goes
on with the settings it started with; what the nodes need from them comes in
the run context (:class:`~brainweave.graphs.context.RunContext`), never from the
state, so each setting has one place.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Protocol, TypedDict, TypeVar

from brainweave.agents.models import AgentIssue, Finding, Hypothesis, Message
from brainweave.retrieval.documents import Hit


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)


def merge_by_id(old: list[T], new: list[T]) -> list[T]:
    """Append items whose ``id`` is new; a repeated id replaces the old item in place."""
    out = list(old or [])
    index = {item.id: i for i, item in enumerate(out)}
    for item in new or []:
        if item.id in index:
            out[index[item.id]] = item
        else:
            index[item.id] = len(out)
            out.append(item)
    return out


def merge_dicts(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {**(old or {}), **(new or {})}


def union_lists(old: dict[str, list[str]], new: dict[str, list[str]]) -> dict[str, list[str]]:
    out = {k: list(v) for k, v in (old or {}).items()}
    for k, v in (new or {}).items():
        out[k] = list(dict.fromkeys([*out.get(k, []), *v]))
    return out


def add_numbers(old: dict[str, float], new: dict[str, float]) -> dict[str, float]:
    out = dict(old or {})
    for k, v in (new or {}).items():
        out[k] = out.get(k, 0) + v
    return out


class RunState(TypedDict, total=False):
    run_id: str
    question: str
    settings: dict[str, Any]  # the run's resolved settings (JSON), read back by resume
    agents: list[str]  # the agents that answer (after plan)
    round: int  # 0: first retrieval; 1..rounds limit: exchange rounds
    pending: dict[str, list[str]]  # agent -> queries for the round being dispatched
    queries_run: Annotated[dict[str, list[str]], merge_dicts]
    seen: Annotated[dict[str, list[str]], union_lists]  # agent -> passage ids it has read
    stop_reason: str
    findings: Annotated[list[Finding], merge_by_id]
    passages: Annotated[dict[str, Hit], merge_dicts]  # retrieved, by passage id
    messages: Annotated[list[Message], operator.add]
    issues: Annotated[list[AgentIssue], operator.add]
    llm_calls: Annotated[list[dict[str, Any]], operator.add]
    timings: Annotated[dict[str, float], add_numbers]  # seconds per stage
    hypotheses: list[Hypothesis]
    dropped: dict[str, int]  # why candidates were dropped, and how many
    scorer: str  # the scorer model that scored the hypotheses


class AgentTask(TypedDict):
    """What one fanned-out agent step receives (through ``Send``)."""

    agent: str
    question: str
    queries: list[str]
    round: int
    exclude: list[str]  # passages the agent has read in earlier rounds
