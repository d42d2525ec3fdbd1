"""Where the app finds BrainBench results: ``HOME/bench/<model>.json`` and ``.png``.

``brainweave bench brainbench`` keeps a copy of every evaluation there (besides
any ``--json`` it was given), so the app's BrainBench page can show the latest
result for a chosen model without being told where the files went.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

TESTCASES = Path("brainbench") / "BrainBench_Human_v0.1.csv"  # under the data directory


def command(data_dir: Path, model: str) -> str:
    """The evaluation command, with the absolute path of the test cases (it runs from
    any directory)."""
    cases = (Path(data_dir).expanduser() / TESTCASES).resolve()
    return (
        f"brainweave bench brainbench --testcases {shlex.quote(str(cases))} "
        f"--model {shlex.quote(model)}"
    )


def wilson(correct: float, n: int, z: float = 1.959964) -> tuple[float, float] | None:
    """The 95% Wilson score interval of a proportion (``correct`` of ``n``)."""
    if n <= 0:
        return None
    p = correct / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


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
