"""Sweep throughput: runs per minute with 1 worker (the baseline), 2 local worker
processes and 2 Ray actors, with the fake LLM (fast profile) and the real defaults.

Run under the shared CPU lock, e.g.::

    flock /tmp/bw-cpu.lock python benchmarks/sweep.py --data ../shared/data \\
        --profile fast
    # the real defaults need indexes (all-MiniLM-L6-v2) in HOME, built once:
    BRAINWEAVE_HOME=/tmp/bw-sweep-home brainweave index build --data ../shared/data --max-docs 300
    flock /tmp/bw-cpu.lock python benchmarks/sweep.py --data ../shared/data \\
        --profile default --home /tmp/bw-sweep-home --questions 4

Scripts that sweep with worker processes need the ``if __name__ == "__main__":``
guard (processes are spawned and import the main module).

Each configuration sweeps the same spec into a fresh output directory; the wall
time runs from the call to ``brainweave.sweep`` to its return, so it includes
starting the workers (and Ray) and loading the models in each of them, as a real
sweep pays them. Every configuration is checked against the baseline's results
(same run ids, hypotheses and plausibilities).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from questions import QUESTIONS  # benchmarks/questions.py, beside this script

import brainweave
from brainweave.retrieval import build_indexes
from brainweave.settings import load_settings

CONFIGS = [("local", 1), ("local", 2), ("ray", 2)]  # the first is the baseline


def compare(a: pd.DataFrame, b: pd.DataFrame) -> tuple[bool, float]:
    """(same runs, hypotheses and statements; the largest plausibility difference).

    Worker processes run torch with fewer threads than one process, which changes
    float summation order: plausibilities can differ in the 8th decimal."""
    key = ["run_id", "hypothesis_id"]
    x = a[[*key, "statement", "plausibility"]].sort_values(key).reset_index(drop=True)
    y = b[[*key, "statement", "plausibility"]].sort_values(key).reset_index(drop=True)
    same = list(a.attrs["runs"]["run_id"]) == list(b.attrs["runs"]["run_id"]) and x[
        [*key, "statement"]
    ].equals(y[[*key, "statement"]])
    if not same:
        return False, float("nan")
    diff = (x["plausibility"] - y["plausibility"]).abs().max()
    return True, float(0.0 if pd.isna(diff) else diff)


def run(profile: str, home: Path, data: Path, questions: int, grid: dict[str, Any]) -> list[dict]:
    spec = {
        "name": f"bench-{profile}",
        "questions": QUESTIONS[:questions],
        "profile": profile,
        "settings": {"home": str(home), "data_dir": str(data)},
        "grid": grid,
    }
    rows: list[dict[str, Any]] = []
    baseline: pd.DataFrame | None = None
    for executor, workers in CONFIGS:
        with tempfile.TemporaryDirectory(prefix="bw-sweep-bench-") as tmp:
            t0 = time.perf_counter()
            hyps = brainweave.sweep(
                spec, out=Path(tmp) / "out", executor=executor, workers=workers, progress=False
            )
            wall = time.perf_counter() - t0
        runs = hyps.attrs["runs"]
        n = len(runs)
        row = {
            "profile": profile,
            "executor": executor,
            "workers": workers,
            "runs": n,
            "failed": int((runs["status"] != "ok").sum()),
            "hypotheses": len(hyps),
            "wall_s": round(wall, 2),
            "runs_per_min": round(n / wall * 60, 2),
            "run_s_p50": round(float(runs["seconds"].median()), 2),
        }
        if baseline is None:
            baseline = hyps
            row["ratio"] = 1.0
            row["same_as_baseline"], row["max_plausibility_diff"] = True, 0.0
        else:
            row["ratio"] = round(row["runs_per_min"] / rows[0]["runs_per_min"], 2)
            row["same_as_baseline"], row["max_plausibility_diff"] = compare(baseline, hyps)
        rows.append(row)
        print(
            f"{profile:8s} {executor:5s} x{workers}: {n} runs in {wall:7.1f} s = "
            f"{row['runs_per_min']:7.2f} runs/min ({row['ratio']:.2f}x the 1-worker baseline); "
            f"run p50 {row['run_s_p50']} s; {row['failed']} failed; "
            f"same hypotheses as baseline: {row['same_as_baseline']} "
            f"(plausibility within {row['max_plausibility_diff']:.1e})",
            flush=True,
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--profile", choices=["fast", "default", "both"], default="both")
    ap.add_argument(
        "--home", type=Path, help="BRAINWEAVE_HOME with the default profile's indexes (built)"
    )
    ap.add_argument("--questions", type=int, default=4, help="questions for the real defaults")
    ap.add_argument("--fast-questions", type=int, default=10, help="questions for the fast profile")
    ap.add_argument("--json", type=Path, help="write the figures to this file")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    data = args.data.resolve()
    rows: list[dict] = []
    print(f"cpus: {os.cpu_count()}, load average before: {os.getloadavg()}", flush=True)
    if args.profile in ("fast", "both"):
        with tempfile.TemporaryDirectory(prefix="bw-sweep-bench-home-") as tmp:
            home = Path(tmp) / "home"
            s = load_settings(
                profile="fast", home=home, data_dir=data, index={"max_docs_per_source": 150}
            )
            build_indexes(s)
            grid = {"rounds": [0, 1, 2], "k": [3, 5, 8]}
            rows += run("fast", home, data, args.fast_questions, grid)
    if args.profile in ("default", "both"):
        if args.home is None:
            ap.error("--profile default needs --home with built indexes (see the module doc)")
        rows += run("default", args.home.resolve(), data, args.questions, {"rounds": [1]})
    print(f"load average after: {os.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
