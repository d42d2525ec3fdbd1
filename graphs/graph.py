"""The controller graph: plan -> agents (fan-out with Send) -> exchange rounds ->
synthesise -> score -> rank.

    plan --Send--> agent --> exchange --Send--> agent (next round)
                                      \\--> synthesise --> score --> rank
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from langgraph.graph import END, START, StateGraph

from brainweave.graphs import nodes
from brainweave.graphs.nodes import Services
from brainweave.graphs.state import AgentTask, RunState


def build_graph(
    svc: Services,
    *,
    max_rounds: int = 1,
    checkpointer: Any = None,
    interrupt_before: list[str] | None = None,
) -> Any:
    """The compiled controller graph for one set of services."""
    g = StateGraph(RunState)
    g.add_node("plan", partial(nodes.plan, svc))
    g.add_node("agent", partial(nodes.agent_step, svc), input_schema=AgentTask)
    g.add_node("exchange", partial(nodes.exchange, svc, max_rounds=max_rounds))
    g.add_node("synthesise", partial(nodes.synthesise, svc))
    g.add_node("score", partial(nodes.score, svc))
    g.add_node("rank", nodes.rank)
    g.add_edge(START, "plan")
    g.add_conditional_edges("plan", nodes.dispatch, ["agent", "synthesise"])
    g.add_edge("agent", "exchange")
    g.add_conditional_edges("exchange", nodes.dispatch, ["agent", "synthesise"])
    g.add_edge("synthesise", "score")
    g.add_edge("score", "rank")
    g.add_edge("rank", END)
    return g.compile(checkpointer=checkpointer, interrupt_before=interrupt_before)


def sqlite_checkpointer(path: Path) -> Any:
    """LangGraph's SQLite checkpointer on a file (one connection, thread-safe use)."""
    import sqlite3

    from langgraph.checkpoint.sqlite import SqliteSaver

    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteSaver(sqlite3.connect(str(path), check_same_thread=False))
