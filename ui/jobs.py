"""A run of the graph in a background thread, with its progress as plain lines.

Streamlit reruns the page script on every click; a half-minute ``ask`` inside
the script would freeze the page and be cut off by the next click. So the app
starts the run here, in a thread that touches no Streamlit API, and a fragment
polls :attr:`RunJob.events` once a second to draw the progress.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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


class RunJob:
    """``run(on_update)`` in a daemon thread; events, result and error read from any thread."""

    def __init__(self, question: str, run: Callable[[Callable[[str, dict[str, Any]], None]], Any]):
        self.question = question
        self.events: list[Event] = []
        self.result: Any = None
        self.error: BrainweaveError | None = None
        self.started = time.time()
        self.finished: float | None = None
        self._lock = threading.Lock()
        self._run = run
        self.thread = threading.Thread(target=self._main, name="brainweave-ask", daemon=True)

    def start(self) -> RunJob:
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
