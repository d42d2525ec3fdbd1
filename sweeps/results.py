"""The results of a sweep in its output directory, written so that a sweep can be
killed at any instant (Ctrl-C, kill -9, a crash, a full disk) and rerun.

Layout of ``DIR``:

- ``runs.jsonl``: one line per *completed* run: the ``ask`` JSON (run_id, question,
  findings, messages, hypotheses, provenance) plus ``status`` ("ok"), ``setting``,
  ``setting_id``, ``seconds``, ``worker`` and ``finished_at``. This file is the
  record of what is done: a run is complete exactly when its line is here.
- ``failures.jsonl``: one line per failed *attempt* (run id, setting, error,
  traceback). A failed run is not complete, so a rerun tries it again; its
  success then goes to ``runs.jsonl`` and the old failure lines stay as history.
- ``provenance/<run id>.json``: each completed run's provenance record.
- ``hypotheses.parquet``: one row per hypothesis of every completed run, derived
  from ``runs.jsonl`` and rewritten as runs finish (at most every few seconds) and
  at the end.
- ``sweep.json`` (the spec and its run ids), ``summary.json``, ``summary.md``,
  ``plausibility.png``: see :mod:`brainweave.sweeps.summary`.

How exactly-once holds:

- Only the parent process writes; workers return outcomes to it.
- A run's files are written in order: provenance (temporary file, fsync, atomic
  ``os.replace``), then its ``runs.jsonl`` line as a single ``write`` on an
  ``O_APPEND`` descriptor followed by ``fsync``. The line is the commit point: a
  kill before it leaves no line (the run is redone and its provenance file
  replaced), after it the run is done.
- A kill -9 or power loss in the middle of the write can leave a torn last line
  (no trailing newline). Opening the store cuts it off before anything else reads
  or appends, so readers of a finished or resumed sweep never see a partial line.
  (A reader tailing the file *during* a sweep should ignore a last line without a
  newline.) A write that fails part-way (disk full) is cut back at once, and the
  sweep stops with an error: rerun once there is space.
- On start the completed run ids are read from ``runs.jsonl`` and skipped, so no
  run is written twice. ``hypotheses.parquet`` is always replaced whole (temporary
  file + ``os.replace``), so it is never half-written either.

A changed spec with the same ``DIR``: runs are keyed by content, so pairs already
done are kept and skipped, new pairs run, and runs of the old spec that the new
one no longer names stay in ``runs.jsonl``/``hypotheses.parquet`` (filter on
``setting_id``/``question``); the summary covers the current spec's runs.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from brainweave.agents.models import Hypothesis, Scores
from brainweave.errors import BrainweaveError
from brainweave.io import write_atomic
from brainweave.sweeps.spec import RunTask

log = logging.getLogger(__name__)

RUNS = "runs.jsonl"
FAILURES = "failures.jsonl"
PROVENANCE = "provenance"
HYPOTHESES = "hypotheses.parquet"

# a setting's grid keys, as columns of the hypotheses table and of the runs table
SETTING_COLUMNS = ("profile", "agents", "rounds", "k", "generator", "scorer_model", "seed")

HYPOTHESIS_COLUMNS = (
    "run_id",
    "question",
    "setting_id",
    "setting",
    *SETTING_COLUMNS,
    "hypothesis_id",
    "rank",
    "statement",
    "domains",
    "domain_pair",
    "bridge",
    *Scores.COLUMNS,
    "phrased_by",
    "finding_ids",
    "passage_ids",
)


class SweepWriteError(BrainweaveError):
    """The output directory could not be written (full disk, permissions)."""


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=str)


def recover_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSONL file, after cutting off a torn (unterminated) last line.

    A line in the middle that does not parse (which this writer never leaves) is
    skipped with a warning.
    """
    if not path.exists():
        return []
    raw = path.read_bytes()
    end = raw.rfind(b"\n") + 1
    if end < len(raw):
        log.warning(
            "%s: cutting off a torn last line (%d bytes) left by an interrupted write",
            path,
            len(raw) - end,
        )
        with open(path, "r+b") as fh:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())
    records = []
    for n, line in enumerate(raw[:end].splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            log.warning("%s line %d is not JSON; ignored", path, n)
            continue
        if isinstance(rec, dict) and rec.get("run_id"):
            records.append(rec)
    return records


class JsonlAppender:
    """Appends whole lines: one write, then fsync; a failed write is cut back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, record: dict[str, Any]) -> None:
        data = (_dumps(record) + "\n").encode("utf-8")
        size = os.fstat(self.fd).st_size
        try:
            view = memoryview(data)
            while view:
                written = os.write(self.fd, view)
                view = view[written:]
            os.fsync(self.fd)
        except OSError as err:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, size)
                os.fsync(self.fd)
            full = err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
            raise SweepWriteError(
                f"could not write to {self.path}: {err.strerror or err}",
                ("free some disk space, then " if full else "")
                + "rerun the same command: completed runs are kept and skipped",
            ) from err

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def hypothesis_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per hypothesis of a completed run's record."""
    from brainweave.sweeps.spec import setting_label

    setting = record.get("setting") or {}
    rows = []
    for h in record.get("hypotheses", []):
        hyp = Hypothesis.model_validate(h)
        domains = list(hyp.domains)
        rows.append(
            {
                "run_id": record["run_id"],
                "question": record.get("question"),
                "setting_id": record.get("setting_id"),
                "setting": setting_label(setting),
                "profile": setting.get("profile"),
                "agents": setting.get("agents"),
                "rounds": setting.get("rounds"),
                "k": setting.get("k"),
                "generator": setting.get("generator"),
                "scorer_model": setting.get("scorer"),
                "seed": setting.get("seed"),
                "hypothesis_id": hyp.id,
                "rank": hyp.rank,
                "statement": hyp.statement,
                "domains": domains,
                "domain_pair": "+".join(sorted(domains)),
                "bridge": list(hyp.bridge),
                **hyp.scores.columns(),
                "phrased_by": hyp.phrased_by,
                "finding_ids": list(hyp.finding_ids),
                "passage_ids": list(hyp.passage_ids),
            }
        )
    return rows


def _schema() -> Any:
    import pyarrow as pa

    strings = pa.list_(pa.string())
    types = {
        "rounds": pa.int64(),
        "k": pa.int64(),
        "seed": pa.int64(),
        "rank": pa.int64(),
        "plausibility": pa.float64(),
        "p_vs_all": pa.float64(),
        "perplexity": pa.float64(),
        "scorable": pa.bool_(),
        "memorised": pa.bool_(),
        "n_counterfactuals": pa.int64(),
        "domains": strings,
        "bridge": strings,
        "finding_ids": strings,
        "passage_ids": strings,
    }
    return pa.schema([(c, types.get(c, pa.string())) for c in HYPOTHESIS_COLUMNS])


def write_parquet(path: Path, rows: list[dict[str, Any]]) -> None:
    """The hypotheses table, replaced whole."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=_schema())
    buf = io.BytesIO()
    pq.write_table(table, buf)
    write_atomic(path, buf.getvalue())


class ResultStore:
    """A sweep's output directory, opened for one sweep (one writer at a time)."""

    def __init__(self, out: Path, parquet_every_s: float = 5.0) -> None:
        self.out = Path(out)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / PROVENANCE).mkdir(exist_ok=True)
        except OSError as err:
            raise SweepWriteError(f"cannot create {self.out}: {err}") from err
        self._lock_fd = self._lock()
        for stale in self.out.rglob(".*.tmp"):  # temporaries of an interrupted replace
            stale.unlink(missing_ok=True)
        self.done: dict[str, dict[str, Any]] = {}
        for rec in recover_jsonl(self.out / RUNS):
            if rec["run_id"] in self.done:
                log.warning("run %s appears twice in %s; the first is kept", rec["run_id"], RUNS)
                continue
            self.done[rec["run_id"]] = rec
        self.failures = recover_jsonl(self.out / FAILURES)
        self.rows: list[dict[str, Any]] = [
            r for rec in self.done.values() for r in hypothesis_rows(rec)
        ]
        self._runs = JsonlAppender(self.out / RUNS)
        self._failures = JsonlAppender(self.out / FAILURES)
        self.parquet_every_s = parquet_every_s
        self._parquet_at = 0.0
        self._parquet_dirty = not (self.out / HYPOTHESES).exists()

    def _lock(self) -> int:
        """An exclusive lock on DIR: two sweeps writing one directory would race."""
        import fcntl

        fd = os.open(self.out / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise BrainweaveError(
                f"another sweep is writing to {self.out}",
                "wait for it to finish, or give this sweep another --out",
            ) from None
        return fd

    def is_done(self, run_id: str) -> bool:
        return run_id in self.done

    def record(self, task: RunTask, outcome: dict[str, Any]) -> dict[str, Any]:
        """Write one outcome (provenance, then the committing line). Returns the record."""
        base = {
            "run_id": task.run_id,
            "status": outcome["status"],
            "question": task.question,
            "setting": task.setting,
            "setting_id": task.setting_id,
            "seconds": outcome.get("seconds"),
            "worker": outcome.get("worker"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if outcome["status"] != "ok":
            rec = {**base, "error": outcome.get("error"), "traceback": outcome.get("traceback")}
            self._failures.append(rec)
            self.failures.append(rec)
            return rec
        result = dict(outcome["result"])
        result.pop("run_id", None)
        result.pop("question", None)
        rec = {**base, **result}
        prov = self.out / PROVENANCE / f"{task.run_id}.json"
        try:
            write_atomic(
                prov,
                json.dumps(result.get("provenance", {}), indent=1, default=str).encode("utf-8"),
            )
        except OSError as err:
            raise SweepWriteError(
                f"could not write {prov}: {err.strerror or err}",
                "free some disk space, then rerun the same command: completed runs are kept",
            ) from err
        self._runs.append(rec)
        self.done[task.run_id] = rec
        self.rows.extend(hypothesis_rows(rec))
        self._parquet_dirty = True
        self.flush_parquet(force=False)
        return rec

    def flush_parquet(self, force: bool = True) -> None:
        """Rewrite hypotheses.parquet if runs finished since (throttled unless forced)."""
        if not self._parquet_dirty:
            return
        now = time.monotonic()
        if not force and now - self._parquet_at < self.parquet_every_s:
            return
        try:
            write_parquet(self.out / HYPOTHESES, self.rows)
        except OSError as err:
            raise SweepWriteError(
                f"could not write {self.out / HYPOTHESES}: {err.strerror or err}",
                "free some disk space, then rerun: the table is rebuilt from runs.jsonl",
            ) from err
        self._parquet_at = now
        self._parquet_dirty = False

    def close(self) -> None:
        self._runs.close()
        self._failures.close()
        with contextlib.suppress(OSError):
            os.close(self._lock_fd)

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_runs(out: Path) -> Iterator[dict[str, Any]]:
    """The completed runs of a sweep directory (read-only; a torn last line is skipped)."""
    path = Path(out) / RUNS
    if not path.exists():
        return
    with open(path, "rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                break
            with contextlib.suppress(json.JSONDecodeError):
                yield json.loads(line)
