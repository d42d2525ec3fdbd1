"""Where runs execute: in this process, in local worker processes, or on Ray
(:mod:`brainweave.sweeps.ray_executor`).

Every executor takes the runs still to do and yields ``(task, outcome)`` as runs
finish, in completion order; the parent writes each outcome before asking for the
next. At most ``2 x workers`` runs are in flight, so an interruption or a dead
worker costs only those (they are simply not recorded, and rerun on resume).
``close()`` stops the workers at once (Ctrl-C must not wait for runs that take a
minute each).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from brainweave.sweeps.spec import RunTask
from brainweave.sweeps.worker import init_worker, run_task

log = logging.getLogger(__name__)

Outcome = tuple[RunTask, dict[str, Any]]


class Executor(Protocol):
    name: str
    workers: int

    def run(self, tasks: list[RunTask]) -> Iterator[Outcome]: ...

    def close(self) -> None: ...


def threads_per_worker(workers: int) -> int:
    """The machine's cores shared out between the workers (at least one each)."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


class SerialExecutor:
    """Runs in this process, one after another (models load once, here)."""

    name = "serial"
    workers = 1

    def run(self, tasks: list[RunTask]) -> Iterator[Outcome]:
        for t in tasks:
            yield t, run_task(t)

    def close(self) -> None:
        pass


class LocalExecutor:
    """``workers`` spawned processes, each loading its models once and keeping them.

    Processes are spawned (not forked): torch and llama.cpp do not survive a fork of
    a process that has started their threads. Workers ignore SIGINT; the parent
    catches Ctrl-C and terminates them. A worker that dies (killed, out of memory)
    breaks the pool: the runs it held are reported failed and a new pool carries on.
    """

    name = "local"

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self, tasks: int) -> ProcessPoolExecutor:
        import multiprocessing

        return ProcessPoolExecutor(
            max_workers=max(1, min(self.workers, tasks)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(threads_per_worker(self.workers),),
        )

    def run(self, tasks: list[RunTask]) -> Iterator[Outcome]:
        queue = list(reversed(tasks))
        inflight: dict[Future[dict[str, Any]], RunTask] = {}
        self._pool = self._new_pool(len(queue))
        while queue or inflight:
            while queue and len(inflight) < 2 * self.workers:
                task = queue.pop()
                inflight[self._pool.submit(run_task, task)] = task
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                task = inflight.pop(fut)
                try:
                    yield task, fut.result()
                except BrokenProcessPool as err:
                    broken = True
                    yield task, _died(task, err)
            if broken:
                log.warning("a worker process died; starting a new pool")
                for fut, task in list(inflight.items()):
                    inflight.pop(fut)
                    yield task, _died(task, BrokenProcessPool("the pool broke"))
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool(len(queue))
        self._pool.shutdown(wait=True)
        self._pool = None

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # ProcessPoolExecutor has no public way to stop a running task before 3.14
        # (terminate_workers); these are this executor's own children
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(timeout=5)


def _died(task: RunTask, err: BaseException) -> dict[str, Any]:
    return {
        "run_id": task.run_id,
        "status": "failed",
        "error": f"worker process died: {type(err).__name__}: {err}",
        "traceback": None,
    }


def make_executor(kind: str, workers: int | None, ray_address: str | None = None) -> Executor:
    """``serial`` for one local worker, ``local`` for several, or ``ray``."""
    from brainweave.errors import ConfigError

    if kind == "ray":
        from brainweave.sweeps.ray_executor import RayExecutor

        return RayExecutor(workers=workers, address=ray_address)
    if ray_address:
        raise ConfigError("--ray-address needs --executor ray")
    if kind != "local":
        raise ConfigError(f"unknown executor {kind!r}", "use 'local' or 'ray'")
    n = workers or 1
    if n < 1:
        raise ConfigError(f"--workers must be at least 1, got {n}")
    return SerialExecutor() if n == 1 else LocalExecutor(n)
