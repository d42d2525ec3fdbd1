"""The controller's state: a TypedDict with reducers.

Values are plain JSON-like data (``model_dump()`` of the domain objects), so
every checkpoint is portable and readable; :mod:`brainweave.graphs.run` turns
them back into typed objects.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


def merge_by_id(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Append items whose ``id`` is new; a repeated id replaces the old item in place."""
    out = list(old or [])
    index = {item["id"]: i for i, item in enumerate(out)}
    for item in new or []:
        if item["id"] in index:
            out[index[item["id"]]] = item
        else:
            index[item["id"]] = len(out)
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
    agents: list[str]  # the agents that answer (after plan)
    max_rounds: int
    round: int  # 0: first retrieval; 1..max_rounds: exchange rounds
    pending: dict[str, list[str]]  # agent -> queries for the round being dispatched
    queries_run: Annotated[dict[str, list[str]], merge_dicts]
    seen: Annotated[dict[str, list[str]], union_lists]  # agent -> passage ids it has read
    stop_reason: str
    findings: Annotated[list[dict[str, Any]], merge_by_id]
    passages: Annotated[dict[str, dict[str, Any]], merge_dicts]  # retrieved, by passage id
    messages: Annotated[list[dict[str, Any]], operator.add]
    issues: Annotated[list[dict[str, Any]], operator.add]
    llm_calls: Annotated[list[dict[str, Any]], operator.add]
    timings: Annotated[dict[str, float], add_numbers]  # seconds per stage
    hypotheses: list[dict[str, Any]]
    dropped: dict[str, int]  # why candidates were dropped, and how many


class AgentTask(TypedDict):
    """What one fanned-out agent step receives (through ``Send``)."""

    agent: str
    question: str
    queries: list[str]
    round: int
    exclude: list[str]  # passages the agent has read in earlier rounds
