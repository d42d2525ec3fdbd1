"""The provenance record of a run: everything a reader needs to see how it came about,
kept in ``HOME/runs/<run id>/provenance.json`` (the same document ``ask --json``
writes and ``RunResult.to_json`` returns)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from brainweave import __version__
from brainweave.errors import BrainweaveError
from brainweave.graphs.context import RunContext
from brainweave.graphs.state import RunState
from brainweave.io import write_atomic
from brainweave.settings import Settings

# the text too: a card quotes the passage the run read, whatever the index holds later
PASSAGE_FIELDS = (
    "passage_id",
    "doc_id",
    "domain",
    "source",
    "title",
    "text",
    "url",
    "license",
    "score",
)


def runs_dir(home: Path) -> Path:
    return home / "runs"


def record_path(home: Path, run_id: str) -> Path:
    return runs_dir(home) / run_id / "provenance.json"


def read_record(home: Path, run_id: str) -> dict[str, Any] | None:
    """A finished run's record, or None when it has none (yet)."""
    path = record_path(home, run_id)
    try:
        doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise BrainweaveError(f"the provenance record {path} cannot be read: {err}") from err
    return doc


def write_record(home: Path, run_id: str, doc: dict[str, Any]) -> Path:
    """Write a run's record whole or not at all (the app and sweeps read records while
    other runs write theirs)."""
    path = record_path(home, run_id)
    write_atomic(path, json.dumps(doc, indent=2, default=str))
    return path


def provenance(
    s: Settings,
    ctx: RunContext,
    registry: Any,
    state: RunState,
    started: datetime,
    wall: float,
    checkpoints: Path,
) -> dict[str, Any]:
    """Everything a reader needs to see how the run came about."""
    from brainweave.graphs import prompts as graph_prompts

    indexes = {}
    store = ctx.retriever.store
    for a in ctx.agents.values():
        st = store.status(a.domain)
        m = st.manifest or {}
        indexes[a.domain] = {
            "state": st.state,
            "count": m.get("count"),
            "built": m.get("built_at") or m.get("build_time"),
            "embedder": m.get("embedder"),
            "sources": [
                {k: src.get(k) for k in ("name", "sha256", "documents")}
                for src in m.get("sources", [])
            ],
        }
    return {
        "brainweave_version": __version__,
        "started_at": started.isoformat(),
        "wall_s": round(wall, 3),
        "settings": s.model_dump(mode="json"),
        "llm": ctx.llm.name,
        "scorer": state.get("scorer"),
        "agents": [
            {"name": a.name, "domain": a.domain, "origin": registry.specs[a.name].origin}
            for a in ctx.agents.values()
            if a.name in registry.specs
        ],
        "answered": state.get("agents", []),
        "indexes": indexes,
        "prompts": {
            **{
                a.name: {"system": a.prompts.system, "findings": a.prompts.findings}
                for a in ctx.agents.values()
            },
            "synthesis": {
                "system": graph_prompts.SYNTH_SYSTEM,
                "hypothesis": graph_prompts.HYPOTHESIS,
            },
        },
        "queries": state.get("queries_run", {}),
        "retrieved": [
            p.model_dump(mode="json", include=set(PASSAGE_FIELDS))
            for p in state.get("passages", {}).values()
        ],
        "rounds": {
            "limit": ctx.rounds,
            "reached": state.get("round"),
            "stop_reason": state.get("stop_reason"),
        },
        "llm_calls": state.get("llm_calls", []),
        "timings_s": {k: round(v, 4) for k, v in state.get("timings", {}).items()},
        "issues": [i.model_dump(mode="json") for i in state.get("issues", [])],
        "dropped": state.get("dropped", {}),
        "checkpoint": {"path": str(checkpoints), "thread_id": state.get("run_id")},
    }
