"""The Ask page: the question form, live progress of the run, then the run itself.

The run goes on in a background thread (:class:`brainweave.ui.jobs.RunJob`); a
fragment redraws its progress every second, and when it ends the whole page is
redrawn with the run open for review.
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from brainweave.errors import BrainweaveError
from brainweave.settings import Settings
from brainweave.ui.jobs import Event, RunJob
from brainweave.ui.views import common, review

POLL_S = 1.0


@st.cache_resource(show_spinner=False)
def _agent_names() -> list[str]:
    from brainweave.agents.registry import AgentRegistry

    return AgentRegistry().names()


def _collect(job: RunJob) -> None:
    """Move a finished job's outcome into the session (once)."""
    st.session_state.pop("job", None)
    st.session_state["last_events"] = job.snapshot()
    if job.error is not None:
        st.session_state["job_error"] = job.error
        return
    st.session_state.pop("job_error", None)
    st.session_state["run_id"] = job.result.run_id
    st.session_state["last_issues"] = [i.model_dump() for i in job.result.issues]


def _start(question: str, agents: list[str], rounds: int, over: dict[str, Any]) -> None:
    from brainweave.graphs.run import ask

    s: Settings = common.settings(**over)

    def run(on_update: Any) -> Any:
        return ask(question, agents=agents or None, rounds=rounds, settings=s, on_update=on_update)

    st.session_state["job"] = RunJob(question, run).start()
    st.session_state.pop("job_error", None)


def _events(events: list[Event], where: Any = st) -> None:
    for ev in events:
        where.markdown(f"**{ev.text}**")
        for d in ev.details[:8]:
            where.caption(d)
        if len(ev.details) > 8:
            where.caption(f"… and {len(ev.details) - 8} more")


@st.fragment(run_every=POLL_S)
def _progress() -> None:
    with common.guarded("showing the progress"):
        _progress_body()


def _progress_body() -> None:
    job: RunJob | None = st.session_state.get("job")
    if job is None:
        return
    if job.done:
        st.rerun()  # the whole page: the run opens below the form
    took = f"{time.time() - job.started:.0f} s"
    # written into, not used as a context manager: leaving the `with` would mark it complete
    status = st.status(f"Running ({took}): {job.question}", expanded=True, state="running")
    events = job.snapshot()
    if not events:
        status.write("loading models and indexes…")
    _events(events, status)


def _form(s: Settings, running: bool) -> None:
    names = _agent_names()
    with st.form("ask"):
        question = st.text_area(
            "Question",
            key="question",
            placeholder="How do APOE variants relate to hippocampal atrophy and memory decline?",
        )
        c1, c2 = st.columns([3, 1])
        agents = c1.multiselect("Agents", names, default=names, key="agents")
        rounds = c2.number_input(
            "Exchange rounds", min_value=0, max_value=5, value=s.agents.rounds, key="rounds"
        )
        with st.expander("Models"):
            llm_model = st.text_input("Agents' LLM", value=s.llm.model, key="llm_model")
            scorer_model = st.text_input("Scorer model", value=s.scorer.model, key="scorer_model")
            st.caption(
                f"LLM provider {s.llm.provider!r}, scorer {s.scorer.provider!r}, "
                f"profile {s.profile!r}; the rest comes from your settings file."
            )
        asked = st.form_submit_button("Ask", type="primary", disabled=running, key="ask_button")
    if not asked:
        return
    if not question.strip():
        st.error("Type a question first.")
        return
    over: dict[str, Any] = {}
    if llm_model.strip() and llm_model.strip() != s.llm.model:
        over["llm"] = {"model": llm_model.strip()}
    if scorer_model.strip() and scorer_model.strip() != s.scorer.model:
        over["scorer"] = {"model": scorer_model.strip()}
    _start(question.strip(), list(agents), int(rounds), over)
    st.rerun()


def render() -> None:
    s = common.settings()
    job: RunJob | None = st.session_state.get("job")
    if job is not None and job.done:
        _collect(job)
        job = None
    st.header("Ask the domain agents")
    _form(s, running=job is not None)
    if job is not None:
        _progress()
        return
    err: BrainweaveError | None = st.session_state.get("job_error")
    if err is not None:
        common.show_error(err)
    events = st.session_state.get("last_events")
    if events:
        with st.expander("How the last run went"):
            _events(events)
    run_id = st.session_state.get("run_id")
    if run_id:
        st.divider()
        review.render_run(run_id)
