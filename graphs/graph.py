"""The controller graph: plan -> agents (fan-out with Send) -> exchange rounds ->
synthesise -> score -> rank.

    plan --Send--> agent --> exchange --Send--> agent (next round)
                                      \\--> synthesise --> score --> rank

It is compiled once per process (and checkpoint file) with no services bound into
it: each run passes its :class:`~brainweave.graphs.context.RunContext` as
LangGraph's runtime context.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langgraph.graph import END, START, StateGraph

from brainweave.graphs import nodes
from brainweave.graphs.context import RunContext
from brainweave.graphs.state import AgentTask, RunState


def build_graph(*, checkpointer: Any = None) -> Any:
    """The compiled controller graph."""
    g = StateGraph(RunState, context_schema=RunContext)
    g.add_node("plan", nodes.plan)
    g.add_node("agent", nodes.agent_step, input_schema=AgentTask)  # type: ignore[call-overload]
    g.add_node("exchange", nodes.exchange)
    g.add_node("synthesise", nodes.synthesise)
    g.add_node("score", nodes.score)
    g.add_node("rank", nodes.rank)
    g.add_edge(START, "plan")
    g.add_conditional_edges("plan", nodes.dispatch, ["agent", "synthesise"])
    g.add_edge("agent", "exchange")
    g.add_conditional_edges("exchange", nodes.dispatch, ["agent", "synthesise"])
    g.add_edge("synthesise", "score")
    g.add_edge("score", "rank")
    g.add_edge("rank", END)
    return g.compile(checkpointer=checkpointer)


# the typed objects the state holds: the only classes a checkpoint may restore
CHECKPOINT_TYPES = [
    ("brainweave.agents.models", "Finding"),
    ("brainweave.agents.models", "Message"),
    ("brainweave.agents.models", "AgentIssue"),
    ("brainweave.agents.models", "Hypothesis"),
    ("brainweave.agents.models", "Scores"),
    ("brainweave.agents.models", "Counterfactual"),
    ("brainweave.retrieval.documents", "Hit"),
]


def sqlite_checkpointer(path: Path) -> Any:
    """LangGraph's SQLite checkpointer on a file (one connection, thread-safe use),
    restoring the state's typed objects and nothing else."""
    import sqlite3

    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
    from langgraph.checkpoint.sqlite import SqliteSaver

    path.parent.mkdir(parents=True, exist_ok=True)
    serde = JsonPlusSerializer(allowed_msgpack_modules=CHECKPOINT_TYPES)
    return SqliteSaver(sqlite3.connect(str(path), check_same_thread=False), serde=serde)
