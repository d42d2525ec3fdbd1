"""``sweep(spec, out=...)``: expand, check, run what is not done yet, write, summarise.

The same call (or ``brainweave sweep SPEC --out DIR``) after any interruption
finishes the sweep: completed runs are read back from ``DIR`` and skipped (see
:mod:`brainweave.sweeps.results` for why nothing is lost or written twice), and
failed runs are tried again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from brainweave.io import write_atomic
from brainweave.sweeps import outdir
from brainweave.sweeps import summary as summary_mod
from brainweave.sweeps.executors import make_executor
from brainweave.sweeps.results import (
    HYPOTHESIS_COLUMNS,
    SETTING_COLUMNS,
    ResultStore,
    SweepWriteError,
)
from brainweave.sweeps.spec import (
    GRID_KEYS,
    RunTask,
    SweepSpec,
    expand,
    load_spec,
    setting_label,
)
from brainweave.sweeps.validate import preflight

log = logging.getLogger(__name__)

RUN_COLUMNS = (
    "run_id",
    "question",
    "setting",
    "setting_id",
    "status",
    "n_hypotheses",
    "seconds",
    "error",
    *SETTING_COLUMNS,
)


def plan(
    spec: SweepSpec | dict[str, Any] | str | Path,
    *,
    profile: str | None = None,
    config_file: Path | None = None,
) -> list[RunTask]:
    """The sweep's runs, checked: a bad spec fails here, before any run starts."""
    tasks = expand(load_spec(spec), profile=profile, config_file=config_file)
    preflight(tasks)
    return tasks


def sweep(
    spec: SweepSpec | dict[str, Any] | str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    executor: str = "local",
    ray_address: str | None = None,
    progress: bool | Callable[[int, int, str], Any] = True,
    accept: float = summary_mod.ACCEPT,
    profile: str | None = None,
    config_file: Path | None = None,
    force: bool = False,
) -> pd.DataFrame:
    """Run a sweep into ``out`` and return its hypotheses, one row each.

    ``spec`` is a YAML file, a dict or a :class:`SweepSpec`. ``workers`` local
    processes (``executor="local"``; 1 runs in this process) or Ray actors
    (``executor="ray"``, on ``ray_address`` or a local Ray). The returned
    DataFrame has the columns of ``hypotheses.parquet``; ``df.attrs["runs"]`` is
    the per-run table (status, error, hypotheses count) and ``df.attrs["summary"]``
    the summary. Ctrl-C stops the sweep, keeping what finished; call again to go on.

    ``out`` must be new, empty, or a sweep's own directory (see
    :mod:`brainweave.sweeps.outdir`); ``force`` writes into any directory.

    Worker processes are spawned, so a script (not a notebook) that uses
    ``workers > 1`` must call this under ``if __name__ == "__main__":``.
    """
    out = Path(out)
    outdir.check(out, force=force)  # before the (slower) checks of the spec
    parsed = load_spec(spec)
    tasks = plan(parsed, profile=profile, config_file=config_file)
    outdir.claim(out, force=force)
    ex = make_executor(executor, workers, ray_address)
    with ResultStore(out) as store:
        _write_plan(out, parsed, tasks)
        todo = [t for t in tasks if not store.is_done(t.run_id)]
        if len(todo) < len(tasks):
            log.info("%d of %d runs already done in %s", len(tasks) - len(todo), len(tasks), out)
        failed_now = 0
        bar = _bar(len(tasks), len(tasks) - len(todo), progress, ex.name, ex.workers)
        try:
            for task, outcome in ex.run(todo) if todo else ():
                with _ctrl_c_deferred():  # a run's files are written whole or not at all
                    store.record(task, outcome)
                if outcome["status"] != "ok":
                    failed_now += 1
                    log.warning("run %s failed: %s", task.run_id, outcome.get("error"))
                if bar is not None:
                    bar.update(1)
                    if failed_now:
                        bar.set_postfix(failed=failed_now)
        finally:
            ex.close()
            if bar is not None:
                bar.close()
            try:
                store.flush_parquet(force=True)
            except SweepWriteError as err:
                log.error("%s", err)
        hyps, runs = tables(tasks, store)
        summ = summary_mod.summarise(runs, hyps, accept=accept, name=parsed.name)
        labels = _setting_labels(tasks)
        summ["settings"] = labels
        try:
            summary_mod.write(out, summ, hyps, labels)
        except OSError as err:
            raise SweepWriteError(
                f"could not write the summary in {out}: {err}",
                "free some disk space and rerun the same command (nothing is rerun)",
            ) from err
    hyps.attrs["runs"] = runs
    hyps.attrs["summary"] = summ
    hyps.attrs["out"] = str(out)
    return hyps


@contextlib.contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) until the block ends (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _bar(
    total: int,
    initial: int,
    enabled: bool | Callable[[int, int, str], Any],
    name: str,
    workers: int,
) -> Any:
    """tqdm's bar, none, or what ``enabled(total, initial, label)`` makes (the CLI's)."""
    if not enabled:
        return None
    label = f"sweep ({name}, {workers or '?'} worker{'s' if workers != 1 else ''})"
    if callable(enabled):
        return enabled(total, initial, label)
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="run",
        desc=label,
        dynamic_ncols=True,
    )


def _write_plan(out: Path, spec: SweepSpec, tasks: list[RunTask]) -> None:
    doc = {
        "name": spec.name,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "spec": spec.model_dump(mode="json"),
        "runs": [
            {"run_id": t.run_id, "question": t.question, "setting_id": t.setting_id} for t in tasks
        ],
    }
    try:
        write_atomic(out / "sweep.json", json.dumps(doc, indent=1).encode("utf-8"))
    except OSError as err:
        raise SweepWriteError(f"could not write {out / 'sweep.json'}: {err}") from err


def _setting_labels(tasks: list[RunTask]) -> list[str]:
    """The spec's settings in order, as the labels the tables use."""
    return list(dict.fromkeys(setting_label(t.setting) for t in tasks))


def tables(tasks: list[RunTask], store: ResultStore) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(hypotheses, runs) of the spec's runs from what the store holds."""
    wanted = {t.run_id for t in tasks}
    hyps = pd.DataFrame(
        [r for r in store.rows if r["run_id"] in wanted], columns=list(HYPOTHESIS_COLUMNS)
    )
    last_error = {f["run_id"]: f.get("error") for f in store.failures}
    rows = []
    for t in tasks:
        rec = store.done.get(t.run_id)
        status = "ok" if rec else ("failed" if t.run_id in last_error else "pending")
        s = t.setting
        rows.append(
            {
                "run_id": t.run_id,
                "question": t.question,
                "setting": setting_label(s),
                "setting_id": t.setting_id,
                "status": status,
                "n_hypotheses": len(rec.get("hypotheses", [])) if rec else None,
                "seconds": rec.get("seconds") if rec else None,
                "error": None if rec else last_error.get(t.run_id),
                "profile": s.get("profile"),
                **{k if k != "scorer" else "scorer_model": s.get(k) for k in GRID_KEYS},
            }
        )
    return hyps, pd.DataFrame(rows, columns=list(RUN_COLUMNS))


def load_results(out: str | Path) -> pd.DataFrame:
    """The hypotheses table of a sweep directory (every completed run in it)."""
    path = Path(out) / "hypotheses.parquet"
    if not path.exists():
        from brainweave.errors import BrainweaveError

        raise BrainweaveError(f"no hypotheses table in {out}", "run `brainweave sweep` first")
    return pd.read_parquet(path)
