"""One run, as every executor's worker does it (in-process, a local process, a Ray actor).

A worker only computes: it returns the outcome to the parent, which alone writes
the results (see :mod:`brainweave.sweeps.results`). Models are loaded once per
worker process: ``ask`` caches the embedder and scorer through
``brainweave.graphs.run.shared`` and llama.cpp models per process.

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
import time
import traceback
from typing import Any

from brainweave.sweeps.spec import RunTask

log = logging.getLogger(__name__)


def init_worker(threads: int | None = None, ignore_sigint: bool = True) -> None:
    """Set up a worker process: the parent handles Ctrl-C (and stops the workers),
    and the cores are shared out between workers."""
    if ignore_sigint:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if threads:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, str(threads))
        try:
            import torch

            torch.set_num_threads(threads)
        except ImportError:
            pass


def _clear_checkpoint(task: RunTask) -> None:
    from brainweave.graphs.graph import sqlite_checkpointer
    from brainweave.graphs.run import runs_dir

    path = runs_dir(task.to_settings()) / "checkpoints.sqlite"
    if not path.exists():
        return
    cp = sqlite_checkpointer(path)
    try:
        cp.delete_thread(task.run_id)
    finally:
        cp.conn.close()


def run_task(task: RunTask) -> dict[str, Any]:
    """Run one (question, setting); the outcome as a dict, never an exception."""
    from brainweave.graphs.run import ask

    start = time.perf_counter()
    where = f"{socket.gethostname()}:{os.getpid()}"
    try:
        _clear_checkpoint(task)
        result = ask(task.question, settings=task.to_settings(), run_id=task.run_id)
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
