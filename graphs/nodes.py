"""The controller's nodes. Each is a function of the state (or of one agent's task)
that returns a state update; the services they need (agents, retriever, LLM,
scorer) come in a :class:`Services` object bound when the graph is built."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from langgraph.types import Send

from brainweave.agents.base import DomainAgent
from brainweave.agents.models import AgentIssue, Finding, Message
from brainweave.graphs import synthesis
from brainweave.graphs.state import AgentTask, RunState

log = logging.getLogger(__name__)

EVIDENCE_CHARS = 1500


@dataclass
class Services:
    """What the nodes call. Built once per run by :mod:`brainweave.graphs.run`."""

    agents: dict[str, DomainAgent]
    retriever: Any
    llm: Any
    scorer_factory: Callable[[], Any]
    k: int = 5
    max_findings: int = 3
    max_hypotheses: int = 8
    llm_findings: bool = True  # False: extractive findings, the LLM only phrases hypotheses
    retry_ungrounded: bool = False  # send an ungrounded statement back once with the reason
    index_ok: Callable[[str], str | None] = lambda domain: None  # reason it is unusable
    _scorer: Any = field(default=None, repr=False)

    def scorer(self) -> Any:
        if self._scorer is None:
            self._scorer = self.scorer_factory()
        return self._scorer


def _issue(agent: str, stage: str, message: str) -> dict[str, Any]:
    return AgentIssue(agent=agent, stage=stage, message=message).model_dump()


def _calls_since(llm: Any, n: int, prefix: str) -> list[dict[str, Any]]:
    """The LLM calls made since the n-th one for this purpose (agents run in parallel)."""
    calls = getattr(llm, "calls", [])
    return [asdict(c) for c in calls[n:] if c.purpose.startswith(prefix)]


def plan(svc: Services, state: RunState) -> dict[str, Any]:
    """Which agents answer: those asked for whose index is usable."""
    names, issues = [], []
    for name in state["agents"]:
        why = svc.index_ok(svc.agents[name].domain)
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


def agent_step(svc: Services, task: AgentTask) -> dict[str, Any]:
    """One agent: retrieve for its queries, then findings that cite the passages."""
    agent = svc.agents[task["agent"]]
    stage = "" if task["round"] == 0 else "exchange_"
    issues: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    try:
        exclude = set(task.get("exclude") or [])
        hits = agent.retrieve(svc.retriever, task["queries"], svc.k + len(exclude))
        hits = [h for h in hits if h.passage_id not in exclude][: svc.k]
    except Exception as err:
        log.warning("%s: retrieval failed: %s", agent.name, err)
        return {"issues": [_issue(agent.name, "retrieve", str(err))]}
    t1 = time.perf_counter()
    n_calls = len(getattr(svc.llm, "calls", []))
    try:
        findings, fallback = agent.summarise(
            svc.llm if svc.llm_findings else None,
            task["question"],
            hits,
            round=task["round"],
            max_findings=svc.max_findings,
        )
    except Exception as err:  # a plugin's own summarise may raise: report, go on
        log.warning("%s: summarise failed: %s", agent.name, err)
        findings, fallback = [], None
        issues.append(_issue(agent.name, "summarise", f"{type(err).__name__}: {err}"))
    if fallback:
        issues.append(_issue(agent.name, "llm", f"{fallback}; extractive findings used"))
    t2 = time.perf_counter()
    return {
        "findings": [f.model_dump() for f in findings],
        "passages": {h.passage_id: h.model_dump() for h in hits},
        "seen": {agent.name: [h.passage_id for h in hits]},
        "issues": issues,
        "llm_calls": _calls_since(svc.llm, n_calls, f"{agent.name}:"),
        "timings": {f"{stage}retrieve": t1 - t0, f"{stage}llm": t2 - t1},
    }


def exchange(svc: Services, state: RunState, max_rounds: int) -> dict[str, Any]:
    """After a round: pass each agent the others' new findings and collect its new
    queries; stop at the round limit or when the round added nothing new."""
    r = state["round"]
    findings = [Finding.model_validate(f) for f in state.get("findings", [])]
    earlier = {p for f in findings if f.round < r for p in f.passage_ids}
    new = [f for f in findings if f.round == r and not set(f.passage_ids) <= earlier]
    if r >= max_rounds:
        return {"pending": {}, "stop_reason": f"round limit ({max_rounds}) reached"}
    if not new:
        return {"pending": {}, "stop_reason": f"round {r} added nothing new"}
    t0 = time.perf_counter()
    ran = state.get("queries_run", {})
    pending: dict[str, list[str]] = {}
    messages = []
    for name in state["agents"]:
        others = [f for f in new if f.agent != name]
        queries = [q for q in svc.agents[name].requery(state["question"], others) if q]
        queries = [q for q in queries if q not in ran.get(name, [])]
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
                ).model_dump()
            )
    if not pending:
        return {"pending": {}, "stop_reason": f"no new queries after round {r}"}
    return {
        "round": r + 1,
        "pending": pending,
        "queries_run": {n: ran.get(n, []) + q for n, q in pending.items()},
        "messages": messages,
        "timings": {"exchange": time.perf_counter() - t0},
    }


def synthesise(svc: Services, state: RunState) -> dict[str, Any]:
    t0 = time.perf_counter()
    n_calls = len(getattr(svc.llm, "calls", []))
    findings = [Finding.model_validate(f) for f in state.get("findings", [])]
    hyps, dropped, problems = synthesis.synthesise(
        svc.llm,
        state["question"],
        findings,
        set(state.get("passages", {})),
        svc.max_hypotheses,
        retry_ungrounded=svc.retry_ungrounded,
    )
    issues = [_issue("synthesis", "llm", p + "; template statement used") for p in problems]
    return {
        "hypotheses": [h.model_dump() for h in hyps],
        "dropped": dropped,
        "issues": issues,
        "llm_calls": _calls_since(svc.llm, n_calls, "synthesis"),
        "timings": {"synthesis": time.perf_counter() - t0},
    }


def evidence_for(hyp: dict[str, Any], state: RunState) -> str:
    """The evidence context a hypothesis is scored under: its findings' claims."""
    by_id = {f["id"]: f for f in state.get("findings", [])}
    text = " ".join(by_id[f]["claim"] for f in hyp["finding_ids"] if f in by_id)
    return text[:EVIDENCE_CHARS]


def score(svc: Services, state: RunState) -> dict[str, Any]:
    """Plausibility of every hypothesis against its counterfactuals, under its evidence."""
    hyps = state.get("hypotheses") or []
    if not hyps:
        return {}
    from brainweave.scoring import score_hypotheses

    t0 = time.perf_counter()
    try:
        scorer = svc.scorer()
        results = score_hypotheses(
            [h["statement"] for h in hyps],
            context=[evidence_for(h, state) for h in hyps],
            scorer=scorer,
        )
    except Exception as err:
        log.warning("scoring failed: %s", err)
        msg = str(getattr(err, "message", err))
        return {
            "hypotheses": [{**h, "scorable": False, "score_reason": msg} for h in hyps],
            "issues": [_issue("scorer", "score", msg)],
            "timings": {"scoring": time.perf_counter() - t0},
        }
    out = [{**h, **score_fields(res)} for h, res in zip(hyps, results, strict=True)]
    return {"hypotheses": out, "timings": {"scoring": time.perf_counter() - t0}}


def score_fields(res: Any) -> dict[str, Any]:
    """A hypothesis's score fields from the scorer's result for its statement (the
    graph's score step and the app's re-scoring of an edited statement)."""
    return {
        "scorable": res.scorable,
        "score_reason": res.reason,
        "plausibility": res.plausibility,
        "p_vs_all": res.p_vs_all,
        "perplexity": res.score.perplexity if res.score else None,
        "counterfactuals": [
            {
                "text": v.text,
                "perplexity": v.perplexity,
                "kind": v.kind,
                "original": v.original,
                "altered": v.altered,
            }
            for v in res.variants
        ],
        "memorisation_flag": res.memorised,
        "scorer": res.model,
    }


def rank(state: RunState) -> dict[str, Any]:
    """Best plausibility first; unscored last; every candidate kept."""
    hyps = sorted(
        state.get("hypotheses") or [],
        key=lambda h: (h.get("plausibility") is None, -(h.get("plausibility") or 0.0), h["id"]),
    )
    return {"hypotheses": [{**h, "rank": i} for i, h in enumerate(hyps, start=1)]}
