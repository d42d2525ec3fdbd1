"""Run the controller for one question: ``ask`` and ``resume``.

One path: the process's :class:`~brainweave.graphs.services.Services` give the
loaded agents, retriever, scorer, LLM and the compiled graph; ``ask`` makes the
run's :class:`~brainweave.graphs.context.RunContext` from its settings, streams
the graph with it, and turns the final state into a :class:`RunResult`, whose
JSON is the provenance record written to ``HOME/runs/<run id>/provenance.json``.
Each run is checkpointed (thread id = run id) in ``HOME/runs/checkpoints.sqlite``
with its own settings, so ``resume`` goes on with exactly those.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from brainweave.agents.models import AgentIssue, Finding, Hypothesis, Message
from brainweave.errors import BrainweaveError
from brainweave.graphs.context import RunContext
from brainweave.graphs.provenance import provenance, read_record, runs_dir, write_record
from brainweave.graphs.services import Services, checkpoints_path, default_services
from brainweave.graphs.state import RunState
from brainweave.settings import Settings, load_settings

OnUpdate = Callable[[str, dict[str, Any]], None]
"""Called with (node name, the state update it returned) as each graph step ends."""

MAX_QUESTION_CHARS = 2000
# settings that say where this machine keeps things, not how the run went
LOCAL_SETTINGS = (
    "home",
    "data_dir",
    "index.dir",
    "scorer.cache_dir",
    "scorer.threads",
    "llm.threads",
)


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
        """The ``--json`` document and the provenance record: run_id, question, findings,
        messages, hypotheses, provenance (issues and dropped counts are in the provenance)."""
        return {
            "run_id": self.run_id,
            "question": self.question,
            "findings": [f.model_dump(mode="json") for f in self.findings],
            "messages": [m.model_dump(mode="json") for m in self.messages],
            "hypotheses": [h.model_dump(mode="json") for h in self.hypotheses],
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> RunResult:
        """A result read back from its record (or ``--json`` file)."""
        prov = doc.get("provenance") or {}
        return cls(
            run_id=doc["run_id"],
            question=doc["question"],
            findings=doc.get("findings", []),
            messages=doc.get("messages", []),
            hypotheses=doc.get("hypotheses", []),
            issues=prov.get("issues", []),
            dropped=prov.get("dropped", {}),
            provenance=prov,
        )


def new_run_id() -> str:
    """A fresh run id: the time it was made and a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def _settings(settings: Settings | None, overrides: dict[str, Any]) -> Settings:
    if settings is not None:
        if overrides:
            raise TypeError("pass either settings or setting overrides, not both")
        return settings
    return load_settings(**overrides)


def check_question(question: str) -> str:
    """The question stripped, or a clear error for one that cannot be asked."""
    q = (question or "").strip()
    if not q:
        raise BrainweaveError("the question is empty", 'ask something, e.g. brainweave ask "..."')
    if len(q) > MAX_QUESTION_CHARS:
        raise BrainweaveError(
            f"the question is {len(q):,} characters long; a question may have at most "
            f"{MAX_QUESTION_CHARS:,}",
            "ask one research question in a sentence or two; the agents find the evidence",
        )
    return q


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
    services: Services | None = None,
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
    ``services`` are the process's loaded models (default: :func:`default_services`).
    """
    q = check_question(question)
    if isinstance(overrides.get("agents"), dict):
        raise TypeError("pass agent settings through settings=..., agent names as agents=[...]")
    s = _settings(settings, overrides)
    names = [a.strip() for a in agents.split(",")] if isinstance(agents, str) else agents
    names = [n for n in (names or []) if n]
    if rounds is not None:
        if not 0 <= rounds <= 5:
            raise BrainweaveError(f"rounds must be between 0 and 5, got {rounds}")
        s = s.model_copy(update={"agents": s.agents.model_copy(update={"rounds": rounds})})
    svc = services or default_services()
    if run_id:
        _claim_run_id(svc, s, run_id, replace)
    ctx, registry, load_issues = _context(svc, s, names, llm, scorer)
    run_id = run_id or new_run_id()
    state_in: RunState = {
        "run_id": run_id,
        "question": q,
        "settings": s.model_dump(mode="json"),
        "agents": list(ctx.agents),
        "issues": load_issues,
    }
    return _execute(svc, s, ctx, registry, run_id, state_in, interrupt_before, on_update)


def resume(
    run_id: str,
    *,
    settings: Settings | None = None,
    on_update: OnUpdate | None = None,
    services: Services | None = None,
    **overrides: Any,
) -> RunResult:
    """Finish an interrupted run from its checkpoint, with the settings it was asked
    with; a finished run is returned as it is (its record is not rewritten).

    ``settings`` or ``overrides`` say where the run lives (``home``); any other
    setting that differs from the run's own is refused with a clear message.
    """
    given = _settings(settings, overrides)
    svc = services or default_services()
    config = {"configurable": {"thread_id": run_id}}
    snap = svc.graph(given.home).get_state(config)
    if not snap.values:
        raise BrainweaveError(
            f"no run {run_id!r} in {runs_dir(given.home)}", "list the runs: brainweave runs list"
        )
    values = snap.values
    s = Settings.model_validate(values["settings"]).model_copy(update={"home": given.home})
    conflicts = _conflicts(s, given, set(overrides) if settings is None else None)
    if conflicts:
        raise BrainweaveError(
            f"run {run_id!r} was asked with other settings: {'; '.join(conflicts)}",
            "a run resumes with its own settings: resume without these overrides, "
            "or ask the question again with them",
        )
    if not snap.next:  # finished: its record is what it returned
        record = read_record(s.home, run_id)
        if record is not None:
            return RunResult.from_json(record)
    ctx, registry, _ = _context(svc, s, values.get("agents", []), None, None)
    return _execute(svc, s, ctx, registry, run_id, None, None, on_update)


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def _conflicts(run: Settings, given: Settings, keys: set[str] | None) -> list[str]:
    """Settings of ``given`` that differ from the run's (only the top-level ``keys``
    that were passed, when overrides were given), machine-local ones aside."""
    a, b = _flat(run.model_dump(mode="json")), _flat(given.model_dump(mode="json"))
    out = []
    for key in sorted(a):
        top = key.split(".")[0]
        if key in LOCAL_SETTINGS or (keys is not None and top not in keys):
            continue
        if a[key] != b.get(key):
            out.append(f"{key} is {a[key]!r} in the run, {b.get(key)!r} here")
    return out


def _claim_run_id(svc: Services, s: Settings, run_id: str, replace: bool) -> None:
    if not checkpoints_path(s.home).exists():
        return
    cp = svc.checkpointer(s.home)
    if cp.get_tuple({"configurable": {"thread_id": run_id}}) is None:
        return
    if not replace:
        raise BrainweaveError(
            f"run {run_id!r} already exists in {runs_dir(s.home)}",
            f"resume it (brainweave runs resume {run_id}), ask without a run id, "
            "or pass replace=True to start it again",
        )
    cp.delete_thread(run_id)


def _context(
    svc: Services, s: Settings, names: list[str], llm: Any, scorer: Any
) -> tuple[RunContext, Any, list[AgentIssue]]:
    """The run's context: its agents (broken plugins reported), the shared retriever,
    a fresh LLM wrapper over the shared chat model, the shared scorer."""
    from brainweave.retrieval.service import no_usable_index

    # match findings with the vocabularies the indexes were annotated with (the corpora's
    # genes and trial interventions join the packaged ones); loaded here, once per
    # process, not inside an agent's time-limited call
    kn = svc.knowledge(s.resolved_data_dir)
    registry = svc.registry()
    agents, issues = registry.load(names or s.agents.enabled or None)
    if not agents:
        raise BrainweaveError(
            "no agent could be loaded", "; ".join(i.message for i in issues) or None
        )
    run_llm = llm if llm is not None else svc.llm(s.llm)  # settings errors first
    store = svc.index_store(s.index_dir)

    def index_ok(domain: str) -> str | None:
        st = store.status(domain)
        return None if st.state == "ok" else st.detail

    missing = no_usable_index(store, {a.name: a.domain for a in agents})
    if missing is not None:
        raise missing
    ctx = RunContext.of(
        s,
        agents={a.name: a for a in agents},
        retriever=svc.retriever(s),
        llm=run_llm,
        scorer=(lambda: scorer) if scorer is not None else (lambda: svc.scorer(s)),
        index_ok=index_ok,
        knowledge=kn,
    )
    return ctx, registry, issues


def _execute(
    svc: Services,
    s: Settings,
    ctx: RunContext,
    registry: Any,
    run_id: str,
    state_in: RunState | None,
    interrupt_before: list[str] | None,
    on_update: OnUpdate | None,
) -> RunResult:
    from brainweave import knowledge

    graph = svc.graph(s.home)
    config = {"configurable": {"thread_id": run_id}, "recursion_limit": 50}
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    with knowledge.use(ctx.knowledge):  # every node (and thread it starts) reads this one
        for step in graph.stream(
            state_in, config, context=ctx, stream_mode="updates", interrupt_before=interrupt_before
        ):
            for node, update in step.items():
                if on_update is not None and node != "__interrupt__":
                    on_update(node, update or {})
    state: RunState = graph.get_state(config).values
    wall = time.perf_counter() - t0
    result = RunResult(
        run_id=run_id,
        question=state["question"],
        findings=state.get("findings", []),
        messages=state.get("messages", []),
        hypotheses=state.get("hypotheses", []),
        issues=state.get("issues", []),
        dropped=state.get("dropped", {}),
        provenance=provenance(s, ctx, registry, state, started, wall, checkpoints_path(s.home)),
    )
    from brainweave.graphs.provenance import record_path

    result.provenance["record"] = str(record_path(s.home, run_id))
    write_record(s.home, run_id, result.to_json())
    return result
