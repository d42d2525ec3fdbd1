"""The controller's nodes. Each is a function of the state (or of one agent's task)
and of LangGraph's runtime, whose ``context`` is the run's
:class:`~brainweave.graphs.context.RunContext`; each returns a state update of
typed objects. Every call into an agent goes through
:func:`~brainweave.graphs.guard.call_agent`."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import Send

from brainweave.agents.models import AgentIssue, Finding, Hypothesis, Message
from brainweave.graphs import synthesis
from brainweave.graphs.context import RunContext
from brainweave.graphs.guard import call_agent
from brainweave.graphs.state import AgentTask, RunState

log = logging.getLogger(__name__)

EVIDENCE_CHARS = 1500


def _issue(agent: str, stage: str, message: str) -> AgentIssue:
    return AgentIssue(agent=agent, stage=stage, message=message)


def _calls_since(llm: Any, n: int, prefix: str) -> list[dict[str, Any]]:
    """The LLM calls made since the n-th one for this purpose (agents run in parallel)."""
    calls = getattr(llm, "calls", [])
    return [asdict(c) for c in calls[n:] if c.purpose.startswith(prefix)]


def plan(state: RunState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Which agents answer: those asked for whose index is usable."""
    ctx = runtime.context
    names, issues = [], []
    for name in state["agents"]:
        why = ctx.index_ok(ctx.agents[name].domain)
        if why:
            issues.append(_issue(name, "index", why))
        else:
            names.append(name)
    return {
        "agents": names,
        "round": 0,
        "pending": {n: [state["question"]] for n in names},
        "queries_run": {n: [state["question"]] for n in names},
        "issues": issues,
    }


def dispatch(state: RunState) -> list[Send] | str:
    """Fan the pending queries out to the agents in parallel, or go on to synthesis."""
    pending = state.get("pending") or {}
    if not pending:
        return "synthesise"
    return [
        Send(
            "agent",
            AgentTask(
                agent=n,
                question=state["question"],
                queries=q,
                round=state["round"],
                exclude=(state.get("seen") or {}).get(n, []),
            ),
        )
        for n, q in pending.items()
    ]


def agent_step(task: AgentTask, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """One agent: retrieve for its queries, then findings that cite the passages."""
    ctx = runtime.context
    agent = ctx.agents[task["agent"]]
    stage = "" if task["round"] == 0 else "exchange_"
    t0 = time.perf_counter()
    exclude = set(task.get("exclude") or [])
    hits, issue = call_agent(
        agent.name,
        "retrieve",
        ctx.agent_timeout_s,
        agent.retrieve,
        ctx.retriever,
        task["queries"],
        ctx.k + len(exclude),
    )
    if issue is not None or hits is None:
        return {"issues": [issue] if issue else []}
    hits = [h for h in hits if h.passage_id not in exclude][: ctx.k]
    t1 = time.perf_counter()
    n_calls = len(getattr(ctx.llm, "calls", []))
    answer, issue = call_agent(
        agent.name,
        "summarise",
        ctx.agent_timeout_s,
        agent.summarise,
        ctx.llm if ctx.llm_findings else None,
        task["question"],
        hits,
        round=task["round"],
        max_findings=ctx.max_findings,
    )
    issues = [issue] if issue else []
    findings, fallback = answer if answer is not None else ([], None)
    if fallback:
        issues.append(_issue(agent.name, "llm", f"{fallback}; extractive findings used"))
    findings = [Finding.model_validate(f) for f in findings]  # a plugin's own, checked here
    t2 = time.perf_counter()
    return {
        "findings": findings,
        "passages": {h.passage_id: h for h in hits},
        "seen": {agent.name: [h.passage_id for h in hits]},
        "issues": issues,
        "llm_calls": _calls_since(ctx.llm, n_calls, f"{agent.name}:"),
        "timings": {f"{stage}retrieve": t1 - t0, f"{stage}llm": t2 - t1},
    }


def exchange(state: RunState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """After a round: pass each agent the others' new findings and collect its new
    queries; stop at the round limit or when the round added nothing new."""
    ctx = runtime.context
    max_rounds = ctx.rounds
    r = state["round"]
    findings = state.get("findings", [])
    earlier = {p for f in findings if f.round < r for p in f.passage_ids}
    new = [f for f in findings if f.round == r and not set(f.passage_ids) <= earlier]
    if r >= max_rounds:
        return {"pending": {}, "stop_reason": f"round limit ({max_rounds}) reached"}
    if not new:
        return {"pending": {}, "stop_reason": f"round {r} added nothing new"}
    t0 = time.perf_counter()
    ran = state.get("queries_run", {})
    pending: dict[str, list[str]] = {}
    messages: list[Message] = []
    issues: list[AgentIssue] = []
    bridges = _bridge_queries(ctx, state["question"], findings, state["agents"])
    for name in state["agents"]:
        others = [f for f in new if f.agent != name]
        asked, issue = call_agent(
            name,
            "requery",
            ctx.agent_timeout_s,
            ctx.agents[name].requery,
            state["question"],
            others,
        )
        if issue is not None:
            issues.append(issue)
        queries = [q for q in (asked or []) if isinstance(q, str) and q.strip()]
        # the discovered B- and C-terms first, each fetching a passage that names an edge's
        # two ends, and one of the agent's own (the k passages are shared by the queries)
        mine = bridges.get(ctx.agents[name].domain, [])
        queries = [q for q in queries if q not in ran.get(name, [])]
        queries = [q for q in mine if q not in ran.get(name, [])] + queries[: 1 if mine else None]
        queries = list(dict.fromkeys(queries))
        if queries:
            pending[name] = queries
        for sender in sorted({f.agent for f in others}):
            messages.append(
                Message(
                    sender=sender,
                    recipient=name,
                    findings=[f.id for f in others if f.agent == sender],
                    query="; ".join(queries) or None,
                    round=r + 1,
                )
            )
    if not pending:
        return {
            "pending": {},
            "stop_reason": f"no new queries after round {r}",
            "issues": issues,
        }
    return {
        "round": r + 1,
        "pending": pending,
        "queries_run": {n: ran.get(n, []) + q for n, q in pending.items()},
        "messages": messages,
        "issues": issues,
        "timings": {"exchange": time.perf_counter() - t0},
    }


def _bridge_queries(
    ctx: RunContext, question: str, findings: list[Finding], agents: list[str]
) -> dict[str, list[str]]:
    """domain -> queries for the edges of the best A-B-C chains of the indexes, from the
    question's entities (else the entities the round's findings name most)."""
    from collections import Counter

    from brainweave import knowledge
    from brainweave.graphs import discovery

    domains = {ctx.agents[n].domain for n in agents}
    graphs = evidence_graphs(ctx.retriever, domains)
    if not graphs:
        return {}
    a_terms = discovery.question_entities(question)
    a_terms = [e for e in a_terms if not knowledge.is_generic(e)]
    if not a_terms:
        common = Counter(e for f in findings for e in f.entities if not knowledge.is_generic(e))
        a_terms = [e for e, _ in common.most_common(discovery.OPEN_STARTS)]
    try:
        return discovery.exchange_queries(graphs, a_terms)
    except Exception as err:  # the agents' own queries stand
        log.warning("exchange: no bridge queries: %s", err)
        return {}


def synthesise(state: RunState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = runtime.context
    t0 = time.perf_counter()
    n_calls = len(getattr(ctx.llm, "calls", []))
    findings = state.get("findings", [])
    hyps, dropped, problems = synthesis.discover(
        ctx.llm,
        state["question"],
        findings,
        {pid: h.model_dump() for pid, h in state.get("passages", {}).items()},
        evidence_graphs(ctx.retriever, {f.domain for f in findings}),
        ctx.max_hypotheses,
        retry_ungrounded=ctx.retry_ungrounded,
        embedder=_embedder(ctx.retriever),
    )
    issues = [_issue("synthesis", "llm", p + "; template statement used") for p in problems]
    return {
        "hypotheses": hyps,
        "dropped": dropped,
        "issues": issues,
        "llm_calls": _calls_since(ctx.llm, n_calls, "synthesis"),
        "timings": {"synthesis": time.perf_counter() - t0},
    }


def _embedder(retriever: Any) -> Any:
    """The run's embedder (loaded by the first retrieval), or None."""
    try:
        return retriever.embedder
    except Exception as err:
        log.info("no embedder for the question match: %s", err)
        return None


def evidence_graphs(retriever: Any, domains: set[str]) -> dict[str, Any]:
    """Each domain index's evidence graph (stored mentions), where it can be opened."""
    out: dict[str, Any] = {}
    store = getattr(retriever, "store", None)
    for d in sorted(domains):
        try:
            out[d] = store.evidence_graph(d)  # type: ignore[union-attr]
        except Exception as err:  # no store or no mentions: discovery uses the run's passages
            log.info("no evidence graph for %s: %s", d, err)
    return out


def evidence_for(hyp: Hypothesis, findings: list[Finding]) -> str:
    """The evidence context a hypothesis is scored under: its findings' claims
    (the graph's score step and the app's re-scoring of an edited statement)."""
    by_id = {f.id: f for f in findings}
    text = " ".join(by_id[f].claim for f in hyp.finding_ids if f in by_id)
    return text[:EVIDENCE_CHARS]


def score(state: RunState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Plausibility of every hypothesis against its counterfactuals, under its evidence."""
    hyps = state.get("hypotheses") or []
    if not hyps:
        return {}
    from brainweave.agents.models import Scores
    from brainweave.scoring.plausibility import score_hypotheses

    t0 = time.perf_counter()
    findings = state.get("findings", [])
    try:
        scorer = runtime.context.scorer()
        results = score_hypotheses(
            [h.statement for h in hyps],
            context=[evidence_for(h, findings) for h in hyps],
            scorer=scorer,
        )
    except Exception as err:
        log.warning("scoring failed: %s", err)
        msg = str(getattr(err, "message", err))
        failed = Scores(scorable=False, reason=msg)
        return {
            "hypotheses": [h.model_copy(update={"scores": failed}) for h in hyps],
            "issues": [_issue("scorer", "score", msg)],
            "timings": {"scoring": time.perf_counter() - t0},
        }
    out = [
        h.model_copy(update={"scores": res.to_scores()})
        for h, res in zip(hyps, results, strict=True)
    ]
    return {
        "hypotheses": out,
        "scorer": scorer.name,
        "timings": {"scoring": time.perf_counter() - t0},
    }


def rank(state: RunState) -> dict[str, Any]:
    """Best plausibility first; unscored last; every candidate kept."""
    hyps = sorted(
        state.get("hypotheses") or [],
        key=lambda h: (
            h.scores.plausibility is None,
            -(h.scores.plausibility or 0.0),
            h.id,
        ),
    )
    return {"hypotheses": [h.model_copy(update={"rank": i}) for i, h in enumerate(hyps, 1)]}
