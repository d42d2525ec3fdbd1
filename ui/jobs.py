"""A run of the graph in a background thread, with its progress as plain lines.

Streamlit reruns the page script on every click; a half-minute ``ask`` inside
the script would freeze the page and be cut off by the next click. So the app
starts the run here, in a thread that touches no Streamlit API, and a fragment
polls :attr:`RunJob.events` once a second to draw the progress.

Jobs are kept in a registry of this process, keyed by the run id they were
given before they started, not in one browser session: a reload (a new
session) finds the running job through ``?run=ID`` or :func:`running` and shows
its progress again instead of offering to start a second run.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from brainweave.errors import BrainweaveError

log = logging.getLogger(__name__)


@dataclass
class Event:
    """One graph step as the app shows it."""

    node: str
    text: str
    at: float
    details: list[str] = field(default_factory=list)


def describe(node: str, update: dict[str, Any]) -> Event:
    """A line (and detail lines) saying what a graph step did (the update holds the
    graph's typed objects: findings, messages, issues, hypotheses)."""
    now = time.time()
    if node == "plan":
        agents = update.get("agents") or []
        return Event(node, f"plan: {len(agents)} agents will retrieve ({', '.join(agents)})", now)
    if node == "agent":
        findings = update.get("findings") or []
        passages = update.get("passages") or {}
        issues = update.get("issues") or []
        who = findings[0].agent if findings else (issues[0].agent if issues else "an agent")
        rnd = findings[0].round if findings else 0
        details = [f"[{f.domain}] {f.claim}" for f in findings]
        details += [f"note ({i.stage}): {i.message}" for i in issues]
        return Event(
            node,
            f"{who} (round {rnd}): retrieved {len(passages)} passages, {len(findings)} findings",
            now,
            details,
        )
    if node == "exchange":
        msgs = update.get("messages") or []
        if not msgs:
            return Event(node, f"exchange: {update.get('stop_reason') or 'done'}", now)
        details = [
            f"{m.sender} → {m.recipient}: {len(m.findings)} findings"
            + (f"; query: {m.query}" if m.query else "")
            for m in msgs
        ]
        return Event(node, f"exchange: {len(msgs)} messages between agents", now, details)
    if node == "synthesise":
        hyps = update.get("hypotheses") or []
        return Event(
            node,
            f"synthesis: {len(hyps)} candidate hypotheses",
            now,
            [h.statement for h in hyps],
        )
    if node == "score":
        hyps = update.get("hypotheses") or []
        details = [
            f"{h.scores.plausibility:.3f}  {h.statement}"
            if h.scores.plausibility is not None
            else f"not scored  {h.statement}"
            for h in hyps
        ]
        return Event(node, f"scored {len(hyps)} hypotheses", now, details)
    if node == "rank":
        return Event(node, "ranked", now)
    return Event(node, node, now)


def new_run_id() -> str:
    """A run id in the graph's format (UTC time, then random hex), chosen before the run."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


class RunJob:
    """``run(on_update)`` in a daemon thread; events, result and error read from any thread."""

    def __init__(
        self,
        question: str,
        run: Callable[[Callable[[str, dict[str, Any]], None]], Any],
        *,
        run_id: str | None = None,
        home: str = "",
        reviewer: str = "",
    ):
        self.question = question
        self.run_id = run_id or new_run_id()
        self.home = home
        self.reviewer = reviewer
        self.events: list[Event] = []
        self.result: Any = None
        self.error: BrainweaveError | None = None
        self.started = time.time()
        self.finished: float | None = None
        self._lock = threading.Lock()
        self._run = run
        self.thread = threading.Thread(target=self._main, name="brainweave-ask", daemon=True)

    def start(self) -> RunJob:
        register(self)
        self.thread.start()
        return self

    @property
    def done(self) -> bool:
        return self.finished is not None

    def snapshot(self) -> list[Event]:
        with self._lock:
            return list(self.events)

    def _on_update(self, node: str, update: dict[str, Any]) -> None:
        try:
            ev = describe(node, update)
        except Exception as err:  # progress must never break the run
            ev = Event(node, f"{node} ({type(err).__name__} describing it)", time.time())
        with self._lock:
            self.events.append(ev)

    def _main(self) -> None:
        try:
            self.result = self._run(self._on_update)
        except BrainweaveError as err:
            self.error = err
        except Exception as err:
            log.exception("the run failed")
            self.error = BrainweaveError(
                f"the run failed: {type(err).__name__}: {err}",
                "see the app's log (the terminal running `brainweave ui`) for details",
            )
        finally:
            self.finished = time.time()


_JOBS: dict[str, RunJob] = {}
_JOBS_LOCK = threading.Lock()
KEEP_FINISHED = 20


def register(job: RunJob) -> None:
    """Keep the job findable by its run id (the newest finished ones are kept too)."""
    with _JOBS_LOCK:
        _JOBS[job.run_id] = job
        done = [j for j in _JOBS.values() if j.done]
        for old in sorted(done, key=lambda j: j.started)[:-KEEP_FINISHED]:
            _JOBS.pop(old.run_id, None)


def get(run_id: str) -> RunJob | None:
    with _JOBS_LOCK:
        return _JOBS.get(run_id)


def running(home: str) -> RunJob | None:
    """The job still running for this home, if any (newest first)."""
    with _JOBS_LOCK:
        live = [j for j in _JOBS.values() if not j.done and j.home == home]
    return max(live, key=lambda j: j.started) if live else None
