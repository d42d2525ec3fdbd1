"""The Ask page: the question form, live progress of the run, then the run itself.

The run goes on in a background thread (:class:`brainweave.ui.jobs.RunJob`),
registered in this process under the run id it was given before it started and
put in the URL (``?run=ID``). A fragment redraws its progress every second (the
stage, an ETA from the stage times past runs measured, the newest step first);
a reload finds the job again through the URL, or as the running job of this
home, and shows its progress instead of offering a second run. When it ends the
page opens the run for review, and the question form folds away so the ranked
cards start near the top.
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from brainweave.errors import BrainweaveError
from brainweave.settings import Settings
from brainweave.ui import jobs, progress, safe
from brainweave.ui.jobs import Event, RunJob
from brainweave.ui.views import common, review

POLL_S = 1.0
SHOWN_EVENTS = 6


@st.cache_resource(show_spinner=False)
def _agent_names() -> list[str]:
    from brainweave.agents.registry import AgentRegistry

    return AgentRegistry().names()


def _home() -> str:
    return str(common.settings().home)


def current_job() -> RunJob | None:
    """This session's job, else the one the URL's run names, else any job still
    running for this home (a reload, another tab)."""
    job: RunJob | None = st.session_state.get("job")
    if job is None:
        run_id = st.session_state.get("run_id")
        found = jobs.get(run_id) if run_id else None
        if found is not None and found.home == _home():
            job = found
    if job is None:
        job = jobs.running(_home())
    if job is not None:
        st.session_state["job"] = job
    return job


def _collect(job: RunJob) -> None:
    """Move a finished job's outcome into the session (once)."""
    st.session_state.pop("job", None)
    st.session_state["last_events"] = job.snapshot()
    st.session_state["run_id"] = job.run_id
    if job.error is not None:
        st.session_state["job_error"] = job.error
        st.session_state["failed_run"] = job.run_id
        return
    st.session_state.pop("job_error", None)
    st.session_state["last_issues"] = [i.model_dump() for i in job.result.issues]


def _start(question: str, agents: list[str], rounds: int, over: dict[str, Any]) -> None:
    from brainweave.graphs.run import ask

    s: Settings = common.settings(**over)
    run_id = jobs.new_run_id()

    def run(on_update: Any) -> Any:
        return ask(
            question,
            agents=agents or None,
            rounds=rounds,
            settings=s,
            run_id=run_id,
            on_update=on_update,
        )

    reviewer = (st.session_state.get("reviewer") or "").strip()
    job = RunJob(question, run, run_id=run_id, home=_home(), reviewer=reviewer)
    st.session_state["job"] = job.start()
    st.session_state["run_id"] = run_id
    st.session_state["job_note"] = progress.first_run_note(s)
    st.session_state.pop("job_error", None)
    common.url_state(run=run_id)


def _events(events: list[Event], where: Any = st, *, newest_first: bool = False) -> None:
    shown = list(reversed(events)) if newest_first else events
    for ev in shown:
        where.markdown(f"**{safe.md(ev.text)}**")
        for d in ev.details[:8]:
            where.caption(safe.md(d))
        if len(ev.details) > 8:
            where.caption(f"… and {len(ev.details) - 8} more")


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "no ETA yet: the first run in this home measures the stage times"
    if seconds < 1:
        return "finishing"
    m, s = divmod(round(seconds), 60)
    return f"about {m} min {s:02d} s left" if m else f"about {s} s left"


@st.fragment(run_every=POLL_S)
def _progress() -> None:
    with common.guarded("showing the progress"):
        _progress_body()


@st.cache_data(ttl=60, show_spinner=False)
def _expected(runs_root: str) -> progress.Expected | None:
    from pathlib import Path

    return progress.expected_in(Path(runs_root))


def _progress_body() -> None:
    job: RunJob | None = st.session_state.get("job")
    if job is None:
        return
    if job.done:
        st.rerun()  # the whole page: the run opens below the form
    events = job.snapshot()
    exp = _expected(str(common.settings().home / "runs"))
    now = time.time()
    p = progress.progress([e.node for e in events], job.started, now, exp)
    took = f"{p.elapsed_s:.0f} s"
    st.progress(p.fraction, text=f"**{p.label}** · {took} · {_eta(p.eta_s)}")
    if exp is not None:
        st.caption(f"ETA from the median stage times of the last {exp.n} runs in this home")
    note = st.session_state.get("job_note")
    if note and p.stage in ("start", "agents"):
        st.info(note)
    # written into, not used as a context manager: leaving the `with` would mark it complete
    status = st.status(f"Running ({took}): {safe.md(job.question)}", expanded=True, state="running")
    if not events:
        status.write("loading models and indexes…")
    _events(events[-SHOWN_EVENTS:], status, newest_first=True)
    if len(events) > SHOWN_EVENTS:
        status.caption(f"{len(events) - SHOWN_EVENTS} earlier steps")


def _form(s: Settings, running: bool) -> None:
    names = _agent_names()
    with st.form("ask"):
        question = st.text_area(
            "Question",
            key="question",
            placeholder="How do APOE variants relate to hippocampal atrophy and memory decline?",
            height=80,
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
                f"LLM provider {safe.md(s.llm.provider)}, scorer {safe.md(s.scorer.provider)}, "
                f"profile {safe.md(s.profile)}; the rest comes from your settings file."
            )
        asked = st.form_submit_button("Ask", type="primary", disabled=running, key="ask_button")
    if running:
        st.caption("A run is in progress: Ask is available again when it ends.")
    if not asked:
        return
    if current_job() is not None:  # another tab started one since this page was drawn
        st.warning("A run is already in progress in this home: its progress is shown below.")
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
    job = current_job()
    if job is not None and job.done:
        _collect(job)
        job = None
    run_id = st.session_state.get("run_id")
    failed = st.session_state.get("failed_run") == run_id
    show_run = bool(run_id) and job is None and not failed
    common.url_state(run=run_id)
    if show_run:
        with st.expander("Ask a new question", icon=":material/add_comment:"):
            _form(s, running=False)
    else:
        st.header("Ask the domain agents")
        _form(s, running=job is not None)
    if job is not None:
        _progress()
        return
    err: BrainweaveError | None = st.session_state.get("job_error")
    if err is not None and failed:
        common.show_error(err)
    events = st.session_state.get("last_events")
    if events and not show_run:
        with st.expander("How the last run went"):
            _events(events)
    if show_run:
        review.render_run(str(run_id), events=events)
