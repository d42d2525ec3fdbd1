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

``--baseline-rev REV`` measures the code at git revision REV instead, in a
subprocess over a checkout of REV (laid out as the installed package, the way
``scripts/typecheck.sh`` lays out this tree), on the same indexes, questions and
settings, then the current code in this process: the p50 of both and whether
every hypothesis (statement, citations, domains, bridge, scores, counterfactuals)
is the same, exactly or within ``--tolerance`` relative for the numbers::

    python benchmarks/ask.py --profile fast --max-docs 150 --baseline-rev 1cbb2ba
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
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
    settings: Any, questions: list[str], rounds: int, label: str, keep: list | None = None
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
        if keep is not None:
            keep.append(r.to_json()["hypotheses"])
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


def _comparable(hyps: list[dict]) -> list[dict]:
    """Hypotheses as both versions' JSON can say them (old records keep scores flat)."""
    from brainweave.agents.models import Hypothesis

    out = []
    for h in hyps:
        hyp = Hypothesis.model_validate(h)
        sc = hyp.scores
        out.append(
            {
                "statement": hyp.statement,
                "finding_ids": hyp.finding_ids,
                "passage_ids": hyp.passage_ids,
                "domains": hyp.domains,
                "bridge": hyp.bridge,
                "phrased_by": hyp.phrased_by,
                "rank": hyp.rank,
                "scorable": sc.scorable,
                "plausibility": sc.plausibility,
                "p_vs_all": sc.p_vs_all,
                "perplexity": sc.perplexity,
                "counterfactuals": [(c.text, c.kind, c.perplexity) for c in sc.counterfactuals],
            }
        )
    return out


def _close(a: Any, b: Any, tol: float) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=tol)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], tol) for k in a)
    return bool(a == b)


def compare(before: list[list[dict]], after: list[list[dict]], tol: float) -> dict[str, Any]:
    """Per question: are the hypotheses the same (numbers within ``tol`` relative)?"""
    same, differ = 0, []
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        if _close(_comparable(b), _comparable(a), tol):
            same += 1
        else:
            differ.append(i)
    return {
        "questions_compared": len(before),
        "same": same,
        "differ": differ,
        "tolerance": tol,
        "hypotheses": sum(len(b) for b in before),
    }


def _baseline_tree(rev: str) -> Path:
    """The code at ``rev`` laid out as the installed package ``brainweave``."""
    repo = Path(__file__).resolve().parents[1]
    root = Path(tempfile.mkdtemp(prefix=f"bw-{rev[:12]}-"))
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    pkg = root / "pkg" / "brainweave"
    pkg.mkdir(parents=True)
    for f in (root / "brainweave").iterdir():
        (pkg / f.name).symlink_to(f)
    for d in ("agents", "retrieval", "graphs", "ui", "corpora", "scoring", "sweeps"):
        if (root / d).is_dir():
            (pkg / d).symlink_to(root / d)
    return root / "pkg"


def run_baseline(rev: str, argv: list[str]) -> dict[str, Any]:
    """This script's measurement, run by the code at ``rev`` in a subprocess."""
    path = _baseline_tree(rev)
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    env = {**os.environ, "PYTHONPATH": str(path)}
    cmd = [sys.executable, __file__, *argv, "--no-baseline", "--measure-to", str(out)]
    subprocess.run(cmd, check=True, env=env)
    doc: dict[str, Any] = json.loads(out.read_text())
    import brainweave

    assert str(path) not in str(Path(brainweave.__file__).resolve()), "this process: current code"
    return doc


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
    ap.add_argument("--baseline-rev", default=None, help="measure this git revision as baseline")
    ap.add_argument("--tolerance", type=float, default=0.0, help="relative, for --baseline-rev")
    ap.add_argument("--measure-to", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if args.baseline_rev:
        return main_against_revision(args)
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
    kept: list[list[dict]] = []
    for label, s in configs.items():
        got, r0 = run_questions(s, questions, args.rounds, label, kept if not rows else None)
        rows += got
        summaries[label] = summarise(got)
    if args.measure_to:  # a --baseline-rev subprocess: hand the figures back
        args.measure_to.write_text(json.dumps({"rows": rows, "hypotheses": kept}))
        return
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


def main_against_revision(args: argparse.Namespace) -> None:
    """The code at ``--baseline-rev`` and the current code, same indexes and questions."""
    home = args.home or Path(tempfile.mkdtemp(prefix="bw-bench-home-"))
    argv = ["--profile", args.profile, "--home", str(home), "--rounds", str(args.rounds)]
    argv += ["--limit", str(args.limit)]
    if args.data:
        argv += ["--data", str(args.data)]
    if args.max_docs:
        argv += ["--max-docs", str(args.max_docs)]
    before = run_baseline(args.baseline_rev, argv)
    overrides: dict[str, Any] = {"data_dir": args.data, "home": home}
    if args.max_docs:
        overrides["index"] = {"max_docs_per_source": args.max_docs}
    settings = load_settings(profile=args.profile, **overrides)
    build_indexes(settings)  # built by the baseline run: reused
    after_hyps: list[list[dict]] = []
    after, r0 = run_questions(settings, QUESTIONS[: args.limit], args.rounds, "current", after_hyps)
    b, a = summarise(before["rows"]), summarise(after)
    report = {
        "profile": args.profile,
        "llm": r0.provenance["llm"],
        "scorer": r0.provenance["scorer"],
        "rounds": args.rounds,
        "baseline": {"revision": args.baseline_rev, **b},
        "current": a,
        "speedup_p50_vs_baseline": round(b["wall_p50_s"] / a["wall_p50_s"], 2),
        "same_results": compare(before["hypotheses"], after_hyps, args.tolerance),
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"runs": before["rows"] + after, "report": report}))


if __name__ == "__main__":
    main()
