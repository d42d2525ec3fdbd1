"""Run the controller for one question: ``ask``, ``resume``, and the provenance record.

Each run is checkpointed in ``HOME/runs/checkpoints.sqlite`` (thread id = run
id), so an interrupted run can be resumed and a finished one inspected, and
writes ``HOME/runs/<run id>/provenance.json``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from brainweave import __version__
from brainweave.agents.models import AgentIssue, Finding, Hypothesis, Message
from brainweave.errors import BrainweaveError, IndexMissingError
from brainweave.settings import Settings, load_settings

log = logging.getLogger(__name__)

PASSAGE_FIELDS = ("passage_id", "doc_id", "domain", "source", "title", "url", "license", "score")

OnUpdate = Callable[[str, dict[str, Any]], None]
"""Called with (node name, the state update it returned) as each graph step ends."""

_SHARED: dict[tuple[str, str], Any] = {}
_SHARED_LOCK = threading.Lock()


def shared(kind: str, key: str, make: Callable[[], Any]) -> Any:
    """One loaded model per process and configuration (embedder, scorer): the app,
    sweeps and repeated ``ask`` calls load each model once."""
    with _SHARED_LOCK:
        if (kind, key) not in _SHARED:
            _SHARED[(kind, key)] = make()
        return _SHARED[(kind, key)]


class RunResult(BaseModel):
    """The outcome of one question, as typed objects."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    question: str
    findings: list[Finding]
    messages: list[Message]
    hypotheses: list[Hypothesis]
    issues: list[AgentIssue] = Field(default_factory=list)
    dropped: dict[str, int] = Field(default_factory=dict)
    provenance: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document: run_id, question, findings, messages, hypotheses,
        provenance (issues and dropped counts are in the provenance)."""
        return {
            "run_id": self.run_id,
            "question": self.question,
            "findings": [f.model_dump(mode="json") for f in self.findings],
            "messages": [m.model_dump(mode="json") for m in self.messages],
            "hypotheses": [h.model_dump(mode="json") for h in self.hypotheses],
            "provenance": self.provenance,
        }


def scorer_key(settings: Settings) -> str:
    """What tells one scorer apart from another: the kind and its ``[scorer]`` section."""
    return f"{settings.agents.scorer}:{settings.scorer.model_dump_json()}"


def shared_scorer(settings: Settings) -> Any:
    """The scorer of these settings, loaded once per process (runs, the app's re-scoring)."""
    from brainweave.graphs.scorers import make_scorer

    return shared("scorer", scorer_key(settings), lambda: make_scorer(settings))


def runs_dir(settings: Settings) -> Path:
    return settings.home / "runs"


def _new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def _settings(settings: Settings | None, overrides: dict[str, Any]) -> Settings:
    if settings is not None:
        if overrides:
            raise TypeError("pass either settings or setting overrides, not both")
        return settings
    return load_settings(**overrides)


def _services(settings: Settings, names: list[str], llm: Any, scorer: Any) -> tuple[Any, Any]:
    from brainweave.agents.llm import LLM
    from brainweave.agents.registry import AgentRegistry
    from brainweave.graphs.nodes import Services
    from brainweave.retrieval import Retriever
    from brainweave.retrieval.embedder import load_embedder
    from brainweave.retrieval.store import IndexStore, build_command

    registry = AgentRegistry()
    agents, issues = registry.load(names or settings.agents.enabled or None)
    if not agents:
        raise BrainweaveError(
            "no agent could be loaded", "; ".join(i.message for i in issues) or None
        )
    llm = llm if llm is not None else LLM.from_settings(settings.llm)  # settings errors first
    store = IndexStore(settings.index_dir)

    def index_ok(domain: str) -> str | None:
        st = store.status(domain)
        return None if st.state == "ok" else st.detail

    usable = [a for a in agents if index_ok(a.domain) is None]
    if not usable:
        cmds = "; ".join(f"`{build_command(a.domain)}`" for a in agents)
        raise IndexMissingError(
            f"no index is usable for the agents {', '.join(a.name for a in agents)} "
            f"in {settings.index_dir}",
            f"build them: {cmds}",
        )
    svc = Services(
        agents={a.name: a for a in agents},
        retriever=Retriever(
            settings,
            embedder=shared(
                "embedder",
                settings.embedder.model_dump_json(),
                lambda: load_embedder(settings.embedder),
            ),
        ),
        llm=llm,
        scorer_factory=(lambda: scorer) if scorer is not None else partial(shared_scorer, settings),
        k=settings.agents.k,
        max_findings=settings.agents.max_findings,
        max_hypotheses=settings.agents.max_hypotheses,
        llm_findings=settings.agents.findings == "llm",
        retry_ungrounded=settings.agents.retry_ungrounded,
        index_ok=index_ok,
    )
    return svc, (registry, issues)


def ask(
    question: str,
    *,
    agents: list[str] | str | None = None,
    rounds: int | None = None,
    settings: Settings | None = None,
    run_id: str | None = None,
    replace: bool = False,
    llm: Any = None,
    scorer: Any = None,
    interrupt_before: list[str] | None = None,
    on_update: OnUpdate | None = None,
    **overrides: Any,
) -> RunResult:
    """Ask one question; get ranked, scored cross-domain hypotheses.

    ``overrides`` are settings (``profile="fast"``, ``home=...``, ``llm={...}``);
    ``agents`` names the agents (default all), ``rounds`` the exchange rounds.
    ``llm`` and ``scorer`` inject ready objects (a chat model wrapper, a scorer).
    ``on_update(node, update)`` is called as each step of the graph ends (the app
    shows progress with it). A ``run_id`` that names an earlier run is refused (its
    checkpoint would be continued, not restarted) unless ``replace`` is true, which
    discards that run's checkpoint first (sweeps rerun a failed run under its id).
    """
    if not question or not question.strip():
        raise BrainweaveError("the question is empty", 'ask something, e.g. brainweave ask "..."')
    if isinstance(overrides.get("agents"), dict):
        raise TypeError("pass agent settings through settings=..., agent names as agents=[...]")
    s = _settings(settings, overrides)
    names = [a.strip() for a in agents.split(",")] if isinstance(agents, str) else agents
    names = [n for n in (names or []) if n]
    max_rounds = s.agents.rounds if rounds is None else rounds
    if not 0 <= max_rounds <= 5:
        raise BrainweaveError(f"rounds must be between 0 and 5, got {max_rounds}")
    if run_id:
        _claim_run_id(s, run_id, replace)
    svc, (registry, load_issues) = _services(s, names, llm, scorer)
    run_id = run_id or _new_run_id()
    state_in = {
        "run_id": run_id,
        "question": question.strip(),
        "agents": list(svc.agents),
        "max_rounds": max_rounds,
        "issues": [i.model_dump() for i in load_issues],
    }
    return _execute(s, svc, registry, run_id, state_in, max_rounds, interrupt_before, on_update)


def _claim_run_id(s: Settings, run_id: str, replace: bool) -> None:
    from brainweave.graphs.graph import sqlite_checkpointer

    path = runs_dir(s) / "checkpoints.sqlite"
    if not path.exists():
        return
    cp = sqlite_checkpointer(path)
    try:
        config = {"configurable": {"thread_id": run_id}}
        if cp.get_tuple(config) is None:
            return
        if not replace:
            raise BrainweaveError(
                f"run {run_id!r} already exists in {runs_dir(s)}",
                "resume it with brainweave.graphs.run.resume(run_id), ask without a run id, "
                "or pass replace=True to start it again",
            )
        cp.delete_thread(run_id)
    finally:
        cp.conn.close()


def resume(
    run_id: str,
    *,
    settings: Settings | None = None,
    on_update: OnUpdate | None = None,
    **overrides: Any,
) -> RunResult:
    """Finish an interrupted run (or return a finished one) from its checkpoint."""
    from brainweave.graphs.graph import build_graph, sqlite_checkpointer

    s = _settings(settings, overrides)
    cp = sqlite_checkpointer(runs_dir(s) / "checkpoints.sqlite")
    config = {"configurable": {"thread_id": run_id}}
    snap = build_graph(_NoServices(), checkpointer=cp).get_state(config)  # type: ignore[arg-type]
    if not snap.values:
        raise BrainweaveError(f"no run {run_id!r} in {runs_dir(s)}", "check the run id")
    values = snap.values
    svc, (registry, _) = _services(s, values.get("agents", []), None, None)
    return _execute(s, svc, registry, run_id, None, values.get("max_rounds", 1), None, on_update)


class _NoServices:
    """Stands in for services when a graph is built only to read a checkpoint."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("no services: this graph only reads checkpoints")


def _execute(
    s: Settings,
    svc: Any,
    registry: Any,
    run_id: str,
    state_in: dict[str, Any] | None,
    max_rounds: int,
    interrupt_before: list[str] | None,
    on_update: OnUpdate | None = None,
) -> RunResult:
    from brainweave.graphs.graph import build_graph, sqlite_checkpointer

    cp_path = runs_dir(s) / "checkpoints.sqlite"
    cp = sqlite_checkpointer(cp_path)
    graph = build_graph(
        svc, max_rounds=max_rounds, checkpointer=cp, interrupt_before=interrupt_before
    )
    config = {"configurable": {"thread_id": run_id}, "recursion_limit": 50}
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    try:
        for step in graph.stream(state_in, config, stream_mode="updates"):
            for node, update in step.items():
                if on_update is not None and node != "__interrupt__":
                    on_update(node, update or {})
        state = graph.get_state(config).values
    finally:
        cp.conn.close()
    wall = time.perf_counter() - t0
    result = RunResult(
        run_id=run_id,
        question=state["question"],
        findings=[Finding.model_validate(f) for f in state.get("findings", [])],
        messages=[Message.model_validate(m) for m in state.get("messages", [])],
        hypotheses=[Hypothesis.model_validate(h) for h in state.get("hypotheses", [])],
        issues=[AgentIssue.model_validate(i) for i in state.get("issues", [])],
        dropped=state.get("dropped", {}),
        provenance={},
    )
    result.provenance = provenance(s, svc, registry, state, started, wall, cp_path)
    out = runs_dir(s) / run_id / "provenance.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    # whole or absent: the app and sweeps read these records while runs go on
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps(result.to_json(), indent=2, default=str), encoding="utf-8")
    os.replace(tmp, out)
    result.provenance["record"] = str(out)
    return result


def provenance(
    s: Settings,
    svc: Any,
    registry: Any,
    state: dict[str, Any],
    started: datetime,
    wall: float,
    cp_path: Path,
) -> dict[str, Any]:
    """Everything a reader needs to see how the run came about."""
    from brainweave.agents import prompts as agent_prompts  # noqa: F401
    from brainweave.graphs import prompts as graph_prompts
    from brainweave.retrieval.store import IndexStore

    store = IndexStore(s.index_dir)
    indexes = {}
    for a in svc.agents.values():
        st = store.status(a.domain)
        m = st.manifest or {}
        indexes[a.domain] = {
            "state": st.state,
            "count": m.get("count"),
            "built": m.get("built_at") or m.get("build_time"),
            "embedder": m.get("embedder"),
            "sources": [
                {k: src.get(k) for k in ("name", "sha256", "documents")}
                for src in m.get("sources", [])
            ],
        }
    scorer = svc._scorer
    return {
        "brainweave_version": __version__,
        "started_at": started.isoformat(),
        "wall_s": round(wall, 3),
        "settings": s.model_dump(mode="json"),
        "llm": getattr(svc.llm, "name", type(svc.llm).__name__),
        "scorer": getattr(scorer, "name", None),
        "agents": [
            {"name": a.name, "domain": a.domain, "origin": registry.specs[a.name].origin}
            for a in svc.agents.values()
            if a.name in registry.specs
        ],
        "answered": state.get("agents", []),
        "indexes": indexes,
        "prompts": {
            **{
                a.name: {"system": a.prompts.system, "findings": a.prompts.findings}
                for a in svc.agents.values()
            },
            "synthesis": {
                "system": graph_prompts.SYNTH_SYSTEM,
                "hypothesis": graph_prompts.HYPOTHESIS,
            },
        },
        "queries": state.get("queries_run", {}),
        "retrieved": [
            {k: p.get(k) for k in PASSAGE_FIELDS} for p in state.get("passages", {}).values()
        ],
        "rounds": {
            "limit": state.get("max_rounds"),
            "reached": state.get("round"),
            "stop_reason": state.get("stop_reason"),
        },
        "llm_calls": state.get("llm_calls", []),
        "timings_s": {k: round(v, 4) for k, v in state.get("timings", {}).items()},
        "issues": state.get("issues", []),
        "dropped": state.get("dropped", {}),
        "checkpoint": {"path": str(cp_path), "thread_id": state.get("run_id")},
    }
