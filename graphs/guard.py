"""Every call into an agent goes through :func:`call_agent`: a plugin that raises,
or hangs past ``agents.timeout_s``, is reported as an :class:`AgentIssue` of its
stage and the run goes on without that answer."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from brainweave.agents.models import AgentIssue

log = logging.getLogger(__name__)

T = TypeVar("T")


def call_agent(
    agent: str, stage: str, timeout_s: float, fn: Callable[..., T], *args: Any, **kwargs: Any
) -> tuple[T | None, AgentIssue | None]:
    """``fn(*args, **kwargs)`` within ``timeout_s``: (its value, None) or (None, the issue).

    A call that overstays is left to finish in a daemon thread; its answer is
    dropped, so a hung plugin costs the run ``timeout_s`` at most.
    """
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn(*args, **kwargs)
        except Exception as err:
            box["error"] = err

    # the caller's context variables (the run's knowledge layer) go with the call
    ctx = contextvars.copy_context()
    worker = threading.Thread(target=ctx.run, args=(work,), daemon=True, name=f"{agent}-{stage}")
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        msg = f"no answer within {timeout_s:g} s (agents.timeout_s); went on without it"
        log.warning("%s: %s %s", agent, stage, msg)
        return None, AgentIssue(agent=agent, stage=stage, message=msg)
    if "error" in box:
        err = box["error"]
        log.warning("%s: %s failed: %s", agent, stage, err)
        return None, AgentIssue(agent=agent, stage=stage, message=f"{type(err).__name__}: {err}")
    return box["value"], None
