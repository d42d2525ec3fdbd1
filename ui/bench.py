"""Where the app finds BrainBench results: ``HOME/bench/<model>.json`` and ``.png``.

``brainweave bench brainbench`` keeps a copy of every evaluation there (besides
any ``--json`` it was given), so the app's BrainBench page can show the latest
result for a chosen model without being told where the files went.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

COMMAND = (
    "brainweave bench brainbench --testcases "
    "../shared/data/brainbench/BrainBench_Human_v0.1.csv --model {model}"
)


class BenchRecord(BaseModel):
    """One kept evaluation: its summary and where its files are."""

    model_config = ConfigDict(extra="forbid")

    model: str
    n: int
    accuracy: float
    ties: int
    per_section: dict[str, float]
    json_path: str
    png_path: str | None
    modified: float


def bench_dir(home: Path) -> Path:
    return home / "bench"


def slug(model: str) -> str:
    """A file name for a model alias, hub id or path."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("_.") or "model"


def paths_for(home: Path, model: str) -> tuple[Path, Path]:
    base = bench_dir(home) / slug(model)
    return base.with_suffix(".json"), base.with_suffix(".png")


def list_results(home: Path) -> list[BenchRecord]:
    """Every kept evaluation, newest first; files that are not results are skipped."""
    out = []
    d = bench_dir(home)
    if not d.is_dir():
        return []
    for js in d.glob("*.json"):
        try:
            doc: dict[str, Any] = json.loads(js.read_text(encoding="utf-8"))
            png = js.with_suffix(".png")
            out.append(
                BenchRecord(
                    model=doc["model"],
                    n=doc["n"],
                    accuracy=doc["accuracy"],
                    ties=doc.get("ties", 0),
                    per_section=doc.get("per_section", {}),
                    json_path=str(js),
                    png_path=str(png) if png.is_file() else None,
                    modified=js.stat().st_mtime,
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(out, key=lambda r: r.modified, reverse=True)


def latest_for(home: Path, model: str) -> BenchRecord | None:
    for rec in list_results(home):
        if rec.model == model or slug(rec.model) == slug(model):
            return rec
    return None
