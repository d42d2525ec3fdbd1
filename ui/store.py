"""The reviewers' decisions, kept in one SQLite file in the user data directory.

Nothing a scientist decides may be lost, so the table is append-only: every
accept, reject or edit is a new row, written and committed at once, and "the
decision" on a hypothesis is simply its latest row. The database runs in WAL
mode and every write opens its own short ``BEGIN IMMEDIATE`` transaction with a
generous busy timeout, so two browser tabs (two Streamlit sessions, or two
processes) writing at the same moment wait for each other instead of failing
or overwriting.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from brainweave.agents.models import Hypothesis, Scores
from brainweave.errors import BrainweaveError

log = logging.getLogger(__name__)

DecisionKind = Literal["accept", "reject", "edit"]
DB_NAME = "reviews.sqlite"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    hypothesis_id TEXT NOT NULL,
    statement TEXT NOT NULL,
    scores TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'edit')),
    edited_statement TEXT,
    edited_scores TEXT,
    note TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_run ON decisions (run_id, hypothesis_id, id);
"""


def scores_of(hypothesis: dict[str, Any]) -> Scores:
    """The scores of a hypothesis as a run's record holds it."""
    return Hypothesis.model_validate(hypothesis).scores


class Decision(BaseModel):
    """One reviewer's judgement of one hypothesis of one run."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    run_id: Text
    hypothesis_id: Text
    statement: Text = Field(description="the hypothesis as it was shown")
    scores: Scores
    decision: DecisionKind
    edited_statement: Text | None = None
    edited_scores: Scores | None = None
    note: str = ""
    reviewer: Text
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat())

    def flat(self) -> dict[str, Any]:
        """One flat row (CSV export, tables)."""
        e = self.edited_scores
        return {
            "id": self.id,
            "run_id": self.run_id,
            "hypothesis_id": self.hypothesis_id,
            "statement": self.statement,
            "plausibility": self.scores.plausibility,
            "perplexity": self.scores.perplexity,
            "memorised": self.scores.memorised,
            "decision": self.decision,
            "edited_statement": self.edited_statement,
            "edited_plausibility": e.plausibility if e else None,
            "edited_perplexity": e.perplexity if e else None,
            "note": self.note,
            "reviewer": self.reviewer,
            "created_at": self.created_at,
        }


def reviews_path(home: Path) -> Path:
    return home / DB_NAME


def make_decision(**fields: Any) -> Decision:
    """A :class:`Decision`, or a :class:`BrainweaveError` that says which field is wrong."""
    try:
        return Decision.model_validate(fields)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise BrainweaveError(
            f"the decision is not valid: {where}: {first['msg']}",
            "fill in the reviewer name and the statement; scores are probabilities in [0, 1]",
        ) from None


def run_record(runs_dir: Path, run_id: str) -> Path | None:
    """The provenance record of a run under ``HOME/runs``, or None when there is none
    (ids that are not plain names are never looked up: no path outside runs_dir)."""
    if not RUN_ID.match(run_id) or ".." in run_id:
        return None
    rec = runs_dir / run_id / "provenance.json"
    return rec if rec.is_file() else None


def known_runs(runs_dir: Path) -> set[str]:
    """The ids of the runs that have a record under ``HOME/runs``."""
    if not runs_dir.is_dir():
        return set()
    return {p.parent.name for p in runs_dir.glob("*/provenance.json")}


class ReviewStore:
    """Append-only decisions in SQLite (WAL). Safe to share between threads and
    processes: each call opens its own connection."""

    def __init__(
        self, path: Path, *, runs_dir: Path | None = None, timeout_s: float = 30.0
    ) -> None:
        self.path = path
        # the runs a decision may be about: HOME/runs beside HOME/reviews.sqlite
        self.runs_dir = runs_dir if runs_dir is not None else path.parent / "runs"
        self.timeout_s = timeout_s
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
        except sqlite3.Error as err:
            raise BrainweaveError(
                f"cannot open the review store {path}: {err}",
                "check that the directory is writable, or set BRAINWEAVE_HOME elsewhere",
            ) from err

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
            conn.row_factory = sqlite3.Row
            yield conn
        finally:
            conn.close()

    def check(self, decision: Decision) -> None:
        """Refuse a decision on a run or hypothesis that is not in ``HOME/runs``."""
        if decision.decision == "edit" and not (decision.edited_statement or "").strip():
            raise BrainweaveError("an edit needs the edited statement", "type the new wording")
        rec = run_record(self.runs_dir, decision.run_id)
        if rec is None:
            raise BrainweaveError(
                f"no run {decision.run_id!r} in {self.runs_dir}: a decision must be about a "
                "run of this home",
                "open the run from the History page (or check BRAINWEAVE_HOME)",
            )
        try:
            doc = json.loads(rec.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise BrainweaveError(f"the run record {rec} cannot be read: {err}") from err
        ids = {h.get("id") for h in doc.get("hypotheses") or []}
        if decision.hypothesis_id not in ids:
            raise BrainweaveError(
                f"run {decision.run_id!r} has no hypothesis {decision.hypothesis_id!r}",
                "review a hypothesis shown for that run",
            )

    def record(self, decision: Decision) -> Decision:
        """Write one decision now (committed before this returns); returns it with its id.
        Refused unless its run and hypothesis are in ``HOME/runs``."""
        self.check(decision)
        row = (
            decision.run_id,
            decision.hypothesis_id,
            decision.statement,
            decision.scores.model_dump_json(),
            decision.decision,
            decision.edited_statement,
            decision.edited_scores.model_dump_json() if decision.edited_scores else None,
            decision.note,
            decision.reviewer,
            decision.created_at,
        )
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                cur = conn.execute(
                    "INSERT INTO decisions (run_id, hypothesis_id, statement, scores, decision, "
                    "edited_statement, edited_scores, note, reviewer, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        log.info(
            "decision %s on %s/%s by %s",
            decision.decision,
            decision.run_id,
            decision.hypothesis_id,
            decision.reviewer,
        )
        return decision.model_copy(update={"id": cur.lastrowid})

    def history(self, run_id: str | None = None) -> list[Decision]:
        """Every decision, oldest first (of one run, or of all)."""
        sql = "SELECT * FROM decisions"
        args: tuple[Any, ...] = ()
        if run_id is not None:
            sql += " WHERE run_id = ?"
            args = (run_id,)
        with self._connect() as conn:
            rows = conn.execute(sql + " ORDER BY id", args).fetchall()
        out = []
        for r in rows:
            try:
                out.append(_decision(r))
            except (ValidationError, ValueError) as err:  # written before validation existed
                log.warning("skipping decision %s in %s: %s", r["id"], self.path, err)
        return out

    def latest(self, run_id: str | None = None) -> dict[tuple[str, str], Decision]:
        """The latest decision per (run id, hypothesis id)."""
        out: dict[tuple[str, str], Decision] = {}
        for d in self.history(run_id):
            out[(d.run_id, d.hypothesis_id)] = d
        return out

    def counts(self) -> dict[str, int]:
        """Decisions per run (all rows, history included)."""
        with self._connect() as conn:
            rows = conn.execute("SELECT run_id, COUNT(*) FROM decisions GROUP BY run_id")
            return {r[0]: r[1] for r in rows.fetchall()}


def _decision(row: sqlite3.Row) -> Decision:
    d = dict(row)
    d["scores"] = Scores.model_validate(json.loads(d["scores"]))
    if d["edited_scores"]:
        d["edited_scores"] = Scores.model_validate(json.loads(d["edited_scores"]))
    return Decision.model_validate(d)
