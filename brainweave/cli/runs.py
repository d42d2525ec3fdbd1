"""`brainweave runs ...`: list past runs (finished and interrupted), resume one.

Finished runs are read from their records, ``HOME/runs/<run id>/provenance.json``;
interrupted ones (killed, Ctrl-C'd) from LangGraph's checkpoints in
``HOME/runs/checkpoints.sqlite``, where every run leaves its state after each
step. A run is finished exactly when its record exists.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from brainweave.cli import output
from brainweave.cli.common import Command, examples, settings_from
from brainweave.errors import BrainweaveError

log = logging.getLogger(__name__)

app = typer.Typer(
    help="List past runs; resume an interrupted one.", no_args_is_help=True, rich_markup_mode=None
)


@dataclass
class RunRow:
    run_id: str
    question: str
    started: str | None
    state: str  # "finished" or "interrupted"
    hypotheses: int


def runs_root(home: Path) -> Path:
    return home / "runs"


def list_runs(home: Path) -> list[RunRow]:
    """Every run under ``home``, newest first."""
    rows: dict[str, RunRow] = {}
    for run_id, values, started in _checkpointed(runs_root(home) / "checkpoints.sqlite"):
        rows[run_id] = RunRow(
            run_id=run_id,
            question=str(values.get("question") or ""),
            started=started,
            state="interrupted",
            hypotheses=len(values.get("hypotheses") or []),
        )
    root = runs_root(home)
    for rec in sorted(root.glob("*/provenance.json")) if root.is_dir() else []:
        try:
            doc = json.loads(rec.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            log.warning("skipping unreadable run record %s: %s", rec, err)
            continue
        run_id = str(doc.get("run_id") or rec.parent.name)
        rows[run_id] = RunRow(
            run_id=run_id,
            question=str(doc.get("question") or ""),
            started=(doc.get("provenance") or {}).get("started_at")
            or getattr(rows.get(run_id), "started", None),
            state="finished",
            hypotheses=len(doc.get("hypotheses") or []),
        )
    return sorted(rows.values(), key=lambda r: (r.started or "", r.run_id), reverse=True)


def _checkpointed(path: Path) -> list[tuple[str, dict[str, Any], str | None]]:
    """(run id, latest state, time of the first checkpoint) of each checkpointed run."""
    if not path.is_file():
        return []
    import sqlite3

    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
    from langgraph.checkpoint.sqlite import SqliteSaver

    from brainweave.graphs.graph import CHECKPOINT_TYPES

    # read-only, restoring the state's own types as the graph's checkpointer does
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    saver = SqliteSaver(con, serde=JsonPlusSerializer(allowed_msgpack_modules=CHECKPOINT_TYPES))
    try:
        latest: dict[str, dict[str, Any]] = {}
        first: dict[str, str | None] = {}
        # newest checkpoint first (checkpoint ids are time-ordered)
        for tup in saver.list(None):
            thread = tup.config["configurable"]["thread_id"]
            if thread not in latest:
                latest[thread] = dict(tup.checkpoint.get("channel_values") or {})
            first[thread] = tup.checkpoint.get("ts")
    except sqlite3.Error as err:
        raise BrainweaveError(
            f"cannot read the run checkpoints in {path}: {err}",
            "the finished runs' records are in its folder; move the file away to start afresh",
        ) from err
    finally:
        con.close()
    return [(t, latest[t], first.get(t)) for t in latest]


@app.command("list", epilog=examples("brainweave runs list", "brainweave runs list --json"))
def list_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Past runs, newest first: id, question, start, finished or interrupted, hypotheses."""
    settings = settings_from(ctx)
    rows = list_runs(settings.home)
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in rows], indent=2))
        return
    if not rows:
        typer.echo(f"no runs yet in {runs_root(settings.home)}: ask a question first")
        return
    output.table(
        ["run", "question", "started", "state", "hypotheses"],
        [[r.run_id, r.question, (r.started or "")[:19], r.state, str(r.hypotheses)] for r in rows],
        title=f"runs in {runs_root(settings.home)}",
    )
    interrupted = [r for r in rows if r.state == "interrupted"]
    if interrupted:
        last = interrupted[0].run_id
        output.hint(f"finish an interrupted run with `brainweave runs resume {last}`")


@app.command(
    "resume",
    cls=Command,
    epilog=examples(
        "brainweave runs list", "brainweave runs resume 20261201-101500-1a2b3c --json run.json"
    ),
)
def resume(
    ctx: typer.Context,
    run_id: Annotated[
        str, typer.Argument(help="a run id from `brainweave runs list`", metavar="RUN_ID")
    ],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="write the full result as JSON to this file")
    ] = None,
    top: Annotated[int, typer.Option(help="hypotheses to print", min=0)] = 5,
) -> None:
    """Finish an interrupted run from its last checkpoint (a finished run is shown as it is)."""
    from brainweave.cli.ask import check_json_out, show_result
    from brainweave.graphs.run import resume as run_resume

    settings = settings_from(ctx)
    check_json_out(json_out)
    known = {r.run_id: r for r in list_runs(settings.home)}
    if run_id not in known:
        raise BrainweaveError(
            f"no run {run_id!r} in {runs_root(settings.home)}",
            "`brainweave runs list` shows the runs there",
        )
    if known[run_id].state == "finished":
        output.note(f"run {run_id} is finished; showing its result")
    else:
        output.note(f"run {run_id}: resuming from its last checkpoint")
    with output.stages(f"run {run_id}") as on_update:
        # the run's own settings are used; ours only say where it lives
        result = run_resume(run_id, home=settings.home, on_update=on_update)
    show_result(result, top=top, json_out=json_out)
