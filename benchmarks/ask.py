"""Wall time of `ask` over a handful of real questions, split by stage.

Run under the shared CPU lock, e.g.::

    flock /tmp/bw-cpu.lock python benchmarks/ask.py --data ../shared/data
    flock /tmp/bw-cpu.lock python benchmarks/ask.py --profile fast --max-docs 150

Stages (seconds, from each run's provenance): retrieve, llm (first-round
findings), exchange (re-query retrieval + findings), synthesis, scoring. Tokens
per second come from the LLM calls whose provider reports usage. Target
(issue 4): p50 at most 30 s with 3 agents and 1 exchange round on a 2-core CPU.
Results go to stdout and, with --json, to a file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from brainweave.graphs.run import ask
from brainweave.retrieval import build_indexes
from brainweave.settings import load_settings

QUESTIONS = [
    "How do APOE variants relate to hippocampal atrophy and memory decline?",
    "Which genes link dopamine signalling in the striatum to Parkinson's disease symptoms?",
    "How does amygdala activity relate to anxiety and its treatment?",
    "What connects SNCA and the substantia nigra in Parkinson's disease?",
    "How do epilepsy genes relate to hippocampal sclerosis and seizures?",
]

STAGES = {
    "retrieve": ["retrieve"],
    "llm": ["llm"],
    "exchange": ["exchange", "exchange_retrieve", "exchange_llm"],
    "synthesis": ["synthesis"],
    "scoring": ["scoring"],
}


def _stages(timings: dict[str, float]) -> dict[str, float]:
    return {name: sum(timings.get(k, 0.0) for k in keys) for name, keys in STAGES.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--data", type=Path, default=None, help="corpora directory")
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--max-docs", type=int, default=None, help="documents per source")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--limit", type=int, default=len(QUESTIONS))
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    overrides: dict[str, Any] = {"data_dir": args.data, "home": args.home}
    if args.max_docs:
        overrides["index"] = {"max_docs_per_source": args.max_docs}
    settings = load_settings(profile=args.profile, **overrides)
    build_indexes(settings, progress=True)
    rows = []
    for q in QUESTIONS[: args.limit]:
        t0 = time.perf_counter()
        r = ask(q, settings=settings, rounds=args.rounds)
        wall = time.perf_counter() - t0
        calls = r.provenance["llm_calls"]
        tokens = sum(c["tokens_out"] or 0 for c in calls)
        llm_s = sum(c["seconds"] for c in calls if c["tokens_out"])
        row = {
            "question": q,
            "wall_s": round(wall, 2),
            **{k: round(v, 2) for k, v in _stages(r.provenance["timings_s"]).items()},
            "llm_calls": len(calls),
            "tokens_out": tokens,
            "tokens_per_s": round(tokens / llm_s, 1) if llm_s else None,
            "findings": len(r.findings),
            "hypotheses": len(r.hypotheses),
            "issues": len(r.issues),
        }
        rows.append(row)
        print(json.dumps(row))
    walls = [r["wall_s"] for r in rows]
    summary = {
        "profile": args.profile,
        "llm": rows and r.provenance["llm"],
        "scorer": rows and r.provenance["scorer"],
        "questions": len(rows),
        "wall_p50_s": statistics.median(walls),
        "wall_max_s": max(walls),
        "stage_p50_s": {k: statistics.median(r[k] for r in rows) for k in STAGES},
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"runs": rows, "summary": summary}, indent=2))


if __name__ == "__main__":
    main()
