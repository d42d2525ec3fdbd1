"""Wall time of `ask` over a handful of real questions, split by stage.

Run under the shared CPU lock, e.g.::

    flock /tmp/bw-cpu.lock python benchmarks/ask.py --data ../shared/data
    flock /tmp/bw-cpu.lock python benchmarks/ask.py --profile fast --max-docs 150

Stages (seconds, from each run's provenance): retrieve, llm (first-round
findings), exchange (re-query retrieval + findings), synthesis, scoring. Tokens
per second come from the LLM calls whose provider reports usage. Target
(issue 4): p50 at most 30 s with 3 agents and 1 exchange round on a 2-core CPU.

Two configurations run in one go, on the same indexes and questions: the
defaults, and the baseline they are measured against, LLM-written findings
(``agents.findings = "llm"``, the default before). The first question of each
includes loading the models. Results go to stdout and, with --json, to a file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from questions import QUESTIONS  # benchmarks/questions.py, beside this script

from brainweave.graphs.run import ask
from brainweave.retrieval import build_indexes
from brainweave.settings import load_settings

STAGES = {
    "retrieve": ["retrieve"],
    "llm": ["llm"],
    "exchange": ["exchange", "exchange_retrieve", "exchange_llm"],
    "synthesis": ["synthesis"],
    "scoring": ["scoring"],
}


def _stages(timings: dict[str, float]) -> dict[str, float]:
    return {name: sum(timings.get(k, 0.0) for k in keys) for name, keys in STAGES.items()}


def run_questions(
    settings: Any, questions: list[str], rounds: int, label: str
) -> tuple[list[dict], Any]:
    rows, r = [], None
    for q in questions:
        t0 = time.perf_counter()
        r = ask(q, settings=settings, rounds=rounds)
        wall = time.perf_counter() - t0
        calls = r.provenance["llm_calls"]
        tokens = sum(c["tokens_out"] or 0 for c in calls)
        llm_s = sum(c["seconds"] for c in calls if c["tokens_out"])
        row = {
            "config": label,
            "question": q,
            "wall_s": round(wall, 2),
            **{k: round(v, 2) for k, v in _stages(r.provenance["timings_s"]).items()},
            "llm_calls": len(calls),
            "tokens_out": tokens,
            "tokens_per_s": round(tokens / llm_s, 1) if llm_s else None,
            "findings": len(r.findings),
            "llm_findings_fell_back": sum(
                1 for i in r.issues if i.stage == "llm" and i.agent != "synthesis"
            ),
            "hypotheses": len(r.hypotheses),
            "phrased_by_llm": sum(h.phrased_by == "llm" for h in r.hypotheses),
            "issues": len(r.issues),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows, r


def summarise(rows: list[dict]) -> dict[str, Any]:
    walls = [r["wall_s"] for r in rows]
    return {
        "questions": len(rows),
        "first_wall_s (models load)": walls[0],
        "wall_p50_s": statistics.median(walls),
        "wall_max_s": max(walls),
        "stage_p50_s": {k: statistics.median(r[k] for r in rows) for k in STAGES},
        "hypotheses_phrased_by_llm": f"{sum(r['phrased_by_llm'] for r in rows)}"
        f"/{sum(r['hypotheses'] for r in rows)}",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--data", type=Path, default=None, help="corpora directory")
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--max-docs", type=int, default=None, help="documents per source")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--limit", type=int, default=5, help="questions (default 5)")
    ap.add_argument(
        "--no-baseline", action="store_true", help="skip the baseline (LLM-written findings)"
    )
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    overrides: dict[str, Any] = {"data_dir": args.data, "home": args.home}
    if args.max_docs:
        overrides["index"] = {"max_docs_per_source": args.max_docs}
    settings = load_settings(profile=args.profile, **overrides)
    build_indexes(settings, progress=True)
    questions = QUESTIONS[: args.limit]
    configs = {f"defaults (findings={settings.agents.findings})": settings}
    if not args.no_baseline:
        base = settings.model_copy(
            update={"agents": settings.agents.model_copy(update={"findings": "llm"})}
        )
        configs["baseline (findings=llm, the agents' LLM writes findings)"] = base
    rows: list[dict] = []
    summaries = {}
    for label, s in configs.items():
        got, r0 = run_questions(s, questions, args.rounds, label)
        rows += got
        summaries[label] = summarise(got)
    report: dict[str, Any] = {
        "profile": args.profile,
        "llm": r0.provenance["llm"],
        "scorer": r0.provenance["scorer"],
        "rounds": args.rounds,
        "target": "p50 <= 30 s (3 agents, 1 exchange round, 2-core CPU)",
        "configs": summaries,
    }
    if len(summaries) == 2:
        (_, new), (_, old) = summaries.items()
        report["speedup_p50_vs_baseline"] = round(old["wall_p50_s"] / new["wall_p50_s"], 2)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"runs": rows, "report": report}, indent=2))


if __name__ == "__main__":
    main()
