"""A run's hypotheses and the reviewers' decisions on them, as CSV and JSON.

One CSV row per hypothesis with its latest decision (what a spreadsheet user
wants); the JSON carries the run's hypotheses and the full decision history
(what a script wants: nothing summarised away).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from brainweave.ui.store import Decision, scores_of

CSV_FIELDS = [
    "run_id",
    "question",
    "rank",
    "hypothesis_id",
    "statement",
    "domains",
    "plausibility",
    "perplexity",
    "memorised",
    "decision",
    "edited_statement",
    "edited_plausibility",
    "edited_perplexity",
    "note",
    "reviewer",
    "decided_at",
    "decisions_total",
]


def rows(run: dict[str, Any], history: list[Decision]) -> list[dict[str, Any]]:
    """One row per hypothesis of the run, with its latest decision (blank if none)."""
    latest: dict[str, Decision] = {}
    total: dict[str, int] = {}
    for dec in history:
        if dec.run_id == run["run_id"]:
            latest[dec.hypothesis_id] = dec
            total[dec.hypothesis_id] = total.get(dec.hypothesis_id, 0) + 1
    out = []
    for h in run.get("hypotheses") or []:
        d: Decision | None = latest.get(h["id"])
        e = d.edited_scores if d else None
        scores = scores_of(h)
        out.append(
            {
                "run_id": run["run_id"],
                "question": run.get("question", ""),
                "rank": h.get("rank"),
                "hypothesis_id": h["id"],
                "statement": h.get("statement", ""),
                "domains": ";".join(h.get("domains", [])),
                "plausibility": scores.plausibility,
                "perplexity": scores.perplexity,
                "memorised": scores.memorised,
                "decision": d.decision if d else "",
                "edited_statement": (d.edited_statement or "") if d else "",
                "edited_plausibility": e.plausibility if e else None,
                "edited_perplexity": e.perplexity if e else None,
                "note": d.note if d else "",
                "reviewer": d.reviewer if d else "",
                "decided_at": d.created_at if d else "",
                "decisions_total": total.get(h["id"], 0),
            }
        )
    return out


def to_csv(run: dict[str, Any], history: list[Decision]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows(run, history):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


def to_json(run: dict[str, Any], history: list[Decision]) -> str:
    """The run (question, hypotheses with scores and counterfactuals, findings) and
    every decision on it, oldest first."""
    doc = {
        "run_id": run["run_id"],
        "question": run.get("question", ""),
        "hypotheses": run.get("hypotheses") or [],
        "findings": run.get("findings") or [],
        "latest": rows(run, history),
        "decisions": [d.model_dump(mode="json") for d in history if d.run_id == run["run_id"]],
    }
    return json.dumps(doc, indent=2)
