"""Stage progress and an ETA for a running question, from the stage times past
runs measured (``timings_s`` and ``wall_s`` in their provenance records).

The stages, in order: getting ready (loading models and indexes, planning), the
agents' retrieval and findings, the exchange rounds, synthesis, scoring. Each
expected duration is the median over the past runs in this home; with no past
run there is no ETA, and the page says so instead of guessing.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

STAGES = ["agents", "exchange", "synthesis", "scoring"]
LABELS = {
    "start": "loading models and indexes",
    "agents": "agents retrieving and writing findings",
    "exchange": "agents exchanging findings",
    "synthesis": "synthesising cross-domain hypotheses",
    "scoring": "scoring hypotheses against counterfactuals",
    "done": "done",
}
MAX_RUNS = 30  # the newest records read for the medians


class Expected(BaseModel):
    """Median seconds per stage over ``n`` past runs."""

    model_config = ConfigDict(extra="forbid")

    n: int
    seconds: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


class Progress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: str
    label: str
    fraction: float  # 0..1
    eta_s: float | None  # None: no past run to estimate from
    elapsed_s: float


def stage_seconds(record: dict[str, Any]) -> dict[str, float] | None:
    """One past run's seconds per stage (agents: the wall time not in the other stages)."""
    prov = record.get("provenance") or {}
    t = prov.get("timings_s") or {}
    wall = prov.get("wall_s")
    if not isinstance(wall, int | float) or wall <= 0:
        return None
    exch = sum(float(v) for k, v in t.items() if k.startswith("exchange"))
    synth = float(t.get("synthesis", 0.0))
    scoring = float(t.get("scoring", 0.0))
    agents = max(0.0, float(wall) - exch - synth - scoring)
    return {"agents": agents, "exchange": exch, "synthesis": synth, "scoring": scoring}


def expected(records: Iterable[dict[str, Any]]) -> Expected | None:
    per: dict[str, list[float]] = {s: [] for s in STAGES}
    n = 0
    for rec in records:
        secs = stage_seconds(rec)
        if secs is None:
            continue
        n += 1
        for k, v in secs.items():
            per[k].append(v)
    if n == 0:
        return None
    return Expected(n=n, seconds={k: statistics.median(v) for k, v in per.items()})


def expected_in(runs_root: Path, limit: int = MAX_RUNS) -> Expected | None:
    """The medians over the newest ``limit`` records under ``HOME/runs``."""
    if not runs_root.is_dir():
        return None
    recs = sorted(runs_root.glob("*/provenance.json"), key=lambda p: p.stat().st_mtime)
    docs = []
    for path in recs[-limit:]:
        try:
            docs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return expected(docs)


def current_stage(nodes: Sequence[str]) -> str:
    """The stage a run is in, from the graph steps that have ended so far."""
    if "rank" in nodes:
        return "done"
    if "score" in nodes:
        return "done"
    if "synthesise" in nodes:
        return "scoring"
    if "exchange" in nodes:
        # an exchange step ends each round; the last one hands over to synthesis
        return "exchange"
    if "agent" in nodes:
        return "agents"
    if "plan" in nodes:
        return "agents"
    return "start"


def progress(nodes: Sequence[str], started: float, now: float, exp: Expected | None) -> Progress:
    """Where the run is and, from the expected stage times, how long is left."""
    stage = current_stage(nodes)
    elapsed = max(0.0, now - started)
    if stage == "done":
        return Progress(
            stage=stage, label=LABELS[stage], fraction=1.0, eta_s=0.0, elapsed_s=elapsed
        )
    if exp is None or exp.total <= 0:
        rough = {"start": 0.0, "agents": 0.15, "exchange": 0.5, "synthesis": 0.7, "scoring": 0.8}
        return Progress(
            stage=stage, label=LABELS[stage], fraction=rough[stage], eta_s=None, elapsed_s=elapsed
        )
    secs = exp.seconds
    order = ["agents", "exchange", "synthesis", "scoring"]
    i = 0 if stage == "start" else order.index(stage)
    before = sum(secs[s] for s in order[:i])
    remaining_after = sum(secs[s] for s in order[i + 1 :])
    in_stage = max(0.0, elapsed - before)
    left_here = max(secs[order[i]] - in_stage, 0.0)
    eta = left_here + remaining_after
    frac = min(0.99, elapsed / (elapsed + eta)) if elapsed + eta > 0 else 0.0
    return Progress(stage=stage, label=LABELS[stage], fraction=frac, eta_s=eta, elapsed_s=elapsed)


def first_run_note(settings: Any) -> str | None:
    """What a first run must prepare that later ones will not: the scorer model's
    dequantised copy (a packaged GGUF is dequantised once, then cached)."""
    if settings.scorer.provider == "lexical":
        return None
    try:
        from brainweave.scoring.models import ALIASES, alias_status, resolve_cache_dir
    except ImportError:  # the resolver moved: no note rather than a wrong one
        return None
    alias = ALIASES.get(settings.scorer.model)
    if alias is None:
        return None
    try:
        status = alias_status(alias, resolve_cache_dir(settings.scorer.cache_dir))
    except Exception:  # a status probe must never stop a run
        return None
    if status.get("cached") or not status.get("installed"):
        return None
    return (
        f"First run with {alias.name}: the scorer model is dequantised once "
        "(tens of seconds on a CPU) and cached for every later run."
    )
