"""One run, as every executor's worker does it (in-process, a local process, a Ray actor).

A worker only computes: it returns the outcome to the parent, which alone writes
the results (see :mod:`brainweave.sweeps.results`). Models are loaded once per
worker process: ``ask`` uses the process's
:class:`~brainweave.graphs.services.Services` (embedder, indexes, scorer, LLM).

Each run's LangGraph checkpoint thread is the run id. A run that was interrupted
(or failed) and is run again would otherwise *continue* that thread, merging the
old state into the new one (findings and messages counted twice), so the thread
is deleted before the run starts: every attempt starts clean.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import traceback
from typing import Any

from brainweave.settings import Settings
from brainweave.sweeps.spec import RunTask

log = logging.getLogger(__name__)

_THREADS: int | None = None  # this worker's share of the cores, set by init_worker


def init_worker(threads: int | None = None, ignore_sigint: bool = True) -> None:
    """Set up a local worker process: the parent handles Ctrl-C (and stops the
    workers), the cores are shared out between workers, and a worker whose parent
    died (kill -9) exits instead of lingering."""
    global _THREADS
    if ignore_sigint:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _exit_with_parent()
    _THREADS = threads
    if threads:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, str(threads))
        try:
            import torch

            torch.set_num_threads(threads)
        except ImportError:
            pass


def _exit_with_parent(every_s: float = 1.0) -> None:
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(every_s)
            if os.getppid() != parent:  # re-parented: the sweep process is gone
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def worker_settings(task: RunTask) -> Settings:
    """The run's settings, with this worker's share of the cores where they say nothing
    (thread counts are machine-local: they are not part of the run id)."""
    s = task.to_settings()
    if _THREADS:
        if s.scorer.threads is None:
            s.scorer.threads = _THREADS
        if s.llm.threads is None:
            s.llm.threads = _THREADS
    return s


def run_task(task: RunTask) -> dict[str, Any]:
    """Run one (question, setting); the outcome as a dict, never an exception."""
    from brainweave.graphs.run import ask

    start = time.perf_counter()
    where = f"{socket.gethostname()}:{os.getpid()}"
    try:
        # a run that failed or was cut off before is started again under its id
        result = ask(
            task.question, settings=worker_settings(task), run_id=task.run_id, replace=True
        )
        return {
            "run_id": task.run_id,
            "status": "ok",
            "seconds": round(time.perf_counter() - start, 3),
            "worker": where,
            "result": result.to_json(),
        }
    except Exception as err:  # recorded with the run; the sweep goes on
        log.info("run %s failed: %s", task.run_id, err)
        return {
            "run_id": task.run_id,
            "status": "failed",
            "seconds": round(time.perf_counter() - start, 3),
            "worker": where,
            "error": f"{type(err).__name__}: {err}",
            "traceback": traceback.format_exc(limit=20),
        }
