"""Runs a sweep on Ray: one actor per worker, each holding its loaded models.

``address`` connects to a running cluster (``ray://host:10001``, ``host:6379``
or ``auto``); without one a private local Ray instance is started for the sweep
(``address="local"``: never someone else's Ray on the same machine) and shut down
at the end. A Ray already initialised by the caller (a notebook) is used as is.

Each actor is a long-lived worker process: ``ask`` caches the embedder, scorer and
llama.cpp model per process, so models load once per actor. Actors reserve
``threads`` CPUs each (the cluster's CPUs shared out between ``workers`` actors)
and set torch to that many threads. One run is in flight per actor; results come
back with ``ray.wait`` as they finish and the driver alone writes them. An actor
that dies (node lost, out of memory) gets its run reported failed and a fresh
actor replaces it.

On a cluster, every node needs brainweave installed and the indexes at the paths
in the settings (a shared filesystem), as for any Ray job.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from brainweave.errors import ConfigError
from brainweave.sweeps.executors import Outcome
from brainweave.sweeps.spec import RunTask

log = logging.getLogger(__name__)


def _ray() -> Any:
    try:
        import ray
    except ImportError as err:
        raise ConfigError(
            "--executor ray needs the package ray",
            "pip install 'brainweave[ray]' (or pip install ray)",
        ) from err
    return ray


class _SweepActor:
    """A worker that keeps its models between runs (becomes a Ray actor)."""

    def __init__(self, threads: int) -> None:
        from brainweave.sweeps.worker import init_worker

        init_worker(threads, ignore_sigint=False)  # Ray owns the signals of its workers

    def run(self, task: RunTask) -> dict[str, Any]:
        from brainweave.sweeps.worker import run_task

        return run_task(task)


class RayExecutor:
    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        self.ray = _ray()
        self.address = address
        self.requested = workers
        self.workers = workers or 0
        self._started = False
        self._actors: list[Any] = []

    def _connect(self) -> None:
        ray = self.ray
        if ray.is_initialized():
            return
        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "logging_level": logging.WARNING,
        }
        if self.address:
            ray.init(address=self.address, **kwargs)
        else:
            ray.init(address="local", num_cpus=self.requested, **kwargs)
            self._started = True

    def _new_actor(self, threads: int) -> Any:
        cls = self.ray.remote(num_cpus=threads)(_SweepActor)
        return cls.remote(threads)

    def run(self, tasks: list[RunTask]) -> Iterator[Outcome]:
        ray = self.ray
        from ray.exceptions import RayActorError, RayError

        self._connect()
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = self.requested or max(1, cpus)
        threads = max(1, cpus // self.workers)
        log.info("ray: %d actors x %d CPUs (cluster: %d CPUs)", self.workers, threads, cpus)
        self._actors = [self._new_actor(threads) for _ in range(min(self.workers, len(tasks)))]
        idle = list(self._actors)
        queue = list(reversed(tasks))
        inflight: dict[Any, tuple[Any, RunTask]] = {}
        while queue or inflight:
            while queue and idle:
                actor, task = idle.pop(), queue.pop()
                inflight[actor.run.remote(task)] = (actor, task)
            ready, _ = ray.wait(list(inflight), num_returns=1)
            for ref in ready:
                actor, task = inflight.pop(ref)
                try:
                    outcome = ray.get(ref)
                    idle.append(actor)
                except RayActorError as err:
                    log.warning("a Ray actor died (%s); starting another", err)
                    outcome = _failed(task, f"Ray worker died: {err}")
                    fresh = self._new_actor(threads)
                    self._actors = [a for a in self._actors if a is not actor] + [fresh]
                    idle.append(fresh)
                except RayError as err:
                    outcome = _failed(task, f"{type(err).__name__}: {err}")
                    idle.append(actor)
                yield task, outcome

    def close(self) -> None:
        ray = self.ray
        if ray.is_initialized():
            for actor in self._actors:
                try:
                    ray.kill(actor)
                except Exception as err:  # already gone
                    log.debug("ray.kill: %s", err)
        self._actors = []
        if self._started:
            ray.shutdown()
            self._started = False


def _failed(task: RunTask, error: str) -> dict[str, Any]:
    return {"run_id": task.run_id, "status": "failed", "error": error, "traceback": None}
